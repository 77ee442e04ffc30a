// Applying patches to the resources of a render: which resources a patch reaches (its target, or
// for a strategic-merge patch without one, the single resource with its id, current or previous),
// and what kustomize keeps of a resource whatever the patch says (apiVersion, namespace, name).

import type { Budget } from '../budget.js';
import { applyOperations, type JsonPatchOp } from './jsonPatch.js';
import type { PatchSpec, Selector } from './kustomization.js';
import type { Log } from './log.js';
import { mergePatch } from './merge.js';
import { describeId, idOf, matchingAnyId, SelectorMatcher, TargetError, type Resource } from './resources.js';
import { isKMap, kmap, type KMap, type KNode, type Span } from './tree.js';

/** Where a patch entry is written, for messages. */
export interface PatchPlace {
  readonly file: string;
  readonly at?: Span | undefined;
}

/** Applies the documents of a strategic-merge patch: to its target's resources, or to the one resource its id names. */
export function applyStrategicPatches(
  nodes: readonly KNode[],
  spec: PatchSpec,
  resources: Resource[],
  log: Log,
  where: PatchPlace,
  budget: Budget,
): void {
  if (nodes.some((node) => !isKMap(node))) {
    log.error(where.file, where.at, 'the patch is neither a strategic-merge nor a JSON 6902 patch');
    return;
  }
  for (const node of nodes as KMap[]) {
    budget.check();
    let targets: Resource[];
    if (spec.target) targets = select(spec.target, resources, log, where, budget);
    else {
      const id = idOf(node);
      targets = matchingAnyId(resources, id);
      if (targets.length !== 1) {
        log.error(
          where.file,
          where.at,
          targets.length === 0
            ? `no resource matches strategic merge patch ${describeId(id)}`
            : `more than one resource matches strategic merge patch ${describeId(id)}`,
        );
        continue;
      }
    }
    for (const resource of targets) {
      budget.check();
      applyStrategic(resource, node, spec, resources, log);
    }
  }
}

/** Applies a JSON 6902 patch (its operations, or why there are none) to its target's resources. */
export function applyJsonPatch(
  ops: readonly JsonPatchOp[] | string,
  spec: PatchSpec,
  resources: Resource[],
  log: Log,
  where: PatchPlace,
  budget: Budget,
): void {
  if (typeof ops === 'string') {
    log.error(where.file, where.at, ops);
    return;
  }
  if (!spec.target) {
    log.error(where.file, where.at, 'a JSON 6902 patch needs a target');
    return;
  }
  for (const resource of select(spec.target, resources, log, where, budget)) {
    budget.check();
    applyJson(resource, ops, log, where);
  }
}

function select(selector: Selector, resources: readonly Resource[], log: Log, where: PatchPlace, budget: Budget): Resource[] {
  let matcher: SelectorMatcher;
  try {
    matcher = new SelectorMatcher(selector);
  } catch (error) {
    if (!(error instanceof TargetError)) throw error;
    log.error(where.file, where.at, `${error.message}: kustomize refuses the patch`);
    return [];
  }
  return resources.filter((r) => {
    budget.check();
    return matcher.matches(r);
  });
}

function applyStrategic(resource: Resource, patch: KMap, spec: PatchSpec, resources: Resource[], log: Log): void {
  const before = idOf(resource.object);
  const metadata = resource.object.entries.get('metadata');
  const keep = (key: string): KNode | undefined => (isKMap(metadata) ? metadata.entries.get(key) : undefined);
  const name = keep('name');
  const namespace = keep('namespace');
  const apiVersion = resource.object.entries.get('apiVersion');
  const kind = resource.object.entries.get('kind');
  const irregular: string[] = [];
  const merged = mergePatch(resource.object, patch, { id: before, irregular });
  for (const what of irregular)
    log.note(`${describeId(before)}: ${what}: kustomize merges such lists irregularly; the images listed may differ from kubectl's`);
  if (!merged) {
    resources.splice(resources.indexOf(resource), 1);
    return;
  }
  // kustomize keeps the resource's apiVersion, namespace, and (unless allowed) its kind and name.
  const restore = (map: KMap, key: string, value: KNode | undefined): void => {
    if (value === undefined) map.entries.delete(key);
    else map.entries.set(key, value);
  };
  restore(merged, 'apiVersion', apiVersion);
  if (!spec.allowKindChange) restore(merged, 'kind', kind);
  let mergedMetadata = merged.entries.get('metadata');
  if (!isKMap(mergedMetadata)) {
    mergedMetadata = kmap();
    merged.entries.set('metadata', mergedMetadata);
  }
  if (!spec.allowNameChange) restore(mergedMetadata, 'name', name);
  restore(mergedMetadata, 'namespace', namespace);
  const after = idOf(merged);
  resource.object = merged;
  if (after.name !== before.name || after.kind !== before.kind) resource.previous.push(before);
}

function applyJson(resource: Resource, ops: readonly JsonPatchOp[], log: Log, where: PatchPlace): void {
  const before = idOf(resource.object);
  const result = applyOperations(resource.object, ops);
  if (typeof result === 'string') {
    log.error(where.file, where.at, `the JSON 6902 patch does not apply to ${describeId(before)}: ${result}`);
    return;
  }
  resource.object = result;
  const after = idOf(result);
  if (after.name !== before.name || after.kind !== before.kind || after.namespace !== before.namespace) resource.previous.push(before);
}
