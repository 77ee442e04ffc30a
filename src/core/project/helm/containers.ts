// The containers of a rendered template and who each runs as, read from helm's output by the same
// Kubernetes reader as plain manifests (analysis/kubernetes.ts), with every place mapped back
// through the output's pieces: a securityContext value to the values.yaml scalar it came from (or
// the template text that wrote it), a container to the template line that writes it.

import { isMap } from 'yaml';
import { extractKubernetes, isKubernetesObject, type ContextValue } from '../../analysis/kubernetes.js';
import { hasDuplicateKeys } from '../../analysis/yaml/parse.js';
import type { Range } from '../../types.js';
import { LineIndex } from '../../util/lines.js';
import type { ChartContainer, ChartContextValue, Place } from '../types.js';
import type { Output, RenderedTemplate } from './render.js';

/** Documents that may hold a pod spec (cheaply found before any parse). */
const CONTAINERS_KEY = /^[ \t]*(?:-[ \t]+)*["']?(?:initContainers|containers|ephemeralContainers)["']?[ \t]*:/m;
const CRD = /^kind:[ \t]*["']?CustomResourceDefinition\b/m;

/** A template file's text, by its path, and its line index (built once). */
export type TemplateText = (file: string) => { readonly text: string; readonly lines: LineIndex } | undefined;

/** The containers of one rendered output, their places in `texts`' templates or in values files. */
export function containersOfOutput({ output, documents }: RenderedTemplate, texts: TemplateText): ChartContainer[] {
  const found: ChartContainer[] = [];
  for (const document of documents) {
    if (!CONTAINERS_KEY.test(document.text) || CRD.test(document.text)) continue;
    const doc = document.yaml();
    if (!doc || doc.errors.length > 0 || !isMap(doc.contents) || hasDuplicateKeys(doc) || !isKubernetesObject(doc.contents, doc)) continue;
    const lines = new LineIndex(document.text);
    const span = (range: Range): [number, number] => [
      document.start + lines.offsetAt(range.start),
      document.start + lines.offsetAt(range.end),
    ];
    const facts = extractKubernetes(doc.contents, doc, document.text, lines, 0);
    for (const container of facts.containers) {
      const place =
        lineOf(output, span(container.range)[0], texts) ?? (container.imageRange && lineOf(output, span(container.imageRange)[0], texts));
      if (!place) continue;
      const value = <T>(fact: ContextValue<T> | undefined): ChartContextValue<T> | undefined => {
        const at = fact && placeOf(output, span(fact.range), texts, true);
        return fact && at ? { value: fact.value, level: fact.level, ...at } : undefined;
      };
      const runAsUser = value(container.runAsUser);
      const runAsNonRoot = value(container.runAsNonRoot);
      const { kind, name, namespace, containerType } = container.workload;
      found.push({
        workload: {
          kind,
          ...(name && { name }),
          ...(namespace && { namespace }),
          ...(container.name && { container: container.name }),
          ...(containerType && { containerType }),
        },
        place,
        ...(container.name !== undefined && { name: container.name }),
        ...(container.image !== undefined && { image: container.image }),
        ...(runAsUser && { runAsUser }),
        ...(runAsNonRoot && { runAsNonRoot }),
      });
    }
  }
  return found;
}

/**
 * Where a span of the output was written: the values scalar it prints (`values`: when that is
 * where a fix belongs), else the template text or the action that wrote its first character.
 */
function placeOf(
  output: Output,
  [start, end]: [number, number],
  texts: TemplateText,
  values: boolean,
): { place: Place; fromValues: boolean } | undefined {
  for (const piece of output.slice(start, Math.max(end, start + 1))) {
    if (piece.text.length === 0) continue;
    if (values && piece.source?.from === 'values')
      return { place: { file: piece.source.file, range: piece.source.range }, fromValues: true };
    const origin = piece.origin;
    const template = origin && texts(origin.file);
    if (origin && template)
      return { place: { file: origin.file, range: template.lines.rangeAt(origin.start, origin.end) }, fromValues: false };
  }
  return undefined;
}

/**
 * The template line that writes the key of the output line holding `at` (a container's `name:`):
 * the file and line that write the container, even when its name comes from a define or the values.
 */
function lineOf(output: Output, at: number, texts: TemplateText): Place | undefined {
  let key = output.text.lastIndexOf('\n', at - 1) + 1;
  while (key < at && /[ \t-]/.test(output.text[key]!)) key++;
  const origin = output.originAt(key);
  const template = origin && texts(origin.file);
  if (!origin || !template) return undefined;
  if (!origin.text) return { file: origin.file, range: template.lines.rangeAt(origin.start, origin.end) };
  const end = template.text.indexOf('\n', origin.start);
  const line = template.text.slice(origin.start, end === -1 ? template.text.length : end).trimEnd();
  return { file: origin.file, range: template.lines.rangeAt(origin.start, origin.start + line.length) };
}
