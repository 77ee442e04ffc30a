// A repository's tags through the registry client: a real registry with token auth, its list
// served in pages with `Link` by the harness's pager (distribution 2.8 itself sends every tag at
// once), and a fault server for links to other hosts and lists that never end.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nextLink, RegistryClient, tagListUrl } from '../../../src/core/registry/client.js';
import { CredentialStore } from '../../../src/core/registry/credentials.js';
import { fault, pushTags, startFaultServer, startRegistry, type FaultServer, type Registry } from '../../support/registry.js';

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

function client(configDir: string, logger = recorder().logger): RegistryClient {
  return new RegistryClient({ credentials: new CredentialStore({ configDir, logger }), logger, minRetryDelayMs: 10 });
}

const EMPTY = dockerConfig({});
const TAGS = Array.from({ length: 230 }, (_, i) => `1.${Math.floor(i / 10)}.${i % 10}`);
/** What the pager serves: sorted, as distribution 3 lists tags. */
const LISTED = [...TAGS].sort();

describe('listing tags of a real registry with token auth', () => {
  let registry: Registry;
  let pager: FaultServer;
  let absolute: FaultServer;
  let credentials: string;

  before(async () => {
    registry = await startRegistry({ auth: 'token', users: { bob: 't4gs-pw' }, anonymousPull: false });
    await pushTags(registry, 'team/many', TAGS);
    await pushTags(registry, 'team/few', ['latest', 'stable']);
    // At most 100 tags a page whatever `n` asks: 230 tags take 3 pages.
    pager = await startFaultServer(fault.paginateTags(registry.url, { pageSize: 100 }));
    absolute = await startFaultServer(fault.paginateTags(registry.url, { pageSize: 100, link: 'absolute' }));
    const auth = Buffer.from('bob:t4gs-pw').toString('base64');
    credentials = dockerConfig({ auths: { [pager.host]: { auth }, [absolute.host]: { auth } } });
  });
  after(async () => {
    await pager.stop();
    await absolute.stop();
    await registry.stop();
  });

  test('every tag, page after page, in the order the registry lists them; the token scope is the one pinning uses', async () => {
    registry.clearTokenRequests();
    const { lines, logger } = recorder();
    const start = pager.requests().length;
    const outcome = await client(credentials, logger).listTags(`${pager.host}/team/many`);
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.failure.message);
    assert.deepEqual(outcome, { ok: true, repository: `${pager.host}/team/many`, tags: LISTED, truncated: false });
    assert.deepEqual(
      pager
        .requests()
        .slice(start)
        .map((r) => [r.url, r.authorization]),
      [
        ['/v2/team/many/tags/list?n=1000', false],
        ['/v2/team/many/tags/list?n=1000', true],
        [`/v2/team/many/tags/list?last=${LISTED[99]}&n=1000`, true],
        [`/v2/team/many/tags/list?last=${LISTED[199]}&n=1000`, true],
      ],
    );
    assert.deepEqual(
      registry.tokenRequests().map((r) => [r.scopes, r.user]),
      [[['repository:team/many:pull'], 'bob']],
    );
    assert.ok(lines.every((l) => !l.includes('t4gs-pw')));
  });

  test('absolute next links on the same host are followed too', async () => {
    const outcome = await client(credentials).listTags(`${absolute.host}/team/many`);
    assert.ok(outcome.ok && !outcome.truncated);
    assert.deepEqual(outcome.tags, LISTED);
  });

  test('max: the first tags, and truncated when there are more; no page more than needed', async () => {
    const c = client(credentials);
    let start = pager.requests().length;
    const some = await c.listTags(`${pager.host}/team/many`, { max: 150 });
    assert.ok(some.ok);
    assert.deepEqual(some.tags, LISTED.slice(0, 150));
    assert.equal(some.truncated, true);
    assert.equal(pager.requests().length - start, 2 + 1, 'two pages, after one challenge');

    start = pager.requests().length;
    const exact = await c.listTags(`${pager.host}/team/many`, { max: 230 });
    assert.ok(exact.ok && exact.tags.length === 230 && !exact.truncated);
    assert.equal(pager.requests().length - start, 3);

    const fewer = await c.listTags(`${pager.host}/team/many`, { max: 229 });
    assert.ok(fewer.ok && fewer.tags.length === 229 && fewer.truncated);
  });

  test('a repository with a few tags (one page); a tag given with the repository is ignored', async () => {
    const outcome = await client(credentials).listTags(`${pager.host}/team/few:latest`);
    assert.deepEqual(outcome, { ok: true, repository: `${pager.host}/team/few`, tags: ['latest', 'stable'], truncated: false });
  });

  test('an unknown repository is not found; without credentials, unauthorized; an invalid name is never sent', async () => {
    const c = client(credentials);
    const missing = await c.listTags(`${pager.host}/team/nothing`);
    assert.ok(!missing.ok && missing.failure.reason === 'not-found');
    assert.match(missing.failure.message, /^Could not list the tags of .*: the repository does not exist .*NAME_UNKNOWN/);

    const anonymous = await client(EMPTY).listTags(`${pager.host}/team/many`);
    assert.ok(!anonymous.ok && anonymous.failure.reason === 'unauthorized');
    assert.match(anonymous.failure.message, /docker login/);

    const start = pager.requests().length;
    const invalid = await c.listTags('-rf /');
    assert.ok(!invalid.ok && invalid.failure.reason === 'invalid-reference');
    assert.equal(pager.requests().length, start);
  });
});

