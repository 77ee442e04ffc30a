import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  checkTrivy,
  compareVersions,
  imageScanArgs,
  withoutSecrets,
  locateTrivy,
  runImageScan,
  trivyEnv,
  trivyReason,
  type TrivyBinary,
} from '../../../src/core/trivy/runner.js';
import { imageScans, isAlive, STAND_IN, STAND_IN_DIR, standInLog } from '../../support/trivy.js';

const trivy: TrivyBinary = { path: STAND_IN, version: '0.58.1' };

describe('finding Trivy', () => {
  test('a configured path that exists is used as is', async () => {
    assert.equal(await locateTrivy(STAND_IN, ''), STAND_IN);
  });

  test('a configured path that does not exist is an error naming it, with how to install', async () => {
    const result = await locateTrivy('/nowhere/trivy', STAND_IN_DIR);
    assert.ok(typeof result !== 'string');
    assert.equal(result.reason, 'not-installed');
    assert.match(result.message, /\/nowhere\/trivy/);
    assert.match(result.message, /shipshape\.trivy\.path/);
    assert.match(result.message, /trivy\.dev/);
  });

  test('otherwise the first trivy on PATH; none gives an error that shows PATH', async () => {
    assert.equal(await locateTrivy(undefined, ['/nonexistent', STAND_IN_DIR].join(path.delimiter)), STAND_IN);
    const missing = await locateTrivy(undefined, '/nonexistent');
    assert.ok(typeof missing !== 'string');
    assert.match(missing.message, /not found on PATH \(\/nonexistent\)/);
  });

  test('a file that is not executable is not Trivy', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-'));
    writeFileSync(path.join(dir, 'trivy'), '#!/bin/sh\n');
    chmodSync(path.join(dir, 'trivy'), 0o644);
    assert.notEqual(await locateTrivy(undefined, dir), path.join(dir, 'trivy'));
  });
});

describe('checking the version', () => {
  test('reads `trivy version --format json`', async () => {
    const log = standInLog();
    try {
      assert.deepEqual(await checkTrivy(STAND_IN), { path: STAND_IN, version: '0.58.1' });
      assert.deepEqual(log.invocations()[0]!.argv, ['version', '--format', 'json']);
    } finally {
      log.restore();
    }
  });

  test('a Trivy older than the minimum is refused, saying which is needed', async () => {
    const log = standInLog({ TRIVY_STANDIN_VERSION: '0.30.2' });
    try {
      const result = await checkTrivy(STAND_IN);
      assert.ok(!('version' in result) && result.reason === 'too-old');
      assert.match(result.message, /0\.30\.2.*too old.*0\.53\.0/);
    } finally {
      log.restore();
    }
  });

  test('a Trivy built from its sources (version "dev") is taken as it is, not refused', async () => {
    const log = standInLog({ TRIVY_STANDIN_VERSION: 'dev' });
    try {
      assert.deepEqual(await checkTrivy(STAND_IN), { path: STAND_IN, version: 'dev' });
    } finally {
      log.restore();
    }
  });

  test('a program that is not Trivy is said plainly', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-'));
    const fake = path.join(dir, 'trivy');
    writeFileSync(fake, '#!/bin/sh\necho hello\n');
    chmodSync(fake, 0o755);
    const result = await checkTrivy(fake);
    assert.ok(!('version' in result) && result.reason === 'not-installed');
    assert.match(result.message, /did not report a Trivy version/);
  });

  test('versions compare numerically', () => {
    assert.ok(compareVersions('0.58.1', '0.9.0') > 0);
    assert.ok(compareVersions('v0.45.0', '0.45.0') === 0);
    assert.ok(compareVersions('0.44.9', '0.45.0') < 0);
  });
});

describe('secrets in what Trivy prints', () => {
  test("the server token and registry credentials of the environment are masked in Trivy's output", () => {
    const env = { TRIVY_TOKEN: 's3cret-token', TRIVY_PASSWORD: 'hunter22', TRIVY_REGISTRY_TOKEN: 'abc' };
    assert.equal(
      withoutSecrets('header Trivy-Token: s3cret-token; login with hunter22; abc stays (too short to mask)', env),
      'header Trivy-Token: ***; login with ***; abc stays (too short to mask)',
    );
    assert.equal(withoutSecrets('nothing to hide', {}), 'nothing to hide');
  });
});

