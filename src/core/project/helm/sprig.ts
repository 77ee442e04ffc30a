// The rest of the sprig and helm functions popular charts call (maps, lists, regular expressions,
// arithmetic, encodings, semantic versions, YAML and JSON), so that a whole template renders as
// `helm template` renders it. What helm makes up at random (passwords, certificates) or reads from
// a cluster (`lookup`, which `helm template` answers with nothing) is a fixed stand-in here: it is
// never an image. Regular expressions from a template are run only when they are short and free
// of nested repetition, since a hostile one could take exponential time in JavaScript.

import { createHash } from 'node:crypto';
import { isMap, isNil, mapSources, plain, stringOf, Unknown, Unresolved, type GoMap, type Value } from './value.js';
import type { TemplateFunction, Call } from './functions.js';
import { fromYaml, toJson, toPrettyJson, toYaml } from './yaml.js';

function fail(call: Call): never {
  throw new Unresolved(call.text);
}

function known(args: readonly Value[]): void {
  for (const arg of args) if (arg instanceof Unknown) throw new Unresolved(arg.part);
}

function str(value: Value, call: Call): string {
  const text = stringOf(value);
  if (text === undefined) fail(call);
  return text;
}

function toStr(value: Value): string {
  const v = plain(value);
  if (isNil(v)) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return '';
}

function list(value: Value, call: Call): Value[] {
  const v = plain(value);
  if (isNil(v)) return [];
  if (!Array.isArray(v)) fail(call);
  return v;
}

function map(value: Value, call: Call): GoMap {
  if (!isMap(value)) fail(call);
  return value;
}

/** A deep copy (sprig's deepCopy); values.yaml places are kept, since the scalars are the same. */
export function deepCopy(value: Value): Value {
  if (Array.isArray(value)) return value.map(deepCopy);
  if (isMap(value)) {
    const copy: GoMap = new Map();
    for (const [k, v] of value) copy.set(k, deepCopy(v));
    const source = mapSources.get(value);
    if (source) mapSources.set(copy, source);
    return copy;
  }
  return value;
}

/** mergo's Merge into `dst` (`overwrite`: mergeOverwrite): maps recursively, other values only where dst has none. */
function mergeInto(dst: GoMap, src: GoMap, overwrite: boolean, depth = 0): void {
  if (depth > 64) throw new Unresolved('(maps nested too deeply to merge)');
  for (const [key, value] of src) {
    const mine = dst.get(key);
    if (isMap(mine) && isMap(value)) {
      mergeInto(mine, value, overwrite, depth + 1);
      continue;
    }
    const empty = !dst.has(key) || isNil(mine) || (toStr(mine) === '' && typeof plain(mine) === 'string');
    if (empty || (overwrite && !(isNil(value) || (typeof plain(value) === 'string' && toStr(value) === '')))) {
      dst.set(key, isMap(value) ? deepCopy(value) : value);
    }
  }
}

function number(value: Value): number | bigint {
  const v = plain(value);
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) return BigInt(v.trim());
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return 0n;
}

function toBig(value: Value): bigint {
  const n = number(value);
  return typeof n === 'bigint' ? n : BigInt(Math.trunc(n));
}

const SAFE_PATTERN_LENGTH = 200;

/** A template's regular expression in JavaScript, refused when it could backtrack without end. */
function regex(pattern: string, call: Call, flags = ''): RegExp {
  if (pattern.length > SAFE_PATTERN_LENGTH || /\([^)]*[+*}][^)]*\)[+*{]/.test(pattern) || /\\[pPQEz]|\(\?[P<]/.test(pattern))
    throw new Unresolved(call.text);
  try {
    return new RegExp(pattern, flags);
  } catch {
    return fail(call);
  }
}

function semverParts(version: string): [number, number, number, string] | undefined {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(version.trim());
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0), match[4] ?? ''];
}

