// Where a template's container images are, found from its lines as written (a template is YAML
// only once rendered): the key each line opens and its column, the documents `---` separates,
// block scalars skipped; for each `image:` of a container (or a custom resource's `spec.image`),
// the keys that say which workload and container it belongs to.

import type { ContainerType } from '../../types.js';
import type { Node } from './parse.js';

/** A key's place in the template: where it is written and where its value starts. */
export interface KeyAt {
  readonly keyOffset: number;
  readonly valueOffset: number;
}

export interface ImageSite {
  readonly image: KeyAt;
  /** Absent for a custom resource's `spec.image`. */
  readonly containerType?: ContainerType;
  readonly kind?: KeyAt;
  readonly name?: KeyAt;
  readonly namespace?: KeyAt;
  readonly container?: KeyAt;
}

interface LineToken {
  readonly kind: 'item' | 'key';
  readonly column: number;
  readonly name?: string;
  readonly at?: KeyAt;
}

interface StructureLine {
  readonly line: number;
  readonly tokens: readonly LineToken[];
}

/** The container lists of a pod spec. */
export const CONTAINER_TYPES = new Set<string>(['containers', 'initContainers', 'ephemeralContainers']);

/** Kinds whose pod spec Kubernetes knows: a `spec.image` of any other kind is a custom resource's image (as analysis/kubernetes.ts reads them). */
export const BUILTIN_WORKLOADS = new Set([
  'Pod',
  'PodTemplate',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Job',
  'CronJob',
]);

/** Image keys read in one template file. */
export const MAX_SITES = 500;

