// Reading what kustomizations refer to, through `ProjectFiles`, each file read and parsed once:
// manifests as multi-document YAML, inline patches with offsets that point back into the
// kustomization, and a bound on how many files one analysis may read.

import * as path from 'node:path';
import { isScalar } from 'yaml';
import { parseChunk, splitDocuments } from '../../analysis/yaml/parse.js';
import { LineIndex } from '../../util/lines.js';
import type { Range } from '../../types.js';
import type { FolderEntry, ProjectFiles } from '../files.js';
import { IDENTITY, toTree, TreeTooLarge, type KNode, type KScalar, type OffsetMap, type Resolution, type Span } from './tree.js';

/** Reading more files than this stops the analysis of a project: said, not silently partial. */
export const MAX_FILES = 5000;

/** Nodes one file may expand to (aliases), so that a hostile file costs a bounded time. */
const MAX_NODES_PER_FILE = 1_000_000;

export const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** One YAML document of a file, as a tree (undefined when the document is empty). */
export interface ParsedDocument {
  readonly node?: KNode;
  /** Where the document starts (for errors). */
  readonly offset: number;
}

export interface ParsedFile {
  readonly documents: readonly ParsedDocument[];
  readonly errors: readonly { readonly span: Span; readonly message: string }[];
}

export class TooManyFiles extends Error {
  constructor() {
    super(`more than ${MAX_FILES} files are read for the kustomizations of this project: stopped`);
  }
}

export class Sources {
  private readonly texts = new Map<string, Promise<string | undefined>>();
  private readonly folders = new Map<string, Promise<readonly FolderEntry[] | undefined>>();
  private readonly parsed = new Map<string, Promise<ParsedFile | undefined>>();
  private readonly lineIndices = new Map<string, LineIndex>();
  private readonly known = new Map<string, string>();

  /** `fs` is also what the Helm engine reads the charts of `helmCharts:` through. */
  constructor(readonly fs: ProjectFiles) {}

  /** The text of a file, or undefined when it is none. */
  read(file: string): Promise<string | undefined> {
    const key = path.resolve(file);
    let text = this.texts.get(key);
    if (!text) {
      this.count();
      text = this.fs.read(key).then((t) => {
        if (t !== undefined) this.known.set(key, t);
        return t;
      });
      this.texts.set(key, text);
    }
    return text;
  }

  /** What a folder holds, or undefined when it is none. */
  list(folder: string): Promise<readonly FolderEntry[] | undefined> {
    const key = path.resolve(folder);
    let entries = this.folders.get(key);
    if (!entries) {
      this.count();
      entries = this.fs.list(key);
      this.folders.set(key, entries);
    }
    return entries;
  }

  private count(): void {
    if (this.texts.size + this.folders.size >= MAX_FILES) throw new TooManyFiles();
  }

  /** A file's documents, parsed once (callers copy the trees before changing them). */
  documents(file: string, by: 'manifest' | 'patch', resolution: Resolution): Promise<ParsedFile | undefined> {
    const absolute = path.resolve(file);
    const key = `${by}:${resolution}:${absolute}`;
    let parsed = this.parsed.get(key);
    if (!parsed) {
      parsed = this.read(absolute).then((text) =>
        text === undefined ? undefined : parseText(text, { file: absolute, by, resolution, map: IDENTITY }),
      );
      this.parsed.set(key, parsed);
    }
    return parsed;
  }

  /** The kustomization file in a folder: its path, or why there is none. */
  async kustomizationIn(folder: string): Promise<{ file: string } | { missing: string } | undefined> {
    const entries = await this.list(folder);
    if (!entries) return undefined;
    const names = KUSTOMIZATION_NAMES.filter((name) => entries.some((e) => e.name === name && !e.folder));
    if (names.length === 0) return { missing: `no kustomization.yaml, kustomization.yml or Kustomization in ${folder}` };
    if (names.length > 1)
      return { missing: `more than one kustomization file in ${folder} (${names.join(', ')}): kustomize refuses the folder` };
    return { file: path.join(folder, names[0]!) };
  }