describe('listing tags: links and limits', () => {
  test('a next page on another host is not asked for: the list is said to be truncated', async () => {
    const elsewhere = await startFaultServer(fault.respond(200, { body: JSON.stringify({ name: 'a', tags: ['stolen'] }) }), {
      host: '127.0.0.2',
    });
    const origin = await startFaultServer(
      fault.respond(200, {
        headers: { 'Content-Type': 'application/json', Link: `<${elsewhere.url}/v2/a/tags/list?last=b>; rel="next"` },
        body: JSON.stringify({ name: 'a', tags: ['a', 'b'] }),
      }),
    );
    try {
      const { lines, logger } = recorder();
      const outcome = await client(EMPTY, logger).listTags(`${origin.host}/a`);
      assert.deepEqual(outcome, { ok: true, repository: `${origin.host}/a`, tags: ['a', 'b'], truncated: true });
      assert.equal(elsewhere.requests().length, 0);
      assert.ok(lines.some((l) => /next page of tags is on 127\.0\.0\.2:\d+; not followed/.test(l)));
    } finally {
      await origin.stop();
      await elsewhere.stop();
    }
  });

  test('a list that never ends stops after 50 pages', async () => {
    const endless = await startFaultServer((request) =>
      fault.respond(200, {
        headers: { 'Content-Type': 'application/json', Link: `</v2/a/tags/list?last=t${request.index}>; rel="next"` },
        body: JSON.stringify({ name: 'a', tags: [`t${request.index}`] }),
      }),
    );
    try {
      const outcome = await client(EMPTY).listTags(`${endless.host}/a`);
      assert.ok(outcome.ok && outcome.truncated);
      assert.equal(outcome.tags.length, 50);
      assert.equal(endless.requests().length, 50);
    } finally {
      await endless.stop();
    }
  });

  test('a repository without tags (null) has none; an answer that is not a tag list is a bad response', async () => {
    const server = await startFaultServer((request) =>
      request.url.startsWith('/v2/empty/')
        ? fault.respond(200, { body: JSON.stringify({ name: 'empty', tags: null }) })
        : fault.respond(200, { body: '<html>' }),
    );
    try {
      assert.deepEqual(await client(EMPTY).listTags(`${server.host}/empty`), {
        ok: true,
        repository: `${server.host}/empty`,
        tags: [],
        truncated: false,
      });
      const html = await client(EMPTY).listTags(`${server.host}/html`);
      assert.ok(!html.ok && html.failure.reason === 'bad-response');
    } finally {
      await server.stop();
    }
  });

  test("Docker Hub's official images are library/ on registry-1.docker.io, like any other repository", () => {
    assert.equal(tagListUrl('nginx'), 'https://registry-1.docker.io/v2/library/nginx/tags/list?n=1000');
    assert.equal(tagListUrl('docker.io/library/nginx:1.27'), 'https://registry-1.docker.io/v2/library/nginx/tags/list?n=1000');
    assert.equal(tagListUrl('bitnami/redis'), 'https://registry-1.docker.io/v2/bitnami/redis/tags/list?n=1000');
    assert.equal(tagListUrl('ghcr.io/org/app'), 'https://ghcr.io/v2/org/app/tags/list?n=1000');
    assert.equal(tagListUrl('localhost:5000/app'), 'http://localhost:5000/v2/app/tags/list?n=1000');
    assert.equal(tagListUrl('Not A Repository'), undefined);
  });

  test('Link headers: the next link among others, quoted or not', () => {
    assert.equal(nextLink('</v2/a/tags/list?last=b&n=2>; rel="next"'), '/v2/a/tags/list?last=b&n=2');
    assert.equal(nextLink('<https://r.example/x>; rel=prev, <https://r.example/y>; title="more"; rel=next'), 'https://r.example/y');
    assert.equal(nextLink('<https://r.example/x>; rel="prev nexus"'), undefined);
    assert.equal(nextLink(null), undefined);
  });
});
