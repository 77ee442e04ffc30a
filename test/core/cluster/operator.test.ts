// Trivy Operator's VulnerabilityReports instead of rescanning, when the user allows it.

import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../support/cli.js';
import {
  generatePods,
  startApiServer,
  vulnerabilityReportsFor,
  writeKubeconfig,
  type ApiServer,
  type Pod,
} from '../../support/apiServer.js';
import { imageScans, STAND_IN, standInLog } from '../../support/trivy.js';

describe('shipshape cluster --use-operator-reports', () => {
  let server: ApiServer;
  let pods: Pod[];
  let dir: string;
  let log: ReturnType<typeof standInLog>;
  before(async () => {
    pods = generatePods({ count: 20, distinctImages: 5, namespaces: ['shop'], seed: 11 });
    // The operator has scanned the first image only.
    const covered = pods[0]!.spec!.containers![0]!.image!;
    const reports = vulnerabilityReportsFor(pods, (image) =>
      image === covered
        ? [
            {
              vulnerabilityID: 'CVE-2099-0001',
              resource: 'libfoo',
              installedVersion: '1.0',
              fixedVersion: '1.1',
              severity: 'CRITICAL',
              title: 'from the operator',
              primaryLink: 'https://avd.aquasec.com/nvd/cve-2099-0001',
            },
          ]
        : undefined,
    );
    server = await startApiServer({ pods, vulnerabilityReports: reports });
  });
  after(() => server.stop());
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-operator-'));
    log = standInLog({ SHIPSHAPE_CACHE_DIR: dir });
  });
  afterEach(() => {
    log.restore();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (...args: string[]) =>
    runCli([
      'cluster',
      '--kubeconfig',
      writeKubeconfig(server),
      '--trivy',
      STAND_IN,
      '--state',
      path.join(dir, 'state.json'),
      '--format',
      'json',
      ...args,
    ]);

  test("the operator's findings are used for the images it scanned; the others are scanned with Trivy", async () => {
    const result = await run('--use-operator-reports');
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { findings: { id: string; severity: string }[]; images: unknown[] };
    assert.ok(report.findings.some((f) => f.id === 'CVE-2099-0001' && f.severity === 'CRITICAL'));
    // With an empty cache: every image but the one the operator covered went to Trivy.
    assert.equal(imageScans(log.invocations()).length, report.images.length - 1);
  });

  test('without the operator installed, it says so and scans everything', async () => {
    const bare = await startApiServer({ pods, operator: false });
    try {
      const result = await runCli([
        'cluster',
        '--kubeconfig',
        writeKubeconfig(bare),
        '--trivy',
        STAND_IN,
        '--state',
        path.join(dir, 'state.json'),
        '--format',
        'json',
        '--use-operator-reports',
      ]);
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as { errors: { message: string }[]; images: unknown[] };
      assert.ok(report.errors.some((e) => /Trivy Operator is not installed/.test(e.message)));
      assert.equal(imageScans(log.invocations()).length, report.images.length);
    } finally {
      await bare.stop();
    }
  });
});
