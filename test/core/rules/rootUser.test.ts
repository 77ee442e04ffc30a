// What scans say about base images' users, as the root-user rule takes it.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, imageUsersOf, type ScanOutcome } from '../../../src/core/index.js';

const scanned = (reference: string, user?: string): ScanOutcome => ({
  ok: true,
  scan: {
    reference,
    vulnerabilities: [],
    counts: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 },
    scannedAt: 0,
    ...(user !== undefined && { user }),
  },
});

test('users by normalised reference; images without a user, failures and image IDs give none', () => {
  const users = imageUsersOf([
    scanned('node:22', '1000'),
    scanned('ghcr.io/acme/base:1', 'root'),
    scanned('alpine:3.20'),
    scanned(`sha256:${'a'.repeat(64)}`, '1'),
    { ok: false, failure: { reference: 'gone:1', reason: 'not-found', message: 'not found' } },
  ]);
  assert.deepEqual(
    [...users],
    [
      ['docker.io/library/node:22', '1000'],
      ['ghcr.io/acme/base:1', 'root'],
    ],
  );
});

test('a base whose own user is not root settles an implicit root-user; a root one keeps it', () => {
  const text = 'FROM node:22\nRUN npm ci\n';
  const rules = (outcomes: ScanOutcome[]) =>
    analyze(text, 'dockerfile', { imageUsers: imageUsersOf(outcomes) }).findings.map((f) => `${f.rule}/${f.reason}`);
  assert.deepEqual(rules([]), ['root-user/implicit', 'unpinned-image/mutable-tag']);
  assert.deepEqual(rules([scanned('node:22', 'node')]), ['unpinned-image/mutable-tag']);
  assert.deepEqual(rules([scanned('node:22', '0')]), ['root-user/implicit', 'unpinned-image/mutable-tag']);
});
