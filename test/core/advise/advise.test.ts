// Safer-tag advice for one image: a fake tag source, and the stand-in Trivy (with a report per
// tag from TRIVY_STANDIN_TAG_REPORTS) through the real Scanner.

import { afterEach, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { adviseImage, candidateTags, differenceText, isStrictlyBetter } from '../../../src/core/advise/index.js';
import type { TagSource } from '../../../src/core/advise/index.js';
import type { ResolveOutcome, TagListOutcome } from '../../../src/core/registry/types.js';
import { Scanner } from '../../../src/core/trivy/scanner.js';
import type { ImageScan, VulnerabilityCounts } from '../../../src/core/trivy/types.js';
import { imageScans, STAND_IN, standInLog } from '../../support/trivy.js';

type Counts = Partial<VulnerabilityCounts> & { Fixed?: boolean };

let log: ReturnType<typeof standInLog> | undefined;

function counts(partial: Partial<VulnerabilityCounts>): VulnerabilityCounts {
  return { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0, ...partial };
}

/** The stand-in answers each `repository:tag` with these counts. */
function reports(table: Record<string, Counts | string>): void {
  log = standInLog({ TRIVY_STANDIN_TAG_REPORTS: JSON.stringify(table) });
}

const digestOf = (reference: string) => `sha256:${createHash('sha256').update(`digest of ${reference}`).digest('hex')}`;

/** A registry that lists `tags` for every repository and resolves every tag; what it was asked is kept. */
function fakeTags(tags: readonly string[], options: { listFails?: boolean; resolveFails?: boolean } = {}) {
  const listed: string[] = [];
  const resolved: string[] = [];
  const source: TagSource = {
    listTags(repository: string): Promise<TagListOutcome> {
      listed.push(repository);
      if (options.listFails) {
        return Promise.resolve({
          ok: false,
          failure: { reference: repository, reason: 'unauthorized', message: `Could not list the tags of ${repository}: denied` },
        });
      }
      return Promise.resolve({ ok: true, repository, tags: [...tags], truncated: false });
    },
    resolve(reference: string): Promise<ResolveOutcome> {
      resolved.push(reference);
      if (options.resolveFails) {
        return Promise.resolve({ ok: false, failure: { reference, reason: 'not-found', message: `Could not resolve ${reference}: gone` } });
      }
      return Promise.resolve({ ok: true, resolved: { reference, digest: digestOf(reference), multiPlatform: false } });
    },
  };
  return { source, listed, resolved };
}

/** The current image's scan, as the scanner gives it. */
async function scanOf(scanner: Scanner, reference: string): Promise<ImageScan> {
  const outcome = await scanner.scan({ reference });
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.failure.message);
  return outcome.scan;
}

/** The references the stand-in was asked to scan, in no particular order. */
function scanned(): string[] {
  return imageScans(log!.invocations())
    .map((i) => i.argv.at(-1)!)
    .sort();
}