  /** The range of a span, in its file's lines. */
  range(span: Pick<Span, 'file' | 'start' | 'end'>): Range {
    let lines = this.lineIndices.get(span.file);
    if (!lines) {
      lines = new LineIndex(this.known.get(span.file) ?? '');
      this.lineIndices.set(span.file, lines);
    }
    return lines.rangeAt(span.start, span.end);
  }
}

interface ParseContext {
  readonly file: string;
  readonly by: 'manifest' | 'patch';
  readonly resolution: Resolution;
  readonly map: OffsetMap;
}

/** Parses a (multi-document) YAML text into trees, saying what does not parse. */
export function parseText(text: string, ctx: ParseContext): ParsedFile {
  const documents: ParsedDocument[] = [];
  const errors: { span: Span; message: string }[] = [];
  const budget = { nodes: MAX_NODES_PER_FILE };
  for (const chunk of splitDocuments(text)) {
    for (const doc of parseChunk(chunk.text)) {
      const offset = chunk.offset + (doc.range?.[0] ?? 0);
      if (doc.errors.length > 0) {
        for (const error of doc.errors) {
          const [start, end] = ctx.map(chunk.offset + error.pos[0], chunk.offset + error.pos[1]);
          errors.push({ span: { file: ctx.file, start, end, raw: '' }, message: `YAML does not parse: ${error.message}` });
        }
        continue;
      }
      if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
        documents.push({ offset });
        continue;
      }
      try {
        const node = toTree(doc.contents, {
          doc,
          text: chunk.text,
          offset: chunk.offset,
          map: ctx.map,
          file: ctx.file,
          by: ctx.by,
          resolution: ctx.resolution,
          budget,
        });
        documents.push({ node, offset });
      } catch (error) {
        if (!(error instanceof TreeTooLarge)) throw error;
        const [start, end] = ctx.map(offset, offset);
        errors.push({ span: { file: ctx.file, start, end, raw: '' }, message: error.message });
      }
    }
  }
  return { documents, errors };
}

/**
 * Parses an inline patch (the value of a `patch:` scalar in a kustomization) so that its
 * scalars point into the kustomization: exactly for literal block scalars (`|`, `|-`), the
 * way inline patches are written; at the whole value for other styles.
 */
export function parseInline(scalar: KScalar, fileText: string): ParsedFile {
  const at = scalar.at!;
  return parseText(scalar.text, { file: at.file, by: 'patch', resolution: 'yaml1.2', map: inlineMap(scalar.text, fileText, at) });
}

function inlineMap(value: string, fileText: string, at: Span): OffsetMap {
  const whole: OffsetMap = () => [at.start, at.end];
  const written = fileText.slice(at.start, at.end);
  if (written === value) return (start, end) => [at.start + start, at.start + end];
  // A block scalar: its span starts at its first line of text; each line of the value is that
  // line of the file without the block's indentation (else the value is folded: whole).
  let fileOffset = fileText.lastIndexOf('\n', at.start - 1) + 1;
  if (value.startsWith('\n') || fileText.slice(fileOffset, at.start).trim() !== '') return whole;
  const valueLines = value.split('\n');
  const valueStarts: number[] = [];
  const fileStarts: number[] = [];
  let valueOffset = 0;
  for (const line of valueLines) {
    const next = fileText.indexOf('\n', fileOffset);
    const sourceLine = fileText.slice(fileOffset, next < 0 ? fileText.length : next).replace(/\r$/, '');
    const indent = sourceLine.length - line.length;
    if (line !== '' && (indent < 0 || !sourceLine.endsWith(line) || sourceLine.slice(0, indent).trim() !== '')) return whole;
    valueStarts.push(valueOffset);
    fileStarts.push(line === '' ? fileOffset : fileOffset + indent);
    valueOffset += line.length + 1;
    if (next < 0) break;
    fileOffset = next + 1;
  }
  if (valueStarts.length < valueLines.length && valueLines.slice(valueStarts.length).some((l) => l !== '')) return whole;
  const toFile = (offset: number): number => {
    let low = 0;
    let high = valueStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (valueStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return fileStarts[low]! + (offset - valueStarts[low]!);
  };
  return (start, end) => [toFile(start), toFile(end)];
}
