// The report of one cluster, and the options of a cluster scan: the shapes scanClusters.ts (which
// reads one cluster or several) builds on, and that reports and tests of one cluster are written in.

import type { Logger } from '../util/logger.js';
import type { Scanner } from '../trivy/scanner.js';
import type { ScanOutcome } from '../trivy/types.js';
import type { DeadlineState, RunSummary, Sla } from './deadlines.js';
import type { ClusterFinding } from './findings.js';
import type { ClusterError, ClusterOptions, RunningImage } from './types.js';

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
