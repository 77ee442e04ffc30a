// Kubernetes objects: the pod specs inside every workload kind, their containers and images,
// and the securityContext values that decide who each container runs as.

import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import { classifyImage } from './classify.js';
import type { LineIndex } from '../util/lines.js';
import type { ContainerType, ImageOccurrence, KubernetesContext, Range } from '../types.js';
import { deref, getNode, getPath, getString, mapEntries, scalarSpan, seqItems } from './yaml/parse.js';

/** A securityContext value and where it is written. */
export interface ContextValue<T> {
  readonly value: T;
  readonly range: Range;
  readonly level: 'pod' | 'container';
}

export interface ContainerFact {
  readonly workload: KubernetesContext;
  readonly name?: string;
  readonly type: ContainerType;
  /** The container's name value, or its first key when it has no name. */
  readonly range: Range;
  readonly image?: string;
  /** Where `image` is written (an alias's anchored scalar: the same place for every container using it). */
  readonly imageRange?: Range;
  readonly runAsUser?: ContextValue<number>;
  readonly runAsNonRoot?: ContextValue<boolean>;
}

export interface ObjectFacts {
  readonly images: ImageOccurrence[];
  readonly containers: ContainerFact[];
}

const TEMPLATE_PATH = ['spec', 'template', 'spec'];
/** Kubernetes' own workload kinds, by API group (`''` is the core group), and where each keeps its pod spec. */
const WORKLOADS: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>> = new Map([
  [
    '',
    new Map([
      ['Pod', ['spec']],
      ['PodTemplate', ['template', 'spec']],
      ['ReplicationController', TEMPLATE_PATH],
    ]),
  ],
  [
    'apps',
    new Map([
      ['Deployment', TEMPLATE_PATH],
      ['StatefulSet', TEMPLATE_PATH],
      ['DaemonSet', TEMPLATE_PATH],
      ['ReplicaSet', TEMPLATE_PATH],
    ]),
  ],
  // The group these kinds had before `apps` (Kubernetes 1.15 and older), still in old manifests.
  [
    'extensions',
    new Map([
      ['Deployment', TEMPLATE_PATH],
      ['DaemonSet', TEMPLATE_PATH],
      ['ReplicaSet', TEMPLATE_PATH],
    ]),
  ],
  [
    'batch',
    new Map([
      ['Job', TEMPLATE_PATH],
      ['CronJob', ['spec', 'jobTemplate', 'spec', 'template', 'spec']],
    ]),
  ],
]);
/** The container lists of a pod spec, in the order their containers are listed. */
export const CONTAINER_TYPES: readonly ContainerType[] = ['initContainers', 'containers', 'ephemeralContainers'];
const MAX_LIST_DEPTH = 4;

/**
 * Kinds that never carry a pod spec or an image, by API group: their documents need not be
 * parsed at all (most of a large install bundle is CRDs). The same kind name in another group is
 * a custom resource and may well run images (Knative's `serving.knative.dev` Service does).
 */
const KINDS_WITHOUT_IMAGES: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  [
    '',
    new Set([
      'Binding',
      'ConfigMap',
      'Endpoints',
      'Event',
      'LimitRange',
      'Namespace',
      'Node',
      'PersistentVolume',
      'PersistentVolumeClaim',
      'ResourceQuota',
      'Secret',
      'Service',
      'ServiceAccount',
    ]),
  ],
  [
    'admissionregistration.k8s.io',
    new Set([
      'MutatingWebhookConfiguration',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
      'ValidatingWebhookConfiguration',
    ]),
  ],
  ['apiextensions.k8s.io', new Set(['CustomResourceDefinition'])],
  ['apiregistration.k8s.io', new Set(['APIService'])],
  ['autoscaling', new Set(['HorizontalPodAutoscaler'])],
  ['certificates.k8s.io', new Set(['CertificateSigningRequest'])],
  ['coordination.k8s.io', new Set(['Lease'])],
  ['discovery.k8s.io', new Set(['EndpointSlice'])],
  ['events.k8s.io', new Set(['Event'])],
  ['extensions', new Set(['Ingress', 'NetworkPolicy', 'PodSecurityPolicy'])],
  ['flowcontrol.apiserver.k8s.io', new Set(['FlowSchema', 'PriorityLevelConfiguration'])],
  ['networking.k8s.io', new Set(['Ingress', 'IngressClass', 'NetworkPolicy'])],
  ['node.k8s.io', new Set(['RuntimeClass'])],
  ['policy', new Set(['PodDisruptionBudget', 'PodSecurityPolicy'])],
  ['rbac.authorization.k8s.io', new Set(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'])],
  ['scheduling.k8s.io', new Set(['PriorityClass'])],
  ['storage.k8s.io', new Set(['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'])],
  ['cert-manager.io', new Set(['Certificate', 'ClusterIssuer', 'Issuer'])],
  ['monitoring.coreos.com', new Set(['PodMonitor', 'PrometheusRule', 'ServiceMonitor'])],
  // Flux's image automation: `spec.image` is a repository to watch for new tags, not an image to pull.
  ['image.toolkit.fluxcd.io', new Set(['ImagePolicy', 'ImageRepository', 'ImageUpdateAutomation'])],
  // Kyverno policies match images with patterns (`!*:latest`, `registry.example.com/*`), which are no references.
  ['kyverno.io', new Set(['ClusterPolicy', 'Policy'])],
]);

