// GitOps objects as roots of the project: an Argo CD Application (or ApplicationSet template), a
// Flux HelmRelease or Kustomization whose source is a folder of this repository, rendered by the
// Kustomize or Helm engine with the object's overrides, as the tool would render it. Only what
// the overrides decide is kept: the folder's own images are the folder's roots' already.

import * as path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { BudgetOptions } from '../budget.js';
import type { ProjectFiles } from '../files.js';
import { analyzeChart, CHART_FILE } from '../helm/chart.js';
import { parseSet } from '../helm/userValues.js';
import { isMap, Text, type GoMap, type Value } from '../helm/value.js';
import { readValues } from '../helm/values.js';
import { isKustomizationFile, renderKustomization } from '../kustomize.js';
import type { ImageRule } from '../kustomize/kustomization.js';
import type { Range } from '../../types.js';
import type { ChartProject, ImagesEntry, ImageWorkload, KustomizeRoot } from '../types.js';
import { editSetImage, fluxEditImages, fluxImageRule, setImageRule } from './images.js';
import { gitOpsSources, type GitOpsSource, type HelmOverrides, type Written } from './objects.js';

export type { GitOpsSource } from './objects.js';

export interface GitOpsRoot {
  readonly source: GitOpsSource;
  /** The folder rendered (absolute). */
  readonly folder: string;
  /** What the object's overrides decide, as the engines render them (only those images). */
  readonly kustomize?: KustomizeRoot;
  readonly chart?: ChartProject;
  /** Every image the object renders (those the folder decides too), as the tool's output has them. */
  readonly rendered: readonly { readonly reference: string; readonly workload?: ImageWorkload }[];
  readonly notes: readonly string[];
  readonly errors: readonly { readonly file: string; readonly range?: Range; readonly message: string }[];
}

/** The `kustomize edit set image` argument an Argo CD `images:` entry was read from (pinning writes into it). */
export const setImageArgs = new WeakMap<ImagesEntry, string>();

/** Files that may hold GitOps objects: YAML that is no kustomization, chart file or template. */
function candidate(file: string): boolean {
  if (!/\.ya?ml$/i.test(file) || isKustomizationFile(file) || path.basename(file) === CHART_FILE) return false;
  return !file.split(path.sep).includes('templates');
}

/**
 * The GitOps objects among `files` (absolute paths) whose source is a folder of the repository
 * (its path resolved from `repository`, else the folder all the files share, the scan's root, or
 * from one of the object's own folders below it) and that override images, each rendered with its
 * overrides.
 */
export async function analyzeGitOps(
  files: readonly string[],
  fs: ProjectFiles,
  limits: BudgetOptions = {},
  repository?: string,
): Promise<GitOpsRoot[]> {
  const absolute = files.map((f) => path.resolve(f));
  const root = repository !== undefined ? path.resolve(repository) : commonFolder(absolute);
  const roots: GitOpsRoot[] = [];
  for (const file of absolute.filter(candidate)) {
    const text = await fs.read(file);
    if (text === undefined) continue;
    for (const source of gitOpsSources(text, file)) {
      if (!overrides(source)) continue;
      const found = await resolveFolder(source, root, fs);
      if (!found) continue;
      await nextTurn();
      roots.push(await renderSource(source, found, fs, limits));
    }
  }
  return roots;
}

function overrides(source: GitOpsSource): boolean {
  const helm = source.helm;
  return (
    source.setImages.length > 0 ||
    source.fluxImages.length > 0 ||
    (helm !== undefined && (helm.valuesText !== undefined || helm.parameters.length > 0 || helm.valueFiles.length > 0))
  );
}

/** The folder all the files are in. */
function commonFolder(files: readonly string[]): string {
  if (files.length === 0) return path.resolve('.');
  let common = path.dirname(files[0]!);
  for (const file of files) while (!file.startsWith(common + path.sep) && path.dirname(common) !== common) common = path.dirname(common);
  return common;
}

interface Found {
  readonly folder: string;
  /** The repository's root the path was read from. */
  readonly root: string;
  readonly engine: 'kustomize' | 'helm';
}

