// What runs in a cluster: every container's image across namespaces, paired with the digest the
// kubelet reports (status imageID), deduplicated by digest and mapped back to its workloads.
// @kubernetes/client-node is loaded on first use.

import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../util/logger.js';
import { silentLogger } from '../util/logger.js';
import { parseReference } from '../analysis/reference.js';

export interface Workload {
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
}

export interface ClusterError {
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

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** A request to the API server took longer than ClusterOptions.requestTimeoutMs. */
class RequestTimeout extends Error {}

/**
 * Runs one API request with the caller's cancellation and a time bound: the client's own fetch
 * is given the signal (a middleware sets it on the request), so a hung or cancelled request is
 * really closed, not just forgotten.
 */
export async function request<T>(options: ClusterOptions, call: (requestOptions: object) => Promise<T>): Promise<T> {
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new RequestTimeout(`the API server did not answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
  // The object-parameter API takes the observable middleware shape: what `pre` and `post`
  // return is read with `toPromise()`.
  const middleware = {
    pre: (context: { setSignal(signal: AbortSignal): void }) => {
      context.setSignal(signal);
      return { toPromise: () => Promise.resolve(context) };
    },
    post: <R>(response: R) => ({ toPromise: () => Promise.resolve(response) }),
  };
  try {
    return await call({ middleware: [middleware], middlewareMergeStrategy: 'append' });
  } catch (error) {
    if (timeout.signal.aborted && !options.signal?.aborted) throw timeout.signal.reason as Error;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The run itself failed: no cluster, a bad kubeconfig, expired credentials. One message, with what to do. */
export class ClusterUnavailable extends Error {}

interface PodLike {
  metadata?: { name?: string; namespace?: string; uid?: string; labels?: Record<string, string>; ownerReferences?: { kind?: string; name?: string; controller?: boolean }[] };
  spec?: Partial<Record<Workload['containerType'], { name?: string; image?: string }[]>>;
  status?: {
    containerStatuses?: { name?: string; image?: string; imageID?: string }[];
    initContainerStatuses?: { name?: string; image?: string; imageID?: string }[];
    ephemeralContainerStatuses?: { name?: string; image?: string; imageID?: string }[];
  };
}

const STATUS_FIELD = {
  containers: 'containerStatuses',
  initContainers: 'initContainerStatuses',
  ephemeralContainers: 'ephemeralContainerStatuses',
} as const;
const MAX_RESTARTS = 3;
const PAGE_RETRIES = 2;
const RETRY_DELAYS_MS = [250, 1000];

const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'EAI_AGAIN']);

/**
 * A dropped connection or a server-side 5xx / 429: worth another try. Not a timeout (that bound
 * is the user's), a refused connection, a TLS failure or a failing credential plugin: those are
 * said at once.
 */
function isTransient(error: unknown): boolean {
  if (error instanceof RequestTimeout) return false;
  const status = statusOf(error);
  if (status !== undefined) return status >= 500 || status === 429;
  const code = (error as { code?: unknown }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
  return (typeof code === 'string' && TRANSIENT_CODES.has(code)) || /socket hang up|premature close/i.test(error instanceof Error ? error.message : '');
}


/** `docker-pullable://nginx@sha256:…`, `docker.io/library/nginx@sha256:…` → repository and digest. */
export function parseImageId(imageId: string | undefined): { repository?: string; digest: string } | undefined {
  if (!imageId) return undefined;
  const text = imageId.replace(/^[a-z-]+:\/\//, '');
  const match = /^(?:(.+)@)?(sha256:[a-f0-9]{64})$/.exec(text);
  if (!match) return undefined;
  return { digest: match[2]!, ...(match[1] !== undefined && { repository: match[1] }) };
}

/** The controlling workload of a pod, without extra API calls (ReplicaSet and Job names carry their owner's). */
export function ownerOf(pod: PodLike): { kind: string; name: string } {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller) ?? pod.metadata?.ownerReferences?.[0];
  if (!owner?.kind || !owner.name) return { kind: 'Pod', name: pod.metadata?.name ?? '' };
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`)) return { kind: 'Deployment', name: owner.name.slice(0, -hash.length - 1) };
  // CronJobs name their Jobs <cronjob>-<scheduled minutes since the epoch>.
  const cron = /^(.+)-\d{8,10}$/.exec(owner.name);
  if (owner.kind === 'Job' && cron) return { kind: 'CronJob', name: cron[1]! };
  return { kind: owner.kind, name: owner.name };
}

/** Adds one pod's containers to the images, keyed by digest (or by spec image when none is known). */
export function collectPod(pod: PodLike, images: Map<string, { reference: string; digest?: string; specImages: Set<string>; workloads: Workload[] }>): void {
  const namespace = pod.metadata?.namespace ?? 'default';
  const owner = ownerOf(pod);
  for (const containerType of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
    const statuses = pod.status?.[STATUS_FIELD[containerType]] ?? [];
    for (const container of pod.spec?.[containerType] ?? []) {
      if (!container.image) continue;
      const status = statuses.find((s) => s.name === container.name);
      const id = parseImageId(status?.imageID);
      let reference = container.image;
      if (id) {
        // The repository the kubelet pulled from, else the spec's, without its tag.
        const parsed = parseReference(id.repository ?? container.image);
        const repository = parsed.ok ? parsed.reference.name : (id.repository ?? container.image).replace(/[:@].*$/, '');
        reference = `${repository}@${id.digest}`;
      }
      const key = id?.digest ?? `ref:${container.image}`;
      let entry = images.get(key);
      if (!entry) {
        entry = { reference, ...(id && { digest: id.digest }), specImages: new Set(), workloads: [] };
        images.set(key, entry);
      }
      entry.specImages.add(container.image);
      entry.workloads.push({ namespace, kind: owner.kind, name: owner.name, pod: pod.metadata?.name ?? '', container: container.name ?? '', containerType });
    }
  }
}

type K8s = typeof import('@kubernetes/client-node');
let k8sModule: Promise<K8s> | undefined;
function loadK8s(): Promise<K8s> {
  k8sModule ??= import('@kubernetes/client-node');
  return k8sModule;
}

export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown; statusCode?: unknown }).code ?? (error as { statusCode?: unknown }).statusCode;
  return typeof code === 'number' ? code : undefined;
}

export function messageOf(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message;
    } catch {
      // not JSON
    }
  }
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') return (body as { message: string }).message;
  const cause = (error as { cause?: { code?: string } }).cause;
  if (cause?.code) return cause.code;
  return error instanceof Error ? error.message : String(error);
}

/** The kubeconfig as the options name it, with the chosen context current. */
export async function loadKubeConfig(options: ClusterOptions): Promise<{ k8s: K8s; config: InstanceType<K8s['KubeConfig']>; context: string; server: string }> {
  const k8s = await loadK8s();
  const config = new k8s.KubeConfig();
  try {
    if (options.kubeconfig && options.kubeconfig.length > 0) {
      config.loadFromFile(options.kubeconfig[0]!);
      for (const extra of options.kubeconfig.slice(1)) {
        const other = new k8s.KubeConfig();
        other.loadFromFile(extra);
        config.mergeConfig(other);
      }
    } else {
      config.loadFromDefault();
    }
  } catch (error) {
    throw new ClusterUnavailable(`Could not read the kubeconfig (${messageOf(error)}). Point --kubeconfig (or shipshape.cluster.kubeconfig) at a valid file.`);
  }
  if (options.context) {
    if (!config.getContexts().some((c) => c.name === options.context)) {
      throw new ClusterUnavailable(`The kubeconfig has no context "${options.context}"; it has: ${config.getContexts().map((c) => c.name).join(', ') || 'none'}.`);
    }
    config.setCurrentContext(options.context);
  }
  const context = config.getCurrentContext();
  const server = config.getCurrentCluster()?.server ?? '';
  if (!server) throw new ClusterUnavailable(`The kubeconfig's context "${context}" names no cluster server.`);
  return { k8s, config, context, server };
}

/** Reads every pod the credentials may list, page by page, and gathers their images. */
export async function readCluster(options: ClusterOptions = {}): Promise<Inventory> {
  const logger = options.logger ?? silentLogger;
  const { k8s, config, context, server } = await loadKubeConfig(options);
  const core = config.makeApiClient(k8s.CoreV1Api);
  const images = new Map<string, { reference: string; digest?: string; specImages: Set<string>; workloads: Workload[] }>();
  const errors: ClusterError[] = [];
  let pods = 0;

  let cancelled = false;
  const keep = (seen: Iterable<PodLike>) => {
    for (const pod of seen) {
      collectPod(pod, images);
      pods++;
    }
  };
  const cancel = (seen: Iterable<PodLike>) => {
    // What was read before the cancellation is kept: the caller shows it as a partial result.
    keep(seen);
    cancelled = true;
  };

  type Page = { items: PodLike[]; metadata?: { _continue?: string } };
  const listAll = async (listPage: (page: { limit: number; _continue?: string }, requestOptions: object) => Promise<Page>, namespace?: string) => {
    // A dropped connection or a 5xx/429 midway is tried again (the continue token stays valid).
    const list = async (page: { limit: number; _continue?: string }) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await request(options, (requestOptions) => listPage(page, requestOptions));
        } catch (error) {
          if (options.signal?.aborted || attempt >= PAGE_RETRIES || !isTransient(error)) throw error;
          logger.info(`the pod listing${namespace ? ` of ${namespace}` : ''} failed (${messageOf(error)}); trying again`);
          // A cancellation during the wait rejects, and is taken for what it is by the caller.
          await delay(RETRY_DELAYS_MS[attempt] ?? 1000, undefined, options.signal && { signal: options.signal });
        }
      }
    };
    for (let restart = 0; ; restart++) {
      const seen = new Map<string, PodLike>();
      let token: string | undefined;
      try {
        do {
          options.signal?.throwIfAborted();
          const page = await list({ limit: options.pageSize ?? 500, ...(token && { _continue: token }) });
          for (const pod of page.items) seen.set(pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`, pod);
          token = page.metadata?._continue || undefined;
          options.onPods?.(pods + seen.size);
        } while (token);
      } catch (error) {
        if (options.signal?.aborted) {
          cancel(seen.values());
          return;
        }
        // The continue token expired (410): the list starts again, as kubectl does.
        if (statusOf(error) === 410 && restart < MAX_RESTARTS) {
          logger.info(`the pod listing${namespace ? ` of ${namespace}` : ''} expired midway; starting it again`);
          continue;
        }
        // Broken off after some pages: keep those pods and say that the rest was not read.
        if (seen.size > 0 && statusOf(error) !== 401 && statusOf(error) !== 403) {
          keep(seen.values());
          errors.push({ ...(namespace && { namespace }), message: `the pod listing broke off after ${seen.size} pods (${messageOf(error)}); the pods after those were not read` });
          return;
        }
        throw error;
      }
      for (const pod of seen.values()) collectPod(pod, images);
      pods += seen.size;
      return;
    }
  };

  try {
    if (options.namespaces && options.namespaces.length > 0) {
      for (const namespace of options.namespaces) {
        if (cancelled) break;
        try {
          await listAll((page, o) => core.listNamespacedPod({ namespace, ...page }, o as never) as never, namespace);
        } catch (error) {
          if (statusOf(error) !== 403 && statusOf(error) !== 404) throw error;
          errors.push({ namespace, message: messageOf(error) });
        }
      }
    } else {
      try {
        await listAll((page, o) => core.listPodForAllNamespaces(page, o as never) as never);
      } catch (error) {
        if (statusOf(error) !== 403) throw error;
        // No cluster-wide right: every namespace the credentials can read, one by one.
        logger.info(`cannot list pods cluster-wide (${messageOf(error)}); listing namespace by namespace`);
        const namespaces = await request(options, (o) => core.listNamespace({}, o as never));
        for (const namespace of namespaces.items.map((n) => n.metadata?.name).filter((n): n is string => !!n)) {
          if (cancelled) break;
          try {
            await listAll((page, o) => core.listNamespacedPod({ namespace, ...page }, o as never) as never, namespace);
          } catch (inner) {
            if (statusOf(inner) !== 403) throw inner;
            errors.push({ namespace, message: messageOf(inner) });
          }
        }
      }
    }
  } catch (error) {
    if (options.signal?.aborted) cancelled = true;
    else {
      const status = statusOf(error);
      if (status === 401) throw new ClusterUnavailable(`The cluster ${server} refused the credentials of context "${context}" (401): they may have expired. Log in again (e.g. refresh your kubeconfig) and retry.`);
      if (status === 403) throw new ClusterUnavailable(`The credentials of context "${context}" may not list pods or namespaces (403): ${messageOf(error)}`);
      throw new ClusterUnavailable(`Could not reach the cluster ${server} (context "${context}"): ${messageOf(error)}. Check that it is running and that your kubeconfig points at it.`);
    }
  }
  return {
    context,
    server,
    pods,
    errors,
    ...(cancelled && { cancelled: true }),
    images: [...images.values()].map((e) => ({ reference: e.reference, ...(e.digest && { digest: e.digest }), specImages: [...e.specImages].sort(), workloads: e.workloads })),
  };
}

