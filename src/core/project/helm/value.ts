// Values as Go templates see them (helm reads values.yaml through JSON: numbers are float64,
// template constants int), printed as Go prints them, and strings that remember which
// values.yaml scalar each part of their text came from.

import type { Range } from '../../types.js';

/** A scalar written in values.yaml (or Chart.yaml), where a value came from. */
export interface Source {
  readonly file: string;
  readonly key: readonly string[];
  readonly range: Range;
  /** The scalar as written, without its quotes when it has no escapes. */
  readonly raw: string;
  readonly from: 'values' | 'chart';
}

/** A mapping of values.yaml (the place to add a key to it). */
export interface MapSource {
  readonly file: string;
  readonly key: readonly string[];
  /** From its first key to the end of its last value. */
  readonly range: Range;
}

/** Part of a string's text. */
export interface Piece {
  readonly text: string;
  readonly source?: Source;
  /** The text is the source's whole value as printed (not a part, not changed). */
  readonly exact?: boolean;
  /** The text stands for a value that was not there (the expression that read it). */
  readonly missing?: string;
  /** Where the template wrote it: its own text (`text`: offsets of exactly this text), or the action that printed it. */
  readonly origin?: Origin;
}

/** A place in a template file a piece of the output came from. */
export interface Origin {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly text: boolean;
}

/** Part of a piece's text (`from`, `to` within it): a part is no longer exact, and its own text keeps its place. */
export function slicePiece(piece: Piece, from: number, to: number): Piece {
  if (from === 0 && to === piece.text.length) return piece;
  const origin = piece.origin?.text ? { ...piece.origin, start: piece.origin.start + from, end: piece.origin.start + to } : piece.origin;
  return { ...piece, text: piece.text.slice(from, to), ...(piece.exact && { exact: false }), ...(origin && { origin }) };
}

/** Strings longer than this (or of more pieces) stop an evaluation: templates may double a string in a loop. */
export const MAX_STRING = 16 * 1024 * 1024;
const MAX_PIECES = 50_000;

/** A Go string built from pieces (printf, include, values scalars). */
export class Text {
  readonly value: string;

  constructor(readonly pieces: readonly Piece[]) {
    if (pieces.length > MAX_PIECES) throw new Unresolved('(a string is too long)');
    // Most texts are one piece (a values scalar, a template's literal): no array is made for them.
    let value = '';
    for (const piece of pieces) value += piece.text;
    this.value = value;
    if (this.value.length > MAX_STRING) throw new Unresolved('(a string is too long)');
  }
}

/** A number or boolean from values.yaml. */
export class Sourced {
  constructor(
    readonly value: number | boolean,
    readonly source: Source,
  ) {}
}

/**
 * Nothing: a key a map does not have, or a null in values.yaml. `dug` is Go's distinction between
 * a nil interface (a field of it is an error) and the invalid value a pipeline leaves (a field of
 * it is nothing again), which `(.global).imageRegistry` relies on.
 */
export class Missing {
  constructor(
    readonly part: string,
    readonly dug: boolean,
    readonly source?: Source,
  ) {}
}

/** What could not be evaluated (a failed variable declaration): an error when used. */
export class Unknown {
  constructor(readonly part: string) {}
}

export type GoMap = Map<string, Value>;

/** An object with methods (`.Capabilities.APIVersions.Has`, `.Files.Get`): `value` is what printing and `range` see. */
export class Methods {
  constructor(
    readonly methods: ReadonlyMap<string, (args: readonly Value[]) => Value>,
    readonly fields: GoMap = new Map(),
    readonly value: Value = undefined,
  ) {}
}

export type Value = string | number | bigint | boolean | undefined | Text | Sourced | Missing | Unknown | Methods | Value[] | GoMap;

/** Where each values.yaml mapping is written (maps made by templates have none). */
export const mapSources = /* @__PURE__ */ new WeakMap<GoMap, MapSource>();

/** `fail`, or `required` without its value, in a whole render: helm stops rendering the chart with this message. */
export class ChartFailure extends Error {
  constructor(
    message: string,
    readonly part: string,
  ) {
    super(message);
  }
}

/** Evaluation stopped: `part` is the text of what could not be resolved. */
export class Unresolved extends Error {
  constructor(readonly part: string) {
    super(`unresolved: ${part}`);
  }
}

export function isMap(value: Value): value is GoMap {
  return value instanceof Map;
}

export function isNil(value: Value): value is Missing | undefined {
  return value === undefined || value instanceof Missing;
}

/** The value without its source. */
export function plain(value: Value): Value {
  if (value instanceof Text) return value.value;
  if (value instanceof Sourced) return value.value;
  if (value instanceof Methods) return plain(value.value);
  return value;
}

/** The string of a string value, else undefined. */
export function stringOf(value: Value): string | undefined {
  const v = plain(value);
  return typeof v === 'string' ? v : undefined;
}

export type Kind = 'string' | 'float64' | 'int' | 'bool' | 'slice' | 'map' | 'invalid';

