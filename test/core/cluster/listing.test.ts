// Reading a cluster (the pod listing), against a real control plane (test/support/kube.ts), with
// the faults a real server will not make on demand injected by a proxy in front of it
// (test/support/faultProxy.ts).

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { ClusterUnavailable } from '../../../src/core/cluster/kubeconfig.js';
import { readCluster } from '../../../src/core/cluster/listing.js';
import { startFaultProxy, type Fault, type ProxiedRequest } from '../../support/faultProxy.js';
import { deployment, distinctImages, eventually, podSpecs, startKube, writeContexts, type Kube } from '../../support/kube.js';

const SHOP = '/api/v1/namespaces/shop/pods';

describe('reading a cluster', () => {
  let kube: Kube;
  /** A ServiceAccount that may list pods in every namespace but `secret`, and list namespaces. */
  let lister: string;
  let listerToken: string;
  const counts: Record<string, number> = { shop: 0, payments: 0, secret: 0 };
  before(async () => {
    kube = await startKube();
    await Promise.all(Object.keys(counts).map((ns) => kube.namespace(ns)));
    const pods = podSpecs(36, 12, 3).map((p, i) => ({ ...p, namespace: Object.keys(counts)[i % 3]! }));
    for (const p of pods) counts[p.namespace]!++;
    await kube.createPods(pods, { running: true });
    await kube.apply(deployment('shop', 'api', 'registry.example/shop/api-debian:1.0', { replicas: 2 }));
    await kube.runPods('shop', { count: counts['shop']! + 2 });
    counts['shop']! += 2;

    await kube.kubectl(['create', 'serviceaccount', 'lister']);
    await kube.kubectl(['create', 'clusterrole', 'pod-lister', '--verb=list', '--resource=pods']);
    await kube.kubectl(['create', 'clusterrole', 'namespace-lister', '--verb=list', '--resource=namespaces']);
    await kube.kubectl([
      'create',
      'clusterrolebinding',
      'namespace-lister',
      '--clusterrole=namespace-lister',
      '--serviceaccount=default:lister',
    ]);
    const namespaces = (await kube.kubectl(['get', 'namespaces', '-o', 'name'])).stdout.split('\n').filter(Boolean);
    for (const ns of namespaces.map((n) => n.replace('namespace/', '')).filter((n) => n !== 'secret'))
      await kube.kubectl(['-n', ns, 'create', 'rolebinding', 'pod-lister', '--clusterrole=pod-lister', '--serviceaccount=default:lister']);
    listerToken = (await kube.kubectl(['create', 'token', 'lister'])).stdout.trim();
    lister = writeContexts([{ name: 'lister', server: kube.url, ca: kube.ca, token: listerToken }]);
    await eventually('the bindings to take effect', async () =>
      (await kube.kubectl(['--kubeconfig', lister, '-n', 'shop', 'get', 'pods'])).code === 0 ? true : undefined,
    );
  });
  after(async () => {
    rmSync(path.dirname(lister), { recursive: true, force: true });
    await kube?.stop();
  });

  /** A proxy to the server that injects `fault` and records what came; stopped after `use`. */
  const proxied = async <T>(
    fault: ((r: ProxiedRequest) => Fault | undefined) | undefined,
    use: (kubeconfig: string, requests: () => ProxiedRequest[]) => Promise<T>,
    latencyMs?: number,
  ): Promise<T> => {
    const proxy = await startFaultProxy(kube, fault, latencyMs ? { latencyMs } : {});
    try {
      return await use(proxy.kubeconfig, () => proxy.requests());
    } finally {
      await proxy.stop();
    }
  };

  test('every container image of every readable pod, deduplicated by digest, with its workloads; a forbidden namespace is reported', async () => {
    const inventory = await readCluster({ kubeconfig: [lister], namespaces: ['shop', 'payments', 'secret', 'default', 'kube-system'] });
    const readable = (await kube.pods()).filter((p) => p.metadata.namespace !== 'secret');
    assert.equal(inventory.pods, readable.length);
    assert.deepEqual(new Set(inventory.images.map((i) => i.digest ?? `ref:${i.specImages[0]}`)), distinctImages(readable));
    assert.deepEqual(
      inventory.errors.map((e) => e.namespace),
      ['secret'],
    );
    assert.match(inventory.errors[0]!.message, /cannot list resource "pods" in API group "" in the namespace "secret"/);
    const deployments = inventory.images.flatMap((i) => i.workloads).filter((w) => w.kind === 'Deployment');
    assert.deepEqual(
      deployments.map((w) => w.name),
      ['api', 'api'],
      'the ReplicaSet the controller manager made is folded into its Deployment',
    );
  });

  test('pages through the list with limit and continue', async () => {
    await proxied(undefined, async (kubeconfig, requests) => {
      const inventory = await readCluster({ kubeconfig: [kubeconfig], namespaces: ['shop'], pageSize: 5 });
      assert.equal(inventory.pods, counts['shop']);
      const lists = requests().filter((r) => r.path === SHOP);
      assert.equal(lists.length, Math.ceil(counts['shop']! / 5));
      assert.ok(lists.every((r) => r.query['limit'] === '5'));
      assert.ok(lists.slice(1).every((r) => r.query['continue']));
    });
  });

  test('without a cluster-wide right, it lists namespace by namespace', async () => {
    const inventory = await readCluster({ kubeconfig: [lister] });
    assert.equal(inventory.pods, counts['shop']! + counts['payments']!);
    assert.deepEqual(
      inventory.errors.map((e) => e.namespace),
      ['secret'],
    );
  });

  test('cancelled midway, the listing keeps the pods read so far and says it is partial', async () => {
    const controller = new AbortController();
    await proxied(
      undefined,
      async (kubeconfig, requests) => {
        const seen: number[] = [];
        const inventory = await readCluster({
          kubeconfig: [kubeconfig],
          namespaces: ['shop', 'payments'],
          pageSize: 5,
          signal: controller.signal,
          onPods: (n) => {
            seen.push(n);
            if (n >= 10) controller.abort();
          },
        });
        assert.equal(inventory.cancelled, true);
        assert.equal(inventory.pods, 10, `pages seen: ${seen.join(', ')}`);
        assert.ok(inventory.images.length > 0);
        assert.ok(!requests().some((r) => r.path.includes('/namespaces/payments/')), 'nothing is listed after the cancellation');
      },
      150,
    );
  });

  test('a listing dropped or failing (5xx) midway is tried again and completes', async () => {
    for (const fault of ['drop', 'error'] as const) {
      await proxied(
        (r) => (r.path === SHOP && r.seen === 3 ? fault : undefined),
        async (kubeconfig, requests) => {
          const inventory = await readCluster({ kubeconfig: [kubeconfig], namespaces: ['shop'], pageSize: 5 });
          assert.equal(inventory.pods, counts['shop'], fault);
          assert.deepEqual(inventory.errors, [], fault);
          assert.ok(
            requests().some((r) => r.status === -1 || r.status === 500),
            `the ${fault} happened`,
          );
        },
      );
    }
  });

  test('a listing that keeps failing midway keeps the pages read, says where it broke off, and the other namespaces are read', async () => {
    await proxied(
      (r) => (r.path === SHOP && r.query['continue'] && r.seen >= 3 ? 'drop' : undefined),
      async (kubeconfig) => {
        const inventory = await readCluster({ kubeconfig: [kubeconfig], namespaces: ['shop', 'payments'], pageSize: 5 });
        assert.equal(inventory.pods, 10 + counts['payments']!, 'two pages of shop, all of payments');
        assert.equal(inventory.errors.length, 1);
        assert.equal(inventory.errors[0]!.namespace, 'shop');
        assert.match(inventory.errors[0]!.message, /^the pod listing broke off after 10 pods \(.+\); the pods after those were not read$/);
      },
    );
  });

  test('an API server that stops answering: bounded by the request timeout, with what was read kept', async () => {
    await proxied(
      (r) => (r.path === SHOP && r.seen >= 2 ? 'hang' : undefined),
      async (kubeconfig) => {
        const midway = await readCluster({ kubeconfig: [kubeconfig], namespaces: ['shop'], pageSize: 5, requestTimeoutMs: 1000 });
        assert.equal(midway.pods, 5);
        assert.match(midway.errors[0]!.message, /broke off after 5 pods \(the API server did not answer within 1 s\)/);
        // Hanging from the first page: nothing to keep, one clear message.
        const first = await readCluster({ kubeconfig: [kubeconfig], namespaces: ['shop'], pageSize: 5, requestTimeoutMs: 1000 }).then(
          () => assert.fail('no pods'),
          (e: unknown) => e,
        );
        assert.ok(first instanceof ClusterUnavailable);
        assert.match(first.message, /Could not reach the cluster .*: the API server did not answer within 1 s\./);
      },
    );
  });

  test('a page cut short (half its body, then the connection closes) ends at the request timeout, with the pages before it kept', async () => {
    // node-fetch (the client's HTTP layer) waits for the rest of such a body: the timeout is what ends it.
    await proxied(
      (r) => (r.path === SHOP && r.seen === 3 ? 'truncate' : undefined),
      async (kubeconfig) => {
        const inventory = await readCluster({ kubeconfig: [kubeconfig], namespaces: ['shop'], pageSize: 5, requestTimeoutMs: 1000 });
        assert.equal(inventory.pods, 10);
        assert.match(inventory.errors[0]!.message, /broke off after 10 pods \(the API server did not answer within 1 s\)/);
      },
    );
  });

  test('a stopped cluster, a refused token, a failing exec plugin, an unknown context: one clear message each', async () => {
    const stopped = await startKube();
    await stopped.stop();
    const kubeconfig = writeContexts([
      { name: 'admin', server: kube.url, ca: kube.ca, token: kube.token },
      { name: 'gone', server: stopped.url, ca: stopped.ca, token: stopped.token },
      { name: 'expired', server: kube.url, ca: kube.ca, token: 'not-the-token' },
      {
        name: 'exec',
        server: kube.url,
        ca: kube.ca,
        exec: {
          command: process.execPath,
          args: ['-e', 'process.stderr.write("error: the refresh token has expired; log in again\\n"); process.exit(1)'],
        },
      },
    ]);
    try {
      const attempt = (context: string) =>
        readCluster({ kubeconfig: [kubeconfig], context }).then(
          () => assert.fail(context),
          (e: unknown) => e,
        );
      const gone = await attempt('gone');
      assert.ok(gone instanceof ClusterUnavailable);
      assert.match(gone.message, /Could not reach the cluster/);
      const expired = await attempt('expired');
      assert.ok(expired instanceof ClusterUnavailable);
      assert.ok(!expired.message.includes('not-the-token') && !expired.message.includes(kube.token), 'no token in the message');
      assert.match(expired.message, /refused the credentials .*401/);
      const exec = await attempt('exec');
      assert.ok(exec instanceof ClusterUnavailable);
      const unknown = await attempt('nowhere');
      assert.ok(unknown instanceof ClusterUnavailable);
      assert.match(unknown.message, /no context "nowhere"; it has: admin, gone, expired, exec/);
    } finally {
      rmSync(path.dirname(kubeconfig), { recursive: true, force: true });
    }
  });
});
