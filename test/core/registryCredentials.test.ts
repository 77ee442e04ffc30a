import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { registryBase } from '../../src/core/registry/client.js';
import { CredentialStore, isDockerHub } from '../../src/core/registry/credentials.js';

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