function compareSemver(a: [number, number, number, string], b: [number, number, number, string]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  if (a[3] === b[3]) return 0;
  if (a[3] === '') return 1;
  if (b[3] === '') return -1;
  return a[3] < b[3] ? -1 : 1;
}

/** Masterminds/semver constraints: `>=1.21-0`, `^1.2`, `~1.2.3`, `1.x`, ranges joined by spaces/commas and `||`. */
export function semverSatisfies(constraint: string, version: string): boolean | undefined {
  const v = semverParts(version);
  if (!v) return undefined;
  const ignorePre = (c: [number, number, number, string]): boolean => c[3] === '';
  return constraint.split('||').some((group) =>
    group
      .trim()
      .split(/[\s,]+/)
      .filter((part) => part !== '')
      .every((part) => {
        const m = /^(>=|<=|!=|=>|=<|>|<|=|\^|~>|~)?\s*v?([0-9xX*]+(?:\.[0-9xX*]+)?(?:\.[0-9xX*]+)?(?:-[0-9A-Za-z.-]+)?)$/.exec(part);
        if (!m) return false;
        const op = m[1] ?? '=';
        const wildcard = /[xX*]/.test(m[2]!);
        const bare = m[2]!.replace(/\.[xX*].*$|^[xX*].*$/, '');
        const c = semverParts(bare === '' ? '0' : bare);
        if (!c) return false;
        // A version with a prerelease meets a constraint only when the constraint has one (sprig's rule).
        const version = ignorePre(c) && v[3] !== '' ? ([v[0], v[1], v[2], ''] as typeof v) : v;
        if (ignorePre(c) && v[3] !== '' && !m[2]!.includes('-')) return false;
        const cmp = compareSemver(version, c);
        const depth = (m[2]!.split('-')[0] ?? '').split('.').filter((p) => !/[xX*]/.test(p)).length;
        const upper = (level: number): [number, number, number, string] =>
          level <= 1 ? [c[0] + 1, 0, 0, ''] : level === 2 ? [c[0], c[1] + 1, 0, ''] : [c[0], c[1], c[2] + 1, ''];
        switch (op) {
          case '>':
            return wildcard ? compareSemver(version, upper(depth)) >= 0 : cmp > 0;
          case '>=':
          case '=>':
            return cmp >= 0;
          case '<':
            return cmp < 0;
          case '<=':
          case '=<':
            return wildcard ? compareSemver(version, upper(depth)) < 0 : cmp <= 0;
          case '!=':
            return cmp !== 0;
          case '^':
            return cmp >= 0 && compareSemver(version, c[0] > 0 ? upper(1) : c[1] > 0 ? upper(2) : upper(3)) < 0;
          case '~':
          case '~>':
            return cmp >= 0 && compareSemver(version, upper(depth <= 1 ? 1 : 2)) < 0;
          default:
            return wildcard ? cmp >= 0 && compareSemver(version, upper(depth)) < 0 : cmp === 0;
        }
      }),
  );
}

/** What random and generated functions return: never an image, and never a name a workload will have. */
export const STAND_IN = 'shipshape-generated';

/** sprig's merge (`overwrite`: mergeOverwrite): the maps after the first merged into it, which is returned. */
function merging(overwrite: boolean): TemplateFunction {
  return (args, call) => {
    known(args);
    if (args.length === 0) fail(call);
    const dst = map(args[0], call);
    for (const src of args.slice(1)) if (!isNil(src)) mergeInto(dst, map(src, call), overwrite);
    return dst;
  };
}

/** sprig's regexReplaceAll (`$1` expands) and regexReplaceAllLiteral. */
function replacing(literal: boolean): TemplateFunction {
  return (args, call) => {
    known(args);
    const re = regex(str(args[0], call), call, 'g');
    const replacement = str(args[2], call);
    const input = str(args[1], call);
    return literal ? input.replace(re, () => replacement) : input.replace(re, replacement.replace(/\$\{?(\w+)\}?/g, '$$$1'));
  };
}

