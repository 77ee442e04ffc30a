// The cluster half of the extension (the Kubernetes client and cluster reports), bundled on its
// own (dist/cluster.js) and loaded the first time a cluster is scanned.

export { scanCluster } from './scanCluster.js';
export { DeadlineState, DEFAULT_SLA, parseSla } from './deadlines.js';
export { loadKubeConfig, ClusterUnavailable } from './kubeconfig.js';
export { toClusterCsv, toClusterJson, toClusterMarkdown, toClusterSarif } from './reports.js';
export { toClusterHtml } from './html.js';
