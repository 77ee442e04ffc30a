// A kustomization's `helmCharts:` inflated as `kubectl kustomize --enable-helm` inflates them,
// but by Shipshape's own Helm engine: the chart under `helmGlobals.chartHome` rendered with the
// entry's values (its values file, `valuesInline` laid over it per `valuesMerge`, then
// `additionalValuesFiles`), and its output added to the kustomization's resources, where the
// transformers then apply. Each image of the output points at where the chart engine says it is
// decided (the values line, the kustomization's `valuesInline` line, or the template).

import * as path from 'node:path';
import type { BudgetOptions } from '../budget.js';
import { analyzeChart, CHART_FILE } from '../helm/chart.js';
import { STAND_IN } from '../helm/sprig.js';
import type { GoMap } from '../helm/value.js';
import { blankOutside, readValues } from '../helm/values.js';
import type { ChartImage, ChartProject } from '../types.js';
import { LineIndex } from '../../util/lines.js';
import type { HelmChartSpec, Kustomization } from './kustomization.js';
import type { Log } from './log.js';
import { flattenLists, idOf, type Resource } from './resources.js';
import { IDENTITY, isKMap, isKScalar, type KMap, type KNode, type KScalar, type Span } from './tree.js';
import { parseText, type Sources } from './sources.js';
import { renderedWorkload } from './workloads.js';

/** The chart image an output image is, by the span it was given (spans survive transformers as origins). */
export const chartImageAt = new WeakMap<Span, ChartImage>();

export interface Inflated {
  readonly resources: Resource[];
  /** The chart as the entry renders it (undefined when it is not there to render). */
  readonly chart?: ChartProject;
}

/** The folder kustomize reads a chart from: `<chartHome>/<name>`, or `<chartHome>/<name>-<version>/<name>` for a pulled one. */
export function chartFolder(k: Kustomization, spec: HelmChartSpec): string {
  let home = path.resolve(k.folder, spec.chartHome);
  if (spec.version !== undefined && spec.repo !== undefined) home = path.join(home, `${spec.name.value}-${spec.version}`);
  return path.join(home, spec.name.value);
}

/** Renders one `helmCharts:` entry into resources; what kustomize would refuse is logged. */
export async function inflateChart(
  k: Kustomization,
  spec: HelmChartSpec,
  sources: Sources,
  log: Log,
  limits: BudgetOptions = {},
): Promise<Inflated> {
  const name = spec.name.value;
  const folder = chartFolder(k, spec);
  const entries = await sources.list(folder);
  if (!entries?.some((e) => !e.folder && e.name === CHART_FILE)) {
    if (spec.repo !== undefined)
      log.note(
        `${k.file}: helm chart ${name} (${spec.repo}) is not pulled (kustomize pulls it into ${path.relative(k.folder, folder) || '.'}): its images are not listed`,
      );
    else log.error(k.file, spec.name.at, `no repo specified for pull, no chart found at '${folder}' (kustomize refuses this)`);
    return { resources: [] };
  }
  if (spec.ignored.length > 0) log.note(`${k.file}: helm chart ${name}: ${spec.ignored.join(', ')} not applied (helm's defaults are used)`);
  const layers = await valueLayers(k, spec, folder, sources, log);
  if (!layers) return { resources: [] };
  const release = { name: spec.releaseName ?? `${name}-${STAND_IN}`, namespace: spec.namespace ?? 'default' };
  const chart = await analyzeChart(folder, sources.fs, {
    ...limits,
    layers: layers.values,
    prefer: layers.prefer,
    release,
    manifests: true,
  });
  const resources: Resource[] = [];
  const places = new Map<ChartImage, Span | undefined>();
  // The workloads kept (skipTests and skipHooks leave some out): the chart judges only their containers.
  const kept = new Set<string>();
  for (const [index, text] of (chart.manifests ?? []).entries()) {
    // The output is no file: its scalars are given no place, but for the images, which get the chart's.
    const parsed = parseText(text, { file: `${folder}#${index}`, by: 'manifest', resolution: 'yaml1.2', map: IDENTITY });
    for (const doc of parsed.documents) {
      const objects: KMap[] = [];
      if (!isKMap(doc.node) || !flattenLists(doc.node, objects)) continue;
      for (const object of objects) {
        const id = idOf(object);
        if (id.kind === '' || id.name === '' || dropped(object, spec)) continue;
        kept.add(workloadKey(id.kind, id.name, id.namespace));
        const images = new Map<KScalar, KScalar>();
        for (const found of renderedWorkload(object).images) {
          const image = matching(chart.images, object, found.image.text, found.container, found.containerType);
          if (!image) continue;
          if (!places.has(image)) places.set(image, await spanOf(image, sources));
          const at = places.get(image);
          if (!at) continue;
          chartImageAt.set(at, image);
          images.set(found.image, { ...found.image, at });
        }
        resources.push({ object: placed(object, images) as KMap, previous: [] });
      }
    }
  }
  const { manifests: _manifests, ...project } = chart;
  const containers = chart.containers?.filter((c) => kept.has(workloadKey(c.workload.kind, c.workload.name, c.workload.namespace)));
  return { resources, chart: { ...project, ...(containers && { containers }) } };
}

