// What only several files together say: the images Kustomize roots and Helm charts make, placed
// where each is decided (the fix belongs there), their findings, and which base-manifest findings
// every kustomization settles. The per-file analysis stays as it is; this adds to it.

import * as path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { classifyImage, findingImage } from '../analysis/classify.js';
import { findSuppressions, isSuppressed, type Suppressions } from '../analysis/suppress.js';
import { isEnabled, severityOf } from '../rules/catalog.js';
import { imageFindings } from '../rules/index.js';
import { kubernetesRootFindings } from '../rules/rootUser.js';
import type { ContainerFact } from '../analysis/kubernetes.js';
import { writtenName } from '../rules/unpinnedImage.js';
import { sortFindings } from '../analysis/findingOrder.js';
import { isTemplateNote } from '../analysis/templateNotes.js';
import type { AnalysisResult, AnalyzeOptions, Finding, ImageOccurrence, Range } from '../types.js';
import { Budget, type BudgetOptions } from './budget.js';
import type { ProjectFiles } from './files.js';
import { analyzeChart, CHART_FILE } from './helm/chart.js';
import { analyzeKustomizations } from './kustomize.js';
import type { ChartContainer, ChartImage, ChartProject, KustomizeImage, KustomizeProject, Place } from './types.js';

export interface ProjectAnalysis {
  /** Images placed in each file (absolute path), in addition to what the file's own analysis found. */
  readonly images: Map<string, ImageOccurrence[]>;
  readonly findings: Map<string, Finding[]>;
  /** Places (`file|line:character`) of manifest images every kustomization including them pins. */
  readonly settled: Set<string>;
  /** Template files of the charts: read by their chart, so not "skipped as a template". */
  readonly chartTemplates: Set<string>;
  readonly errors: { readonly file: string; readonly line?: number; readonly message: string }[];
  readonly notes: { readonly file: string; readonly reason: string }[];
  readonly kustomize: KustomizeProject;
  readonly charts: readonly ChartProject[];
}

export function placeKey(file: string, range: Range): string {
  return `${path.resolve(file)}|${range.start.line}:${range.start.character}`;
}

/**
 * One file's own analysis joined with what the project says there: the images and findings placed
 * in it, without the unpinned-image findings every kustomization settles, and without the
 * "template: skipped" notes of a chart's templates (its chart read them). The one join of the CLI's
 * scan and of the editor's documents. Returns `result` itself when the project adds nothing.
 */
export function withProject(file: string, result: AnalysisResult, project: ProjectAnalysis): AnalysisResult {
  const key = path.resolve(file);
  const images = project.images.get(key) ?? [];
  const settled = result.findings.filter((f) => f.rule === 'unpinned-image' && project.settled.has(placeKey(key, f.range)));
  const template = project.chartTemplates.has(key) && result.notes.some(isTemplateNote);
  // A chart template that parses as it is (no actions) was judged on that line by its own analysis already.
  const own = new Set(result.findings.map((f) => `${f.rule}|${f.range.start.line}`));
  const findings = (project.findings.get(key) ?? []).filter((f) => !own.has(`${f.rule}|${f.range.start.line}`));
  if (images.length === 0 && findings.length === 0 && settled.length === 0 && !template) return result;
  return {
    ...result,
    sources: [...new Set([...result.sources, ...images.map((i) => i.source)])],
    notes: template ? result.notes.filter((n) => !isTemplateNote(n)) : result.notes,
    images: [...result.images, ...images],
    findings: sortFindings([...result.findings.filter((f) => !settled.includes(f)), ...findings]),
  };
}

/** How long each kustomization root and each chart may take (`timeBudget`, seconds). */
export type ProjectOptions = BudgetOptions;

/**
 * Runs the Kustomize and Helm engines over the scanned files (absolute paths). Each root and each
 * chart has its own time budget; the event loop runs between them (and now and then inside one).
 */
