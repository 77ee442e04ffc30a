// A cluster scan: read what runs, scan each distinct image once, and date every finding.

import type { Logger } from '../util/logger.js';
import type { Scanner } from '../trivy/scanner.js';
import type { ScanOutcome } from '../trivy/types.js';
import type { DeadlineState, RunSummary, Sla } from './deadlines.js';
import { runSummaryOf } from './scanClusters.js';
import { clusterFindings, type ClusterFinding } from './findings.js';
import { readCluster } from './listing.js';
import type { ClusterError, ClusterOptions, RunningImage } from './types.js';
import { readOperatorReports } from './operator.js';

export interface ClusterReport {
  readonly context: string;
  readonly server: string;
  readonly generatedAt: string;
  readonly pods: number;
  readonly images: readonly RunningImage[];
  /** Scan outcome by image reference. */
  readonly outcomes: ReadonlyMap<string, ScanOutcome>;
  readonly findings: readonly ClusterFinding[];
  /** Namespaces that could not be read, and images that could not be scanned. */
  readonly errors: readonly (ClusterError & { readonly image?: string })[];
  readonly sla: Sla;
  /** Cancelled midway: the report holds what was listed and scanned until then. */
  readonly cancelled: boolean;
  /** The last runs kept in the state (this one included), oldest first. */
  readonly history?: readonly RunSummary[];
}

export interface ClusterScanOptions extends ClusterOptions {
  readonly scanner: Scanner;
  readonly state: DeadlineState;
  readonly sla: Sla;
  readonly now?: Date;
  readonly fromPublished?: boolean;
  /** Use the Trivy Operator's VulnerabilityReports for the images it has scanned. */
  readonly useOperatorReports?: boolean;
  readonly logger?: Logger;
  readonly onProgress?: (done: number, total: number, outcome: ScanOutcome) => void;
}

export async function scanCluster(options: ClusterScanOptions): Promise<ClusterReport> {
  const inventory = await readCluster(options);
  await options.state.load();
  const errors: (ClusterError & { image?: string })[] = [...inventory.errors];
  const fromOperator = new Map<string, ScanOutcome>();
  if (options.useOperatorReports && !options.signal?.aborted) {
    const operator = await readOperatorReports(options);
    if (operator.note) {
      options.logger?.info(operator.note);
      errors.push({ message: operator.note });
    }
    for (const image of inventory.images) {
      const scan = image.digest ? operator.scans?.get(image.digest) : undefined;
      if (scan) fromOperator.set(image.reference, { ok: true, scan: { ...scan, reference: image.reference } });
    }
  }
  const toScan = options.signal?.aborted ? [] : inventory.images.filter((i) => !fromOperator.has(i.reference));
  const scanned = await options.scanner.scanAll(
    toScan.map((i) => ({ reference: i.reference })),
    options.signal,
    options.onProgress,
  );
  const outcomes = new Map<string, ScanOutcome>([...fromOperator, ...scanned]);
  for (const [reference, outcome] of outcomes) {
    if (!outcome.ok && outcome.failure.reason !== 'cancelled') errors.push({ image: reference, message: outcome.failure.message });
  }
  const cancelled = !!inventory.cancelled || !!options.signal?.aborted;
  if (cancelled) {
    const notScanned = inventory.images.filter(
      (i) => outcomes.get(i.reference)?.ok !== true && !errors.some((e) => e.image === i.reference),
    ).length;
    errors.push({
      message:
        `Cancelled${inventory.cancelled ? ` while listing pods (${inventory.pods} read)` : ''}: this report is ` +
        `partial${notScanned > 0 ? `; ${notScanned} images were not scanned` : ''}.`,
    });
  }
  const now = options.now ?? new Date();
  const findings = clusterFindings(inventory.images, outcomes, {
    sla: options.sla,
    state: options.state,
    now,
    ...(options.fromPublished && { fromPublished: true }),
  });
  const report: ClusterReport = {
    context: inventory.context,
    server: inventory.server,
    generatedAt: now.toISOString(),
    pods: inventory.pods,
    images: inventory.images,
    outcomes,
    findings,
    errors,
    sla: options.sla,
    cancelled,
  };
  options.state.recordRun(runSummaryOf(report));
  await options.state.save();
  return { ...report, history: options.state.history() };
}
