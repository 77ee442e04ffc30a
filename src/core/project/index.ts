// What only several files together say: the images Kustomize roots and Helm charts make, placed
// where each is decided (the fix belongs there), their findings, and which base-manifest findings
// every kustomization settles. The per-file analysis stays as it is; this adds to it.

import * as path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { classifyImage, findingImage } from '../analysis/classify.js';
import { findSuppressions, isSuppressed, type Suppressions } from '../analysis/suppress.js';
import { isEnabled, severityOf } from '../rules/catalog.js';
import { imageFindings } from '../rules/index.js';
import { whyUnpinned, writtenName } from '../rules/unpinnedImage.js';
import { sortFindings } from '../analysis/findingOrder.js';
import { isTemplateNote } from '../analysis/templateNotes.js';
import type { AnalysisResult, AnalyzeOptions, ContainerType, Finding, ImageOccurrence, ImageUser, Range } from '../types.js';
import type { ContainerFact } from '../analysis/kubernetes.js';
import { kubernetesRootFindings, usersWanted } from '../rules/rootUser.js';
import { Budget, type BudgetOptions } from './budget.js';
import type { ProjectFiles } from './files.js';
import { analyzeChart, CHART_FILE } from './helm/chart.js';
import type { ChartRenderer } from './helm/workers.js';
import { analyzeKustomizations } from './kustomize.js';
import { analyzeGitOps, objectLabel, setImageArgs, type GitOpsRoot } from './gitops/index.js';
import type { ChartContainer, ChartImage, ChartProject, KustomizeContainer, KustomizeImage, KustomizeProject, Place } from './types.js';

export interface ProjectAnalysis {
  /** Images placed in each file (absolute path), in addition to what the file's own analysis found. */
  readonly images: Map<string, ImageOccurrence[]>;
  readonly findings: Map<string, Finding[]>;
  /**
   * Places (`file|line:character`) of manifest images that kustomizations include but no root
   * renders as written (an `images:` entry or a patch decides them everywhere): the findings of the
   * image as written there are dropped, since they belong where it is decided.
   */
  readonly settled: Set<string>;
  /** Manifests and patch files some kustomization root renders: root-user is decided on what the roots render. */
  readonly rendered: Set<string>;
  /** Files kustomizations read as patches: no manifests of their own (their images and findings come from the roots). */
  readonly patchFiles: Set<string>;
  /** Template files of the charts: read by their chart, so not "skipped as a template". */
  readonly chartTemplates: Set<string>;
  readonly errors: { readonly file: string; readonly line?: number; readonly message: string }[];
  readonly notes: { readonly file: string; readonly reason: string }[];
  readonly kustomize: KustomizeProject;
  readonly charts: readonly ChartProject[];
  /** Argo CD and Flux objects that render a folder of the repository with overrides: each its own root. */
  readonly gitops: readonly GitOpsRoot[];
  /** Images whose own configured user would settle a root-user verdict here (containers that set no `runAsUser`). */
  readonly usersWanted: readonly string[];
  /**
   * The same analysis with root-user judged again, these images' users known (a registry's answer or
   * a scan's): an image that runs as a non-root user settles "may run as root", as in a manifest.
   */
  readonly withUsers: (users: ReadonlyMap<string, ImageUser>) => Promise<ProjectAnalysis>;
}

/** A rendered container's root-user verdict: what it judges on, and the file each finding goes to. */
interface RootJudgement {
  readonly fact: ContainerFact;
  readonly fileOf: (finding: Finding) => string;
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
  // A patch file is no manifest: what it changes is said through what the roots render.
  const patch = project.patchFiles.has(key) && !project.rendered.has(key);
  const rendered = project.rendered.has(key) || project.patchFiles.has(key);
  const dropped = result.findings.filter(
    (f) => patch || (rendered && f.rule === 'root-user') || (IMAGE_RULES.has(f.rule) && project.settled.has(placeKey(key, f.range))),
  );
  // A chart template that parses as it is (no actions) was judged on that line by its own analysis already.
  const judged = new Set(result.findings.filter((f) => !dropped.includes(f)).map((f) => `${f.rule}|${f.range.start.line}`));
  const findings = (project.findings.get(key) ?? []).filter((f) => !judged.has(`${f.rule}|${f.range.start.line}`));
  const template = project.chartTemplates.has(key) && result.notes.some(isTemplateNote);
  if (images.length === 0 && findings.length === 0 && dropped.length === 0 && !template && !patch) return result;
  const own = patch ? [] : result.images;
  return {
    ...result,
    sources: [...new Set([...own.map((i) => i.source), ...images.map((i) => i.source)])],
    notes: template ? result.notes.filter((n) => !isTemplateNote(n)) : result.notes,
    images: [...own, ...images],
    findings: sortFindings([...result.findings.filter((f) => !dropped.includes(f)), ...findings]),
    ...(patch && { usersWanted: [] }),
  };
}