describe('the command line', () => {
  test('--insecure only for an image or a database mirror of a registry marked insecure; --token-header with a server; --db-repository without one', () => {
    const tail = (args: string[]) =>
      args.slice(args.indexOf('300s') + 1).filter((a, i, all) => a !== '--cache-backend' && all[i - 1] !== '--cache-backend');
    const insecure = { insecureRegistries: ['registry.lan:5000'] };
    assert.deepEqual(tail(imageScanArgs('registry.lan:5000/team/app:1', insecure)), ['--insecure', '--', 'registry.lan:5000/team/app:1']);
    assert.deepEqual(tail(imageScanArgs('registry.lan/team/app:1', insecure)), ['--', 'registry.lan/team/app:1']);
    assert.deepEqual(tail(imageScanArgs('nginx:1.27', { ...insecure, dbRepository: 'registry.lan:5000/trivy-db' })), [
      '--db-repository',
      'registry.lan:5000/trivy-db',
      '--insecure',
      '--',
      'nginx:1.27',
    ]);
    assert.deepEqual(tail(imageScanArgs('nginx:1.27', { serverUrl: 'http://t:4954', tokenHeader: 'X-T', dbRepository: 'r/db' })), [
      '--server',
      'http://t:4954',
      '--token-header',
      'X-T',
      '--',
      'nginx:1.27',
    ]);
  });

  test('the image comes last, after --, and the options are arguments of their own', () => {
    assert.deepEqual(imageScanArgs('nginx:1.27'), [
      'image',
      '--format',
      'json',
      '--quiet',
      '--scanners',
      'vuln',
      '--list-all-pkgs=false',
      '--timeout',
      '300s',
      '--cache-backend',
      'memory',
      '--',
      'nginx:1.27',
    ]);
    assert.deepEqual(
      imageScanArgs('nginx:1.27', {
        severities: ['HIGH', 'CRITICAL'],
        ignoreUnfixed: true,
        platform: 'linux/arm64',
        timeoutSeconds: 60,
        cacheDir: '/c d',
        ignoreFile: '/w/.trivyignore',
        serverUrl: 'http://trivy:4954',
      }),
      [
        'image',
        '--format',
        'json',
        '--quiet',
        '--scanners',
        'vuln',
        '--list-all-pkgs=false',
        '--severity',
        'HIGH,CRITICAL',
        '--ignore-unfixed',
        '--platform',
        'linux/arm64',
        '--timeout',
        '60s',
        '--cache-dir',
        '/c d',
        '--ignorefile',
        '/w/.trivyignore',
        '--server',
        'http://trivy:4954',
        '--',
        'nginx:1.27',
      ],
    );
  });

  test('variables that would redirect or reshape the report are not passed on; credentials are', () => {
    const env = trivyEnv({
      PATH: '/bin',
      TRIVY_OUTPUT: '/tmp/x',
      TRIVY_FORMAT: 'table',
      TRIVY_USERNAME: 'u',
      TRIVY_PASSWORD: 'p',
      TRIVY_LIST_ALL_PKGS: 'true',
    });
    assert.deepEqual(env, { PATH: '/bin', TRIVY_USERNAME: 'u', TRIVY_PASSWORD: 'p' });
  });

  test("Trivy's reason is its fatal line without timestamp and level", () => {
    const stderr =
      '2024-05-01T10:00:00Z\tINFO\tstarting\n2024-05-01T10:00:01Z\tFATAL\tFatal error\timage scan error: MANIFEST_UNKNOWN: manifest unknown\n';
    assert.equal(trivyReason(stderr), 'Fatal error image scan error: MANIFEST_UNKNOWN: manifest unknown');
  });
});

