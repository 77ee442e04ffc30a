// The template functions charts use to build image references (Go's builtins and the sprig and
// helm functions around strings, defaults, maps and lists), with Go's type checks: a function
// given what it cannot take stops the evaluation, as it stops `helm template`. Strings keep the
// pieces (and so the values.yaml places) they were built from where the text survives.

import {
  ChartFailure,
  formatValue,
  isEmpty,
  isMap,
  isNil,
  kindOf,
  MAX_STRING,
  Missing,
  missingOf,
  plain,
  slicePiece,
  stringOf,
  Text,
  truth,
  typeName,
  Unknown,
  Unresolved,
  type GoMap,
  type Piece,
  type Value,
} from './value.js';

/** What a function may need besides its arguments. */
export interface Call {
  /** The command's text, for saying what was not resolved. */
  readonly text: string;
  /** A whole render: `fail` and `required` stop the chart, as they stop helm. */
  readonly soft?: boolean;
  /** Records a lookup of a values.yaml mapping's key (pinning looks for `digest`). */
  readonly read: (map: GoMap, key: string, value: Value) => void;
}

export type TemplateFunction = (args: readonly Value[], call: Call) => Value;

function fail(call: Call): never {
  throw new Unresolved(call.text);
}

function arity(args: readonly Value[], call: Call, min: number, max = min): void {
  if (args.length < min || args.length > max) fail(call);
  for (const arg of args) if (arg instanceof Unknown) throw new Unresolved(arg.part);
}

/** A string parameter: Go refuses anything else (a float64 tag given to `trimPrefix`, a nil). */
function str(value: Value, call: Call): string {
  const text = stringOf(value);
  if (text === undefined) fail(call);
  return text;
}

function int(value: Value, call: Call): number {
  const v = plain(value);
  if (typeof v !== 'bigint') fail(call);
  return Number(v);
}

/** The pieces of a string value. */
function piecesOf(value: Value | string): Piece[] {
  if (value instanceof Text) return [...value.pieces];
  return [{ text: plain(value) as string }];
}

/** Part of a string, keeping the places its pieces came from (a part of a piece is no longer exact). */
export function sliceText(value: Value, start: number, end: number): Value {
  if (!(value instanceof Text)) return (plain(value) as string).slice(start, end);
  const pieces: Piece[] = [];
  let at = 0;
  for (const piece of value.pieces) {
    const from = Math.max(start, at);
    const to = Math.min(end, at + piece.text.length);
    if (to > from || (piece.text.length === 0 && at >= start && at <= end)) pieces.push(slicePiece(piece, from - at, to - at));
    at += piece.text.length;
  }
  return new Text(pieces);
}

/** A changed string: its text no longer comes from any one place (a missing part still counts). */
function changed(value: Value, text: string): Value {
  const before = stringOf(value);
  if (before === text) return value;
  return value instanceof Text ? new Text([{ text, ...missingOf(value.pieces) }]) : text;
}

function concat(parts: readonly (readonly Piece[])[]): Text {
  return new Text(parts.flat());
}

/** Sprig's strval: strings as they are, anything else as `%v` prints it. */
export function toText(value: Value, part: string): Value {
  if (value instanceof Text || typeof value === 'string') return value;
  return new Text(formatValue(value, part));
}

function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function quoteWith(args: readonly Value[], call: Call, quote: (inner: Value) => Piece[]): Value {
  const parts: Piece[][] = [];
  const missing: Piece[] = [];
  for (const arg of args) {
    if (arg instanceof Unknown) throw new Unresolved(arg.part);
    // Sprig skips nils: `quote` of nothing is an empty string, which the output must not take for a value.
    if (isNil(arg)) missing.push({ text: '', missing: arg?.part || call.text });
    else parts.push(quote(toText(arg, call.text)));
  }
  const joined = parts.flatMap((p, i) => (i > 0 ? [{ text: ' ' }, ...p] : p));
  return new Text([...missing, ...joined]);
}

function doubleQuote(inner: Value): Piece[] {
  const text = stringOf(inner)!;
  const quoted = goQuote(text);
  if (quoted.slice(1, -1) === text) return [{ text: '"' }, ...piecesOf(inner), { text: '"' }];
  return [{ text: quoted, ...missingOf(piecesOf(inner)) }];
}

