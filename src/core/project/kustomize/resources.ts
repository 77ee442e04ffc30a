// The resources of a render and how kustomize names them: their ids (current and previous, for
// patches that name a resource as its base did), target selection, the namespace and name
// prefix/suffix transformers, and the order `kubectl kustomize` prints them in.

import { isKMap, isKScalar, isKSeq, kmap, kstr, str, type KMap, type KNode } from './tree.js';
import type { Selector, SortOptions } from './kustomization.js';
import { re2 } from './pattern.js';

export interface ResId {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

export interface Resource {
  object: KMap;
  /** The ids it had before a namespace, prefix or suffix changed it (the first is its original id). */
  readonly previous: ResId[];
}

export function idOf(object: KMap): ResId {
  const apiVersion = str(object, 'apiVersion') ?? '';
  const slash = apiVersion.indexOf('/');
  const metadata = object.entries.get('metadata');
  return {
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    kind: str(object, 'kind') ?? '',
    name: str(metadata, 'name') ?? '',
    namespace: str(metadata, 'namespace') ?? '',
  };
}

/** `Deployment.v1.apps/web.[noNs]`, as kustomize writes ids in its messages. */
export function describeId(id: ResId): string {
  return `${id.kind || '[noKind]'}.${id.version || '[noVer]'}.${id.group || '[noGrp]'}/${id.name || '[noName]'}.${id.namespace || '[noNs]'}`;
}

// Kinds the API serves without a namespace (kyaml's built-in schema); any other kind, custom
// resources included, is namespaced.
const CLUSTER_SCOPED = new Set([
  'APIService',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'ComponentStatus',
  'CSIDriver',
  'CSINode',
  'CustomResourceDefinition',
  'FlowSchema',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PodSecurityPolicy',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'RuntimeClass',
  'SelfSubjectAccessReview',
  'SelfSubjectRulesReview',
  'StorageClass',
  'SubjectAccessReview',
  'TokenReview',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

/** The namespace kustomize compares: `default` for an empty one, none for cluster-scoped kinds. */
function effectiveNamespace(id: ResId): string {
  if (isClusterScoped(id.kind)) return '_non_namespaceable_';
  return id.namespace === '' ? 'default' : id.namespace;
}

export function sameId(a: ResId, b: ResId): boolean {
  return (
    a.name === b.name &&
    a.kind === b.kind &&
    a.group === b.group &&
    a.version === b.version &&
    effectiveNamespace(a) === effectiveNamespace(b)
  );
}

/** Resources matching an id by any id they have had (how a strategic-merge patch without target finds its resource). */
export function matchingAnyId(resources: readonly Resource[], id: ResId): Resource[] {
  return resources.filter((r) => sameId(idOf(r.object), id) || r.previous.some((p) => sameId(p, id)));
}

export function originalId(resource: Resource): ResId {
  return resource.previous[0] ?? idOf(resource.object);
}

/** Records the current id before a transformer changes it. */
export function rememberId(resource: Resource): void {
  resource.previous.push(idOf(resource.object));
}

/** A target field RE2 refuses: kustomize refuses the patch (`target.name: error parsing regexp: …`). */
export class TargetError extends Error {}

/** A compiled `target:`: each field an anchored RE2 expression (kustomize's `^(?:x)$`), as Go matches them. */
export class SelectorMatcher {
  private readonly regexes: Partial<Record<'group' | 'version' | 'kind' | 'name' | 'namespace', (text: string) => boolean>> = {};
  private readonly labels?: LabelRequirement[];
  private readonly annotations?: LabelRequirement[];

  constructor(selector: Selector) {
    for (const key of ['group', 'version', 'kind', 'name', 'namespace'] as const) {
      const source = selector[key];
      if (source === undefined) continue;
      const pattern = re2(`^(?:${source})$`);
      if ('error' in pattern) throw new TargetError(`target.${key}: ${pattern.error}`);
      this.regexes[key] = pattern.matches;
    }
    if (selector.labelSelector !== undefined) this.labels = parseLabelSelector(selector.labelSelector);
    if (selector.annotationSelector !== undefined) this.annotations = parseLabelSelector(selector.annotationSelector);
  }

  /** As kustomize's `Select`: the original or the current namespace and name, the current kind, labels and annotations. */
  matches(resource: Resource): boolean {
    const current = idOf(resource.object);
    const original = originalId(resource);
    const r = this.regexes;
    if (r.namespace && !r.namespace(effectiveNamespace(original)) && !r.namespace(effectiveNamespace(current))) return false;
    if (r.name && !r.name(original.name) && !r.name(current.name)) return false;
    if (r.group && !r.group(current.group)) return false;
    if (r.version && !r.version(current.version)) return false;
    if (r.kind && !r.kind(current.kind)) return false;
    const metadata = resource.object.entries.get('metadata');
    if (this.labels && !matchesRequirements(this.labels, stringMap(metadata, 'labels'))) return false;
    if (this.annotations && !matchesRequirements(this.annotations, stringMap(metadata, 'annotations'))) return false;
    return true;
  }
}

interface LabelRequirement {
  readonly key: string;
  readonly op: 'exists' | 'absent' | 'in' | 'notin';
  readonly values: readonly string[];
}

/** Kubernetes label selector syntax: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x)`. */
export function parseLabelSelector(text: string): LabelRequirement[] {
  const requirements: LabelRequirement[] = [];
  // Split on commas outside parentheses.
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  for (const raw of parts) {
    const part = raw.trim();
    if (part === '') continue;
    const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (set) {
      const values = set[3]!.split(',').map((v) => v.trim());
      requirements.push({ key: set[1]!, op: set[2] === 'in' ? 'in' : 'notin', values });
      continue;
    }
    const compare = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (compare) {
      requirements.push({ key: compare[1]!, op: compare[2] === '!=' ? 'notin' : 'in', values: [compare[3]!] });
      continue;
    }
    if (part.startsWith('!')) requirements.push({ key: part.slice(1).trim(), op: 'absent', values: [] });
    else requirements.push({ key: part, op: 'exists', values: [] });
  }
  return requirements;
}

function matchesRequirements(requirements: readonly LabelRequirement[], labels: ReadonlyMap<string, string>): boolean {
  return requirements.every((r) => {
    const value = labels.get(r.key);
    switch (r.op) {
      case 'exists':
        return value !== undefined;
      case 'absent':
        return value === undefined;
      case 'in':
        return value !== undefined && r.values.includes(value);
      case 'notin':
        return value === undefined || !r.values.includes(value);
    }
  });
}

function stringMap(metadata: KNode | undefined, key: string): Map<string, string> {
  const node = isKMap(metadata) ? metadata.entries.get(key) : undefined;
  const result = new Map<string, string>();
  if (isKMap(node)) for (const [k, v] of node.entries) if (isKScalar(v)) result.set(k, v.text);
  return result;
}

function metadataOf(object: KMap): KMap {
  let metadata = object.entries.get('metadata');
  if (!isKMap(metadata)) {
    metadata = kmap();
    object.entries.set('metadata', metadata);
  }
  return metadata;
}

/** The namespace transformer: every namespaced resource moves to `namespace`; a v1 Namespace is renamed to it. */
export function setNamespace(resources: readonly Resource[], namespace: string): void {
  for (const resource of resources) {
    const id = idOf(resource.object);
    const renames = id.kind === 'Namespace' && id.group === '' && id.version === 'v1' && id.name !== namespace;
    const moves = !isClusterScoped(id.kind) && id.namespace !== namespace;
    if (!renames && !moves) continue;
    rememberId(resource);
    const metadata = metadataOf(resource.object);
    if (renames) metadata.entries.set('name', kstr(namespace));
    if (moves) metadata.entries.set('namespace', kstr(namespace));
  }
}

/** namePrefix and nameSuffix: every name but those of CRDs, APIServices and Namespaces. */
export function addAffix(resources: readonly Resource[], prefix: string, suffix: string): void {
  if (prefix === '' && suffix === '') return;
  for (const resource of resources) {
    const id = idOf(resource.object);
    if (id.kind === 'CustomResourceDefinition' || id.kind === 'Namespace') continue;
    if (id.kind === 'APIService' && id.group === 'apiregistration.k8s.io') continue;
    rememberId(resource);
    metadataOf(resource.object).entries.set('name', kstr(prefix + id.name + suffix));
  }
}

// kustomize's legacy order (SortOrderTransformer): these kinds first, these last, others between.
const ORDER_FIRST = [
  'Namespace',
  'ResourceQuota',
  'StorageClass',
  'CustomResourceDefinition',
  'ServiceAccount',
  'PodSecurityPolicy',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ConfigMap',
  'Secret',
  'Endpoints',
  'Service',
  'LimitRange',
  'PriorityClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'PodDisruptionBudget',
];
const ORDER_LAST = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

/** The order `kubectl kustomize` prints resources in: legacy (by kind, then id) unless `sortOptions.order: fifo`. */
export function sortResources(resources: readonly Resource[], options: SortOptions | undefined): Resource[] {
  if (options?.order === 'fifo') return [...resources];
  const first = options?.orderFirst ?? ORDER_FIRST;
  const last = options?.orderLast ?? ORDER_LAST;
  const rank = new Map<string, number>();
  first.forEach((kind, i) => rank.set(kind, -first.length + i));
  last.forEach((kind, i) => rank.set(kind, 1 + i));
  const keyed = resources.map((resource) => ({ resource, id: idOf(resource.object) }));
  keyed.sort((a, b) => {
    const x = a.id;
    const y = b.id;
    if (x.group !== y.group || x.version !== y.version || x.kind !== y.kind) {
      const rx = rank.get(x.kind) ?? 0;
      const ry = rank.get(y.kind) ?? 0;
      if (rx !== ry) return rx - ry;
      const gx = gvkSortString(x);
      const gy = gvkSortString(y);
      // Namespaces of the core group come after namespaces of other groups (kustomize's special case).
      if (x.kind === 'Namespace' && y.kind === 'Namespace' && (x.group === '' || y.group === '')) return compareBytes(gy, gx);
      return compareBytes(gx, gy);
    }
    return compareBytes(`${x.namespace || '~X'}|${x.name || '~N'}`, `${y.namespace || '~X'}|${y.name || '~N'}`);
  });
  return keyed.map((k) => k.resource);
}

function gvkSortString(id: ResId): string {
  return `${id.group || '~G'}_${id.version || '~V'}_${id.kind || '~K'}`;
}

/** Compares as Go compares strings (by UTF-8 bytes, which is by code points). */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/**
 * Flattens `kind: List` (and typed lists such as `DeploymentList`) with `items` into their items,
 * as kustomize loads them. Returns false when an item is not an object (kustomize refuses that).
 */
export function flattenLists(object: KMap, out: KMap[], depth = 0): boolean {
  const kind = str(object, 'kind') ?? '';
  const items = object.entries.get('items');
  if (!kind.endsWith('List') || !isKSeq(items) || depth >= 8) {
    out.push(object);
    return true;
  }
  let valid = true;
  for (const item of items.items) valid = isKMap(item) && flattenLists(item, out, depth + 1) && valid;
  return valid;
}