/** The API group of an `apiVersion`: `apps` for `apps/v1`, `''` for the core group's `v1`. */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** Where a Kubernetes workload kind keeps its pod spec; undefined for a custom resource (searched instead). */
export function podSpecPath(group: string, kind: string): readonly string[] | undefined {
  return WORKLOADS.get(group)?.get(kind);
}

/** True for a kind of an API group that never holds an image (a core Service, a CRD, …). */
export function holdsNoImages(group: string, kind: string): boolean {
  return KINDS_WITHOUT_IMAGES.get(group)?.has(kind) ?? false;
}

export function isKubernetesObject(root: unknown, doc: Document): boolean {
  return getString(root, 'apiVersion', doc) !== undefined && getString(root, 'kind', doc) !== undefined;
}

/** Collects images and containers from one Kubernetes object (or a List of them). */
export function extractKubernetes(root: Node, doc: Document, text: string, lines: LineIndex, index: number): ObjectFacts {
  const facts: ObjectFacts = { images: [], containers: [] };
  visitObject(root, { doc, text, lines, index, facts }, 0);
  return facts;
}

interface Walk {
  readonly doc: Document;
  /** The text the document was parsed from; `lines` indexes the same text. */
  readonly text: string;
  readonly lines: LineIndex;
  readonly index: number;
  readonly facts: ObjectFacts;
}

/** The kind (and its group) that the items of a typed list (PodList) imply, having none of their own. */
interface Implied {
  readonly kind?: string;
  readonly group: string;
}

function visitObject(object: Node, walk: Walk, depth: number, implied?: Implied): void {
  const { doc } = walk;
  const kind = getString(object, 'kind', doc) ?? implied?.kind;
  if (kind === undefined) return;
  const apiVersion = getString(object, 'apiVersion', doc);
  const group = apiVersion !== undefined ? apiGroup(apiVersion) : (implied?.group ?? '');
  if (kind.endsWith('List')) {
    // Items of a typed list (PodList, as the API returns it) carry no kind of their own.
    const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
    if (depth < MAX_LIST_DEPTH)
      for (const item of seqItems(getNode(object, 'items', doc), doc))
        visitObject(item, walk, depth + 1, { ...(itemKind !== undefined && { kind: itemKind }), group });
    return;
  }
  if (holdsNoImages(group, kind)) return;
  const name = getString(getNode(object, 'metadata', doc), 'name', doc);
  const namespace = getString(getNode(object, 'metadata', doc), 'namespace', doc);
  const workload: KubernetesContext = {
    kind,
    document: walk.index,
    ...(name !== undefined && { name }),
    ...(namespace !== undefined && { namespace }),
  };
  const specPath = podSpecPath(group, kind);
  if (specPath === undefined) {
    visitCustomResource(object, workload, walk);
    return;
  }
  const podSpec = getPath(object, specPath, doc);
  if (isMap(podSpec)) visitPodSpec(podSpec, workload, walk);
}

/**
 * How far a custom resource is searched for images: how deeply (counting mappings and sequences),
 * and how many steps in all, aliases followed at each use: a node or a mapping entry is a step,
 * a container or an image found is `IMAGE_STEPS` (at most 1,000 images). Real resources stay far
 * within both (an Argo CronWorkflow's container is 6 levels down, a large workflow has dozens);
 * a huge or aliased one costs no more than this.
 */
