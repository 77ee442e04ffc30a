// Images' configured users kept across runs (ImageUserCache) and asked for many at a time
// (configuredUsers): against a real registry with token auth behind a recording proxy, so that
// a warm cache is seen to make no request at all.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RegistryClient } from '../../../src/core/registry/client.js';
import { CredentialStore } from '../../../src/core/registry/credentials.js';
import { configuredUsers } from '../../../src/core/registry/imageConfig.js';
import type { ImageConfig } from '../../../src/core/registry/types.js';
import { DEFAULT_USER_TTL_MS, ImageUserCache } from '../../../src/core/registry/userCache.js';
import {
  fault,
  moveTag,
  pushImage,
  pushIndex,
  startFaultServer,
  startRegistry,
  type FaultServer,
  type Registry,
} from '../../support/registry.js';

const HOUR = 60 * 60 * 1000;

function recorder() {
  const lines: string[] = [];
  const push = (m: string) => void lines.push(m);
  return { lines, logger: { debug: push, info: push, warn: push, error: push } };
}

/** A clock the test moves. */
function clock(start = Date.UTC(2025, 0, 1)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

const tempFile = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'shipshape-users-')), 'users.json');

function config(reference: string, user: string, extra: Partial<ImageConfig> = {}): ImageConfig {
  return {
    reference,
    digest: `sha256:${'1'.repeat(64)}`,
    configDigest: `sha256:${'2'.repeat(64)}`,
    user,
    os: 'linux',
    architecture: 'amd64',
    ...extra,
  };
}

describe('configuredUsers against a real registry', () => {
  let registry: Registry;
  let front: FaultServer;
  let configDir: string;
  let client: RegistryClient;
  const references: string[] = [];

  before(async () => {
    registry = await startRegistry({ auth: 'token', users: { bob: 'c4che-pw' }, anonymousPull: false });
    front = await startFaultServer(fault.proxy(registry.url));
    configDir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-docker-config-'));
    writeFileSync(
      path.join(configDir, 'config.json'),
      JSON.stringify({ auths: { [front.host]: { auth: Buffer.from('bob:c4che-pw').toString('base64') } } }),
    );
    client = new RegistryClient({ credentials: new CredentialStore({ configDir }), minRetryDelayMs: 10 });
    for (const [tag, user] of [
      ['root', 'root'],
      ['uid', '1000'],
      ['none', undefined],
    ] as const) {
      await pushImage(registry, 'cache/app', tag, { content: tag, ...(user !== undefined && { user }) });
      references.push(`${front.host}/cache/app:${tag}`);
    }
    await pushIndex(registry, 'cache/multi', '1', ['linux/amd64', 'linux/arm64'], { users: ['0', 'app'] });
    references.push(`${front.host}/cache/multi:1`);
  });
  after(async () => {
    await front.stop();
    await registry.stop();
  });

  const requestsDuring = async <T>(run: () => Promise<T>): Promise<{ result: T; requests: ReturnType<FaultServer['requests']> }> => {
    const start = front.requests().length;
    const result = await run();
    return { result, requests: front.requests().slice(start) };
  };

  test('each distinct reference is asked once, a few at a time; a second pass makes no request', async () => {
    const cache = new ImageUserCache(undefined);
    const first = await requestsDuring(() => configuredUsers(client, cache, [...references, ...references], { concurrency: 3 }));
    assert.deepEqual([...first.result.keys()], references, 'keyed by the references as given, once each');
    assert.deepEqual(
      [...first.result.values()].map((o) => (o.ok ? o.config.user : o.failure.message)),
      ['root', '1000', '', '0'],
    );
    // 2 requests per single-platform image, 3 for the index; the first request to the registry is
    // its only challenge (the others wait for it, then fetch their tokens before asking).
    assert.equal(first.requests.filter((r) => r.authorization).length, 3 * 2 + 3);
    assert.equal(first.requests.filter((r) => !r.authorization).length, 1);

    const second = await requestsDuring(() => configuredUsers(client, cache, references));
    assert.equal(second.requests.length, 0);
    assert.deepEqual(
      [...second.result.values()].map((o) => o.ok && o.config.user),
      ['root', '1000', '', '0'],
    );

    // Another platform of the index is another question; a single-platform image answers for every platform.
    const arm = await requestsDuring(() =>
      configuredUsers(client, cache, references, { platform: { os: 'linux', architecture: 'arm64' } }),
    );
    assert.deepEqual(
      [...arm.result.values()].map((o) => o.ok && o.config.user),
      ['root', '1000', '', 'app'],
    );
    assert.deepEqual(
      arm.requests.map((r) => r.url.split('/')[3]),
      ['multi', 'multi', 'multi'],
    );
  });

  test('reference entries expire after the TTL and are then re-resolved by digest: one manifest request, no blob', async () => {
    const time = clock();
    const cache = new ImageUserCache(undefined, { ttlMs: HOUR, now: time.now });
    await configuredUsers(client, cache, references);
    time.advance(HOUR - 1);
    assert.equal((await requestsDuring(() => configuredUsers(client, cache, references))).requests.length, 0, 'still fresh');

    time.advance(2);
    const again = await requestsDuring(() => configuredUsers(client, cache, references));
    assert.deepEqual(
      again.requests.map((r) => `${r.method} ${r.url}`),
      references.map((r) => `GET /v2/${r.slice(front.host.length + 1).replace(':', '/manifests/')}`),
    );
    assert.deepEqual(
      [...again.result.values()].map((o) => o.ok && o.config.user),
      ['root', '1000', '', '0'],
    );
    assert.equal((await requestsDuring(() => configuredUsers(client, cache, references))).requests.length, 0, 'fresh again');

    // A tag that moved is read whole.
    const moving = `${front.host}/cache/app:moving`;
    await pushImage(registry, 'cache/app', 'moving', { content: 'moving', user: 'before' });
    const before = (await configuredUsers(client, cache, [moving])).get(moving)!;
    assert.ok(before.ok && before.config.user === 'before');
    await moveTag(registry, 'cache/app', 'moving', { user: 'moved' });
    time.advance(HOUR);
    const moved = await requestsDuring(() => configuredUsers(client, cache, [moving]));
    const outcome = moved.result.get(moving)!;
    assert.ok(outcome.ok && outcome.config.user === 'moved');
    assert.deepEqual(
      moved.requests.map((r) => r.url.split('/')[4]),
      ['manifests', 'blobs'],
    );
  });

  test('the file survives a restart; what two runs write is merged', async () => {
    const file = tempFile();
    // Two runs start together; each learns two images and saves, the second after the first.
    const firstRun = new ImageUserCache(file);
    const secondRun = new ImageUserCache(file);
    await secondRun.load();
    await configuredUsers(client, firstRun, references.slice(0, 2));
    assert.ok(existsSync(file));
    await configuredUsers(client, secondRun, references.slice(2));
    const onDisk = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(onDisk.format, 1);
    assert.equal(Object.keys(onDisk.references).length, 4);

    const restarted = new ImageUserCache(file);
    const warm = await requestsDuring(() => configuredUsers(client, restarted, references));
    assert.equal(warm.requests.length, 0);
    assert.deepEqual(
      [...warm.result.values()].map((o) => o.ok && o.config.user),
      ['root', '1000', '', '0'],
    );
  });

  test('a damaged file is said once through the logger and rebuilt', async () => {
    const file = tempFile();
    writeFileSync(file, '{"format": 1, "references": ');
    const { lines, logger } = recorder();
    const cache = new ImageUserCache(file, { logger });
    const outcomes = await configuredUsers(client, cache, references);
    assert.ok([...outcomes.values()].every((o) => o.ok));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /ignoring the image user cache .*users\.json: .*; it will be rebuilt/);
    const rebuilt = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(Object.keys(rebuilt.references).length, 4);

    writeFileSync(file, JSON.stringify({ format: 99, references: {}, digests: {} }));
    const { lines: foreign, logger: foreignLogger } = recorder();
    await configuredUsers(client, new ImageUserCache(file, { logger: foreignLogger }), references.slice(0, 1));
    assert.equal(foreign.length, 1);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).format, 1);
  });

  test('failures are returned, not kept; a cancelled run asks nothing', async () => {
    const cache = new ImageUserCache(undefined);
    const missing = `${front.host}/cache/app:missing`;
    const first = await configuredUsers(client, cache, [missing]);
    assert.ok(!first.get(missing)!.ok);
    const again = await requestsDuring(() => configuredUsers(client, cache, [missing]));
    assert.equal(again.requests.length, 1, 'asked again');

    const controller = new AbortController();
    controller.abort();
    const cancelled = await requestsDuring(() =>
      configuredUsers(client, new ImageUserCache(undefined), references, { signal: controller.signal }),
    );
    assert.equal(cancelled.requests.length, 0);
    assert.ok([...cancelled.result.values()].every((o) => !o.ok && o.failure.reason === 'cancelled'));
  });
});

