// Re-analysing an open YAML document as it is edited: only the chunks an edit touches are
// analysed again, and an edit inside one image reference is applied without parsing at all.

import { LineIndex } from '../../util/lines.js';
import { classifyImage } from '../classify.js';
import type { AnalysisResult, AnalyzeOptions, ImageOccurrence, Range } from '../../types.js';
import { analyzeChunk, assemble, runRules, withLineFeeds, type ChunkResult } from './analyze.js';
import { parseChunk, splitDocuments, type DocumentChunk } from './parse.js';

// What an edited image reference may contain for the edit to be applied without parsing: the
// characters of references, so that the YAML structure around it cannot have changed.
const REFERENCE_CHARS = /^[A-Za-z0-9._/:@+-]+$/;

/**
 * The result of `chunk` after an edit that stays inside one Kubernetes image value on one line
 * (typing a tag, pinning a digest), or undefined when the edit may change anything else and
 * the chunk must be parsed again. `start`/`oldEnd` are offsets in the old chunk text.
 */
export function patchImageEdit(
  oldText: string,
  newText: string,
  chunk: ChunkResult,
  start: number,
  oldEnd: number,
  options: AnalyzeOptions,
): ChunkResult | undefined {
  if (!chunk.containers || chunk.errors.length > 0 || chunk.templated) return undefined;
  const delta = newText.length - oldText.length;
  const lines = new LineIndex(oldText);
  let span: { start: number; end: number; range: Range } | undefined;
  for (const image of chunk.images) {
    const s = lines.offsetAt(image.range.start);
    const e = lines.offsetAt(image.range.end);
    if (image.source !== 'kubernetes' || image.range.start.line !== image.range.end.line || s > start || oldEnd > e) continue;
    if (span && (span.start !== s || span.end !== e)) return undefined;
    span = { start: s, end: e, range: image.range };
  }
  if (!span) return undefined;
  // A value that starts its line may be a block scalar's (`image: |`), whose value is more than
  // the text on the line (a final line break): leave it to a full parse.
  if (/^[ \t]*$/.test(oldText.slice(oldText.lastIndexOf('\n', span.start - 1) + 1, span.start))) return undefined;
  const raw = newText.slice(span.start, span.end + delta);
  if (!REFERENCE_CHARS.test(raw) || !REFERENCE_CHARS.test(oldText.slice(span.start, span.end))) return undefined;
  // The value must still read as a string (not a number, say) and as itself.
  const [parsed] = parseChunk(`x: ${raw}\n`);
  if (!parsed || parsed.errors.length > 0 || (parsed.toJS() as { x?: unknown } | null)?.x !== raw) return undefined;
  const line = span.range.start.line;
  const after = span.range.end.character;
  // Anything else on the same line after the value would move: leave that to a full parse.
  const later = (range: Range | undefined) =>
    range !== undefined && range.start.line === line && range.start.character >= after && range !== span.range;
  if (chunk.images.some((i) => i.range !== span.range && later(i.range))) return undefined;
  if (chunk.containers.some((c) => later(c.range) || later(c.runAsUser?.range) || later(c.runAsNonRoot?.range))) return undefined;
  const range: Range = { start: span.range.start, end: { line, character: span.range.end.character + delta } };
  // The images and containers written at the span (several when an alias shares it). Containers
  // are matched by where their image is written: two items of a List may be the same workload.
  const atSpan = (r: Range | undefined) => r !== undefined && r.start.line === line && r.start.character === span.range.start.character;
  const images = chunk.images.map((image) => {
    if (image.range !== span.range && !atSpan(image.range)) return image;
    const { status: _s, resolved: _r, reference: _ref, pinned: _p, unresolvedVariables: _u, problem: _pr, ...rest } = image;
    const next: ImageOccurrence = { ...rest, raw, range, ...classifyImage(raw) };
    return next;
  });
  const containers = chunk.containers.map((c) => (atSpan(c.imageRange) ? { ...c, image: raw, imageRange: range } : c));
  const findings = runRules(newText, images, containers, options, chunk.services);
  return { ...chunk, images, findings, containers };
}

function lineEnd(text: string): number {
  const end = text.indexOf('\n');
  return end === -1 ? text.length : end;
}

/** A change to a text, as editors report it: a replaced span of the previous text. */
export interface TextChange {
  readonly rangeOffset: number;
  readonly rangeLength: number;
  readonly text: string;
}

/**
 * Folds the edits of several change events (each relative to the text after the one before)
 * into one span of the text as it was before the first: what `IncrementalYaml.update` needs
 * when an editor analyses after a pause rather than after every keystroke.
 */
