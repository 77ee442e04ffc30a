// Strategic-merge patches as kustomize v5 applies them (kyaml's merge2, patch elements first):
// mappings merge, `null` deletes, `$patch: delete|replace` directives, and lists merge by key
// only where kyaml's built-in Kubernetes schema says so (containers by name in the workload
// kinds it knows); every other list, and every list of a custom resource, is replaced.

import { clone, isKMap, isKScalar, isKSeq, isNull, kmap, kstr, type KMap, type KNode, type KScalar, type KSeq } from './tree.js';
import type { ResId } from './resources.js';

/** Where the pod spec is in the kinds (and API versions) kyaml's schema knows. */
const POD_SPECS = new Map<string, readonly string[]>([
  ['/v1/Pod', ['spec']],
  ['/v1/PodTemplate', ['template', 'spec']],
  ['/v1/ReplicationController', ['spec', 'template', 'spec']],
  ['apps/v1/Deployment', ['spec', 'template', 'spec']],
  ['apps/v1/StatefulSet', ['spec', 'template', 'spec']],
  ['apps/v1/DaemonSet', ['spec', 'template', 'spec']],
  ['apps/v1/ReplicaSet', ['spec', 'template', 'spec']],
  ['batch/v1/Job', ['spec', 'template', 'spec']],
  ['batch/v1/CronJob', ['spec', 'jobTemplate', 'spec', 'template', 'spec']],
  ['batch/v1beta1/CronJob', ['spec', 'jobTemplate', 'spec', 'template', 'spec']],
]);

const POD_SPEC_LISTS = new Map([
  ['containers', 'name'],
  ['initContainers', 'name'],
  ['ephemeralContainers', 'name'],
  ['volumes', 'name'],
  ['imagePullSecrets', 'name'],
  ['hostAliases', 'ip'],
  ['topologySpreadConstraints', 'topologyKey'],
  ['resourceClaims', 'name'],
  ['schedulingGates', 'name'],
]);
const CONTAINER_LISTS = new Map([
  ['env', 'name'],
  ['ports', 'containerPort'],
  ['volumeMounts', 'mountPath'],
  ['volumeDevices', 'devicePath'],
]);

/** The merge key of the list at `path` (keys, `[]` for a list element) in a resource of this kind, if it merges. */
export function mergeKey(id: Pick<ResId, 'group' | 'version' | 'kind'>, path: readonly string[]): string | undefined {
  const podSpec = POD_SPECS.get(`${id.group}/${id.version}/${id.kind}`);
  if (!podSpec) return undefined;
  for (let i = 0; i < podSpec.length; i++) if (path[i] !== podSpec[i]) return undefined;
  const rest = path.slice(podSpec.length);
  if (rest.length === 1) return POD_SPEC_LISTS.get(rest[0]!);
  if (
    rest.length === 3 &&
    rest[1] === '[]' &&
    (rest[0] === 'containers' || rest[0] === 'initContainers' || rest[0] === 'ephemeralContainers')
  )
    return CONTAINER_LISTS.get(rest[2]!);
  return undefined;
}

export interface MergeContext {
  readonly id: Pick<ResId, 'group' | 'version' | 'kind'>;
  /** Lists whose merge is not what kustomize does (elements without their key): said in notes. */
  readonly irregular: string[];
}

/** Marks a value that the patch deletes. */
const CLEAR = Symbol('clear');

/** Applies a strategic-merge patch to an object; undefined when the patch deletes it. */
export function mergePatch(target: KMap, patch: KMap, ctx: MergeContext): KMap | undefined {
  const merged = mergeMap(target, patch, [], ctx);
  if (merged === CLEAR || merged.entries.size === 0) return undefined;
  return merged;
}

function directive(node: KMap): string | undefined {
  const value = node.entries.get('$patch');
  return isKScalar(value) ? value.text : undefined;
}

function withoutDirective(node: KMap): KMap {
  const copy = kmap([...node.entries].filter(([key]) => key !== '$patch'));
  return copy;
}

function mergeMap(target: KMap | undefined, patch: KMap, path: readonly string[], ctx: MergeContext): KMap | typeof CLEAR {
  const how = directive(patch);
  if (how === 'delete') return CLEAR;
  if (how === 'replace') return clone(withoutDirective(patch));
  const result = target ?? kmap();
  for (const [key, value] of patch.entries) {
    if (key === '$patch') continue;
    const merged = mergeValue(result.entries.get(key), value, [...path, key], ctx);
    if (merged === CLEAR) result.entries.delete(key);
    else result.entries.set(key, merged);
  }
  return result;
}

function mergeValue(target: KNode | undefined, patch: KNode, path: readonly string[], ctx: MergeContext): KNode | typeof CLEAR {
  if (isNull(patch)) return CLEAR;
  if (isKMap(patch)) return mergeMap(isKMap(target) ? target : undefined, patch, path, ctx);
  if (isKSeq(patch)) return mergeList(isKSeq(target) ? target : undefined, patch, path, ctx);
  return isKScalar(target) ? override(target, patch) : patch;
}

/** The patch's scalar in place of the target's: an image keeps where it was first written. */
function override(target: KScalar, patch: KScalar): KScalar {
  const origin = target.trace?.origin ?? target.at;
  if (!origin || !patch.at) return patch;
  return { ...patch, trace: { origin, decided: patch.at, by: 'patch' } };
}

function listDirective(patch: KSeq): { how?: string; items: KNode[] } {
  const index = patch.items.findIndex((item) => isKMap(item) && item.entries.size === 1 && directive(item) !== undefined);
  if (index < 0) return { items: patch.items };
  const how = directive(patch.items[index] as KMap);
  if (how !== 'delete' && how !== 'replace') return { items: patch.items };
  return { how, items: patch.items.filter((_, i) => i !== index) };
}

function mergeList(target: KSeq | undefined, patch: KSeq, path: readonly string[], ctx: MergeContext): KNode | typeof CLEAR {
  const key = mergeKey(ctx.id, path);
  if (key === undefined) return clone(patch);
  const { how, items } = listDirective(patch);
  if (how === 'delete') return CLEAR;
  if (how === 'replace') return { t: 'q', items: items.map(clone) };
  const keyOf = (item: KNode): string | undefined => {
    const value = isKMap(item) ? item.entries.get(key) : undefined;
    return isKScalar(value) ? value.text : undefined;
  };
  const existing = target?.items ?? [];
  if ([...existing, ...items].some((item) => keyOf(item) === undefined))
    ctx.irregular.push(`${path.join('.')} has an element without its merge key "${key}"`);
  // The patch's elements first, in its order, then the target's others (kyaml's prepend).
  const order: string[] = [];
  for (const item of [...items, ...existing]) {
    const value = keyOf(item);
    if (value !== undefined && !order.includes(value)) order.push(value);
  }
  const merged: KNode[] = [];
  for (const value of order) {
    const before = existing.find((item) => keyOf(item) === value) as KMap | undefined;
    const change = items.find((item) => keyOf(item) === value);
    if (!change) {
      if (before) merged.push(before);
      continue;
    }
    if (!isKMap(change)) continue;
    const result = mergeMap(before, change, [...path, '[]'], ctx);
    if (result === CLEAR || result.entries.size === 0) continue;
    if (!result.entries.has(key)) result.entries.set(key, kstr(value));
    merged.push(result);
  }
  for (const item of existing) if (keyOf(item) === undefined) merged.push(item);
  return { t: 'q', items: merged };
}
