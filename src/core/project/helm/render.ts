// One template file rendered whole, as `helm template` renders it, and the container images of its
// output found by reading that output as YAML (the way a cluster reads it): each image keeps the
// pieces it was built from, so the values.yaml scalar and the template text behind every part of
// it are known. Images that come out of a `define`, a `toYaml` of values or a `tpl` are found the
// same way as literal ones.

import { isMap, isScalar, isSeq, type Document, type Node as YamlNode, type Pair, type YAMLMap } from 'yaml';
import { parseChunk } from '../../analysis/yaml/parse.js';
import type { ImageWorkload } from '../types.js';
import { yamlScalar } from './line.js';
import { BUILTIN_WORKLOADS, CONTAINER_TYPES } from './images.js';
import type { Node } from './parse.js';
import { STAND_IN } from './sprig.js';
import { Evaluator, Sink } from './template.js';
import type { Origin, Piece, Value } from './value.js';

/** Documents of one template read as YAML (a template that writes thousands is not a workload's). */
const MAX_DOCUMENTS = 2000;
const IMAGE_KEY = /^[ \t]*(?:-[ \t]+)*["']?image["']?[ \t]*:/m;
const CRD = /^kind:[ \t]*["']?CustomResourceDefinition\b/m;

/** An image of the rendered output. */
export interface RenderedImage {
  /** The scalar's value pieces (quotes removed); a piece marked `missing` means helm would write nothing there. */
  readonly pieces: readonly Piece[];
  /** The text helm writes (the YAML value). */
  readonly reference: string;
  readonly workload: ImageWorkload;
  /** Where the template wrote the `image` key (its own text), when it did. */
  readonly key?: Origin;
  /** Where the template wrote the start of the value (its text, or the action that printed it). */
  readonly value?: Origin;
}

export interface RenderedTemplate {
  readonly images: RenderedImage[];
  /** Why a document with an `image` key could not be read as YAML (helm would fail on it too). */
  readonly broken?: string;
  /** The whole output and its pieces, to say where the template (or values) wrote a part of it. */
  readonly output: Output;
  /** Its documents, each read as YAML once, for the images and for the other checks of rendered workloads. */
  readonly documents: readonly RenderedDocument[];
}

/** One document of an output (split where helm splits them), read as YAML when first asked. */
export class RenderedDocument {
  private parsed: Document.Parsed | null | undefined;

  constructor(
    /** Its offset in the output. */
    readonly start: number,
    readonly text: string,
  ) {}

  /**
   * The document as helm's YAML library reads it (YAML 1.1 scalars; a key written twice is not an
   * error: the last one wins), or undefined for an empty one.
   */
  yaml(): Document.Parsed | undefined {
    if (this.parsed === undefined) this.parsed = parseChunk(this.text, { version: '1.1', duplicates: false })[0] ?? null;
    return this.parsed ?? undefined;
  }
}

/** Renders one template file with `top` as dot; ChartFailure (helm's `fail`/`required`) and budget errors propagate. */
export function renderTemplate(evaluator: Evaluator, nodes: readonly Node[], top: Value, file: string): RenderedTemplate {
  evaluator.reset();
  const soft = evaluator.soft;
  evaluator.soft = true;
  const sink = new Sink(false);
  try {
    evaluator.renderFile(nodes, top, file, sink);
  } finally {
    evaluator.soft = soft;
  }
  const output = new Output(sink.pieces);
  const documents = documentsOf(output.text);
  const { images, broken } = imagesOfOutput(output, documents);
  return { images, output, documents, ...(broken && { broken }) };
}

/** The pieces of the output with their offsets, to find which pieces make a span of it. */
export class Output {
  readonly text: string;
  private readonly starts: number[] = [];

  constructor(readonly pieces: readonly Piece[]) {
    let at = 0;
    for (const piece of pieces) {
      this.starts.push(at);
      at += piece.text.length;
    }
    this.text = pieces.map((p) => p.text).join('');
  }

  /** The index of the piece holding offset `at` (the first non-empty one starting there). */
  private index(at: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid]! <= at) low = mid;
      else high = mid - 1;
    }
    while (low > 0 && this.starts[low - 1] === at) low--;
    return low;
  }

  /** The pieces of [start, end), cut to it; empty pieces inside it (missing values) are kept. */
  slice(start: number, end: number): Piece[] {
    const out: Piece[] = [];
    for (let i = this.index(start); i < this.pieces.length; i++) {
      const piece = this.pieces[i]!;
      const from = this.starts[i]!;
      if (from > end || (from === end && piece.text.length > 0)) break;
      const to = from + piece.text.length;
      if (to < start || (to === start && piece.text.length > 0)) continue;
      const a = Math.max(start, from) - from;
      const b = Math.min(end, to) - from;
      out.push(a === 0 && b === piece.text.length ? piece : cut(piece, a, b));
    }
    return out;
  }

  /** Where the template wrote offset `at` of the output. */
  originAt(at: number): Origin | undefined {
    for (const piece of this.slice(at, at + 1)) if (piece.text.length > 0) return piece.origin;
    return undefined;
  }
}

