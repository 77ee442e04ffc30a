import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/cli.js';
import type { JsonReport } from '../../src/core/index.js';
import { imageScans, STAND_IN, standInLog } from '../support/trivy.js';

let root: string;
let cacheDir: string;
let log: ReturnType<typeof standInLog>;

/** These tests are about Trivy: no registry is asked for images' users (that is scanUsers.test.ts). */
const cli = (args: readonly string[]) =>
  runCli(args[0] === 'scan' && !args.includes('--offline') ? ['scan', '--no-registry', ...args.slice(1)] : args);

async function json(args: readonly string[]): Promise<{ code: number; report: JsonReport; stderr: string }> {
  const run = await cli(['scan', '--format', 'json', '--trivy', STAND_IN, ...args]);
  return { code: run.code, report: JSON.parse(run.stdout) as JsonReport, stderr: run.stderr };
}

describe('shipshape scan with Trivy', () => {
  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'shipshape-cli-scan-'));
    writeFileSync(
      path.join(root, 'Dockerfile'),
      'FROM debian:buster AS build\nRUN make\nFROM gcr.io/distroless/static:debug\nCOPY --from=build /app /app\n',
    );
    mkdirSync(path.join(root, 'k8s'));
    writeFileSync(
      path.join(root, 'k8s', 'app.yaml'),
      'apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  securityContext: {runAsNonRoot: true}\n  containers:\n    - name: app\n      ' +
        'image: debian:buster\n    - name: sidecar\n      image: ghcr.io/acme/notfound:1.0\n',
    );
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  beforeEach(() => {
    cacheDir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-cli-cache-'));
    log = standInLog({ SHIPSHAPE_CACHE_DIR: cacheDir });
  });
  afterEach(() => {
    log.restore();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  test('each scanned image gains its digest, counts by severity and details', async () => {
    const { report } = await json([root]);
    const debian = report.images.find((i) => i.raw === 'debian:buster' && i.source === 'dockerfile')!;
    assert.match(debian.digest!, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(debian.vulnerabilities, { CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 1, UNKNOWN: 0 });
    assert.deepEqual(
      debian.details!.map((d) => [d.id, d.severity, d.package, d.fixed]),
      [
        ['CVE-2019-18224', 'CRITICAL', 'libidn2-0', ['2.0.5-1+deb10u1']],
        ['CVE-2019-18276', 'LOW', 'bash', []],
      ],
    );
  });

  test('one vulnerable-image finding per place the image is written; the same image is scanned once', async () => {
    const { report } = await json([root]);
    const findings = report.findings.filter((f) => f.rule === 'vulnerable-image');
    assert.deepEqual(findings.map((f) => [path.relative(root, f.file), f.line, f.severity, f.reason]).sort(), [
      ['Dockerfile', 1, 'error', 'critical'],
      ['Dockerfile', 3, 'info', 'medium'],
      ['k8s/app.yaml', 8, 'error', 'critical'],
    ]);
    assert.match(findings[0]!.message, /1 CRITICAL, 1 LOW.*CVE-2019-18224 in libidn2-0/);
    assert.equal(imageScans(log.invocations()).filter((i) => i.argv.at(-1) === 'debian:buster').length, 1);
  });

  test('an image that cannot be scanned is an error entry naming it; the rest are reported', async () => {
    const { code, report } = await json([root]);
    const error = report.errors.find((e) => e.reference === 'ghcr.io/acme/notfound:1.0')!;
    assert.equal(path.relative(root, error.file), 'k8s/app.yaml');
    assert.equal(error.line, 10);
    assert.match(error.message, /not found.*MANIFEST_UNKNOWN/);
    assert.equal(code, 1, 'the findings decide the exit status');
  });

  test("the base image's own non-root user settles the Dockerfile's implicit root", async () => {
    const offline = await cli(['scan', '--offline', '--format', 'json', path.join(root, 'Dockerfile')]);
    assert.ok((JSON.parse(offline.stdout) as JsonReport).findings.some((f) => f.rule === 'root-user'));
    const { report } = await json([path.join(root, 'Dockerfile')]);
    assert.ok(
      !report.findings.some((f) => f.rule === 'root-user'),
      'its scan says distroless:debug sets user 65532 (the stand-in answers so)',
    );
    assert.equal(report.images.find((i) => i.raw.startsWith('gcr.io'))!.user, '65532');
  });

  test('--severity, --ignore-unfixed, --server, --concurrency and --timeout reach Trivy', async () => {
    const { report } = await json([
      '--severity',
      'CRITICAL,HIGH',
      '--ignore-unfixed',
      '--server',
      'http://trivy.internal:4954',
      '--concurrency',
      '1',
      '--timeout',
      '60',
      path.join(root, 'Dockerfile'),
    ]);
    const argv = imageScans(log.invocations())[0]!.argv;
    for (const [flag, value] of [
      ['--severity', 'CRITICAL,HIGH'],
      ['--server', 'http://trivy.internal:4954'],
      ['--timeout', '60s'],
    ] as const) {
      assert.equal(argv[argv.indexOf(flag) + 1], value, flag);
    }
    assert.ok(argv.includes('--ignore-unfixed'));
    assert.deepEqual(report.images.find((i) => i.raw === 'debian:buster')!.vulnerabilities, {
      CRITICAL: 1,
      HIGH: 0,
      MEDIUM: 0,
      LOW: 0,
      UNKNOWN: 0,
    });
  });

  test('a .trivyignore in the current folder is passed to Trivy', async () => {
    const cwd = process.cwd();
    process.chdir(root);
    writeFileSync(path.join(root, '.trivyignore'), 'CVE-2019-18224\n');
    try {
      await json(['Dockerfile']);
      const argv = imageScans(log.invocations())[0]!.argv;
      assert.equal(argv[argv.indexOf('--ignorefile') + 1], path.join(root, '.trivyignore'));
    } finally {
      rmSync(path.join(root, '.trivyignore'));
      process.chdir(cwd);
    }
  });

  test('a second run reuses the cached results (failures are tried again); --no-cache scans again', async () => {
    const scanned = () =>
      imageScans(log.invocations())
        .map((i) => i.argv.at(-1))
        .filter((r) => !r!.includes('notfound'));
    await json([root]);
    assert.equal(scanned().length, 2);
    await json([root]);
    assert.equal(scanned().length, 2, 'nothing that succeeded is scanned again');
    assert.equal(imageScans(log.invocations()).filter((i) => i.argv.at(-1)!.includes('notfound')).length, 2);
    await json(['--no-cache', root]);
    assert.equal(scanned().length, 4);
  });

  test('a missing Trivy is said once, with what to do, and exits 2', async () => {
    const run = await cli(['scan', '--trivy', '/nowhere/trivy', root]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr.split('\n').filter((l) => /not found at \/nowhere\/trivy/.test(l)).length, 1);
    assert.match(run.stderr, /--offline/);
    assert.match(run.stdout, /unpinned-image/, 'the static findings are still reported');
  });

  test('--offline runs no Trivy at all', async () => {
    await cli(['scan', '--offline', '--trivy', STAND_IN, root]);
    assert.equal(log.invocations().length, 0);
  });

  test('the text report shows scan failures and how many images were scanned', async () => {
    const run = await cli(['scan', '--trivy', STAND_IN, root]);
    assert.match(run.stdout, /k8s\/app\.yaml:10: scan failed {2}Trivy could not scan ghcr\.io\/acme\/notfound:1\.0/);
    assert.match(run.stdout, /\(3 scanned with Trivy, 1 failed\)/);
  });

  test('SARIF carries vulnerable-image results and the scan failure as a notification', async () => {
    const run = await cli(['scan', '--format', 'sarif', '--trivy', STAND_IN, root]);
    const sarif = JSON.parse(run.stdout) as {
      runs: { results: { ruleId: string }[]; invocations: { toolExecutionNotifications: { message: { text: string } }[] }[] }[];
    };
    assert.equal(sarif.runs[0]!.results.filter((r) => r.ruleId === 'vulnerable-image').length, 3);
    assert.ok(sarif.runs[0]!.invocations[0]!.toolExecutionNotifications.some((n) => /notfound/.test(n.message.text)));
  });

  test('usage errors for the scan options', async () => {
    for (const args of [
      ['--severity', 'SEVERE'],
      ['--concurrency', '0'],
      ['--timeout', 'x'],
      ['--server', 'trivy:4954'],
    ]) {
      const run = await cli(['scan', ...args, root]);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, new RegExp(args[0]!));
    }
  });
});
