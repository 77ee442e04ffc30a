// The registry client against a real registry (Debian's docker-registry) on loopback, and a fault
// server for the answers a registry does not give on demand.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RegistryClient, parseChallenge } from '../../../src/core/registry/client.js';
import { CredentialStore } from '../../../src/core/registry/credentials.js';
import { resolveAll } from '../../../src/core/registry/plan.js';
import {
  credentialStore,
  fault,
  moveTag,
  pushImage,
  pushIndex,
  startFaultServer,
  startRegistry,
  type Registry,
} from '../../support/registry.js';

/** A Docker config folder holding `config`. */
function dockerConfig(config: object): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-docker-config-'));
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

function auth(user: string, password: string): string {
  return Buffer.from(`${user}:${password}`).toString('base64');
}

/** A logger that keeps what it is told, to check that no secret is ever in it. */
function recorder() {
  const lines: string[] = [];
  const push = (m: string) => void lines.push(m);
  return { lines, logger: { debug: push, info: push, warn: push, error: push } };
}

function client(
  configDir: string,
  extra: ConstructorParameters<typeof RegistryClient>[0] = {},
  logger = recorder().logger,
): RegistryClient {
  return new RegistryClient({ credentials: new CredentialStore({ configDir, logger }), logger, minRetryDelayMs: 10, ...extra });
}

const EMPTY = dockerConfig({});

/** Waits until `condition` holds (checked every few milliseconds; the test's own timeout ends a wait that never does). */
async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('an anonymous registry', () => {
  let registry: Registry;
  before(async () => {
    registry = await startRegistry();
  });
  after(() => registry.stop());

  test('a tag resolves to the digest of the exact manifest bytes', async () => {
    const image = await pushImage(registry, 'team/app', '1.0');
    const outcome = await client(EMPTY).resolve(`${registry.host}/team/app:1.0`);
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.failure.message);
    assert.equal(outcome.resolved.digest, image.digest);
    assert.equal(outcome.resolved.multiPlatform, false);
  });

  test('Docker v2 manifests too', async () => {
    const image = await pushImage(registry, 'team/legacy', '2', { mediaType: 'docker' });
    const outcome = await client(EMPTY).resolve(`${registry.host}/team/legacy:2`);
    assert.ok(outcome.ok && outcome.resolved.digest === image.digest);
    assert.equal(outcome.ok && outcome.resolved.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  });

  test('a multi-platform image pins to its index by default, or to one platform when asked', async () => {
    const index = await pushIndex(registry, 'team/multi', '3.0', ['linux/amd64', 'linux/arm64/v8']);
    const byIndex = await client(EMPTY).resolve(`${registry.host}/team/multi:3.0`);
    assert.ok(byIndex.ok && byIndex.resolved.digest === index.digest && byIndex.resolved.multiPlatform);
    const arm = await client(EMPTY, { platform: { os: 'linux', architecture: 'arm64' } }).resolve(`${registry.host}/team/multi:3.0`);
    assert.ok(arm.ok);
    assert.equal(arm.resolved.digest, index.images[1]!.digest);
    const s390 = await client(EMPTY, { platform: { os: 'linux', architecture: 's390x' } }).resolve(`${registry.host}/team/multi:3.0`);
    assert.ok(!s390.ok && s390.failure.reason === 'no-platform');
    assert.match(s390.failure.message, /no image for linux\/s390x/);
  });

  test("an unknown tag and an unknown repository are not found, with the registry's own error code", async () => {
    await pushImage(registry, 'team/known', '1');
    const tag = await client(EMPTY).resolve(`${registry.host}/team/known:9`);
    assert.ok(!tag.ok && tag.failure.reason === 'not-found');
    assert.match(tag.failure.message, /tag does not exist.*MANIFEST_UNKNOWN/);
    const repo = await client(EMPTY).resolve(`${registry.host}/team/nothing:1`);
    assert.ok(!repo.ok && repo.failure.reason === 'not-found');
    // distribution 2.8 answers MANIFEST_UNKNOWN for a repository it never saw, too.
    assert.match(repo.failure.message, /404 (MANIFEST_UNKNOWN|NAME_UNKNOWN)/);
  });

  test('a moved tag resolves to its new content', async () => {
    const first = await pushImage(registry, 'team/moving', 'stable', { content: 'one' });
    const moved = await moveTag(registry, 'team/moving', 'stable', { content: 'two' });
    assert.notEqual(first.digest, moved.digest);
    const outcome = await client(EMPTY).resolve(`${registry.host}/team/moving:stable`);
    assert.ok(outcome.ok && outcome.resolved.digest === moved.digest);
  });

  test('each distinct reference is asked once, several at a time', async () => {
    for (const tag of ['a', 'b', 'c']) await pushImage(registry, 'team/many', tag, { content: tag });
    const references = ['a', 'b', 'c', 'a', 'b'].map((t) => `${registry.host}/team/many:${t}`);
    const results = await resolveAll(client(EMPTY), references, 2);
    assert.equal(results.size, 3);
    assert.ok([...results.values()].every((o) => o.ok));
  });

  test('an invalid reference is never sent anywhere', async () => {
    const outcome = await client(EMPTY).resolve('-rf /');
    assert.ok(!outcome.ok && outcome.failure.reason === 'invalid-reference');
  });
});

