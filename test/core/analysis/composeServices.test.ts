// Compose services: who they run as (`user:`), what they build (`build:`), and variables.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze } from '../../../src/core/index.js';
import { at, rules } from '../../support/analysis.js';

const compose = (text: string, composeEnv: Record<string, string> = {}) => analyze(text, 'yaml', { composeEnv });

describe('Compose user', () => {
  test('a root user is root-user (explicit), at the value; non-root users, and none, are not', () => {
    const text = [
      'services:',
      '  a: {image: "nginx@sha256:' + 'a'.repeat(64) + '", user: root}',
      '  b:',
      '    image: redis@sha256:' + 'b'.repeat(64),
      '    user: "0:0"',
      '  c: {image: "alpine@sha256:' + 'c'.repeat(64) + '", user: 0}',
      '  d: {image: "busybox@sha256:' + 'd'.repeat(64) + '", user: "1000:1000"}',
      '  e: {image: "busybox@sha256:' + 'e'.repeat(64) + '"}',
      '',
    ].join('\n');
    const result = compose(text);
    assert.deepEqual(rules(result), ['root-user/explicit', 'root-user/explicit', 'root-user/explicit']);
    assert.deepEqual(
      result.findings.map((f) => at(f.range)),
      ['2:101-2:105', '5:12-5:15', '6:102-6:103'],
    );
    assert.match(result.findings[0]!.message, /^Service `a` runs as root \(`user: root`\)/);
  });

  test('a user from a variable is judged after interpolation, and not at all when it has no value', () => {
    const text = 'services:\n  app:\n    image: nginx@sha256:' + 'a'.repeat(64) + '\n    user: ${APP_USER}\n';
    assert.deepEqual(rules(compose(text, { APP_USER: 'root' })), ['root-user/explicit']);
    assert.match(compose(text, { APP_USER: 'root' }).findings[0]!.message, /\(`user: \$\{APP_USER\}` \(root\)\)/);
    assert.deepEqual(rules(compose(text, { APP_USER: '1000' })), []);
    assert.deepEqual(rules(compose(text)), []);
  });

  test('# shipshape-ignore silences it', () => {
    assert.deepEqual(
      rules(compose('services:\n  a:\n    image: nginx@sha256:' + 'a'.repeat(64) + '\n    user: root # shipshape-ignore root-user\n')),
      [],
    );
  });
});

describe('Compose build', () => {
  test('a built service: its image names what is built, so neither unpinned nor unresolved; the build is recorded', () => {
    const text = [
      'services:',
      '  api:',
      '    build: {context: ./api, dockerfile: Dockerfile.prod}',
      '    image: ${REGISTRY}/api:${TAG}',
      '  web:',
      '    build: ./web',
      '    image: web:latest',
      '',
    ].join('\n');
    const result = compose(text);
    assert.deepEqual(rules(result), []);
    assert.deepEqual(
      result.services?.map((s) => [s.service, s.build?.context, s.build?.dockerfile, s.build && at(s.build.range)]),
      [
        ['api', './api', 'Dockerfile.prod', '3:12-3:57'],
        ['web', './web', 'Dockerfile', '6:12-6:17'],
      ],
    );
  });

  test('the build context is interpolated', () => {
    const result = compose('services:\n  api:\n    build: ${SRC:-./src}/api\n', {});
    assert.equal(result.services?.[0]?.build?.context, './src/api');
  });
});

describe('Compose variables', () => {
  test('images from the project variables resolve; without them they are unresolved-image', () => {
    const text = 'services:\n  app:\n    image: ${REGISTRY}/shop/app:${TAG:-latest}\n';
    assert.deepEqual(rules(compose(text)), ['unresolved-image']);
    const resolved = compose(text, { REGISTRY: 'registry.lan:5000', TAG: '2.1' });
    assert.deepEqual(rules(resolved), ['unpinned-image/mutable-tag']);
    assert.equal(resolved.images[0]!.resolved, 'registry.lan:5000/shop/app:2.1');
    assert.equal(resolved.findings[0]!.reference, 'registry.lan:5000/shop/app:2.1');
    assert.equal(resolved.findings[0]!.raw, '${REGISTRY}/shop/app:${TAG:-latest}');
  });
});

describe('Compose services written twice', () => {
  test('one service, its last definition, and a duplicate-key error', () => {
    const result = compose('services:\n  web:\n    image: nginx:1.27\n  web:\n    image: nginx:1.28\n');
    assert.deepEqual(
      result.images.map((i) => i.raw),
      ['nginx:1.28'],
    );
    assert.equal(result.errors.length, 1);
    assert.match(result.errors[0]!.message, /duplicate key `web`/);
  });
});