/** Go's fmt verbs as printf's charts use them; flags and widths are not evaluated. */
function printf(args: readonly Value[], call: Call): Value {
  if (args.length === 0) fail(call);
  const format = str(args[0], call);
  const rest = args.slice(1);
  const out: Piece[] = [];
  let next = 0;
  let literal = '';
  const flush = (): void => {
    if (literal) out.push({ text: literal });
    literal = '';
  };
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%') {
      literal += ch;
      continue;
    }
    const verb = format[++i];
    if (verb === '%') {
      literal += '%';
      continue;
    }
    if (verb === undefined) {
      literal += '%!(NOVERB)';
      break;
    }
    if (!/[a-zA-Z]/.test(verb)) fail(call);
    flush();
    if (next >= rest.length) {
      out.push({ text: `%!${verb}(MISSING)` });
      continue;
    }
    out.push(...formatVerb(verb, rest[next++], call));
  }
  if (next < rest.length) {
    literal += `%!(EXTRA ${rest
      .slice(next)
      .map((arg) => `${typeName(arg)}=${pieceText(formatValue(arg, call.text))}`)
      .join(', ')})`;
  }
  flush();
  return new Text(out);
}

function pieceText(pieces: readonly Piece[]): string {
  return pieces.map((p) => p.text).join('');
}

function formatVerb(verb: string, arg: Value, call: Call): Piece[] {
  if (arg instanceof Unknown) throw new Unresolved(arg.part);
  const kind = kindOf(arg);
  const bad = (): Piece[] => {
    const pieces = formatValue(arg, call.text);
    const shown = kind === 'invalid' ? '<nil>' : `${typeName(arg)}=${pieceText(pieces)}`;
    return [{ text: `%!${verb}(${shown})`, ...missingOf(pieces) }];
  };
  switch (verb) {
    case 'v':
      return formatValue(arg, call.text);
    case 's':
      return kind === 'string' || kind === 'slice' || kind === 'map' ? formatValue(arg, call.text) : bad();
    case 'd':
      return kind === 'int' ? formatValue(arg, call.text) : bad();
    case 't':
      return kind === 'bool' ? formatValue(arg, call.text) : bad();
    case 'q':
      return kind === 'string' ? doubleQuote(arg) : bad();
    default:
      return fail(call);
  }
}

/** fmt.Sprint: a space between operands when neither is a string. */
function sprint(args: readonly Value[], call: Call, spaces: 'go' | 'always'): Piece[] {
  const out: Piece[] = [];
  args.forEach((arg, i) => {
    const isString = kindOf(arg) === 'string';
    const previous = i > 0 ? kindOf(args[i - 1]) === 'string' : true;
    if (i > 0 && (spaces === 'always' || (!isString && !previous))) out.push({ text: ' ' });
    out.push(...formatValue(arg, call.text));
  });
  return out;
}

function compare(a: Value, b: Value, call: Call): number {
  const x = plain(a);
  const y = plain(b);
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0;
  if ((typeof x === 'number' && typeof y === 'number') || (typeof x === 'bigint' && typeof y === 'bigint'))
    return x < y ? -1 : x > y ? 1 : 0;
  return fail(call);
}

function equal(a: Value, b: Value, call: Call): boolean {
  if (isNil(a) || isNil(b)) return isNil(a) && isNil(b);
  const x = plain(a);
  const y = plain(b);
  if (typeof x === 'boolean' && typeof y === 'boolean') return x === y;
  return compare(x, y, call) === 0;
}

function mapArg(value: Value, call: Call): GoMap {
  if (!isMap(value)) fail(call);
  return value;
}

function listArg(value: Value, call: Call): Value[] {
  if (!Array.isArray(value)) fail(call);
  return value;
}

function lookup(map: GoMap, key: string, call: Call): Value {
  const found = map.has(key) ? map.get(key) : new Missing(call.text, false);
  call.read(map, key, found);
  return found;
}

/** `set` and `unset` change the map they are given, values.yaml's too: helm's later templates see the change. */
function writable(map: GoMap): GoMap {
  return map;
}

