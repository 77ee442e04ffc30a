// Run by bench/cluster.ts in a process of its own: reads the cluster (or, with `all`, every context
// of the kubeconfig in one run) and prints what it found, its wall time and its peak memory, as JSON.
// Several clusters go through scanClusters with a scanner that answers at once (no Trivy is run)
// and counts what it is asked, to show that each distinct image is asked for once.

import { DeadlineState, DEFAULT_SLA } from '../src/core/cluster/deadlines.js';
import { readCluster } from '../src/core/cluster/listing.js';
import { scanClusters } from '../src/core/cluster/scanClusters.js';
import type { ScanOutcome, ScanRequest } from '../src/core/index.js';
import type { Scanner } from '../src/core/network.js';

const started = performance.now();
const [kubeconfig, mode] = process.argv.slice(2);

function print(result: object): void {
  const ms = performance.now() - started;
  process.stdout.write(JSON.stringify({ ...result, ms, maxRssKb: process.resourceUsage().maxRSS }));
}

if (mode === 'all') {
  const asked: string[] = [];
  const scanner = {
    scanAll: (requests: readonly ScanRequest[]) => {
      asked.push(...requests.map((r) => r.reference));
      const clean = (reference: string): ScanOutcome => ({
        ok: true,
        scan: { reference, vulnerabilities: [], counts: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 }, scannedAt: Date.now() },
      });
      return Promise.resolve(new Map(requests.map((r) => [r.reference, clean(r.reference)])));
    },
  } as unknown as Scanner;
  void scanClusters({ kubeconfig: [kubeconfig!], contexts: 'all', scanner, state: new DeadlineState(undefined), sla: DEFAULT_SLA }).then(
    (report) =>
      print({
        pods: report.pods,
        clusters: report.clusters.map((c) => ({ context: c.context, pods: c.pods, ...(c.error !== undefined && { error: c.error }) })),
        images: report.images.length,
        asked: asked.length,
        askedDistinct: new Set(asked).size,
      }),
  );
} else {
  void readCluster({ kubeconfig: [kubeconfig!] }).then((inventory) => print({ pods: inventory.pods, images: inventory.images.length }));
}
