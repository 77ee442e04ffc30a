// GitOps objects as roots of the project: an Argo CD Application (or ApplicationSet template), a
// Flux HelmRelease (its chart a path, or a `chartRef` to a HelmChart of a path) or Kustomization
// whose source is a folder of this repository, rendered by the Kustomize or Helm engine with the
// object's overrides (a HelmRelease's `valuesFrom` ConfigMaps and Secrets too, when they are
// manifests of the repository), as the tool would render it. Only what the overrides decide is
// kept: the folder's own images are the folder's roots' already.

import * as path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { BudgetOptions } from '../budget.js';
import type { ProjectFiles } from '../files.js';
import { analyzeChart, CHART_FILE } from '../helm/chart.js';
import type { GoMap, Value } from '../helm/value.js';
import { readValues } from '../helm/values.js';
import { isKustomizationFile, renderKustomization } from '../kustomize.js';
import type { ImageRule } from '../kustomize/kustomization.js';
import type { Range } from '../../types.js';
import { LineIndex } from '../../util/lines.js';
import type { ChartImage, ChartProject, ImagesEntry, ImageWorkload, KustomizeRoot } from '../types.js';
import { editSetImage, fluxEditImages, fluxImageRule, setImageRule } from './images.js';
import {
  gitOpsObjects,
  type ChartRefRelease,
  type GitOpsSource,
  type HelmChartObject,
  type HelmOverrides,
  type Written,
} from './objects.js';
import { mergeInto, mergeMaps, parameterValues, setOne } from './setValues.js';
import { valuesFrom, ValuesObjects, type Sealed } from './valuesFrom.js';

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

/** How reports name a GitOps object: `Application argocd/guestbook` (its namespace when written). */
export function objectLabel(source: GitOpsSource): string {
  return `${source.kind} ${source.namespace !== undefined ? `${source.namespace}/` : ''}${source.name}`;
}

/** What analyzeGitOps finds: the roots, and what is said of objects that render nothing here. */
export interface GitOpsAnalysis {
  readonly roots: GitOpsRoot[];
  readonly notes: { readonly file: string; readonly reason: string }[];
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
): Promise<GitOpsAnalysis> {
  const absolute = files.map((f) => path.resolve(f));
  const root = repository !== undefined ? path.resolve(repository) : commonFolder(absolute);
  const candidates = absolute.filter(candidate);
  const sources: GitOpsSource[] = [];
  const chartRefs: ChartRefRelease[] = [];
  const helmCharts: HelmChartObject[] = [];
  for (const file of candidates) {
    const text = await fs.read(file);
    if (text === undefined) continue;
    const objects = gitOpsObjects(text, file);
    sources.push(...objects.sources);
    chartRefs.push(...objects.chartRefs);
    helmCharts.push(...objects.helmCharts);
  }
  const notes: { file: string; reason: string }[] = [];
  for (const release of chartRefs) {
    const followed = chartOfRef(release, helmCharts);
    if ('note' in followed) notes.push({ file: release.source.file, reason: `HelmRelease ${release.source.name}: ${followed.note}` });
    else if (followed.source) sources.push(followed.source);
  }
  const valuesObjects = new ValuesObjects(candidates, fs);
  const roots: GitOpsRoot[] = [];
  for (const source of sources) {
    const found = await resolveFolder(source, root, fs);
    if (!found) continue;
    // What is not followed is said even when nothing else is left to render (a values file of another repository).
    if (!overrides(source)) {
      for (const note of source.notes) notes.push({ file: source.file, reason: `${source.kind} ${source.name}: ${note}` });
      continue;
    }
    await nextTurn();
    roots.push(await renderSource(source, found, fs, limits, valuesObjects));
  }
  return { roots, notes };
}

/**
 * A `chartRef`'s chart: a HelmChart of the repository whose source is a GitRepository (or a
 * Bucket) is its `spec.chart` path; an OCIRepository's chart is not in the repository (said); a
 * HelmChart of a Helm repository is not either (silent, as a `spec.chart` by name is).
 */
function chartOfRef(release: ChartRefRelease, charts: readonly HelmChartObject[]): { source?: GitOpsSource } | { note: string } {
  const { kind, name } = release.chartRef;
  const namespace = release.chartRef.namespace ?? release.source.namespace;
  if (kind === 'OCIRepository') return { note: `chartRef OCIRepository ${name}: the chart is not in this repository, not read` };
  if (kind !== 'HelmChart') return {};
  const chart = charts.find((c) => c.name === name && (c.namespace === undefined || namespace === undefined || c.namespace === namespace));
  if (!chart) return { note: `chartRef HelmChart ${name}: not a manifest of this repository, not read` };
  if (chart.sourceKind !== 'GitRepository' && chart.sourceKind !== 'Bucket') return {};
  const notes = chart.valuesFiles
    ? [...release.source.notes, `valuesFiles of HelmChart ${chart.name} are not read: the images they set are not listed`]
    : release.source.notes;
  return { source: { ...release.source, path: chart.chart, notes } };
}

function overrides(source: GitOpsSource): boolean {
  return source.setImages.length > 0 || source.fluxImages.length > 0 || helmOverrides(source.helm);
}

