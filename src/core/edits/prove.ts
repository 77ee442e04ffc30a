// Proving pin edits before they are offered: applied to the text they were computed on, the file
// must still parse as it did, and the place written must read back as the image pinned to its
// digest (a `digest:` key of the mapping that decides the image, a reference ending in
// `@sha256:…`, a Dockerfile image with that digest). An edit computed for another text, or one
// that would leave a file broken, is refused with the reason instead of written.

import { isMap, isPair, isScalar, visit, type Document, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { analyze } from '../analysis/analyze.js';
import { parseChunk, splitDocuments } from '../analysis/yaml/parse.js';
import { LineIndex } from '../util/lines.js';
import type { FileKind, ImageOccurrence, Position } from '../types.js';
import { applyEdits, type TextEdit } from './textEdits.js';

export interface PinChange {
  readonly image: ImageOccurrence;
  /** The file the edit is for (absolute): a chart's digest may belong in a parent chart's values.yaml. */
  readonly file: string;
  /** The version of `file` the edit was computed on, when the caller gave one. */
  readonly version?: number;
  readonly edit: TextEdit;
  /** The text the edit replaces (the ARG default's, for `FROM $BASE`). */
  readonly before: string;
  /** The digest written before, for a stale pin. */
  readonly previous?: string;
}

/** An image asked to be pinned that is not, and why (a sentence to show after "cannot pin here: "). */
export interface PinRefusal {
  readonly image: ImageOccurrence;
  readonly why: string;
}

export interface Proof {
  readonly proved: PinChange[];
  readonly refused: PinRefusal[];
}

/** The changes of one file that hold once applied together, and why the others do not. */
export function provePins(text: string, changes: readonly PinChange[], digestOf: (change: PinChange) => string): Proof {
  if (changes.length === 0) return { proved: [], refused: [] };
  const source = changes[0]!.image.source;
  const reanalysed = REANALYSED.get(source);
  const check = reanalysed && changes.every((c) => c.image.source === source) ? reanalysisCheck(text, reanalysed) : yamlCheck(text);
  const together = check(changes, digestOf);
  if (together.every((why) => why === undefined)) return { proved: [...changes], refused: [] };
  // One edit may break what the others would have kept: each is judged on its own.
  const proof: Proof = { proved: [], refused: [] };
  for (const change of changes) {
    const [why] = check([change], digestOf);
    if (why === undefined) proof.proved.push(change);
    else proof.refused.push({ image: change.image, why });
  }
  return proof;
}

/** For each change, undefined when it holds among `changes` applied together, else why not. */
type Check = (changes: readonly PinChange[], digestOf: (change: PinChange) => string) => (string | undefined)[];

/** Where offsets of the text are once the changes are applied, and where each change's new text starts. */
function shifts(lines: LineIndex, changes: readonly PinChange[]): { moved: (offset: number) => number; starts: number[] } {
  const spans = changes
    .map((c, index) => ({
      index,
      start: lines.offsetAt(c.edit.range.start),
      end: lines.offsetAt(c.edit.range.end),
      length: c.edit.newText.length,
    }))
    .sort((a, b) => a.start - b.start || b.index - a.index);
  const starts: number[] = [];
  // shifted[i]: how far the edits before span i move the text (spans do not overlap, so their ends are in order too).
  const shifted: number[] = [0];
  for (const [i, span] of spans.entries()) {
    starts[span.index] = span.start + shifted[i]!;
    shifted.push(shifted[i]! + span.length - (span.end - span.start));
  }
  // Text before an edit's start stays where it is relative to the edits before it: the spans that
  // end at or before `offset` and start before it (found by bisection: a Pin All of thousands of
  // images asks this once per image).
  const moved = (offset: number) => {
    let low = 0;
    let high = spans.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (spans[mid]!.end <= offset) low = mid + 1;
      else high = mid;
    }
    let count = low;
    while (count > 0 && spans[count - 1]!.start >= offset) count--;
    return offset + shifted[count]!;
  };
  return { moved, starts };
}

function outside(lines: LineIndex, change: PinChange): string | undefined {
  const { start, end } = change.edit.range;
  const fits = (p: typeof start) =>
    p.line < lines.lineCount && lines.offsetAt(p) === lines.offsetAt({ line: p.line, character: 0 }) + p.character;
  return fits(start) && fits(end) ? undefined : `the place to write is not in the file as it is now (line ${start.line + 1})`;
}

