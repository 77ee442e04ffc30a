// The tags that point to a digest now (the hover on `name@sha256:…`), against a real registry on
// loopback, behind a proxy that counts requests: tags moved away are not named, the number of
// tags resolved is bounded, and answers are kept.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { silentLogger } from '../../../src/core/index.js';
import { RegistryClient } from '../../../src/core/network.js';
import { DigestTagFinder, digestTagsText, tagsOfDigest } from '../../../src/core/registry/digestTags.js';
import { fault, pushImage, pushTags, startFaultServer, startRegistry, type FaultServer, type Registry } from '../../support/registry.js';

describe('the tags of a digest', () => {
  let registry: Registry;
  let front: FaultServer;
  let built: string;
  let moved: string;
  const client = () => new RegistryClient({ logger: silentLogger, insecureRegistries: [] });
  const heads = (from: number) =>
    front
      .requests()
      .slice(from)
      .filter((r) => r.method === 'HEAD').length;

  before(async () => {
    registry = await startRegistry();
    front = await startFaultServer(fault.proxy(registry.url));
    // One build tagged 1.2.3, 1.2, 1 and latest; then 1 pushed again with another build.
    built = (await pushTags(registry, 'team/app', ['1.2.3', '1.2', '1', 'latest'], { content: 'first' })).digest;
    moved = (await pushImage(registry, 'team/app', '1', { content: 'second' })).digest;
    await pushImage(registry, 'team/app', '0.9', { content: 'old' });
  });
  after(async () => {
    await front.stop();
    await registry.stop();
  });

  test('names the tags that point to the digest now, not one pushed again since', async () => {
    const answer = await tagsOfDigest(client(), `${front.host}/team/app@${built}`);
    assert.ok(answer.ok);
    assert.deepEqual([...answer.tags].sort(), ['1.2', '1.2.3', 'latest']);
    assert.deepEqual([answer.checked, answer.listed, answer.more], [5, 5, false]);
    const other = await tagsOfDigest(client(), `${front.host}/team/app@${moved}`);
    assert.deepEqual(other.ok && other.tags, ['1']);
    assert.match(
      digestTagsText(other),
      /^\*\*Shipshape:\*\* `[^`]+\/team\/app` tags pointing to this digest now: `1` \(checked all 5 tags\)\.$/,
    );
  });

  test('resolves at most maxChecked tags, latest first, and says how many it looked at', async () => {
    const start = front.requests().length;
    const answer = await tagsOfDigest(client(), `${front.host}/team/app@${built}`, { maxChecked: 2 });
    assert.ok(answer.ok);
    assert.equal(answer.checked, 2);
    assert.equal(heads(start), 2);
    assert.ok(answer.tags.includes('latest'));
    assert.match(digestTagsText(answer), /\(checked the 2 likeliest of 5 tags\)/);
  });

  test('the finder keeps its answers: a second hover asks nothing', async () => {
    let clock = 0;
    const finder = new DigestTagFinder(client(), 1000, {}, () => clock);
    const reference = `${front.host}/team/app@${built}`;
    await finder.find(reference);
    const start = front.requests().length;
    const again = await finder.find(reference);
    assert.equal(front.requests().length, start);
    assert.deepEqual(again.ok && [...again.tags].sort(), ['1.2', '1.2.3', 'latest']);
    clock = 1000;
    await finder.find(reference);
    assert.ok(front.requests().length > start, 'asked again once the answer is older than the ttl');
  });

  test('no tag points to a digest pushed over: said with what was checked', async () => {
    const gone = (await pushImage(registry, 'team/gone', '1', { content: 'a' })).digest;
    await pushImage(registry, 'team/gone', '1', { content: 'b' });
    const answer = await tagsOfDigest(client(), `${front.host}/team/gone@${gone}`);
    assert.match(digestTagsText(answer), /no tag of `[^`]+\/team\/gone` points to this digest now \(checked its only tag\)/);
  });

  test('a repository that does not exist is a failure, said as the registry says it', async () => {
    const answer = await tagsOfDigest(client(), `${front.host}/team/none@${built}`);
    assert.equal(answer.ok, false);
    assert.match(digestTagsText(answer), /^\*\*Shipshape\*\* could not list the tags of this digest: /);
  });
});