describe('scanning one image', () => {
  let log: ReturnType<typeof standInLog>;
  before(() => {
    log = standInLog();
  });
  after(() => log.restore());

  test('a report becomes an ImageScan with digest, OS, user and vulnerabilities', async () => {
    const outcome = await runImageScan(trivy, 'debian:buster');
    assert.ok(outcome.ok);
    assert.match(outcome.scan.digest!, /^sha256:[0-9a-f]{64}$/);
    assert.equal(outcome.scan.counts.CRITICAL, 1);
    assert.equal(outcome.scan.counts.LOW, 1);
    assert.equal(outcome.scan.reference, 'debian:buster');
    const invocation = imageScans(log.invocations()).at(-1)!;
    assert.deepEqual(invocation.argv, imageScanArgs('debian:buster'));
  });

  test('an invalid or hostile reference is never passed to a process', async () => {
    const before = imageScans(log.invocations()).length;
    for (const reference of ['-rf', '--output=/etc/passwd', 'a b', 'nginx;id', '$(id)', 'nginx\n--help', '']) {
      const outcome = await runImageScan(trivy, reference);
      assert.ok(!outcome.ok && outcome.failure.reason === 'invalid-reference', reference);
    }
    assert.equal(imageScans(log.invocations()).length, before);
  });

  const failures: [string, string, RegExp][] = [
    ['ghcr.io/acme/notfound:1', 'not-found', /not found.*MANIFEST_UNKNOWN/],
    ['ghcr.io/acme/private:1', 'unauthorized', /refused access.*UNAUTHORIZED/],
    ['docker.io/acme/ratelimit:1', 'rate-limited', /rate-limited.*TOOMANYREQUESTS/],
    ['acme/dbfail:1', 'database', /vulnerability database.*DB error/],
    ['acme/garbage:1', 'bad-output', /not a report Shipshape can read/],
    ['acme/crash:1', 'failed', /exit code 2.*panic: runtime error/],
  ];
  for (const [reference, reason, message] of failures) {
    test(`${reason}: said for the image, with Trivy's own reason`, async () => {
      const outcome = await runImageScan(trivy, reference);
      assert.ok(!outcome.ok);
      assert.equal(outcome.failure.reason, reason);
      assert.equal(outcome.failure.reference, reference);
      assert.match(outcome.failure.message, message);
      assert.ok(outcome.failure.message.includes(reference));
    });
  }

  test('cancelling kills the Trivy process at once', async () => {
    const controller = new AbortController();
    const running = runImageScan(trivy, 'acme/hang:1', {}, controller.signal);
    // Cancel once the process runs (however slowly this machine starts it).
    for (let i = 0; i < 200 && !imageScans(log.invocations()).some((i) => i.argv.includes('acme/hang:1')); i++)
      await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    const outcome = await running;
    assert.ok(!outcome.ok && outcome.failure.reason === 'cancelled');
    const hung = imageScans(log.invocations()).find((i) => i.argv.includes('acme/hang:1'))!;
    assert.equal(hung.end, null, 'it did not finish by itself');
    assert.equal(isAlive(hung.pid), false, 'and it is gone');
  });

  test('a Trivy that floods its output is stopped at the limit and said; nothing is left running', async () => {
    const outcome = await runImageScan(trivy, 'acme/flood:1', {}, undefined, 15_000, 1024 * 1024);
    assert.ok(!outcome.ok && outcome.failure.reason === 'bad-output', JSON.stringify(outcome));
    assert.match(outcome.failure.message, /^Trivy printed more than 1 MB for acme\/flood:1; it was stopped\.$/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const flood = imageScans(log.invocations()).find((i) => i.argv.includes('acme/flood:1'))!;
    assert.equal(isAlive(flood.pid), false);
  });

  test('a Trivy that hangs past its timeout is killed and reported as a timeout', async () => {
    const outcome = await runImageScan(trivy, 'acme/hang:2', { timeoutSeconds: 1 }, undefined, 200);
    assert.ok(!outcome.ok && outcome.failure.reason === 'timeout');
    const hung = imageScans(log.invocations()).find((i) => i.argv.includes('acme/hang:2'))!;
    assert.equal(isAlive(hung.pid), false);
  });
});
