// Proves the registry harness (test/registry/harness.ts): the real registry in each auth mode
// answers as a registry does, the pushed images are valid (skopeo reads them), tags can be
// copied and moved, the fault server does what it is told, the stand-in credential helper
// speaks the protocol, and stop() leaves nothing running.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ACCEPT_ALL,
  basicAuthorization,
  credentialStore,
  CREDENTIAL_HELPER,
  deleteManifest,
  digestOf,
  endInput,
  fault,
  MEDIA_TYPES,
  moveTag,
  pushImage,
  pushIndex,
  pushTags,
  registryVersion,
  retag,
  skopeo,
  startFaultServer,
  startRegistry,
  type Registry,
} from './registry.js';
import { isAlive } from './trivy.js';

const USERS = { alice: 'alice-password', bob: 'bob-password' };

function manifestRequest(
  registry: { url: string },
  repo: string,
  reference: string,
  init: { method?: string; accept?: string; authorization?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = { Accept: init.accept ?? ACCEPT_ALL };
  if (init.authorization) headers['Authorization'] = init.authorization;
  return fetch(`${registry.url}/v2/${repo}/manifests/${reference}`, { method: init.method ?? 'HEAD', headers });
}

function jwtParts(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [header, claims] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header!, 'base64url').toString('utf8')),
    claims: JSON.parse(Buffer.from(claims!, 'base64url').toString('utf8')),
  };
}

/** Parses `Bearer realm="…",service="…",scope="…"` into its parameters. */
function challenge(header: string | null): { scheme: string; params: Record<string, string> } {
  assert.ok(header, 'a WWW-Authenticate header');
  const space = header.indexOf(' ');
  const params: Record<string, string> = {};
  for (const match of header.slice(space + 1).matchAll(/(\w+)="([^"]*)"/g)) params[match[1]!] = match[2]!;
  return { scheme: header.slice(0, space), params };
}

