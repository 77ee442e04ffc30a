// A Helm chart's container images, without running helm: every container `image:` of its
// templates (and of its unpacked subcharts'), rendered as `helm template` would with the default
// values, the values.yaml scalar that decides each, and where pinning can write a digest.

import * as path from 'node:path';
import { Budget, BudgetSpent, type BudgetOptions } from '../budget.js';
import { overlayFiles, type ProjectFiles } from '../files.js';
import type { ChartContainer, ChartImage, ChartPin, ChartProject, ImageWorkload, Place } from '../types.js';
import { LineIndex } from '../../util/lines.js';
import { ArchiveError, unpackChart } from './archive.js';
import { BITNAMI_TEMPLATES } from './bitnami.js';
import { capabilities, filesObject, type ChartFiles } from './builtins.js';
import { containersOfOutput, type TemplateText } from './containers.js';
import { parseHelmignore, type Ignore } from './helmignore.js';
import { imageSites, MAX_SITES, textSpans } from './images.js';
import { TemplateSyntaxError } from './lex.js';
import { valueEnd, withoutComment } from './line.js';
import { parseTemplate, type Node, type ParsedTemplate } from './parse.js';
import { renderTemplate, type RenderedImage } from './render.js';
import { Evaluator, type Read } from './template.js';
import { overlay, parseSet } from './userValues.js';
import { ChartFailure, Text, Unresolved, type GoMap, type Piece, type Source, type Value } from './value.js';
import { dependencyDisabled, readChartFile, readValues, subchartValues, type ChartFile, type Dependency } from './values.js';

export const CHART_FILE = 'Chart.yaml';

