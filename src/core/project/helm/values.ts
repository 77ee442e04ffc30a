// A chart's values.yaml and Chart.yaml read as helm reads them (YAML 1.1 scalars through JSON),
// each scalar and mapping keeping where it is written, and a subchart's values coalesced from its
// own and its parent's, as helm does.

import { isMap as isYamlMap, isScalar, isSeq, type Document, type Node, type Scalar } from 'yaml';
import { LineIndex } from '../../util/lines.js';
import { deref, parseChunk, scalarSpan } from '../../analysis/yaml/parse.js';
import type { Range } from '../../types.js';
import { goFloat, isMap, mapSources, Missing, Sourced, Text, type GoMap, type Source, type Value } from './value.js';

export interface ReadError {
  readonly message: string;
  readonly range?: Range;
}

export interface ValuesFile {
  readonly values: GoMap;
  readonly errors: readonly ReadError[];
}

/** Bounds what aliases can expand a small file into. */
const MAX_NODES = 200_000;
const MAX_DEPTH = 128;

interface Reading {
  readonly file: string;
  readonly text: string;
  readonly lines: LineIndex;
  readonly doc: Document;
  readonly from: Source['from'];
  nodes: number;
}

/**
 * `text` with every character outside [start, end) but line breaks made a space: values written
 * inside another file (a GitOps object's, a kustomization's `valuesInline:`), read as a values
 * file, keep their lines and columns in that file.
 */
export function blankOutside(text: string, start: number, end: number): string {
  const blank = (part: string) => part.replace(/[^\r\n]/g, ' ');
  return blank(text.slice(0, start)) + text.slice(start, end) + blank(text.slice(end));
}

/** values.yaml as `.Values`: mappings are maps, scalars keep their place. */
export function readValues(text: string, file: string): ValuesFile {
  const { root, errors, reading } = readDocument(text, file, 'values');
  if (root === undefined) return { values: new Map(), errors };
  const value = convert(root, [], reading, 0);
  if (isMap(value)) return { values: value, errors };
  const hasContent = !(isScalar(root) && (root.value === null || root.value === ''));
  return { values: new Map(), errors: hasContent ? [...errors, { message: 'values.yaml is not a mapping' }] : errors };
}

function readDocument(text: string, file: string, from: Source['from']): { root?: Node; errors: ReadError[]; reading: Reading } {
  const lines = new LineIndex(text);
  const [doc] = parseChunk(text);
  const errors: ReadError[] = [];
  const reading: Reading = { file, text, lines, doc: doc!, from, nodes: 0 };
  if (!doc) return { errors, reading };
  for (const error of doc.errors) errors.push({ message: error.message, range: lines.rangeAt(error.pos[0], error.pos[1]) });
  if (doc.errors.length > 0) return { errors, reading };
  const root = deref(doc.contents, doc);
  return root === undefined ? { errors, reading } : { root, errors, reading };
}

function convert(node: Node | undefined, key: readonly string[], reading: Reading, depth: number): Value {
  if (++reading.nodes > MAX_NODES || depth > MAX_DEPTH) throw new RangeError('values.yaml expands too far');
  const { doc } = reading;
  if (isYamlMap(node)) {
    const map: GoMap = new Map();
    const [start, end] = node.range ?? [0, 0];
    let last = end;
    while (last > start && /\s/.test(reading.text[last - 1]!)) last--;
    mapSources.set(map, { file: reading.file, key, range: reading.lines.rangeAt(start, last) });
    // Merge keys first (go-yaml reads `<<` as a merge), so that the mapping's own keys win.
    for (const pair of node.items) {
      if (!isScalar(pair.key) || !isMergeKey(pair.key)) continue;
      const source = deref(pair.value, doc);
      for (const item of isSeq(source) ? source.items.map((i) => deref(i, doc)) : [source]) {
        const merged = convert(item, key, reading, depth + 1);
        if (isMap(merged)) for (const [k, v] of merged) if (!map.has(k)) map.set(k, v);
      }
    }
    for (const pair of node.items) {
      if (isScalar(pair.key) && isMergeKey(pair.key)) continue;
      const name = keyName(deref(pair.key, doc), reading);
      if (name === undefined) continue;
      map.set(name, convert(deref(pair.value, doc), [...key, name], reading, depth + 1));
    }
    return map;
  }
  if (isSeq(node)) return node.items.map((item, i) => convert(deref(item, doc), [...key, String(i)], reading, depth + 1));
  if (isScalar(node)) return scalar(node, key, reading);
  return new Missing(key.join('.'), false);
}

function isMergeKey(key: Scalar): boolean {
  const value = key.value;
  return value === '<<' || (typeof value === 'symbol' && value.description === '<<');
}