/** Go's conversion of a number or numeric string to int, as sprig's cast does. */
function toInt(value: Value, call: Call): bigint {
  const v = plain(value);
  if (isNil(v)) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'string') return /^[+-]?\d+$/.test(v.trim()) ? BigInt(v.trim()) : 0n;
  return fail(call);
}

/** `indent`'s spaces, unless indenting every line would make too long a string. */
function padding(width: Value, text: Value, call: Call): string {
  const n = Math.max(0, int(width, call));
  const s = str(text, call);
  const lines = s.split('\n').length;
  if (n * lines + s.length > MAX_STRING) throw new Unresolved('(a string is too long)');
  return ' '.repeat(n);
}

/** `indent`/`nindent`: each line after `pad`, the pieces (and the places they came from) kept. */
function indented(value: Value, first: string, pad: string, text: string): Value {
  if (!(value instanceof Text)) return first + text.replace(/\n/g, `\n${pad}`);
  const out: Piece[] = [{ text: first }];
  for (const piece of value.pieces) {
    if (!piece.text.includes('\n')) {
      out.push(piece);
      continue;
    }
    let at = 0;
    for (const part of piece.text.split('\n')) {
      if (at > 0) out.push({ text: `\n${pad}` });
      if (part.length > 0) out.push(slicePiece(piece, at, at + part.length));
      at += part.length + 1;
    }
  }
  return new Text(out);
}

const trimmed = (value: Value, start: number, end: number): Value =>
  start === 0 && end === stringOf(value)!.length ? value : sliceText(value, start, end);

