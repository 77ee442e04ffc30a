// unpinned-image: its reasons and its advice, which keeps the name as the user wrote it.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze } from '../../../src/core/index.js';
import { writtenName } from '../../../src/core/rules/unpinnedImage.js';

const unpinned = (text: string) => analyze(text, 'dockerfile').findings.filter((f) => f.rule === 'unpinned-image');

test('the advice keeps the registry and repository as written', () => {
  const [finding] = unpinned('FROM docker.io/redis:8.8.0\nUSER 1\n');
  assert.equal(finding!.reason, 'mutable-tag');
  assert.equal(
    finding!.message,
    '`docker.io/redis:8.8.0` is not pinned: the tag `8.8.0` can be moved to other content. Pin it to its digest (`docker.io/redis:8.8.0@sha256:…`).',
  );
  assert.match(
    unpinned('FROM registry.example.com:5000/team/api\nUSER 1\n')[0]!.message,
    /means `registry\.example\.com:5000\/team\/api:latest`/,
  );
  assert.match(
    unpinned('FROM index.docker.io/library/nginx:latest\nUSER 1\n')[0]!.message,
    /`index\.docker\.io\/library\/nginx:<version>@sha256:…`/,
  );
});

test('a reference built from variables shows what it resolved to', () => {
  const [finding] = unpinned('ARG TAG=1.27\nFROM nginx:$TAG\nUSER 1\n');
  assert.match(finding!.message, /^`nginx:\$TAG` \(`nginx:1\.27`\) is not pinned/);
});

test('writtenName drops the tag and digest, not a registry port', () => {
  assert.equal(writtenName('localhost:5000/app:1'), 'localhost:5000/app');
  assert.equal(writtenName('localhost:5000/app'), 'localhost:5000/app');
  assert.equal(writtenName(`nginx:1@sha256:${'a'.repeat(64)}`), 'nginx');
  assert.equal(writtenName('docker.io/redis'), 'docker.io/redis');
});
