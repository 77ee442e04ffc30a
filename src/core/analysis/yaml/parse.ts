// Reading YAML with source ranges: documents split without parsing, node access that follows
// aliases and merge keys, and scalars located exactly in the text.

import {
  Composer,
  Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  Parser,
  visit,
  YAMLParseError,
  type Alias,
  type CST,
  type Node,
  type Pair,
  type Scalar,
} from 'yaml';

export interface DocumentChunk {
  /** Offset of the chunk in the file. */
  readonly offset: number;
  readonly text: string;
}

// A line starting with `---` followed by a space or the end of the line starts a document,
// wherever it is (YAML forbids it inside any scalar), so documents can be found by scanning.
const DOCUMENT_START = /^---(?=[ \t]|\r?$)/gm;

/** Splits a YAML stream into one chunk per `---`, each parseable on its own. */
export function splitDocuments(text: string): DocumentChunk[] {
  const starts: number[] = [];
  DOCUMENT_START.lastIndex = 0;
  for (let match = DOCUMENT_START.exec(text); match; match = DOCUMENT_START.exec(text)) {
    starts.push(withDirectives(text, match.index));
  }
  const chunks: DocumentChunk[] = [];
  let previous = 0;
  for (const start of starts) {
    if (start > previous) chunks.push({ offset: previous, text: text.slice(previous, start) });
    previous = start;
  }
  chunks.push({ offset: previous, text: text.slice(previous) });
  return chunks;
}

/** Moves a document start back over the `%` directive lines that belong to it. */
function withDirectives(text: string, start: number): number {
  let begin = start;
  while (begin > 0) {
    const lineStart = text.lastIndexOf('\n', begin - 2) + 1;
    if (text[lineStart] !== '%') break;
    begin = lineStart;
  }
  return begin;
}

// Duplicate keys are found by `reportDuplicateKeys`, not by the parser (`uniqueKeys: false`).
export const PARSE_OPTIONS = { merge: true, prettyErrors: false, maxAliasCount: 1000, uniqueKeys: false } as const;

/**
 * Collections nested deeper than this are not read. The yaml composer recurses once per level and
 * turns a stack overflow into errors, so what a deep document yielded depended on how much stack
 * the caller had left (an incremental update and a full analysis disagreed); the parser's own
 * overflow (closing many block levels at once) escaped as an exception; and V8 may abort the whole
 * process when it compiles a regular expression with the stack nearly exhausted. Manifests nest a
 * few dozen levels at most.
 */
export const MAX_NESTING = 256;

/**
 * Parses a chunk's documents. A chunk nested deeper than `MAX_NESTING` levels yields one
 * document holding one error, whatever the stack depth: it is refused before the parser's
 * recursion (block collections, which need a new column at least every other level) or before
 * composing (any collection, counted on the parser's tokens, without recursion).
 */
export function parseChunk(text: string, options: ChunkOptions = {}): Document.Parsed[] {
  // Block levels reaching the parser: at most 2 * (2 * MAX_NESTING + 1); it overflows past about 2000.
  if (blockStartColumn(text) > 2 * MAX_NESTING) return [tooDeep(text)];
  let tokens: CST.Token[];
  try {
    tokens = Array.from(new Parser().parse(text));
  } catch (error) {
    if (error instanceof RangeError) return [tooDeep(text)];
    throw error;
  }
  if (tokens.some((token) => nestingOf(token) > MAX_NESTING)) return [tooDeep(text)];
  const composer = new Composer(options.version ? { ...PARSE_OPTIONS, version: options.version } : PARSE_OPTIONS);
  const docs = Array.from(composer.compose(tokens));
  if (options.duplicates !== false) for (const doc of docs) reportDuplicateKeys(doc, text);
  return docs;
}

export interface ChunkOptions {
  /** `1.1` reads scalars as helm's and Kubernetes' YAML libraries do (`yes` is true). */
  readonly version?: '1.1' | '1.2';
  /** Whether a key written twice in one mapping is an error (the default); see `hasDuplicateKeys`. */
  readonly duplicates?: boolean;
}

