// The parts of the core the extension loads on first use, each a bundle of its own: the network
// entry (dist/network.js: Trivy, registries), the cluster entry (dist/cluster.js, with the
// Kubernetes client in dist/k8s.js) and the project entry (dist/project.js: Kustomize and Helm,
// loaded when the workspace has a kustomization or a chart). Activation pays for none of them.

export type Network = typeof import('../core/network.js');
export type Cluster = typeof import('../core/cluster/index.js');
export type Project = typeof import('../core/project/index.js');

let network: Promise<Network> | undefined;
let cluster: Promise<Cluster> | undefined;
let project: Promise<Project> | undefined;

export function loadNetwork(): Promise<Network> {
  network ??= import('../core/network.js');
  return network;
}

export function loadCluster(): Promise<Cluster> {
  cluster ??= import('../core/cluster/index.js');
  return cluster;
}

export function loadProject(): Promise<Project> {
  project ??= import('../core/project/index.js');
  return project;
}
