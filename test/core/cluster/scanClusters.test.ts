// Several clusters in one run, at the core: read together, merged by digest, each image scanned
// once, the run summarised in the history; one cluster reported as one of several.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DeadlineState, DEFAULT_SLA } from '../../../src/core/cluster/deadlines.js';
import { runSummaryOf, scanClusters } from '../../../src/core/cluster/scanClusters.js';
import type { Scanner } from '../../../src/core/network.js';
import type { ScanOutcome, ScanRequest } from '../../../src/core/index.js';
import {
  expectedImages,
  generatedDigest,
  generatePods,
  runningPod,
  startApiServer,
  writeClustersKubeconfig,
  type ApiServer,
} from '../../support/apiServer.js';
import { scan, v } from '../../support/cluster.js';

/** A scanner that answers at once: every image has one CRITICAL; what it was asked is kept. */
function countingScanner(): { scanner: Scanner; asked: string[] } {
  const asked: string[] = [];
  const scanner = {
    scanAll: (requests: readonly ScanRequest[]) => {
      asked.push(...requests.map((r) => r.reference));
      return Promise.resolve(
        new Map<string, ScanOutcome>(
          requests.map((r) => {
            const outcome = scan([v('CVE-1', 'CRITICAL')]);
            return [r.reference, outcome.ok ? { ok: true, scan: { ...outcome.scan, reference: r.reference } } : outcome];
          }),
        ),
      );
    },
  } as unknown as Scanner;
  return { scanner, asked };
}

describe('scanClusters', () => {
  const shared = 'registry.example/shop/web:1.0';
  let east: ApiServer;
  let west: ApiServer;
  let kubeconfig: string;
  before(async () => {
    [east, west] = await Promise.all([
      startApiServer({
        pods: [
          runningPod({ deployment: 'web', namespace: 'shop', image: shared }),
          ...generatePods({ count: 30, distinctImages: 8, namespaces: 3, seed: 'a' }),
        ],
      }),
      startApiServer({
        pods: [
          runningPod({ deployment: 'web', namespace: 'www', image: shared }),
          ...generatePods({ count: 30, distinctImages: 8, namespaces: 3, seed: 'b' }),
        ],
      }),
    ]);
    kubeconfig = writeClustersKubeconfig([
      { name: 'east', server: east },
      { name: 'west', server: west },
    ]);
  });
  after(() => Promise.all([east.stop(), west.stop()]));

  test('every context read, images merged by digest and each asked of the scanner once; the run is kept in the history', async () => {
    const { scanner, asked } = countingScanner();
    const state = new DeadlineState(undefined);
    const pods: number[] = [];
    const now = new Date('2026-02-01T06:00:00Z');
    const report = await scanClusters({
      kubeconfig: [kubeconfig],
      contexts: 'all',
      scanner,
      state,
      sla: DEFAULT_SLA,
      now,
      onPods: (n) => pods.push(n),
    });
    const distinct = new Set([...expectedImages(east.pods()), ...expectedImages(west.pods())]);
    assert.equal(report.images.length, distinct.size);
    // One request per image; a pending pod's spec pinned by digest and a running one of that digest
    // are two images of one reference, which the scanner runs once.
    assert.equal(asked.length, distinct.size);
    assert.deepEqual([...new Set(asked)].sort(), [...new Set(report.images.map((i) => i.reference))].sort());
    assert.equal(pods.at(-1), east.pods().length + west.pods().length, 'the pods read are counted over the clusters');
    const web = report.images.find((i) => i.digest === generatedDigest(shared))!;
    assert.deepEqual(web.contexts, ['east', 'west']);
    assert.deepEqual(report.findings.find((f) => f.image === web.reference)?.workloads, [
      'east/shop/Deployment/web',
      'west/www/Deployment/web',
    ]);
    assert.equal(report.generatedAt, now.toISOString());
    assert.deepEqual(report.history, [runSummaryOf(report)]);
    const summary = report.history[0]!;
    assert.deepEqual(
      summary.clusters.map((c) => [c.context, c.pods, c.images, c.findings.CRITICAL, c.breached]),
      [
        ['east', east.pods().length, expectedImages(east.pods()).size, expectedImages(east.pods()).size, 0],
        ['west', west.pods().length, expectedImages(west.pods()).size, expectedImages(west.pods()).size, 0],
      ],
    );
  });

  test('one context keeps its run in the history too, and names its context on every image, workload and finding', async () => {
    const { scanner } = countingScanner();
    const state = new DeadlineState(undefined);
    const read = await scanClusters({
      kubeconfig: [kubeconfig],
      contexts: ['west'],
      scanner,
      state,
      sla: DEFAULT_SLA,
      now: new Date('2026-02-01T00:00:00Z'),
    });
    assert.equal(read.history?.length, 1);
    assert.equal(read.history[0]!.clusters[0]!.context, 'west');
    // What a report of several says of each cluster, a report of one says of its own.
    assert.deepEqual(read.clusters, [{ context: 'west', server: west.url, pods: west.pods().length }]);
    assert.ok(read.images.every((i) => i.contexts.join() === 'west' && i.workloads.every((w) => w.context === 'west')));
    assert.ok(read.findings.every((f) => f.contexts.join() === 'west'));
  });
});
