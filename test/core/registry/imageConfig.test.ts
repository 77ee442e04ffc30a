// An image's own configuration (its user) through the registry client, against a real registry
// with token auth behind a recording proxy (so that every request the registry gets is counted),
// and a fault server for corrupted content and blobs redirected to another host.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RegistryClient } from '../../../src/core/registry/client.js';
import { CredentialStore } from '../../../src/core/registry/credentials.js';
import {
  choosePlatform,
  digestMatches,
  isContentDigest,
  parseImageConfig,
  parseManifest,
  platformKey,
} from '../../../src/core/registry/imageConfig.js';
import {
  digestOf,
  fault,
  MEDIA_TYPES,
  moveTag,
  pushImage,
  pushIndex,
  startFaultServer,
  startRegistry,
  type FaultServer,
  type PushedImage,
  type PushedIndex,
  type Registry,
} from '../../support/registry.js';

const PASSWORD = 'c0nfig-pw';

function dockerConfig(config: object): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-docker-config-'));
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

function recorder() {
  const lines: string[] = [];
  const push = (m: string) => void lines.push(m);
  return { lines, logger: { debug: push, info: push, warn: push, error: push } };
}

function client(configDir: string, extra: ConstructorParameters<typeof RegistryClient>[0] = {}, logger = recorder().logger) {
  return new RegistryClient({ credentials: new CredentialStore({ configDir, logger }), logger, minRetryDelayMs: 10, ...extra });
}

const EMPTY = dockerConfig({});
const basicAuth = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

/** Requests the registry got through the proxy since `from`: with credentials (the real work), and without (challenges). */
function counted(front: FaultServer, from = 0) {
  const requests = front.requests().slice(from);
  return {
    authenticated: requests.filter((r) => r.authorization),
    challenged: requests.filter((r) => !r.authorization),
  };
}