export const MAX_CUSTOM_DEPTH = 64;
export const MAX_CUSTOM_STEPS = 100_000;
export const IMAGE_STEPS = 100;

/** Lists of containers outside a pod spec (Argo templates' `initContainers` and `sidecars`), and the type each becomes. */
export const CONTAINER_LISTS: ReadonlyMap<string, ContainerType> = new Map<string, ContainerType>([
  ['initContainers', 'initContainers'],
  ['ephemeralContainers', 'ephemeralContainers'],
  ['sidecars', 'containers'],
]);
/** Keys holding one container (Argo's `container` and `script`, Numaflow's `container`): the pod's main one. */
export const CONTAINER_KEYS = new Set(['container', 'script']);
/** Metadata that holds free text, never an image to run. */
export const METADATA_SKIPPED = new Set(['annotations', 'labels', 'managedFields']);

interface Search {
  readonly workload: KubernetesContext;
  readonly walk: Walk;
  steps: number;
}

/**
 * A custom resource, whose images may be anywhere: every pod spec in it (a mapping with a
 * `containers` list, as in Rollouts, Knative Services, KEDA ScaledJobs, Strimzi pod sets),
 * container lists and containers outside one (Argo Workflow templates, Numaflow vertices), and
 * any `image` string (Prometheus' `spec.image`). Not `status`, which reports what runs rather than
 * what is asked for, nor labels and annotations.
 */
function visitCustomResource(object: Node, workload: KubernetesContext, walk: Walk): void {
  searchNode(object, undefined, 0, { workload, walk, steps: 0 });
}

function spend(search: Search, steps = 1): boolean {
  search.steps += steps;
  return search.steps <= MAX_CUSTOM_STEPS;
}

function searchNode(node: Node | undefined, parentKey: string | undefined, depth: number, search: Search): void {
  const { doc } = search.walk;
  if (depth > MAX_CUSTOM_DEPTH || !spend(search)) return;
  const target = deref(node, doc);
  if (isSeq(target)) {
    for (const item of target.items) {
      if (search.steps > MAX_CUSTOM_STEPS) return;
      searchNode(item as Node, undefined, depth + 1, search);
    }
    return;
  }
  if (!isMap(target)) return;
  const entries = mapEntries(target, doc, () => spend(search));
  // A pod spec: its containers run with its securityContext.
  const podSpec = isSeq(entries.get('containers'));
  if (podSpec) visitPodSpec(target, search.workload, search.walk, () => spend(search, IMAGE_STEPS));
  for (const [key, value] of entries) {
    if (search.steps > MAX_CUSTOM_STEPS) return;
    if (key === 'status' || (parentKey === 'metadata' && METADATA_SKIPPED.has(key))) continue;
    if (podSpec && (CONTAINER_TYPES as readonly string[]).includes(key)) continue;
    const listType = CONTAINER_LISTS.get(key);
    if (listType !== undefined && isSeq(value)) {
      for (const item of seqItems(value, doc)) {
        if (isMap(item) && getNode(item, 'image', doc) !== undefined) {
          if (!spend(search, IMAGE_STEPS)) return;
          containerImage(item, listType, search);
        } else searchNode(item, undefined, depth + 2, search);
      }
    } else if (CONTAINER_KEYS.has(key) && isMap(value) && getNode(value, 'image', doc) !== undefined) {
      if (spend(search, IMAGE_STEPS)) containerImage(value, 'containers', search);
    } else if (key === 'image' && isScalar(value)) {
      // An empty or absent value is the operator's default, not a broken reference.
      if (typeof value.value === 'string' && value.value !== '' && spend(search, IMAGE_STEPS))
        search.walk.facts.images.push(occurrence(value, search.workload, search.walk));
    } else {
      searchNode(value, key, depth + 1, search);
    }
  }
}

/** The image of a container outside a pod spec: found, but no securityContext applies to it here. */
function containerImage(container: Node, type: ContainerType, search: Search): void {
  const { doc } = search.walk;
  const nameNode = getNode(container, 'name', doc);
  const name = isScalar(nameNode) ? scalarText(nameNode.value) : undefined;
  const context: KubernetesContext = { ...search.workload, ...(name !== undefined && { container: name }), containerType: type };
  search.walk.facts.images.push(occurrence(getNode(container, 'image', doc)!, context, search.walk));
}