export class PendingEdits {
  private start = Infinity;
  private oldEnd = -1;
  private delta = 0;

  add(changes: readonly TextChange[]): void {
    let start = Infinity;
    let end = -1;
    let delta = 0;
    for (const change of changes) {
      start = Math.min(start, change.rangeOffset);
      end = Math.max(end, change.rangeOffset + change.rangeLength);
      delta += change.text.length - change.rangeLength;
    }
    if (end < 0) return;
    if (this.oldEnd < 0) {
      this.start = start;
      this.oldEnd = end;
      this.delta = delta;
      return;
    }
    // Map the new span back: before the pending span nothing moved; after it, everything moved by delta.
    const pendingEndNow = this.oldEnd + this.delta;
    const toOld = (offset: number, inside: number) =>
      offset <= this.start ? offset : offset >= pendingEndNow ? offset - this.delta : inside;
    this.start = Math.min(this.start, toOld(start, this.start));
    this.oldEnd = Math.max(this.oldEnd, toOld(end, this.oldEnd));
    this.delta += delta;
  }

  /** The folded edit (its `text` is only as long as the net change), and a fresh start. */
  take(): TextChange[] | undefined {
    if (this.oldEnd < 0) return undefined;
    const change = {
      rangeOffset: this.start,
      rangeLength: this.oldEnd - this.start,
      text: ' '.repeat(Math.max(0, this.oldEnd - this.start + this.delta)),
    };
    this.start = Infinity;
    this.oldEnd = -1;
    this.delta = 0;
    return [change];
  }
}

interface Entry extends DocumentChunk {
  readonly result: ChunkResult;
}

/**
 * One open YAML document. `update` re-analyses only the chunks an edit touches; chunks
 * before it are reused as they are and chunks after it are moved.
 */
export class IncrementalYaml {
  private entries: Entry[] = [];
  private length = -1;

  constructor(private readonly options: AnalyzeOptions) {}

  /** Analyses `text`; `changes`, when given, are the edits from the previous `update`'s text. */
  update(written: string, changes?: readonly TextChange[]): AnalysisResult {
    const text = withLineFeeds(written);
    if (changes === undefined || changes.length === 0 || this.length < 0) return this.full(text);
    let start = Infinity;
    let oldEnd = -1;
    for (const change of changes) {
      start = Math.min(start, change.rangeOffset);
      oldEnd = Math.max(oldEnd, change.rangeOffset + change.rangeLength);
    }
    const delta = text.length - this.length;
    if (oldEnd > this.length || start < 0) return this.full(text);
    // Chunks touching the edited span (boundaries included: an edit at a chunk's first
    // character, or at the line break before it, may merge or split documents).
    let first = this.entries.findIndex((e) => e.offset + e.text.length >= start);
    if (first === -1) first = this.entries.length - 1;
    // An edit on a chunk's `---` line may unmake the marker: the chunk then joins the one before.
    const head = this.entries[first]!;
    if (first > 0 && start <= head.offset + lineEnd(head.text)) first--;
    let last = first;
    while (last + 1 < this.entries.length && this.entries[last + 1]!.offset <= oldEnd) last++;
    if (first === last) {
      const entry = this.entries[first]!;
      const newText = text.slice(entry.offset, entry.offset + entry.text.length + delta);
      const patched = patchImageEdit(entry.text, newText, entry.result, start - entry.offset, oldEnd - entry.offset, this.options);
      if (patched) {
        const after = this.entries.slice(first + 1).map((e) => ({ ...e, offset: e.offset + delta }));
        this.entries = [...this.entries.slice(0, first), { offset: entry.offset, text: newText, result: patched }, ...after];
        this.length = text.length;
        return assemble(this.entries.map((e) => e.result));
      }
    }
    const regionStart = this.entries[first]!.offset;
    const regionEnd = this.entries[last]!.offset + this.entries[last]!.text.length + delta;
    const region = text.slice(regionStart, regionEnd);
    const fresh: Entry[] = splitDocuments(region).map((chunk) => ({
      offset: regionStart + chunk.offset,
      text: chunk.text,
      result: analyzeChunk(chunk.text, this.options),
    }));
    const after = this.entries.slice(last + 1).map((e) => ({ ...e, offset: e.offset + delta }));
    this.entries = [...this.entries.slice(0, first), ...fresh, ...after];
    this.length = text.length;
    return assemble(this.entries.map((e) => e.result));
  }

  private full(text: string): AnalysisResult {
    this.entries = splitDocuments(text).map((chunk) => ({ ...chunk, result: analyzeChunk(chunk.text, this.options) }));
    this.length = text.length;
    return assemble(this.entries.map((e) => e.result));
  }
}