describe('image configuration from a real registry with token auth', () => {
  let registry: Registry;
  let front: FaultServer;
  let credentials: string;
  const images = new Map<string, PushedImage>();
  let index: PushedIndex;
  let list: PushedIndex;
  let arm: PushedIndex;
  const USERS: Record<string, string | undefined> = { none: undefined, empty: '', zero: '0', root: 'root', uid: '1000', app: 'app' };

  before(async () => {
    registry = await startRegistry({ auth: 'token', users: { bob: PASSWORD }, anonymousPull: false });
    front = await startFaultServer(fault.proxy(registry.url));
    credentials = dockerConfig({ auths: { [front.host]: { auth: basicAuth('bob', PASSWORD) } } });
    for (const [tag, user] of Object.entries(USERS)) {
      images.set(tag, await pushImage(registry, 'users/img', tag, { content: tag, ...(user !== undefined && { user }) }));
    }
    images.set('docker', await pushImage(registry, 'users/img', 'docker', { content: 'docker', user: 'nobody', mediaType: 'docker' }));
    index = await pushIndex(registry, 'users/multi', '1', ['linux/amd64', 'linux/arm64/v8'], { users: ['0', 'app'] });
    list = await pushIndex(registry, 'users/list', '1', ['linux/arm64', 'linux/amd64'], { users: ['1000', 'root'], mediaType: 'docker' });
    arm = await pushIndex(registry, 'users/arm', '1', ['linux/arm/v6', 'linux/arm/v7'], { users: ['six', 'seven'] });
  });
  after(async () => {
    await front.stop();
    await registry.stop();
  });

  test("each image's configured user ('' when it sets none), OS and architecture, in 2 requests per image beyond tokens", async () => {
    const { lines, logger } = recorder();
    const c = client(credentials, {}, logger);
    const start = front.requests().length;
    for (const [tag, user] of Object.entries({ ...USERS, docker: 'nobody' })) {
      const outcome = await c.imageConfig(`${front.host}/users/img:${tag}`);
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.failure.message);
      const image = images.get(tag)!;
      assert.deepEqual(outcome.config, {
        reference: `${front.host}/users/img:${tag}`,
        digest: image.digest,
        configDigest: image.configDigest,
        user: user ?? '',
        os: 'linux',
        architecture: 'amd64',
        // The harness builds every image with this date: stale-digest tells the current image's age by it.
        created: '2024-01-01T00:00:00Z',
      });
    }
    const { authenticated, challenged } = counted(front, start);
    assert.deepEqual(
      authenticated.map((r) => r.url.replace(/sha256:\w+/, 'DIGEST')),
      [...Object.keys(USERS), 'docker'].flatMap((tag) => [`/v2/users/img/manifests/${tag}`, '/v2/users/img/blobs/DIGEST']),
    );
    assert.ok(authenticated.every((r) => r.method === 'GET'));
    assert.equal(challenged.length, 1, 'one challenge, then the token is reused');
    assert.equal(registry.tokenRequests().filter((r) => r.user === 'bob').length > 0, true);
    assert.ok(lines.every((l) => !l.includes(PASSWORD)));
  });

  test('a multi-platform image: linux/amd64 by default, another platform when asked, a variant matched when given; 3 requests', async () => {
    const c = client(credentials);
    const reference = `${front.host}/users/multi:1`;
    let start = front.requests().length;
    const amd = await c.imageConfig(reference);
    assert.ok(amd.ok, amd.ok ? '' : amd.failure.message);
    assert.deepEqual(amd.config, {
      reference,
      digest: index.digest,
      platformDigest: index.images[0]!.digest,
      configDigest: index.images[0]!.configDigest,
      user: '0',
      os: 'linux',
      architecture: 'amd64',
      created: '2024-01-01T00:00:00Z',
    });
    assert.equal(counted(front, start).authenticated.length, 3);

    start = front.requests().length;
    const arm64 = await c.imageConfig(reference, { platform: { os: 'linux', architecture: 'arm64' } });
    assert.ok(arm64.ok && arm64.config.user === 'app' && arm64.config.platformDigest === index.images[1]!.digest);
    assert.equal(arm64.config.digest, index.digest, 'the digest stays the index’s');
    assert.deepEqual(
      counted(front, start).authenticated.map((r) => r.url.split('/')[4]),
      ['manifests', 'manifests', 'blobs'],
      'the index, the platform’s manifest, the configuration',
    );
    const v8 = await c.imageConfig(reference, { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    assert.ok(v8.ok && v8.config.user === 'app');

    const s390 = await c.imageConfig(reference, { platform: { os: 'linux', architecture: 's390x' } });
    assert.ok(!s390.ok && s390.failure.reason === 'no-platform');
    assert.match(s390.failure.message, /has no image for linux\/s390x/);

    // A Docker manifest list, its amd64 image second; an arm64 entry without a variant is v8.
    const docker = await c.imageConfig(`${front.host}/users/list:1`);
    assert.ok(docker.ok && docker.config.user === 'root' && docker.config.digest === list.digest);
    const dockerV8 = await c.imageConfig(`${front.host}/users/list:1`, { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    assert.ok(dockerV8.ok && dockerV8.config.user === '1000');

    const v7 = await c.imageConfig(`${front.host}/users/arm:1`, { platform: { os: 'linux', architecture: 'arm', variant: 'v7' } });
    assert.ok(v7.ok && v7.config.user === 'seven' && v7.config.platformDigest === arm.images[1]!.digest);
    const anyArm = await c.imageConfig(`${front.host}/users/arm:1`, { platform: { os: 'linux', architecture: 'arm' } });
    assert.ok(anyArm.ok && anyArm.config.user === 'six', 'no variant asked: the first arm image');

    // The client's own platform (the one pinning uses) when the call names none.
    const armClient = client(credentials, { platform: { os: 'linux', architecture: 'arm64' } });
    const own = await armClient.imageConfig(reference);
    assert.ok(own.ok && own.config.user === 'app');
  });

  test('a reference with a digest reads that content, whatever its tag points to now', async () => {
    const old = await pushImage(registry, 'users/moving', 'stable', { content: 'old', user: 'old-user' });
    await moveTag(registry, 'users/moving', 'stable', { user: 'new-user' });
    const c = client(credentials);
    const now = await c.imageConfig(`${front.host}/users/moving:stable`);
    assert.ok(now.ok && now.config.user === 'new-user');
    const start = front.requests().length;
    const pinned = await c.imageConfig(`${front.host}/users/moving:stable@${old.digest}`);
    assert.ok(pinned.ok && pinned.config.user === 'old-user' && pinned.config.digest === old.digest);
    assert.equal(counted(front, start).authenticated[0]!.url, `/v2/users/moving/manifests/${old.digest}`);
  });

  test('not found, unauthorized and invalid references are said plainly', async () => {
    const c = client(credentials);
    const tag = await c.imageConfig(`${front.host}/users/img:9.9`);
    assert.ok(!tag.ok && tag.failure.reason === 'not-found');
    assert.match(tag.failure.message, /^Could not read the configuration of .*: the tag does not exist/, tag.failure.message);
    const repo = await c.imageConfig(`${front.host}/users/nothing:1`);
    assert.ok(!repo.ok && repo.failure.reason === 'not-found');

    const anonymous = await client(EMPTY).imageConfig(`${front.host}/users/img:app`);
    assert.ok(!anonymous.ok && anonymous.failure.reason === 'unauthorized');
    assert.match(anonymous.failure.message, /docker login/);

    const { lines, logger } = recorder();
    const wrong = await client(dockerConfig({ auths: { [front.host]: { auth: basicAuth('bob', 'wr0ng-pw') } } }), {}, logger).imageConfig(
      `${front.host}/users/img:app`,
    );
    assert.ok(!wrong.ok && wrong.failure.reason === 'unauthorized');
    assert.ok(!wrong.failure.message.includes('wr0ng-pw') && lines.every((l) => !l.includes('wr0ng-pw')));

    const start = front.requests().length;
    const invalid = await c.imageConfig('-rf /');
    assert.ok(!invalid.ok && invalid.failure.reason === 'invalid-reference');
    assert.equal(front.requests().length, start, 'nothing sent');
  });

  test('a cancelled lookup says so', async () => {
    const controller = new AbortController();
    controller.abort();
    const outcome = await client(credentials).imageConfig(`${front.host}/users/img:app`, { signal: controller.signal });
    assert.ok(!outcome.ok && outcome.failure.reason === 'cancelled');
    assert.match(outcome.failure.message, /was cancelled/);
  });
});

describe('image configuration: content and redirects', () => {
  let registry: Registry;
  let image: PushedImage;
  before(async () => {
    registry = await startRegistry();
    image = await pushImage(registry, 'team/app', '1', { user: 'app' });
  });
  after(() => registry.stop());

  test('a configuration blob that is not the content of its digest is refused', async () => {
    const tampered = JSON.stringify({ os: 'linux', architecture: 'amd64', config: { User: 'root' } });
    const server = await startFaultServer((request) =>
      request.url.includes('/blobs/') ? fault.respond(200, { body: tampered }) : fault.proxy(registry.url),
    );
    try {
      const outcome = await client(EMPTY).imageConfig(`${server.host}/team/app:1`);
      assert.ok(!outcome.ok);
      assert.equal(outcome.failure.reason, 'bad-response');
      assert.match(outcome.failure.message, new RegExp(`configuration blob the registry sent is not the content of ${image.configDigest}`));
    } finally {
      await server.stop();
    }
  });

  test('a manifest that is not the content of the digest asked for is refused', async () => {
    const other = await pushImage(registry, 'team/app', 'other', { content: 'other' });
    const server = await startFaultServer((request) =>
      request.url.includes('/manifests/sha256:') ? fault.manifest(image.digest, { body: other.manifest }) : fault.proxy(registry.url),
    );
    try {
      const outcome = await client(EMPTY).imageConfig(`${server.host}/team/app@${image.digest}`);
      assert.ok(!outcome.ok && outcome.failure.reason === 'bad-response');
      assert.match(outcome.failure.message, /manifest the registry sent is not the content of/);
    } finally {
      await server.stop();
    }
  });

  test('an artefact whose configuration is not an image configuration is said so, and its blob not fetched', async () => {
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestOf('{}'), size: 2 },
      layers: [],
    });
    const server = await startFaultServer(fault.manifest(digestOf(manifest), { body: manifest }));
    try {
      const outcome = await client(EMPTY).imageConfig(`${server.host}/team/chart:1`);
      assert.ok(!outcome.ok && outcome.failure.reason === 'bad-response');
      assert.match(outcome.failure.message, /not a container image/);
      assert.equal(server.requests().length, 1);
    } finally {
      await server.stop();
    }
  });

  test('a blob redirected to another host (object storage) is fetched there without the credentials', async () => {
    const storage = await startFaultServer(fault.proxy(registry.url), { host: '127.0.0.2' });
    const origin = await startFaultServer((request) => {
      if (!request.authorization) return fault.unauthorized('Basic realm="registry"');
      return request.url.includes('/blobs/') ? fault.redirect(`${storage.url}${request.url}`) : fault.proxy(registry.url);
    });
    try {
      const { lines, logger } = recorder();
      const outcome = await client(
        dockerConfig({ auths: { [origin.host]: { auth: basicAuth('carol', 'st0rage-pw') } } }),
        {},
        logger,
      ).imageConfig(`${origin.host}/team/app:1`);
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.failure.message);
      assert.equal(outcome.config.user, 'app');
      assert.ok(
        origin.requests().some((r) => r.url.includes('/blobs/') && r.authScheme === 'Basic'),
        'the registry got the credentials',
      );
      assert.deepEqual(
        storage.requests().map((r) => [r.url, r.authorization]),
        [[`/v2/team/app/blobs/${image.configDigest}`, false]],
        'the storage host never did',
      );
      assert.ok(lines.every((l) => !l.includes('st0rage-pw')));
    } finally {
      await origin.stop();
      await storage.stop();
    }
  });

  test("a storage host's challenge is not answered with the registry's credentials", async () => {
    const tokens = await startFaultServer(fault.respond(200, { body: JSON.stringify({ token: 'stolen' }) }));
    const storage = await startFaultServer(fault.unauthorized(`Bearer realm="${tokens.url}/token",service="storage"`), {
      host: '127.0.0.2',
    });
    const origin = await startFaultServer((request) => {
      if (!request.authorization) return fault.unauthorized('Basic realm="registry"');
      return request.url.includes('/blobs/') ? fault.redirect(`${storage.url}${request.url}`) : fault.proxy(registry.url);
    });
    try {
      const outcome = await client(dockerConfig({ auths: { [origin.host]: { auth: basicAuth('carol', 'st0rage-pw') } } })).imageConfig(
        `${origin.host}/team/app:1`,
      );
      assert.ok(!outcome.ok && outcome.failure.reason === 'unauthorized');
      assert.equal(tokens.requests().length, 0, 'the token service the storage host named was never asked');
      assert.ok(storage.requests().every((r) => !r.authorization));
    } finally {
      await origin.stop();
      await storage.stop();
      await tokens.stop();
    }
  });
});

