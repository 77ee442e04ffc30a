// What reading a cluster gives, and the options for reading it: plain data.

import type { Logger } from '../util/logger.js';

export interface Workload {
  /** The kubeconfig context the pod runs in: set by scanClusters, whatever the number of clusters. */
  readonly context?: string;
  readonly namespace: string;
  /** The controlling owner: Deployment, StatefulSet, DaemonSet, CronJob, Job, … or Pod for bare pods. */
  readonly kind: string;
  readonly name: string;
  readonly pod: string;
  readonly container: string;
  readonly containerType: 'containers' | 'initContainers' | 'ephemeralContainers';
}

export interface RunningImage {
  /** What to scan: `repository@digest` when the kubelet reported a digest, else the spec image. */
  readonly reference: string;
  readonly digest?: string;
  /** The images as written in the pod specs (several tags may share one digest). */
  readonly specImages: readonly string[];
  readonly workloads: readonly Workload[];
  /** The contexts it runs in, in the order asked for (scanClusters). */
  readonly contexts?: readonly string[];
  /** Where the workspace defines its repository (withWorkspace): 1-based lines. */
  readonly workspace?: readonly WorkspacePlace[];
}

export interface WorkspacePlace {
  readonly file: string;
  readonly line: number;
}

export interface ClusterError {
  /** The cluster concerned (scanClusters); a cluster that could not be read at all has only this and the message. */
  readonly context?: string;
  readonly namespace?: string;
  readonly message: string;
}

export interface Inventory {
  readonly context: string;
  readonly server: string;
  readonly images: RunningImage[];
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
