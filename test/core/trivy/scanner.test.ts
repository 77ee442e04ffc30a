import { afterEach, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ScanCache } from '../../../src/core/trivy/cache.js';
import { Scanner, requestKey } from '../../../src/core/trivy/scanner.js';
import { imageScans, isAlive, maxOverlap, STAND_IN, standInLog } from '../../support/trivy.js';

let log: ReturnType<typeof standInLog>;
let dir: string;

function scanner(options: ConstructorParameters<typeof Scanner>[0] = {}): Scanner {
  return new Scanner({ trivyPath: STAND_IN, ...options });
}

describe('Scanner', () => {
  beforeEach(() => {
    log = standInLog({ TRIVY_STANDIN_DELAY_MS: '300' });
    dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-cache-'));
  });
  afterEach(() => log.restore());

  test('never runs more Trivy processes at once than its concurrency', async () => {
    const images = ['a/one:1', 'a/two:1', 'a/three:1', 'a/four:1', 'a/five:1', 'a/six:1'];
    const results = await scanner({ concurrency: 2 }).scanAll(images.map((reference) => ({ reference })));
    assert.equal([...results.values()].filter((r) => r.ok).length, 6);
    const scans = imageScans(log.invocations());
    assert.equal(scans.length, 6);
    assert.equal(maxOverlap(scans), 2);
  });

  test('checks the Trivy version once for many scans', async () => {
    await scanner().scanAll(['a/one:1', 'a/two:1', 'a/three:1'].map((reference) => ({ reference })));
    assert.equal(log.invocations().filter((i) => i.argv[0] === 'version').length, 1);
  });

  test('identical requests in flight share one Trivy run', async () => {
    const s = scanner();
    const outcomes = await Promise.all([1, 2, 3, 4, 5].map(() => s.scan({ reference: 'nginx:1.27' })));
    assert.ok(outcomes.every((o) => o.ok));
    assert.equal(imageScans(log.invocations()).length, 1);
  });

  test('the same image for two platforms is two scans, each with --platform', async () => {
    const s = scanner();
    const results = await s.scanAll([
      { reference: 'nginx:1.27', platform: 'linux/amd64' },
      { reference: 'nginx:1.27', platform: 'linux/arm64' },
      { reference: 'nginx:1.27', platform: 'linux/arm64' },
    ]);
    assert.deepEqual([...results.keys()].sort(), ['nginx:1.27 --platform linux/amd64', 'nginx:1.27 --platform linux/arm64']);
    const platforms = imageScans(log.invocations())
      .map((i) => i.argv[i.argv.indexOf('--platform') + 1])
      .sort();
    assert.deepEqual(platforms, ['linux/amd64', 'linux/arm64']);
  });

  test('a result is reused from the cache by reference, until its time to live passes', async () => {
    let now = Date.now();
    const cache = new ScanCache(undefined, 60_000, undefined, () => now);
    const s = scanner({ cache });
    await s.scan({ reference: 'nginx:1.27' });
    const again = await s.scan({ reference: 'nginx:1.27' });
    assert.ok(again.ok);
    assert.equal(imageScans(log.invocations()).length, 1);
    now += 61_000;
    await s.scan({ reference: 'nginx:1.27' });
    assert.equal(imageScans(log.invocations()).length, 2);
  });

  test('a pinned reference finds the scan of the same digest, whatever tag it came from', async () => {
    const s = scanner();
    const first = await s.scan({ reference: 'debian:buster' });
    assert.ok(first.ok && first.scan.digest);
    const pinned = await s.scan({ reference: `debian@${first.scan.digest}` });
    assert.ok(pinned.ok);
    assert.equal(pinned.scan.digest, first.scan.digest);
    assert.equal(imageScans(log.invocations()).length, 1);
  });

  test('results survive a restart through the cache file, which is replaced atomically', async () => {
    const file = path.join(dir, 'scans.json');
    await scanner({ cache: new ScanCache(file) }).scanAll([{ reference: 'nginx:1.27' }, { reference: 'debian:buster' }]);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { format: number; references: Record<string, unknown> };
    assert.equal(saved.format, 1);
    assert.equal(Object.keys(saved.references).length, 2);
    const restarted = scanner({ cache: new ScanCache(file) });
    const outcome = await restarted.scan({ reference: 'debian:buster' });
    assert.ok(outcome.ok && outcome.scan.counts.CRITICAL === 1);
    assert.equal(imageScans(log.invocations()).length, 2, 'no new scan after the restart');
  });

  test('a corrupted or half-written cache file is ignored and rebuilt', async () => {
    const file = path.join(dir, 'scans.json');
    const warnings: string[] = [];
    for (const content of ['{"format":1,"references":{"x', 'null', '[]', '{"format":99,"references":{},"digests":{}}']) {
      writeFileSync(file, content);
      const logger = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
      const outcome = await scanner({ cache: new ScanCache(file, undefined, logger) }).scanAll([{ reference: 'nginx:1.27' }]);
      assert.ok(outcome.get('nginx:1.27')?.ok);
      assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { format: number }).format, 1);
    }
    assert.ok(warnings.length >= 3 && warnings.every((w) => /ignoring the scan cache/.test(w)));
  });

  test('one failing image never stops the others, and each says why', async () => {
    const results = await scanner().scanAll(
      ['nginx:1.27', 'acme/notfound:1', 'acme/garbage:1', 'debian:buster', 'acme/crash:1'].map((reference) => ({ reference })),
    );
    assert.deepEqual([...results.entries()].map(([key, o]) => [key, o.ok ? 'ok' : o.failure.reason]).sort(), [
      ['acme/crash:1', 'failed'],
      ['acme/garbage:1', 'bad-output'],
      ['acme/notfound:1', 'not-found'],
      ['debian:buster', 'ok'],
      ['nginx:1.27', 'ok'],
    ]);
  });

  test('cancelling stops the scans and kills their processes; nothing is left running', async () => {
    const controller = new AbortController();
    const s = scanner({ concurrency: 2 });
    const pending = s.scanAll(
      ['acme/hang:1', 'acme/hang:2', 'acme/hang:3'].map((reference) => ({ reference })),
      controller.signal,
    );
    // Wait until both allowed scans run (however slowly the machine starts processes).
    for (let i = 0; i < 200 && imageScans(log.invocations()).length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort();
    const results = await pending;
    assert.ok([...results.values()].every((o) => !o.ok && o.failure.reason === 'cancelled'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const scans = imageScans(log.invocations());
    assert.equal(scans.length, 2, 'the third never started');
    assert.ok(scans.every((i) => !isAlive(i.pid)));
  });

  test('a caller that gives up does not cancel the scan another caller still waits for', async () => {
    const s = scanner();
    const controller = new AbortController();
    const patient = s.scan({ reference: 'acme/slow:1' });
    const impatient = s.scan({ reference: 'acme/slow:1' }, controller.signal);
    controller.abort();
    assert.equal((await impatient).ok, false);
    assert.ok((await patient).ok);
    assert.equal(imageScans(log.invocations()).length, 1);
  });

  test('a missing Trivy is found once and every request says so', async () => {
    const s = new Scanner({ searchPath: '/nonexistent' });
    const results = await s.scanAll([{ reference: 'nginx:1.27' }, { reference: 'debian:buster' }]);
    assert.ok([...results.values()].every((o) => !o.ok && o.failure.reason === 'not-installed'));
    const trivy = await s.trivy();
    assert.ok(!('version' in trivy));
    assert.equal(log.invocations().length, 0);
  });

  test('a Trivy installed after a scan found none is found by the next scan, without a new scanner', async () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'shipshape-path-'));
    const s = new Scanner({ searchPath: bin });
    const before = await s.scanAll([{ reference: 'nginx:1.27' }, { reference: 'debian:buster' }]);
    assert.ok([...before.values()].every((o) => !o.ok && o.failure.reason === 'not-installed'));
    symlinkSync(STAND_IN, path.join(bin, 'trivy'));
    const after = await s.scanAll([{ reference: 'nginx:1.27' }, { reference: 'debian:buster' }]);
    assert.ok([...after.values()].every((o) => o.ok));
    assert.equal(log.invocations().filter((i) => i.argv[0] === 'version').length, 1, 'then checked once, as always');
  });

  test('a Trivy too old is checked again at the next scan, and an upgrade is used', async () => {
    const s = scanner();
    process.env['TRIVY_STANDIN_VERSION'] = '0.30.0';
    try {
      const old = await s.scan({ reference: 'nginx:1.27' });
      assert.ok(!old.ok && old.failure.reason === 'too-old');
    } finally {
      delete process.env['TRIVY_STANDIN_VERSION'];
    }
    const upgraded = await s.scan({ reference: 'nginx:1.27' });
    assert.ok(upgraded.ok, upgraded.ok ? '' : upgraded.failure.message);
  });

  test("a Trivy server's password is not in the scan cache: results are kept by the server's address", async () => {
    const cacheFile = path.join(dir, 'scans.json');
    const settings = (password: string) => ({ serverUrl: `http://scanner:${password}@127.0.0.1:4954` });
    const first = scanner({ settings: settings('s3cret-pw'), cache: new ScanCache(cacheFile) });
    assert.ok((await first.scanAll([{ reference: 'nginx:1.27' }])).get('nginx:1.27')?.ok);
    const written = readFileSync(cacheFile, 'utf8');
    assert.ok(!written.includes('s3cret-pw') && !written.includes('scanner:'), 'no credentials on disk');
    assert.ok(written.includes('127.0.0.1:4954'), 'the server is part of the key');
    // A new password for the same server (rotated) finds what was scanned through it.
    const second = scanner({ settings: settings('rotated-pw'), cache: new ScanCache(cacheFile) });
    assert.ok(await second.cached({ reference: 'nginx:1.27' }));
  });

  test('request keys name the platform', () => {
    assert.equal(requestKey({ reference: 'a:1' }), 'a:1');
    assert.equal(requestKey({ reference: 'a:1', platform: 'linux/arm64' }), 'a:1 --platform linux/arm64');
  });
});