const MAX_SUBCHART_DEPTH = 8;
const MAX_FOLDER_DEPTH = 16;
const MAX_TEMPLATE_FILES = 2000;
/** Files of templates/ that render to manifests (partials start with `_`; NOTES.txt is not a manifest). */
const MANIFEST = /^[^_].*\.(ya?ml|tpl)$/i;
/** An `image` key somewhere in a template's text (what imageSites looks for, found cheaply). */
const IMAGE_KEY = /["']?\bimage["']?[ \t]*:/;

/** Whether a folder is a chart: it holds a Chart.yaml. */
export async function isChartFolder(folder: string, fs: ProjectFiles): Promise<boolean> {
  const entries = await fs.list(folder);
  return entries?.some((entry) => !entry.folder && entry.name === CHART_FILE) ?? false;
}

interface TemplateFile {
  readonly file: string;
  /** Relative to templates/, with `/`. */
  readonly relative: string;
  readonly text: string;
  readonly parsed?: ParsedTemplate;
}

interface LoadedChart {
  readonly folder: string;
  /** Why helm leaves the chart out (its Chart.yaml `condition` or `tags`), when it does. */
  readonly disabled?: string;
  /** helm's name for the chart's templates: `<root>/charts/<sub>/…`. */
  readonly prefix: string;
  readonly meta: GoMap;
  readonly library: boolean;
  readonly values: GoMap;
  readonly templates: readonly TemplateFile[];
  readonly subcharts: readonly LoadedChart[];
  /** The chart's other files, for `.Files` (read only when a template uses it). */
  readonly files?: ChartFiles;
}

/** The values a chart is deployed with (`helm template --values F --set k=v`). */
export interface ChartOptions extends BudgetOptions {
  /** Values files, each over the ones before, over the chart's values.yaml. */
  readonly valuesFiles?: readonly string[];
  /** `--set` arguments, over the files. */
  readonly set?: readonly string[];
  /** Values already read (a GitOps object's own values and parameters), over the files and under `set`. */
  readonly layers?: readonly GoMap[];
  /**
   * Files whose values decide an image before the chart's own (a GitOps object's, in order): an
   * image one of them feeds is placed there, on the value it sets, even when the tag is the chart's.
   */
  readonly prefer?: readonly string[];
  /** `helm template NAME --namespace NS`: the release's name and namespace (default `release-name`, `default`). */
  readonly release?: { readonly name: string; readonly namespace: string };
  /** Keep the text of every manifest template's output, in helm's order (`ChartProject.manifests`). */
  readonly manifests?: boolean;
}

type Problem = ChartProject['errors'][number];

interface Loading {
  /** The files, with the packaged subcharts unpacked so far laid over them. */
  fs: ProjectFiles;
  /** The packaged subcharts read (their paths, as folders): nothing can be written into them. */
  readonly archives: string[];
  readonly root: string;
  readonly notes: string[];
  readonly errors: Problem[];
  /** The user's values, laid over the root chart's. */
  readonly user?: GoMap;
  /** The root chart's values (Chart.yaml `tags` are read there). */
  top?: GoMap;
  /** The root chart's .helmignore. */
  readonly ignore?: Ignore;
  templateFiles: number;
  fileBytes: number;
  readonly release?: ChartOptions['release'];
  /** The outputs of the manifest templates, when asked for. */
  readonly manifests?: string[];
}

/** Whether the root chart's .helmignore leaves a file or folder out. */
function ignored(loading: Loading, file: string, folder: boolean): boolean {
  return loading.ignore?.(path.relative(loading.root, file).split(path.sep).join('/'), folder) ?? false;
}

/** The user's values files and `--set`, read; what cannot be read is an error of the chart. */
async function userValues(options: ChartOptions, loading: Loading): Promise<GoMap | undefined> {
  let user: GoMap | undefined;
  for (const file of options.valuesFiles ?? []) {
    const absolute = path.resolve(file);
    const text = await loading.fs.read(absolute);
    if (text === undefined) {
      loading.errors.push({ file: absolute, message: 'the values file cannot be read' });
      continue;
    }
    const read = readValues(text, absolute);
    loading.errors.push(...read.errors.map((e) => ({ file: absolute, ...e })));
    user = user ? overlay(user, read.values) : read.values;
  }
  for (const layer of options.layers ?? []) user = user ? overlay(user, layer) : layer;
  if (options.set && options.set.length > 0) {
    try {
      const set = parseSet(options.set);
      user = user ? overlay(user, set) : set;
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      loading.errors.push({ file: path.join(loading.root, CHART_FILE), message: error.message });
    }
  }
  return user;
}

/**
 * The images of the chart in `chartFolder` and of its subcharts under charts/, rendered with
 * `options`' values. A chart that takes longer than its time budget is an error entry, without images.
 */
export async function analyzeChart(chartFolder: string, fs: ProjectFiles, options: ChartOptions = {}): Promise<ChartProject> {
  const folder = path.resolve(chartFolder);
  const base: Loading = {
    fs,
    root: folder,
    notes: [],
    errors: [],
    archives: [],
    templateFiles: 0,
    fileBytes: 0,
    ...(options.release && { release: options.release }),
    ...(options.manifests && { manifests: [] }),
  };
  const budget = Budget.start(options);
  try {
    return await imagesOfChart(folder, base, options, budget);
  } catch (error) {
    if (!(error instanceof BudgetSpent)) throw error;
    const message = `${error.message}: this chart takes longer than its time budget to evaluate (templates that include each other, or ranges over very many values); its images are not listed`;
    return {
      chart: folder,
      images: [],
      notes: base.notes,
      errors: [...base.errors, { file: path.join(folder, CHART_FILE), message }],
    };
  }
}

async function imagesOfChart(folder: string, base: Loading, options: ChartOptions, budget: Budget): Promise<ChartProject> {
  const user = await userValues(options, base);
  const helmignore = await base.fs.read(path.join(folder, '.helmignore'));
  const loading: Loading = { ...base, ...(user && { user }), ...(helmignore !== undefined && { ignore: parseHelmignore(helmignore) }) };
  const chart = await loadChart(folder, loading, 0);
  if (!chart) return { chart: folder, images: [], notes: loading.notes, errors: base.errors };
  const charts = flatten(chart);
  const { templates, files } = templatesOf(charts);
  const evaluator = new Evaluator(templates, files, budget);
  const { drafts, reads, containers } = await renderCharts(charts, evaluator, loading, budget);
  const prefer = (options.prefer ?? []).map((f) => path.resolve(f));
  const images = finish(drafts, folder, reads, loading.archives, prefer);
  const manifests = loading.manifests && { manifests: loading.manifests };
  return { chart: folder, images, containers, notes: loading.notes, errors: base.errors, ...manifests };
}

async function loadChart(
  folder: string,
  loading: Loading,
  depth: number,
  parent?: { values: GoMap; prefix: string },
  alias?: string,
): Promise<LoadedChart | undefined> {
  const chartPath = path.join(folder, CHART_FILE);
  const chartText = await loading.fs.read(chartPath);
  if (chartText === undefined) {
    loading.errors.push({ file: chartPath, message: `${CHART_FILE} cannot be read` });
    return undefined;
  }
  const chartFile = readChartFile(chartText, chartPath);
  loading.errors.push(...chartFile.errors.map((e) => ({ file: chartPath, ...e })));
  const valuesPath = path.join(folder, 'values.yaml');
  const valuesText = await loading.fs.read(valuesPath);
  let own: GoMap = new Map();
  if (valuesText !== undefined) {
    try {
      const read = readValues(valuesText, valuesPath);
      own = read.values;
      loading.errors.push(...read.errors.map((e) => ({ file: valuesPath, ...e })));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      loading.errors.push({ file: valuesPath, message: 'values.yaml expands too far (aliases): not read' });
    }
  }
  const name = alias ?? chartFile.name ?? path.basename(folder);
  const meta: GoMap = new Map(chartFile.meta);
  if (alias) meta.set('Name', alias);
  const prefix = parent ? `${parent.prefix}/charts/${name}` : name;
  const values = parent ? subchartValues(own, parent.values, name) : loading.user ? overlay(own, loading.user) : own;
  if (!parent) loading.top = values;
  const templates = await loadTemplates(path.join(folder, 'templates'), '', loading, 0);
  const subcharts = await loadSubcharts(folder, chartFile, loading, depth, { values, prefix });
  const files = templates.some((t) => t.text.includes('.Files')) ? await loadFiles(folder, loading) : undefined;
  return { folder, prefix, meta, library: chartFile.type === 'library', values, templates, subcharts, ...(files && { files }) };
}

// Literals, not products: the activation bundle keeps a top-level product (and with it this module).
const MAX_FILE_BYTES = 2_097_152; // 2 MiB
const MAX_FILES_BYTES = 33_554_432; // 32 MiB
/** Files helm keeps out of `.Files`. */
const NOT_FILES = /* @__PURE__ */ new Set([
  CHART_FILE,
  'values.yaml',
  'values.schema.json',
  'Chart.lock',
  'requirements.yaml',
  'requirements.lock',
]);

/** The chart's files that are neither templates nor subcharts, as `.Files` has them. */
async function loadFiles(folder: string, loading: Loading): Promise<Map<string, string | undefined>> {
  const files = new Map<string, string | undefined>();
  const walk = async (dir: string, prefix: string, depth: number): Promise<void> => {
    if (depth > MAX_FOLDER_DEPTH) return;
    for (const entry of (await loading.fs.list(dir)) ?? []) {
      const name = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (ignored(loading, path.join(dir, entry.name), entry.folder)) continue;
      if (!prefix && (entry.name === 'templates' || entry.name === 'charts' || NOT_FILES.has(entry.name))) continue;
      if (entry.folder) {
        await walk(path.join(dir, entry.name), name, depth + 1);
        continue;
      }
      const text = loading.fileBytes < MAX_FILES_BYTES ? await loading.fs.read(path.join(dir, entry.name)) : undefined;
      const fits = text !== undefined && text.length <= MAX_FILE_BYTES;
      if (fits) loading.fileBytes += text.length;
      files.set(name, fits ? text : undefined);
    }
  };
  await walk(folder, '', 0);
  return files;
}

async function loadSubcharts(
  folder: string,
  chartFile: ChartFile,
  loading: Loading,
  depth: number,
  parent: { values: GoMap; prefix: string },
): Promise<LoadedChart[]> {
  const chartsFolder = path.join(folder, 'charts');
  const entries = (await loading.fs.list(chartsFolder)) ?? [];
  if (depth >= MAX_SUBCHART_DEPTH) {
    if (entries.length > 0)
      loading.notes.push(`${relative(loading.root, chartsFolder)}: subcharts nested deeper than ${MAX_SUBCHART_DEPTH} are not read`);
    return [];
  }
  const found = new Set<string>();
  const subcharts: LoadedChart[] = [];
  const loadedAs: { loaded: LoadedChart; key: string; given: Value | undefined; dependency?: Dependency }[] = [];
  for (const entry of entries) {
    const sub = path.join(chartsFolder, entry.name);
    if (ignored(loading, sub, entry.folder)) continue;
    // helm passes over names starting with `_` or `.` in charts/.
    if (/^[_.]/.test(entry.name)) continue;
    if (!entry.folder) {
      if (!/\.tgz$/i.test(entry.name) || !(await unpacked(sub, loading))) {
        if (/\.(tgz|tar\.gz)$/i.test(entry.name))
          found.add(entry.name.replace(/-\d[^/]*\.(tgz|tar\.gz)$/i, '').replace(/\.(tgz|tar\.gz)$/i, ''));
        continue;
      }
    }
    const subText = await loading.fs.read(path.join(sub, CHART_FILE));
    if (subText === undefined) continue;
    const subName = readChartFile(subText, path.join(sub, CHART_FILE)).name ?? entry.name;
    found.add(subName);
    // Each dependency on the chart is an instance of it (under its alias, if it has one).
    const instances: (Dependency | undefined)[] = chartFile.dependencies.filter((d) => d.name === subName);
    for (const dependency of instances.length > 0 ? instances : [undefined]) {
      const key = dependency?.alias ?? subName;
      const given = parent.values.get(key);
      const loaded = await loadChart(sub, loading, depth + 1, parent, dependency?.alias);
      if (!loaded) continue;
      // The parent sees the values destined for its dependencies, defaults included.
      parent.values.set(key, loaded.values);
      loadedAs.push({ loaded, key, given, ...(dependency && { dependency }) });
    }
  }
  // Conditions read the parent's values with every dependency's defaults in them, as helm's do.
  for (const { loaded, key, given, dependency } of loadedAs) {
    const disabled = dependency && dependencyDisabled(dependency, parent.values, loading.top ?? parent.values);
    if (!disabled) {
      subcharts.push(loaded);
      continue;
    }
    // Kept, not rendered: its images are listed as inactive, with why.
    subcharts.push({ ...loaded, disabled });
    loading.notes.push(`${relative(loading.root, loaded.folder)}: not rendered (as ${key}): its condition or tags disable it`);
    if (given === undefined) parent.values.delete(key);
    else parent.values.set(key, given);
  }
  for (const dependency of chartFile.dependencies) {
    if (!found.has(dependency.name)) {
      loading.notes.push(
        `${relative(loading.root, folder) || '.'}: dependency ${dependency.name} is not in charts/ (helm dependency build fetches it)`,
      );
    }
  }
  return subcharts;
}

/**
 * A packaged subchart (`charts/x-1.0.0.tgz`) unpacked, as helm loads it: its files laid over the
 * project's under the archive's own path (`charts/x-1.0.0.tgz/values.yaml`), its top folder
 * dropped. False (with an error) when it cannot be read or is refused.
 */
async function unpacked(archive: string, loading: Loading): Promise<boolean> {
  const bytes = await loading.fs.bytes?.(archive);
  if (bytes === undefined) {
    loading.notes.push(`${relative(loading.root, archive)}: the packaged subchart cannot be read`);
    return false;
  }
  let files: Map<string, string>;
  try {
    files = await unpackChart(bytes);
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
    loading.errors.push({ file: archive, message: `the packaged subchart is not read: ${error.message}` });
    return false;
  }
  const texts = new Map<string, string>();
  for (const [name, text] of files) {
    const [, ...rest] = name.split('/');
    if (rest.length > 0) texts.set(path.join(archive, ...rest), text);
  }
  if (!texts.has(path.join(archive, CHART_FILE))) {
    loading.errors.push({ file: archive, message: `the packaged subchart is not read: it has no ${CHART_FILE} in its folder` });
    return false;
  }
  loading.fs = overlayFiles(texts, loading.fs);
  loading.archives.push(archive);
  return true;
}

async function loadTemplates(folder: string, prefix: string, loading: Loading, depth: number): Promise<TemplateFile[]> {
  // The names first (folders listed at once), then every file read at once: read one after the
  // other, a chart of a few hundred templates waited on the disk longer than it took to render.
  const names = await templateNames(folder, prefix, loading, depth);
  const kept: { file: string; relative: string }[] = [];
  for (const name of names) {
    if (++loading.templateFiles > MAX_TEMPLATE_FILES) {
      if (loading.templateFiles === MAX_TEMPLATE_FILES + 1)
        loading.notes.push(`only the first ${MAX_TEMPLATE_FILES} template files are read`);
      continue;
    }
    kept.push(name);
  }
  const texts = await Promise.all(kept.map(({ file }) => loading.fs.read(file)));
  const templates: TemplateFile[] = [];
  kept.forEach(({ file, relative: relativeName }, i) => {
    const text = texts[i];
    if (text === undefined) return;
    try {
      templates.push({ file, relative: relativeName, text, parsed: parseTemplate(text) });
    } catch (error) {
      if (!(error instanceof TemplateSyntaxError)) throw error;
      const at = new LineIndex(text).positionAt(error.offset);
      loading.errors.push({ file, range: { start: at, end: at }, message: `template: ${error.message}` });
      templates.push({ file, relative: relativeName, text });
    }
  });
  return templates;
}

/** The files under a templates folder, in the order of its listing (a folder's files where the folder is). */
async function templateNames(
  folder: string,
  prefix: string,
  loading: Loading,
  depth: number,
): Promise<{ file: string; relative: string }[]> {
  const entries = depth <= MAX_FOLDER_DEPTH ? await loading.fs.list(folder) : undefined;
  const found = await Promise.all(
    (entries ?? []).map(async (entry) => {
      const file = path.join(folder, entry.name);
      if (ignored(loading, file, entry.folder)) return [];
      const relativeName = prefix ? `${prefix}/${entry.name}` : entry.name;
      return entry.folder ? templateNames(file, relativeName, loading, depth + 1) : [{ file, relative: relativeName }];
    }),
  );
  return found.flat();
}

function flatten(chart: LoadedChart, disabled?: string): LoadedChart[] {
  const self = disabled && !chart.disabled ? { ...chart, disabled } : chart;
  return [self, ...chart.subcharts.flatMap((sub) => flatten(sub, self.disabled))];
}

/** helm's order of templates: the deepest paths first, then by name in reverse. */
function helmOrder(a: string, b: string): number {
  const slashes = (name: string): number => name.split('/').length;
  return slashes(b) - slashes(a) || (a < b ? 1 : a > b ? -1 : 0);
}

/**
 * The defines of every chart, and every template file by its name, as helm parses them into one
 * set: deepest paths first, so that a parent's define wins over a subchart's of the same name;
 * and the file each is written in.
 */
function templatesOf(charts: readonly LoadedChart[]): { templates: Map<string, readonly Node[]>; files: Map<string, string> } {
  const named: { name: string; parsed: ParsedTemplate; file: string }[] = [];
  for (const chart of charts) {
    // helm drops a disabled dependency before rendering: its defines are not there either.
    if (chart.disabled) continue;
    for (const template of chart.templates) {
      if (template.parsed)
        named.push({ name: `${chart.prefix}/templates/${template.relative}`, parsed: template.parsed, file: template.file });
    }
  }
  named.sort((a, b) => helmOrder(a.name, b.name));
  const templates = new Map<string, readonly Node[]>();
  const files = new Map<string, string>();
  const bitnami = parseTemplate(BITNAMI_TEMPLATES);
  for (const [name, define] of bitnami.defines) templates.set(name, define.list);
  for (const { name, parsed, file } of named) {
    templates.set(name, parsed.root);
    files.set(name, file);
    for (const [defined, define] of parsed.defines) {
      templates.set(defined, define.list);
      files.set(defined, file);
    }
  }
  return { templates, files };
}

const tops = /* @__PURE__ */ new WeakMap<LoadedChart, GoMap>();

/**
 * `.` at the top of a template: what helm gives `helm template` with no flags. One map per chart,
 * as helm has it: a template that sets `$.Values` changes what the chart's later templates see.
 */
function topOf(chart: LoadedChart, template: TemplateFile, release: Loading['release']): GoMap {
  const top = tops.get(chart) ?? newTop(chart, template, release);
  tops.set(chart, top);
  top.set(
    'Template',
    new Map<string, Value>([
      ['Name', `${chart.prefix}/templates/${template.relative}`],
      ['BasePath', `${chart.prefix}/templates`],
    ]),
  );
  return top;
}

function newTop(chart: LoadedChart, template: TemplateFile, release: Loading['release']): GoMap {
  return new Map<string, Value>([
    ['Values', chart.values],
    ['Chart', chart.meta],
    [
      'Release',
      new Map<string, Value>([
        ['Name', release?.name ?? 'release-name'],
        ['Namespace', release?.namespace ?? 'default'],
        ['Service', 'Helm'],
        ['IsInstall', true],
        ['IsUpgrade', false],
        ['Revision', 1n],
      ]),
    ],
    [
      'Template',
      new Map<string, Value>([
        ['Name', `${chart.prefix}/templates/${template.relative}`],
        ['BasePath', `${chart.prefix}/templates`],
      ]),
    ],
    ['Capabilities', capabilities()],
    ['Files', filesObject(chart.files ?? new Map())],
  ]);
}

/** An image of the chart, before pins (which need every image of the chart). */
interface Draft {
  readonly chart: string;
  readonly template: Place & { readonly raw: string };
  readonly reference?: string;
  readonly unresolved?: string;
  readonly pieces?: readonly Piece[];
  readonly workload?: ImageWorkload;
  /** Not rendered with these values: why (the condition around it). */
  readonly inactive?: string;
}

/** What renders the charts: the parsed template files, and the keys of the `values.yaml` mappings read. */
interface Rendering {
  readonly byFile: Map<string, TemplateFile>;
  /** Template places (`file\0offset` of an `image` key) that some rendered image came from. */
  readonly rendered: Set<string>;
  /** The digest (or `sha`) keys templates looked up, by the values scalars beside them (`sourceKey`). */
  readonly reads: Map<string, Read>;
  /** Template files that could not be rendered, with the part that stopped them. */
  readonly failed: Map<string, string>;
}

/** Renders every manifest template of every enabled chart, as `helm template` does, and lists the images no rendering uses. */
async function renderCharts(
  charts: readonly LoadedChart[],
  evaluator: Evaluator,
  loading: Loading,
  budget: Budget,
): Promise<{ drafts: Draft[]; reads: Rendering['reads']; containers: ChartContainer[] }> {
  const rendering: Rendering = { byFile: new Map(), rendered: new Set(), reads: new Map(), failed: new Map() };
  for (const chart of charts) for (const template of chart.templates) rendering.byFile.set(template.file, template);
  const drafts: Draft[] = [];
  const containers: ChartContainer[] = [];
  const indexes = new Map<string, LineIndex>();
  const texts: TemplateText = (file) => {
    const template = rendering.byFile.get(file);
    if (!template) return undefined;
    let lines = indexes.get(file);
    if (!lines) indexes.set(file, (lines = new LineIndex(template.text)));
    return { text: template.text, lines };
  };
  let failure: string | undefined;
  // helm renders in this order, and a template may change the values the next ones see (istio's profiles).
  const order = charts
    .filter((chart) => !chart.library && !chart.disabled)
    .flatMap((chart) => chart.templates.map((template) => ({ chart, template, name: `${chart.prefix}/templates/${template.relative}` })))
    .sort((a, b) => helmOrder(a.name, b.name));
  for (const { chart, template } of order) {
    if (failure) break;
    await budget.pause();
    {
      const notes = path.posix.basename(template.relative) === 'NOTES.txt';
      if (!template.parsed || !(MANIFEST.test(path.posix.basename(template.relative)) || notes)) continue;
      try {
        const rendered = renderTemplate(evaluator, template.parsed.root, topOf(chart, template, loading.release), template.file);
        // helm renders NOTES.txt too: a `fail` or `required` there stops the chart, though it holds no manifest.
        if (notes) continue;
        const { images, broken } = rendered;
        if (broken) rendering.failed.set(template.file, broken);
        else containers.push(...containersOfOutput(rendered, texts));
        loading.manifests?.push(rendered.output.text);
        for (const read of evaluator.reads) {
          if ((read.key !== 'digest' && read.key !== 'sha') || !read.holder) continue;
          for (const beside of read.holder.values()) {
            const source = beside instanceof Text && beside.pieces.length === 1 ? beside.pieces[0]!.source : undefined;
            const key = source && sourceKey(source);
            if (key && (read.key === 'digest' || !rendering.reads.has(key))) rendering.reads.set(key, read);
          }
        }
        for (const image of images) drafts.push(draftOf(chart, template, image, rendering));
      } catch (error) {
        if (error instanceof ChartFailure) {
          failure = `helm template fails: ${error.message}`;
          loading.errors.push({ file: template.file, message: `${failure} (${error.part})` });
          break;
        }
        if (!(error instanceof Unresolved)) throw error;
        rendering.failed.set(template.file, error.part);
      }
    }
  }
  const active = failure ? [] : drafts;
  const inactive = failure ? drafts.map((d) => ({ ...d, inactive: failure })) : [];
  return {
    drafts: [...active, ...inactive, ...unrendered(charts, rendering, loading, failure)],
    reads: rendering.reads,
    // helm renders nothing when a template fails: no container runs.
    containers: failure ? [] : containers,
  };
}

/** The template place of a rendered image: where its `image:` value is written (or the action that wrote it). */
function templatePlace(image: RenderedImage, template: TemplateFile, rendering: Rendering): Place & { raw: string } {
  const key = image.key;
  const file = key && rendering.byFile.get(key.file);
  if (key && file?.parsed) {
    const after = /^["']?image["']?[ \t]*:[ \t]*/.exec(file.text.slice(key.start, key.start + 64));
    const valueOffset = key.start + (after?.[0].length ?? 0);
    const raw = withoutComment(file.text.slice(valueOffset, valueEnd(file.parsed.root, key.start, valueOffset)));
    return { file: file.file, range: new LineIndex(file.text).rangeAt(valueOffset, valueOffset + raw.length), raw };
  }
  const at = image.value;
  const from = at && rendering.byFile.get(at.file);
  if (at && from)
    return { file: from.file, range: new LineIndex(from.text).rangeAt(at.start, at.end), raw: from.text.slice(at.start, at.end) };
  return { file: template.file, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, raw: image.reference };
}

function draftOf(chart: LoadedChart, template: TemplateFile, image: RenderedImage, rendering: Rendering): Draft {
  if (image.key) rendering.rendered.add(`${image.key.file}\0${image.key.start}`);
  const place = templatePlace(image, template, rendering);
  const missing = image.pieces.find((piece) => piece.missing !== undefined);
  const common = { chart: chart.folder, template: place, workload: image.workload };
  if (missing) return { ...common, unresolved: missing.missing! };
  // Text that still has template actions came from a value meant for `tpl`: helm would write it as it is.
  if (image.reference.includes('{{') || image.reference === '') return { ...common, unresolved: image.reference || place.raw };
  return { ...common, reference: image.reference, pieces: image.pieces };
}

/** The innermost block around a place, as a condition (`.Values.x`, `not (.Values.x)`), or the define it is in. */
function conditionAt(nodes: readonly Node[], offset: number): string | undefined {
  for (const node of nodes) {
    if (offset < node.start || offset >= node.end) continue;
    if (node.type === 'define') return conditionAt(node.list, offset) ?? `define "${node.name}" is included`;
    if (node.type !== 'if' && node.type !== 'with' && node.type !== 'range') return undefined;
    const inList = node.list.some((n) => offset >= n.start && offset < n.end);
    const inner = conditionAt(inList ? node.list : (node.elseList ?? []), offset);
    if (inner) return inner;
    const what = node.type === 'range' ? `${node.pipe.text} has items` : node.pipe.text;
    return inList ? what : `not (${what})`;
  }
  return undefined;
}

/** The image keys of every template that no rendering used, with what keeps them out. */
function unrendered(charts: readonly LoadedChart[], rendering: Rendering, loading: Loading, failure: string | undefined): Draft[] {
  const drafts: Draft[] = [];
  for (const chart of charts) {
    for (const template of chart.templates) {
      const name = path.posix.basename(template.relative);
      // NOTES.txt and other files of templates/ that are neither manifests nor partials hold no images.
      if (!template.parsed || !(MANIFEST.test(name) || name.startsWith('_'))) continue;
      // Most templates write no image key at all: not worth reading line by line.
      if (!IMAGE_KEY.test(template.text)) continue;
      const { sites, truncated } = imageSites(template.text, textSpans(template.parsed.root));
      if (truncated) loading.notes.push(`${relative(loading.root, template.file)}: only the first ${MAX_SITES} images are read`);
      const lines = new LineIndex(template.text);
      for (const site of sites) {
        const { keyOffset, valueOffset } = site.image;
        if (rendering.rendered.has(`${template.file}\0${keyOffset}`)) continue;
        const raw = withoutComment(template.text.slice(valueOffset, valueEnd(template.parsed.root, keyOffset, valueOffset)));
        const place = { file: template.file, range: lines.rangeAt(valueOffset, valueOffset + raw.length), raw };
        // A template that could not be rendered: its images are not known, not absent.
        const stopped = rendering.failed.get(template.file);
        if (stopped !== undefined && !failure) {
          drafts.push({ chart: chart.folder, template: place, unresolved: stopped });
          continue;
        }
        const why =
          failure ??
          chart.disabled ??
          (chart.library ? 'the library chart is included by a chart that uses it' : undefined) ??
          conditionAt(template.parsed.root, keyOffset) ??
          (MANIFEST.test(path.posix.basename(template.relative)) ? 'the template renders it' : 'the template is included');
        drafts.push({
          chart: chart.folder,
          template: place,
          inactive: why,
        });
      }
    }
  }
  return drafts;
}

function sourceKey(source: Source): string {
  const { start, end } = source.range;
  return `${source.file}\0${start.line}:${start.character}-${end.line}:${end.character}`;
}

/** Values and pins, now that it is known which images each values.yaml scalar feeds. */
function finish(
  drafts: readonly Draft[],
  root: string,
  reads: Rendering['reads'],
  archives: readonly string[],
  prefer: readonly string[],
): ChartImage[] {
  const feeds = new Map<string, Set<string>>();
  for (const draft of drafts) {
    if (draft.reference === undefined) continue;
    for (const piece of draft.pieces ?? []) {
      if (piece.source?.from !== 'values') continue;
      const key = sourceKey(piece.source);
      if (!feeds.has(key)) feeds.set(key, new Set());
      feeds.get(key)!.add(draft.reference);
    }
  }
  return drafts.map((draft) => {
    const { chart, template, workload } = draft;
    const common = { chart, template, ...(workload && { workload }) };
    if (draft.inactive !== undefined) {
      return {
        ...common,
        active: false,
        condition: draft.inactive,
        pin: { kind: 'none', why: 'helm does not render it with these values' },
      } satisfies ChartImage;
    }
    if (draft.reference === undefined) {
      return {
        ...common,
        unresolved: draft.unresolved!,
        pin: { kind: 'none', why: 'the image could not be resolved' },
      } satisfies ChartImage;
    }
    const pieces = draft.pieces ?? [];
    const value = valueOf(draft.reference, pieces, prefer);
    const decided = pinOf(draft, pieces, feeds, root, reads, prefer);
    // A packaged subchart's values.yaml is inside its archive: no edit can be written there.
    const archive = decided.kind !== 'none' ? archives.find((a) => decided.file.startsWith(a + path.sep)) : undefined;
    const pin: ChartPin = archive
      ? { kind: 'none', why: `the value is inside the packaged subchart ${relative(root, archive)}; override it in the parent's values` }
      : decided;
    return {
      ...common,
      reference: draft.reference,
      ...(value && { value: { file: value.file, range: value.range, key: value.key, raw: value.raw } }),
      pin,
    } satisfies ChartImage;
  });
}

/** Where in a reference its tag is (after the last `:` of the name), and its name (before it). */
function tagSpan(reference: string): { name: [number, number]; tag?: [number, number] } {
  const at = reference.indexOf('@');
  const nameEnd = at === -1 ? reference.length : at;
  const colon = reference.lastIndexOf(':', nameEnd - 1);
  if (colon === -1 || colon < reference.lastIndexOf('/', nameEnd - 1)) return { name: [0, nameEnd] };
  return { name: [0, colon], tag: [colon + 1, nameEnd] };
}

/**
 * The values.yaml scalar behind the tag, else behind the repository; with `prefer`red files (a
 * GitOps object's, in order), the first of them that sets either, before any other file.
 */
function valueOf(reference: string, pieces: readonly Piece[], prefer: readonly string[] = []): Source | undefined {
  const spans = tagSpan(reference);
  const within = ([from, to]: [number, number], only?: string): Source | undefined => {
    let found: Source | undefined;
    let at = 0;
    for (const piece of pieces) {
      const end = at + piece.text.length;
      const source = piece.source;
      if (source?.from === 'values' && end > from && at < to && (only === undefined || path.resolve(source.file) === only)) found = source;
      at = end;
    }
    return found;
  };
  for (const file of prefer) {
    const found = (spans.tag && within(spans.tag, file)) ?? within(spans.name, file);
    if (found) return found;
  }
  return (spans.tag && within(spans.tag)) ?? within(spans.name);
}

function pinOf(
  draft: Draft,
  pieces: readonly Piece[],
  feeds: ReadonlyMap<string, ReadonlySet<string>>,
  root: string,
  reads: Rendering['reads'],
  prefer: readonly string[],
): ChartPin {
  // The chart reads a digest (or kube-prometheus-stack's `sha`) beside the tag or repository: it goes there.
  const decided = valueOf(draft.reference!, pieces, prefer);
  const beside = [decided, ...pieces.map((piece) => piece.source)].filter((source) => source?.from === 'values');
  const digest = beside.map((source) => reads.get(sourceKey(source!))).find((read) => read !== undefined);
  if (digest) {
    // A subchart's own `digest: ""` under a parent's override of the mapping is not where helm
    // takes the digest from once the parent sets one: the key is added to the parent's mapping.
    const existing = digestPlace(digest);
    // A digest the deployment's own values write (a kustomization's values file, `digest: ""`) is replaced there.
    if (existing && existing.file !== digest.map.file && prefer.includes(path.resolve(existing.file)))
      return {
        kind: 'digest',
        file: existing.file,
        key: existing.key.slice(0, -1),
        mapping: existing.range,
        existing: existing.range,
        ...(digest.key === 'sha' && { field: 'sha' as const }),
      };
    const here = existing?.file === digest.map.file ? existing.range : undefined;
    return {
      kind: 'digest',
      file: digest.map.file,
      key: digest.map.key,
      mapping: digest.map.range,
      ...(here && { existing: here }),
      ...(digest.key === 'sha' && { field: 'sha' as const }),
    };
  }
  if (!pieces.some((piece) => piece.source)) return { kind: 'none', why: 'the image is written in the template; pin it there' };
  const last = [...pieces].reverse().find((piece) => piece.text !== '');
  const source = last?.source;
  if (!last || !source) return { kind: 'none', why: 'the reference ends with text written in the template' };
  const name = valuesName(source, root);
  // The chart's own default serves every deployment of it: an override's image is pinned where it is overridden.
  if (prefer.length > 0 && !prefer.includes(path.resolve(source.file)))
    return { kind: 'none', why: `the tag is the chart's ${name}; set the tag beside the override to pin it there` };
  if (source.from === 'chart')
    return { kind: 'none', why: `the tag comes from .Chart.${source.key[0] === 'appVersion' ? 'AppVersion' : 'Version'}` };
  if (!last.exact) return { kind: 'none', why: `the template changes ${name} before using it` };
  if (last.text !== source.raw)
    return { kind: 'none', why: `helm reads ${name} as ${last.text} (it is written ${source.raw}): quote it first` };
  const count = feeds.get(sourceKey(source))?.size ?? 0;
  if (count > 1) return { kind: 'none', why: `${name} feeds ${count} images` };
  return { kind: 'tag', file: source.file, range: source.range };
}

/** The digest value's place when the key is written (set, or an empty string to fill in). */
function digestPlace(read: Read): Source | undefined {
  const value = read.value;
  if (!(value instanceof Text)) return undefined;
  const [piece] = value.pieces;
  return value.pieces.length === 1 && piece?.source ? piece.source : undefined;
}

/** `values.image.tag`, with the file when it is not the chart's own values.yaml. */
function valuesName(source: Source, root: string): string {
  const name = `values.${source.key.join('.')}`;
  const file = relative(root, source.file);
  return file === 'values.yaml' ? name : `${name} (${file})`;
}

function relative(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}
