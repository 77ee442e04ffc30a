// Reading a cluster (the pod listing), against the test API server (test/support/apiServer.ts).

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ClusterUnavailable } from '../../../src/core/cluster/kubeconfig.js';
import { readCluster } from '../../../src/core/cluster/listing.js';
import {
  corpusPods,
  expectedImages,
  failingExecPlugin,
  generatePods,
  startApiServer,
  unreachableServer,
  writeKubeconfig,
  type ApiServer,
  type Pod,
} from '../../support/apiServer.js';

describe('reading a cluster', () => {
  let server: ApiServer;
  let pods: Pod[];
  before(async () => {
    pods = [...generatePods({ count: 60, distinctImages: 12, namespaces: ['shop', 'payments', 'secret'], seed: 7 }), ...corpusPods()];
    server = await startApiServer({ pods, forbiddenNamespaces: ['secret'] });
  });
  after(() => server.stop());

  test('every container image of every readable pod, deduplicated by digest, with its workloads; a forbidden namespace is reported', async () => {
    const inventory = await readCluster({
      kubeconfig: [writeKubeconfig(server)],
      namespaces: ['shop', 'payments', 'secret', 'default', 'kube-system'],
    });
    const readable = pods.filter((p) => p.metadata?.namespace !== 'secret');
    assert.equal(inventory.pods, readable.length);
    assert.deepEqual(new Set(inventory.images.map((i) => i.digest ?? `ref:${i.specImages[0]}`)), expectedImages(readable));
    assert.deepEqual(
      inventory.errors.map((e) => e.namespace),
      ['secret'],
    );
    assert.match(inventory.errors[0]!.message, /cannot list resource "pods" in API group "" in the namespace "secret"/);
    const deployments = inventory.images.flatMap((i) => i.workloads).filter((w) => w.kind === 'Deployment');
    assert.ok(
      deployments.length > 0 && deployments.every((w) => !/-[a-z0-9]{9,10}$/.test(w.name)),
      'ReplicaSets are folded into their Deployments',
    );
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
      assert.ok(
        expiring.requests().some((r) => r.status === 410),
        'the server did expire a token',
      );
    } finally {
      await expiring.stop();
    }
  });

  test('without a cluster-wide right, it lists namespace by namespace', async () => {
    const restricted = await startApiServer({ pods, clusterWideForbidden: true, forbiddenNamespaces: ['secret'] });
    try {
      const inventory = await readCluster({ kubeconfig: [writeKubeconfig(restricted)] });
      assert.equal(inventory.pods, pods.filter((p) => p.metadata?.namespace !== 'secret').length);
      assert.deepEqual(
        inventory.errors.map((e) => e.namespace),
        ['secret'],
      );
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
      const total = pods.filter((p) => ['shop', 'payments'].includes(p.metadata.namespace!)).length;
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
      const flaky = await startApiServer({
        pods,
        fault: (r) => (r.path === '/api/v1/namespaces/shop/pods' && r.seen === 3 ? fault : undefined),
      });
      try {
        const inventory = await readCluster({ kubeconfig: [writeKubeconfig(flaky)], namespaces: ['shop'], pageSize: 5 });
        assert.equal(inventory.pods, shop, fault);
        assert.deepEqual(inventory.errors, [], fault);
        assert.ok(
          flaky.requests().some((r) => r.status === -1 || r.status === 500),
          `the ${fault} happened`,
        );
      } finally {
        await flaky.stop();
      }
    }
  });

  test('a listing that keeps failing midway keeps the pages read, says where it broke off, and the other namespaces are read', async () => {
    const broken = await startApiServer({
      pods,
      fault: (r) => (r.path === '/api/v1/namespaces/shop/pods' && r.query['continue'] && r.seen >= 3 ? 'drop' : undefined),
    });
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
    const hanging = await startApiServer({
      pods,
      fault: (r) => (r.path === '/api/v1/namespaces/shop/pods' && r.seen >= 2 ? 'hang' : undefined),
    });
    try {
      const kubeconfig = writeKubeconfig(hanging);
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
    } finally {
      await hanging.stop();
    }
  });

  test('a page cut short (half its body, then the connection closes) ends at the request timeout, with the pages before it kept', async () => {
    // node-fetch (the client's HTTP layer) waits for the rest of such a body: the timeout is what ends it.
    const cut = await startApiServer({
      pods,
      fault: (r) => (r.path === '/api/v1/namespaces/shop/pods' && r.seen === 3 ? 'truncate' : undefined),
    });
    try {
      const inventory = await readCluster({
        kubeconfig: [writeKubeconfig(cut)],
        namespaces: ['shop'],
        pageSize: 5,
        requestTimeoutMs: 1000,
      });
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
    assert.ok(!expired.message.includes('not-the-token') && !expired.message.includes(server.token), 'no token in the message');
    assert.match(expired.message, /refused the credentials .*401/);
    const exec = await attempt('exec');
    assert.ok(exec instanceof ClusterUnavailable);
    const unknown = await attempt('nowhere');
    assert.ok(unknown instanceof ClusterUnavailable);
    assert.match(unknown.message, /no context "nowhere"; it has: shipshape-test, gone, expired, exec/);
  });
});