describe('Basic authentication', () => {
  let registry: Registry;
  before(async () => {
    registry = await startRegistry({ auth: 'basic', users: { alice: 's3cret-pw' } });
    await pushImage(registry, 'private/app', '1.0');
  });
  after(() => registry.stop());

  test('credentials from the Docker config auths answer the Basic challenge', async () => {
    const { lines, logger } = recorder();
    const outcome = await client(dockerConfig({ auths: { [registry.host]: { auth: auth('alice', 's3cret-pw') } } }), {}, logger).resolve(
      `${registry.host}/private/app:1.0`,
    );
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.failure.message);
    assert.ok(lines.every((l) => !l.includes('s3cret-pw')));
  });

  test('without credentials, or with wrong ones: denied, saying how to log in, never showing the password', async () => {
    const none = await client(EMPTY).resolve(`${registry.host}/private/app:1.0`);
    assert.ok(!none.ok && none.failure.reason === 'unauthorized');
    assert.match(none.failure.message, new RegExp(`docker login ${registry.host.replace('.', '\\.')}`));
    const { lines, logger } = recorder();
    const wrong = await client(
      dockerConfig({ auths: { [registry.host]: { username: 'alice', password: 'not-it-pw' } } }),
      {},
      logger,
    ).resolve(`${registry.host}/private/app:1.0`);
    assert.ok(!wrong.ok && wrong.failure.reason === 'unauthorized');
    assert.ok(!wrong.failure.message.includes('not-it-pw') && lines.every((l) => !l.includes('not-it-pw')));
  });
});