export async function analyzeProject(
  files: readonly string[],
  fs: ProjectFiles,
  options: AnalyzeOptions,
  limits: ProjectOptions = {},
): Promise<ProjectAnalysis> {
  Budget.start(limits); // the options are checked before any work
  const analysis: ProjectAnalysis = {
    images: new Map(),
    findings: new Map(),
    settled: new Set(),
    chartTemplates: new Set(),
    errors: [],
    notes: [],
    kustomize: { roots: [], kustomizations: [] },
    charts: [],
  };
  const texts = new Map<string, Promise<Suppressions>>();
  const suppressionsOf = (file: string) => {
    let found = texts.get(file);
    if (!found) {
      found = fs.read(file).then((text) => findSuppressions(text ?? '', true));
      texts.set(file, found);
    }
    return found;
  };
  const add = <T>(map: Map<string, T[]>, file: string, item: T) => map.set(file, [...(map.get(file) ?? []), item]);
  const addFinding = async (file: string, finding: Finding) => {
    if (isSuppressed(finding, await suppressionsOf(file))) return;
    const known = analysis.findings.get(file) ?? [];
    // A place several roots (or charts) share gets one finding.
    if (
      known.some(
        (f) =>
          f.rule === finding.rule &&
          f.range.start.line === finding.range.start.line &&
          f.range.start.character === finding.range.start.character,
      )
    )
      return;
    add(analysis.findings, file, finding);
  };

  const kustomize = await analyzeKustomizations(files, fs, limits);
  (analysis as { kustomize: KustomizeProject }).kustomize = kustomize;
  const pinnedByOrigin = new Map<string, boolean>();
  for (const root of kustomize.roots) {
    for (const note of root.notes) analysis.notes.push(noteOn(root.file, note));
    for (const error of root.errors)
      analysis.errors.push({ file: error.file, ...(error.range && { line: error.range.start.line + 1 }), message: error.message });
    for (const image of root.images) {
      const occurrence = kustomizeOccurrence(root.folder, image);
      add(analysis.images, path.resolve(image.decidedAt.file), occurrence);
      const origin = placeKey(image.origin.file, image.origin.range);
      pinnedByOrigin.set(origin, (pinnedByOrigin.get(origin) ?? true) && occurrence.pinned);
      // Decided by the manifest itself: the manifest's own findings are the ones to fix.
      if (image.decidedAt.by === 'manifest') continue;
      for (const finding of kustomizeFindings(occurrence, root.folder, options))
        await addFinding(path.resolve(image.decidedAt.file), finding);
    }
  }
  for (const [origin, pinned] of pinnedByOrigin) if (pinned) analysis.settled.add(origin);

  const charts = await chartFolders(files, fs);
  const projects: ChartProject[] = [];
  for (const chart of charts) {
    await nextTurn();
    const helm = options.helm;
    const valuesFiles = [...(helm?.byChart?.[chart] ?? []), ...(helm?.valuesFiles ?? [])];
    const project = await analyzeChart(chart, fs, { ...limits, valuesFiles, ...(helm?.set && { set: helm.set }) });
    projects.push(project);
    // The chart's templates (and its subcharts') were read by the chart, whatever images they hold.
    for (const file of files)
      if (file.startsWith(`${chart}${path.sep}`) && file.split(path.sep).includes('templates')) analysis.chartTemplates.add(file);
    for (const note of project.notes) analysis.notes.push({ file: path.join(chart, CHART_FILE), reason: note });
    for (const error of project.errors)
      analysis.errors.push({ file: error.file, ...(error.range && { line: error.range.start.line + 1 }), message: error.message });
    const placed = new Set<string>();
    for (const image of project.images) {
      analysis.chartTemplates.add(path.resolve(image.template.file));
      const occurrence = chartOccurrence(image);
      const file = path.resolve(image.value?.file ?? image.template.file);
      // One value can make the same image in several templates (a Deployment and its test Job): one image there.
      const key = `${placeKey(file, occurrence.range)}|${image.reference ?? ''}`;
      if (placed.has(key)) continue;
      placed.add(key);
      add(analysis.images, file, occurrence);
      // An image helm does not render with these values is listed, not judged.
      if (image.active === false) continue;
      for (const finding of chartFindings(occurrence, image, options)) await addFinding(file, finding);
    }
    for (const container of project.containers ?? []) {
      const { place, findings } = chartRootFindings(container, options);
      for (const finding of findings) await addFinding(path.resolve(place.file), finding);
    }
  }
  (analysis as { charts: readonly ChartProject[] }).charts = projects;
  return analysis;
}

