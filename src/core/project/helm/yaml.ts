// Values written out and read back as helm's `toYaml`, `toJson` and `fromYaml` do (sigs.k8s.io/yaml
// over encoding/json: keys sorted, lists under a key not indented, strings quoted only when YAML
// would read them as something else). A string keeps the values.yaml place it came from when it is
// written as it is, so that an image in a sidecar list rendered with `toYaml` is still found there.

import { parseAllDocuments } from 'yaml';
import { FALLBACK, readBlockYaml } from './blockYaml.js';
import {
  goFloat,
  isMap,
  Methods,
  Missing,
  plain,
  Sourced,
  Text,
  Unknown,
  Unresolved,
  type GoMap,
  type Piece,
  type Value,
} from './value.js';

const MAX_DEPTH = 64;

/** A resolved YAML 1.1 scalar that a plain string would be read as (so it must be quoted). */
const NOT_A_STRING =
  /^(?:~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?0x[0-9a-fA-F_]+|[-+]?0b[01_]+|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|\d{4}-\d\d?-\d\d?(?:[Tt ].*)?|<<|=)$/;

/** Whether a string holds control characters (`newline`: a line feed counts). */
function hasControl(text: string, newline = true): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && (newline || code !== 0x0a) && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

/** Whether yaml.v2 writes a one-line string plainly. */
function plainAllowed(text: string): boolean {
  if (text === '' || NOT_A_STRING.test(text)) return false;
  if (/^[\s]|[\s]$/.test(text)) return false;
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(text) && !/^[-?:][^\s,[\]{}]/.test(text)) return false;
  if (/: |:$| #|\t/.test(text) || hasControl(text)) return false;
  if (/[,[\]{}]/.test(text) && /^[-?:]/.test(text)) return false;
  return true;
}

function scalarPieces(value: Text | string): Piece[] {
  return value instanceof Text ? [...value.pieces] : [{ text: value }];
}