describe('ImageUserCache', () => {
  test('a single-platform image answers for every platform; an index only for the platform asked', () => {
    const cache = new ImageUserCache(undefined);
    cache.put(config('docker.io/library/node:22', 'node'));
    assert.equal(cache.get('docker.io/library/node:22', 'linux/arm64')?.user, 'node');
    cache.put(config('docker.io/library/nginx:1', '', { platformDigest: `sha256:${'3'.repeat(64)}` }), 'linux/amd64');
    assert.equal(cache.get('docker.io/library/nginx:1', 'linux/amd64')?.user, '');
    assert.equal(cache.get('docker.io/library/nginx:1', 'linux/arm64'), undefined);
  });

  test('reference entries last the TTL (12 hours by default); digest entries do not expire', () => {
    assert.equal(DEFAULT_USER_TTL_MS, 12 * HOUR);
    const time = clock();
    const cache = new ImageUserCache(undefined, { now: time.now });
    const digest = `sha256:${'4'.repeat(64)}`;
    cache.put(config('docker.io/library/node:22', '1000', { digest }));
    time.advance(12 * HOUR - 1);
    assert.equal(cache.get('docker.io/library/node:22', 'linux/amd64')?.user, '1000');
    time.advance(1);
    assert.equal(cache.get('docker.io/library/node:22', 'linux/amd64'), undefined);
    time.advance(1000 * HOUR);
    assert.equal(cache.getByDigest(digest, 'linux/amd64')?.user, '1000');
    // A reference pinned to that digest is answered from it, under its own name.
    const pinned = cache.get(`docker.io/library/node:22@${digest}`, 'linux/amd64');
    assert.deepEqual(pinned, config(`docker.io/library/node:22@${digest}`, '1000', { digest }));
  });

  test('an entry from the future is not trusted; clear() forgets and is not merged back', async () => {
    const file = tempFile();
    const time = clock();
    const cache = new ImageUserCache(file, { now: time.now });
    cache.put(config('r.example/a:1', 'app'));
    await cache.save();
    const early = new ImageUserCache(file, { now: () => time.now() - 2 * HOUR });
    await early.load();
    assert.equal(early.get('r.example/a:1', 'linux/amd64'), undefined);

    cache.clear();
    await cache.save();
    const after = new ImageUserCache(file, { now: time.now });
    await after.load();
    assert.equal(after.get('r.example/a:1', 'linux/amd64'), undefined);
  });
});
