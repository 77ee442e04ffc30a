// The cluster entry point of the core: reading what runs in one cluster or several with the
// Kubernetes client, scanning it, deadlines, alerts, drift from the workspace and reports. The
// extension loads it (bundled on its own as dist/cluster.js, with the client apart in dist/k8s.js)
// the first time a cluster is scanned.

export {
  readClusters,
  runSummaryOf,
  scanClusters,
  type ClusterRead,
  type ClustersInventory,
  type ClustersReport,
  type ClustersScanOptions,
  type Drift,
  type ReportError,
} from './scanClusters.js';
export { DeadlineState, DEFAULT_SLA, HISTORY_LIMIT, parseSla, type RunCluster, type RunSummary, type Sla } from './deadlines.js';
export { loadKubeConfig, kubeconfigContexts, ClusterUnavailable } from './kubeconfig.js';
export {
  CLUSTER_FORMATS,
  clusterFormatOfFile,
  errorText,
  isClusterFormat,
  renderClusterReport,
  toHistoryCsv,
  type ClusterFormat,
} from './reports.js';
export { toClusterHtml } from './html.js';
// The workspace read offline, as drift and the editor's links to it need (with the Kustomize and
// Helm engines: here, not in the extension's activation bundle). The readers of dev containers,
// Quadlet units and Bake files are registered with this entry's own `analyze` (the editor's
// dist/cluster.js has one of its own), so that their pins are compared with what runs too.
import '../containers.js';
export { scanPaths } from '../workspace/scan.js';
export { driftOf, withWorkspace, workspaceLinks, type WorkspaceFile } from './drift.js';
export { driftText, placesOf, runsAt, runsText, runsTooltip, type ContextRuns, type RunsHere, type WorkspaceImagePlace } from './lens.js';
export {
  alertFor,
  checkNotifyUrl,
  findingKey,
  parseNotifyHeader,
  sendAlerts,
  type AlertEntry,
  type AlertMessage,
  type NotifyOptions,
  type NotifyResult,
  type NotifyTarget,
} from './notify.js';
export type { ClusterFinding } from './findings.js';
export type { RunningImage, RunningWorkload, Workload, WorkspacePlace } from './types.js';