/** Whether some mapping of a document writes a key twice (what `parseChunk` reports as an error). */
export function hasDuplicateKeys(doc: Document.Parsed): boolean {
  return duplicateKeys(doc).length > 0;
}

/**
 * Adds an error for each mapping key written again in the same mapping, where and as the parser
 * would (`DUPLICATE_KEY` at the repeated key). The parser's own check compares every key with
 * each key before it: a Compose file of 30,000 services took minutes. Merge keys (`<<`) may repeat.
 */
function reportDuplicateKeys(doc: Document.Parsed, text: string): void {
  const found = duplicateKeys(doc).map((key) => {
    const [start, end] = key.range ?? [0, 0];
    // An empty key is placed before the spaces in front of its `:`; the parser reports it at the `:`.
    const at = start === end ? start + /^[ \t]*/.exec(text.slice(start, start + 256))![0].length : start;
    return new YAMLParseError([at, at + 1], 'DUPLICATE_KEY', 'Map keys must be unique');
  });
  if (found.length === 0) return;
  // In order of position, each before the first of the parser's errors that comes after it.
  found.sort((a, b) => a.pos[0] - b.pos[0]);
  const merged: YAMLParseError[] = [];
  let next = 0;
  for (const error of doc.errors) {
    while (next < found.length && found[next]!.pos[0] <= error.pos[0]) merged.push(found[next++]!);
    merged.push(error);
  }
  merged.push(...found.slice(next));
  doc.errors.splice(0, doc.errors.length, ...merged);
}

/** The keys written again in the mapping that holds them (merge keys, `<<`, may repeat). */
function duplicateKeys(doc: Document.Parsed): Scalar[] {
  const found: Scalar[] = [];
  const pending: unknown[] = [doc.contents];
  while (pending.length > 0) {
    const node = pending.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key) && !isMergeKey(key)) {
          if (seen.has(key.value)) found.push(key);
          else seen.add(key.value);
        }
        pending.push(key, pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) pending.push(item);
    }
  }
  return found;
}

// Indentation, then the block indicators (`- `, `? `, `: `) that open compact nested collections.
const BLOCK_START = /^[ \t]*(?:[-?:][ \t]+)*/gm;

/**
 * The rightmost column at which a block collection may start: a line's indentation and its
 * leading indicators. A nested block collection starts further right than its parent, except a
 * sequence under a mapping key, so block nesting is at most twice this column, plus two.
 */
function blockStartColumn(text: string): number {
  let widest = 0;
  BLOCK_START.lastIndex = 0;
  for (let match = BLOCK_START.exec(text); match; match = BLOCK_START.exec(text)) {
    widest = Math.max(widest, match[0].length);
    if (match[0].length === 0) BLOCK_START.lastIndex++;
  }
  return widest;
}

/** How deeply collections nest in a parser token, counted without recursion. */
function nestingOf(root: CST.Token): number {
  let deepest = 0;
  const pending: Array<[CST.Token | null | undefined, number]> = [[root, 0]];
  while (pending.length > 0) {
    const [token, depth] = pending.pop()!;
    if (!token) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_NESTING) break;
    if (token.type === 'document') pending.push([token.value, depth]);
    else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      for (const item of token.items) pending.push([item.key, depth + 1], [item.value, depth + 1]);
    }
  }
  return deepest;
}

function tooDeep(text: string): Document.Parsed {
  const doc = new Document(null, PARSE_OPTIONS) as Document.Parsed;
  doc.range = [0, text.length, text.length];
  doc.errors.push(
    new YAMLParseError(
      [0, Math.min(1, text.length)],
      'RESOURCE_EXHAUSTION',
      `collections are nested more than ${MAX_NESTING} levels deep: not read`,
    ),
  );
  return doc;
}

/**
 * The value of the mapping key written at `offset` (where the parser reports a duplicate key),
 * or undefined when no scalar key starts there.
 */