/**
 * A root's note, on the file it concerns: one that starts with a kustomization's path (a base's
 * remote resource, its transformer configurations) belongs there, the cause, however many roots
 * include that base; the others belong to the root.
 */
function noteOn(root: string, note: string): { readonly file: string; readonly reason: string } {
  const colon = path.isAbsolute(note) ? note.indexOf(': ') : -1;
  return colon > 0 ? { file: note.slice(0, colon), reason: note.slice(colon + 2) } : { file: root, reason: note };
}

/** The folders holding a Chart.yaml among the scanned files, outermost first (subcharts are read by their parent). */
async function chartFolders(files: readonly string[], fs: ProjectFiles): Promise<string[]> {
  const folders = [...new Set(files.filter((f) => path.basename(f) === CHART_FILE).map((f) => path.dirname(path.resolve(f))))].sort();
  const charts: string[] = [];
  for (const folder of folders) {
    if (charts.some((parent) => folder.startsWith(`${parent}${path.sep}charts${path.sep}`))) continue;
    if ((await fs.read(path.join(folder, CHART_FILE))) !== undefined) charts.push(folder);
  }
  return charts;
}

function kustomizeOccurrence(root: string, image: KustomizeImage): ImageOccurrence {
  const raw =
    image.entry && image.decidedAt.by === 'images-entry'
      ? image.entry.name.value
      : image.decidedAt.by === 'manifest'
        ? image.origin.raw
        : image.reference;
  return {
    source: 'kustomize',
    raw,
    range: image.decidedAt.range,
    ...classifyImage(image.reference),
    kustomize: {
      kustomization: root,
      by: image.decidedAt.by,
      origin: image.origin,
      ...(image.entry && { entry: image.entry }),
      workload: image.workload,
    },
  };
}