describe('token authentication', () => {
  let registry: Registry;
  before(async () => {
    registry = await startRegistry({ auth: 'token', users: { bob: 'tok3n-pw' }, anonymousPull: false });
    for (const tag of ['1', '2', '3']) await pushImage(registry, 'team/svc', tag, { content: tag });
    await pushImage(registry, 'team/other', '1');
  });
  after(() => registry.stop());

  test('a Bearer challenge gets a token from the realm with the stored credentials; one token per scope is reused', async () => {
    registry.clearTokenRequests();
    const c = client(dockerConfig({ auths: { [registry.host]: { auth: auth('bob', 'tok3n-pw') } } }));
    for (const tag of ['1', '2', '3']) {
      const outcome = await c.resolve(`${registry.host}/team/svc:${tag}`);
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.failure.message);
    }
    await c.resolve(`${registry.host}/team/other:1`);
    const requests = registry.tokenRequests();
    assert.deepEqual(
      requests.map((r) => [r.scopes, r.user, r.status]),
      [
        [['repository:team/svc:pull'], 'bob', 200],
        [['repository:team/other:pull'], 'bob', 200],
      ],
    );
  });

  test('concurrent lookups of one repository share one token request', async () => {
    registry.clearTokenRequests();
    const c = client(dockerConfig({ auths: { [registry.host]: { auth: auth('bob', 'tok3n-pw') } } }));
    const results = await resolveAll(
      c,
      ['1', '2', '3'].map((t) => `${registry.host}/team/svc:${t}`),
      3,
    );
    assert.ok([...results.values()].every((o) => o.ok));
    assert.equal(registry.tokenRequests().length, 1);
  });

  test('credential helpers (credHelpers and credsStore) are run without a shell and asked for this host only', async () => {
    const store = credentialStore({ [registry.host]: { Username: 'bob', Secret: 'tok3n-pw' } });
    try {
      const viaHelper = await client(dockerConfig({ credHelpers: { [registry.host]: 'shipshape' } }), {}).resolve(
        `${registry.host}/team/svc:1`,
      );
      assert.ok(viaHelper.ok, viaHelper.ok ? '' : viaHelper.failure.message);
      const viaStore = await client(dockerConfig({ credsStore: 'shipshape' })).resolve(`${registry.host}/team/svc:2`);
      assert.ok(viaStore.ok);
      assert.deepEqual(
        store.calls().map((c) => [c.command, c.serverURL]),
        [
          ['get', registry.host],
          ['get', registry.host],
        ],
      );
    } finally {
      store.restore();
    }
  });

  test('a lookup that is cancelled while the token it shares is being fetched does not cancel the other one', async () => {
    const c = client(dockerConfig({ auths: { [registry.host]: { auth: auth('bob', 'tok3n-pw') } } }));
    // The client learns the host's token service first, so that both lookups below ask for a token before any request.
    assert.ok((await c.resolve(`${registry.host}/team/other:1`)).ok);
    const hold = registry.holdTokens();
    try {
      const first = new AbortController();
      const cancelled = c.resolve(`${registry.host}/team/svc:1`, first.signal);
      await hold.arrived(1);
      const second = c.resolve(`${registry.host}/team/svc:2`, new AbortController().signal);
      // The second lookup joins the token request in flight (no I/O on the way there).
      await new Promise((resolve) => setImmediate(resolve));
      first.abort();
      const outcome = await cancelled;
      assert.ok(!outcome.ok && outcome.failure.reason === 'cancelled');
      hold.release();
      const other = await second;
      assert.ok(other.ok, other.ok ? '' : other.failure.message);
      assert.deepEqual(hold.abandoned(), [false], 'one token request, answered, not given up');
    } finally {
      hold.release();
    }
  });

  test('when every lookup waiting for a token is cancelled, the token request stops, and the next lookup asks again', async () => {
    const c = client(dockerConfig({ auths: { [registry.host]: { auth: auth('bob', 'tok3n-pw') } } }));
    assert.ok((await c.resolve(`${registry.host}/team/other:1`)).ok);
    const hold = registry.holdTokens();
    try {
      const [a, b] = [new AbortController(), new AbortController()];
      const lookups = [c.resolve(`${registry.host}/team/svc:1`, a.signal), c.resolve(`${registry.host}/team/svc:2`, b.signal)];
      await hold.arrived(1);
      await new Promise((resolve) => setImmediate(resolve));
      a.abort();
      b.abort();
      for (const outcome of await Promise.all(lookups)) assert.ok(!outcome.ok && outcome.failure.reason === 'cancelled');
      await waitUntil(() => hold.abandoned()[0] === true);
      const again = c.resolve(`${registry.host}/team/svc:3`);
      await hold.arrived(2);
      hold.release();
      const outcome = await again;
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.failure.message);
    } finally {
      hold.release();
    }
  });

  test('no credentials where anonymous pulls are refused: unauthorized', async () => {
    const outcome = await client(EMPTY).resolve(`${registry.host}/team/svc:1`);
    assert.ok(!outcome.ok && outcome.failure.reason === 'unauthorized');
    assert.match(outcome.failure.message, /denied access \(401\).*docker login/);
  });

  test('a credential helper name that is not a plain program name is never run', async () => {
    const { lines, logger } = recorder();
    const outcome = await client(dockerConfig({ credHelpers: { [registry.host]: '../../bin/sh' } }), {}, logger).resolve(
      `${registry.host}/team/svc:1`,
    );
    assert.ok(!outcome.ok);
    assert.ok(lines.some((l) => /not a plain program name/.test(l)));
  });
});