export function keyAt(doc: Document, offset: number): unknown {
  let found: unknown;
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        found = pair.key.value;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

const MAX_MERGE_DEPTH = 8;

// What each alias of a document names, found in one walk of the document: `Alias.resolve` walks
// the whole document on every call, which made many aliases (or merge keys) quadratic.
const aliasTargets = new WeakMap<Document, Map<Alias, Node | undefined>>();

function aliasTarget(alias: Alias, doc: Document): Node | undefined {
  let targets = aliasTargets.get(doc);
  if (!targets) {
    // As `Alias.resolve` does: the last node with the anchor before the alias, in document order.
    const found = new Map<Alias, Node | undefined>();
    const anchors = new Map<string, Node>();
    visit(doc, {
      Node(_, node) {
        if (isAlias(node)) found.set(node, anchors.get(node.source));
        else if (node.anchor) anchors.set(node.anchor, node);
      },
    });
    aliasTargets.set(doc, found);
    targets = found;
  }
  return targets.has(alias) ? targets.get(alias) : alias.resolve(doc);
}

/** Follows an alias to the node it names. */
export function deref(node: unknown, doc: Document): Node | undefined {
  if (isAlias(node)) return aliasTarget(node, doc);
  return (node ?? undefined) as Node | undefined;
}

function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  const value = key.value;
  return value === '<<' || (typeof value === 'symbol' && value.description === '<<');
}

/**
 * The value node of `key` in a mapping, through aliases and `<<` merge keys. `searched` keeps the
 * mappings already searched and at which merge depth: merges may name the same mapping many
 * times over (`<<: [*a, *a]` at every level), which is searched again only from shallower.
 */
