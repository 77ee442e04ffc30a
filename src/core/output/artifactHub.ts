// A chart's `artifacthub.io/images` annotation (https://artifacthub.io/docs/topics/annotations/helm/):
// the images the chart renders, written into its Chart.yaml or checked against what is there. The
// edit touches the annotation only: the rest of Chart.yaml keeps its text and comments.

import { isMap, isScalar, parseDocument, parse, type Scalar } from 'yaml';
import type { ImageOccurrence } from '../types.js';

export const IMAGES_ANNOTATION = 'artifacthub.io/images';

export interface AnnotatedImage {
  readonly name: string;
  readonly image: string;
}

/** The annotation's entries for a chart's rendered images: each image once, named by its container (or its repository). */
export function annotationEntries(images: readonly ImageOccurrence[]): AnnotatedImage[] {
  const entries = new Map<string, AnnotatedImage>();
  for (const image of images) {
    if (image.source !== 'helm' || image.status !== 'image' || image.resolved === undefined) continue;
    if (entries.has(image.resolved)) continue;
    const repository = image.reference?.name ?? image.resolved;
    const name = image.helm?.workload?.container ?? repository.slice(repository.lastIndexOf('/') + 1);
    entries.set(image.resolved, { name, image: image.resolved });
  }
  return [...entries.values()].sort((a, b) => a.name.localeCompare(b.name) || a.image.localeCompare(b.image));
}

/** The entries a Chart.yaml's annotation lists now (empty when it has none or they cannot be read). */
export function annotatedImages(chartYaml: string): AnnotatedImage[] {
  const doc = parseDocument(chartYaml);
  const value = doc.getIn(['annotations', IMAGES_ANNOTATION]);
  if (typeof value !== 'string') return [];
  let list: unknown;
  try {
    list = parse(value);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  return list
    .filter((e): e is { name?: unknown; image?: unknown } => typeof e === 'object' && e !== null)
    .map((e) => ({ name: typeof e.name === 'string' ? e.name : '', image: typeof e.image === 'string' ? e.image : '' }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.image.localeCompare(b.image));
}

/** True when the annotation lists the same images (in any order). */
export function sameImages(a: readonly AnnotatedImage[], b: readonly AnnotatedImage[]): boolean {
  const key = (list: readonly AnnotatedImage[]) =>
    list
      .map((e) => `${e.name}\n${e.image}`)
      .sort()
      .join('\n\n');
  return key(a) === key(b);
}

/** Chart.yaml with the annotation set to `entries`: its value replaced, the key added to `annotations:`, or both added at the end. */
export function withImagesAnnotation(chartYaml: string, entries: readonly AnnotatedImage[]): string {
  const doc = parseDocument(chartYaml);
  if (doc.errors.length > 0) throw new Error(`Chart.yaml is not valid YAML (${doc.errors[0]!.message.split('\n')[0]})`);
  const block = (indent: number) =>
    entries.map((e) => `${' '.repeat(indent)}- name: ${quoted(e.name)}\n${' '.repeat(indent)}  image: ${quoted(e.image)}\n`).join('');
  const annotations = doc.get('annotations', true);
  const newline = chartYaml.endsWith('\n') || chartYaml === '' ? '' : '\n';
  if (!isMap(annotations)) {
    if (annotations !== undefined && !(isScalar(annotations) && annotations.value === null))
      throw new Error('the annotations of Chart.yaml are not a mapping');
    const pair =
      doc.contents && isMap(doc.contents) ? doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'annotations') : undefined;
    const key = pair?.key as Scalar | undefined;
    // `annotations:` written with no value: its value is the block written after it.
    if (key?.range) {
      const lineEnd = chartYaml.indexOf('\n', key.range[1]);
      const at = lineEnd === -1 ? chartYaml.length : lineEnd + 1;
      const insert = `${lineEnd === -1 ? '\n' : ''}  ${IMAGES_ANNOTATION}: |\n${block(4)}`;
      return chartYaml.slice(0, lineEnd === -1 ? chartYaml.length : at) + insert + chartYaml.slice(at);
    }
    return `${chartYaml}${newline}annotations:\n  ${IMAGES_ANNOTATION}: |\n${block(4)}`;
  }
  const existing = annotations.items.find((p) => isScalar(p.key) && p.key.value === IMAGES_ANNOTATION);
  const firstKey = annotations.items[0]?.key as Scalar | undefined;
  const keyIndent = firstKey?.range ? firstKey.range[0] - (chartYaml.lastIndexOf('\n', firstKey.range[0] - 1) + 1) : 2;
  if (existing && isScalar(existing.value) && existing.value.range) {
    const [start, , end] = existing.value.range;
    // To the end of the value's node (a block scalar's last line break included), or of its line.
    let after = end;
    if (chartYaml[after - 1] !== '\n') {
      const lineEnd = chartYaml.indexOf('\n', after);
      after = lineEnd === -1 ? chartYaml.length : lineEnd + 1;
    }
    return `${chartYaml.slice(0, start)}|\n${block(keyIndent + 2)}${chartYaml.slice(after)}`;
  }
  // After the mapping's last line.
  const end = annotations.range?.[2] ?? chartYaml.length;
  const lineStart = chartYaml.lastIndexOf('\n', end - 1) + 1;
  const at = chartYaml.slice(lineStart, end).trim() === '' ? lineStart : end;
  const before = chartYaml.slice(0, at);
  const line = `${before.endsWith('\n') ? '' : '\n'}${' '.repeat(keyIndent)}${IMAGES_ANNOTATION}: |\n${block(keyIndent + 2)}`;
  return before + line + chartYaml.slice(at);
}

/** A plain scalar when it reads back as itself, else double-quoted. */
function quoted(text: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._/@:-]*$/.test(text) && !/: /.test(text) ? text : JSON.stringify(text);
}