export const FUNCTIONS: ReadonlyMap<string, TemplateFunction> = new Map<string, TemplateFunction>([
  [
    'default',
    (args, call) => {
      arity(args, call, 1, 2);
      return args.length < 2 || isEmpty(args[1]) ? args[0] : args[1];
    },
  ],
  [
    'empty',
    (args, call) => {
      arity(args, call, 1);
      return isEmpty(args[0]);
    },
  ],
  ['coalesce', (args) => args.find((arg) => !isEmpty(arg))],
  [
    'ternary',
    (args, call) => {
      arity(args, call, 3);
      const test = plain(args[2]);
      if (typeof test !== 'boolean') fail(call);
      return test ? args[0] : args[1];
    },
  ],
  [
    'required',
    (args, call) => {
      arity(args, call, 2);
      const value = args[1];
      if (isNil(value) || stringOf(value) === '') {
        if (call.soft) throw new ChartFailure(stringOf(args[0]) ?? call.text, call.text);
        fail(call);
      }
      return value;
    },
  ],
  [
    'fail',
    (args, call) => {
      if (call.soft) throw new ChartFailure(stringOf(args[0]) ?? call.text, call.text);
      fail(call);
    },
  ],
  ['printf', printf],
  ['print', (args, call) => new Text(sprint(args, call, 'go'))],
  ['println', (args, call) => new Text([...sprint(args, call, 'always'), { text: '\n' }])],
  [
    'cat',
    (args, call) => {
      const present = args.filter((arg) => !isNil(arg));
      return new Text(present.flatMap((arg, i) => [...(i > 0 ? [{ text: ' ' }] : []), ...formatValue(arg, call.text)]));
    },
  ],
  ['quote', (args, call) => quoteWith(args, call, doubleQuote)],
  ['squote', (args, call) => quoteWith(args, call, (inner) => [{ text: "'" }, ...piecesOf(inner), { text: "'" }])],
  [
    'toString',
    (args, call) => {
      arity(args, call, 1);
      return toText(args[0], call.text);
    },
  ],
  [
    'trim',
    (args, call) => {
      arity(args, call, 1);
      const s = str(args[0], call);
      const start = s.length - s.trimStart().length;
      return trimmed(args[0], start, Math.max(start, s.trimEnd().length));
    },
  ],
  [
    'trimAll',
    (args, call) => {
      arity(args, call, 2);
      const cut = str(args[0], call);
      const s = str(args[1], call);
      let start = 0;
      let end = s.length;
      while (start < end && cut.includes(s[start]!)) start++;
      while (end > start && cut.includes(s[end - 1]!)) end--;
      return trimmed(args[1], start, end);
    },
  ],
  [
    'trimPrefix',
    (args, call) => {
      arity(args, call, 2);
      const prefix = str(args[0], call);
      const s = str(args[1], call);
      return s.startsWith(prefix) ? trimmed(args[1], prefix.length, s.length) : args[1];
    },
  ],
  [
    'trimSuffix',
    (args, call) => {
      arity(args, call, 2);
      const suffix = str(args[0], call);
      const s = str(args[1], call);
      return s.endsWith(suffix) ? trimmed(args[1], 0, s.length - suffix.length) : args[1];
    },
  ],
  [
    'trunc',
    (args, call) => {
      arity(args, call, 2);
      const n = int(args[0], call);
      const s = str(args[1], call);
      if (n < 0 && s.length + n > 0) return trimmed(args[1], s.length + n, s.length);
      if (n >= 0 && s.length > n) return trimmed(args[1], 0, n);
      return args[1];
    },
  ],
  [
    'substr',
    (args, call) => {
      arity(args, call, 3);
      const start = int(args[0], call);
      const end = int(args[1], call);
      const s = str(args[2], call);
      if (start < 0) return trimmed(args[2], 0, Math.min(end, s.length));
      if (end < 0 || end > s.length) return trimmed(args[2], Math.min(start, s.length), s.length);
      if (start > end) fail(call);
      return trimmed(args[2], start, end);
    },
  ],
  [
    'lower',
    (args, call) => {
      arity(args, call, 1);
      return changed(args[0], str(args[0], call).toLowerCase());
    },
  ],
  [
    'upper',
    (args, call) => {
      arity(args, call, 1);
      return changed(args[0], str(args[0], call).toUpperCase());
    },
  ],
  [
    'replace',
    (args, call) => {
      arity(args, call, 3);
      const from = str(args[0], call);
      const to = str(args[1], call);
      const s = str(args[2], call);
      const parts = from === '' ? [s] : s.split(from);
      if (s.length + (parts.length - 1) * to.length > MAX_STRING) throw new Unresolved('(a string is too long)');
      return changed(args[2], parts.join(to));
    },
  ],
  [
    'indent',
    (args, call) => {
      arity(args, call, 2);
      const pad = padding(args[0], args[1], call);
      return indented(args[1], pad, pad, str(args[1], call));
    },
  ],
  [
    'nindent',
    (args, call) => {
      arity(args, call, 2);
      const pad = padding(args[0], args[1], call);
      return indented(args[1], `\n${pad}`, pad, str(args[1], call));
    },
  ],
  [
    'contains',
    (args, call) => {
      arity(args, call, 2);
      return str(args[1], call).includes(str(args[0], call));
    },
  ],
  [
    'hasPrefix',
    (args, call) => {
      arity(args, call, 2);
      return str(args[1], call).startsWith(str(args[0], call));
    },
  ],
  [
    'hasSuffix',
    (args, call) => {
      arity(args, call, 2);
      return str(args[1], call).endsWith(str(args[0], call));
    },
  ],
  [
    'not',
    (args, call) => {
      arity(args, call, 1);
      return !truth(args[0]);
    },
  ],
  [
    'eq',
    (args, call) => {
      if (args.length < 2) fail(call);
      return args.slice(1).some((arg) => equal(args[0], arg, call));
    },
  ],
  [
    'ne',
    (args, call) => {
      arity(args, call, 2);
      return !equal(args[0], args[1], call);
    },
  ],
  ['lt', (args, call) => (arity(args, call, 2), compare(args[0], args[1], call) < 0)],
  ['le', (args, call) => (arity(args, call, 2), compare(args[0], args[1], call) <= 0)],
  ['gt', (args, call) => (arity(args, call, 2), compare(args[0], args[1], call) > 0)],
  ['ge', (args, call) => (arity(args, call, 2), compare(args[0], args[1], call) >= 0)],
  [
    'len',
    (args, call) => {
      arity(args, call, 1);
      const v = plain(args[0]);
      if (typeof v === 'string') return BigInt(new TextEncoder().encode(v).length);
      if (Array.isArray(v)) return BigInt(v.length);
      if (isMap(v)) return BigInt(v.size);
      return fail(call);
    },
  ],
  [
    'index',
    (args, call) => {
      if (args.length === 0) fail(call);
      let value = args[0];
      for (const key of args.slice(1)) {
        if (value instanceof Unknown) throw new Unresolved(value.part);
        const k = plain(key);
        if (isMap(value)) {
          if (typeof k !== 'string') fail(call);
          value = lookup(value, k, call);
        } else if (Array.isArray(value)) {
          if (typeof k !== 'bigint' || k < 0n || k >= BigInt(value.length)) fail(call);
          value = value[Number(k)];
        } else fail(call);
      }
      return value;
    },
  ],
  [
    'dict',
    (args, call) => {
      const map: GoMap = new Map();
      for (let i = 0; i < args.length; i += 2) map.set(stringOf(toText(args[i], call.text))!, i + 1 < args.length ? args[i + 1] : '');
      return map;
    },
  ],
  ['list', (args) => [...args]],
  [
    'get',
    (args, call) => {
      arity(args, call, 2);
      const map = mapArg(args[0], call);
      const key = str(args[1], call);
      return map.has(key) ? lookup(map, key, call) : '';
    },
  ],
  [
    'hasKey',
    (args, call) => {
      arity(args, call, 2);
      const map = mapArg(args[0], call);
      const key = str(args[1], call);
      call.read(map, key, map.get(key));
      return map.has(key);
    },
  ],
  [
    'set',
    (args, call) => {
      arity(args, call, 3);
      const map = writable(mapArg(args[0], call));
      map.set(str(args[1], call), args[2]);
      return map;
    },
  ],
  [
    'unset',
    (args, call) => {
      arity(args, call, 2);
      const map = writable(mapArg(args[0], call));
      map.delete(str(args[1], call));
      return map;
    },
  ],
  [
    'dig',
    (args, call) => {
      if (args.length < 3) fail(call);
      let value: Value = mapArg(args[args.length - 1], call);
      for (const key of args.slice(0, -2)) {
        if (!isMap(value)) return args[args.length - 2];
        const k = str(key, call);
        if (!value.has(k)) return args[args.length - 2];
        value = lookup(value, k, call);
      }
      return value;
    },
  ],
  [
    'first',
    (args, call) => {
      arity(args, call, 1);
      const list = listArg(args[0], call);
      return list.length > 0 ? list[0] : undefined;
    },
  ],
  [
    'last',
    (args, call) => {
      arity(args, call, 1);
      const list = listArg(args[0], call);
      return list.length > 0 ? list[list.length - 1] : undefined;
    },
  ],
  [
    'splitList',
    (args, call) => {
      arity(args, call, 2);
      return str(args[1], call).split(str(args[0], call));
    },
  ],
  [
    'join',
    (args, call) => {
      arity(args, call, 2);
      const sep = str(args[0], call);
      const items = Array.isArray(args[1]) ? args[1] : [args[1]];
      return concat(
        items.filter((item) => !isNil(item)).map((item, i) => [...(i > 0 ? [{ text: sep }] : []), ...piecesOf(toText(item, call.text))]),
      );
    },
  ],
  ['int', (args, call) => (arity(args, call, 1), toInt(args[0], call))],
  ['int64', (args, call) => (arity(args, call, 1), toInt(args[0], call))],
  ['atoi', (args, call) => (arity(args, call, 1), toInt(str(args[0], call), call))],
  [
    'float64',
    (args, call) => {
      arity(args, call, 1);
      const v = plain(args[0]);
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint') return Number(v);
      if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
      return isNil(v) || typeof v === 'string' ? 0 : fail(call);
    },
  ],
  ['kindIs', (args, call) => (arity(args, call, 2), str(args[0], call) === kindOf(args[1]))],
  ['kindOf', (args, call) => (arity(args, call, 1), kindOf(args[0]))],
  ['typeOf', (args, call) => (arity(args, call, 1), typeName(args[0]))],
  ['typeIs', (args, call) => (arity(args, call, 2), str(args[0], call) === typeName(args[1]))],
]);