/** The rules about an image as written; a manifest's line that no root renders as written has none of them. */
const IMAGE_RULES = new Set(['unpinned-image', 'invalid-reference', 'unresolved-image']);

/**
 * How long each kustomization root and each chart may take (`timeBudget`, seconds), the
 * repository's root, where a GitOps object's `path` starts (default: the folder all the files share;
 * the editor gives its workspace folder), and, when the files are the disk's, chart workers to
 * render several charts at once (helm/workers.ts; one after the other on this thread otherwise).
 */
export type ProjectOptions = BudgetOptions & { readonly root?: string; readonly chartWorkers?: ChartRenderer };

/**
 * Each chart's rendering, asked by its index in `charts`: on the chart workers, all asked at once
 * (weighed by the scanned files in each chart's folder, `below`), when there are several charts
 * to render and workers to do it (a clock given for tests stays on this thread); else each in turn
 * here, letting the event loop run between charts.
 */
function renderCharts(
  charts: readonly string[],
  below: ReadonlyMap<string, readonly string[]>,
  fs: ProjectFiles,
  options: AnalyzeOptions,
  limits: ProjectOptions,
): (index: number) => Promise<ChartProject> {
  const helm = options.helm;
  const jobOf = (chart: string) => ({
    chart,
    valuesFiles: [...(helm?.byChart?.[chart] ?? []), ...(helm?.valuesFiles ?? [])],
    ...(helm?.set && { set: helm.set }),
    ...(limits.timeBudget !== undefined && { timeBudget: limits.timeBudget }),
  });
  const workers = limits.chartWorkers;
  if (!workers || charts.length < 2 || limits.clock) {
    return async (index) => {
      await nextTurn();
      const { chart, ...job } = jobOf(charts[index]!);
      return analyzeChart(chart, fs, { ...limits, ...job });
    };
  }
  // Every chart starts now; an error is thrown when its chart's turn comes, as on this thread.
  const started = charts.map((chart) =>
    workers(jobOf(chart), below.get(chart)!.length).then(
      (project) => ({ project }),
      (error: unknown) => ({ error }),
    ),
  );
  return async (index) => {
    const outcome = await started[index]!;
    if ('error' in outcome) throw outcome.error;
    return outcome.project;
  };
}

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
  // What the roots and charts add up to; their own results join it at the end.
  const analysis: Omit<ProjectAnalysis, 'kustomize' | 'charts' | 'gitops' | 'usersWanted' | 'withUsers'> = {
    images: new Map(),
    findings: new Map(),
    settled: new Set(),
    rendered: new Set(),
    patchFiles: new Set(),
    chartTemplates: new Set(),
    errors: [],
    notes: [],
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
  // A chart a kustomization inflates may be scanned as a chart too: one image per place and reference.
  const addChartImage = (file: string, occurrence: ImageOccurrence): boolean => {
    const same = (analysis.images.get(file) ?? []).some(
      (o) =>
        o.source === 'helm' &&
        o.raw === occurrence.raw &&
        o.range.start.line === occurrence.range.start.line &&
        o.range.start.character === occurrence.range.start.character &&
        (o.status === 'image' ? o.resolved : o.status) === (occurrence.status === 'image' ? occurrence.resolved : occurrence.status),
    );
    if (!same) add(analysis.images, file, occurrence);
    return !same;
  };
  const addFinding = async (file: string, finding: Finding, findings = analysis.findings) => {
    if (isSuppressed(finding, await suppressionsOf(file))) return;
    const known = findings.get(file) ?? [];
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
    add(findings, file, finding);
  };
  // root-user is judged once every root and chart has rendered, and again when images' users are known.
  const judgements: RootJudgement[] = [];

  const kustomize = await analyzeKustomizations(files, fs, limits);
  for (const file of kustomize.manifests) analysis.rendered.add(path.resolve(file));
  for (const file of kustomize.patchFiles) analysis.patchFiles.add(path.resolve(file));
  // Per manifest image: whether some root renders it as written.
  const asWritten = new Map<string, boolean>();
  for (const root of kustomize.roots) {
    for (const note of root.notes) analysis.notes.push(noteOn(root.file, note));
    for (const error of root.errors)
      analysis.errors.push({ file: error.file, ...(error.range && { line: error.range.start.line + 1 }), message: error.message });
    for (const image of root.images) {
      // As its chart makes it: the chart's own image, below, stands for it.
      if (image.chart !== undefined && image.decidedAt.by === 'manifest') continue;
      const occurrence = kustomizeOccurrence(root.folder, image);
      add(analysis.images, path.resolve(image.decidedAt.file), occurrence);
      const origin = placeKey(image.origin.file, image.origin.range);
      if (image.chart === undefined) asWritten.set(origin, (asWritten.get(origin) ?? false) || image.decidedAt.by === 'manifest');
      // Decided by the manifest itself: the manifest's own findings are the ones to fix.
      if (image.decidedAt.by === 'manifest') continue;
      for (const finding of kustomizeFindings(occurrence, root.folder, options))
        await addFinding(path.resolve(image.decidedAt.file), finding);
    }
    for (const container of root.containers) judgements.push(renderedRootJudgement(container));
    for (const chart of root.charts ?? []) {
      for (const note of chart.notes) analysis.notes.push({ file: root.file, reason: `helm chart ${path.basename(chart.chart)}: ${note}` });
      for (const error of chart.errors)
        analysis.errors.push({ file: error.file, ...(error.range && { line: error.range.start.line + 1 }), message: error.message });
      for (const image of chart.images) {
        const occurrence = chartOccurrence(image);
        const file = path.resolve(image.value?.file ?? image.template.file);
        addChartImage(file, occurrence);
        if (image.active === false) continue;
        // The chart's own values are the chart's; values the kustomization gives are named as its.
        const own = file.startsWith(path.resolve(chart.chart) + path.sep);
        const by = own ? undefined : `the kustomization \`${path.basename(root.folder)}\``;
        for (const finding of chartFindings(occurrence, image, options, by)) await addFinding(file, finding);
      }
      for (const container of chart.containers ?? []) judgements.push(chartRootJudgement(container));
    }
  }
  for (const [origin, used] of asWritten) if (!used) analysis.settled.add(origin);

  const charts = await chartFolders(files, fs);
  const projects: ChartProject[] = [];
  // The scanned files in each chart's folder: its weight on the workers, and the templates it read.
  const below = new Map(charts.map((chart) => [chart, files.filter((file) => file.startsWith(`${chart}${path.sep}`))]));
  const rendered = renderCharts(charts, below, fs, options, limits);
  for (const [index, chart] of charts.entries()) {
    const project = await rendered(index);
    projects.push(project);
    // The chart's templates (and its subcharts') were read by the chart, whatever images they hold.
    for (const file of below.get(chart)!) if (file.split(path.sep).includes('templates')) analysis.chartTemplates.add(file);
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
      addChartImage(file, occurrence);
      // An image helm does not render with these values is listed, not judged.
      if (image.active === false) continue;
      for (const finding of chartFindings(occurrence, image, options)) await addFinding(file, finding);
    }
    for (const container of project.containers ?? []) judgements.push(chartRootJudgement(container));
  }
  const { roots: gitops, notes: gitopsNotes } = await analyzeGitOps(files, fs, limits, limits.root);
  analysis.notes.push(...gitopsNotes);
  for (const root of gitops) {
    const { file, kind, name } = root.source;
    for (const note of root.notes) analysis.notes.push({ file, reason: `${kind} ${name}: ${note}` });
    for (const error of root.errors)
      analysis.errors.push({ file: error.file, ...(error.range && { line: error.range.start.line + 1 }), message: error.message });
    for (const image of root.kustomize?.images ?? []) {
      const occurrence = gitOpsKustomizeOccurrence(root, image);
      const at = path.resolve(image.decidedAt.file);
      add(analysis.images, at, occurrence);
      for (const finding of gitOpsKustomizeFindings(occurrence, root, options)) await addFinding(at, finding);
    }
    for (const image of root.chart?.images ?? []) {
      const occurrence = chartOccurrence(image, objectLabel(root.source));
      const at = path.resolve(image.value?.file ?? image.template.file);
      add(analysis.images, at, occurrence);
      if (image.active === false) continue;
      for (const finding of chartFindings(occurrence, image, options, objectName(root).replace(/^The /, 'the ')))
        await addFinding(at, finding);
    }
  }
  // The findings of every rule but root-user, to which each judging of root-user adds its own.
  const others = new Map([...analysis.findings].map(([file, findings]) => [file, [...findings]]));
  const judged = async (judging: AnalyzeOptions): Promise<ProjectAnalysis> => {
    const findings = new Map([...others].map(([file, list]) => [file, [...list]]));
    for (const { fact, fileOf } of judgements)
      for (const finding of kubernetesRootFindings([fact], judging)) await addFinding(path.resolve(fileOf(finding)), finding, findings);
    return {
      ...analysis,
      findings,
      kustomize,
      charts: projects,
      gitops,
      usersWanted: usersWanted(
        judgements.map((j) => j.fact),
        [],
        [],
      ).filter((reference) => !judging.imageUsers?.has(reference)),
      // What was learnt first stands over what comes later, as for a file's own analysis.
      withUsers: (users) => judged({ ...judging, imageUsers: new Map([...users, ...(judging.imageUsers ?? [])]) }),
    };
  };
  return judged(options);
}