const ITEM = /^-(?:[ \t]+|$)/;
const BLOCK_SCALAR = /^[|>][0-9+-]*[ \t]*(#.*)?$/;

/** The places of the template's text (not its actions and comments), sorted. */
export function textSpans(nodes: readonly Node[], spans: [number, number][] = []): [number, number][] {
  for (const node of nodes) {
    if (node.type === 'text') spans.push([node.start, node.end]);
    else if (node.type === 'if' || node.type === 'with' || node.type === 'range') {
      textSpans(node.list, spans);
      if (node.elseList) textSpans(node.elseList, spans);
    } else if (node.type === 'define') textSpans(node.list, spans);
  }
  return spans.sort((a, b) => a[0] - b[0]);
}

/** The image keys of a template, and what each belongs to. */
export function imageSites(text: string, spans: readonly (readonly [number, number])[]): { sites: ImageSite[]; truncated: boolean } {
  const { lines, documents } = structure(text, spans);
  const sites: ImageSite[] = [];
  const byDocument = new Map<number, { top: Map<string, KeyAt>; metadata: Map<string, KeyAt> }>();
  let truncated = false;
  lines.forEach((line, index) => {
    const last = line.tokens[line.tokens.length - 1];
    if (last?.kind !== 'key' || last.name !== 'image' || !last.at) return;
    const rest = text.slice(last.at.valueOffset, lineEnd(text, last.at.valueOffset));
    if (/^[ \t]*(#.*)?\r?$/.test(rest)) return; // a mapping or a block below: not an image reference
    if (sites.length >= MAX_SITES) {
      truncated = true;
      return;
    }
    const docStart = previous(documents, line.line);
    let document = byDocument.get(docStart);
    if (!document) {
      const docEnd = next(documents, line.line);
      const inDocument = lines.filter((l) => l.line > docStart && l.line < docEnd);
      document = { top: topKeys(inDocument), metadata: childKeys(inDocument, 'metadata') };
      byDocument.set(docStart, document);
    }
    const path = keysAbove(lines, index, docStart);
    const kind = document.top.get('kind');
    let containerType: ContainerType | undefined;
    if (path.length >= 3 && path[path.length - 2] === '[]' && CONTAINER_TYPES.has(path[path.length - 3]!)) {
      containerType = path[path.length - 3] as ContainerType;
    } else if (path.length === 2 && path[0] === 'spec') {
      const kindText = kind ? text.slice(kind.valueOffset, lineEnd(text, kind.valueOffset)).trim() : undefined;
      if (!kindText || !/^[A-Za-z][\w.-]*$/.test(kindText) || BUILTIN_WORKLOADS.has(kindText)) return;
    } else {
      return;
    }
    const metadata = document.metadata;
    const container = containerType ? sibling(lines, index, 'name') : undefined;
    const name = metadata.get('name');
    const namespace = metadata.get('namespace');
    sites.push({
      image: last.at,
      ...(containerType && { containerType }),
      ...(kind && { kind }),
      ...(name && { name }),
      ...(namespace && { namespace }),
      ...(container && { container }),
    });
  });
  return { sites, truncated };
}

function lineEnd(text: string, offset: number): number {
  const end = text.indexOf('\n', offset);
  return end === -1 ? text.length : end;
}

/** The lines that open keys or items, and the lines of `---`. */
function structure(text: string, spans: readonly (readonly [number, number])[]): { lines: StructureLine[]; documents: number[] } {
  const lines: StructureLine[] = [];
  const documents: number[] = [];
  let blockOwner: number | undefined;
  let start = 0;
  for (let line = 0; start <= text.length; line++) {
    const end = lineEnd(text, start);
    const content = text.slice(start, end).replace(/\r$/, '');
    const indent = /^[ \t]*/.exec(content)![0].length;
    const blank = content.trim() === '';
    const lineStart = start;
    start = end + 1;
    if (blockOwner !== undefined) {
      if (blank || indent > blockOwner) continue;
      blockOwner = undefined;
    }
    if (blank) continue;
    const first = lineStart + indent;
    const span = spanAt(spans, first);
    if (!span) continue;
    const lead = text.slice(first, Math.min(lineStart + content.length, span[1]));
    if (lead.startsWith('#')) continue;
    if (indent === 0 && /^(---|\.\.\.)([ \t]|$)/.test(lead)) {
      documents.push(line);
      continue;
    }
    const tokens = tokenize(lead, first, indent);
    if (tokens.length === 0) continue;
    lines.push({ line, tokens });
    const last = tokens[tokens.length - 1]!;
    const after = last.at ? text.slice(last.at.valueOffset, first + lead.length) : lead.slice(ITEM.exec(lead)?.[0].length ?? 0);
    if (BLOCK_SCALAR.test(after.trim())) blockOwner = last.column;
  }
  return { lines, documents };
}

function spanAt(spans: readonly (readonly [number, number])[], offset: number): readonly [number, number] | undefined {
  let low = 0;
  let high = spans.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const [s, e] = spans[mid]!;
    if (offset < s) high = mid - 1;
    else if (offset >= e) low = mid + 1;
    else return spans[mid];
  }
  return undefined;
}

function tokenize(lead: string, offset: number, column: number): LineToken[] {
  const tokens: LineToken[] = [];
  let at = 0;
  for (let item = ITEM.exec(lead); item; item = ITEM.exec(lead.slice(at))) {
    tokens.push({ kind: 'item', column: column + at });
    at += item[0].length;
    if (at >= lead.length) return tokens;
  }
  const key = keyAt(lead.slice(at));
  if (key)
    tokens.push({
      kind: 'key',
      column: column + at,
      name: key.name,
      at: { keyOffset: offset + at, valueOffset: offset + at + key.length },
    });
  return tokens;
}

const DOUBLE_QUOTED = /^"(?:[^"\\\n]|\\.)*"/;
const SINGLE_QUOTED = /^'(?:[^'\n]|'')*'/;

