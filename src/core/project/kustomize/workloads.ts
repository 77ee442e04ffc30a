// The images and containers of a rendered object, read as the single-file analysis reads a
// manifest (analysis/kubernetes.ts, whose tables it shares): the pod spec of Kubernetes' workload
// kinds, and in a custom resource every pod spec, container list, container and `image` string.
// Each pod-spec container comes with who it runs as and where that is written, so that root-user
// is decided on what an overlay renders. Keys are visited in sorted order, as kubectl prints them.

import {
  apiGroup,
  CONTAINER_KEYS,
  CONTAINER_LISTS,
  CONTAINER_TYPES,
  holdsNoImages,
  IMAGE_STEPS,
  MAX_CUSTOM_DEPTH,
  MAX_CUSTOM_STEPS,
  METADATA_SKIPPED,
  podSpecPath,
} from '../../analysis/kubernetes.js';
import type { ContainerType } from '../../types.js';
import { compareBytes } from './resources.js';
import { at, isKMap, isKScalar, isKSeq, str, type KMap, type KNode, type KScalar, type Span } from './tree.js';

/** A securityContext value of the rendered object and where it is written (a manifest or a patch). */
export interface RenderedValue<T> {
  readonly value: T;
  readonly at: Span;
  readonly by: 'manifest' | 'patch';
  readonly level: 'pod' | 'container';
}

/** An image the object runs, and the container it is the image of (none for a custom resource's `image:`). */
export interface FoundImage {
  readonly image: KScalar;
  readonly container?: string;
  readonly containerType?: ContainerType;
}

/** A container of a pod spec and who it runs as. */
export interface RenderedContainer {
  readonly name?: string;
  readonly type: ContainerType;
  /** Where the container is written: its name, else its image; and whether that is in a manifest or a patch. */
  readonly at?: Span;
  readonly by: 'manifest' | 'patch';
  readonly image?: KScalar;
  readonly runAsUser?: RenderedValue<number>;
  readonly runAsNonRoot?: RenderedValue<boolean>;
}

export interface RenderedWorkload {
  readonly images: FoundImage[];
  readonly containers: RenderedContainer[];
}

/** The images and pod-spec containers of one rendered object, in the order kubectl's output lists them. */
export function renderedWorkload(object: KMap): RenderedWorkload {
  const found: RenderedWorkload = { images: [], containers: [] };
  const kind = str(object, 'kind');
  if (kind === undefined) return found;
  const group = apiGroup(str(object, 'apiVersion') ?? '');
  if (holdsNoImages(group, kind)) return found;
  const specPath = podSpecPath(group, kind);
  if (specPath === undefined) {
    search(object, undefined, 0, { found, steps: 0 });
    return found;
  }
  const podSpec = at(object, specPath);
  if (isKMap(podSpec)) visitPodSpec(podSpec, found);
  return found;
}

interface Search {
  readonly found: RenderedWorkload;
  steps: number;
}

function spend(state: Search, steps = 1): boolean {
  state.steps += steps;
  return state.steps <= MAX_CUSTOM_STEPS;
}

/** A custom resource searched as the single-file analysis searches one (`searchNode`). */
function search(node: KNode | undefined, parentKey: string | undefined, depth: number, state: Search): void {
  if (node === undefined || depth > MAX_CUSTOM_DEPTH || !spend(state)) return;
  if (isKSeq(node)) {
    for (const item of node.items) {
      if (state.steps > MAX_CUSTOM_STEPS) return;
      search(item, undefined, depth + 1, state);
    }
    return;
  }
  if (!isKMap(node)) return;
  const podSpec = isKSeq(node.entries.get('containers'));
  if (podSpec) visitPodSpec(node, state.found, () => spend(state, IMAGE_STEPS));
  for (const key of [...node.entries.keys()].sort(compareBytes)) {
    if (state.steps > MAX_CUSTOM_STEPS || !spend(state)) return;
    const value = node.entries.get(key)!;
    if (key === 'status' || (parentKey === 'metadata' && METADATA_SKIPPED.has(key))) continue;
    if (podSpec && (CONTAINER_TYPES as readonly string[]).includes(key)) continue;
    const listType = CONTAINER_LISTS.get(key);
    if (listType !== undefined && isKSeq(value)) {
      for (const item of value.items) {
        if (isKMap(item) && item.entries.has('image')) {
          if (!spend(state, IMAGE_STEPS)) return;
          containerImage(item, listType, state.found);
        } else search(item, undefined, depth + 2, state);
      }
    } else if (CONTAINER_KEYS.has(key) && isKMap(value) && value.entries.has('image')) {
      if (spend(state, IMAGE_STEPS)) containerImage(value, 'containers', state.found);
    } else if (key === 'image' && isKScalar(value)) {
      // An empty or absent value is the operator's default, not a broken reference.
      if (value.type === 'str' && value.text !== '' && spend(state, IMAGE_STEPS)) state.found.images.push({ image: value });
    } else search(value, key, depth + 1, state);
  }
}