/** The text with every change applied, or why each change is not placed in it (both checks start so). */
function editedText(text: string, before: LineIndex, changes: readonly PinChange[]): string | (string | undefined)[] {
  const misplaced = changes.map((c) => outside(before, c));
  if (misplaced.some((why) => why !== undefined)) return misplaced;
  return applyEdits(
    text,
    changes.map((c) => c.edit),
  );
}

function yamlCheck(text: string): Check {
  const before = new LineIndex(text);
  // A document at a time: a large stream parses far faster so, and only the edited ones are read.
  const chunksBefore = splitDocuments(text);
  const errorsBefore = new Map<number, number>();
  const errorsOf = (index: number) => {
    let count = errorsBefore.get(index);
    if (count === undefined) {
      count = yamlErrors(parseChunk(chunksBefore[index]!.text)).length;
      errorsBefore.set(index, count);
    }
    return count;
  };
  return (changes, digestOf) => {
    const edited = editedText(text, before, changes);
    if (typeof edited !== 'string') return edited;
    const chunks = splitDocuments(edited);
    if (chunks.length !== chunksBefore.length) return changes.map(() => "the edit would move the file's document boundaries");
    const parsed = new Map<number, Document.Parsed[]>();
    for (const [index, chunk] of chunks.entries()) {
      if (chunk.text === chunksBefore[index]!.text) continue;
      const docs = parseChunk(chunk.text);
      const errors = yamlErrors(docs);
      if (errors.length > errorsOf(index)) return changes.map(() => `the edit would leave invalid YAML (${errors[0]})`);
      parsed.set(index, docs);
    }
    const { moved, starts } = shifts(before, changes);
    const lines = new LineIndex(edited);
    return changes.map((change, index) => {
      const start = starts[index]!;
      const at = chunks.findLastIndex((chunk) => chunk.offset <= start);
      const { offset } = chunks[at]!;
      const docs = parsed.get(at) ?? parseChunk(chunks[at]!.text);
      return readBack(docs, change, start - offset, digestOf(change), {
        offsetOf: (p) => moved(before.offsetAt(p)) - offset,
        lineOf: (o) => lines.positionAt(o + offset).line + 1,
      });
    });
  };
}

function yamlErrors(docs: readonly Document.Parsed[]): string[] {
  return docs.flatMap((doc) => doc.errors.map((e) => e.message.split('\n')[0]!));
}

/** Undefined when the edited YAML holds the pin where the change wrote it. */
function readBack(
  docs: readonly Document.Parsed[],
  change: PinChange,
  start: number,
  pinned: string,
  /** Where a position of the text analysed is in the edited document, and an edited document's offset's line (1-based) in the file. */
  at: { readonly offsetOf: (position: Position) => number; readonly lineOf: (offset: number) => number },
): string | undefined {
  const { newText } = change.edit;
  // kube-prometheus-stack's charts read the hex digits alone from `sha:`.
  const pin = change.image.helm?.pin;
  const field = pin?.kind === 'digest' ? (pin.field ?? 'digest') : 'digest';
  const digest = field === 'sha' ? pinned.replace(/^sha256:/, '') : pinned;
  const keyed = new RegExp(`^(\\r?\\n[ \\t]*|, )?${field}: `).test(newText);
  if (keyed || newText === digest) {
    // A `digest:` key: added (its value after the key) or its value replaced in place.
    const valueAt = keyed ? start + newText.length - digest.length : start;
    const found = scalarAt(docs, valueAt);
    // An added key's value starts where it was written; a replaced one may be inside quotes.
    if (!found || (keyed && found.scalar.range?.[0] !== valueAt)) return 'the digest written is not read as a value';
    if (!isScalar(found.pair?.key) || found.pair.key.value !== field) return `the digest written is not the value of a ${field}: key`;
    if (found.scalar.value !== digest) return `the digest written reads as ${String(found.scalar.value)}`;
    if (keyed) {
      // A sibling of the keys that decide the image: in the mapping the analysis saw.
      const mapping =
        change.image.kustomize?.entry?.range ?? (change.image.helm?.pin.kind === 'digest' ? change.image.helm.pin.mapping : undefined);
      const mapStart = mapping && at.offsetOf(mapping.start);
      const parent = found.map;
      const first = parent?.items[0]?.key as Node | undefined;
      if (mapStart !== undefined && parent?.range?.[0] !== mapStart && first?.range?.[0] !== mapStart)
        return `the digest is not written beside the image's keys (line ${at.lineOf(valueAt)})`;
    }
    return undefined;
  }
  const found = scalarAt(docs, start);
  if (!found) return 'the reference written is not read as a value';
  const value = found.scalar.value;
  if (typeof value !== 'string' || !value.endsWith(`@${digest}`)) return `the reference written reads as ${String(value)}`;
  return undefined;
}

