// What runs, seen from the workspace: for each image line of a file, the clusters running its
// repository (pods, workloads, and the vulnerabilities past their deadline), as the editor's
// CodeLens says it; the drift message; and where the workspace writes a running image, for
// "Reveal in Workspace". Repositories are matched as drift.ts matches them. Plain data in and out.

import { parseReference } from '../analysis/reference.js';
import { printable } from '../output/printable.js';
import { TRIVY_SEVERITIES, type TrivySeverity, type VulnerabilityCounts } from '../trivy/types.js';
import type { Range } from '../types.js';
import { repositoriesOf, type WorkspaceFile } from './drift.js';
import type { ClustersReport, Drift } from './scanClusters.js';
import type { RunningImage } from './types.js';
import { plural } from '../util/plural.js';

/** Where one context runs a repository. */
export interface ContextRuns {
  readonly context: string;
  /** Distinct pods (by namespace and name). */
  readonly pods: number;
  /** Distinct workloads, sorted: `Kind/name` with their namespace. */
  readonly workloads: readonly { readonly namespace: string; readonly kind: string; readonly name: string }[];
}

/** A workspace image line and what runs its repository. */
export interface RunsHere {
  readonly file: string;
  /** 1-based, as drift's lines. */
  readonly line: number;
  /** Where the reference is written (0-based, the analysis's range). */
  readonly range: Range;
  /** As written, normalised (`docker.io/library/nginx:1.27`). */
  readonly reference: string;
  /** The running images of its repository (references as scanned), in the report's order. */
  readonly images: readonly string[];
  /** Each context running them, in the report's order of clusters. */
  readonly contexts: readonly ContextRuns[];
  /** Distinct vulnerabilities (by id and package) of those images, per severity. */
  readonly findings: VulnerabilityCounts;
  /** Of those, the ones past their deadline. */
  readonly breached: VulnerabilityCounts;
}

/** A place the workspace writes a running image's repository. */
export interface WorkspaceImagePlace {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly range: Range;
  /** As written in the file. */
  readonly raw: string;
}

/** At most this many contexts are named one by one in a lens; more are summarised. */
const CONTEXTS_SHOWN = 3;
/** At most this many workloads are named per context. */
const WORKLOADS_SHOWN = 2;
/** At most this many digests, and places per digest, are named in a drift message. */
const DRIFT_SHOWN = 3;

/** kubectl's short names, so that a lens stays short: `deploy/api`. */
const SHORT_KINDS: Readonly<Record<string, string>> = {
  Deployment: 'deploy',
  StatefulSet: 'sts',
  DaemonSet: 'ds',
  ReplicaSet: 'rs',
  ReplicationController: 'rc',
  CronJob: 'cronjob',
  Job: 'job',
  Pod: 'pod',
};

const zero = (): Record<TrivySeverity, number> => ({ CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 });

/** The images of the files with a repository: where each is written and its repository. */
function writtenImages(files: readonly WorkspaceFile[]) {
  return files.flatMap(({ file, result }) =>
    result.images.flatMap((image) =>
      image.status === 'image'
        ? [{ file, line: image.range.start.line + 1, range: image.range, raw: image.raw, reference: image.reference }]
        : [],
    ),
  );
}

/** The report's running images by the repositories they come from. */
function byRepository(report: ClustersReport): Map<string, RunningImage[]> {
  const map = new Map<string, RunningImage[]>();
  for (const image of report.images) for (const name of repositoriesOf(image)) map.set(name, [...(map.get(name) ?? []), image]);
  return map;
}

/**
 * For each image line of the files whose repository runs in a cluster of the report: which
 * contexts run it (pods, workloads) and its vulnerabilities. Lines whose repository runs nowhere
 * are left out.
 */
export function runsAt(report: ClustersReport, files: readonly WorkspaceFile[]): RunsHere[] {
  const repositories = byRepository(report);
  const order = report.clusters.map((c) => c.context);
  const runs: RunsHere[] = [];
  for (const written of writtenImages(files)) {
    const images = repositories.get(written.reference.name);
    if (!images || images.length === 0) continue;
    const contexts = new Map<string, { pods: Set<string>; workloads: Map<string, ContextRuns['workloads'][number]> }>();
    for (const image of images) {
      for (const w of image.workloads) {
        const { context } = w;
        let entry = contexts.get(context);
        if (!entry) contexts.set(context, (entry = { pods: new Set(), workloads: new Map() }));
        entry.pods.add(`${w.namespace}/${w.pod}`);
        entry.workloads.set(`${w.namespace}/${w.kind}/${w.name}`, { namespace: w.namespace, kind: w.kind, name: w.name });
      }
    }
    const references = new Set(images.map((i) => i.reference));
    const seen = new Map<string, { severity: TrivySeverity; breached: boolean }>();
    for (const f of report.findings) {
      if (!references.has(f.image)) continue;
      const key = `${f.id}|${f.package}`;
      const known = seen.get(key);
      seen.set(key, { severity: known?.severity ?? f.severity, breached: (known?.breached ?? false) || f.breached });
    }
    const findings = zero();
    const breached = zero();
    for (const { severity, breached: past } of seen.values()) {
      findings[severity]++;
      if (past) breached[severity]++;
    }
    const rank = (context: string) => (order.includes(context) ? order.indexOf(context) : order.length);
    runs.push({
      file: written.file,
      line: written.line,
      range: written.range,
      reference: written.reference.normalized,
      images: [...references],
      contexts: [...contexts.entries()]
        .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
        .map(([context, entry]) => ({
          context,
          pods: entry.pods.size,
          workloads: [...entry.workloads.values()].sort(
            (a, b) => a.namespace.localeCompare(b.namespace) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name),
          ),
        })),
      findings,
      breached,
    });
  }
  return runs;
}