/**
 * The values kustomize hands helm, as layers over the chart's values.yaml: its values file (the
 * chart's own by default) with `valuesInline` over it (`override`), under it (`merge`) or instead
 * of it (`replace`), then each additional values file. And the files an image is placed in first.
 */
async function valueLayers(
  k: Kustomization,
  spec: HelmChartSpec,
  folder: string,
  sources: Sources,
  log: Log,
): Promise<{ values: GoMap[]; prefer: string[] } | undefined> {
  const read = async (file: string, at: Span | undefined, what: string): Promise<GoMap | undefined> => {
    // kustomize loads the values files itself, only in or below the kustomization's folder.
    const relative = path.relative(k.folder, file);
    if (relative.split(path.sep)[0] === '..' || path.isAbsolute(relative)) {
      log.error(
        k.file,
        at ?? spec.name.at,
        `security: the ${what} ${file} is not in or below ${k.folder} (kustomize reads values files only there)`,
      );
      return undefined;
    }
    const text = await sources.read(file);
    if (text === undefined) {
      log.error(k.file, at, `${what} ${path.relative(k.folder, file)}: no such file (kustomize refuses this)`);
      return undefined;
    }
    const values = readValues(text, file);
    for (const error of values.errors) log.error(file, undefined, `helm values: ${error.message}`);
    return values.values;
  };
  const valuesFile = spec.valuesFile ? path.resolve(k.folder, spec.valuesFile.value) : path.join(folder, 'values.yaml');
  const own =
    spec.valuesInline && spec.valuesMerge === 'replace' ? (new Map() as GoMap) : await read(valuesFile, spec.valuesFile?.at, 'valuesFile');
  if (!own) return undefined;
  const layers: GoMap[] = [own];
  const inline = spec.valuesInline;
  if (inline?.at) {
    const text = (await sources.read(k.file)) ?? '';
    const values = readValues(blankOutside(text, inline.at.start, inline.at.end), k.file);
    for (const error of values.errors) log.error(k.file, inline.at, `helm values: ${error.message}`);
    if (spec.valuesMerge === 'merge') layers.unshift(values.values);
    else layers.push(values.values);
  }
  const additional: string[] = [];
  for (const ref of spec.additionalValuesFiles) {
    const file = path.resolve(k.folder, ref.value);
    const values = await read(file, ref.at, 'additionalValuesFiles');
    if (!values) return undefined;
    layers.push(values);
    additional.push(file);
  }
  return { values: layers, prefer: [k.file, ...additional.reverse(), valuesFile] };
}

/** A workload's kind, name and namespace; a name helm makes up stands for any. */
function workloadKey(kind: string, name: string | undefined, namespace: string | undefined): string {
  return `${kind}\0${name === undefined || name.includes(STAND_IN) ? '*' : name}\0${namespace ?? ''}`;
}

/** Tests (`skipTests`) and hooks (`skipHooks`) helm leaves out of its output when asked. */
function dropped(object: KMap, spec: HelmChartSpec): boolean {
  if (!spec.skipTests && !spec.skipHooks) return false;
  const metadata = object.entries.get('metadata');
  const annotations = isKMap(metadata) ? metadata.entries.get('annotations') : undefined;
  const hook = isKMap(annotations) ? annotations.entries.get('helm.sh/hook') : undefined;
  if (!isKScalar(hook)) return false;
  return spec.skipHooks || hook.text.split(',').some((h) => /^test(?:-success)?$/.test(h.trim()));
}

/** The chart engine's image for an image of the output: same workload, container and reference. */
function matching(
  images: readonly ChartImage[],
  object: KMap,
  reference: string,
  container: string | undefined,
  containerType: string | undefined,
): ChartImage | undefined {
  const id = idOf(object);
  const candidates = images.filter((i) => i.active !== false && i.reference === reference);
  const same = (image: ChartImage): boolean => {
    const w = image.workload;
    return (
      w !== undefined &&
      w.kind === id.kind &&
      (w.name === undefined || w.name === id.name) &&
      (w.namespace ?? '') === id.namespace &&
      w.container === container &&
      (w.containerType ?? undefined) === containerType
    );
  };
  return candidates.find(same) ?? (candidates.length === 1 ? candidates[0] : undefined);
}

/** Where the chart engine places an image (its deciding value, else the template), as a span of that file. */
async function spanOf(image: ChartImage, sources: Sources): Promise<Span | undefined> {
  const place = image.value ?? image.template;
  const file = path.resolve(place.file);
  const text = await sources.read(file);
  if (text === undefined) return undefined;
  const lines = new LineIndex(text);
  return { file, start: lines.offsetAt(place.range.start), end: lines.offsetAt(place.range.end), raw: place.raw };
}

/** The tree without places (the output is no file), but for the images, which get theirs. */
function placed(node: KNode, images: ReadonlyMap<KScalar, KScalar>): KNode {
  if (node.t === 'm') return { t: 'm', entries: new Map([...node.entries].map(([k, v]) => [k, placed(v, images)])) };
  if (node.t === 'q') return { t: 'q', items: node.items.map((item) => placed(item, images)) };
  const image = images.get(node);
  if (image) return image;
  const { at: _at, ...rest } = node;
  return rest;
}