/** A key at the start of a line's text (quoted or plain, then a colon and a space or the end), and how far its colon and spaces go. */
function keyAt(rest: string): { name: string; length: number } | undefined {
  const first = rest[0];
  let name: string;
  let colon: number;
  if (first === '"' || first === "'") {
    const quoted = (first === '"' ? DOUBLE_QUOTED : SINGLE_QUOTED).exec(rest);
    if (!quoted) return undefined;
    const written = quoted[0];
    name = first === '"' ? unescapeDouble(written) : written.slice(1, -1).replace(/''/g, "'");
    colon = written.length;
    while (rest[colon] === ' ' || rest[colon] === '\t') colon++;
    if (rest[colon] !== ':' || !endsKey(rest[colon + 1])) return undefined;
  } else {
    if (first === undefined || /[\s#"'{}[\],&*!|>%@`]/.test(first)) return undefined;
    // Found by scanning, not by a regular expression: a long line must not take quadratic time.
    colon = rest.indexOf(':');
    while (colon !== -1 && !endsKey(rest[colon + 1])) colon = rest.indexOf(':', colon + 1);
    if (colon === -1) return undefined;
    name = rest.slice(0, colon).trimEnd();
    if (/[ \t]#/.test(name)) return undefined;
  }
  let length = colon + 1;
  while (rest[length] === ' ' || rest[length] === '\t') length++;
  return { name, length };
}

function endsKey(after: string | undefined): boolean {
  return after === undefined || after === ' ' || after === '\t' || after === '\r';
}

function unescapeDouble(written: string): string {
  try {
    return JSON.parse(written) as string;
  } catch {
    return written.slice(1, -1);
  }
}

function previous(documents: readonly number[], line: number): number {
  let found = -1;
  for (const d of documents) if (d < line) found = d;
  return found;
}

function next(documents: readonly number[], line: number): number {
  for (const d of documents) if (d > line) return d;
  return Number.POSITIVE_INFINITY;
}

/** The keys (and `[]` for list items) above the last key of a line, outermost first. */
function keysAbove(lines: readonly StructureLine[], index: number, docStart: number): string[] {
  const path: string[] = [];
  const own = lines[index]!.tokens;
  let want = own[own.length - 1]!.column;
  path.push(own[own.length - 1]!.name!);
  // A list's items may be written at its key's column: after an item, a key at the same column owns it.
  let keyAtColumn = false;
  for (let l = index; l >= 0 && lines[l]!.line > docStart; l--) {
    const tokens = lines[l]!.tokens;
    for (let t = (l === index ? tokens.length - 1 : tokens.length) - 1; t >= 0; t--) {
      const token = tokens[t]!;
      const owns = token.column < want || (token.kind === 'key' && keyAtColumn && token.column === want);
      if (!owns) continue;
      path.unshift(token.kind === 'item' ? '[]' : token.name!);
      want = token.column;
      keyAtColumn = token.kind === 'item';
    }
    if (want === 0 && !keyAtColumn) break;
  }
  return path;
}

/** The keys at column 0 of a document. */
function topKeys(lines: readonly StructureLine[]): Map<string, KeyAt> {
  const keys = new Map<string, KeyAt>();
  for (const line of lines) {
    const [token] = line.tokens;
    if (token?.kind === 'key' && token.column === 0 && token.at && !keys.has(token.name!)) keys.set(token.name!, token.at);
  }
  return keys;
}

/** The keys directly under a top-level key of a document. */
function childKeys(lines: readonly StructureLine[], parent: string): Map<string, KeyAt> {
  const keys = new Map<string, KeyAt>();
  const start = lines.findIndex((l) => l.tokens[0]?.kind === 'key' && l.tokens[0].column === 0 && l.tokens[0].name === parent);
  if (start === -1) return keys;
  let column: number | undefined;
  for (const line of lines.slice(start + 1)) {
    const [token] = line.tokens;
    if (!token || token.column === 0) break;
    column ??= token.column;
    if (token.kind === 'key' && token.column === column && token.at && !keys.has(token.name!)) keys.set(token.name!, token.at);
  }
  return keys;
}

/** A key of the same mapping as the last key of line `index`. */
function sibling(lines: readonly StructureLine[], index: number, name: string): KeyAt | undefined {
  const own = lines[index]!.tokens;
  const column = own[own.length - 1]!.column;
  const match = (tokens: readonly LineToken[]): { found?: KeyAt; ends: boolean } => {
    for (let t = tokens.length - 1; t >= 0; t--) {
      const token = tokens[t]!;
      if (token.column < column) return { ends: true };
      if (token.column === column && token.kind === 'key' && token.name === name && token.at) return { found: token.at, ends: false };
    }
    return { ends: false };
  };
  // When the key is on its item's own line (`- image: …`), the mapping starts there.
  const startsHere = own.slice(0, -1).some((token) => token.column < column);
  for (let l = index - 1; l >= 0 && !startsHere; l--) {
    const { found, ends } = match(lines[l]!.tokens);
    if (found) return found;
    if (ends) break;
  }
  for (let l = index + 1; l < lines.length; l++) {
    const tokens = lines[l]!.tokens;
    if (tokens.some((token) => token.column < column)) break;
    const { found } = match(tokens);
    if (found) return found;
  }
  return undefined;
}
