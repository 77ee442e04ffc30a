// Kustomize projects: which kustomizations are roots, and the effective image of every container
// each root renders, exactly as `kubectl kustomize <root>` writes it, with where that image is
// decided (the place a fix belongs) and where it was first written. The engine is in kustomize/.

import * as path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Budget, BudgetSpent, type BudgetOptions } from './budget.js';
import type { ProjectFiles } from './files.js';
import type {
  ChartImage,
  ImageWorkload,
  KustomizeContainer,
  KustomizeImage,
  KustomizeProject,
  KustomizeRoot,
  Place,
  RenderedSetting,
} from './types.js';
import type { ImageRule, Kustomization } from './kustomize/kustomization.js';
import { STAND_IN } from './helm/sprig.js';
import { chartImageAt } from './kustomize/helmCharts.js';
import type { Issue } from './kustomize/log.js';
import { Renderer } from './kustomize/render.js';
import { sortResources } from './kustomize/resources.js';
import { KUSTOMIZATION_NAMES, Sources, TooManyFiles } from './kustomize/sources.js';
import { str, type Span } from './kustomize/tree.js';
import { renderedWorkload, type RenderedValue } from './kustomize/workloads.js';

const NAMES = new Set<string>(KUSTOMIZATION_NAMES);

/** True for a file kustomize reads as a kustomization (`kustomization.yaml`, `kustomization.yml`, `Kustomization`). */
export function isKustomizationFile(file: string): boolean {
  return NAMES.has(path.basename(file));
}

/**
 * Finds the kustomizations among `files` and renders each root: a kustomization that no other
 * one among them includes (through resources, bases or components), and that is no Component.
 * Each root has its own time budget; one that spends it is an error entry, and the next goes on.
 */
export async function analyzeKustomizations(
  files: readonly string[],
  fs: ProjectFiles,
  options: BudgetOptions = {},
): Promise<KustomizeProject> {
  Budget.start(options); // the options are checked before any work
  const renderer = new Renderer(new Sources(fs));
  const found = [...new Set(files.filter(isKustomizationFile).map((f) => path.resolve(f)))];
  const included = new Set<string>();
  const components = new Set<string>();
  const read = await Promise.all(found.map((file) => readSafely(renderer, file)));
  for (const [i, file] of found.entries()) {
    const k = read[i];
    if (!k) continue;
    if (k.kind === 'Component') components.add(file);
    for (const ref of [...k.resources, ...k.components]) included.add(path.resolve(k.folder, ref.value));
  }
  const roots: KustomizeRoot[] = [];
  const rootFolders = new Set<string>();
  for (const file of found) {
    const folder = path.dirname(file);
    if (components.has(file) || included.has(folder) || rootFolders.has(folder)) continue;
    rootFolders.add(folder);
    await nextTurn();
    roots.push(await renderRoot(renderer, folder, file, options));
  }
  const kustomizations = [...new Set([...found, ...renderer.files])].sort();
  return { roots, kustomizations, manifests: [...renderer.manifests].sort(), patchFiles: [...renderer.patchFiles].sort() };
}

/** Changes a GitOps object makes to a folder's `images:` before it renders, written in its own file. */
export interface ImagesEdit {
  /** The file the new entries are written in (their ranges are in it). */
  readonly file: string;
  readonly edit: (images: readonly ImageRule[]) => readonly ImageRule[];
}

/**
 * Renders one folder's kustomization (a root, or any other: kubectl renders components on their
 * own too); with `imagesEdit`, its `images:` changed first, as a GitOps tool changes them.
 */
export async function renderKustomization(
  folder: string,
  fs: ProjectFiles,
  options: BudgetOptions = {},
  imagesEdit?: ImagesEdit,
): Promise<KustomizeRoot> {
  const renderer = new Renderer(new Sources(fs));
  const absolute = path.resolve(folder);
  if (imagesEdit) {
    // The entries' spans are in the object's file: their ranges are read from its text.
    await renderer.sources.read(imagesEdit.file);
    renderer.imagesEdit = { folder: absolute, edit: imagesEdit.edit };
  }
  return renderRoot(renderer, absolute, undefined, options);
}

async function readSafely(renderer: Renderer, file: string): Promise<Kustomization | undefined> {
  try {
    return await renderer.kustomization(file);
  } catch (error) {
    if (error instanceof TooManyFiles) return undefined;
    throw error;
  }
}