/** Whether a process runs (a zombie, exited but not yet reaped, does not). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

function run(
  file: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { encoding: 'utf8', env: options.env ?? process.env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
    endInput(child, options.input ?? '');
  });
}

describe('registry harness', () => {
  test('the registry is the CNCF distribution registry 2.8', () => {
    assert.match(registryVersion(), /github\.com\/docker\/distribution 2\.8\./);
  });

  describe("auth 'none'", () => {
    let registry: Registry;
    before(async () => {
      registry = await startRegistry({ auth: 'none' });
    });
    after(() => registry.stop());

    test('an anonymous HEAD of a pushed tag gives 200 and the digest pushImage returned', async () => {
      const image = await pushImage(registry, 'team/app', '1.0');
      assert.match(image.digest, /^sha256:[0-9a-f]{64}$/);
      assert.equal(image.digest, digestOf(image.manifest));
      assert.match(registry.host, /^127\.0\.0\.1:\d+$/);
      assert.equal(registry.url, `http://${registry.host}`);

      const head = await manifestRequest(registry, 'team/app', '1.0');
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('docker-content-digest'), image.digest);
      assert.equal(head.headers.get('content-type'), MEDIA_TYPES.ociManifest);
      assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(image.manifest)));

      const get = await manifestRequest(registry, 'team/app', '1.0', { method: 'GET' });
      assert.equal(await get.text(), image.manifest, 'the exact bytes pushed');
      const byDigest = await manifestRequest(registry, 'team/app', image.digest, { method: 'GET' });
      assert.equal(byDigest.status, 200);
      assert.equal(byDigest.headers.get('docker-content-digest'), image.digest);
    });

    test('the same content gives the same digest; other content, a platform or Docker media types give others', async () => {
      const a = await pushImage(registry, 'team/same', 'a', { content: 'x' });
      const b = await pushImage(registry, 'team/same', 'b', { content: 'x' });
      const c = await pushImage(registry, 'team/same', 'c', { content: 'y' });
      const arm = await pushImage(registry, 'team/same', 'arm', { content: 'x', platform: 'linux/arm64/v8' });
      const docker = await pushImage(registry, 'team/same', 'docker', { content: 'x', mediaType: 'docker' });
      assert.equal(a.digest, b.digest);
      assert.equal(new Set([a.digest, c.digest, arm.digest, docker.digest]).size, 4);
      assert.deepEqual(arm.platform, { os: 'linux', architecture: 'arm64', variant: 'v8' });
      const head = await manifestRequest(registry, 'team/same', 'docker');
      assert.equal(head.headers.get('content-type'), MEDIA_TYPES.dockerManifest);
      assert.equal(head.headers.get('docker-content-digest'), docker.digest);
    });

    test('an unknown tag or repository is 404 MANIFEST_UNKNOWN', async () => {
      await pushImage(registry, 'team/known', '1.0');
      for (const [repo, tag] of [
        ['team/known', 'nope'],
        ['team/unknown', '1.0'],
      ] as const) {
        const head = await manifestRequest(registry, repo, tag);
        assert.equal(head.status, 404);
        const get = await manifestRequest(registry, repo, tag, { method: 'GET' });
        assert.equal(get.status, 404);
        const body = (await get.json()) as { errors: { code: string; detail: unknown }[] };
        assert.equal(body.errors[0]?.code, 'MANIFEST_UNKNOWN');
        assert.deepEqual(body.errors[0]?.detail, { Tag: tag });
      }
    });

    test('an OCI manifest is 404 to a request that does not accept OCI', async () => {
      await pushImage(registry, 'team/oci', '1.0');
      const get = await manifestRequest(registry, 'team/oci', '1.0', { method: 'GET', accept: MEDIA_TYPES.dockerManifest });
      assert.equal(get.status, 404);
      assert.match(await get.text(), /OCI manifest found, but accept header does not support OCI manifests/);
    });
  });

  describe("auth 'basic'", () => {
    let registry: Registry;
    before(async () => {
      registry = await startRegistry({ auth: 'basic', users: USERS });
    });
    after(() => registry.stop());

    test('401 with a Basic challenge without credentials, 200 with them', async () => {
      const image = await pushImage(registry, 'team/app', '1.0');
      const anonymous = await manifestRequest(registry, 'team/app', '1.0');
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.headers.get('www-authenticate'), 'Basic realm="shipshape-registry"');
      assert.equal(anonymous.headers.get('docker-content-digest'), null);

      const alice = await manifestRequest(registry, 'team/app', '1.0', { authorization: basicAuthorization('alice', USERS.alice) });
      assert.equal(alice.status, 200);
      assert.equal(alice.headers.get('docker-content-digest'), image.digest);
    });

    test('a wrong password or an unknown user is 401', async () => {
      await pushImage(registry, 'team/app', '1.0');
      for (const authorization of [basicAuthorization('alice', 'wrong'), basicAuthorization('carol', 'x'), 'Bearer nonsense']) {
        const response = await manifestRequest(registry, 'team/app', '1.0', { method: 'GET', authorization });
        assert.equal(response.status, 401);
        assert.equal(((await response.json()) as { errors: { code: string }[] }).errors[0]?.code, 'UNAUTHORIZED');
      }
    });
  });

  describe("auth 'token'", () => {
    let registry: Registry;
    before(async () => {
      registry = await startRegistry({ auth: 'token', users: USERS });
    });
    after(() => registry.stop());

    test('401 with a Bearer challenge; a token from its realm then gives 200', async () => {
      const image = await pushImage(registry, 'team/app', '1.0');
      registry.clearTokenRequests();
      const anonymous = await manifestRequest(registry, 'team/app', '1.0');
      assert.equal(anonymous.status, 401);
      const header = anonymous.headers.get('www-authenticate');
      assert.equal(header, `Bearer realm="${registry.realm}",service="${registry.service}",scope="repository:team/app:pull"`);
      const { scheme, params } = challenge(header);
      assert.equal(scheme, 'Bearer');
      assert.match(params['realm']!, /^http:\/\/127\.0\.0\.1:\d+\/token$/);

      const tokenUrl = new URL(params['realm']!);
      tokenUrl.searchParams.set('service', params['service']!);
      tokenUrl.searchParams.set('scope', params['scope']!);
      const answer = await fetch(tokenUrl, { headers: { Authorization: basicAuthorization('alice', USERS.alice) } });
      assert.equal(answer.status, 200);
      const body = (await answer.json()) as { token: string; access_token: string; expires_in: number; issued_at: string };
      assert.equal(body.access_token, body.token);
      assert.equal(body.expires_in, 300);
      assert.ok(Math.abs(Date.parse(body.issued_at) - Date.now()) < 10_000);

      const { header: jwtHeader, claims } = jwtParts(body.token);
      assert.equal(jwtHeader['alg'], 'RS256');
      assert.match(String(jwtHeader['kid']), /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
      assert.equal(claims['iss'], registry.issuer);
      assert.equal(claims['aud'], registry.service);
      assert.equal(claims['sub'], 'alice');
      assert.equal(Number(claims['exp']) - Number(claims['iat']), 300);
      assert.deepEqual(claims['access'], [{ type: 'repository', name: 'team/app', actions: ['pull'] }]);

      const authorized = await manifestRequest(registry, 'team/app', '1.0', { authorization: `Bearer ${body.token}` });
      assert.equal(authorized.status, 200);
      assert.equal(authorized.headers.get('docker-content-digest'), image.digest);

      const requests = registry.tokenRequests();
      assert.equal(requests.length, 1);
      assert.equal(requests[0]!.authorization, true);
      assert.equal(requests[0]!.user, 'alice');
      assert.deepEqual(requests[0]!.scopes, ['repository:team/app:pull']);
      assert.equal(requests[0]!.service, registry.service);
      assert.ok(!JSON.stringify(requests).includes(USERS.alice), 'no password in the record');
    });

    test('a token is for its repository only: another repository is 401 insufficient_scope', async () => {
      await pushImage(registry, 'team/app', '1.0');
      await pushImage(registry, 'team/other', '1.0');
      const token = registry.mintToken({ access: [{ type: 'repository', name: 'team/app', actions: ['pull'] }] });
      const response = await manifestRequest(registry, 'team/other', '1.0', { authorization: `Bearer ${token}` });
      assert.equal(response.status, 401);
      assert.equal(challenge(response.headers.get('www-authenticate')).params['error'], 'insufficient_scope');
    });

    test('anonymous token requests get pull by default; a wrong password is refused by the token server', async () => {
      const image = await pushImage(registry, 'team/app', '1.0');
      registry.clearTokenRequests();
      const anonymous = (await (
        await fetch(`${registry.realm}?service=${registry.service}&scope=repository:team/app:pull,push`)
      ).json()) as { token: string };
      assert.deepEqual(jwtParts(anonymous.token).claims['access'], [{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
      const response = await manifestRequest(registry, 'team/app', '1.0', { authorization: `Bearer ${anonymous.token}` });
      assert.equal(response.headers.get('docker-content-digest'), image.digest);

      const refused = await fetch(`${registry.realm}?service=${registry.service}&scope=repository:team/app:pull`, {
        headers: { Authorization: basicAuthorization('alice', 'wrong') },
      });
      assert.equal(refused.status, 401);
      assert.deepEqual(
        registry.tokenRequests().map((r) => [r.authorization, r.user, r.status]),
        [
          [false, null, 200],
          [true, null, 401],
        ],
      );
    });

    test('an expired token, or one from another issuer, is 401 invalid_token', async () => {
      await pushImage(registry, 'team/app', '1.0');
      const access = [{ type: 'repository', name: 'team/app', actions: ['pull'] }];
      for (const token of [
        registry.mintToken({ access, expiresIn: -120 }),
        registry.mintToken({ access, issuer: 'someone-else' }),
        registry.mintToken({ access, audience: 'another-service' }),
      ]) {
        const response = await manifestRequest(registry, 'team/app', '1.0', { authorization: `Bearer ${token}` });
        assert.equal(response.status, 401);
        assert.equal(challenge(response.headers.get('www-authenticate')).params['error'], 'invalid_token');
      }
    });

    test('the registry also trusts tokens that carry their certificate (x5c) instead of a kid', async () => {
      const image = await pushImage(registry, 'team/app', '1.0');
      const token = registry.mintToken({ access: [{ type: 'repository', name: 'team/app', actions: ['pull'] }], keyHeader: 'x5c' });
      assert.ok(Array.isArray(jwtParts(token).header['x5c']));
      const response = await manifestRequest(registry, 'team/app', '1.0', { authorization: `Bearer ${token}` });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('docker-content-digest'), image.digest);
    });

    test('with anonymousPull false, an anonymous token grants nothing', async () => {
      const closed = await startRegistry({ auth: 'token', users: USERS, anonymousPull: false, tokenExpiresIn: 60 });
      try {
        await pushImage(closed, 'team/app', '1.0');
        const answer = (await (await fetch(`${closed.realm}?service=${closed.service}&scope=repository:team/app:pull`)).json()) as {
          token: string;
          expires_in: number;
        };
        assert.equal(answer.expires_in, 60);
        assert.deepEqual(jwtParts(answer.token).claims['access'], []);
        const response = await manifestRequest(closed, 'team/app', '1.0', { authorization: `Bearer ${answer.token}` });
        assert.equal(response.status, 401);
        assert.equal(challenge(response.headers.get('www-authenticate')).params['error'], 'insufficient_scope');
      } finally {
        await closed.stop();
      }
    });
  });

  describe('indexes, tags and skopeo', () => {
    let registry: Registry;
    before(async () => {
      registry = await startRegistry({ auth: 'token', users: USERS });
    });
    after(() => registry.stop());
    const auth = (repo: string): string => registry.authorization([`repository:${repo}:pull`])!;

    test('an OCI image index over per-platform manifests', async () => {
      const index = await pushIndex(registry, 'team/multi', '1.0', ['linux/amd64', 'linux/arm64/v8']);
      assert.equal(index.mediaType, MEDIA_TYPES.ociIndex);
      const head = await manifestRequest(registry, 'team/multi', '1.0', { authorization: auth('team/multi') });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('docker-content-digest'), index.digest);
      assert.equal(head.headers.get('content-type'), MEDIA_TYPES.ociIndex);

      const body = JSON.parse(index.manifest) as { manifests: { digest: string; platform: { architecture: string; variant?: string } }[] };
      assert.deepEqual(
        body.manifests.map((m) => [m.platform.architecture, m.platform.variant ?? null, m.digest]),
        [
          ['amd64', null, index.images[0]!.digest],
          ['arm64', 'v8', index.images[1]!.digest],
        ],
      );
      assert.notEqual(index.images[0]!.digest, index.images[1]!.digest);
      for (const image of index.images) {
        const byDigest = await manifestRequest(registry, 'team/multi', image.digest, { authorization: auth('team/multi') });
        assert.equal(byDigest.status, 200);
        assert.equal(byDigest.headers.get('content-type'), MEDIA_TYPES.ociManifest);
      }
      // Without the index type in Accept, the registry does not serve the index.
      const manifestOnly = await manifestRequest(registry, 'team/multi', '1.0', {
        authorization: auth('team/multi'),
        accept: MEDIA_TYPES.ociManifest,
      });
      assert.equal(manifestOnly.status, 404);
    });

    test('a Docker manifest list; a client that accepts no list gets the linux/amd64 manifest', async () => {
      const list = await pushIndex(registry, 'team/dlist', '1.0', ['linux/arm64/v8', 'linux/amd64'], { mediaType: 'docker' });
      assert.equal(list.mediaType, MEDIA_TYPES.dockerList);
      const head = await manifestRequest(registry, 'team/dlist', '1.0', { authorization: auth('team/dlist') });
      assert.equal(head.headers.get('docker-content-digest'), list.digest);
      const noList = await manifestRequest(registry, 'team/dlist', '1.0', {
        authorization: auth('team/dlist'),
        accept: MEDIA_TYPES.dockerManifest,
      });
      assert.equal(noList.status, 200);
      assert.equal(noList.headers.get('docker-content-digest'), list.images[1]!.digest);
    });

    test('skopeo reads the pushed images: manifest bytes, config and layer', async () => {
      const image = await pushImage(registry, 'team/app', '1.0', { content: 'hello from shipshape' });
      const raw = await skopeo([
        'inspect',
        '--tls-verify=false',
        '--creds',
        `alice:${USERS.alice}`,
        '--raw',
        `docker://${registry.host}/team/app:1.0`,
      ]);
      assert.equal(raw, image.manifest);
      const inspected = JSON.parse(
        await skopeo(['inspect', '--tls-verify=false', '--creds', `alice:${USERS.alice}`, `docker://${registry.host}/team/app:1.0`]),
      ) as { Digest: string; Architecture: string; Os: string; Layers: string[] };
      assert.equal(inspected.Digest, image.digest);
      assert.equal(inspected.Architecture, 'amd64');
      assert.equal(inspected.Os, 'linux');
      assert.deepEqual(inspected.Layers, [image.layerDigest]);

      const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-skopeo-'));
      try {
        await skopeo([
          'copy',
          '--src-tls-verify=false',
          '--src-creds',
          `alice:${USERS.alice}`,
          `docker://${registry.host}/team/app:1.0`,
          `dir:${dir}`,
        ]);
        const layer = path.join(dir, image.layerDigest.slice('sha256:'.length));
        const listing = await run('tar', ['-tzf', layer]);
        assert.equal(listing.stdout, 'shipshape.txt\n');
        const file = await run('tar', ['-xzOf', layer, 'shipshape.txt']);
        assert.equal(file.stdout, 'hello from shipshape\n');
        assert.equal(digestOf(readFileSync(path.join(dir, image.configDigest.slice('sha256:'.length)))), image.configDigest);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('skopeo picks a platform out of the index', async () => {
      const index = await pushIndex(registry, 'team/multi', '2.0', ['linux/amd64', 'linux/arm64/v8']);
      const raw = await skopeo([
        'inspect',
        '--tls-verify=false',
        '--creds',
        `bob:${USERS.bob}`,
        '--raw',
        `docker://${registry.host}/team/multi:2.0`,
      ]);
      assert.equal(raw, index.manifest);
      const arm = JSON.parse(
        await skopeo([
          'inspect',
          '--tls-verify=false',
          '--creds',
          `bob:${USERS.bob}`,
          '--override-arch',
          'arm64',
          '--override-variant',
          'v8',
          `docker://${registry.host}/team/multi:2.0`,
        ]),
      ) as { Architecture: string; Layers: string[] };
      assert.equal(arm.Architecture, 'arm64');
      assert.deepEqual(arm.Layers, [index.images[1]!.layerDigest]);
    });

    test('retag puts the same manifest under another tag; moveTag moves a tag to new content', async () => {
      const image = await pushImage(registry, 'team/tags', '1.0');
      const copied = await retag(registry, 'team/tags', '1.0', 'stable');
      assert.equal(copied, image.digest);
      const stable = await manifestRequest(registry, 'team/tags', 'stable', { authorization: auth('team/tags') });
      assert.equal(stable.headers.get('docker-content-digest'), image.digest);

      const moved = await moveTag(registry, 'team/tags', 'stable');
      assert.notEqual(moved.digest, image.digest);
      const after = await manifestRequest(registry, 'team/tags', 'stable', { authorization: auth('team/tags') });
      assert.equal(after.headers.get('docker-content-digest'), moved.digest);
      const original = await manifestRequest(registry, 'team/tags', '1.0', { authorization: auth('team/tags') });
      assert.equal(original.headers.get('docker-content-digest'), image.digest, 'the other tag stays');

      // Moving by pushing other content under the tag works the same way.
      const again = await pushImage(registry, 'team/tags', 'stable', { content: 'third' });
      const third = await manifestRequest(registry, 'team/tags', 'stable', { authorization: auth('team/tags') });
      assert.equal(third.headers.get('docker-content-digest'), again.digest);

      await deleteManifest(registry, 'team/tags', image.digest);
      const gone = await manifestRequest(registry, 'team/tags', '1.0', { authorization: auth('team/tags') });
      assert.equal(gone.status, 404);
    });

    test('the harness pushes with its own tokens, never through the token server', async () => {
      registry.clearTokenRequests();
      await pushImage(registry, 'team/quiet', '1.0');
      await pushIndex(registry, 'team/quiet', 'multi', ['linux/amd64']);
      assert.deepEqual(registry.tokenRequests(), []);
    });
  });

  describe('fault server', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;

    test('429 with Retry-After the first N times, then 200 with a digest', async () => {
      const server = await startFaultServer(fault.firstN(2, fault.tooManyRequests(1), fault.manifest(digest)));
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++) {
          const response = await manifestRequest(server, 'team/app', '1.0');
          statuses.push(response.status);
          if (response.status === 429) assert.equal(response.headers.get('retry-after'), '1');
          else assert.equal(response.headers.get('docker-content-digest'), digest);
        }
        assert.deepEqual(statuses, [429, 429, 200]);
        assert.deepEqual(
          server.requests().map((r) => [r.index, r.method, r.url]),
          [0, 1, 2].map((i) => [i, 'HEAD', '/v2/team/app/manifests/1.0']),
        );
      } finally {
        await server.stop();
      }
    });

    test('500, 502, 503, then success', async () => {
      const server = await startFaultServer(
        fault.sequence(
          [fault.serverError(500), fault.serverError(502), fault.serverError(503, { 'Retry-After': '0' })],
          fault.manifest(digest),
        ),
      );
      try {
        const statuses = [];
        for (let i = 0; i < 4; i++) statuses.push((await manifestRequest(server, 'team/app', '1.0', { method: 'GET' })).status);
        assert.deepEqual(statuses, [500, 502, 503, 200]);
      } finally {
        await server.stop();
      }
    });

    test('429s in front of the real registry (proxy)', async () => {
      const registry = await startRegistry();
      const server = await startFaultServer(fault.firstN(1, fault.tooManyRequests(1), fault.proxy(registry.url)));
      try {
        const image = await pushImage(registry, 'team/app', '1.0');
        assert.equal((await manifestRequest(server, 'team/app', '1.0')).status, 429);
        const proxied = await manifestRequest(server, 'team/app', '1.0');
        assert.equal(proxied.status, 200);
        assert.equal(proxied.headers.get('docker-content-digest'), image.digest);
        const body = await manifestRequest(server, 'team/app', '1.0', { method: 'GET' });
        assert.equal(await body.text(), image.manifest);
      } finally {
        await server.stop();
        await registry.stop();
      }
    });

    test('a slow answer: headers late, or headers on time and the body late', async () => {
      const server = await startFaultServer(
        fault.sequence(
          [fault.slow(300, fault.manifest(digest)), fault.respond(200, { body: 'late', bodyDelayMs: 300 })],
          fault.slow(2000, fault.manifest(digest)),
        ),
      );
      try {
        // Told by the order of events, not by reading a clock: a timer of this process set for less
        // than the stand-in's delay, when the request leaves, fires before the answer comes.
        const beforeTimer = <T>(promise: Promise<T>, ms: number): Promise<'answer' | 'timer'> =>
          Promise.race([promise.then(() => 'answer' as const), new Promise<'timer'>((resolve) => setTimeout(() => resolve('timer'), ms))]);
        const headers = manifestRequest(server, 'team/app', '1.0');
        assert.equal(await beforeTimer(headers, 100), 'timer', 'the headers come after the delay');
        assert.equal((await headers).status, 200);

        const response = await fetch(`${server.url}/v2/`);
        const body = response.text();
        assert.equal(await beforeTimer(body, 50), 'timer', 'the body comes after the headers, late');
        assert.equal(await body, 'late');

        // The late answer is given up by the caller's own timeout, not answered.
        await assert.rejects(fetch(`${server.url}/v2/`, { signal: AbortSignal.timeout(100) }), { name: 'TimeoutError' });
      } finally {
        await server.stop();
      }
    });

    test('a dropped connection', async () => {
      const server = await startFaultServer(fault.destroy());
      try {
        await assert.rejects(manifestRequest(server, 'team/app', '1.0'), (error: Error & { cause?: { code?: string } }) => {
          assert.equal(error.message, 'fetch failed');
          assert.equal(error.cause?.code, 'UND_ERR_SOCKET');
          return true;
        });
        assert.equal(server.requests().length, 1);
      } finally {
        await server.stop();
      }
    });

    test('a 307 redirect to another host records whether Authorization arrived there', async () => {
      const target = await startFaultServer(fault.manifest(digest), { host: '127.0.0.2' });
      const front = await startFaultServer((request) => fault.redirect(`${target.url}${request.url}`));
      try {
        assert.match(target.host, /^127\.0\.0\.2:\d+$/);
        // Followed by hand, with the header sent again: it arrives (and its value is not recorded).
        const first = await fetch(`${front.url}/v2/team/app/manifests/1.0`, {
          method: 'HEAD',
          redirect: 'manual',
          headers: { Authorization: 'Bearer secret-token' },
        });
        assert.equal(first.status, 307);
        const location = first.headers.get('location')!;
        assert.equal(location, `${target.url}/v2/team/app/manifests/1.0`);
        const second = await fetch(location, { method: 'HEAD', headers: { Authorization: 'Bearer secret-token' } });
        assert.equal(second.headers.get('docker-content-digest'), digest);
        // Followed by fetch itself: it drops Authorization on a cross-origin redirect.
        const followed = await fetch(`${front.url}/v2/team/app/manifests/1.0`, {
          method: 'HEAD',
          headers: { Authorization: 'Bearer secret-token' },
        });
        assert.equal(followed.status, 200);

        assert.deepEqual(
          target.requests().map((r) => [r.authorization, r.authScheme]),
          [
            [true, 'Bearer'],
            [false, null],
          ],
        );
        assert.ok(front.requests().every((r) => r.authorization));
        assert.ok(!JSON.stringify([...target.requests(), ...front.requests()]).includes('secret-token'));
      } finally {
        await front.stop();
        await target.stop();
      }
    });
  });

  test('a program that exits without reading its input gives its exit code, not a write EPIPE', async () => {
    // More than a pipe holds: the write is still going when the program exits, as a short input is
    // when the machine is loaded and the program quicker than the test (a failing credential helper).
    const result = await run(process.execPath, ['-e', 'process.exit(3)'], { input: 'x'.repeat(8 << 20) });
    assert.equal(result.code, 3);
  });

  describe('the stand-in credential helper', () => {
    test('get, store, erase and list, logging calls without secrets', async () => {
      const store = credentialStore({ '127.0.0.1:5000': { Username: 'alice', Secret: 'alice-secret' } });
      try {
        const env = { ...process.env, ...store.env };
        // Found by name on PATH, as a Docker config's credHelpers would name it.
        const got = await run('docker-credential-shipshape', ['get'], { input: '127.0.0.1:5000\n', env });
        assert.equal(got.code, 0);
        assert.deepEqual(JSON.parse(got.stdout), { ServerURL: '127.0.0.1:5000', Username: 'alice', Secret: 'alice-secret' });

        const missing = await run(CREDENTIAL_HELPER, ['get'], { input: 'registry.example:443', env });
        assert.equal(missing.code, 1);
        assert.equal(missing.stdout.trim(), 'credentials not found in native keychain');

        const stored = await run(CREDENTIAL_HELPER, ['store'], {
          input: JSON.stringify({ ServerURL: 'https://index.docker.io/v1/', Username: 'bob', Secret: 'bob-secret' }),
          env,
        });
        assert.equal(stored.code, 0);
        const listed = await run(CREDENTIAL_HELPER, ['list'], { env });
        assert.deepEqual(JSON.parse(listed.stdout), { '127.0.0.1:5000': 'alice', 'https://index.docker.io/v1/': 'bob' });
        assert.equal((await run(CREDENTIAL_HELPER, ['erase'], { input: '127.0.0.1:5000', env })).code, 0);
        assert.deepEqual(Object.keys(store.entries()), ['https://index.docker.io/v1/']);

        assert.deepEqual(
          store.calls().map((c) => [c.command, c.serverURL, c.found]),
          [
            ['get', '127.0.0.1:5000', true],
            ['get', 'registry.example:443', false],
            ['store', 'https://index.docker.io/v1/', true],
            ['list', null, true],
            ['erase', '127.0.0.1:5000', true],
          ],
        );
        const log = readFileSync(store.logFile, 'utf8');
        assert.ok(!log.includes('secret'), 'no secret in the log');
      } finally {
        store.restore();
      }
    });

    test('a broken helper: SHIPSHAPE_TEST_CREDENTIALS_FAIL', async () => {
      const store = credentialStore();
      try {
        const result = await run(CREDENTIAL_HELPER, ['get'], {
          input: '127.0.0.1:5000',
          env: { ...process.env, ...store.env, SHIPSHAPE_TEST_CREDENTIALS_FAIL: 'keychain locked' },
        });
        assert.equal(result.code, 1);
        assert.equal(result.stdout.trim(), 'keychain locked');
      } finally {
        store.restore();
      }
    });
  });

  test('stop() ends the registry and the token server, and frees the port', async () => {
    const registry = await startRegistry({ auth: 'token', users: USERS });
    const { pid, url, realm } = registry;
    assert.ok(isAlive(pid));
    await registry.stop();
    assert.equal(isAlive(pid), false, `registry process ${pid} is gone`);
    await assert.rejects(fetch(`${url}/v2/`));
    await assert.rejects(fetch(`${realm}?service=x`));
    await registry.stop(); // twice is fine
  });

  test('a registry a test forgets to stop does not keep its process alive, and dies with it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-forgotten-'));
    try {
      const script = path.join(dir, 'forgotten.ts');
      writeFileSync(
        script,
        `import { startRegistry, pushImage } from ${JSON.stringify(path.join(__dirname, 'registry.ts'))};\n` +
          `startRegistry({ auth: 'token', users: { a: 'b' } }).then(async (r) => { await pushImage(r, 'x/y', '1'); console.log(JSON.stringify({ ` +
          `pid: r.pid })); });\n`,
      );
      // The script ends by itself (run resolves) although it never stopped its registry.
      const result = await run(process.execPath, ['--import', 'tsx', script]);
      assert.equal(result.code, 0, result.stderr);
      const { pid } = JSON.parse(result.stdout) as { pid: number };
      assert.ok(await waitUntil(() => !running(pid), 5000), `registry process ${pid} is gone`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('configured users and many tags', () => {
    let registry: Registry;
    before(async () => {
      registry = await startRegistry({ auth: 'token', users: USERS });
    });
    after(() => registry.stop());

    /** The configuration blob of a manifest, as the admin reads it. */
    async function configOf(repo: string, manifest: string): Promise<Record<string, any>> {
      const digest = JSON.parse(manifest).config.digest as string;
      const response = await fetch(`${registry.url}/v2/${repo}/blobs/${digest}`, {
        headers: { Authorization: registry.authorization([`repository:${repo}:pull`])! },
      });
      assert.equal(response.status, 200);
      const body = Buffer.from(await response.arrayBuffer());
      assert.equal(digestOf(body), digest);
      return JSON.parse(body.toString('utf8'));
    }

    test("an image's configured User is written into its configuration, and left out unless asked for", async () => {
      const app = await pushImage(registry, 'users/app', '1', { user: 'app' });
      assert.equal((await configOf('users/app', app.manifest)).config.User, 'app');
      const empty = await pushImage(registry, 'users/app', 'empty', { user: '' });
      assert.equal((await configOf('users/app', empty.manifest)).config.User, '');
      const none = await pushImage(registry, 'users/app', 'none');
      assert.equal('User' in (await configOf('users/app', none.manifest)).config, false);
    });

    test("an index's platforms each have their own user", async () => {
      const index = await pushIndex(registry, 'users/multi', '1', ['linux/amd64', 'linux/arm64/v8'], { users: ['0', '1000'] });
      const users = await Promise.all(index.images.map(async (image) => (await configOf('users/multi', image.manifest)).config.User));
      assert.deepEqual(users, ['0', '1000']);
      assert.notEqual(index.images[0]!.digest, index.images[1]!.digest);
    });

    test('pushTags puts one image under every tag; paginateTags serves the list in pages with Link, as distribution 2.8 does not', async () => {
      const tags = Array.from({ length: 25 }, (_, i) => `v${String(i).padStart(2, '0')}`);
      const image = await pushTags(registry, 'users/many', tags);
      const authorization = registry.authorization(['repository:users/many:pull'])!;
      const head = await manifestRequest(registry, 'users/many', 'v24', { authorization });
      assert.equal(head.headers.get('docker-content-digest'), image.digest);

      // The real registry ignores n: every tag at once, no Link.
      const whole = await fetch(`${registry.url}/v2/users/many/tags/list?n=10`, { headers: { Authorization: authorization } });
      assert.equal(whole.headers.get('link'), null);
      assert.equal(((await whole.json()) as { tags: string[] }).tags.length, 25);

      for (const link of ['relative', 'absolute'] as const) {
        const pager = await startFaultServer(fault.paginateTags(registry.url, { link }));
        try {
          const seen: string[] = [];
          const links: string[] = [];
          let next: string | undefined = `${pager.url}/v2/users/many/tags/list?n=10`;
          while (next) {
            const response: Response = await fetch(next, { headers: { Authorization: authorization } });
            assert.equal(response.status, 200);
            seen.push(...((await response.json()) as { tags: string[] }).tags);
            const header = response.headers.get('link');
            if (header) links.push(header);
            const target = header && /^<([^>]+)>; rel="next"$/.exec(header)?.[1];
            next = target ? new URL(target, pager.url).href : undefined;
          }
          assert.deepEqual(seen, tags);
          assert.equal(links.length, 2);
          assert.equal(
            links[0],
            link === 'relative'
              ? '</v2/users/many/tags/list?last=v09&n=10>; rel="next"'
              : `<${pager.url}/v2/users/many/tags/list?last=v09&n=10>; rel="next"`,
          );
          // Without a token the registry's own challenge comes back through the pager.
          const anonymous = await fetch(`${pager.url}/v2/users/many/tags/list?n=10`);
          assert.equal(anonymous.status, 401);
          assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer realm=/);
          // Anything else is proxied as it is.
          const manifest = await manifestRequest(pager, 'users/many', 'v00', { authorization });
          assert.equal(manifest.headers.get('docker-content-digest'), image.digest);
        } finally {
          await pager.stop();
        }
      }

      // pageSize caps a page whatever n asks, as registries cap it.
      const capped = await startFaultServer(fault.paginateTags(registry.url, { pageSize: 4 }));
      try {
        const response = await fetch(`${capped.url}/v2/users/many/tags/list?n=10`, { headers: { Authorization: authorization } });
        assert.deepEqual(((await response.json()) as { tags: string[] }).tags, tags.slice(0, 4));
        assert.equal(response.headers.get('link'), '</v2/users/many/tags/list?last=v03&n=10>; rel="next"');
      } finally {
        await capped.stop();
      }
    });
  });
});
