// Values a GitOps tool sets one at a time, as helm's `--set` does (Argo CD's `parameters` and
// `fileParameters`, Flux's `valuesFrom` with a `targetPath`), each string keeping the place it was
// written; and the merges of the tools, which differ from helm's own.

import { parseSet } from '../helm/userValues.js';
import { isMap, mapSources, Text, type GoMap, type Source, type Value } from '../helm/value.js';
import type { HelmOverrides } from './objects.js';

/**
 * Argo CD's `parameters` as helm's `--set` (`--set-string` with `forceString`), commas in a value
 * escaped as Argo CD escapes them; each string keeps the place of its `value:`.
 */
export function parameterValues(parameters: HelmOverrides['parameters'], file: string): GoMap {
  let values: GoMap = new Map();
  for (const { name, value, forceString } of parameters) {
    const escaped = /^\{.*\}$/.test(value.value) ? value.value : value.value.replace(/(^|[^\\]),/g, '$1\\,');
    const one = parseSet([`${name.value}=${escaped}`]);
    placeLeaf(one, [], (key, leaf) => {
      if (!(leaf instanceof Text) && !forceString) return leaf;
      const text = leaf instanceof Text ? leaf.value : value.value;
      return new Text([{ text, exact: true, source: { file, key, range: value.range, raw: value.value, from: 'values' } }]);
    });
    values = mergeInto(values, one);
  }
  return values;
}

/**
 * One `--set`-like assignment `path=text` (`--set-string` with `forceString`, `--set-file` gives
 * the file's text that way), its one leaf a string placed at `place` when helm reads it as one.
 * Throws an Error phrased for the user when helm's parser refuses it.
 */
export function setOne(path: string, text: string, forceString: boolean, place: Omit<Source, 'key' | 'from'>): GoMap {
  // The value is parsed as helm parses it (its commas split, its backslashes escape); a forced string is taken whole.
  const one = parseSet([`${path}=${forceString ? 'x' : text}`]);
  placeLeaf(one, [], (key, leaf) => {
    if (!(leaf instanceof Text) && !forceString) return leaf;
    const value = forceString ? text : (leaf as Text).value;
    return new Text([{ text: value, exact: value === place.raw, source: { ...place, key, from: 'values' } }]);
  });
  return one;
}

/** Replaces the one leaf a single `--set` assignment makes. */
function placeLeaf(node: GoMap | Value[], key: string[], place: (key: string[], leaf: Value) => Value): void {
  const entries: [string | number, Value][] = node instanceof Map ? [...node] : node.map((v, i) => [i, v] as [number, Value]);
  for (const [k, v] of entries) {
    if (v === undefined) continue;
    const next = [...key, String(k)];
    if (isMap(v) || Array.isArray(v)) placeLeaf(v, next, place);
    else if (node instanceof Map) node.set(k as string, place(next, v));
    else node[k as number] = place(next, v);
  }
}

/** `over` merged into `base` as successive `--set`s merge: mappings key by key, lists index by index. */
export function mergeInto(base: GoMap, over: GoMap): GoMap {
  const merged: GoMap = new Map(base);
  for (const [key, value] of over) {
    const mine = merged.get(key);
    if (isMap(value) && isMap(mine)) merged.set(key, mergeInto(mine, value));
    else if (Array.isArray(value) && Array.isArray(mine)) {
      const list = [...mine];
      value.forEach((item, i) => {
        if (item === undefined) return;
        const old = list[i];
        list[i] = isMap(item) && isMap(old) ? mergeInto(old, item) : item;
      });
      merged.set(key, list);
    } else merged.set(key, value);
  }
  return merged;
}

/**
 * Flux's `transform.MergeMaps`: mappings merge key by key, anything else (a list, a null) replaces;
 * a null is kept, so that helm then removes the chart's key.
 */
export function mergeMaps(base: GoMap, over: GoMap): GoMap {
  const merged: GoMap = new Map(base);
  const source = mapSources.get(base) ?? mapSources.get(over);
  if (source) mapSources.set(merged, source);
  for (const [key, value] of over) {
    const mine = merged.get(key);
    merged.set(key, isMap(value) && isMap(mine) ? mergeMaps(mine, value) : value);
  }
  return merged;
}