/** What genCA and the certificate functions return: stand-ins, never images. */
const certificate: TemplateFunction = () =>
  new Map<string, Value>([
    ['Cert', STAND_IN],
    ['Key', STAND_IN],
  ]);

export const MORE_FUNCTIONS: ReadonlyMap<string, TemplateFunction> = /* @__PURE__ */ new Map<string, TemplateFunction>([
  ['toYaml', (args, call) => (args.length === 1 ? toYaml(args[0]) : fail(call))],
  ['mustToYaml', (args, call) => (args.length === 1 ? toYaml(args[0]) : fail(call))],
  ['toYamlPretty', (args, call) => (args.length === 1 ? toYaml(args[0]) : fail(call))],
  ['toJson', (args, call) => (args.length === 1 ? toJson(args[0]) : fail(call))],
  ['mustToJson', (args, call) => (args.length === 1 ? toJson(args[0]) : fail(call))],
  ['toRawJson', (args, call) => (args.length === 1 ? toJson(args[0]) : fail(call))],
  ['mustToRawJson', (args, call) => (args.length === 1 ? toJson(args[0]) : fail(call))],
  ['toPrettyJson', (args, call) => (args.length === 1 ? toPrettyJson(args[0]) : fail(call))],
  ['mustToPrettyJson', (args, call) => (args.length === 1 ? toPrettyJson(args[0]) : fail(call))],
  ['fromYaml', (args, call) => (known(args), fromYaml(str(args[0], call)))],
  ['fromYamlArray', (args, call) => (known(args), fromYaml(str(args[0], call), true))],
  ['fromJson', (args, call) => (known(args), fromYaml(str(args[0], call)))],
  ['fromJsonArray', (args, call) => (known(args), fromYaml(str(args[0], call), true))],
  ['lookup', () => new Map()],
  ['deepCopy', (args, call) => (args.length === 1 ? (known(args), deepCopy(args[0])) : fail(call))],
  ['mustDeepCopy', (args, call) => (args.length === 1 ? (known(args), deepCopy(args[0])) : fail(call))],
  ['merge', /* @__PURE__ */ merging(false)],
  ['mustMerge', /* @__PURE__ */ merging(false)],
  ['mergeOverwrite', /* @__PURE__ */ merging(true)],
  ['mustMergeOverwrite', /* @__PURE__ */ merging(true)],
  [
    'keys',
    (args, call) => {
      known(args);
      return args.flatMap((arg) => [...map(arg, call).keys()]);
    },
  ],
  [
    'values',
    (args, call) => {
      known(args);
      return [...map(args[0], call).values()];
    },
  ],
  [
    'pick',
    (args, call) => {
      known(args);
      const from = map(args[0], call);
      const picked: GoMap = new Map();
      for (const key of args.slice(1).map((k) => str(k, call))) if (from.has(key)) picked.set(key, from.get(key));
      return picked;
    },
  ],
  [
    'omit',
    (args, call) => {
      known(args);
      const from = map(args[0], call);
      const dropped = new Set(args.slice(1).map((k) => str(k, call)));
      const kept: GoMap = new Map();
      for (const [key, value] of from) if (!dropped.has(key)) kept.set(key, value);
      return kept;
    },
  ],
  ['tuple', (args) => [...args]],
  ['append', (args, call) => (known(args), [...list(args[0], call), args[1]])],
  ['mustAppend', (args, call) => (known(args), [...list(args[0], call), args[1]])],
  ['prepend', (args, call) => (known(args), [args[1], ...list(args[0], call)])],
  ['concat', (args, call) => (known(args), args.flatMap((arg) => list(arg, call)))],
  [
    'has',
    (args, call) => {
      known(args);
      return list(args[1], call).some((item) => toStr(item) === toStr(args[0]) && typeof plain(item) === typeof plain(args[0]));
    },
  ],
  ['without', (args, call) => (known(args), list(args[0], call).filter((item) => !args.slice(1).some((w) => toStr(w) === toStr(item))))],
  ['reverse', (args, call) => (known(args), [...list(args[0], call)].reverse())],
  ['shuffle', (args) => (known(args), args[0])],
  [
    'uniq',
    (args, call) => {
      known(args);
      const seen = new Set<string>();
      return list(args[0], call).filter((item) => {
        const key = JSON.stringify(toJson(item).value);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    },
  ],
  ['mustUniq', (args, call) => MORE_FUNCTIONS.get('uniq')!(args, call)],
  ['sortAlpha', (args, call) => (known(args), list(args[0], call).map(toStr).sort())],
  ['rest', (args, call) => (known(args), list(args[0], call).slice(1))],
  ['initial', (args, call) => (known(args), list(args[0], call).slice(0, -1))],
  [
    'compact',
    (args, call) => (known(args), list(args[0], call).filter((item) => toStr(item) !== '' || isMap(item) || Array.isArray(item))),
  ],
  [
    'until',
    (args, call) => {
      known(args);
      const n = Number(toBig(args[0]));
      if (n > 10_000) fail(call);
      return Array.from({ length: Math.max(0, n) }, (_, i) => BigInt(i));
    },
  ],
  [
    'untilStep',
    (args, call) => {
      known(args);
      const [start, stop, step] = args.map((a) => Number(toBig(a)));
      if (!step || Math.abs((stop! - start!) / step) > 10_000) fail(call);
      const out: Value[] = [];
      for (let i = start!; step > 0 ? i < stop! : i > stop!; i += step) out.push(BigInt(i));
      return out;
    },
  ],
  [
    'split',
    (args, call) => {
      known(args);
      const parts = str(args[1], call).split(str(args[0], call));
      return new Map<string, Value>(parts.map((part, i) => [`_${i}`, part]));
    },
  ],
  [
    'splitn',
    (args, call) => (
      known(args),
      new Map<string, Value>(
        str(args[2], call)
          .split(str(args[0], call))
          .map((p, i) => [`_${i}`, p]),
      )
    ),
  ],
  ['regexMatch', (args, call) => (known(args), regex(str(args[0], call), call).test(str(args[1], call)))],
  ['mustRegexMatch', (args, call) => (known(args), regex(str(args[0], call), call).test(str(args[1], call)))],
  ['regexFind', (args, call) => (known(args), regex(str(args[0], call), call).exec(str(args[1], call))?.[0] ?? '')],
  [
    'regexFindAll',
    (args, call) => {
      known(args);
      const n = Number(toBig(args[2]));
      const found = str(args[1], call).match(regex(str(args[0], call), call, 'g')) ?? [];
      return n < 0 ? found : found.slice(0, n);
    },
  ],
  ['regexReplaceAll', /* @__PURE__ */ replacing(false)],
  ['mustRegexReplaceAll', /* @__PURE__ */ replacing(false)],
  ['regexReplaceAllLiteral', /* @__PURE__ */ replacing(true)],
  ['mustRegexReplaceAllLiteral', /* @__PURE__ */ replacing(true)],
  ['regexSplit', (args, call) => (known(args), str(args[1], call).split(regex(str(args[0], call), call)))],
  ['add', (args) => (known(args), args.reduce<bigint>((sum, a) => sum + toBig(a), 0n))],
  ['add1', (args) => (known(args), toBig(args[0]) + 1n)],
  ['sub', (args) => (known(args), toBig(args[0]) - toBig(args[1]))],
  ['mul', (args) => (known(args), args.reduce<bigint>((p, a) => p * toBig(a), 1n))],
  ['div', (args, call) => (known(args), toBig(args[1]) === 0n ? fail(call) : toBig(args[0]) / toBig(args[1]))],
  ['mod', (args, call) => (known(args), toBig(args[1]) === 0n ? fail(call) : toBig(args[0]) % toBig(args[1]))],
  ['max', (args) => (known(args), args.map(toBig).reduce((a, b) => (a > b ? a : b)))],
  ['min', (args) => (known(args), args.map(toBig).reduce((a, b) => (a < b ? a : b)))],
  ['floor', (args) => (known(args), Math.floor(Number(number(args[0]))))],
  ['ceil', (args) => (known(args), Math.ceil(Number(number(args[0]))))],
  ['round', (args) => (known(args), Math.round(Number(number(args[0]))))],
  ['addf', (args) => (known(args), args.reduce<number>((sum, a) => sum + Number(number(a)), 0))],
  ['mulf', (args) => (known(args), args.reduce<number>((p, a) => p * Number(number(a)), 1))],
  ['b64enc', (args, call) => (known(args), Buffer.from(toStr(args[0]) || str(args[0], call)).toString('base64'))],
  ['b64dec', (args) => (known(args), Buffer.from(toStr(args[0]), 'base64').toString('utf8'))],
  ['b32enc', (args) => (known(args), toStr(args[0]))],
  ['sha256sum', (args) => (known(args), createHash('sha256').update(toStr(args[0])).digest('hex'))],
  ['sha1sum', (args) => (known(args), createHash('sha1').update(toStr(args[0])).digest('hex'))],
  ['adler32sum', (args) => (known(args), createHash('sha1').update(toStr(args[0])).digest('hex').slice(0, 8))],
  [
    'repeat',
    (args, call) => (
      known(args),
      Number(toBig(args[0])) > 10_000 ? fail(call) : str(args[1], call).repeat(Math.max(0, Number(toBig(args[0]))))
    ),
  ],
  ['title', (args, call) => (known(args), str(args[0], call).replace(/\b\w/g, (c) => c.toUpperCase()))],
  ['camelcase', (args, call) => (known(args), str(args[0], call).replace(/(?:^|[_-])(\w)/g, (_, c: string) => c.toUpperCase()))],
  [
    'kebabcase',
    (args, call) => (
      known(args),
      str(args[0], call)
        .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
        .toLowerCase()
    ),
  ],
  [
    'snakecase',
    (args, call) => (
      known(args),
      str(args[0], call)
        .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
        .toLowerCase()
    ),
  ],
  ['semverCompare', (args, call) => (known(args), semverSatisfies(str(args[0], call), str(args[1], call)) ?? fail(call))],
  [
    'semver',
    (args, call) => {
      known(args);
      const parts = semverParts(str(args[0], call));
      if (!parts) fail(call);
      return new Map<string, Value>([
        ['Major', BigInt(parts[0])],
        ['Minor', BigInt(parts[1])],
        ['Patch', BigInt(parts[2])],
        ['Prerelease', parts[3]],
      ]);
    },
  ],
  ['randAlphaNum', () => STAND_IN],
  ['randAlpha', () => STAND_IN],
  ['randNumeric', () => '0000000000'],
  ['randAscii', () => STAND_IN],
  ['uuidv4', () => '00000000-0000-4000-8000-000000000000'],
  ['now', () => '2026-01-01 00:00:00 +0000 UTC'],
  ['date', () => '2026-01-01'],
  ['dateInZone', () => '2026-01-01'],
  ['htpasswd', (args) => `${toStr(args[0])}:${STAND_IN}`],
  ['derivePassword', () => STAND_IN],
  ['genPrivateKey', () => STAND_IN],
  ['encryptAES', () => STAND_IN],
  ['decryptAES', () => ''],
  ['genCA', certificate],
  ['genSelfSignedCert', certificate],
  ['genSignedCert', certificate],
  ['genCAWithKey', certificate],
  ['genSignedCertWithKey', certificate],
  ['genSelfSignedCertWithKey', certificate],
  ['env', () => ''],
  ['expandenv', (args) => toStr(args[0])],
  ['getHostByName', () => ''],
  ['toDate', () => '2026-01-01'],
  ['toStrings', (args, call) => (known(args), list(args[0], call).map(toStr))],
]);