/** A key as JSON makes it: a string, whatever the scalar was. */
function keyName(node: Node | undefined, reading: Reading): string | undefined {
  if (!isScalar(node)) return undefined;
  const value = goScalar(node, reading.text);
  if (value === null) return 'null';
  return typeof value === 'number' ? goFloat(value) : String(value);
}

function scalar(node: Scalar, key: readonly string[], reading: Reading): Value {
  const span = scalarSpan(node, reading.text);
  const source: Source = { file: reading.file, key, range: reading.lines.rangeAt(span.start, span.end), raw: span.raw, from: reading.from };
  const value = goScalar(node, reading.text);
  if (value === null) return new Missing(key.join('.'), false, source);
  if (typeof value === 'string') return new Text([{ text: value, source, exact: true }]);
  return new Sourced(value, source);
}

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUES = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSES = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const DATE = /^(\d{4})-(\d\d?)-(\d\d?)$/;

/**
 * A scalar as go-yaml v2 resolves it (YAML 1.1: `yes` is true, `010` is 8, `2024-01-02` a date),
 * then as JSON hands it on (every number a float64, a date its RFC 3339 text).
 */
export function goScalar(node: Scalar, text: string): string | number | boolean | null {
  if (node.type !== 'PLAIN' || node.tag === 'tag:yaml.org,2002:str') return scalarText(node.value);
  const [start, end] = node.range ?? [0, 0];
  const raw = text.slice(start, end);
  if (raw.includes('\n')) return scalarText(node.value);
  if (NULLS.has(raw)) return null;
  if (TRUES.has(raw)) return true;
  if (FALSES.has(raw)) return false;
  if (raw === '.nan' || raw === '.NaN' || raw === '.NAN') return Number.NaN;
  if (/^[+]?\.(inf|Inf|INF)$/.test(raw)) return Number.POSITIVE_INFINITY;
  if (/^-\.(inf|Inf|INF)$/.test(raw)) return Number.NEGATIVE_INFINITY;
  const compact = raw.replace(/_/g, '');
  const integer = goInteger(compact);
  if (integer !== undefined) return integer;
  if (YAML_FLOAT.test(compact)) return Number(compact);
  const date = DATE.exec(raw);
  if (date) {
    const [, y, m, d] = date;
    return `${y}-${m!.padStart(2, '0')}-${d!.padStart(2, '0')}T00:00:00Z`;
  }
  return scalarText(node.value);
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : '';
}

/** strconv.ParseInt(s, 0, 64) (or ParseUint), as a float64. */
function goInteger(text: string): number | undefined {
  const match = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!match) return undefined;
  const [, sign, digits] = match;
  let value: bigint;
  if (/^0[xXoObB]/.test(digits!)) value = BigInt(digits!.toLowerCase());
  else if (digits!.length > 1 && digits!.startsWith('0')) value = BigInt(`0o${digits!.slice(1)}`);
  else value = BigInt(digits!);
  if (value > 0xffffffffffffffffn || (sign === '-' && value > 0x8000000000000000n)) return undefined;
  return Number(sign === '-' ? -value : value);
}

/** A `dependencies:` entry of Chart.yaml: the chart, its name in the parent's values, and what may disable it. */
export interface Dependency {
  readonly name: string;
  readonly alias?: string;
  /** Comma-separated paths into the parent's values; the first that holds a boolean decides. */
  readonly condition?: string;
  readonly tags?: readonly string[];
}

/** What templates see as `.Chart`, and what analysis needs of Chart.yaml. */
export interface ChartFile {
  readonly name?: string;
  readonly type?: string;
  /** `.Chart` (Name, Version, AppVersion…); AppVersion keeps its place. */
  readonly meta: GoMap;
  readonly dependencies: readonly Dependency[];
  readonly errors: readonly ReadError[];
}

const CHART_FIELDS: readonly (readonly [string, string])[] = [
  ['name', 'Name'],
  ['version', 'Version'],
  ['appVersion', 'AppVersion'],
  ['description', 'Description'],
  ['type', 'Type'],
  ['apiVersion', 'APIVersion'],
  ['kubeVersion', 'KubeVersion'],
  ['home', 'Home'],
  ['icon', 'Icon'],
  ['condition', 'Condition'],
  ['tags', 'Tags'],
];

