// From pods to images: each container's image paired with the digest the kubelet reports (status
// imageID), deduplicated by digest and mapped back to the workload that controls the pod.

import { parseReference } from '../analysis/reference.js';
import type { ListedImage, Workload } from './types.js';

export interface PodLike {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind?: string; name?: string; controller?: boolean }[];
  };
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

/** The images found so far, by digest (or `ref:<spec image>` when the kubelet reported none). */
export type ImageTable = Map<string, { reference: string; digest?: string; specImages: Set<string>; workloads: Workload[] }>;

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
  if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`))
    return { kind: 'Deployment', name: owner.name.slice(0, -hash.length - 1) };
  // CronJobs name their Jobs <cronjob>-<scheduled minutes since the epoch>.
  const cron = /^(.+)-\d{8,10}$/.exec(owner.name);
  if (owner.kind === 'Job' && cron) return { kind: 'CronJob', name: cron[1]! };
  return { kind: owner.kind, name: owner.name };
}

/** Adds one pod's containers to the images, keyed by digest (or by spec image when none is known). */
export function collectPod(pod: PodLike, images: ImageTable): void {
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
      entry.workloads.push({
        namespace,
        kind: owner.kind,
        name: owner.name,
        pod: pod.metadata?.name ?? '',
        container: container.name ?? '',
        containerType,
      });
    }
  }
}

/** The table as the inventory's images, spec images sorted. */
export function listedImages(images: ImageTable): ListedImage[] {
  return [...images.values()].map((e) => ({
    reference: e.reference,
    ...(e.digest && { digest: e.digest }),
    specImages: [...e.specImages].sort(),
    workloads: e.workloads,
  }));
}
