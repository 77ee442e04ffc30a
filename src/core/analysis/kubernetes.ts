// Kubernetes objects: the pod specs inside every workload kind, their containers and images,
// and the securityContext values that decide who each container runs as.

import { isMap, isScalar, type Document, type Node } from 'yaml';
import { classifyImage } from './classify.js';
import type { LineIndex } from '../util/lines.js';
import type { ContainerType, ImageOccurrence, KubernetesContext, Range } from '../types.js';
import { deref, getNode, getPath, getString, scalarSpan, seqItems } from './yaml/parse.js';

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

/** Kinds whose pod spec is not at `spec.template.spec`. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  PodTemplate: ['template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};
const TEMPLATE_PATH = ['spec', 'template', 'spec'];
const BUILTIN_WORKLOADS = new Set([
  'Pod',
  'PodTemplate',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Job',
  'CronJob',
]);
const CONTAINER_TYPES: readonly ContainerType[] = ['initContainers', 'containers', 'ephemeralContainers'];
const MAX_LIST_DEPTH = 4;

/** Kinds that never carry a pod spec or an image: their documents need not be parsed at all. */
export const KINDS_WITHOUT_IMAGES = new Set([
  'APIService',
  'Binding',
  'CSIDriver',
  'CSINode',
  'Certificate',
  'CertificateSigningRequest',
  'ClusterIssuer',
  'ClusterRole',
  'ClusterRoleBinding',
  'ConfigMap',
  'CustomResourceDefinition',
  'Endpoints',
  'EndpointSlice',
  'Event',
  'FlowSchema',
  'HorizontalPodAutoscaler',
  'Ingress',
  'IngressClass',
  'Issuer',
  'Lease',
  'LimitRange',
  'MutatingWebhookConfiguration',
  'Namespace',
  'NetworkPolicy',
  'Node',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'PodDisruptionBudget',
  'PodMonitor',
  'PodSecurityPolicy',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'PrometheusRule',
  'ResourceQuota',
  'Role',
  'RoleBinding',
  'RuntimeClass',
  'Secret',
  'Service',
  'ServiceAccount',
  'ServiceMonitor',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

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

function visitObject(object: Node, walk: Walk, depth: number, impliedKind?: string): void {
  const { doc } = walk;
  const kind = getString(object, 'kind', doc) ?? impliedKind;
  if (kind === undefined) return;
  if (kind.endsWith('List')) {
    // Items of a typed list (PodList, as the API returns it) carry no kind of their own.
    const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
    if (depth < MAX_LIST_DEPTH)
      for (const item of seqItems(getNode(object, 'items', doc), doc)) visitObject(item, walk, depth + 1, itemKind);
    return;
  }
  const name = getString(getNode(object, 'metadata', doc), 'name', doc);
  const namespace = getString(getNode(object, 'metadata', doc), 'namespace', doc);
  const workload: KubernetesContext = {
    kind,
    document: walk.index,
    ...(name !== undefined && { name }),
    ...(namespace !== undefined && { namespace }),
  };
  const podSpec = getPath(object, POD_SPEC_PATHS[kind] ?? TEMPLATE_PATH, doc);
  if (isMap(podSpec)) {
    visitPodSpec(podSpec, workload, walk);
  } else if (!BUILTIN_WORKLOADS.has(kind)) {
    // Custom resources that run one image directly (e.g. Prometheus' `spec.image`).
    const image = getPath(object, ['spec', 'image'], doc);
    if (isScalar(image) && typeof image.value === 'string') walk.facts.images.push(occurrence(image, workload, walk));
  }
}

function visitPodSpec(podSpec: Node, workload: KubernetesContext, walk: Walk): void {
  const { doc } = walk;
  const podContext = getNode(podSpec, 'securityContext', doc);
  const podUser = intValue(getNode(podContext, 'runAsUser', doc), 'pod', walk);
  const podNonRoot = boolValue(getNode(podContext, 'runAsNonRoot', doc), 'pod', walk);
  for (const type of CONTAINER_TYPES) {
    for (const container of seqItems(getNode(podSpec, type, doc), doc)) {
      if (!isMap(container)) continue;
      const nameNode = getNode(container, 'name', doc);
      const name = isScalar(nameNode) ? scalarText(nameNode.value) : undefined;
      const context: KubernetesContext = { ...workload, ...(name !== undefined && { container: name }), containerType: type };
      const imageNode = getNode(container, 'image', doc);
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
