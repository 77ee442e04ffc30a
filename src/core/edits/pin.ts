// Pinning images to digests, as edits: `name:tag` becomes `name:tag@sha256:…`, keeping the tag
// for people; a `FROM $BASE` is pinned where the ARG's default is written; a kustomization's
// `images:` entry gets a `digest:`; a chart's values get a `digest:` where the chart reads one (a
// parent chart's values.yaml when it overrides the subchart's), or the digest after the tag where
// that tag feeds one image. Every edit names its file and is proved before it is offered.

import * as path from 'node:path';
import { provePins, type PinChange, type PinRefusal } from './prove.js';
import { parseReference } from '../analysis/reference.js';
import type { ImageOccurrence, Range } from '../types.js';

// Declared where they are proved (prove.ts), which must not import this module.
export type { PinChange, PinRefusal };

/** What to ask the registry for an image: its reference with the tag (the digest, if any, dropped). */
export function tagReference(image: ImageOccurrence): string | undefined {
  if (image.status !== 'image' || image.compose?.built) return undefined;
  const at = image.resolved.indexOf('@');
  const withoutDigest = at === -1 ? image.resolved : image.resolved.slice(0, at);
  // A digest without a tag has nothing to compare with: it is pinned and stays as it is.
  if (image.reference.digest && image.reference.tag === undefined) return undefined;
  return image.reference.tag === undefined ? `${withoutDigest}:latest` : withoutDigest;
}

/** The text a reference becomes once pinned (or re-pinned) to `digest`. */
export function pinnedText(text: string, digest: string): string {
  const at = text.indexOf('@');
  if (at !== -1) return `${text.slice(0, at)}@${digest}`;
  // No tag written: say which one was resolved (`latest`), for people reading it later.
  if (!text.includes('$')) {
    const parsed = parseReference(text);
    if (parsed.ok && parsed.reference.tag === undefined) return `${text}:latest@${digest}`;
  }
  return `${text}@${digest}`;
}

/**
 * How a pin is written: `tag-and-digest` (`name:tag@sha256:…`, the default) or `digest` (the
 * digest alone, `name@sha256:…`, the tag kept in a comment: for tools that reject a tag and a
 * digest together). Only a reference written whole takes the `digest` style; `digest:` keys and
 * chart tags are written as before.
 */
export type PinStyle = 'tag-and-digest' | 'digest';
export const PIN_STYLES: readonly PinStyle[] = ['tag-and-digest', 'digest'];

/** A file as a pin is computed on: its text, and its version when an editor has one. */
export interface PinDocument {
  /** Absolute path. */
  readonly file: string;
  readonly text: string;
  /** The editor's document version the text is of: an edit applies to that version only. */
  readonly version?: number;
}

export interface PinEdits {
  readonly changes: PinChange[];
  readonly refused: PinRefusal[];
}

/**
 * The file an image's pin is written into: the kustomization of its `images:` entry, the
 * values.yaml a chart reads its digest or tag from (a parent's, when it overrides), else the file
 * the image is placed in.
 */
export function pinTarget(image: ImageOccurrence, placedIn: string): string {
  const entry = image.kustomize?.by === 'images-entry' ? image.kustomize.entry : undefined;
  if (entry) return path.resolve(entry.file);
  const chart = image.helm?.pin;
  if (chart && chart.kind !== 'none') return path.resolve(chart.file);
  return path.resolve(placedIn);
}

/** An edit and what it replaces, before it is given its file. */
type Draft = Omit<PinChange, 'file' | 'version'>;

/**
 * The edit pinning one image to `digest` in the text `textAt` reads (the file `pinTarget` names),
 * or undefined when nothing changes (already pinned to that digest), or why it cannot be pinned.
 */
