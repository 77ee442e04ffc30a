// Pinning images to digests, as edits: `name:tag` becomes `name:tag@sha256:…`, keeping the tag
// for people; a `FROM $BASE` is pinned where the ARG's default is written.

import type { TextEdit } from './textEdits.js';
import { parseReference } from '../analysis/reference.js';
import type { ImageOccurrence, Range } from '../types.js';

/** What to ask the registry for an image: its reference with the tag (the digest, if any, dropped). */
export function tagReference(image: ImageOccurrence): string | undefined {
  if (image.status !== 'image' || image.compose?.built || !image.reference || image.resolved === undefined) return undefined;
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

export interface PinChange {
  readonly image: ImageOccurrence;
  readonly edit: TextEdit;
  /** The text the edit replaces (the ARG default's, for `FROM $BASE`). */
  readonly before: string;
  /** The digest written before, for a stale pin. */
  readonly previous?: string;
}

/**
 * The edit pinning one image to `digest` in `text`, or undefined when nothing changes (already
 * pinned to that digest). `textAt` reads the text of a range of the same file.
 */
export function pinEdit(image: ImageOccurrence, digest: string, textAt: (range: Range) => string): PinChange | undefined {
  const target = image.dockerfile?.argDefault?.range ?? image.range;
  const current = textAt(target);
  const at = current.indexOf('@');
  const previous = at === -1 ? undefined : current.slice(at + 1);
  if (previous === digest) return undefined;
  return {
    image,
    before: current,
    edit: { range: target, newText: pinnedText(current, digest) },
    ...(previous !== undefined && { previous }),
  };
}

/** Edits for several images of one file: one per place, however many images share it. */
export function pinEdits(
  images: readonly ImageOccurrence[],
  digestOf: (image: ImageOccurrence) => string | undefined,
  textAt: (range: Range) => string,
): PinChange[] {
  const seen = new Set<string>();
  const changes: PinChange[] = [];
  for (const image of images) {
    const digest = digestOf(image);
    if (!digest) continue;
    const change = pinEdit(image, digest, textAt);
    if (!change) continue;
    const { start, end } = change.edit.range;
    const key = `${start.line}:${start.character}-${end.line}:${end.character}`;
    if (seen.has(key)) continue;
    seen.add(key);
    changes.push(change);
  }
  return changes;
}

/** Reads ranges of a text (for `pinEdit`). */
export function rangeReader(text: string): (range: Range) => string {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const offset = (p: Range['start']) => (starts[p.line] ?? text.length) + p.character;
  return (range) => text.slice(offset(range.start), offset(range.end));
}
