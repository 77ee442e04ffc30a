// Reading YAML with source ranges: documents split without parsing, node access that follows
// aliases and merge keys, and scalars located exactly in the text.

import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node, type Pair, type Scalar } from 'yaml';

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

export const PARSE_OPTIONS = { merge: true, prettyErrors: false, maxAliasCount: 1000 } as const;

export function parseChunk(text: string): Document.Parsed[] {
  return parseAllDocuments(text, PARSE_OPTIONS) as Document.Parsed[];
}

const MAX_MERGE_DEPTH = 8;

/** Follows an alias to the node it names. */
export function deref(node: unknown, doc: Document): Node | undefined {
  if (isAlias(node)) {
    const target = node.resolve(doc);
    return target === undefined ? undefined : (target as Node);
  }
  return (node ?? undefined) as Node | undefined;
}

function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  const value = key.value;
  return value === '<<' || (typeof value === 'symbol' && value.description === '<<');
}

/** The value node of `key` in a mapping, through aliases and `<<` merge keys. */
export function getNode(map: unknown, key: string, doc: Document, depth = 0): Node | undefined {
  const node = deref(map, doc);
  if (!isMap(node) || depth > MAX_MERGE_DEPTH) return undefined;
  const merges: Pair[] = [];
  for (const pair of node.items as Pair[]) {
    if (isScalar(pair.key) && pair.key.value === key) return deref(pair.value, doc);
    if (isMergeKey(pair.key)) merges.push(pair);
  }
  for (const merge of merges) {
    const source = deref(merge.value, doc);
    const sources = isSeq(source) ? source.items : [source];
    for (const item of sources) {
      const found = getNode(item, key, doc, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
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
  return { start, end, raw: value };
}