function cut(piece: Piece, from: number, to: number): Piece {
  const origin = piece.origin?.text ? { ...piece.origin, start: piece.origin.start + from, end: piece.origin.start + to } : piece.origin;
  return { ...piece, text: piece.text.slice(from, to), ...(piece.exact && { exact: false }), ...(origin && { origin }) };
}

/** The output's documents, split where helm splits them (a `---` line), with their offsets. */
export function documentsOf(text: string): RenderedDocument[] {
  const found: RenderedDocument[] = [];
  const separator = /^---[ \t]*(?:#.*)?$/gm;
  let start = 0;
  for (let match = separator.exec(text); match; match = separator.exec(text)) {
    found.push(new RenderedDocument(start, text.slice(start, match.index)));
    start = match.index + match[0].length;
    if (found.length > MAX_DOCUMENTS) return found;
  }
  found.push(new RenderedDocument(start, text.slice(start)));
  return found;
}

function scalarString(node: YamlNode | null | undefined): string | undefined {
  return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  for (const pair of map.items) if (isScalar(pair.key) && pair.key.value === key) return pair;
  return undefined;
}

/** The images of a rendered output. */
function imagesOfOutput(output: Output, documents: readonly RenderedDocument[]): { images: RenderedImage[]; broken?: string } {
  const images: RenderedImage[] = [];
  let broken: string | undefined;
  for (const document of documents) {
    // Only documents with an `image` key are read as YAML (CRDs mention images in their descriptions only).
    if (!IMAGE_KEY.test(document.text) || CRD.test(document.text)) continue;
    const doc = document.yaml();
    if (doc && doc.errors.length > 0) broken ??= `the rendered YAML does not parse: ${doc.errors[0]!.message.split('\n')[0]!}`;
    if (!doc || doc.errors.length > 0 || !isMap(doc.contents)) continue;
    const root = doc.contents;
    const kind = scalarString(pairOf(root, 'kind')?.value as YamlNode);
    if (!kind) continue;
    const metadata = pairOf(root, 'metadata')?.value;
    const name = isMap(metadata) ? scalarString(pairOf(metadata, 'name')?.value as YamlNode) : undefined;
    const namespace = isMap(metadata) ? scalarString(pairOf(metadata, 'namespace')?.value as YamlNode) : undefined;
    // A name helm makes up at random (randAlphaNum) is not one the workload will have.
    const named = name && !name.includes(STAND_IN) ? name : undefined;
    const where = { kind, ...(named && { name: named }), ...(namespace && { namespace }) };
    const found = (pair: Pair, workload: ImageWorkload): void => {
      const value = pair.value as YamlNode | null;
      if (!isScalar(pair.key) || !pair.key.range) return;
      // `image:` with nothing after it: an image only when a value that was not there left it empty.
      const [start, end] = value?.range ?? [pair.key.range[2], pair.key.range[2]];
      const lineEnd = output.text.indexOf('\n', document.start + start);
      const within = output.slice(document.start + start, value ? document.start + end : lineEnd === -1 ? output.text.length : lineEnd);
      const missing = within.find((p) => p.missing !== undefined);
      const key = output.originAt(document.start + pair.key.range[0]);
      const at = output.originAt(document.start + start);
      const places = { ...(key?.text && { key }), ...(at && { value: at }) };
      if (!value || (isScalar(value) && value.value === null)) {
        if (!missing) return;
      } else if (!isScalar(value) && value.range) {
        // A mapping or list where the image should be (`image: {{ .Values.x }}` left as text): helm fails on it.
        const written = output.text.slice(document.start + value.range[0], document.start + value.range[1]).trim();
        images.push({ pieces: [{ text: '', missing: written }], reference: '', workload, ...places });
        return;
      } else if (!isScalar(value) || typeof value.value !== 'string' || !value.range) return;
      const text = isScalar(value) && typeof value.value === 'string' ? value.value : '';
      const scalar = yamlScalar(within) ?? [{ text }];
      images.push({
        pieces: missing && !scalar.some((p) => p.missing !== undefined) ? [...scalar, { text: '', missing: missing.missing! }] : scalar,
        reference: text,
        workload,
        ...places,
      });
    };
    if (!BUILTIN_WORKLOADS.has(kind)) {
      const spec = pairOf(root, 'spec')?.value;
      const image = isMap(spec) ? pairOf(spec, 'image') : undefined;
      if (image) found(image, where);
    }
    const visit = (node: unknown, depth: number): void => {
      if (depth > 64) return;
      if (isSeq(node)) for (const item of node.items) visit(item, depth + 1);
      if (!isMap(node)) return;
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : undefined;
        if (typeof key === 'string' && CONTAINER_TYPES.has(key) && isSeq(pair.value)) {
          for (const item of pair.value.items) {
            if (!isMap(item)) continue;
            const image = pairOf(item, 'image');
            const container = scalarString(pairOf(item, 'name')?.value as YamlNode);
            if (image) found(image, { ...where, ...(container && { container }), containerType: key });
          }
        }
        visit(pair.value, depth + 1);
      }
    };
    visit(root, 0);
  }
  return { images, ...(broken && { broken }) };
}