/** A string as yaml.v2 writes it on one line (or as a block, for text with newlines). */
function yamlString(value: Text | string, indent: string): Piece[] {
  const text = value instanceof Text ? value.value : value;
  if (text.includes('\n') && !hasControl(text.replace(/\r/g, ''), false)) {
    const chomp = text.endsWith('\n') ? (text.endsWith('\n\n') ? '+' : '') : '-';
    const lead = /^[ \t]/.test(text) ? '2' : '';
    const body = text.endsWith('\n') ? text.slice(0, -1) : text;
    const lines = body.split('\n').map((line) => (line === '' ? '' : `${indent}  ${line}`));
    return [{ text: `|${lead}${chomp}\n${lines.join('\n')}` }];
  }
  if (plainAllowed(text)) return scalarPieces(value);
  if (!hasControl(text) && !text.includes('\t') && !text.includes("'") && !NOT_A_STRING.test(text))
    return [{ text: "'" }, ...scalarPieces(value), { text: "'" }];
  if (!hasControl(text) && !text.includes('\t') && !/["\\]/.test(text)) return [{ text: '"' }, ...scalarPieces(value), { text: '"' }];
  return [{ text: JSON.stringify(text) }];
}

function keyText(key: string): string {
  return plainAllowed(key) ? key : (yamlString(key, '')[0]?.text ?? key).replace(/^([^'"].*)$/s, "'$1'");
}

function numberText(value: number | bigint): string {
  if (typeof value === 'bigint') return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return String(value);
  return goFloat(value);
}

/** Whether a value writes as a block of its own lines (a non-empty mapping or list). */
function isBlock(value: Value): boolean {
  const v = value instanceof Methods ? value.value : value;
  return (isMap(v) && v.size > 0) || (Array.isArray(v) && v.length > 0);
}

function yamlNode(value: Value, indent: string, depth: number): Piece[] {
  if (depth > MAX_DEPTH) throw new Unresolved('(a value is nested too deeply to write)');
  if (value instanceof Unknown) throw new Unresolved(value.part);
  if (value instanceof Methods) return yamlNode(value.value, indent, depth);
  if (value instanceof Text || typeof value === 'string') return yamlString(value, indent);
  if (value === undefined || value instanceof Missing) return [{ text: 'null' }];
  const v = plain(value);
  // A number or boolean of values.yaml keeps its place (a `runAsUser: 0` written with toYaml is fixed there).
  const source = value instanceof Sourced ? { source: value.source } : undefined;
  if (typeof v === 'number' || typeof v === 'bigint') return [{ text: numberText(v), ...source }];
  if (typeof v === 'boolean') return [{ text: String(v), ...source }];
  if (Array.isArray(v)) {
    if (v.length === 0) return [{ text: '[]' }];
    const out: Piece[] = [];
    v.forEach((item, i) => {
      if (i > 0) out.push({ text: `\n${indent}` });
      out.push({ text: '- ' });
      const isString = item instanceof Text || typeof item === 'string';
      out.push(...(isString ? yamlString(item, indent) : yamlNode(item, `${indent}  `, depth + 1)));
    });
    return out;
  }
  if (isMap(v)) {
    if (v.size === 0) return [{ text: '{}' }];
    const out: Piece[] = [];
    [...v.keys()].sort(compareKeys).forEach((key, i) => {
      if (i > 0) out.push({ text: `\n${indent}` });
      const item = v.get(key);
      const inner = item instanceof Methods ? item.value : item;
      out.push({ text: `${keyText(key)}:` });
      if (isBlock(inner)) {
        const nested = Array.isArray(inner) ? indent : `${indent}  `;
        out.push({ text: `\n${nested}` }, ...yamlNode(inner, nested, depth + 1));
      } else {
        out.push({ text: ' ' }, ...yamlNode(inner, indent, depth + 1));
      }
    });
    return out;
  }
  return [{ text: 'null' }];
}

/** A UTF-16 code unit moved so that units compare as UTF-8 bytes do (surrogates, for U+10000 on, after U+E000–U+FFFF). */
function byteRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}

/** Keys in the order of their UTF-8 bytes, as Go sorts them, without encoding them (toYaml of a large map sorts often). */
function compareKeys(a: string, b: string): number {
  const shorter = Math.min(a.length, b.length);
  for (let i = 0; i < shorter; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return byteRank(x) - byteRank(y);
  }
  return a.length - b.length;
}

/** helm's `toYaml`: the value as YAML, without the final newline. */
export function toYaml(value: Value): Text {
  return new Text(yamlNode(value, '', 0));
}

function jsonString(value: Text | string): Piece[] {
  const text = value instanceof Text ? value.value : value;
  const encoded = JSON.stringify(text).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  if (encoded.slice(1, -1) === text) return [{ text: '"' }, ...scalarPieces(value), { text: '"' }];
  return [{ text: encoded }];
}

function jsonNode(value: Value, depth: number): Piece[] {
  if (depth > MAX_DEPTH) throw new Unresolved('(a value is nested too deeply to write)');
  if (value instanceof Unknown) throw new Unresolved(value.part);
  if (value instanceof Methods) return jsonNode(value.value, depth);
  if (value instanceof Text || typeof value === 'string') return jsonString(value);
  if (value === undefined || value instanceof Missing) return [{ text: 'null' }];
  const v = plain(value);
  if (typeof v === 'number' || typeof v === 'bigint') return [{ text: numberText(v) }];
  if (typeof v === 'boolean') return [{ text: String(v) }];
  if (Array.isArray(v))
    return [{ text: '[' }, ...v.flatMap((item, i) => [...(i > 0 ? [{ text: ',' }] : []), ...jsonNode(item, depth + 1)]), { text: ']' }];
  if (isMap(v)) {
    const keys = [...v.keys()].sort(compareKeys);
    return [
      { text: '{' },
      ...keys.flatMap((key, i) => [{ text: `${i > 0 ? ',' : ''}${JSON.stringify(key)}:` }, ...jsonNode(v.get(key), depth + 1)]),
      { text: '}' },
    ];
  }
  return [{ text: 'null' }];
}

/** helm's `toJson` (and `toRawJson`, `mustToJson`): compact JSON, keys sorted. */
export function toJson(value: Value): Text {
  return new Text(jsonNode(value, 0));
}

/** helm's `toPrettyJson`: indented by two spaces. */
export function toPrettyJson(value: Value): Text {
  const parsed: unknown = JSON.parse(toJson(value).value);
  return new Text([{ text: JSON.stringify(parsed, null, 2) }]);
}

function fromPlain(value: unknown): Value {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(fromPlain);
  if (value instanceof Map) {
    const map: GoMap = new Map();
    for (const [k, v] of value) map.set(String(k), fromPlain(v));
    return map;
  }
  if (typeof value === 'object') {
    const map: GoMap = new Map();
    for (const [k, v] of Object.entries(value)) map.set(k, fromPlain(v));
    return map;
  }
  return '';
}

/** Texts `fromYaml` read lately, as plain values (a chart reads the same text more than once: istio's CRDs). */
const parsed = /* @__PURE__ */ new Map<string, unknown>();
const MAX_PARSED = 64;

/** The text read as YAML into plain values (cached), or throws its first error. */
function plainYaml(text: string): unknown {
  if (parsed.has(text)) return parsed.get(text);
  let value = readBlockYaml(text);
  if (value === FALLBACK) value = fullYaml(text);
  if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value!);
  parsed.set(text, value);
  return value;
}

/** The text read by the full parser into plain values, or throws its first error. */
export function fullYaml(text: string): unknown {
  const docs = parseAllDocuments(text, { version: '1.1' });
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  if (doc && doc.errors.length > 0) throw new Error(doc.errors[0]!.message);
  return doc?.toJS({ maxAliasCount: 100 });
}

/** helm's `fromYaml` (`array`: `fromYamlArray`): a map (or list), or `{Error: …}` as helm returns when it does not parse. */
export function fromYaml(text: string, array = false): Value {
  try {
    // Each call gets maps of its own (templates change them with `set`).
    const value = fromPlain(plainYaml(text));
    if (array) return Array.isArray(value) ? value : [];
    return isMap(value) ? value : new Map();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return array ? [message] : new Map<string, Value>([['Error', message]]);
  }
}
