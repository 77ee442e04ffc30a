// Listing every pod the credentials may read: page by page, starting a listing again when its
// continue token expires, trying a dropped page again, namespace by namespace when there is no
// cluster-wide right, and keeping what was read when the listing is cancelled or breaks off.

import { setTimeout as delay } from 'node:timers/promises';
import { silentLogger, type Logger } from '../util/logger.js';
import { isTransient, messageOf, request, statusOf } from './api.js';
import { ClusterUnavailable, loadKubeConfig, type K8s } from './kubeconfig.js';
import { collectPod, listedImages, type ImageTable, type PodLike } from './pods.js';
import type { ClusterError, ClusterOptions, Inventory } from './types.js';
import { plural } from '../util/plural.js';

const MAX_RESTARTS = 3;
const PAGE_RETRIES = 2;
const RETRY_DELAYS_MS = [250, 1000];

type CoreApi = InstanceType<K8s['CoreV1Api']>;
type Page = { items: PodLike[]; metadata?: { _continue?: string } };
type PageRequest = { limit: number; _continue?: string };
/** One page of some pod listing (all namespaces, or one). */
type ListPage = (page: PageRequest, requestOptions: object) => Promise<Page>;

/** Reads every pod the credentials may list and gathers their images. */
export async function readCluster(options: ClusterOptions = {}): Promise<Inventory> {
  const { k8s, config, context, server } = await loadKubeConfig(options);
  const listing = new PodListing(config.makeApiClient(k8s.CoreV1Api), options);
  try {
    await listing.readAll();
  } catch (error) {
    if (!options.signal?.aborted) throw unavailable(error, context, server);
    listing.cancelled = true;
  }
  return listing.inventory(context, server);
}

/** The run cannot go on: one message, with what to do. */
function unavailable(error: unknown, context: string, server: string): ClusterUnavailable {
  const status = statusOf(error);
  if (status === 401) {
    return new ClusterUnavailable(
      `The cluster ${server} refused the credentials of context "${context}" (401): they may have expired. Log in again (e.g. refresh your ` +
        `kubeconfig) and retry.`,
    );
  }
  if (status === 403)
    return new ClusterUnavailable(`The credentials of context "${context}" may not list pods or namespaces (403): ${messageOf(error)}`);
  return new ClusterUnavailable(
    `Could not reach the cluster ${server} (context "${context}"): ${messageOf(error)}. Check that it is running and that your kubeconfig points at it.`,
  );
}

class PodListing {
  private readonly images: ImageTable = new Map();
  private readonly errors: ClusterError[] = [];
  private readonly logger: Logger;
  private pods = 0;
  /** Set when the caller cancelled: what was read until then is kept. */
  cancelled = false;

  constructor(
    private readonly core: CoreApi,
    private readonly options: ClusterOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
  }

  inventory(context: string, server: string): Inventory {
    return {
      context,
      server,
      pods: this.pods,
      errors: this.errors,
      ...(this.cancelled && { cancelled: true }),
      images: listedImages(this.images),
    };
  }

  /** The namespaces asked for, or every pod: cluster-wide, else namespace by namespace. */
  async readAll(): Promise<void> {
    const namespaces = this.options.namespaces ?? [];
    if (namespaces.length > 0) {
      for (const namespace of namespaces) {
        if (this.cancelled) break;
        await this.readNamespace(namespace, [403, 404]);
      }
      return;
    }
    try {
      await this.list((page, o) => this.core.listPodForAllNamespaces(page, o));
    } catch (error) {
      if (statusOf(error) !== 403) throw error;
      this.logger.info(`cannot list pods cluster-wide (${messageOf(error)}); listing namespace by namespace`);
      const all = await request(this.options, (o) => this.core.listNamespace({}, o as never));
      for (const namespace of all.items.map((n) => n.metadata?.name).filter((n): n is string => !!n)) {
        if (this.cancelled) break;
        await this.readNamespace(namespace, [403]);
      }
    }
  }

  /** One namespace's pods; a refusal with a `tolerated` status is an error entry, and the others are still read. */
  private async readNamespace(namespace: string, tolerated: readonly number[]): Promise<void> {
    try {
      await this.list((page, o) => this.core.listNamespacedPod({ namespace, ...page }, o), namespace);
    } catch (error) {
      if (!tolerated.includes(statusOf(error) ?? 0)) throw error;
      this.errors.push({ namespace, message: messageOf(error) });
    }
  }

  /** One whole listing, started again (as kubectl does) when its continue token expires (410). */
  private async list(listPage: ListPage, namespace?: string): Promise<void> {
    for (let restart = 0; ; restart++) {
      const seen = new Map<string, PodLike>();
      try {
        await this.readPages(listPage, seen, namespace);
      } catch (error) {
        if (this.options.signal?.aborted) {
          // What was read before the cancellation is kept: the caller shows it as a partial result.
          this.keep(seen.values());
          this.cancelled = true;
          return;
        }
        if (statusOf(error) === 410 && restart < MAX_RESTARTS) {
          this.logger.info(`the pod listing${namespace ? ` of ${namespace}` : ''} expired midway; starting it again`);
          continue;
        }
        // Broken off after some pages: keep those pods and say that the rest was not read.
        if (seen.size > 0 && statusOf(error) !== 401 && statusOf(error) !== 403) {
          this.keep(seen.values());
          this.errors.push({
            ...(namespace && { namespace }),
            message: `the pod listing broke off after ${plural(seen.size, 'pod')} (${messageOf(error)}); the pods after those were not read`,
          });
          return;
        }
        throw error;
      }
      this.keep(seen.values());
      return;
    }
  }

  private async readPages(listPage: ListPage, seen: Map<string, PodLike>, namespace: string | undefined): Promise<void> {
    let token: string | undefined;
    do {
      this.options.signal?.throwIfAborted();
      const page = await this.page(listPage, { limit: this.options.pageSize ?? 500, ...(token && { _continue: token }) }, namespace);
      for (const pod of page.items) seen.set(pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`, pod);
      token = page.metadata?._continue || undefined;
      this.options.onPods?.(this.pods + seen.size);
    } while (token);
  }

  /** One page; a dropped connection or a 5xx/429 is tried again (the continue token stays valid). */
  private async page(listPage: ListPage, page: PageRequest, namespace: string | undefined): Promise<Page> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(this.options, (requestOptions) => listPage(page, requestOptions));
      } catch (error) {
        if (this.options.signal?.aborted || attempt >= PAGE_RETRIES || !isTransient(error)) throw error;
        this.logger.info(`the pod listing${namespace ? ` of ${namespace}` : ''} failed (${messageOf(error)}); trying again`);
        // A cancellation during the wait rejects, and is taken for what it is by the caller.
        await delay(RETRY_DELAYS_MS[attempt] ?? 1000, undefined, this.options.signal && { signal: this.options.signal });
      }
    }
  }

  private keep(pods: Iterable<PodLike>): void {
    for (const pod of pods) {
      collectPod(pod, this.images);
      this.pods++;
    }
  }
}
