// `shipshape tags` against a real registry on loopback: completion order, the image's variant
// only unless --all, digests with --digests, and registry failures said plainly (exit 2).

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';
import { freePort, pushImage, startRegistry, type Registry } from '../support/registry.js';

let registry: Registry;
let host: string;
const digests: Record<string, string> = {};

// Pushed in an order unlike the completion order; the registry lists them lexically.
const TAGS = ['1.26.2', '1.27.3-alpine', '1.27.3', 'latest', '1.27-alpine3.20', '1.28.0-rc1', '1.27.10', 'mainline-alpine', '1.27.4'];

describe('shipshape tags', () => {
  before(async () => {
    registry = await startRegistry();
    host = registry.host;
    for (const tag of TAGS) digests[tag] = (await pushImage(registry, 'team/web', tag, { content: `web ${tag}` })).digest;
  });
  after(() => registry.stop());

  test("the image's variant only, newest version first, version-less tags last", async () => {
    const plain = await runCli(['tags', `${host}/team/web:1.27.3`]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, ['1.28.0-rc1', '1.27.10', '1.27.4', '1.27.3', '1.26.2', 'latest', ''].join('\n'));
    const alpine = await runCli(['tags', `${host}/team/web:1.27.3-alpine`]);
    assert.equal(alpine.stdout, ['1.27-alpine3.20', '1.27.3-alpine', 'mainline-alpine', ''].join('\n'));
  });

  test('--all: every tag, the image variant first; an image without a tag lists them all', async () => {
    const all = await runCli(['tags', '--all', `${host}/team/web:1.27.3-alpine`]);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(all.stdout.trimEnd().split('\n'), [
      '1.27-alpine3.20',
      '1.27.3-alpine',
      'mainline-alpine',
      '1.28.0-rc1',
      '1.27.10',
      '1.27.4',
      '1.27.3',
      '1.26.2',
      'latest',
    ]);
    const untagged = await runCli(['tags', `${host}/team/web`]);
    assert.equal(untagged.stdout.trimEnd().split('\n').length, TAGS.length);
  });

  test('--digests --format json: each shown tag with the digest it points to now', async () => {
    const run = await runCli(['tags', '--digests', '--format', 'json', `${host}/team/web:1.27.3-alpine`]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      repository: `${host}/team/web`,
      tags: ['1.27-alpine3.20', '1.27.3-alpine', 'mainline-alpine'].map((tag) => ({ tag, digest: digests[tag] })),
    });
    const text = await runCli(['tags', '--digests', `${host}/team/web:1.26.2`]);
    assert.match(text.stdout, new RegExp(`^1\\.26\\.2  ${digests['1.26.2']}$`, 'm'));
    const json = await runCli(['tags', '--format', 'json', `${host}/team/web:1.26.2`]);
    assert.deepEqual(JSON.parse(json.stdout).tags[0], { tag: '1.28.0-rc1' }, 'no digest unless asked');
  });

  test('registry failures are said plainly, exit 2', async () => {
    const unknown = await runCli(['tags', `${host}/team/nothing:1.0`]);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stdout, '');
    assert.match(
      unknown.stderr,
      new RegExp(`^shipshape: Could not list the tags of ${host}/team/nothing.*: the repository does not exist`),
    );
    const down = `127.0.0.1:${await freePort()}`;
    const unreachable = await runCli(['tags', `${down}/team/web:1.0`]);
    assert.equal(unreachable.code, 2);
    assert.match(unreachable.stderr, /the connection at 127\.0\.0\.1:\d+ was refused/);
  });

  test('usage: one IMAGE, a valid reference, text or json', async () => {
    assert.equal((await runCli(['tags'])).code, 2);
    assert.equal((await runCli(['tags', 'a', 'b'])).code, 2);
    const invalid = await runCli(['tags', 'Not A Reference']);
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /is not a valid image reference/);
    assert.equal((await runCli(['tags', '--format', 'sarif', `${host}/team/web`])).code, 2);
    const help = await runCli(['tags', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: shipshape tags/);
  });
});
