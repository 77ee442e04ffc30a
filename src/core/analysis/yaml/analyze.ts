// YAML files are analysed one document chunk at a time; each chunk's result is positioned
// relative to the chunk, so that an edit re-analyses only the chunk it touches.

import { extractCompose, isComposeFile } from '../compose.js';
import { classifyImage } from '../classify.js';
import { extractKubernetes, isKubernetesObject, KINDS_WITHOUT_IMAGES, type ContainerFact } from '../kubernetes.js';
import { LineIndex } from '../../util/lines.js';
import { imageFindings } from '../../rules/images.js';
import { kubernetesRootFindings } from '../../rules/rootUser.js';
import { findSuppressions, isSuppressed } from '../suppress.js';
import type { AnalysisError, AnalysisResult, AnalyzeOptions, Finding, ImageOccurrence, Range, SourceKind } from '../../types.js';
import { parseChunk, splitDocuments, type DocumentChunk } from './parse.js';

/** What one chunk holds, with lines counted from the chunk's first line. */
export interface ChunkResult {
  /** Line breaks in the chunk: where the next chunk starts, relative to this one. */
  readonly lineBreaks: number;
  /** YAML documents in the chunk (for document indices). */
  readonly documents: number;
  readonly sources: readonly SourceKind[];
  readonly templated: boolean;
  readonly images: readonly ImageOccurrence[];
  readonly findings: readonly Finding[];
  readonly errors: readonly AnalysisError[];
  /** The Kubernetes containers the rules ran on, kept so that an edit inside an image can be applied without parsing. */
  readonly containers?: readonly ContainerFact[];
}