/** Chart.yaml: helm reads its fields into Go strings (an unset one is ""). */
export function readChartFile(text: string, file: string): ChartFile {
  const { root, errors, reading } = readDocument(text, file, 'chart');
  const meta: GoMap = new Map();
  const dependencies: Dependency[] = [];
  let name: string | undefined;
  let type: string | undefined;
  for (const [field, goName] of CHART_FIELDS) {
    const node = root && isYamlMap(root) ? deref(root.get(field, true), reading.doc) : undefined;
    if (!isScalar(node) || node.value === null) {
      meta.set(goName, '');
      continue;
    }
    const text = chartString(node, reading.text);
    const span = scalarSpan(node, reading.text);
    const source: Source = { file, key: [field], range: reading.lines.rangeAt(span.start, span.end), raw: span.raw, from: 'chart' };
    meta.set(goName, new Text([{ text, source, exact: true }]));
    if (field === 'name') name = text;
    if (field === 'type') type = text;
  }
  const deps = root && isYamlMap(root) ? deref(root.get('dependencies', true), reading.doc) : undefined;
  if (isSeq(deps)) {
    for (const item of deps.items) {
      const dep = deref(item, reading.doc);
      if (!isYamlMap(dep)) continue;
      const depName = dep.get('name');
      const alias = dep.get('alias');
      const condition = dep.get('condition');
      const tags = dep.get('tags');
      if (typeof depName !== 'string') continue;
      dependencies.push({
        name: depName,
        ...(typeof alias === 'string' && alias !== '' && { alias }),
        ...(typeof condition === 'string' && condition.trim() !== '' && { condition }),
        ...(isSeq(tags) && { tags: tags.items.flatMap((t) => (isScalar(t) && typeof t.value === 'string' ? [t.value] : [])) }),
      });
    }
  }
  return { ...(name !== undefined && { name }), ...(type !== undefined && { type }), meta, dependencies, errors };
}

/** A Chart.yaml scalar read into a Go string field: numbers keep the shortest form (float32, as sigs.k8s.io/yaml writes them). */
function chartString(node: Scalar, text: string): string {
  const value = goScalar(node, text);
  if (typeof value !== 'number') return String(value);
  return Number.isInteger(value) && Math.abs(value) < 1e21 ? String(value) : goFloat(value, 32);
}

/**
 * A subchart's values as helm coalesces them: the parent's `<key>` mapping over the subchart's
 * own values.yaml (a null in the parent removes the key), and the parent's `global` over the
 * subchart's.
 */
export function subchartValues(own: GoMap, parent: GoMap, key: string): GoMap {
  const given = parent.get(key);
  const values = coalesce(isMap(given) ? copyMap(given) : new Map<string, Value>(), own);
  const parentGlobal = parent.get('global');
  const ownGlobal = values.get('global');
  const global = isMap(ownGlobal) ? ownGlobal : new Map<string, Value>();
  values.set('global', isMap(parentGlobal) ? coalesce(copyMap(parentGlobal), global) : global);
  return values;
}

/** Fills `over` with what `under` has and it lacks, recursively; nulls in `over` remove keys. */
function coalesce(over: GoMap, under: GoMap): GoMap {
  for (const [key, value] of under) {
    if (!over.has(key)) {
      over.set(key, isMap(value) ? copyMap(value) : value);
      continue;
    }
    const mine = over.get(key);
    if (mine instanceof Missing) over.delete(key);
    else if (isMap(mine) && isMap(value)) over.set(key, coalesce(copyMap(mine), value));
  }
  if (!mapSources.has(over)) {
    const source = mapSources.get(under);
    if (source) mapSources.set(over, source);
  }
  return over;
}

function copyMap(map: GoMap): GoMap {
  const copy: GoMap = new Map();
  for (const [key, value] of map) copy.set(key, isMap(value) ? copyMap(value) : value);
  const source = mapSources.get(map);
  if (source) mapSources.set(copy, source);
  return copy;
}

/**
 * Why helm does not render a dependency (`processDependencyEnabled`), or undefined when it does:
 * its `tags` against the root's `tags:` table (disabled when one is false and none true), then the
 * first of its `condition` paths that holds a boolean in the parent's coalesced values, which
 * overrides the tags.
 */
export function dependencyDisabled(dependency: Dependency, parentValues: GoMap, rootValues: GoMap): string | undefined {
  let disabled: string | undefined;
  const table = rootValues.get('tags');
  if (isMap(table) && dependency.tags) {
    const set = dependency.tags.map((tag) => booleanOf(table.get(tag)));
    if (!set.includes(true) && set.includes(false)) disabled = `the chart's tags (${dependency.tags.join(', ')}) are false`;
  }
  // As helm: the whole condition is trimmed, not each path.
  for (const path of (dependency.condition ?? '').trim().split(',')) {
    if (path === '') continue;
    const keys = path.split('.');
    let table: Value = parentValues;
    for (const key of keys.slice(0, -1)) table = isMap(table) ? table.get(key) : undefined;
    const value = booleanOf(isMap(table) ? table.get(keys.at(-1)!) : undefined);
    if (value !== undefined) return value ? undefined : `the chart's condition ${path} is false`;
  }
  return disabled;
}

function booleanOf(value: Value): boolean | undefined {
  if (typeof value === 'boolean') return value;
  return value instanceof Sourced && typeof value.value === 'boolean' ? value.value : undefined;
}
