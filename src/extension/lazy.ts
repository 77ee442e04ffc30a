// The two parts of the core the extension loads on first use, each a bundle of its own: the
// network entry (dist/network.js: Trivy, registries) and the cluster entry (dist/cluster.js,
// with the Kubernetes client in dist/k8s.js). Activation pays for neither.

export type Network = typeof import('../core/network.js');
export type Cluster = typeof import('../core/cluster/index.js');

let network: Promise<Network> | undefined;
let cluster: Promise<Cluster> | undefined;

export function loadNetwork(): Promise<Network> {
  network ??= import('../core/network.js');
  return network;
}

export function loadCluster(): Promise<Cluster> {
  cluster ??= import('../core/cluster/index.js');
  return cluster;
}