/** The findings of an image a kustomization decides (an `images:` entry or a patch), on that place. */
function kustomizeFindings(image: ImageOccurrence, root: string, options: AnalyzeOptions): Finding[] {
  const by = image.kustomize!.by;
  if (image.status !== 'image' || image.pinned) return imageFindings([image], options);
  if (!isEnabled('unpinned-image', options)) return [];
  const reference = image.reference!;
  const reason = reference.tag === undefined ? 'untagged' : reference.tag === 'latest' ? 'latest' : 'mutable-tag';
  const fix =
    by === 'images-entry'
      ? 'Pin it with `digest: sha256:…` in this entry (the digest of the tag it renders).'
      : `Pin it to its digest (\`${writtenName(image.resolved!)}:${reference.tag ?? 'latest'}@sha256:…\`).`;
  return [
    {
      rule: 'unpinned-image',
      reason,
      severity: severityOf('unpinned-image', reason, options),
      range: image.range,
      ...findingImage(image),
      message: `The kustomization \`${path.basename(root)}\` renders \`${image.resolved}\` here, which is not pinned: ${reason === 'mutable-tag' ? `the tag \`${reference.tag}\` can be moved to other content` : 'it moves with every release'}. ${fix}`,
    },
  ];
}

function chartOccurrence(image: ChartImage): ImageOccurrence {
  const place = image.value ?? image.template;
  const helm = {
    chart: image.chart,
    template: image.template,
    ...(image.value && { valueKey: image.value.key }),
    pin: image.pin,
    ...(image.workload && { workload: image.workload }),
    ...(image.active === false && { active: false as const, condition: image.condition ?? '' }),
  };
  if (image.reference === undefined) {
    if (image.active === false) {
      return {
        source: 'helm',
        raw: image.template.raw,
        range: image.template.range,
        status: 'unresolved',
        pinned: false,
        unresolvedVariables: [],
        helm,
      };
    }
    return {
      source: 'helm',
      raw: image.template.raw,
      range: image.template.range,
      status: 'unresolved',
      pinned: false,
      unresolvedVariables: [image.unresolved ?? image.template.raw],
      helm,
    };
  }
  return { source: 'helm', raw: place.raw, range: place.range, ...classifyImage(image.reference), helm };
}

/**
 * root-user on a container helm renders, judged by the rule plain manifests have, and placed where
 * the fix belongs: the securityContext value that decides it (its values.yaml line when the values
 * set it), else the template line that writes the container.
 */
function chartRootFindings(container: ChartContainer, options: AnalyzeOptions): { place: Place; findings: Finding[] } {
  const { runAsUser, runAsNonRoot } = container;
  const place = runAsUser?.place ?? runAsNonRoot?.place ?? container.place;
  const at = <T>(value: { value: T; level: 'pod' | 'container' } | undefined) =>
    value && { value: value.value, level: value.level, range: place.range };
  const user = at(runAsUser);
  const nonRoot = at(runAsNonRoot);
  const type = (container.workload.containerType ?? 'containers') as ContainerFact['type'];
  const fact: ContainerFact = {
    workload: { ...container.workload, containerType: type, document: 0 },
    type,
    range: place.range,
    ...(container.name !== undefined && { name: container.name }),
    ...(container.image !== undefined && { image: container.image }),
    ...(user && { runAsUser: user }),
    ...(nonRoot && { runAsNonRoot: nonRoot }),
  };
  return { place, findings: kubernetesRootFindings([fact], options) };
}

/** A chart image's findings: on the values.yaml line that sets it, or the template when it is written there. */
function chartFindings(image: ImageOccurrence, chart: ChartImage, options: AnalyzeOptions): Finding[] {
  // Not made at all (a placeholder the chart writes, Istio's `auto`, is made, and said as such).
  if (image.status === 'unresolved' && chart.reference === undefined) {
    if (!isEnabled('unresolved-image', options)) return [];
    // The reason is left out when it only repeats the expression.
    const why = chart.unresolved !== undefined && !chart.template.raw.includes(chart.unresolved) ? ` (${chart.unresolved})` : '';
    return [
      {
        rule: 'unresolved-image',
        severity: severityOf('unresolved-image', undefined, options),
        range: image.range,
        ...findingImage(image),
        message: `The chart's image \`${chart.template.raw}\` could not be resolved against its values.yaml${why}, so it is not checked.`,
      },
    ];
  }
  if (image.status !== 'image' || image.pinned || !chart.value) return imageFindings([image], options);
  if (!isEnabled('unpinned-image', options)) return [];
  const reference = image.reference!;
  const reason = reference.tag === undefined ? 'untagged' : reference.tag === 'latest' ? 'latest' : 'mutable-tag';
  const pin = chart.pin;
  const placed = path.resolve(chart.value.file);
  const fix =
    pin.kind === 'digest'
      ? path.resolve(pin.file) === placed
        ? pin.field === 'sha'
          ? 'The chart reads a digest: set `sha:` beside it (the hex digits; the chart writes `@sha256:`).'
          : 'The chart reads a digest: set `digest: sha256:…` beside it.'
        : `The chart reads a digest, which the parent's values decide: set \`${pin.field ?? 'digest'}: ${pin.field === 'sha' ? '…' : 'sha256:…'}\` under \`${pin.key.join('.')}\` in ${path.relative(path.dirname(placed), pin.file).split(path.sep).join('/')}.`
      : pin.kind === 'tag'
        ? `Pin it by its digest here (\`${reference.tag ?? 'latest'}@sha256:…\`).`
        : `It cannot be pinned here: ${pin.why}.`;
  return [
    {
      rule: 'unpinned-image',
      reason,
      severity: severityOf('unpinned-image', reason, options),
      range: image.range,
      ...findingImage(image),
      message: `\`${chart.value.key.join('.')}\` makes the chart's image \`${image.resolved}\`, which is not pinned: ${reason === 'mutable-tag' ? `the tag \`${reference.tag}\` can be moved to other content` : 'it moves with every release'}. ${fix}`,
    },
  ];
}