export function kindOf(value: Value): Kind {
  const v = plain(value);
  if (v instanceof Unknown) throw new Unresolved(v.part);
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'slice';
  if (v instanceof Map) return 'map';
  return 'invalid';
}

/** Go's type name, as sprig's typeOf says it. */
export function typeName(value: Value): string {
  const kind = kindOf(value);
  return kind === 'slice' ? '[]interface {}' : kind === 'map' ? 'map[string]interface {}' : kind === 'invalid' ? '<nil>' : kind;
}

/** Truth as `if`, `and`, `or`, `not` and `with` see it. */
export function truth(value: Value): boolean {
  const v = plain(value);
  if (v instanceof Unknown) throw new Unresolved(v.part);
  if (v === undefined || v instanceof Missing) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (Array.isArray(v)) return v.length > 0;
  return v instanceof Map ? v.size > 0 : true;
}

/** Sprig's `empty` (the test `default` and `coalesce` use): the same as falsehood for these kinds. */
export function isEmpty(value: Value): boolean {
  return !truth(value);
}

/** Lists and maps printed whole: the same list may be nested in itself many times over. */
const MAX_PRINTED_ITEMS = 10_000;
const MAX_PRINTED_DEPTH = 32;

/** Pieces of a value's text as Go's `%v` prints it (`<nil>` for nothing, marked missing). */
export function formatValue(value: Value, part: string, budget = { items: 0, depth: 0 }): Piece[] {
  if (value instanceof Methods) return formatValue(value.value, part, budget);
  if (value instanceof Text) return [...value.pieces];
  if (value instanceof Sourced) return [{ text: formatPlain(value.value), source: value.source, exact: true }];
  if (value instanceof Unknown) throw new Unresolved(value.part);
  if (value === undefined || value instanceof Missing) {
    return [{ text: '<nil>', missing: value?.part || part, ...(value?.source && { source: value.source }) }];
  }
  if (Array.isArray(value) || value instanceof Map) {
    if (budget.depth >= MAX_PRINTED_DEPTH) throw new Unresolved('(a value is nested too deeply to print)');
    budget.depth++;
    const pieces = formatCollection(value, part, budget);
    budget.depth--;
    return [{ text: pieces.map((p) => p.text).join(''), ...missingOf(pieces) }];
  }
  return [{ text: formatPlain(value) }];
}

function formatCollection(value: Value[] | GoMap, part: string, budget: { items: number; depth: number }): Piece[] {
  budget.items += Array.isArray(value) ? value.length : value.size;
  if (budget.items > MAX_PRINTED_ITEMS) throw new Unresolved('(a value is too large to print)');
  const pieces: Piece[] = [];
  if (Array.isArray(value)) {
    pieces.push({ text: '[' });
    value.forEach((item, i) => pieces.push(...(i > 0 ? [{ text: ' ' }] : []), ...formatValue(item, part, budget)));
    pieces.push({ text: ']' });
  } else {
    pieces.push({ text: 'map[' });
    [...value.keys()]
      .sort()
      .forEach((key, i) => pieces.push({ text: `${i > 0 ? ' ' : ''}${key}:` }, ...formatValue(value.get(key), part, budget)));
    pieces.push({ text: ']' });
  }
  return pieces;
}

export function missingOf(pieces: readonly Piece[]): { missing?: string } {
  const found = pieces.find((p) => p.missing !== undefined);
  return found ? { missing: found.missing! } : {};
}

function formatPlain(value: string | number | bigint | boolean): string {
  if (typeof value === 'number') return goFloat(value);
  return String(value);
}

/** How text/template writes a value into the output: helm turns `<no value>` into nothing. */
export function printValue(value: Value, part: string): Piece[] {
  if (value === undefined || value instanceof Missing) {
    return [{ text: '', missing: value?.part || part, ...(value?.source && { source: value.source }) }];
  }
  return formatValue(value, part);
}

/** A float64 as Go's `%v` writes it: the shortest digits, exponent form from 1e+06 and below 1e-04 (strconv 'g', -1). */
export function goFloat(x: number, bits: 32 | 64 = 64): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, exponentText] = shortest(x, bits).split('e');
  const exponent = Number(exponentText);
  const digits = mantissa!.replace('-', '').replace('.', '');
  const sign = x < 0 ? '-' : '';
  if (exponent < -4 || exponent >= 6) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const magnitude = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${digits[0]}${fraction}e${exponent < 0 ? '-' : '+'}${magnitude}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return `${sign}${digits}${'0'.repeat(exponent + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

/** The shortest exponent form that reads back as the same float64 (or float32). */
function shortest(x: number, bits: 32 | 64): string {
  if (bits === 64) return x.toExponential();
  const target = Math.fround(x);
  for (let precision = 1; precision <= 9; precision++) {
    const text = x.toExponential(precision - 1);
    if (Math.fround(Number(text)) === target) return text;
  }
  return x.toExponential();
}