/**
 * The containers of a pod spec, their images and who each runs as. With `spend` (a pod spec in a
 * custom resource), a container without an image is a patch onto one the operator writes
 * (Prometheus' `spec.containers`), not a container of its own: it is left out.
 */
function visitPodSpec(podSpec: Node, workload: KubernetesContext, walk: Walk, spend?: () => boolean): void {
  const { doc } = walk;
  const podContext = getNode(podSpec, 'securityContext', doc);
  const podUser = intValue(getNode(podContext, 'runAsUser', doc), 'pod', walk);
  const podNonRoot = boolValue(getNode(podContext, 'runAsNonRoot', doc), 'pod', walk);
  for (const type of CONTAINER_TYPES) {
    for (const container of seqItems(getNode(podSpec, type, doc), doc)) {
      if (spend && !spend()) return;
      if (!isMap(container)) continue;
      const imageNode = getNode(container, 'image', doc);
      if (spend && imageNode === undefined) continue;
      const nameNode = getNode(container, 'name', doc);
      const name = isScalar(nameNode) ? scalarText(nameNode.value) : undefined;
      const context: KubernetesContext = { ...workload, ...(name !== undefined && { container: name }), containerType: type };
      let image: string | undefined;
      let imageRange: Range | undefined;
      if (imageNode !== undefined) {
        const found = occurrence(imageNode, context, walk);
        walk.facts.images.push(found);
        image = found.raw;
        imageRange = found.range;
      }
      const containerContext = getNode(container, 'securityContext', doc);
      const runAsUser = intValue(getNode(containerContext, 'runAsUser', doc), 'container', walk) ?? podUser;
      const runAsNonRoot = boolValue(getNode(containerContext, 'runAsNonRoot', doc), 'container', walk) ?? podNonRoot;
      let range: Range;
      if (isScalar(nameNode)) {
        const span = scalarSpan(nameNode, walk.text);
        range = walk.lines.rangeAt(span.start, span.end);
      } else {
        range = nodeRange((container.items[0]?.key as Node | undefined) ?? container, walk);
      }
      walk.facts.containers.push({
        workload: context,
        type,
        range,
        ...(name !== undefined && { name }),
        ...(image !== undefined && { image }),
        ...(imageRange !== undefined && { imageRange }),
        ...(runAsUser !== undefined && { runAsUser }),
        ...(runAsNonRoot !== undefined && { runAsNonRoot }),
      });
    }
  }
}

function nodeRange(node: Node, walk: Walk): Range {
  const [start, end] = node.range ?? [0, 0];
  return walk.lines.rangeAt(start, end);
}

function occurrence(node: Node, kubernetes: KubernetesContext, walk: Walk): ImageOccurrence {
  const target = deref(node, walk.doc);
  if (!isScalar(target) || typeof target.value !== 'string') {
    const problem =
      target === undefined || (isScalar(target) && target.value === null) ? 'the image is empty' : 'the image must be a string';
    return { source: 'kubernetes', raw: '', range: nodeRange(target ?? node, walk), status: 'invalid', pinned: false, problem, kubernetes };
  }
  const span = scalarSpan(target, walk.text);
  return {
    source: 'kubernetes',
    raw: span.raw,
    range: walk.lines.rangeAt(span.start, span.end),
    ...classifyImage(target.value),
    kubernetes,
  };
}

function intValue(node: Node | undefined, level: 'pod' | 'container', walk: Walk): ContextValue<number> | undefined {
  if (!isScalar(node) || typeof node.value !== 'number' || !Number.isInteger(node.value)) return undefined;
  return { value: node.value, range: nodeRange(node, walk), level };
}

function boolValue(node: Node | undefined, level: 'pod' | 'container', walk: Walk): ContextValue<boolean> | undefined {
  if (!isScalar(node) || typeof node.value !== 'boolean') return undefined;
  return { value: node.value, range: nodeRange(node, walk), level };
}

/** A scalar's value as text: a container named `1` or `true` is named so; no value, no name. */
function scalarText(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint'
    ? String(value)
    : undefined;
}