describe('adviseImage', () => {
  let scanner: Scanner;
  beforeEach(() => {
    scanner = new Scanner({ trivyPath: STAND_IN });
  });
  afterEach(() => {
    log?.restore();
    log = undefined;
  });

  test('suggests the newest of the best strictly better tags, pinned by digest', async () => {
    reports({
      'nginx:1.27.1': { CRITICAL: 2, HIGH: 5, LOW: 3 },
      'nginx:1.27.4': { CRITICAL: 2, HIGH: 6 },
      'nginx:1.27.3': { HIGH: 1, LOW: 1 },
      'nginx:1.27.2': { HIGH: 1 },
    });
    const tags = fakeTags(['1.26.0', '1.27.0', '1.27.1', '1.27.2', '1.27.3', '1.27.4', 'latest', 'mainline']);
    const advice = await adviseImage('nginx:1.27.1', await scanOf(scanner, 'nginx:1.27.1'), { tags: tags.source, scanner });
    assert.equal(advice.suggested, 'nginx:1.27.3');
    assert.equal(advice.pinned, `nginx:1.27.3@${digestOf('nginx:1.27.3')}`);
    assert.deepEqual(advice.before, counts({ CRITICAL: 2, HIGH: 5, LOW: 3 }));
    assert.deepEqual(advice.after, counts({ HIGH: 1, LOW: 1 }));
    assert.deepEqual(advice.compared, [
      { tag: '1.27.4', counts: counts({ CRITICAL: 2, HIGH: 6 }) },
      { tag: '1.27.3', counts: counts({ HIGH: 1, LOW: 1 }) },
      { tag: '1.27.2', counts: counts({ HIGH: 1 }) },
    ]);
    assert.equal(advice.fixable, true);
    assert.equal(advice.why, 'Compared 3 newer tags (1.27.4, 1.27.3, 1.27.2); 1.27.3 has 2 CRITICAL, 4 HIGH fewer.');
    assert.deepEqual(tags.listed, ['docker.io/library/nginx']);
    assert.deepEqual(tags.resolved, ['nginx:1.27.3'], 'only the suggestion is resolved');
    assert.equal(advice.error, undefined);
  });

  test('never suggests more HIGH and CRITICAL, nor more CRITICAL for fewer in total, nor the same', async () => {
    reports({
      'acme/api:2.0.0': { CRITICAL: 1, HIGH: 2 },
      'acme/api:2.0.3': { HIGH: 8 },
      'acme/api:2.0.2': { CRITICAL: 2 },
      'acme/api:2.0.1': { CRITICAL: 1, HIGH: 2, MEDIUM: 9 },
    });
    const tags = fakeTags(['2.0.0', '2.0.1', '2.0.2', '2.0.3']);
    const advice = await adviseImage('acme/api:2.0.0', await scanOf(scanner, 'acme/api:2.0.0'), { tags: tags.source, scanner });
    assert.equal(advice.suggested, undefined);
    assert.equal(advice.pinned, undefined);
    assert.equal(advice.after, undefined);
    assert.equal(advice.compared.length, 3);
    assert.match(advice.why, /^Compared 3 newer tags \(2\.0\.3, 2\.0\.2, 2\.0\.1\); none has fewer HIGH and CRITICAL/);
    assert.deepEqual(tags.resolved, []);
    assert.ok(!isStrictlyBetter(counts({ CRITICAL: 2 }), counts({ CRITICAL: 1, HIGH: 2 })));
    assert.ok(!isStrictlyBetter(counts({ HIGH: 3 }), counts({ CRITICAL: 1, HIGH: 2 })));
    assert.ok(isStrictlyBetter(counts({ HIGH: 2 }), counts({ CRITICAL: 1, HIGH: 2 })));
    assert.ok(!isStrictlyBetter(counts({ CRITICAL: 1 }), counts({ HIGH: 5 })), 'a CRITICAL is never traded for HIGHs');
  });

  test('never crosses OS families: Debian stays Debian (or moves to its successor), Alpine stays Alpine', async () => {
    reports({
      'python:3.12.7-slim-bookworm': { CRITICAL: 3 },
      'python:3.12.7-alpine3.20': { CRITICAL: 3 },
      python: {}, // every other tag is clean: only the rules keep them out
    });
    const tags = fakeTags([
      '3.12.7-slim-bookworm',
      '3.12.8-alpine3.20',
      '3.12.8-slim-bullseye',
      '3.12.8-bookworm',
      '3.12.8-slim',
      '3.12.9-slim-forky',
      '3.12.8-slim-trixie',
      '3.12.8-slim-bookworm',
      '3.12.7-alpine3.20',
      '3.12.8-alpine3.19',
      '3.12.9-alpine3.21',
      '3.12.9-slim-bookworm',
    ]);
    const debian = await adviseImage('python:3.12.7-slim-bookworm', await scanOf(scanner, 'python:3.12.7-slim-bookworm'), {
      tags: tags.source,
      scanner,
      maxCandidates: 10,
    });
    assert.deepEqual(
      debian.compared.map((c) => c.tag),
      ['3.12.9-slim-bookworm', '3.12.8-slim-trixie', '3.12.8-slim-bookworm'],
    );
    assert.equal(debian.suggested, 'python:3.12.9-slim-bookworm');
    const alpine = await adviseImage('python:3.12.7-alpine3.20', await scanOf(scanner, 'python:3.12.7-alpine3.20'), {
      tags: tags.source,
      scanner,
      maxCandidates: 10,
    });
    assert.deepEqual(
      alpine.compared.map((c) => c.tag),
      ['3.12.9-alpine3.21', '3.12.8-alpine3.20'],
    );
    assert.equal(alpine.suggested, 'python:3.12.9-alpine3.21');
    // Nothing of another family, an older release or another flavour was ever scanned.
    assert.deepEqual(scanned(), [
      'python:3.12.7-alpine3.20',
      'python:3.12.7-slim-bookworm',
      'python:3.12.8-alpine3.20',
      'python:3.12.8-slim-bookworm',
      'python:3.12.8-slim-trixie',
      'python:3.12.9-alpine3.21',
      'python:3.12.9-slim-bookworm',
    ]);
  });

  test('nothing is listed or scanned for an image without HIGH or CRITICAL vulnerabilities', async () => {
    reports({ 'nginx:1.27.1': { MEDIUM: 4, LOW: 2 } });
    const tags = fakeTags(['1.27.1', '1.27.2']);
    const advice = await adviseImage('nginx:1.27.1', await scanOf(scanner, 'nginx:1.27.1'), { tags: tags.source, scanner });
    assert.equal(advice.suggested, undefined);
    assert.deepEqual(advice.compared, []);
    assert.equal(advice.why, 'nginx:1.27.1 has no HIGH or CRITICAL vulnerabilities.');
    assert.deepEqual(tags.listed, []);
    assert.deepEqual(scanned(), ['nginx:1.27.1']);
  });

  test('at most maxCandidates newer tags are scanned, the newest; scans are cached like every scan', async () => {
    reports({ 'team/web:4.1.0': { HIGH: 4 }, 'team/web': { HIGH: 2 } });
    const tags = fakeTags(Array.from({ length: 10 }, (_, i) => `4.1.${i}`).concat(['4.0.9', '4.2.0-rc1', '5.0.0', 'latest']));
    const current = await scanOf(scanner, 'team/web:4.1.0');
    const advice = await adviseImage('team/web:4.1.0', current, { tags: tags.source, scanner, maxCandidates: 2 });
    assert.deepEqual(
      advice.compared.map((c) => c.tag),
      ['4.1.9', '4.1.8'],
    );
    assert.equal(advice.suggested, 'team/web:4.1.9', 'the newest of equally good ones');
    assert.deepEqual(scanned(), ['team/web:4.1.0', 'team/web:4.1.8', 'team/web:4.1.9']);
    const again = await adviseImage('team/web:4.1.0', current, { tags: tags.source, scanner, maxCandidates: 2 });
    assert.deepEqual(again, advice);
    assert.equal(imageScans(log!.invocations()).length, 3, 'the second time comes from the cache');
  });

  test('the same major version unless allowMajor; never a prerelease', async () => {
    reports({ 'team/db:1.4.2': { CRITICAL: 1 }, 'team/db:1.4.3': { CRITICAL: 1 }, 'team/db': {} });
    const tags = fakeTags(['1.4.2', '1.4.3', '1.5.0-rc1', '2.0.0', '2.1.0-beta', '0.9.0']);
    const same = await adviseImage('team/db:1.4.2', await scanOf(scanner, 'team/db:1.4.2'), { tags: tags.source, scanner });
    assert.deepEqual(
      same.compared.map((c) => c.tag),
      ['1.4.3'],
    );
    assert.equal(same.suggested, undefined);
    const major = await adviseImage('team/db:1.4.2', await scanOf(scanner, 'team/db:1.4.2'), {
      tags: tags.source,
      scanner,
      allowMajor: true,
    });
    assert.deepEqual(
      major.compared.map((c) => c.tag),
      ['2.0.0', '1.4.3'],
    );
    assert.equal(major.pinned, `team/db:2.0.0@${digestOf('team/db:2.0.0')}`);
    assert.deepEqual(candidateTags(['1.4.2', '1.4', '1.5', '1.4.3.1', '1.4.3'], '1.4.2'), ['1.4.3'], 'as precise as the current tag');
  });

  test('a candidate that cannot be scanned is compared as a failure; the others still count', async () => {
    reports({ 'nginx:1.27.1': { CRITICAL: 1 }, 'nginx:1.27.3': 'notfound', 'nginx:1.27.2': { HIGH: 0 } });
    const tags = fakeTags(['1.27.1', '1.27.2', '1.27.3']);
    const advice = await adviseImage('nginx:1.27.1', await scanOf(scanner, 'nginx:1.27.1'), { tags: tags.source, scanner });
    const failed = advice.compared[0]!;
    assert.equal(failed.tag, '1.27.3');
    assert.ok('failure' in failed && failed.failure.reason === 'not-found');
    assert.equal(advice.suggested, 'nginx:1.27.2');
  });

  test('registry failures are said: tags not listed, the suggestion not resolved', async () => {
    reports({ 'nginx:1.27.1': { CRITICAL: 1, Fixed: false }, 'nginx:1.27.2': {} });
    const scan = await scanOf(scanner, 'nginx:1.27.1');
    const unlisted = await adviseImage('nginx:1.27.1', scan, { tags: fakeTags([], { listFails: true }).source, scanner });
    assert.equal(unlisted.error, 'Could not list the tags of docker.io/library/nginx: denied');
    assert.equal(unlisted.why, 'The tags of nginx could not be listed.');
    const unresolved = await adviseImage('nginx:1.27.1', scan, { tags: fakeTags(['1.27.2'], { resolveFails: true }).source, scanner });
    assert.equal(unresolved.pinned, undefined);
    assert.deepEqual(unresolved.after, counts({}));
    assert.equal(unresolved.error, 'Could not resolve nginx:1.27.2: gone');
    assert.match(unresolved.why, /1\.27\.2 is safer \(1 CRITICAL fewer\) but its digest could not be resolved/);
    const resolved = await adviseImage('nginx:1.27.1', scan, { tags: fakeTags(['1.27.2']).source, scanner });
    assert.equal(resolved.fixable, false, 'the CRITICAL it drops had no fix listed');
  });

  test('why: no tag, a tag that is no version, no newer tag', async () => {
    reports({ nginx: { HIGH: 1 } });
    const tags = fakeTags(['1.27.1', 'latest']);
    const latest = await adviseImage('nginx:latest', await scanOf(scanner, 'nginx:latest'), { tags: tags.source, scanner });
    assert.equal(latest.why, 'The tag "latest" of nginx:latest is not a version, so no newer tag can be told from it.');
    const newest = await adviseImage('nginx:1.27.1-alpine', await scanOf(scanner, 'nginx:1.27.1-alpine'), { tags: tags.source, scanner });
    assert.equal(newest.why, 'No newer tag of nginx of the variant alpine within major version 1 was found.');
    assert.deepEqual(tags.listed, ['docker.io/library/nginx']);
  });

  test('differenceText says what changes in CRITICAL and HIGH', () => {
    assert.equal(differenceText(counts({ CRITICAL: 2, HIGH: 5 }), counts({})), '2 CRITICAL, 5 HIGH fewer');
    assert.equal(differenceText(counts({ CRITICAL: 3, HIGH: 1 }), counts({ HIGH: 2 })), '3 CRITICAL fewer, 1 HIGH more');
    assert.equal(differenceText(counts({ HIGH: 4 }), counts({ HIGH: 1, LOW: 9 })), '3 HIGH fewer');
  });
});
