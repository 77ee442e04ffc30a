// The cluster's findings: one per vulnerability per running image, with its deadline, ordered
// by severity and then by deadline.

import type { ScanOutcome, TrivySeverity } from '../trivy/types.js';
import { TRIVY_SEVERITIES } from '../trivy/types.js';
import { deadlineOf, type DeadlineState, type Sla } from './deadlines.js';
import type { RunningImage } from './types.js';

/** The workloads running an image, `namespace/Kind/name` (after the context in a report of several clusters), sorted. */
export function workloadNames(image: RunningImage, qualify: boolean | undefined): string[] {
  return [...new Set(image.workloads.map((w) => `${qualify ? `${w.context}/` : ''}${w.namespace}/${w.kind}/${w.name}`))].sort();
}

export interface ClusterFinding {
  readonly id: string;
  readonly severity: TrivySeverity;
  /** The image reference scanned (`repository@digest` where known). */
  readonly image: string;
  readonly digest?: string;
  readonly package: string;
  readonly installed: string;
  readonly fixed: readonly string[];
  readonly title?: string;
  readonly url?: string;
  readonly firstSeen: string;
  readonly deadline: string;
  readonly breached: boolean;
  readonly namespaces: readonly string[];
  /** `namespace/Kind/name`; `context/namespace/Kind/name` in a report of several clusters. */
  readonly workloads: readonly string[];
  /** The contexts the image runs in. */
  readonly contexts: readonly string[];
}

export interface FindingOptions {
  readonly sla: Sla;
  readonly state: DeadlineState;
  readonly now: Date;
  /** Count from the vulnerability's publication instead of when it was first seen here. */
  readonly fromPublished?: boolean;
  /** Name each workload with its context first: the report covers several clusters. */
  readonly qualify?: boolean;
}

export function clusterFindings(
  images: readonly RunningImage[],
  outcomes: ReadonlyMap<string, ScanOutcome>,
  options: FindingOptions,
): ClusterFinding[] {
  const findings: ClusterFinding[] = [];
  for (const image of images) {
    const outcome = outcomes.get(image.reference);
    if (!outcome?.ok) continue;
    const namespaces = [...new Set(image.workloads.map((w) => w.namespace))].sort();
    const workloads = workloadNames(image, options.qualify);
    const key = image.digest ?? image.reference;
    for (const v of outcome.scan.vulnerabilities) {
      const seen = options.state.firstSeen(key, `${v.id}|${v.package}`, options.now);
      const published = options.fromPublished && v.publishedDate ? new Date(v.publishedDate) : undefined;
      const start = published && !Number.isNaN(published.getTime()) ? published : seen;
      const deadline = deadlineOf(start, v.severity, options.sla);
      findings.push({
        id: v.id,
        severity: v.severity,
        image: image.reference,
        ...(image.digest && { digest: image.digest }),
        package: v.package,
        installed: v.installed,
        fixed: v.fixed,
        ...(v.title !== undefined && { title: v.title }),
        ...(v.url !== undefined && { url: v.url }),
        firstSeen: seen.toISOString(),
        deadline: deadline.toISOString(),
        breached: options.now.getTime() > deadline.getTime(),
        namespaces,
        workloads,
        contexts: image.contexts,
      });
    }
  }
  const rank = (s: TrivySeverity) => TRIVY_SEVERITIES.indexOf(s);
  return findings.sort(
    (a, b) =>
      rank(a.severity) - rank(b.severity) ||
      a.deadline.localeCompare(b.deadline) ||
      a.id.localeCompare(b.id) ||
      a.image.localeCompare(b.image),
  );
}
