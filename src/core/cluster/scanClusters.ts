// Several clusters in one run: each kubeconfig context read on its own (one that cannot be read is
// an error entry and the others are still reported), their images merged by digest so that an
// image running in three clusters is scanned once, and the run's summary kept in the history.

import { clusterEol, type ClusterEol } from './eol.js';
import { clusterStale, type ClusterStale } from './stale.js';
import type { StaleLookupFn } from '../registry/staleness.js';
import type { AnalyzeOptions } from '../types.js';
import type { Scanner } from '../trivy/scanner.js';
import type { ImageScan, ScanOutcome } from '../trivy/types.js';
import { TRIVY_SEVERITIES } from '../trivy/types.js';
import type { Logger } from '../util/logger.js';
import type { DeadlineState, RunSummary, Sla } from './deadlines.js';
import { clusterFindings, type ClusterFinding } from './findings.js';
import { ClusterUnavailable, kubeconfigContexts } from './kubeconfig.js';
import { readCluster } from './listing.js';
import { readOperatorReports } from './operator.js';
import type { ClusterOptions, Inventory, RunningImage, RunningWorkload } from './types.js';
import { mapLimited } from '../util/mapLimited.js';
import { plural } from '../util/plural.js';

/** One cluster of a run: read (perhaps partly), or not at all (`error`). */
export type ClusterRead =
  | {
      readonly context: string;
      readonly server: string;
      readonly pods: number;
      /** Cancelled while its pods were listed: what was read until then is in the report. */
      readonly partial?: boolean;
      readonly error?: never;
    }
  | {
      readonly context: string;
      readonly server: string;
      readonly pods: 0;
      readonly partial?: never;
      /** Why it could not be read at all (unreachable, credentials refused or expired, forbidden). */
      readonly error: string;
    };

/**
 * A problem in a report, by what it concerns: a cluster or one of its namespaces (not read, the
 * operator's note), an image not scanned, an alert not delivered (`notify`: its URL without
 * secrets), or the run itself (cancelled).
 */
export type ReportError =
  | { readonly context: string; readonly namespace?: string; readonly image?: never; readonly notify?: never; readonly message: string }
  | { readonly context?: never; readonly namespace?: never; readonly image: string; readonly notify?: never; readonly message: string }
  | { readonly context?: never; readonly namespace?: never; readonly image?: never; readonly notify: string; readonly message: string }
  | { readonly context?: never; readonly namespace?: never; readonly image?: never; readonly notify?: never; readonly message: string };

/** A repository pinned in the workspace to one digest while a cluster runs another. */
export interface Drift {
  readonly file: string;
  readonly line: number;
  /** As written in the workspace, normalised (`docker.io/library/nginx:1.27@sha256:…`). */
  readonly reference: string;
  readonly running: readonly { readonly context: string; readonly namespace: string; readonly workload: string; readonly digest: string }[];
}

/** What runs in one or more clusters, each distinct image scanned once. */
export interface ClustersReport {
  readonly generatedAt: string;
  /** Every context asked for, in order, read or not. */
  readonly clusters: readonly ClusterRead[];
  /** Pods read, over all clusters. */
  readonly pods: number;
  /** Each with the contexts it runs in and its workloads' contexts. */
  readonly images: readonly RunningImage[];
  /** Scan outcome by image reference. */
  readonly outcomes: ReadonlyMap<string, ScanOutcome>;
  readonly findings: readonly ClusterFinding[];
  readonly errors: readonly ReportError[];
  readonly sla: Sla;
  /** Cancelled midway: the report holds what was listed and scanned until then. */
  readonly cancelled: boolean;
  /** The last runs (this one included), oldest first. */
  readonly history?: readonly RunSummary[];
  /** With a workspace (withWorkspace): its pinned references that clusters run at another digest. */
  readonly drift?: readonly Drift[];
  /** Running images past their end of life or within 90 days of it (eol-image, offline); absent when none. */
  readonly eol?: readonly ClusterEol[];
  /** Running images whose tag now points to another digest (stale-digest, asked of the registry); absent when none. */
  readonly stale?: readonly ClusterStale[];
}

export interface ClustersScanOptions extends Omit<ClusterOptions, 'context'> {
  /** The contexts to read; 'all' for every context of the kubeconfig; the current context when absent or empty. */
  readonly contexts?: readonly string[] | 'all';
  readonly scanner: Scanner;
  readonly state: DeadlineState;
  readonly sla: Sla;
  readonly now?: Date;
  /** The rules' settings (eol-image may be off or have other severities); the report's date is added. */
  readonly analyze?: AnalyzeOptions;
  readonly fromPublished?: boolean;
  /** Use the Trivy Operator's VulnerabilityReports for the images it has scanned. */
  readonly useOperatorReports?: boolean;
  /**
   * Where running tags are checked against what runs (stale-digest); nothing is asked of
   * registries without it (the CLI's --no-registry, the editor's checkPins off).
   */
  readonly staleDigests?: StaleLookupFn;
  readonly logger?: Logger;
  readonly onProgress?: (done: number, total: number, outcome: ScanOutcome) => void;
}