// Template control lines (`{{- if … }}`) and unquoted template values (`image: {{ … }}`).
const TEMPLATE_LINE = /^[ \t]*(?:-[ \t]+)?\{\{|:[ \t]+\{\{/;
const BLOCK_SCALAR_START = /(?:^|[:\-])[ \t]*[|>][-+0-9]*[ \t]*(?:#.*)?$/;

/**
 * True when the text is a template rather than YAML: a line that starts with `{{` or a value
 * that is an unquoted `{{`, outside comments and block scalars (whose text may well hold
 * template syntax for some other program, as Argo CD's notification templates do).
 */
export function looksLikeTemplate(text: string): boolean {
  if (!text.includes('{{')) return false;
  let blockIndent = -1;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const indent = /^[ \t]*/.exec(line)![0].length;
    if (blockIndent >= 0) {
      if (line.trim() === '' || indent > blockIndent) continue;
      blockIndent = -1;
    }
    if (line.slice(indent).startsWith('#')) continue;
    if (TEMPLATE_LINE.test(line.replace(/[ \t]#.*$/, ''))) return true;
    if (BLOCK_SCALAR_START.test(line)) blockIndent = indent;
  }
  return false;
}
const KIND_LINE = /^kind[ \t]*:[ \t]*["']?([A-Za-z][A-Za-z0-9]*)/m;
export const TEMPLATE_NOTE = 'this file is a template (Helm or similar `{{ … }}` syntax): skipped';

function countLineBreaks(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

export function analyzeChunk(text: string, options: AnalyzeOptions): ChunkResult {
  const lineBreaks = countLineBreaks(text);
  const empty = { lineBreaks, images: [], findings: [], errors: [] };
  if (looksLikeTemplate(text)) return { ...empty, documents: 0, sources: [], templated: true };
  // A document that cannot hold an image is not parsed: most of a large install bundle is CRDs.
  const kind = KIND_LINE.exec(text)?.[1];
  if (!text.includes('image') || (kind !== undefined && KINDS_WITHOUT_IMAGES.has(kind))) {
    // A line that is neither blank, a comment nor a `---` marker: the chunk holds a document.
    const hasContent = /^(?!---(?:[ \t]|\r?$))[ \t]*[^\s#]/m.test(text);
    return { ...empty, documents: hasContent ? 1 : 0, sources: kind !== undefined ? ['kubernetes'] : [], templated: false };
  }
  const lines = new LineIndex(text);
  const sources = new Set<SourceKind>();
  const images: ImageOccurrence[] = [];
  const containers: ContainerFact[] = [];
  const errors: AnalysisError[] = [];
  let documents = 0;
  for (const doc of parseChunk(text)) {
    if (doc.contents === null && doc.errors.length === 0) continue; // comments only
    const index = documents++;
    if (doc.errors.length > 0) {
      // The parser notices some errors (an unclosed bracket or quote) only at the end of the
      // text; keep them inside this document rather than on the next one's `---`.
      const lastContent = Math.max(0, text.trimEnd().length - 1);
      for (const error of doc.errors) {
        const at = Math.min(error.pos?.[0] ?? 0, lastContent);
        errors.push({ message: `YAML syntax error: ${firstLine(error.message)}`, range: lines.rangeAt(at, at) });
      }
      continue;
    }
    const root = doc.contents;
    if (root === null) continue;
    if (isKubernetesObject(root, doc)) {
      sources.add('kubernetes');
      const facts = extractKubernetes(root, doc, text, lines, index);
      images.push(...facts.images);
      containers.push(...facts.containers);
    } else if (isComposeFile(root, doc)) {
      sources.add('compose');
      images.push(...extractCompose(root, doc, text, lines, options.composeEnv ?? {}));
    }
  }
  const findings = runRules(text, images, containers, options);
  return { lineBreaks, documents, sources: [...sources], templated: false, images, findings, errors, containers };
}

function runRules(text: string, images: readonly ImageOccurrence[], containers: readonly ContainerFact[], options: AnalyzeOptions): Finding[] {
  const suppressions = findSuppressions(text, true);
  return dedupe([...imageFindings(images, options), ...kubernetesRootFindings(containers, options)])
    .filter((finding) => !isSuppressed(finding, suppressions));
}

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
  const raw = newText.slice(span.start, span.end + delta);
  if (!REFERENCE_CHARS.test(raw) || !REFERENCE_CHARS.test(oldText.slice(span.start, span.end))) return undefined;
  // The value must still read as a string (not a number, say) and as itself.
  const [parsed] = parseChunk(`x: ${raw}\n`);
  if (!parsed || parsed.errors.length > 0 || (parsed.toJS() as { x?: unknown } | null)?.x !== raw) return undefined;
  const line = span.range.start.line;
  const after = span.range.end.character;
  // Anything else on the same line after the value would move: leave that to a full parse.
  const later = (range: Range | undefined) => range !== undefined && range.start.line === line && range.start.character >= after && range !== span!.range;
  if (chunk.images.some((i) => i.range !== span!.range && later(i.range))) return undefined;
  if (chunk.containers.some((c) => later(c.range) || later(c.runAsUser?.range) || later(c.runAsNonRoot?.range))) return undefined;
  const range: Range = { start: span.range.start, end: { line, character: span.range.end.character + delta } };
  // The images and containers written at the span (several when an alias shares it). Containers
  // are matched by where their image is written: two items of a List may be the same workload.
  const atSpan = (r: Range | undefined) => r !== undefined && r.start.line === line && r.start.character === span!.range.start.character;
  const images = chunk.images.map((image) => {
    if (image.range !== span!.range && !atSpan(image.range)) return image;
    const { status: _s, resolved: _r, reference: _ref, pinned: _p, unresolvedVariables: _u, problem: _pr, ...rest } = image;
    const next: ImageOccurrence = { ...rest, raw, range, ...classifyImage(raw) };
    return next;
  });
  const containers = chunk.containers.map((c) => (atSpan(c.imageRange) ? { ...c, image: raw, imageRange: range } : c));
  const findings = runRules(newText, images, containers, options);
  return { ...chunk, images, findings, containers };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

/** An anchor used by several containers yields one finding per place, not one per use. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.rule}|${f.range.start.line}:${f.range.start.character}|${f.range.end.line}:${f.range.end.character}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function shift(range: Range, lines: number): Range {
  if (lines === 0) return range;
  return {
    start: { line: range.start.line + lines, character: range.start.character },
    end: { line: range.end.line + lines, character: range.end.character },
  };
}

/** Puts chunk results together into one file's result, in file coordinates. */
export function assemble(chunks: readonly ChunkResult[]): AnalysisResult {
  if (chunks.some((chunk) => chunk.templated)) {
    return { sources: [], images: [], findings: [], errors: [], notes: [TEMPLATE_NOTE] };
  }
  const sources = new Set<SourceKind>();
  const images: ImageOccurrence[] = [];
  const findings: Finding[] = [];
  const errors: AnalysisError[] = [];
  let line = 0;
  let documentBase = 0;
  for (const chunk of chunks) {
    for (const source of chunk.sources) sources.add(source);
    for (const image of chunk.images) {
      const moved = { ...image, range: shift(image.range, line) };
      images.push(image.kubernetes ? { ...moved, kubernetes: { ...image.kubernetes, document: image.kubernetes.document + documentBase } } : moved);
    }
    for (const finding of chunk.findings) findings.push(line === 0 ? finding : { ...finding, range: shift(finding.range, line) });
    for (const error of chunk.errors) {
      const document = documentBase + 1;
      errors.push({
        message: error.message.replace('YAML syntax error:', `YAML syntax error in document ${document}:`),
        ...(error.range && { range: shift(error.range, line) }),
      });
    }
    line += chunk.lineBreaks;
    documentBase += chunk.documents;
  }
  const notes = images
    .filter((image) => image.status === 'template')
    .map((image) => `line ${image.range.start.line + 1}: \`${image.raw}\` is a template value: not checked`);
  return { sources: [...sources], images, findings, errors, notes };
}

export function analyzeYaml(text: string, options: AnalyzeOptions): AnalysisResult {
  return assemble(splitDocuments(text).map((chunk) => analyzeChunk(chunk.text, options)));
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
    const toOld = (offset: number, inside: number) => (offset <= this.start ? offset : offset >= pendingEndNow ? offset - this.delta : inside);
    this.start = Math.min(this.start, toOld(start, this.start));
    this.oldEnd = Math.max(this.oldEnd, toOld(end, this.oldEnd));
    this.delta += delta;
  }

  /** The folded edit (its `text` is only as long as the net change), and a fresh start. */
  take(): TextChange[] | undefined {
    if (this.oldEnd < 0) return undefined;
    const change = { rangeOffset: this.start, rangeLength: this.oldEnd - this.start, text: ' '.repeat(Math.max(0, this.oldEnd - this.start + this.delta)) };
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
  update(text: string, changes?: readonly TextChange[]): AnalysisResult {
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
