// Compose files: services.*.image with exact ranges, ${VAR} interpolation, built images,
// extension keys, anchors and merge keys, and platform.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { AnalysisResult } from '../../../src/core/index.js';
import { at, textAt, yaml } from '../../support/analysis.js';

const DIGEST = `sha256:${'c'.repeat(64)}`;

function images(text: string, result: AnalysisResult): string[] {
  return result.images.map((i) => `${at(i.range)} ${i.status} ${textAt(text, i.range)}`);
}

function findings(text: string, result: AnalysisResult): string[] {
  return result.findings.map(
    (f) => `${at(f.range)} ${f.rule}${f.reason !== undefined ? `/${f.reason}` : ''} ${f.severity} ${textAt(text, f.range)}`,
  );
}

function byService(result: AnalysisResult, service: string) {
  const found = result.images.filter((i) => i.compose?.service === service);
  assert.equal(found.length, 1, `expected one image for service ${service}, got ${found.length}`);
  return found[0]!;
}

test('services.*.image: exact ranges for plain, quoted and commented values', () => {
  const text = `services:
  web:
    image: nginx:1.27
    ports: ["8080:80"]
  db:
    image: "postgres:16"
  cache:
    image: 'redis'
  worker:
    image: alpine:latest # the worker
  pinned:
    image: nginx@${DIGEST}
volumes:
  data: {}
`;
  const result = yaml(text);
  assert.deepEqual(result.sources, ['compose']);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(images(text, result), [
    '3:12-3:22 image nginx:1.27',
    '6:13-6:24 image postgres:16',
    '8:13-8:18 image redis',
    '10:12-10:25 image alpine:latest',
    `12:12-12:89 image nginx@${DIGEST}`,
  ]);
  assert.deepEqual(
    result.images.map((i) => [i.source, i.raw, i.compose]),
    [
      ['compose', 'nginx:1.27', { service: 'web' }],
      ['compose', 'postgres:16', { service: 'db' }],
      ['compose', 'redis', { service: 'cache' }],
      ['compose', 'alpine:latest', { service: 'worker' }],
      ['compose', `nginx@${DIGEST}`, { service: 'pinned' }],
    ],
  );
  assert.equal(
    result.images.every((i) => i.kubernetes === undefined),
    true,
  );
  assert.deepEqual(findings(text, result), [
    '3:12-3:22 unpinned-image/mutable-tag info nginx:1.27',
    '6:13-6:24 unpinned-image/mutable-tag info postgres:16',
    '8:13-8:18 unpinned-image/untagged warning redis',
    '10:12-10:25 unpinned-image/latest warning alpine:latest',
  ]);
});

test('a top-level version: key and other sections do not matter', () => {
  const text = `version: "3.9"
name: shop
services:
  web:
    image: nginx
networks:
  front: {}
`;
  const result = yaml(text);
  assert.deepEqual(result.sources, ['compose']);
  assert.deepEqual(findings(text, result), ['5:12-5:17 unpinned-image/untagged warning nginx']);
});

test('platform: is recorded', () => {
  const text = `services:
  web:
    image: nginx:1.27
    platform: linux/arm64
  db:
    image: postgres:16
`;
  const result = yaml(text);
  assert.equal(byService(result, 'web').platform, 'linux/arm64');
  assert.equal(byService(result, 'db').platform, undefined);
});

test('platform: is recorded after substitution', () => {
  const text = `services:
  web:
    image: nginx:1.27
    platform: \${PLAT:-linux/amd64}
`;
  assert.equal(byService(yaml(text), 'web').platform, 'linux/amd64');
  assert.equal(byService(yaml(text, { composeEnv: { PLAT: 'linux/arm64' } }), 'web').platform, 'linux/arm64');
});

// ---------------------------------------------------------------------------------------------
// Interpolation
// ---------------------------------------------------------------------------------------------

test('${TAG:-1.25} without TAG resolves to the default; the range is the whole written text', () => {
  const text = `services:
  web:
    image: nginx:\${TAG:-1.25}
`;
  const result = yaml(text);
  const image = byService(result, 'web');
  assert.equal(image.status, 'image');
  assert.equal(image.raw, 'nginx:${TAG:-1.25}');
  assert.equal(image.resolved, 'nginx:1.25');
  assert.equal(image.reference?.tag, '1.25');
  assert.deepEqual(images(text, result), ['3:12-3:30 image nginx:${TAG:-1.25}']);
  assert.deepEqual(findings(text, result), ['3:12-3:30 unpinned-image/mutable-tag info nginx:${TAG:-1.25}']);
  assert.equal(
    result.findings[0]!.message,
    '`nginx:${TAG:-1.25}` (`nginx:1.25`) is not pinned: the tag `1.25` can be moved to other content. Pin it to its digest (`nginx:1.25@sha256:…`).',
  );
});

