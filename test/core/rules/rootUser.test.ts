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
      ['docker.io/library/node:22', { user: '1000', from: 'trivy' }],
      ['ghcr.io/acme/base:1', { user: 'root', from: 'trivy' }],
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

const config = (entries: Record<string, string>) =>
  new Map(Object.entries(entries).map(([reference, user]) => [reference, { user, from: 'image-config' as const }]));
const DIGEST = `sha256:${'a'.repeat(64)}`;
const pod = (containerSecurity: string, image = `ghcr.io/acme/api@${DIGEST}`) =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: api\n      image: ${image}\n${containerSecurity}`;

test("Kubernetes: the image's configured user settles an implicit root-user, or makes it definite", () => {
  const text = pod('');
  const verdict = (users: Record<string, string>) =>
    analyze(text, 'yaml', { imageUsers: config(users) }).findings.filter((f) => f.rule === 'root-user');
  const ref = `ghcr.io/acme/api@${DIGEST}`;
  assert.deepEqual(analyze(text, 'yaml').usersWanted, [ref]);
  assert.deepEqual(verdict({ [ref]: '1000' }), []);
  assert.deepEqual(verdict({ [ref]: 'app' }), [], 'a named user that is not root is not root');
  const [root] = verdict({ [ref]: '' });
  assert.equal(root!.reason, 'implicit');
  assert.equal(root!.userFrom, 'image-config');
  assert.match(
    root!.message,
    /^Container `api` runs as root: neither `runAsUser` nor `runAsNonRoot: true` is set, and the image `ghcr\.io\/acme\/api@sha256:a+` runs as root \(its configured user is empty, as its image config says\)/,
  );
  assert.match(verdict({ [ref]: '0' })[0]!.message, /its configured user is `0`/);
});

test('Kubernetes: runAsNonRoot: true without runAsUser and an image that runs as root, or as a name, will not start', () => {
  const text = pod('      securityContext: {runAsNonRoot: true}\n');
  const ref = `ghcr.io/acme/api@${DIGEST}`;
  const verdict = (user: string) =>
    analyze(text, 'yaml', { imageUsers: config({ [ref]: user }) }).findings.filter((f) => f.rule === 'root-user');
  assert.deepEqual(analyze(text, 'yaml').findings, [], 'unknown: nothing to say');
  assert.deepEqual(analyze(text, 'yaml').usersWanted, [ref], 'but its user is worth asking');
  const [root] = verdict('');
  assert.equal(root!.reason, 'will-not-start');
  assert.equal(root!.severity, 'error');
  assert.match(root!.message, /will not start: `runAsNonRoot: true` without a `runAsUser`, and the image runs as root/);
  assert.match(
    verdict('app:app')[0]!.message,
    /the image's user is a name, not a UID, so the kubelet cannot verify that it is not root \(its configured user is `app:app`/,
  );
  assert.deepEqual(verdict('65532'), []);
  assert.deepEqual(verdict('1000:1000'), []);
  // A runAsUser makes the image's user irrelevant: nothing is asked.
  assert.equal(analyze(pod('      securityContext: {runAsNonRoot: true, runAsUser: 1000}\n'), 'yaml').usersWanted, undefined);
});

test('Compose: a service without user: that pulls an image running as root; a built one is not asked', () => {
  const text = `services:\n  web:\n    image: nginx@${DIGEST}\n  api:\n    build: .\n    image: api:dev\n`;
  const ref = `docker.io/library/nginx@${DIGEST}`;
  assert.deepEqual(analyze(text, 'yaml').usersWanted, [ref]);
  const result = analyze(text, 'yaml', { imageUsers: config({ [ref]: '' }) });
  assert.deepEqual(
    result.findings.map((f) => [f.rule, f.reason, f.range.start.line]),
    [['root-user', 'implicit', 2]],
  );
  assert.match(result.findings[0]!.message, /^Service `web` sets no `user:`, and its image `nginx@sha256:a+` runs as root/);
  assert.deepEqual(analyze(text, 'yaml', { imageUsers: config({ [ref]: '101' }) }).findings, []);
});

test('Dockerfile: the base image whose user is wanted, and the message once it is known', () => {
  const text = `FROM ghcr.io/acme/base@${DIGEST}\nCOPY app /app\nCMD ["/app"]\n`;
  const ref = `ghcr.io/acme/base@${DIGEST}`;
  assert.deepEqual(analyze(text, 'dockerfile').usersWanted, [ref]);
  const [finding] = analyze(text, 'dockerfile', { imageUsers: config({ [ref]: 'root' }) }).findings;
  assert.match(finding!.message, /which runs as root \(its configured user is `root`, as its image config says\)/);
  assert.equal(finding!.userFrom, 'image-config');
  assert.deepEqual(analyze(text, 'dockerfile', { imageUsers: config({ [ref]: 'nobody' }) }).findings, []);
  assert.equal(analyze(`FROM scratch\nCOPY app /\n`, 'dockerfile').usersWanted, undefined);
});
