import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseReference, familiarName } from '../../../src/core/index.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

function ok(text: string) {
  const result = parseReference(text);
  assert.ok(result.ok, `${text} should parse: ${result.ok ? '' : result.error}`);
  return result.reference;
}

function bad(text: string): string {
  const result = parseReference(text);
  assert.ok(!result.ok, `${text} should be invalid`);
  return result.error;
}

test('a bare name is normalised to docker.io/library', () => {
  const ref = ok('nginx');
  assert.equal(ref.domain, 'docker.io');
  assert.equal(ref.path, 'library/nginx');
  assert.equal(ref.normalized, 'docker.io/library/nginx');
  assert.equal(ref.tag, undefined);
});

test('a Docker Hub user repository gets docker.io but not library/', () => {
  assert.equal(ok('bitnami/redis:7.2').normalized, 'docker.io/bitnami/redis:7.2');
});

test('index.docker.io and registry-1.docker.io are Docker Hub', () => {
  assert.equal(ok('index.docker.io/nginx:1').normalized, 'docker.io/library/nginx:1');
  assert.equal(ok('registry-1.docker.io/library/nginx').normalized, 'docker.io/library/nginx');
  assert.equal(ok('docker.io/nginx').normalized, 'docker.io/library/nginx');
});

test('a registry host with a port is a domain, and the tag after it is a tag', () => {
  const ref = ok('registry.example.com:5000/team/app:1.2.3');
  assert.equal(ref.domain, 'registry.example.com:5000');
  assert.equal(ref.path, 'team/app');
  assert.equal(ref.tag, '1.2.3');
});

test('localhost is a domain with or without a port', () => {
  assert.equal(ok('localhost/app').domain, 'localhost');
  assert.equal(ok('localhost:5000/app:dev').domain, 'localhost:5000');
});

test('an upper-case first component is a domain (as Docker decides)', () => {
  assert.equal(ok('Registry/app').domain, 'Registry');
});

test('an IPv6 registry host in brackets', () => {
  assert.equal(ok('[::1]:5000/app:1').domain, '[::1]:5000');
});

test('deep paths and separators', () => {
  assert.equal(ok('ghcr.io/org/sub/team/app_x.y-z__w:v1').path, 'org/sub/team/app_x.y-z__w');
});

test('tag and digest together; digest alone', () => {
  const both = ok(`nginx:1.27@${DIGEST}`);
  assert.equal(both.tag, '1.27');
  assert.equal(both.digest, DIGEST);
  const digestOnly = ok(`quay.io/a/b@${DIGEST}`);
  assert.equal(digestOnly.tag, undefined);
  assert.equal(digestOnly.digest, DIGEST);
});

test('familiar names drop docker.io and library/', () => {
  assert.equal(familiarName(ok('nginx:1')), 'nginx');
  assert.equal(familiarName(ok('bitnami/redis')), 'bitnami/redis');
  assert.equal(familiarName(ok('quay.io/x/y')), 'quay.io/x/y');
});

test('invalid references say why', () => {
  assert.match(bad(''), /empty/);
  assert.match(bad('Nginx:1'), /lowercase/);
  assert.match(bad('docker.io/Library/nginx'), /lowercase/);
  assert.match(bad('nginx:1 2'), /whitespace/);
  assert.match(bad('-nginx'), /start with "-"/);
  assert.match(bad('nginx;rm -rf /'), /whitespace|not allowed/);
  assert.match(bad('nginx$(id)'), /not allowed/);
  assert.match(bad('nginx\u0007'), /control/);
  assert.match(bad('nginx@sha256:abc'), /digest/);
  assert.match(bad(`nginx@sha256:${'a'.repeat(63)}`), /digest|64/);
  assert.match(bad(`nginx@md5:${'a'.repeat(32)}`), /unsupported digest algorithm/);
  assert.match(bad('a'.repeat(64)), /image ID/);
  assert.match(bad(`${'a'.repeat(256)}:1`), /longer than 255/);
  assert.ok(bad('nginx:-bad'));
  assert.ok(bad(`nginx:${'t'.repeat(129)}`));
  assert.ok(bad('nginx::1'));
  assert.ok(bad('host:port/x'));
  assert.ok(bad('a//b'));
  assert.ok(bad('a/b/'));
});

test('a 128-character tag is the longest allowed', () => {
  assert.equal(ok(`nginx:${'t'.repeat(128)}`).tag?.length, 128);
});
