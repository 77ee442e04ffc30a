import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { refusedRedirect, registryBase } from '../../../src/core/registry/client.js';
import { CredentialStore, isDockerHub } from '../../../src/core/registry/credentials.js';

function store(config: object | string): CredentialStore {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-docker-config-'));
  writeFileSync(path.join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return new CredentialStore({ configDir: dir });
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('HTTPS unless the registry is on loopback or listed as insecure; Docker Hub is reached at registry-1.docker.io', () => {
  assert.equal(registryBase('ghcr.io'), 'https://ghcr.io');
  assert.equal(registryBase('registry.internal:5000'), 'https://registry.internal:5000');
  assert.equal(registryBase('registry.internal:5000', ['registry.internal:5000']), 'http://registry.internal:5000');
  assert.equal(registryBase('localhost:5000'), 'http://localhost:5000');
  assert.equal(registryBase('127.0.0.1:5000'), 'http://127.0.0.1:5000');
  assert.equal(registryBase('[::1]:5000'), 'http://[::1]:5000');
  assert.equal(registryBase('docker.io'), 'https://registry-1.docker.io');
  assert.equal(registryBase('localhost.evil.example'), 'https://localhost.evil.example');
});

test('redirects: followed to HTTPS, or to plain HTTP from plain HTTP or on loopback; never from HTTPS down to plain HTTP, never to other schemes', () => {
  const refused = (from: string, to: string) => refusedRedirect(new URL(from), new URL(to))?.reason;
  assert.equal(refused('https://ghcr.io/v2/a/manifests/1', 'https://pkg-containers.githubusercontent.com/x'), undefined);
  assert.equal(refused('http://127.0.0.1:5000/v2/a/manifests/1', 'http://127.0.0.2:5000/x'), undefined);
  assert.equal(refused('https://registry.example/v2/a/manifests/1', 'http://127.0.0.1:9000/x'), undefined);
  assert.equal(refused('https://registry.example/v2/a/manifests/1', 'http://cdn.example/x'), 'insecure');
  assert.equal(refused('https://registry.example/v2/a/manifests/1', 'file:///etc/passwd'), 'bad-response');
  assert.equal(refused('http://127.0.0.1:5000/v2/a/manifests/1', 'ftp://cdn.example/x'), 'bad-response');
  assert.match(
    refusedRedirect(new URL('https://r.example/'), new URL('http://cdn.example/x'))!.message,
    /from HTTPS to plain HTTP \(cdn\.example\); not followed/,
  );
});

test("Docker Hub's names all find the credentials docker login stores", async () => {
  const s = store({ auths: { 'https://index.docker.io/v1/': { auth: b64('hubuser:hubpass') } } });
  for (const host of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
    assert.ok(isDockerHub(host));
    assert.deepEqual(await s.get(host), { username: 'hubuser', password: 'hubpass' });
  }
});

test('auths by host, with or without a scheme; username/password form; nothing for other hosts', async () => {
  const s = store({ auths: { 'https://ghcr.io': { auth: b64('a:b:c') }, 'registry.internal:5000': { username: 'u', password: 'p' } } });
  assert.deepEqual(await s.get('ghcr.io'), { username: 'a', password: 'b:c' });
  assert.deepEqual(await s.get('registry.internal:5000'), { username: 'u', password: 'p' });
  assert.equal(await s.get('quay.io'), undefined);
  assert.equal(await s.get('registry.internal'), undefined, 'a port is part of the host');
});

test('a missing or broken config means no credentials, not an error', async () => {
  assert.equal(await store('{not json').get('ghcr.io'), undefined);
  assert.equal(await new CredentialStore({ configDir: '/nonexistent' }).get('ghcr.io'), undefined);
});

test('a docker login after a lookup is seen by the next one, without a new store: the config is read again when it changes or appears', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-docker-config-'));
  const file = path.join(dir, 'config.json');
  const s = new CredentialStore({ configDir: dir });
  assert.equal(await s.get('ghcr.io'), undefined, 'no config.json yet');
  writeFileSync(file, JSON.stringify({ auths: {} }));
  assert.equal(await s.get('ghcr.io'), undefined, 'a config without the host');
  writeFileSync(file, JSON.stringify({ auths: { 'ghcr.io': { auth: b64('octo:first-pw') } } }));
  assert.deepEqual(await s.get('ghcr.io'), { username: 'octo', password: 'first-pw' });
  // The same size and the same modification time would be the same file: this login changes both.
  writeFileSync(file, JSON.stringify({ auths: { 'ghcr.io': { auth: b64('octo:second-longer-pw') } } }));
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  assert.deepEqual(await s.get('ghcr.io'), { username: 'octo', password: 'second-longer-pw' });
  rmSync(file);
  assert.equal(await s.get('ghcr.io'), undefined, 'a docker logout that removed the file');
});
