// The cluster entry point of the core: reading what runs in a cluster with the Kubernetes client,
// scanning it, deadlines and reports. The extension loads it (bundled on its own as
// dist/cluster.js, with the client apart in dist/k8s.js) the first time a cluster is scanned.

export { scanCluster, type ClusterReport, type ClusterScanOptions } from './scanCluster.js';
export { DeadlineState, DEFAULT_SLA, parseSla, type Sla } from './deadlines.js';
export { loadKubeConfig, ClusterUnavailable } from './kubeconfig.js';
export { CLUSTER_FORMATS, clusterFormatOfFile, isClusterFormat, renderClusterReport, type ClusterFormat } from './reports.js';
export { toClusterHtml } from './html.js';
export type { ClusterFinding } from './findings.js';