/** Whether the object sets values of a chart. */
function helmOverrides(helm: HelmOverrides | undefined): boolean {
  return (
    helm !== undefined &&
    (helm.valuesText !== undefined ||
      helm.parameters.length > 0 ||
      helm.valueFiles.length > 0 ||
      (helm.fileParameters?.length ?? 0) > 0 ||
      (helm.valuesFrom?.length ?? 0) > 0)
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
    const helm = helmOverrides(source.helm);
    if (chart && (helm || !kustomization)) return { folder, root: base, engine: 'helm' };
    if (kustomization) return { folder, root: base, engine: 'kustomize' };
  }
  return undefined;
}

async function renderSource(
  source: GitOpsSource,
  found: Found,
  fs: ProjectFiles,
  limits: BudgetOptions,
  objects: ValuesObjects,
): Promise<GitOpsRoot> {
  const common = { source, folder: found.folder };
  if (found.engine === 'helm') return renderHelm(source, found, fs, limits, objects);
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

async function renderHelm(
  source: GitOpsSource,
  found: Found,
  fs: ProjectFiles,
  limits: BudgetOptions,
  objects: ValuesObjects,
): Promise<GitOpsRoot> {
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
  let values: GoMap | undefined;
  if (helm.valuesText !== undefined) {
    const read = readValues(helm.valuesText, source.file);
    values = read.values;
    errors.push(
      ...read.errors.map((e) => ({ file: source.file, ...(e.range && { range: e.range }), message: `helm values: ${e.message}` })),
    );
  }
  // Flux: the valuesFrom entries in order, then spec.values over them (helm-controller's merge, not helm's).
  const from = helm.valuesFrom && (await valuesFrom(helm.valuesFrom, source.namespace, source.file, objects));
  if (from) {
    notes.push(...from.notes);
    errors.push(...from.errors);
    values = mergeMaps(from.values, values ?? new Map<string, Value>());
  }
  if (values) layers.push(values);
  try {
    const set = parameterValues(helm.parameters, source.file);
    if (set.size > 0) layers.push(set);
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    errors.push({ file: source.file, message: error.message });
  }
  // --set-file comes after --set in helm's merge, as Argo CD passes it.
  const files = await fileParameterValues(helm.fileParameters ?? [], source.file, found, fs);
  notes.push(...files.notes);
  errors.push(...files.errors);
  if (files.values.size > 0) layers.push(files.values);
  const prefer = [source.file, ...(from?.files ?? []), ...files.files, ...valuesFiles];
  const chart = await analyzeChart(found.folder, fs, { ...limits, valuesFiles, layers, prefer });
  const preferred = new Set(prefer);
  const decided = chart.images
    .filter((image) => image.value !== undefined && preferred.has(path.resolve(image.value.file)))
    .map((image) => unsealed(image, from?.sealed ?? []));
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

/** An image whose pin would be written into a sealed place (a Secret's base64 value) has none. */
function unsealed(image: ChartImage, sealed: readonly Sealed[]): ChartImage {
  const pin = image.pin;
  if (pin.kind === 'none') return image;
  const at = pin.kind === 'tag' ? pin.range : pin.mapping;
  const seal = sealed.find((s) => path.resolve(s.file) === path.resolve(pin.file) && within(at, s.range));
  return seal ? { ...image, pin: { kind: 'none', why: `${seal.why}; pin it where the Secret is made` } } : image;
}

function within(inner: Range, outer: Range): boolean {
  const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.character <= b.character);
  return before(outer.start, inner.start) && before(inner.end, outer.end);
}

/**
 * Argo CD's `fileParameters` as helm's `--set-file`: each file's text (its path relative to the
 * source's, inside the repository) is the string at its name, placed on the whole file.
 */
async function fileParameterValues(
  parameters: NonNullable<HelmOverrides['fileParameters']>,
  objectFile: string,
  found: Found,
  fs: ProjectFiles,
): Promise<{ values: GoMap; files: string[]; notes: string[]; errors: { file: string; range?: Range; message: string }[] }> {
  let values: GoMap = new Map();
  const files: string[] = [];
  const notes: string[] = [];
  const errors: { file: string; range?: Range; message: string }[] = [];
  for (const { name, path: written } of parameters) {
    const file =
      /^[a-z][a-z0-9+.-]*:\/\//i.test(written.value) || path.isAbsolute(written.value)
        ? undefined
        : path.resolve(found.folder, written.value);
    const text = file !== undefined && file.startsWith(found.root + path.sep) ? await fs.read(file) : undefined;
    if (file === undefined || text === undefined) {
      notes.push(`fileParameters ${name.value}: ${written.value} is not a file of this repository, not read`);
      continue;
    }
    try {
      const range = new LineIndex(text).rangeAt(0, text.length);
      values = mergeInto(values, setOne(name.value, text, true, { file, range, raw: text }));
      files.push(file);
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      errors.push({ file: objectFile, range: name.range, message: `fileParameters: ${error.message}` });
    }
  }
  return { values, files, notes, errors };
}

/** A `valueFiles` entry's file: relative to the chart's folder, or `$ref/…` to the repository's root; inside the root only. */
function valueFile(written: Written, found: Found): string | undefined {
  const ref = /^\$[^/]+\/(.*)$/.exec(written.value);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(written.value) || path.isAbsolute(written.value)) return undefined;
  const file = ref ? path.resolve(found.root, ref[1]!) : path.resolve(found.folder, written.value);
  return file.startsWith(found.root + path.sep) ? file : undefined;
}
