// Pin style `digest`: the digest alone with the tag kept in a comment; `--platform` and `AS` kept.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, applyEdits, pinEdits, type FileKind } from '../../../src/core/index.js';

const DIGEST = `sha256:${'c'.repeat(64)}`;

function pinned(text: string, kind: FileKind, file: string, style: 'digest' | 'tag-and-digest' = 'digest'): string {
  const { images } = analyze(text, kind);
  const { changes, refused } = pinEdits(images, () => DIGEST, { file, text }, file, style);
  assert.deepEqual(refused, []);
  return applyEdits(
    text,
    changes.map((c) => c.edit),
  );
}

test('Dockerfile: the comment goes on a line of its own above the FROM; --platform and AS stay', () => {
  const text = 'FROM --platform=$BUILDPLATFORM golang:1.26-alpine AS build\nFROM alpine:3.22\nUSER 1\n';
  const after = pinned(text, 'dockerfile', '/w/Dockerfile');
  assert.equal(
    after,
    `# golang:1.26-alpine\nFROM --platform=$BUILDPLATFORM golang@${DIGEST} AS build\n# alpine:3.22\nFROM alpine@${DIGEST}\nUSER 1\n`,
  );
  const images = analyze(after, 'dockerfile').images;
  assert.deepEqual(
    images.map((i) => [i.pinned, i.reference?.tag, i.reference?.digest]),
    [
      [true, undefined, DIGEST],
      [true, undefined, DIGEST],
    ],
  );
});

test('YAML: a trailing comment after the closing quote and brace; the value is the digest alone', () => {
  const text = 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - {name: a, image: "nginx:1.27"}\n    - name: b\n      image: redis\n';
  const after = pinned(text, 'yaml', '/w/pod.yaml');
  assert.equal(
    after,
    `apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - {name: a, image: "nginx@${DIGEST}"} # nginx:1.27\n    - name: b\n      image: redis@${DIGEST} # redis:latest\n`,
  );
  assert.ok(analyze(after, 'yaml').images.every((i) => i.pinned && i.reference?.tag === undefined));
});

test('the default style keeps the tag beside the digest', () => {
  assert.equal(pinned('FROM alpine:3.22\n', 'dockerfile', '/w/Dockerfile', 'tag-and-digest'), `FROM alpine:3.22@${DIGEST}\n`);
});
