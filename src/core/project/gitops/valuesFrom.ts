// Flux's `valuesFrom`: the values a HelmRelease takes from ConfigMaps and Secrets, when these are
// manifests of the repository, merged as helm-controller merges them (each entry in order, a
// `targetPath` setting one value as `--set` would), under the HelmRelease's own `values`. Each
// value keeps its place in the ConfigMap; a Secret's base64 `data` has no place finer than the
// key's value, and nothing can be written there. A Secret's values never enter a message.

import * as path from 'node:path';
import type { ProjectFiles } from '../files.js';
import { readValues } from '../helm/values.js';
import { mapSources, Missing, Sourced, Text, type GoMap, type Source, type Value } from '../helm/value.js';
import type { Range } from '../../types.js';
import { mayHoldValuesObject, valuesObjects, type DataValue, type ValuesObject } from './configMaps.js';
import type { ValuesReference } from './objects.js';
import { mergeInto, mergeMaps, setOne } from './setValues.js';

/** A place that holds values but where no edit can be written (a Secret's base64 `data` value). */
export interface Sealed {
  readonly file: string;
  readonly range: Range;
  /** Why, for the pin's message. */
  readonly why: string;
}

export interface ValuesFrom {
  readonly values: GoMap;
  /** The ConfigMaps' and Secrets' files, the last entry's first (an image they set is placed there). */
  readonly files: readonly string[];
  readonly sealed: readonly Sealed[];
  readonly notes: readonly string[];
  readonly errors: readonly { readonly file: string; readonly range?: Range; readonly message: string }[];
}

/** The ConfigMaps and Secrets of the repository's YAML files, read once when a HelmRelease asks. */
export class ValuesObjects {
  private objects: Promise<ValuesObject[]> | undefined;
  private readonly folders = new Map<string, Promise<ValuesObject[]>>();

  constructor(
    private readonly files: readonly string[],
    private readonly fs: ProjectFiles,
  ) {}

  /**
   * The object of that kind and name a HelmRelease in `namespace` (written in `from`) reads: among
   * the repository's files and those of the HelmRelease's own folder, in its namespace (an object
   * or a HelmRelease that writes none may be applied in any), the nearest to the HelmRelease.
   * Several as near: `several`, none read.
   */
  async find(kind: string, name: string, namespace: string | undefined, from: string): Promise<{ found?: ValuesObject; several?: number }> {
    const all = [...(await this.all()), ...(await this.folder(path.dirname(from)))];
    const unique = [...new Map(all.map((o) => [`${o.file}|${o.kind}|${o.namespace ?? ''}|${o.name}`, o])).values()];
    const matching = unique.filter(
      (o) => o.kind === kind && o.name === name && (o.namespace === undefined || namespace === undefined || o.namespace === namespace),
    );
    const score = (o: ValuesObject) =>
      (o.namespace !== undefined && o.namespace === namespace ? 1_000_000 : 0) +
      (o.file === from ? 100_000 : 0) +
      sharedFolders(o.file, from);
    const best = Math.max(...matching.map(score));
    const nearest = matching.filter((o) => score(o) === best);
    if (nearest.length > 1) return { several: nearest.length };
    return nearest[0] ? { found: nearest[0] } : {};
  }

  private all(): Promise<ValuesObject[]> {
    return (this.objects ??= this.read(this.files));
  }

  private folder(folder: string): Promise<ValuesObject[]> {
    let found = this.folders.get(folder);
    if (!found) {
      found = this.fs
        .list(folder)
        .then((entries) =>
          this.read((entries ?? []).filter((e) => !e.folder && /\.ya?ml$/i.test(e.name)).map((e) => path.join(folder, e.name))),
        );
      this.folders.set(folder, found);
    }
    return found;
  }

  private async read(files: readonly string[]): Promise<ValuesObject[]> {
    const found: ValuesObject[] = [];
    for (const file of files) {
      const text = await this.fs.read(file);
      if (text !== undefined && mayHoldValuesObject(text)) found.push(...valuesObjects(text, file));
    }
    return found;
  }
}

/** How many folders two files' paths share. */
function sharedFolders(a: string, b: string): number {
  const x = path.dirname(a).split(path.sep);
  const y = path.dirname(b).split(path.sep);
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  return n;
}