describe('reading manifests and configurations', () => {
  test('an index or a manifest, by Content-Type, by mediaType, or by shape', () => {
    const config = { mediaType: MEDIA_TYPES.ociConfig, digest: `sha256:${'a'.repeat(64)}`, size: 10 };
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, config, layers: [] }));
    assert.deepEqual(parseManifest(manifest, MEDIA_TYPES.ociManifest), {
      ok: true,
      value: { kind: 'image', mediaType: MEDIA_TYPES.ociManifest, config },
    });
    const entry = { digest: `sha256:${'b'.repeat(64)}`, platform: { os: 'linux', architecture: 'amd64' } };
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.dockerList, manifests: [entry] }));
    assert.deepEqual(parseManifest(index, 'application/json'), { ok: true, value: { kind: 'index', manifests: [entry] } });
    assert.deepEqual(parseManifest(Buffer.from('{"manifests": []}'), undefined), { ok: true, value: { kind: 'index', manifests: [] } });
    assert.equal(parseManifest(Buffer.from('<html>'), undefined).ok, false);
    // A digest that could walk out of the URL path is never taken.
    const sneaky = Buffer.from(JSON.stringify({ config: { digest: 'sha256:../../../v2/other/blobs/x' } }));
    assert.deepEqual(parseManifest(sneaky, MEDIA_TYPES.ociManifest), { ok: false, message: 'the manifest names no configuration blob' });
    assert.equal(isContentDigest(`sha256:${'a'.repeat(63)}`), false);
    assert.equal(isContentDigest(`sha512:${'a'.repeat(128)}`), true);
  });

  test('platforms: OS and architecture, the variant when asked for, arm64 without a variant is v8', () => {
    const d = (architecture: string, variant?: string) => ({
      digest: `sha256:${architecture.length}${variant ?? ''}`,
      platform: { os: 'linux', architecture, ...(variant !== undefined && { variant }) },
    });
    const manifests = [d('arm', 'v6'), d('arm', 'v7'), d('arm64'), d('amd64')];
    assert.equal(choosePlatform(manifests, { os: 'linux', architecture: 'arm', variant: 'v7' }), manifests[1]);
    assert.equal(choosePlatform(manifests, { os: 'linux', architecture: 'arm' }), manifests[0]);
    assert.equal(choosePlatform(manifests, { os: 'linux', architecture: 'arm64', variant: 'v8' }), manifests[2]);
    assert.equal(choosePlatform(manifests, { os: 'windows', architecture: 'amd64' }), undefined);
    assert.equal(platformKey({ os: 'linux', architecture: 'arm', variant: 'v7' }), 'linux/arm/v7');
  });

  test("a configuration's user, OS and architecture; '' when it sets no user", () => {
    const read = (value: unknown) => parseImageConfig(Buffer.from(JSON.stringify(value)));
    assert.deepEqual(read({ os: 'linux', architecture: 'arm64', config: { User: '1000:1000' } }), {
      ok: true,
      value: { user: '1000:1000', os: 'linux', architecture: 'arm64' },
    });
    assert.deepEqual(read({ os: 'linux', architecture: 'amd64', config: null }), {
      ok: true,
      value: { user: '', os: 'linux', architecture: 'amd64' },
    });
    assert.deepEqual(read({ config: { User: 0 } }), { ok: true, value: { user: '', os: '', architecture: '' } });
    assert.equal(read([1, 2]).ok, false);
    assert.equal(digestMatches(Buffer.from('{}'), digestOf('{}')), true);
    assert.equal(digestMatches(Buffer.from('{} '), digestOf('{}')), false);
  });
});
