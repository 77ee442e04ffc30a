// Scan options as users write them, checked once for the CLI and the extension.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { isServerUrl, readScanOptions, SCAN_LIMITS, shownScanSettings } from '../../../src/core/index.js';
import { isDbRepository } from '../../../src/core/trivy/settings.js';

test('nothing given: the defaults, and no problem', () => {
  assert.deepEqual(readScanOptions({}), { options: { concurrency: 4, cacheTtlMs: 12 * 3600_000, settings: {} }, problems: [] });
});

test('strings from a command line and values from settings read alike', () => {
  const fromCli = readScanOptions({
    trivyPath: '/opt/trivy',
    concurrency: '8',
    timeoutSeconds: '60',
    severities: 'high, CRITICAL',
    ignoreUnfixed: true,
    serverUrl: 'https://trivy.lan:4954',
    cacheDir: '/var/cache/trivy',
  });
  const fromSettings = readScanOptions({
    trivyPath: '/opt/trivy',
    concurrency: 8,
    timeoutSeconds: 60,
    severities: ['HIGH', 'CRITICAL'],
    ignoreUnfixed: true,
    serverUrl: 'https://trivy.lan:4954',
    cacheDir: '/var/cache/trivy',
  });
  assert.deepEqual(fromCli, fromSettings);
  assert.deepEqual(fromCli.options, {
    trivyPath: '/opt/trivy',
    concurrency: 8,
    cacheTtlMs: 12 * 3600_000,
    settings: {
      severities: ['HIGH', 'CRITICAL'],
      ignoreUnfixed: true,
      serverUrl: 'https://trivy.lan:4954',
      timeoutSeconds: 60,
      cacheDir: '/var/cache/trivy',
    },
  });
});

test('numbers outside the limits are brought within them, and said; what is not a number keeps the default', () => {
  const { options, problems } = readScanOptions({ concurrency: 100, timeoutSeconds: 'soon', cacheHours: -1 });
  assert.equal(options.concurrency, SCAN_LIMITS.concurrency.max);
  assert.equal(options.settings.timeoutSeconds, undefined, 'the default timeout is not passed on');
  assert.equal(options.cacheTtlMs, 0);
  assert.deepEqual(
    problems.map((p) => [p.field, p.value, p.message]),
    [
      ['concurrency', 100, 'expects a whole number from 1 to 32, not 100'],
      ['timeoutSeconds', 'soon', 'expects a whole number from 1 to 86400, not "soon"'],
      ['cacheHours', -1, 'expects a whole number from 0 to 8760, not -1'],
    ],
  );
  assert.deepEqual(
    readScanOptions({ concurrency: '2.5' }).problems.map((p) => p.field),
    ['concurrency'],
  );
});

test('severities: unknown ones are problems, duplicates dropped; a server must be http(s) with nothing after a space', () => {
  const { options, problems } = readScanOptions({ severities: ['LOW', 'SEVERE', 'low'], serverUrl: 'trivy:4954' });
  assert.deepEqual(options.settings, { severities: ['LOW'] });
  assert.deepEqual(
    problems.map((p) => p.field),
    ['severities', 'serverUrl'],
  );
  assert.equal(isServerUrl('http://127.0.0.1:4954'), true);
  assert.equal(isServerUrl('https://trivy.lan:4954 --debug'), false);
  assert.equal(isServerUrl('file:///etc/passwd'), false);
});

test('the settings a log shows name the Trivy server without its password; the scan itself gets the URL as written', () => {
  const { options } = readScanOptions({ serverUrl: 'https://scanner:s3cret-pw@trivy.internal:4954', severities: ['HIGH'] });
  assert.equal(options.settings.serverUrl, 'https://scanner:s3cret-pw@trivy.internal:4954');
  const shown = JSON.stringify(shownScanSettings(options.settings));
  assert.ok(!shown.includes('s3cret-pw') && !shown.includes('scanner:'), shown);
  assert.deepEqual(shownScanSettings(options.settings), { severities: ['HIGH'], serverUrl: 'https://trivy.internal:4954' });
  assert.deepEqual(shownScanSettings({ ignoreUnfixed: true }), { ignoreUnfixed: true });
});

test('a token header, a database repository and the insecure registries are checked where they enter', () => {
  const good = readScanOptions({
    tokenHeader: 'X-Trivy-Token',
    dbRepository: 'registry.internal:5000/trivy-db:2, mirror.lan/aquasec/trivy-db',
    insecureRegistries: ['registry.internal:5000', ' ', 7],
  });
  assert.deepEqual(good.problems, []);
  assert.deepEqual(good.options.settings, {
    tokenHeader: 'X-Trivy-Token',
    dbRepository: 'registry.internal:5000/trivy-db:2,mirror.lan/aquasec/trivy-db',
    insecureRegistries: ['registry.internal:5000'],
  });
  const bad = readScanOptions({ tokenHeader: 'X Token: yes', dbRepository: 'mirror/Trivy DB,--debug' });
  assert.deepEqual(
    bad.problems.map((p) => p.field),
    ['tokenHeader', 'dbRepository'],
  );
  assert.deepEqual(bad.options.settings, {});
  assert.equal(isDbRepository('-x'), false);
  assert.equal(isDbRepository('ghcr.io/aquasecurity/trivy-db:2'), true);
});