test('${TAG} with no value: unresolved, with an unresolved-image finding', () => {
  const text = `services:
  web:
    image: "nginx:\${TAG}"
  api:
    image: nginx:$TAG
  app:
    image: \${REGISTRY}/app:\${VERSION}
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), [
    '3:13-3:25 unresolved nginx:${TAG}',
    '5:12-5:22 unresolved nginx:$TAG',
    '7:12-7:38 unresolved ${REGISTRY}/app:${VERSION}',
  ]);
  assert.deepEqual(
    result.images.map((i) => [i.unresolvedVariables, i.resolved, i.pinned]),
    [
      [['TAG'], undefined, false],
      [['TAG'], undefined, false],
      [['REGISTRY', 'VERSION'], undefined, false],
    ],
  );
  assert.deepEqual(findings(text, result), [
    '3:13-3:25 unresolved-image info nginx:${TAG}',
    '5:12-5:22 unresolved-image info nginx:$TAG',
    '7:12-7:38 unresolved-image info ${REGISTRY}/app:${VERSION}',
  ]);
  assert.equal(
    result.findings[0]!.message,
    "`nginx:${TAG}` depends on TAG, which has no value here, so the image is unknown. Set TAG in the project's .env (or pass --env TAG=…), or give a default (${NAME:-default}) to check it.",
  );
  assert.equal(result.findings[2]!.raw, '${REGISTRY}/app:${VERSION}');
});

test('unresolved-image can be switched off or given another severity', () => {
  const text = `services:
  web:
    image: nginx:\${TAG}
`;
  assert.deepEqual(yaml(text, { rules: { 'unresolved-image': { enabled: false } } }).findings, []);
  assert.deepEqual(
    yaml(text, { rules: { 'unresolved-image': { severity: 'warning' } } }).findings.map((f) => f.severity),
    ['warning'],
  );
});

test('composeEnv supplies variable values (and overrides defaults)', () => {
  const text = `services:
  a:
    image: nginx:\${TAG:-1.25}
  b:
    image: "nginx:\${TAG}"
  c:
    image: \${REGISTRY}/app:\${VERSION}
`;
  const result = yaml(text, { composeEnv: { TAG: '1.27', REGISTRY: 'ghcr.io/acme', VERSION: 'latest' } });
  assert.deepEqual(
    result.images.map((i) => [i.compose?.service, i.status, i.resolved]),
    [
      ['a', 'image', 'nginx:1.27'],
      ['b', 'image', 'nginx:1.27'],
      ['c', 'image', 'ghcr.io/acme/app:latest'],
    ],
  );
  assert.deepEqual(findings(text, result), [
    '3:12-3:30 unpinned-image/mutable-tag info nginx:${TAG:-1.25}',
    '5:13-5:25 unpinned-image/mutable-tag info nginx:${TAG}',
    '7:12-7:38 unpinned-image/latest warning ${REGISTRY}/app:${VERSION}',
  ]);
  assert.match(result.findings[2]!.message, /^`\$\{REGISTRY\}\/app:\$\{VERSION\}` \(`ghcr\.io\/acme\/app:latest`\) uses `latest`/);
});

test('an empty value: ${X:-d} takes the default, ${X-d} keeps the empty value', () => {
  const text = `services:
  colon:
    image: nginx:\${EMPTY:-1.23}
  plain:
    image: nginx:\${EMPTY-1.22}
  unset:
    image: nginx:\${UNSET-1.21}
`;
  const result = yaml(text, { composeEnv: { EMPTY: '' } });
  assert.deepEqual(
    result.images.map((i) => [i.compose?.service, i.status, i.resolved]),
    [
      ['colon', 'image', 'nginx:1.23'],
      ['plain', 'invalid', 'nginx:'],
      ['unset', 'image', 'nginx:1.21'],
    ],
  );
  assert.deepEqual(
    result.findings.map((f) => f.rule),
    ['unpinned-image', 'invalid-reference', 'unpinned-image'],
  );
});

test('$$ is a literal dollar, not a variable', () => {
  const text = `services:
  odd:
    image: nginx:$$TAG
  braces:
    image: nginx:$\${TAG}
`;
  const result = yaml(text, { composeEnv: { TAG: '1.27' } });
  // A literal `$` is not allowed in a reference, so both are invalid, and neither is unresolved.
  assert.deepEqual(
    result.images.map((i) => [i.status, i.resolved, i.unresolvedVariables]),
    [
      ['invalid', 'nginx:$TAG', undefined],
      ['invalid', 'nginx:${TAG}', undefined],
    ],
  );
  assert.deepEqual(findings(text, result), [
    '3:12-3:23 invalid-reference error nginx:$$TAG',
    '5:12-5:25 invalid-reference error nginx:$${TAG}',
  ]);
});

test('a service with build: and image: is recorded as built and not flagged unpinned', () => {
  const text = `services:
  app:
    build: .
    image: acme/app:latest
  api:
    build:
      context: ./api
      dockerfile: Dockerfile
    image: acme/api
  tool:
    build: ./tool
  web:
    image: nginx:latest
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), ['4:12-4:27 image acme/app:latest', '9:12-9:20 image acme/api', '13:12-13:24 image nginx:latest']);
  assert.deepEqual(
    result.images.map((i) => i.compose),
    [{ service: 'app', built: true }, { service: 'api', built: true }, { service: 'web' }],
  );
  assert.deepEqual(findings(text, result), ['13:12-13:24 unpinned-image/latest warning nginx:latest']);
});

