// The parts of the core the extension loads on first use, each a bundle of its own: the network
// entry (dist/network.js: Trivy, registries), the cluster entry (dist/cluster.js, with the
// Kubernetes client in dist/k8s.js), the project entry (dist/project.js: Kustomize and Helm,
// loaded when the workspace has a kustomization or a chart) and the container files' readers
// (dist/containers.js: dev containers, Quadlet units, Bake files). Activation pays for none of them.
// `Lazy` holds what is made on first use; a failure is not kept, so the next use tries again.

export type Network = typeof import('../core/network.js');
export type Cluster = typeof import('../core/cluster/index.js');
export type Project = typeof import('../core/project/index.js');
export type Containers = typeof import('../core/containers.js');

/** A value made on first use and kept until `reset()`; a rejected attempt is dropped, and the next `get()` makes it again. */
export class Lazy<T> {
  private value: Promise<T> | undefined;

  constructor(private readonly make: () => Promise<T>) {}

  get(): Promise<T> {
    if (!this.value) {
      const made = this.make();
      this.value = made;
      made.catch(() => {
        if (this.value === made) this.value = undefined;
      });
    }
    return this.value;
  }

  /** Made again at the next use (settings changed). */
  reset(): void {
    this.value = undefined;
  }
}

const network = new Lazy<Network>(() => import('../core/network.js'));
const cluster = new Lazy<Cluster>(() => import('../core/cluster/index.js'));
const project = new Lazy<Project>(() => import('../core/project/index.js'));
const containers = new Lazy<Containers>(() => import('../core/containers.js'));

export function loadNetwork(): Promise<Network> {
  return network.get();
}

export function loadCluster(): Promise<Cluster> {
  return cluster.get();
}

export function loadProject(): Promise<Project> {
  return project.get();
}

/** The readers of dev containers, Quadlet units and Bake files (dist/containers.js, with jsonc-parser), loaded on the first such file. */
export function loadContainers(): Promise<Containers> {
  return containers.get();
}