/** A scalar of the edited YAML, with the pair and the mapping it is in. */
interface Found {
  readonly scalar: Scalar;
  readonly pair?: Pair;
  readonly map?: YAMLMap;
}

interface Placed extends Found {
  readonly from: number;
  readonly to: number;
}

/** The scalars of parsed documents in text order, made once per parse (a Pin All asks for one per image). */
const scalarIndexes = new WeakMap<readonly Document.Parsed[], Placed[]>();

function scalarsOf(docs: readonly Document.Parsed[]): Placed[] {
  let placed = scalarIndexes.get(docs);
  if (!placed) {
    const list: Placed[] = [];
    for (const doc of docs) {
      visit(doc, {
        Scalar(_, node, ancestors) {
          if (!node.range) return;
          const pair = ancestors.at(-1);
          const map = ancestors.at(-2);
          list.push({ from: node.range[0], to: node.range[1], scalar: node, ...(isPair(pair) && { pair }), ...(isMap(map) && { map }) });
        },
      });
    }
    placed = list.sort((a, b) => a.from - b.from);
    scalarIndexes.set(docs, placed);
  }
  return placed;
}

/** The scalar whose text holds `offset` (the first in text order). */
function scalarAt(docs: readonly Document.Parsed[], offset: number): Found | undefined {
  const scalars = scalarsOf(docs);
  // The first scalar that does not end before `offset`; scalars do not overlap, so it is the one if any is.
  let low = 0;
  let high = scalars.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (scalars[mid]!.to < offset) low = mid + 1;
    else high = mid;
  }
  const candidate = scalars[low];
  return candidate && candidate.from <= offset ? candidate : undefined;
}

/**
 * The files proved by analysing the edited text again as their kind (not YAML, or not only): the
 * edited place must still hold the image, now with the digest, and the file must parse as well as before.
 */
const REANALYSED: ReadonlyMap<ImageOccurrence['source'], { kind: FileKind; what: string }> = new Map([
  ['dockerfile', { kind: 'dockerfile', what: 'the Dockerfile would no longer have this FROM' }],
  ['devcontainer', { kind: 'devcontainer', what: 'the dev container would no longer have this image' }],
  ['quadlet', { kind: 'quadlet', what: 'the unit would no longer have this Image=' }],
  ['bake', { kind: 'bake', what: 'the Bake file would no longer have this context' }],
]);

function reanalysisCheck(text: string, { kind, what }: { kind: FileKind; what: string }): Check {
  const before = new LineIndex(text);
  const errorsBefore = kind === 'dockerfile' ? 0 : analyze(text, kind).errors.length;
  return (changes, digestOf) => {
    const edited = editedText(text, before, changes);
    if (typeof edited !== 'string') return edited;
    const result = analyze(edited, kind);
    if (result.errors.length > errorsBefore)
      return changes.map(() => `the edit would leave the file unreadable (${result.errors[0]!.message})`);
    const images = result.images;
    // Edits that add lines, by line, with the running total: a bisection per change, not a pass over all.
    const adding = changes
      .map((c) => ({
        line: c.edit.range.start.line,
        added: c.edit.newText.split('\n').length - 1 - (c.edit.range.end.line - c.edit.range.start.line),
      }))
      .filter((c) => c.added !== 0)
      .sort((x, y) => x.line - y.line);
    const totals: number[] = [];
    for (const c of adding) totals.push((totals.at(-1) ?? 0) + c.added);
    const linesAddedUpTo = (line: number): number => {
      let low = 0;
      let high = adding.length;
      while (low < high) {
        const mid = (low + high) >> 1;
        if (adding[mid]!.line <= line) low = mid + 1;
        else high = mid;
      }
      return low === 0 ? 0 : totals[low - 1]!;
    };
    return changes.map((change) => {
      const digest = digestOf(change);
      // Lines the edits up to this one add (the digest style writes the tag on a line above the FROM).
      const line = change.image.range.start.line + linesAddedUpTo(change.image.range.start.line);
      const image = images.find((i) => i.range.start.line === line && i.range.start.character === change.image.range.start.character);
      if (!image) return what;
      const written = image.reference?.digest === digest || image.raw.endsWith(`@${digest}`);
      if (written) return undefined;
      return kind === 'dockerfile'
        ? `the FROM would read ${image.resolved ?? image.raw}, not the digest`
        : `the image would read ${image.resolved ?? image.raw}, not the digest`;
    });
  };
}