/** The clusters' images merged by digest: what is scanned, and where each runs. */
export interface ClustersInventory {
  readonly clusters: ClusterRead[];
  readonly images: RunningImage[];
  readonly pods: number;
  readonly errors: ReportError[];
  readonly cancelled: boolean;
  /** More than one context was asked for: workloads are named with their context. */
  readonly several: boolean;
}

/** How many clusters are listed at once. */
const CLUSTER_CONCURRENCY = 4;

/**
 * Lists the pods of every context asked for (several at once) and merges their images by digest.
 * One context asked for (or none: the current one) fails with its error (ClusterUnavailable); of several, those
 * that cannot be read become error entries, and the run fails only when none could be read.
 */
export async function readClusters(options: ClustersScanOptions): Promise<ClustersInventory> {
  const wanted = options.contexts === 'all' || (options.contexts && options.contexts.length > 0) ? options.contexts : undefined;
  const targets: { context?: string; server: string }[] = wanted ? await kubeconfigContexts(options, wanted) : [{ server: '' }];
  const several = targets.length > 1;
  const podsRead = new Map<number, number>();
  type Read = { readonly inventory: Inventory } | { readonly context: string; readonly server: string; readonly error: string };
  const reads = await mapLimited(
    targets.map((target, index) => [index, target] as const),
    CLUSTER_CONCURRENCY,
    async ([index, target]): Promise<Read> => {
      try {
        const inventory = await readCluster({
          ...options,
          ...(target.context !== undefined && { context: target.context }),
          onPods: (pods) => {
            podsRead.set(index, pods);
            options.onPods?.([...podsRead.values()].reduce((a, b) => a + b, 0));
          },
        });
        return { inventory };
      } catch (error) {
        if (!several || target.context === undefined) throw error;
        return { context: target.context, server: target.server, error: error instanceof Error ? error.message : String(error) };
      }
    },
  );
  const failed = reads.filter((r) => 'error' in r);
  if (several && failed.length === reads.length && !options.signal?.aborted) {
    throw new ClusterUnavailable(`No cluster could be read:\n${failed.map((f) => `- ${f.context}: ${f.error}`).join('\n')}`);
  }
  const clusters: ClusterRead[] = [];
  const errors: ReportError[] = [];
  const merged = new Map<
    string,
    { reference: string; digest?: string; specImages: Set<string>; workloads: RunningWorkload[]; contexts: string[] }
  >();
  let pods = 0;
  let cancelled = !!options.signal?.aborted;
  for (const read of reads) {
    if ('error' in read) {
      clusters.push({ context: read.context, server: read.server, pods: 0, error: read.error });
      errors.push({ context: read.context, message: read.error });
      continue;
    }
    const inventory: Inventory = read.inventory;
    const context = inventory.context;
    clusters.push({ context, server: inventory.server, pods: inventory.pods, ...(inventory.cancelled && { partial: true }) });
    pods += inventory.pods;
    cancelled ||= !!inventory.cancelled;
    for (const error of inventory.errors) errors.push({ context, ...error });
    for (const image of inventory.images) {
      const key = image.digest ?? `ref:${image.reference}`;
      let entry = merged.get(key);
      if (!entry) {
        entry = {
          reference: image.reference,
          ...(image.digest && { digest: image.digest }),
          specImages: new Set(),
          workloads: [],
          contexts: [],
        };
        merged.set(key, entry);
      }
      for (const spec of image.specImages) entry.specImages.add(spec);
      for (const workload of image.workloads) entry.workloads.push({ context, ...workload });
      if (!entry.contexts.includes(context)) entry.contexts.push(context);
    }
  }
  const images: RunningImage[] = [...merged.values()].map((e) => ({
    reference: e.reference,
    ...(e.digest && { digest: e.digest }),
    specImages: [...e.specImages].sort(),
    workloads: e.workloads,
    contexts: e.contexts,
  }));
  return { clusters, images, pods, errors, cancelled, several };
}