/** A container outside a pod spec: its image, and no securityContext that applies to it. */
function containerImage(container: KMap, type: ContainerType, found: RenderedWorkload): void {
  const image = container.entries.get('image');
  if (!isKScalar(image) || image.type !== 'str') return;
  const name = nameOf(container);
  found.images.push({ image, containerType: type, ...(name !== undefined && { container: name }) });
}

/**
 * The containers of a pod spec, their images and who each runs as. With `spend` (a pod spec in a
 * custom resource), a container without an image is a patch onto one the operator writes.
 */
function visitPodSpec(podSpec: KMap, found: RenderedWorkload, spend?: () => boolean): void {
  const podContext = podSpec.entries.get('securityContext');
  const podUser = intValue(at(podContext, ['runAsUser']), 'pod');
  const podNonRoot = boolValue(at(podContext, ['runAsNonRoot']), 'pod');
  for (const type of CONTAINER_TYPES) {
    const list = podSpec.entries.get(type);
    for (const container of isKSeq(list) ? list.items : []) {
      if (spend && !spend()) return;
      if (!isKMap(container)) continue;
      const imageNode = container.entries.get('image');
      if (spend && imageNode === undefined) continue;
      const image = isKScalar(imageNode) && imageNode.type === 'str' ? imageNode : undefined;
      const name = nameOf(container);
      if (image) found.images.push({ image, containerType: type, ...(name !== undefined && { container: name }) });
      const context = container.entries.get('securityContext');
      const runAsUser = intValue(at(context, ['runAsUser']), 'container') ?? podUser;
      const runAsNonRoot = boolValue(at(context, ['runAsNonRoot']), 'container') ?? podNonRoot;
      const nameNode = container.entries.get('name');
      const written = isKScalar(nameNode) && nameNode.at ? nameNode : isKScalar(imageNode) ? imageNode : undefined;
      const place = written?.at;
      found.containers.push({
        type,
        by: written?.by ?? 'manifest',
        ...(name !== undefined && { name }),
        ...(place && { at: place }),
        ...(image && { image }),
        ...(runAsUser && { runAsUser }),
        ...(runAsNonRoot && { runAsNonRoot }),
      });
    }
  }
}

/** A container's name as text (a container named `1` is named so). */
function nameOf(container: KMap): string | undefined {
  const name = container.entries.get('name');
  return isKScalar(name) && name.type !== 'null' ? name.text : undefined;
}

// YAML 1.2's core schema, as the single-file analysis reads manifests (kustomize keeps the text).
const INTEGER = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/;
const BOOLEAN = /^(?:true|True|TRUE|false|False|FALSE)$/;

function intValue(node: KNode | undefined, level: 'pod' | 'container'): RenderedValue<number> | undefined {
  if (!isKScalar(node) || node.type !== 'other' || !node.at || !INTEGER.test(node.text)) return undefined;
  const text = node.text;
  const value = text.startsWith('0o') ? parseInt(text.slice(2), 8) : Number(text);
  return Number.isSafeInteger(value) ? { value, at: node.at, by: node.by ?? 'manifest', level } : undefined;
}

function boolValue(node: KNode | undefined, level: 'pod' | 'container'): RenderedValue<boolean> | undefined {
  if (!isKScalar(node) || node.type !== 'other' || !node.at || !BOOLEAN.test(node.text)) return undefined;
  return { value: node.text.toLowerCase() === 'true', at: node.at, by: node.by ?? 'manifest', level };
}