export function getNode(map: unknown, key: string, doc: Document, depth = 0, searched?: Map<Node, number>): Node | undefined {
  const node = deref(map, doc);
  if (!isMap(node) || depth > MAX_MERGE_DEPTH) return undefined;
  if (searched) {
    const before = searched.get(node);
    if (before !== undefined && before <= depth) return undefined;
    searched.set(node, depth);
  }
  const merges: Pair[] = [];
  // A key written twice (an error reported apart) has its last value, as Kubernetes reads it.
  let written: Pair | undefined;
  for (const pair of node.items) {
    if (isScalar(pair.key) && pair.key.value === key) written = pair;
    else if (isMergeKey(pair.key)) merges.push(pair);
  }
  if (written) return deref(written.value, doc);
  if (merges.length === 0) return undefined;
  const seen = searched ?? new Map<Node, number>([[node, depth]]);
  for (const merge of merges) {
    const source = deref(merge.value, doc);
    const sources = isSeq(source) ? source.items : [source];
    for (const item of sources) {
      const found = getNode(item, key, doc, depth + 1, seen);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * A mapping's entries as its reader sees them, in the order written, through aliases and `<<`
 * merge keys: a key written twice has its last value (as `getNode`), and a merged key counts only
 * when the mapping does not write it. Only string keys. `spend` is called once per pair looked at
 * and stops the search when it returns false: merges may name large mappings many times over.
 */
export function mapEntries(map: unknown, doc: Document, spend: () => boolean): Map<string, Node | undefined> {
  const entries = new Map<string, Node | undefined>();
  collectEntries(map, doc, spend, entries, 0, new Map<Node, number>());
  return entries;
}

function collectEntries(
  map: unknown,
  doc: Document,
  spend: () => boolean,
  entries: Map<string, Node | undefined>,
  depth: number,
  searched: Map<Node, number>,
): void {
  const node = deref(map, doc);
  if (!isMap(node) || depth > MAX_MERGE_DEPTH) return;
  // As `getNode`: a mapping already searched from as shallow a merge depth adds nothing new.
  const before = searched.get(node);
  if (before !== undefined && before <= depth) return;
  searched.set(node, depth);
  const own = new Map<string, Node | undefined>();
  const merges: Pair[] = [];
  for (const pair of node.items) {
    if (!spend()) return;
    if (isMergeKey(pair.key)) merges.push(pair);
    else if (isScalar(pair.key) && typeof pair.key.value === 'string') {
      // Deleted first, so that the entry stands where its last value is written.
      own.delete(pair.key.value);
      own.set(pair.key.value, deref(pair.value, doc));
    }
  }
  for (const [key, value] of own) if (!entries.has(key)) entries.set(key, value);
  for (const merge of merges) {
    const source = deref(merge.value, doc);
    for (const item of isSeq(source) ? source.items : [source]) collectEntries(item, doc, spend, entries, depth + 1, searched);
  }
}

/** Follows a path of keys. */
export function getPath(map: unknown, path: readonly string[], doc: Document): Node | undefined {
  let node: Node | undefined = deref(map, doc);
  for (const key of path) {
    node = getNode(node, key, doc);
    if (node === undefined) return undefined;
  }
  return node;
}

export function getString(map: unknown, key: string, doc: Document): string | undefined {
  const node = getNode(map, key, doc);
  return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
}

/** The items of a sequence, each dereferenced. */
export function seqItems(node: unknown, doc: Document): Node[] {
  const seq = deref(node, doc);
  if (!isSeq(seq)) return [];
  return seq.items.map((item) => deref(item, doc)).filter((item): item is Node => item !== undefined);
}

/** Where a scalar's text is, without its quotes when the quoted text is the value itself. */
export function scalarSpan(node: Scalar, text: string): { start: number; end: number; raw: string } {
  const [start, end] = node.range ?? [0, 0];
  const value = String(node.value);
  if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') {
    const inner = text.slice(start + 1, end - 1);
    if (inner === value) return { start: start + 1, end: end - 1, raw: inner };
    return { start, end, raw: value };
  }
  if (node.type === 'PLAIN' && !value.includes('\n')) return { start, end, raw: text.slice(start, end) };
  if (node.type === 'BLOCK_FOLDED' || node.type === 'BLOCK_LITERAL') return blockScalarSpan(start, end, value, text);
  return { start, end, raw: value };
}

/**
 * A block scalar's text without its header (`>-`, `|`, a comment) and the line breaks after it:
 * a value on one line is exactly that line's text (the value without its final line break,
 * which a pin or an edit must not touch); a longer one runs from the first character of its
 * first line with content to the end of its last.
 */
function blockScalarSpan(start: number, end: number, value: string, text: string): { start: number; end: number; raw: string } {
  const headerEnd = text.indexOf('\n', start);
  if (headerEnd === -1 || headerEnd >= end) return { start, end: lineEndBefore(text, start, end), raw: value };
  const lines: Array<{ start: number; end: number }> = [];
  for (let lineStart = headerEnd + 1; lineStart < end;) {
    const next = text.indexOf('\n', lineStart);
    const lineEnd = next === -1 || next > end ? end : next;
    const contentEnd = text[lineEnd - 1] === '\r' && lineEnd > lineStart ? lineEnd - 1 : lineEnd;
    if (text.slice(lineStart, contentEnd).trim() !== '') lines.push({ start: lineStart, end: contentEnd });
    lineStart = lineEnd + 1;
  }
  const first = lines[0];
  const last = lines[lines.length - 1];
  if (!first || !last) return { start, end: lineEndBefore(text, start, end), raw: value };
  const written = value.replace(/\n+$/, '');
  if (first === last && !written.includes('\n') && text.slice(first.start, first.end).endsWith(written)) {
    // Indentation is not part of the value, but spaces past it (`>2-` with more) are.
    return { start: first.end - written.length, end: first.end, raw: written };
  }
  const indent = /^[ \t]*/.exec(text.slice(first.start, first.end))![0].length;
  return { start: first.start + indent, end: last.end, raw: value };
}

/** The end of the line `start` is on, not past `end`, without a carriage return. */
function lineEndBefore(text: string, start: number, end: number): number {
  const next = text.indexOf('\n', start);
  const lineEnd = next === -1 || next > end ? end : next;
  return text[lineEnd - 1] === '\r' && lineEnd > start ? lineEnd - 1 : lineEnd;
}