/** The source's folder: its path from the files' root first, then from each folder of the object's below it. */
async function resolveFolder(source: GitOpsSource, root: string, fs: ProjectFiles): Promise<Found | undefined> {
  const written = source.path.value;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(written) || written.includes('{{') || path.isAbsolute(written)) return undefined;
  const bases = [root];
  const relative = path.relative(root, path.dirname(source.file));
  if (!relative.startsWith('..') && !path.isAbsolute(relative)) {
    let folder = root;
    for (const part of relative.split(path.sep).filter((p) => p !== '')) bases.push((folder = path.join(folder, part)));
  }
  for (const base of bases) {
    const folder = path.resolve(base, written);
    if (folder !== root && !folder.startsWith(root + path.sep)) continue;
    const entries = await fs.list(folder);
    if (!entries) continue;
    const chart = entries.some((e) => !e.folder && e.name === CHART_FILE);
    const kustomization = entries.some((e) => !e.folder && isKustomizationFile(e.name));
    const helm =
      source.helm !== undefined &&
      (source.helm.valuesText !== undefined || source.helm.parameters.length > 0 || source.helm.valueFiles.length > 0);
    if (chart && (helm || !kustomization)) return { folder, root: base, engine: 'helm' };
    if (kustomization) return { folder, root: base, engine: 'kustomize' };
  }
  return undefined;
}

async function renderSource(source: GitOpsSource, found: Found, fs: ProjectFiles, limits: BudgetOptions): Promise<GitOpsRoot> {
  const common = { source, folder: found.folder };
  if (found.engine === 'helm') return renderHelm(source, found, fs, limits);
  const errors: { file: string; range?: Range; message: string }[] = [];
  const rules: ImageRule[] = [];
  for (const arg of source.setImages) {
    const rule = setImageRule(source.file, arg);
    if ('error' in rule) errors.push({ file: source.file, range: arg.range, message: rule.error });
    else {
      setImageArgs.set(rule.entry, arg.value);
      rules.push(rule);
    }
  }
  const flux = source.fluxImages.map((image) => fluxImageRule(source.file, image));
  const edit = (images: readonly ImageRule[]) =>
    source.kind === 'Kustomization' ? fluxEditImages(images, flux) : editSetImage(images, rules);
  const rendered = await renderKustomization(found.folder, fs, limits, { file: source.file, edit });
  const mine = (file: string) => path.resolve(file) === source.file;
  const kustomize: KustomizeRoot = {
    ...rendered,
    // The images the object's entries decide; the others are the folder's own roots'.
    images: rendered.images.filter((image) => image.decidedAt.by === 'images-entry' && mine(image.decidedAt.file)),
    containers: [],
  };
  const all = rendered.images.map((image) => ({ reference: image.reference, workload: image.workload }));
  return { ...common, kustomize, rendered: all, notes: [...source.notes, ...rendered.notes], errors: [...errors, ...rendered.errors] };
}

async function renderHelm(source: GitOpsSource, found: Found, fs: ProjectFiles, limits: BudgetOptions): Promise<GitOpsRoot> {
  const helm = source.helm ?? { valueFiles: [], parameters: [] };
  const notes = [...source.notes];
  const errors: { file: string; range?: Range; message: string }[] = [];
  const valuesFiles: string[] = [];
  for (const written of helm.valueFiles) {
    const file = valueFile(written, found);
    if (file === undefined) notes.push(`valueFiles ${written.value}: not a file of this repository, not read`);
    else valuesFiles.push(file);
  }
  const layers: GoMap[] = [];
  if (helm.valuesText !== undefined) {
    const read = readValues(helm.valuesText, source.file);
    layers.push(read.values);
    errors.push(
      ...read.errors.map((e) => ({ file: source.file, ...(e.range && { range: e.range }), message: `helm values: ${e.message}` })),
    );
  }
  try {
    const set = parameterValues(helm.parameters, source.file);
    if (set.size > 0) layers.push(set);
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    errors.push({ file: source.file, message: error.message });
  }
  const prefer = [source.file, ...valuesFiles];
  const chart = await analyzeChart(found.folder, fs, { ...limits, valuesFiles, layers, prefer });
  const preferred = new Set(prefer);
  const decided = chart.images.filter((image) => image.value !== undefined && preferred.has(path.resolve(image.value.file)));
  return {
    source,
    folder: found.folder,
    chart: { ...chart, images: decided, containers: [] },
    rendered: chart.images.flatMap((image) =>
      image.active === false || image.reference === undefined
        ? []
        : [{ reference: image.reference, ...(image.workload && { workload: image.workload }) }],
    ),
    notes: [...notes, ...chart.notes],
    errors: [...errors, ...chart.errors],
  };
}

/** A `valueFiles` entry's file: relative to the chart's folder, or `$ref/…` to the repository's root; inside the root only. */
function valueFile(written: Written, found: Found): string | undefined {
  const ref = /^\$[^/]+\/(.*)$/.exec(written.value);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(written.value) || path.isAbsolute(written.value)) return undefined;
  const file = ref ? path.resolve(found.root, ref[1]!) : path.resolve(found.folder, written.value);
  return file.startsWith(found.root + path.sep) ? file : undefined;
}

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
function mergeInto(base: GoMap, over: GoMap): GoMap {
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