/** `deploy/api`, each name once (the same workload name in two namespaces is said once). */
function briefWorkloads(workloads: ContextRuns['workloads']): string {
  const names = [...new Set(workloads.map((w) => `${SHORT_KINDS[w.kind] ?? w.kind.toLowerCase()}/${w.name}`))];
  const shown = names.slice(0, WORKLOADS_SHOWN);
  if (names.length > shown.length) shown.push(`+${names.length - shown.length}`);
  return shown.join(', ');
}

/** `2 CRITICAL, 1 HIGH`: the non-zero counts, most severe first. */
function countsOf(counts: VulnerabilityCounts): string {
  return TRIVY_SEVERITIES.filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`)
    .join(', ');
}

/**
 * The CodeLens line: `runs in prod: 3 pods (deploy/api) · staging: 1 pod (deploy/api) · 1 CRITICAL
 * past its deadline`. More than three contexts are summarised (`runs in 5 clusters: 12 pods (prod,
 * staging, dev, +2)`). Then the CRITICAL vulnerabilities, and those (of any severity) past their
 * deadline; nothing when there are none. Names from the cluster and kubeconfig are made printable.
 */
export function runsText(here: RunsHere): string {
  const name = (context: string) => printable(context) || 'the cluster';
  let where: string;
  if (here.contexts.length > CONTEXTS_SHOWN) {
    const pods = here.contexts.reduce((sum, c) => sum + c.pods, 0);
    const names = here.contexts.slice(0, CONTEXTS_SHOWN).map((c) => name(c.context));
    where = `${here.contexts.length} clusters: ${plural(pods, 'pod')} (${names.join(', ')}, +${here.contexts.length - CONTEXTS_SHOWN})`;
  } else {
    where = here.contexts
      .map((c) => `${name(c.context)}: ${plural(c.pods, 'pod')} (${printable(briefWorkloads(c.workloads))})`)
      .join(' · ');
  }
  const parts = [`runs in ${where}`];
  const breached = TRIVY_SEVERITIES.reduce((sum, s) => sum + here.breached[s], 0);
  // The CRITICAL ones are said on their own unless every one of them is already said as breached.
  if (here.findings.CRITICAL > here.breached.CRITICAL) parts.push(`${here.findings.CRITICAL} CRITICAL`);
  if (breached > 0) parts.push(`${countsOf(here.breached)} past ${breached === 1 ? 'its deadline' : 'their deadlines'}`);
  return parts.join(' · ');
}

/** The lens's tooltip: every context, namespace and workload, the images and the counts. */
export function runsTooltip(here: RunsHere): string {
  const lines = here.contexts.map(
    (c) =>
      `${printable(c.context) || 'the cluster'}: ${plural(c.pods, 'pod')} in ` +
      c.workloads.map((w) => printable(`${w.namespace}/${w.kind}/${w.name}`)).join(', '),
  );
  lines.push(`${here.images.length === 1 ? 'Image' : 'Images'}: ${here.images.map(printable).join(', ')}`);
  const total = countsOf(here.findings);
  if (total) lines.push(`Vulnerabilities: ${total}${countsOf(here.breached) ? `; past their deadline: ${countsOf(here.breached)}` : ''}`);
  return lines.join('\n');
}

/**
 * The drift diagnostic's message: the repository, and each digest that runs instead with where
 * (context, namespace, workloads); a long list is cut with how much more there is.
 */
export function driftText(drift: Drift): string {
  const parsed = parseReference(drift.reference);
  const repository = parsed.ok ? parsed.reference.name : drift.reference;
  const byDigest = new Map<string, Map<string, { context: string; namespace: string; workloads: string[] }>>();
  for (const r of drift.running) {
    const places = byDigest.get(r.digest) ?? new Map<string, { context: string; namespace: string; workloads: string[] }>();
    byDigest.set(r.digest, places);
    const key = JSON.stringify([r.context, r.namespace]);
    const place = places.get(key) ?? { context: r.context, namespace: r.namespace, workloads: [] };
    places.set(key, place);
    if (!place.workloads.includes(r.workload)) place.workloads.push(r.workload);
  }
  const more = (n: number, what: string) => (n > 0 ? ` and ${n} more ${n === 1 ? what : `${what}s`}` : '');
  const digests = [...byDigest.entries()].slice(0, DRIFT_SHOWN).map(([digest, places]) => {
    const list = [...places.values()];
    const shown = list.slice(0, DRIFT_SHOWN).map((p) => {
      const where = `namespace ${p.namespace}: ${p.workloads.join(', ')}`;
      return p.context ? `${p.context} (${where})` : where;
    });
    return `${digest} in ${shown.join(', ')}${more(list.length - shown.length, 'place')}`;
  });
  return printable(
    `${repository} runs at another digest than the one pinned here: ${digests.join('; ')}` +
      `${more(byDigest.size - DRIFT_SHOWN, 'digest')}.`,
  );
}

/** Where the files write the repository of a running image (by its reference in the report), each place once. */
export function placesOf(report: ClustersReport, reference: string, files: readonly WorkspaceFile[]): WorkspaceImagePlace[] {
  const image = report.images.find((i) => i.reference === reference);
  if (!image) return [];
  const names = repositoriesOf(image);
  const places = new Map<string, WorkspaceImagePlace>();
  for (const w of writtenImages(files)) {
    if (!names.has(w.reference.name)) continue;
    const key = JSON.stringify([w.file, w.range.start.line, w.range.start.character]);
    if (!places.has(key)) places.set(key, { file: w.file, line: w.line, range: w.range, raw: w.raw });
  }
  return [...places.values()];
}