/** What a GitOps object is called in messages. */
function objectName(root: GitOpsRoot): string {
  const tool = root.source.kind === 'Application' || root.source.kind === 'ApplicationSet' ? 'Argo CD' : 'Flux';
  return `The ${tool} ${root.source.kind} \`${root.source.name}\``;
}

/**
 * An image a GitOps object's `images:` override decides, placed on the override. Argo CD's are
 * `kustomize edit set image` arguments: no mapping to write `digest:` into, the pin is written
 * into the argument itself (`name=new:tag@sha256:…`, which kustomize reads as the digest).
 */
function gitOpsKustomizeOccurrence(root: GitOpsRoot, image: KustomizeImage): KustomizeOccurrence {
  const plain = kustomizeOccurrence(root.folder, image);
  const occurrence = { ...plain, kustomize: { ...plain.kustomize, gitops: objectLabel(root.source) } };
  const arg = image.entry && setImageArgs.get(image.entry);
  if (arg === undefined) return occurrence;
  const { entry: _entry, ...context } = occurrence.kustomize;
  return { ...occurrence, raw: arg, kustomize: context };
}

function gitOpsKustomizeFindings(image: KustomizeOccurrence, root: GitOpsRoot, options: AnalyzeOptions): Finding[] {
  const argo = image.kustomize.entry === undefined;
  return imageFindings([image], options, (unpinned, reason) => {
    const fix = argo
      ? `Pin it here (\`${image.raw.split('@')[0]}@sha256:…\`, which kustomize edit set image reads as the digest).`
      : 'Pin it with `digest: sha256:…` in this entry (the digest of the tag it renders).';
    return `${objectName(root)} renders \`${unpinned.resolved}\` from ${path.basename(root.folder)} here, which is not pinned: ${whyUnpinned(unpinned, reason)}. ${fix}`;
  });
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

/** An image a kustomization makes. */
type KustomizeOccurrence = Extract<ImageOccurrence, { readonly source: 'kustomize' }>;

function kustomizeOccurrence(root: string, image: KustomizeImage): KustomizeOccurrence {
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
function kustomizeFindings(image: KustomizeOccurrence, root: string, options: AnalyzeOptions): Finding[] {
  const { by } = image.kustomize;
  return imageFindings([image], options, (unpinned, reason) => {
    const fix =
      by === 'images-entry'
        ? 'Pin it with `digest: sha256:…` in this entry (the digest of the tag it renders).'
        : `Pin it to its digest (\`${writtenName(unpinned.resolved)}:${unpinned.reference.tag ?? 'latest'}@sha256:…\`).`;
    return `The kustomization \`${path.basename(root)}\` renders \`${unpinned.resolved}\` here, which is not pinned: ${whyUnpinned(unpinned, reason)}. ${fix}`;
  });
}

/**
 * root-user on a container as a root renders it, placed where the fix belongs: the container's
 * line in the manifest (or the patch that added it), or the patch value that makes it root
 * (`runAsUser: 0`, `runAsNonRoot: false`) when a patch sets it.
 */
function renderedRootJudgement(container: KustomizeContainer): RootJudgement {
  const { runAsUser, runAsNonRoot } = container;
  let home: Place = container.place;
  if (runAsUser?.value === 0 && runAsUser.level === 'pod' && runAsUser.by === 'patch') home = runAsUser.place;
  else if (runAsUser === undefined && runAsNonRoot?.value === false && runAsNonRoot.by === 'patch') home = runAsNonRoot.place;
  const w = container.workload;
  const fact: ContainerFact = {
    workload: {
      kind: w.kind,
      document: 0,
      ...(w.name !== undefined && { name: w.name }),
      ...(w.namespace !== undefined && { namespace: w.namespace }),
      ...(w.container !== undefined && { container: w.container }),
      ...(isContainerType(w.containerType) && { containerType: w.containerType }),
    },
    type: isContainerType(w.containerType) ? w.containerType : 'containers',
    range: home.range,
    ...(w.container !== undefined && { name: w.container }),
    ...(container.reference !== undefined && { image: container.reference }),
    ...(runAsUser && { runAsUser: { value: runAsUser.value, range: runAsUser.place.range, level: runAsUser.level } }),
    ...(runAsNonRoot && { runAsNonRoot: { value: runAsNonRoot.value, range: runAsNonRoot.place.range, level: runAsNonRoot.level } }),
  };
  // Each finding is at one of the fact's ranges (the same objects): the file is that range's.
  return {
    fact,
    fileOf: (finding) =>
      finding.range === fact.runAsUser?.range && runAsUser
        ? runAsUser.place.file
        : finding.range === fact.runAsNonRoot?.range && runAsNonRoot
          ? runAsNonRoot.place.file
          : home.file,
  };
}

function isContainerType(type: string | undefined): type is ContainerType {
  return type === 'containers' || type === 'initContainers' || type === 'ephemeralContainers';
}

/** A chart image as an occurrence; `gitops` names the GitOps object whose values make it. */
function chartOccurrence(image: ChartImage, gitops?: string): ImageOccurrence {
  const place = image.value ?? image.template;
  const helm = {
    chart: image.chart,
    ...(gitops !== undefined && { gitops }),
    template: image.template,
    ...(image.value && { valueKey: image.value.key }),
    pin: image.pin,
    ...(image.workload && { workload: image.workload }),
    ...(image.active === false && { active: false as const, condition: image.condition ?? '' }),
  };
  if (image.reference === undefined) {
    return {
      source: 'helm',
      raw: image.template.raw,
      range: image.template.range,
      status: 'unresolved',
      pinned: false,
      // An image the values switch off is listed, not judged: nothing is said unresolved about it.
      unresolvedVariables: image.active === false ? [] : [image.unresolved ?? image.template.raw],
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
function chartRootJudgement(container: ChartContainer): RootJudgement {
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
  return { fact, fileOf: () => place.file };
}

/**
 * A chart image's findings: on the values.yaml line that sets it, or the template when it is
 * written there; `by` names the GitOps object whose values these are.
 */
function chartFindings(image: ImageOccurrence, chart: ChartImage, options: AnalyzeOptions, by?: string): Finding[] {
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
  const reference = image.reference;
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
        ? path.resolve(pin.file) === placed && pin.range.start.line === chart.value.range.start.line
          ? `Pin it by its digest here (\`${reference.tag ?? 'latest'}@sha256:…\`).`
          : `Pin it by its digest where its tag is set (\`${reference.tag ?? 'latest'}@sha256:…\`, ${path.relative(path.dirname(placed), pin.file).split(path.sep).join('/') || path.basename(pin.file)} line ${pin.range.start.line + 1}).`
        : `It cannot be pinned here: ${pin.why}.`;
  const key = chart.value.key.join('.');
  const whose = by ? ` (of ${by})` : '';
  return imageFindings(
    [image],
    options,
    (_, reason) =>
      `\`${key}\`${whose} makes the chart's image \`${image.resolved}\`, which is not pinned: ${whyUnpinned(image, reason)}. ${fix}`,
  );
}
