// What reading a cluster gives, and the options for reading it: plain data.

import type { Logger } from '../util/logger.js';

/** A container of a pod, as the listing of one cluster finds it. */
export interface Workload {
  readonly namespace: string;
  /** The controlling owner: Deployment, StatefulSet, DaemonSet, CronJob, Job, … or Pod for bare pods. */
  readonly kind: string;
  readonly name: string;
  readonly pod: string;
  readonly container: string;
  readonly containerType: 'containers' | 'initContainers' | 'ephemeralContainers';
}

/** A workload of a report: with the kubeconfig context it runs in, whatever the number of clusters. */
export interface RunningWorkload extends Workload {
  readonly context: string;
}

/** An image as the listing of one cluster finds it. */
export interface ListedImage {
  /** What to scan: `repository@digest` when the kubelet reported a digest, else the spec image. */
  readonly reference: string;
  readonly digest?: string;
  /** The images as written in the pod specs (several tags may share one digest). */
  readonly specImages: readonly string[];
  readonly workloads: readonly Workload[];
}

/** An image of a report: merged by digest over the clusters read. */
export interface RunningImage extends Omit<ListedImage, 'workloads'> {
  readonly workloads: readonly RunningWorkload[];
  /** The contexts it runs in, in the order asked for. */
  readonly contexts: readonly string[];
  /** Where the workspace defines its repository (withWorkspace): 1-based lines. */
  readonly workspace?: readonly WorkspacePlace[];
}

export interface WorkspacePlace {
  readonly file: string;
  readonly line: number;
}

/** A problem while listing one cluster: a namespace that could not be read, or a listing that broke off. */
export interface ClusterError {
  readonly namespace?: string;
  readonly message: string;
}

export interface Inventory {
  readonly context: string;
  readonly server: string;
  readonly images: ListedImage[];
  readonly pods: number;
  /** Namespaces that could not be read (403, …); the rest was read. */
  readonly errors: ClusterError[];
  /** The listing was cancelled: the images come from the pods read until then. */
  readonly cancelled?: boolean;
}

export interface ClusterOptions {
  /** kubeconfig files (several, like KUBECONFIG); default: $KUBECONFIG or ~/.kube/config. */
  readonly kubeconfig?: readonly string[];
  readonly context?: string;
  /** Only these namespaces; all when absent. */
  readonly namespaces?: readonly string[];
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /** Called after each page with the number of pods read so far. */
  readonly onPods?: (pods: number) => void;
  /** How long one request to the API server may take (default 60 s). */
  readonly requestTimeoutMs?: number;
}