async function renderRoot(renderer: Renderer, folder: string, file: string | undefined, options: BudgetOptions): Promise<KustomizeRoot> {
  const budget = Budget.start(options);
  renderer.budget = budget;
  try {
    return await imagesOfRoot(renderer, folder, file, budget);
  } catch (error) {
    if (!(error instanceof TooManyFiles) && !(error instanceof BudgetSpent)) throw error;
    const rootFile = file ?? path.join(folder, KUSTOMIZATION_NAMES[0]);
    const message =
      error instanceof BudgetSpent
        ? `${error.message}: this kustomization takes longer than its time budget to render (a base included through many overlays, or very many resources or patches); its images are not listed`
        : error.message;
    return { folder, file: rootFile, images: [], containers: [], notes: [], errors: [{ file: rootFile, message }] };
  } finally {
    renderer.budget = Budget.none();
  }
}

async function imagesOfRoot(renderer: Renderer, folder: string, file: string | undefined, budget: Budget): Promise<KustomizeRoot> {
  const sources = renderer.sources;
  const rendered = await renderer.render(folder);
  const place = (span: Span): Place => ({ file: span.file, range: sources.range(span) });
  const images: KustomizeImage[] = [];
  const containers: KustomizeContainer[] = [];
  // The chart images the root renders as their chart makes them.
  const unchanged = new Set<ChartImage>();
  for (const resource of sortResources(rendered.resources, rendered.sortOptions)) {
    budget.check();
    const object = resource.object;
    const metadata = object.entries.get('metadata');
    const kind = str(object, 'kind') ?? '';
    // A name helm makes up (a chart's randAlphaNum, a release without releaseName) is not the workload's.
    const written = str(metadata, 'name');
    const name = written?.includes(STAND_IN) ? undefined : written;
    const namespace = str(metadata, 'namespace');
    const workloadOf = (container: string | undefined, containerType: string | undefined): ImageWorkload => ({
      kind,
      ...(name !== undefined && { name }),
      ...(namespace !== undefined && { namespace }),
      ...(container !== undefined && { container }),
      ...(containerType !== undefined && { containerType }),
    });
    const found = renderedWorkload(object);
    for (const { image, container, containerType } of found.images) {
      const trace = image.trace;
      const origin = trace?.origin ?? image.at;
      if (!origin) continue;
      const decided = trace
        ? { span: trace.decided, by: trace.by }
        : { span: origin, by: image.by === 'patch' ? ('patch' as const) : ('manifest' as const) };
      const chart = chartImageAt.get(origin);
      if (chart && decided.by === 'manifest') unchanged.add(chart);
      images.push({
        reference: image.text,
        decidedAt: { ...place(decided.span), by: decided.by },
        origin: { ...place(origin), raw: origin.raw },
        ...(trace?.by === 'images-entry' && trace.entry && { entry: trace.entry }),
        workload: workloadOf(container, containerType),
        ...(chart && { chart: chart.chart }),
      });
    }
    for (const container of found.containers) {
      // A chart's container is judged by the chart, where its securityContext is written (the output has no places).
      if (!container.at || chartImageAt.has(container.at)) continue;
      const setting = <T>(value: RenderedValue<T> | undefined): RenderedSetting<T> | undefined =>
        value && { value: value.value, place: place(value.at), level: value.level, by: value.by };
      const runAsUser = setting(container.runAsUser);
      const runAsNonRoot = setting(container.runAsNonRoot);
      containers.push({
        workload: workloadOf(container.name, container.type),
        place: { ...place(container.at), by: container.by },
        ...(container.image && { reference: container.image.text }),
        ...(runAsUser && { runAsUser }),
        ...(runAsNonRoot && { runAsNonRoot }),
      });
    }
  }
  const rootFile = file ?? rendered.file ?? path.join(folder, KUSTOMIZATION_NAMES[0]);
  // An image the values switch off, or that could not be resolved, is listed as the chart has it.
  const charts = rendered.charts.map((chart) => ({
    ...chart,
    images: chart.images.filter((i) => i.active === false || i.reference === undefined || unchanged.has(i)),
  }));
  return {
    folder,
    file: rootFile,
    images,
    containers,
    ...(charts.length > 0 && { charts }),
    notes: [...rendered.log.notes],
    errors: rendered.log.errors.map((issue: Issue) => ({
      file: issue.at?.file ?? issue.file,
      ...(issue.at && { range: sources.range(issue.at) }),
      message: issue.message,
    })),
  };
}