describe('faults', () => {
  const DIGEST = `sha256:${'d'.repeat(64)}`;

  test('429 with Retry-After is waited out, then the answer is used', async () => {
    const server = await startFaultServer(fault.firstN(2, fault.tooManyRequests(1), fault.manifest(DIGEST)));
    try {
      const { lines, logger } = recorder();
      const outcome = await client(EMPTY, {}, logger).resolve(`${server.host}/team/app:1`);
      assert.ok(outcome.ok && outcome.resolved.digest === DIGEST);
      // The wait is the server's Retry-After (1 s), not the client's own backoff (10 ms here).
      assert.deepEqual(
        lines.filter((l) => /retrying/.test(l)),
        [`${server.host} answered 429; retrying in 1000 ms`, `${server.host} answered 429; retrying in 1000 ms`],
      );
      assert.equal(server.requests().length, 3);
    } finally {
      await server.stop();
    }
  });

  test('5xx is retried; a registry that keeps failing is reported as such', async () => {
    const recovering = await startFaultServer(fault.sequence([fault.serverError(503), fault.serverError(502)], fault.manifest(DIGEST)));
    const broken = await startFaultServer(fault.serverError(500));
    try {
      assert.ok((await client(EMPTY).resolve(`${recovering.host}/a:1`)).ok);
      const outcome = await client(EMPTY, { retries: 2 }).resolve(`${broken.host}/a:1`);
      assert.ok(!outcome.ok && outcome.failure.reason === 'server-error');
      assert.equal(broken.requests().length, 3);
    } finally {
      await recovering.stop();
      await broken.stop();
    }
  });

  test('a registry too slow to answer times out; a dropped connection is retried, then said', async () => {
    const slow = await startFaultServer(fault.slow(2000, fault.manifest(DIGEST)));
    const dropping = await startFaultServer(fault.destroy());
    try {
      const late = await client(EMPTY, { timeoutMs: 300, retries: 0 }).resolve(`${slow.host}/a:1`);
      assert.ok(!late.ok && late.failure.reason === 'timeout');
      const dropped = await client(EMPTY, { retries: 1 }).resolve(`${dropping.host}/a:1`);
      assert.ok(!dropped.ok && dropped.failure.reason === 'unreachable');
      assert.equal(dropping.requests().length, 2);
    } finally {
      await slow.stop();
      await dropping.stop();
    }
  });

  test('nothing listening: unreachable, said plainly', async () => {
    const server = await startFaultServer(fault.manifest(DIGEST));
    const host = server.host;
    await server.stop();
    const outcome = await client(EMPTY, { retries: 0 }).resolve(`${host}/a:1`);
    assert.ok(!outcome.ok && outcome.failure.reason === 'unreachable');
    assert.match(outcome.failure.message, /the connection at 127\.0\.0\.1:\d+ was refused/);
  });

  test('a redirect to another host does not carry the Authorization header', async () => {
    const elsewhere = await startFaultServer(fault.manifest(DIGEST), { host: '127.0.0.2' });
    const origin = await startFaultServer((request) =>
      request.authorization ? fault.redirect(`${elsewhere.url}/v2/a/manifests/1`) : fault.unauthorized('Basic realm="registry"'),
    );
    try {
      const outcome = await client(dockerConfig({ auths: { [origin.host]: { auth: auth('carol', 'p4ss-pw') } } })).resolve(
        `${origin.host}/a:1`,
      );
      assert.ok(outcome.ok && outcome.resolved.digest === DIGEST);
      assert.ok(
        origin.requests().some((r) => r.authorization),
        'the registry itself got the credentials',
      );
      assert.ok(elsewhere.requests().length > 0 && elsewhere.requests().every((r) => !r.authorization), 'the other host never did');
    } finally {
      await origin.stop();
      await elsewhere.stop();
    }
  });

  test('a token service on plain HTTP off loopback is refused: no credentials are sent to it', async () => {
    // 192.0.2.1 (TEST-NET-1) is never contacted: the client refuses before any request.
    const origin = await startFaultServer(() => fault.unauthorized('Bearer realm="http://192.0.2.1/token",service="registry"'));
    try {
      const { lines, logger } = recorder();
      const outcome = await client(dockerConfig({ auths: { [origin.host]: { auth: auth('dave', 's3cret-pw') } } }), {}, logger).resolve(
        `${origin.host}/a:1`,
      );
      assert.ok(!outcome.ok);
      assert.equal(outcome.failure.reason, 'insecure');
      assert.match(outcome.failure.message, /token service 192\.0\.2\.1 is not HTTPS/);
      assert.ok(!lines.join('\n').includes('s3cret-pw') && !outcome.failure.message.includes('s3cret-pw'));
    } finally {
      await origin.stop();
    }
  });

  test('WWW-Authenticate challenges are parsed', () => {
    assert.deepEqual(
      parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"'),
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' },
      },
    );
    assert.deepEqual(parseChallenge('Basic realm=Registry'), { scheme: 'basic', params: { realm: 'Registry' } });
  });
});
