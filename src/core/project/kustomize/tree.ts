// The objects Kustomize works on, as a small tree that remembers where each scalar is written
// (and, for an image, where it was first written and what changed it last), built from `yaml`'s
// AST. Mappings and sequences are copied before a render changes them; scalars never change.

import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import { deref, scalarSpan } from '../../analysis/yaml/parse.js';
import type { ImagesEntry } from '../types.js';

/** Where a scalar is written: offsets in a file, and its text there (without quotes). */
export interface Span {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly raw: string;
}

/** What happened to an image value: where it was first written, and what decided it last. */
export interface ImageTrace {
  readonly origin: Span;
  readonly decided: Span;
  readonly by: 'images-entry' | 'patch' | 'manifest';
  readonly entry?: ImagesEntry;
}

export interface KScalar {
  readonly t: 's';
  /** The text as Kustomize reads it: a plain scalar's source, a quoted or block scalar's value. */
  readonly text: string;
  /** How the scalar resolves: only strings render as strings (`image: 1.20` is a number). */
  readonly type: 'str' | 'null' | 'other';
  /** A plain scalar without a tag: how it resolves depends on the YAML version reading it. */
  readonly plain?: true;
  readonly at?: Span;
  /** Whether `at` is in a resource manifest or in a patch. */
  readonly by?: 'manifest' | 'patch';
  readonly trace?: ImageTrace;
}

export interface KMap {
  readonly t: 'm';
  readonly entries: Map<string, KNode>;
  /** Where the mapping is written (only read for kustomizations' `images:` entries). */
  readonly at?: Span;
}

export interface KSeq {
  readonly t: 'q';
  items: KNode[];
}

export type KNode = KScalar | KMap | KSeq;

export function kmap(entries?: Iterable<[string, KNode]>): KMap {
  return { t: 'm', entries: new Map(entries) };
}

export function kstr(text: string): KScalar {
  return { t: 's', text, type: 'str' };
}

export function isKMap(node: KNode | undefined): node is KMap {
  return node?.t === 'm';
}

export function isKSeq(node: KNode | undefined): node is KSeq {
  return node?.t === 'q';
}

export function isKScalar(node: KNode | undefined): node is KScalar {
  return node?.t === 's';
}

export function isNull(node: KNode | undefined): boolean {
  return node?.t === 's' && node.type === 'null';
}

/** A copy that a transformation may change: mappings and sequences are new, scalars shared. */
export function clone<T extends KNode>(node: T): T {
  if (node.t === 'm') return { t: 'm', entries: new Map([...node.entries].map(([k, v]) => [k, clone(v)])) } as T;
  if (node.t === 'q') return { t: 'q', items: node.items.map(clone) } as T;
  return node;
}

/** The string value of `key` in a mapping (a string scalar's text), if any. */
export function str(node: KNode | undefined, key: string): string | undefined {
  if (node?.t !== 'm') return undefined;
  const value = node.entries.get(key);
  return value?.t === 's' && value.type === 'str' ? value.text : undefined;
}

/** The node at a path of mapping keys. */
export function at(node: KNode | undefined, path: readonly string[]): KNode | undefined {
  let current = node;
  for (const key of path) {
    if (current?.t !== 'm') return undefined;
    current = current.entries.get(key);
  }
  return current;
}

/** The value as plain data (for comparisons, as JSON sees it). */
export function plain(node: KNode): unknown {
  if (node.t === 'm') return Object.fromEntries([...node.entries].map(([k, v]) => [k, plain(v)]));
  if (node.t === 'q') return node.items.map(plain);
  if (node.type === 'null') return null;
  if (node.type === 'str') return node.text;
  const number = Number(node.text);
  if (node.text === 'true' || node.text === 'false') return node.text === 'true';
  return Number.isNaN(number) ? node.text : number;
}

/** Maps offsets in a parsed text to its file (an inline patch is the value of a scalar in a kustomization). */
export type OffsetMap = (start: number, end: number) => readonly [number, number];

export const IDENTITY: OffsetMap = (start, end) => [start, end];

/** How plain scalars resolve: YAML 1.2 for manifests (kyaml), YAML 1.1 for kustomizations and JSON patches (go-yaml v2). */
export type Resolution = 'yaml1.2' | 'yaml1.1';

export interface TreeContext {
  readonly doc: Document;
  /** The text the document was parsed from, and where it starts in the parsed text. */
  readonly text: string;
  readonly offset: number;
  readonly map: OffsetMap;
  readonly file: string;
  readonly by: 'manifest' | 'patch';
  readonly resolution: Resolution;
  /** Nodes left to build: aliases make documents that expand without bound. */
  budget: { nodes: number };
}

export class TreeTooLarge extends Error {}

