// Several clusters in one run, at the core: read together, merged by digest, each image scanned
// once, the run summarised in the history; one cluster reported as one of several.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DeadlineState, DEFAULT_SLA } from '../../../src/core/cluster/deadlines.js';
import { runSummaryOf, scanClusters } from '../../../src/core/cluster/scanClusters.js';
import type { Scanner } from '../../../src/core/network.js';
import type { ScanOutcome, ScanRequest } from '../../../src/core/index.js';
import type { PinCheck, StaleLookupFn } from '../../../src/core/registry/staleness.js';
import { deployment, digestOf, distinctImages, podSpecs, startKube, writeContexts, type Kube } from '../../support/kube.js';
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
  let east: Kube;
  let west: Kube;
  let kubeconfig: string;
  const pods = { east: 0, west: 0 };
  const images = { east: 0, west: 0 };
  let distinct: Set<string>;
  before(async () => {
    [east, west] = await Promise.all([startKube(), startKube()]);
    const seed = async (kube: Kube, name: 'east' | 'west', namespace: string, firstImage: number) => {
      const specs = podSpecs(30, 8, 3, name, firstImage);
      await Promise.all([...new Set([namespace, ...specs.map((p) => p.namespace)])].map((ns) => kube.namespace(ns)));
      await kube.createPods(specs, { running: true });
      await kube.apply(deployment(namespace, 'web', shared));
      await kube.runPods(namespace, { count: 1 });
      const all = await kube.pods();
      pods[name] = all.length;
      images[name] = distinctImages(all).size;
      return distinctImages(all);
    };
    const [a, b] = await Promise.all([seed(east, 'east', 'shop', 0), seed(west, 'west', 'www', 4)]);
    distinct = new Set([...a, ...b]);
    kubeconfig = writeContexts([
      { name: 'east', server: east.url, ca: east.ca, token: east.token },
      { name: 'west', server: west.url, ca: west.ca, token: west.token },
    ]);
  });
  after(() => Promise.all([east?.stop(), west?.stop()]));

  test('every context read, images merged by digest and each asked of the scanner once; the run is kept in the history', async () => {
    const { scanner, asked } = countingScanner();
    const state = new DeadlineState(undefined);
    const read: number[] = [];
    const now = new Date('2026-02-01T06:00:00Z');
    const report = await scanClusters({
      kubeconfig: [kubeconfig],
      contexts: 'all',
      scanner,
      state,
      sla: DEFAULT_SLA,
      now,
      onPods: (n) => read.push(n),
    });
    assert.equal(report.images.length, distinct.size);
    assert.ok(distinct.size < images.east + images.west, 'the clusters share images');
    // One request per image.
    assert.equal(asked.length, distinct.size);
    assert.deepEqual([...new Set(asked)].sort(), [...new Set(report.images.map((i) => i.reference))].sort());
    assert.equal(read.at(-1), pods.east + pods.west, 'the pods read are counted over the clusters');
    const web = report.images.find((i) => i.digest === digestOf(shared))!;
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
        ['east', pods.east, images.east, images.east, 0],
        ['west', pods.west, images.west, images.west, 0],
      ],
    );
  });

  test('with a lookup, each running tag is asked once at its running digest; what moved and what failed are in the report', async () => {
    const { scanner } = countingScanner();
    const asked: string[] = [];
    const webAsked = `registry.example/shop/web:1.0@${digestOf(shared)}`;
    // The shared tag has moved; every other tag is one the registry cannot be asked about.
    const lookup: StaleLookupFn = (questions) => {
      asked.push(...questions.map((q) => q.reference));
      return Promise.resolve(
        new Map<string, PinCheck>(
          questions.map((q) => [
            q.reference,
            q.reference === webAsked
              ? {
                  ok: true,
                  stale: { reference: q.reference, current: `sha256:${'e'.repeat(64)}`, kind: 'rebuilt', platform: 'linux/amd64' },
                }
              : {
                  ok: false,
                  failure: { reference: q.reference, reason: 'unreachable', message: 'getaddrinfo ENOTFOUND registry.example' },
                },
          ]),
        ),
      );
    };
    const report = await scanClusters({
      kubeconfig: [kubeconfig],
      contexts: 'all',
      scanner,
      state: new DeadlineState(undefined),
      sla: DEFAULT_SLA,
      staleDigests: lookup,
    });
    assert.equal(asked.length, new Set(asked).size, 'each name:tag@digest once');
    assert.equal(
      asked.length,
      report.images.reduce((n, i) => n + i.specImages.length, 0),
    );
    assert.ok(asked.includes(webAsked));
    assert.deepEqual(
      report.stale?.map((s) => [s.image, s.reason, s.severity, s.workloads]),
      [[shared, 'rebuilt', 'warning', ['east/shop/Deployment/web', 'west/www/Deployment/web']]],
    );
    const said = report.errors.filter((e) => e.message.includes('ENOTFOUND'));
    assert.equal(said.length, 1, 'the registry out of reach is said once');
    assert.match(said[0]!.message, new RegExp(`^the tags of ${asked.length - 1} images of registry\\.example could not be checked`));
    // Without a lookup nothing is asked, and the report has no stale entries.
    const without = await scanClusters({
      kubeconfig: [kubeconfig],
      contexts: 'all',
      scanner,
      state: new DeadlineState(undefined),
      sla: DEFAULT_SLA,
    });
    assert.equal(without.stale, undefined);
    assert.ok(!without.errors.some((e) => e.message.includes('could not be checked')));
  });

  test('one context keeps its run in the history too, and names its context on every image, workload and finding', async () => {
    const { scanner } = countingScanner();
    const state = new DeadlineState(undefined);
    const one = await scanClusters({
      kubeconfig: [kubeconfig],
      contexts: ['west'],
      scanner,
      state,
      sla: DEFAULT_SLA,
      now: new Date('2026-02-01T00:00:00Z'),
    });
    assert.equal(one.history?.length, 1);
    assert.equal(one.history[0]!.clusters[0]!.context, 'west');
    // What a report of several says of each cluster, a report of one says of its own.
    assert.deepEqual(one.clusters, [{ context: 'west', server: west.url, pods: pods.west }]);
    assert.ok(one.images.every((i) => i.contexts.join() === 'west' && i.workloads.every((w) => w.context === 'west')));
    assert.ok(one.findings.every((f) => f.contexts.join() === 'west'));
  });
});