/** Reads every cluster asked for, scans each distinct image once, dates every finding and records the run. */
export async function scanClusters(options: ClustersScanOptions): Promise<ClustersReport> {
  const inventory = await readClusters(options);
  await options.state.load();
  const errors: ReportError[] = [...inventory.errors];
  const fromOperator = new Map<string, ScanOutcome>();
  if (options.useOperatorReports && !options.signal?.aborted) {
    const readable = inventory.clusters.filter((c) => !c.error);
    const reports = await mapLimited(readable, CLUSTER_CONCURRENCY, async ({ context }) => ({
      context,
      operator: await readOperatorReports({ ...options, context }),
    }));
    const byDigest = new Map<string, ImageScan>();
    for (const { context, operator } of reports) {
      if ('note' in operator) {
        options.logger?.info(`${context}: ${operator.note}`);
        errors.push({ context, message: operator.note });
        continue;
      }
      for (const [digest, scan] of operator.scans) {
        const known = byDigest.get(digest);
        if (!known || known.scannedAt < scan.scannedAt) byDigest.set(digest, scan);
      }
    }
    for (const image of inventory.images) {
      const scan = image.digest ? byDigest.get(image.digest) : undefined;
      if (scan) fromOperator.set(image.reference, { ok: true, scan: { ...scan, reference: image.reference } });
    }
  }
  const toScan = options.signal?.aborted ? [] : inventory.images.filter((i) => !fromOperator.has(i.reference));
  const now = options.now ?? new Date();
  // Tags are checked while the images are scanned: neither waits for the other.
  const staleness =
    options.staleDigests && !options.signal?.aborted
      ? clusterStale(inventory.images, options.staleDigests, {
          analyze: { ...options.analyze, now: now.getTime() },
          ...(inventory.several && { qualify: true }),
          ...(options.signal && { signal: options.signal }),
        })
      : undefined;
  const scanned = await options.scanner.scanAll(
    toScan.map((i) => ({ reference: i.reference })),
    options.signal,
    options.onProgress,
  );
  const outcomes = new Map<string, ScanOutcome>([...fromOperator, ...scanned]);
  for (const [reference, outcome] of outcomes) {
    if (!outcome.ok && outcome.failure.reason !== 'cancelled') errors.push({ image: reference, message: outcome.failure.message });
  }
  const checked = await staleness;
  if (checked) errors.push(...checked.errors);
  const cancelled = inventory.cancelled || !!options.signal?.aborted;
  if (cancelled) {
    const notScanned = inventory.images.filter(
      (i) => outcomes.get(i.reference)?.ok !== true && !errors.some((e) => e.image === i.reference),
    ).length;
    const partial = inventory.clusters.filter((c) => c.partial);
    errors.push({
      message:
        `Cancelled${partial.length > 0 ? ` while listing pods (${partial.map((c) => `${c.pods} read in ${c.context}`).join(', ')})` : ''}: ` +
        `this report is partial${notScanned > 0 ? `; ${plural(notScanned, 'image was', 'images were')} not scanned` : ''}.`,
    });
  }
  const findings = clusterFindings(inventory.images, outcomes, {
    sla: options.sla,
    state: options.state,
    now,
    ...(options.fromPublished && { fromPublished: true }),
    ...(inventory.several && { qualify: true }),
  });
  const eol = clusterEol(inventory.images, { ...options.analyze, now: now.getTime(), ...(inventory.several && { qualify: true }) });
  const report: ClustersReport = {
    generatedAt: now.toISOString(),
    clusters: inventory.clusters,
    pods: inventory.pods,
    images: inventory.images,
    outcomes,
    findings,
    errors,
    sla: options.sla,
    cancelled,
    ...(eol.length > 0 && { eol }),
    ...(checked && checked.stale.length > 0 && { stale: checked.stale }),
  };
  options.state.recordRun(runSummaryOf(report));
  await options.state.save();
  return { ...report, history: options.state.history() };
}

/** The run as the history keeps it: per cluster read, pods, images and findings per severity. */
export function runSummaryOf(report: ClustersReport): RunSummary {
  return {
    at: report.generatedAt,
    ...(report.cancelled && { partial: true }),
    clusters: report.clusters
      .filter((c) => !c.error)
      .map((c) => {
        const here = report.findings.filter((f) => f.contexts.includes(c.context));
        const findings = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
        for (const f of here) findings[f.severity]++;
        return {
          context: c.context,
          pods: c.pods,
          images: report.images.filter((i) => i.contexts.includes(c.context)).length,
          findings,
          breached: here.filter((f) => f.breached).length,
        };
      }),
  };
}

/** Whether a finding's severity is at or above a level. */
export function atOrAbove(severity: ClusterFinding['severity'], level: ClusterFinding['severity']): boolean {
  return TRIVY_SEVERITIES.indexOf(severity) <= TRIVY_SEVERITIES.indexOf(level);
}