/** The values a HelmRelease's `valuesFrom` entries give, merged in their order. */
export async function valuesFrom(
  refs: readonly ValuesReference[],
  namespace: string | undefined,
  from: string,
  objects: ValuesObjects,
): Promise<ValuesFrom> {
  let values: GoMap = new Map();
  const files: string[] = [];
  const sealed: Sealed[] = [];
  const notes: string[] = [];
  const errors: { file: string; range?: Range; message: string }[] = [];
  for (const ref of refs) {
    const what = `valuesFrom ${ref.kind} ${ref.name}`;
    const { found, several } = await objects.find(ref.kind, ref.name, namespace, from);
    if (several !== undefined) {
      notes.push(`${what}: ${several} of that name in the repository, as near as each other: not read (which one is applied is not known)`);
      continue;
    }
    if (!found) {
      // Flux skips a missing optional reference; a required one may be made elsewhere (a generator, the cluster).
      if (!ref.optional)
        notes.push(
          `${what}: not a manifest of this repository (made by a generator or in the cluster?): the images it sets are not listed`,
        );
      continue;
    }
    if (found.encrypted) {
      notes.push(`${what}: encrypted with SOPS, not read: the images it sets are not listed`);
      continue;
    }
    const data = found.data.get(ref.key);
    if (!data) {
      if (!ref.optional) notes.push(`${what} has no key ${ref.key}: not read`);
      continue;
    }
    const secret = found.kind === 'Secret';
    if (data.decoded !== undefined)
      sealed.push({ file: found.file, range: data.written.range, why: `the value is base64 in the Secret \`${found.name}\`` });
    if (ref.targetPath !== undefined) {
      const text = data.decoded ?? data.written.value;
      // helm-controller sets a quoted value as a string (its quotes trimmed), another as --set types it.
      const quoted = /^(['"]).*\1$/s.test(text);
      try {
        const place = { file: found.file, range: data.written.range, raw: secret ? text : data.written.value };
        values = mergeInto(values, setOne(ref.targetPath, quoted ? text.replace(/^['"]+|['"]+$/g, '') : text, quoted, place));
      } catch (error) {
        if (!(error instanceof Error)) throw error;
        const why = secret ? 'helm cannot set the value there' : error.message;
        errors.push({ file: from, message: `${what} targetPath ${ref.targetPath}: ${why}` });
        continue;
      }
    } else {
      const read = readData(data, found);
      for (const e of read.errors)
        errors.push({
          file: found.file,
          ...(e.range && { range: e.range }),
          // A Secret's text is not repeated (the parser's message quotes it).
          message: `${ref.key} of ${found.kind} ${found.name}: ${secret ? 'not YAML values' : e.message}`,
        });
      values = mergeMaps(values, read.values);
    }
    files.unshift(found.file);
  }
  return { values, files: [...new Set(files)], sealed, notes, errors };
}

/** A key's values: from the manifest's text at their places, or decoded and placed on the key's value. */
function readData(data: DataValue, object: ValuesObject): { values: GoMap; errors: readonly { range?: Range; message: string }[] } {
  if (data.decoded === undefined) return readValues(data.valuesText ?? data.written.value, object.file);
  const read = readValues(data.decoded, object.file);
  // The decoded text's lines are not the file's: every value is at the key's value.
  const at = { file: object.file, range: data.written.range };
  return { values: relocate(read.values, at) as GoMap, errors: read.errors.map(() => ({ range: at.range, message: 'not YAML values' })) };
}

/** The same values, every place moved to `at`. */
function relocate(value: Value, at: { file: string; range: Range }): Value {
  const move = (source: Source): Source => ({ ...source, ...at });
  if (value instanceof Text) return new Text(value.pieces.map((p) => (p.source ? { ...p, source: move(p.source) } : p)));
  if (value instanceof Sourced) return new Sourced(value.value, move(value.source));
  if (value instanceof Missing && value.source) return new Missing(value.part, value.dug, move(value.source));
  if (Array.isArray(value)) return value.map((v) => relocate(v, at));
  if (value instanceof Map) {
    const moved: GoMap = new Map([...value].map(([k, v]) => [k, relocate(v, at)]));
    const source = mapSources.get(value);
    if (source) mapSources.set(moved, { ...source, ...at });
    return moved;
  }
  return value;
}