test('a built service with an invalid image name is still reported as invalid', () => {
  const text = `services:
  app:
    build: .
    image: Acme/App
`;
  assert.deepEqual(findings(text, yaml(text)), ['4:12-4:20 invalid-reference error Acme/App']);
});

test('x- extension keys, anchors, merge keys and aliased services', () => {
  const text = `x-common: &common
  restart: always
  image: busybox:1.36
x-img: &img "redis:7.2"
services:
  one:
    <<: *common
  two:
    <<: *common
    image: busybox:1.37
  three:
    image: *img
  four: &four
    image: memcached
  five: *four
`;
  const result = yaml(text);
  assert.deepEqual(result.sources, ['compose']);
  assert.deepEqual(
    result.images.map((i) => `${i.compose?.service} ${at(i.range)} ${textAt(text, i.range)}`),
    [
      'one 3:10-3:22 busybox:1.36',
      'two 10:12-10:24 busybox:1.37',
      'three 4:14-4:23 redis:7.2',
      'four 14:12-14:21 memcached',
      'five 14:12-14:21 memcached',
    ],
  );
  // The x-common image is read only through `one` (two overrides it); shared places give one finding each.
  assert.deepEqual(findings(text, result), [
    '3:10-3:22 unpinned-image/mutable-tag info busybox:1.36',
    '4:14-4:23 unpinned-image/mutable-tag info redis:7.2',
    '10:12-10:24 unpinned-image/mutable-tag info busybox:1.37',
    '14:12-14:21 unpinned-image/untagged warning memcached',
  ]);
});

test('an x- extension alone with an image is not a service', () => {
  const text = `x-defaults:
  image: nginx:latest
services:
  web:
    image: nginx:1.27
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), ['5:12-5:22 image nginx:1.27']);
});

test('invalid images: uppercase, empty', () => {
  const text = `services:
  web:
    image: Nginx:1
  db:
    image: ""
`;
  const result = yaml(text);
  assert.deepEqual(
    result.images.map((i) => [i.compose?.service, i.status, i.problem]),
    [
      ['web', 'invalid', 'the repository name must be lowercase'],
      ['db', 'invalid', 'the image reference is empty'],
    ],
  );
  assert.deepEqual(findings(text, result), ['3:12-3:19 invalid-reference error Nginx:1', '5:13-5:13 invalid-reference error ']);
});

test('a service without a body does not stop the others from being read', () => {
  const text = `services:
  web:
  db:
    image: postgres:16
`;
  const result = yaml(text);
  assert.deepEqual(result.sources, ['compose']);
  assert.deepEqual(findings(text, result), ['4:12-4:23 unpinned-image/mutable-tag info postgres:16']);
});

test('services: that is not a mapping of mappings is not Compose', () => {
  const text = `services:
  - postgres:16
  - redis:7
`;
  assert.deepEqual(yaml(text), { sources: [], images: [], findings: [], errors: [], notes: [] });
});

test('severities and suppression apply to Compose images', () => {
  const text = `services:
  web:
    image: nginx:1.27
  api:
    # shipshape-ignore unpinned-image
    image: acme/api:latest
  job:
    image: busybox # shipshape-ignore
`;
  const result = yaml(text, { rules: { 'unpinned-image': { severity: { 'mutable-tag': 'error' } } } });
  assert.deepEqual(findings(text, result), ['3:12-3:22 unpinned-image/mutable-tag error nginx:1.27']);
  assert.equal(result.images.length, 3);
});

test('CRLF Compose file: exact ranges', () => {
  const text = [
    'services:',
    '  web:',
    '    image: nginx:latest',
    '    platform: linux/amd64',
    '  db:',
    '    image: "postgres:16"',
    '',
  ].join('\r\n');
  const result = yaml(text);
  assert.deepEqual(images(text, result), ['3:12-3:24 image nginx:latest', '6:13-6:24 image postgres:16']);
  assert.equal(byService(result, 'web').platform, 'linux/amd64');
});