/** Builds the tree of a YAML node: aliases expanded, `<<` merge keys applied, keys as their text. */
export function toTree(node: Node | null | undefined, ctx: TreeContext, depth = 0): KNode {
  if (--ctx.budget.nodes < 0 || depth > 512) throw new TreeTooLarge('the document expands to too many nodes (aliases?)');
  const target = isAlias(node) ? deref(node, ctx.doc) : node;
  if (isMap(target)) {
    const entries = new Map<string, KNode>();
    const merges: Node[] = [];
    for (const pair of target.items) {
      const key = isScalar(pair.key) ? keyText(pair.key) : String(pair.key);
      if (key === '<<' && isScalar(pair.key) && pair.key.type === 'PLAIN') {
        merges.push(pair.value as Node);
        continue;
      }
      entries.set(key, toTree(pair.value as Node | null, ctx, depth + 1));
    }
    // Merged keys come after the mapping's own, which win (YAML's merge key type).
    for (const merge of merges) {
      const source = deref(merge, ctx.doc);
      for (const item of isSeq(source) ? source.items : [source]) {
        const built = toTree(item as Node, ctx, depth + 1);
        if (built.t !== 'm') continue;
        for (const [k, v] of built.entries) if (!entries.has(k)) entries.set(k, v);
      }
    }
    if (!target.range) return { t: 'm', entries };
    // A block mapping's range runs over the line break after its last value.
    let last = target.range[1];
    while (last > target.range[0] && /\s/.test(ctx.text[last - 1]!)) last--;
    const [from, to] = ctx.map(target.range[0] + ctx.offset, last + ctx.offset);
    return { t: 'm', entries, at: { file: ctx.file, start: from, end: to, raw: '' } };
  }
  if (isSeq(target)) return { t: 'q', items: target.items.map((item) => toTree(item as Node, ctx, depth + 1)) };
  if (isScalar(target)) {
    const plainText = target.type === 'PLAIN' || target.type === undefined;
    const value: unknown = target.value;
    const text = plainText && typeof target.source === 'string' ? target.source : valueText(value);
    const plainUntagged = plainText && target.tag === undefined;
    const type = scalarType(value, text, plainUntagged, ctx.resolution);
    const span = target.range ? spanOf(target, ctx) : undefined;
    return { t: 's', text, type, by: ctx.by, ...(plainUntagged && { plain: true as const }), ...(span && { at: span }) };
  }
  return { t: 's', text: '', type: 'null' };
}

/** The text of a scalar's value (quoted and block scalars hold strings; a tagged one may hold another type). */
function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return '';
}

function keyText(key: { value: unknown; source?: string; type?: string }): string {
  if (key.type === 'PLAIN' && typeof key.source === 'string') return key.source;
  return String(key.value);
}

function spanOf(node: Parameters<typeof scalarSpan>[0], ctx: TreeContext): Span {
  const { start, end, raw } = scalarSpan(node, ctx.text);
  const [from, to] = ctx.map(start + ctx.offset, end + ctx.offset);
  return { file: ctx.file, start: from, end: to, raw };
}

function scalarType(value: unknown, text: string, plainUntagged: boolean, resolution: Resolution): KScalar['type'] {
  if (resolution === 'yaml1.1' && plainUntagged) return resolveYaml11(text);
  if (value === null || value === undefined) return 'null';
  return typeof value === 'string' ? 'str' : 'other';
}

const YAML11_BOOL = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const YAML11_NULL = /^(?:~|null|Null|NULL|)$/;
const YAML11_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const YAML11_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
// strconv.ParseInt(s, 0, 64) after go-yaml removed underscores: a sign, then 0x, 0o, 0b, 0 (octal) or decimal.
const YAML11_INT = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[0-9]+)$/;

/** The same tree as go-yaml v2 reads it (a JSON patch's values): its plain scalars resolved as YAML 1.1. */
export function asYaml11(node: KNode): KNode {
  if (node.t === 'm') return { t: 'm', entries: new Map([...node.entries].map(([k, v]) => [k, asYaml11(v)])) };
  if (node.t === 'q') return { t: 'q', items: node.items.map(asYaml11) };
  return node.plain ? { ...node, type: resolveYaml11(node.text) } : node;
}

/** How go-yaml v2 resolves a plain scalar (sigs.k8s.io/yaml reads kustomizations and JSON patches with it). */
export function resolveYaml11(text: string): KScalar['type'] {
  if (YAML11_NULL.test(text)) return 'null';
  if (YAML11_BOOL.test(text) || YAML11_SPECIAL.test(text)) return 'other';
  const digits = text.replaceAll('_', '');
  if (YAML11_INT.test(digits) || YAML11_FLOAT.test(digits)) return 'other';
  return 'str';
}