function pinDraft(
  image: ImageOccurrence,
  digest: string,
  textAt: (range: Range) => string,
  style: PinStyle = 'tag-and-digest',
): Draft | string | undefined {
  const entry = image.kustomize?.by === 'images-entry' ? image.kustomize.entry : undefined;
  if (entry) return keyedPin(image, digest, entry.range, entry.digest?.range, textAt);
  const chart = image.helm?.pin;
  // kube-prometheus-stack reads the hex alone from `sha` and writes `@sha256:` itself.
  if (chart?.kind === 'digest' && chart.field === 'sha')
    return keyedPin(image, digest.replace(/^sha256:/, ''), chart.mapping, chart.existing, textAt, 'sha');
  if (chart?.kind === 'digest') return keyedPin(image, digest, chart.mapping, chart.existing, textAt);
  if (chart?.kind === 'none') return chart.why;
  if (chart?.kind === 'tag') {
    const current = textAt(chart.range);
    const at = current.indexOf('@');
    const previous = at === -1 ? undefined : current.slice(at + 1);
    if (previous === digest) return undefined;
    const edit = { range: chart.range, newText: `${at === -1 ? current : current.slice(0, at)}@${digest}` };
    return { image, before: current, edit, ...(previous !== undefined && { previous }) };
  }
  const target = image.dockerfile?.argDefault?.range ?? image.range;
  const current = textAt(target);
  const at = current.indexOf('@');
  const previous = at === -1 ? undefined : current.slice(at + 1);
  if (previous === digest) return undefined;
  if (style === 'digest' && !image.dockerfile?.argDefault && !current.includes('$')) {
    const digestOnly = digestOnlyDraft(image, digest, current, textAt);
    if (digestOnly) return { ...digestOnly, ...(previous !== undefined && { previous }) };
  }
  return {
    image,
    before: current,
    edit: { range: target, newText: pinnedText(current, digest) },
    ...(previous !== undefined && { previous }),
  };
}

/**
 * `name@sha256:…` with the tag in a comment. YAML: a trailing comment at the end of the line
 * (` # name:tag`). Dockerfile: a comment line above the `FROM` (`#` elsewhere on an instruction's
 * line is not a comment there); `--platform` and `AS` stay as written. One edit either way.
 */
function digestOnlyDraft(image: ImageOccurrence, digest: string, current: string, textAt: (range: Range) => string): Draft | undefined {
  const tagged = current.indexOf('@') === -1 ? current : current.slice(0, current.indexOf('@'));
  const parsed = parseReference(tagged);
  if (!parsed.ok) return undefined;
  const withTag = parsed.reference.tag === undefined ? `${tagged}:latest` : tagged;
  const name = parsed.reference.tag === undefined ? tagged : tagged.slice(0, tagged.length - parsed.reference.tag.length - 1);
  const pinned = `${name}@${digest}`;
  const { start, end } = image.range;
  if (image.source === 'dockerfile') {
    const lineStart = { line: start.line, character: 0 };
    const before = textAt({ start: lineStart, end });
    const indent = /^[ \t]*/.exec(before)![0];
    const eol = textAt({ start: { line: start.line, character: 0 }, end: { line: start.line + 1, character: 0 } }).endsWith('\r\n')
      ? '\r\n'
      : '\n';
    return {
      image,
      before,
      edit: { range: { start: lineStart, end }, newText: `${indent}# ${withTag}${eol}${before.slice(0, start.character)}${pinned}` },
    };
  }
  if (image.source !== 'kubernetes' && image.source !== 'compose') return undefined;
  // The rest of the line after the reference (a closing quote, `}`), then the comment.
  const line = textAt({ start: { line: end.line, character: 0 }, end: { line: end.line + 1, character: 0 } }).replace(/\r?\n$/, '');
  const rest = line.slice(end.character);
  return {
    image,
    before: `${current}${rest}`,
    edit: { range: { start, end: { line: end.line, character: line.length } }, newText: `${pinned}${rest} # ${withTag}` },
  };
}

/**
 * `digest: <digest>` in a YAML mapping: the value replaced when the key is there, else a new key
 * at the mapping's indentation after its last line (or before the `}` of a flow mapping).
 */
