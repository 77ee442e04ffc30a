// The values a user deploys a chart with, over the chart's own: `--values FILE` (each over the
// ones before) and `--set key=value` (over every file), merged as helm merges them (mappings key
// by key, a null removes the chart's key, anything else replaces it).

import { isMap, mapSources, Missing, Text, type GoMap, type Value } from './value.js';

/** `over` laid on `base` (neither is changed): mappings merge, a null removes, other values replace. */
export function overlay(base: GoMap, over: GoMap): GoMap {
  const merged: GoMap = new Map(base);
  const source = mapSources.get(base) ?? mapSources.get(over);
  if (source) mapSources.set(merged, source);
  for (const [key, value] of over) {
    const mine = merged.get(key);
    if (value instanceof Missing && !value.source) merged.delete(key);
    else if (value instanceof Missing) merged.delete(key);
    else if (isMap(value) && isMap(mine)) merged.set(key, overlay(mine, value));
    else merged.set(key, value);
  }
  return merged;
}

/** One `--set` value as helm's strvals types it: booleans, null, integers, else a string. */
function typed(text: string): Value {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return new Missing('--set', false);
  if (/^-?(0|[1-9]\d{0,17})$/.test(text)) return BigInt(text);
  return new Text([{ text }]);
}

/** Splits on `sep` where it is not escaped by a backslash (the escapes are kept). */
function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === sep) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

const MAX_INDEX = 1000;

/**
 * `--set` arguments (`a.b=c,d[0].e=f`, `\,` and `\.` escaped) as a values mapping; throws an Error
 * phrased for the user when one cannot be read, as helm refuses it.
 */
export function parseSet(args: readonly string[]): GoMap {
  const values: GoMap = new Map();
  for (const arg of args) {
    for (const assignment of splitUnescaped(arg, ',')) {
      const [key, ...rest] = splitUnescaped(assignment, '=');
      if (!key || rest.length === 0) throw new Error(`--set ${JSON.stringify(arg)}: expected key=value`);
      setPath(values, splitUnescaped(key, '.').map(unescape), typed(unescape(rest.join('='))), arg);
    }
  }
  return values;
}

function setPath(root: GoMap, path: readonly string[], value: Value, arg: string): void {
  const steps: (string | number)[] = [];
  for (const part of path) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match || match[1] === '') throw new Error(`--set ${JSON.stringify(arg)}: cannot read the key ${JSON.stringify(path.join('.'))}`);
    steps.push(match[1]!);
    for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) {
      const n = Number(index[1]);
      if (n > MAX_INDEX) throw new Error(`--set ${JSON.stringify(arg)}: the index ${n} is too large`);
      steps.push(n);
    }
  }
  let container: GoMap | Value[] = root;
  steps.forEach((step, i) => {
    const last = i === steps.length - 1;
    const nextIsIndex = typeof steps[i + 1] === 'number';
    const get = (): Value => (container instanceof Map ? container.get(step as string) : container[step as number]);
    const put = (v: Value): void => {
      if (container instanceof Map) container.set(step as string, v);
      else {
        while (container.length < (step as number)) container.push(undefined);
        container[step as number] = v;
      }
    };
    if (last) return put(value);
    let next = get();
    if (nextIsIndex ? !Array.isArray(next) : !isMap(next)) {
      next = nextIsIndex ? [] : new Map<string, Value>();
      put(next);
    }
    container = next as GoMap | Value[];
  });
}
