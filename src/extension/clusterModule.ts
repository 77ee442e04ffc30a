// The cluster half of the extension (the Kubernetes client and cluster reports), bundled on its
// own (dist/clusterModule.js) and loaded the first time a cluster is scanned.

export { scanCluster } from '../core/cluster/scanCluster.js';
export { DeadlineState, DEFAULT_SLA, parseSla } from '../core/cluster/deadlines.js';
export { loadKubeConfig, ClusterUnavailable } from '../core/cluster/inventory.js';
export { toClusterCsv, toClusterJson, toClusterMarkdown, toClusterSarif } from '../core/cluster/report.js';
export { toClusterHtml } from '../core/cluster/html.js';