function keyedPin(
  image: ImageOccurrence,
  digest: string,
  mapping: Range,
  existing: Range | undefined,
  textAt: (range: Range) => string,
  key = 'digest',
): Draft | undefined {
  if (existing) {
    const current = textAt(existing);
    if (current === digest) return undefined;
    return { image, before: current, previous: current, edit: { range: existing, newText: digest } };
  }
  const text = textAt(mapping);
  const trimmed = text.replace(/\s+$/, '');
  if (trimmed.startsWith('{') && trimmed.endsWith('}')) {
    const inside = trimmed.slice(0, -1).replace(/[\s,]+$/, '');
    const at = positionAfter(mapping.start, inside);
    // `{}`: the first key, with no comma before it.
    const newText = inside === '{' ? `${key}: ${digest}` : `, ${key}: ${digest}`;
    return { image, before: '', edit: { range: { start: at, end: at }, newText } };
  }
  // The mapping's keys start where it does (its first key); later keys line up with it.
  const indent = ' '.repeat(mapping.start.character);
  // A `digest:` the reader saw no value in (`~`, empty): its value is replaced, not a second key added.
  const written = new RegExp(`(^|\\n)${indent}${key}:[ \\t]*([^\\s#]*)`).exec(text);
  if (written) {
    const valueStart = written.index + written[0].length - written[2]!.length;
    const start = positionAfter(mapping.start, text.slice(0, valueStart));
    const end = positionAfter(mapping.start, text.slice(0, valueStart + written[2]!.length));
    return { image, before: written[2]!, edit: { range: { start, end }, newText: digest } };
  }
  const end = positionAfter(mapping.start, trimmed);
  return {
    image,
    before: '',
    edit: { range: { start: end, end }, newText: `${text.includes('\r\n') ? '\r\n' : '\n'}${indent}${key}: ${digest}` },
  };
}

/** The position after `text` written from `start`. */
function positionAfter(start: Range['start'], text: string): Range['start'] {
  const lines = text.split('\n');
  return lines.length === 1
    ? { line: start.line, character: start.character + text.length }
    : { line: start.line + lines.length - 1, character: lines.at(-1)!.length };
}

/**
 * The pins of images placed in `placedIn` whose digest is written into `document`, one edit per
 * place however many images share it. Each edit carries its file and the document's version, and
 * is proved on the text (it still parses, and reads back as the image pinned to its digest); an
 * image whose pin belongs in another file, or that cannot be pinned or proved, is refused with why.
 */
export function pinEdits(
  images: readonly ImageOccurrence[],
  digestOf: (image: ImageOccurrence) => string | undefined,
  document: PinDocument,
  placedIn: string = document.file,
  style: PinStyle = 'tag-and-digest',
): PinEdits {
  const file = path.resolve(document.file);
  const textAt = rangeReader(document.text);
  const seen = new Set<string>();
  const changes: PinChange[] = [];
  const refused: PinRefusal[] = [];
  for (const image of images) {
    const digest = digestOf(image);
    if (!digest) continue;
    const target = pinTarget(image, placedIn);
    if (target !== file) {
      refused.push({ image, why: `its digest is written in ${target}, not ${file}` });
      continue;
    }
    const draft = pinDraft(image, digest, textAt, style);
    if (draft === undefined) continue;
    if (typeof draft === 'string') {
      refused.push({ image, why: draft });
      continue;
    }
    const { start, end } = draft.edit.range;
    const key = `${start.line}:${start.character}-${end.line}:${end.character}`;
    if (seen.has(key)) continue;
    seen.add(key);
    changes.push({ ...draft, file, ...(document.version !== undefined && { version: document.version }) });
  }
  const proof = provePins(document.text, changes, (change) => digestOf(change.image)!);
  return { changes: proof.proved, refused: [...refused, ...proof.refused] };
}

/** Reads ranges of a text (for `pinEdit`). */
export function rangeReader(text: string): (range: Range) => string {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const offset = (p: Range['start']) => (starts[p.line] ?? text.length) + p.character;
  return (range) => text.slice(offset(range.start), offset(range.end));
}
