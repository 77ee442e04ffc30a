// A Helm chart's container images, without running helm: every container `image:` of its
// templates (and of its unpacked subcharts'), rendered as `helm template` would with the default
// values, the values.yaml scalar that decides each, and where pinning can write a digest.

import * as path from 'node:path';
import { Budget, BudgetSpent, type BudgetOptions } from '../budget.js';
import type { ProjectFiles } from '../files.js';
import type { ChartImage, ChartPin, ChartProject, ImageWorkload, Place } from '../types.js';
import { LineIndex } from '../../util/lines.js';
import { BITNAMI_TEMPLATES } from './bitnami.js';
import { imageSites, MAX_SITES, textSpans, type ImageSite, type KeyAt } from './images.js';
import { TemplateSyntaxError } from './lex.js';
import { contextsAt, MAX_CONTEXTS, renderLine, valueEnd, withoutComment, yamlScalar, type LineContext } from './line.js';
import { parseTemplate, type Node, type ParsedTemplate } from './parse.js';
import { Evaluator, type Read } from './template.js';
import { Text, Unknown, Unresolved, type GoMap, type Piece, type Source, type Value } from './value.js';
import { dependencyEnabled, readChartFile, readValues, subchartValues, type ChartFile, type Dependency } from './values.js';

export const CHART_FILE = 'Chart.yaml';

const MAX_SUBCHART_DEPTH = 8;
const MAX_FOLDER_DEPTH = 16;
const MAX_TEMPLATE_FILES = 2000;
/** Files of templates/ that render to manifests (partials start with `_`; NOTES.txt is not a manifest). */
const MANIFEST = /^[^_].*\.(ya?ml|tpl)$/i;

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
  /** helm's name for the chart's templates: `<root>/charts/<sub>/…`. */
  readonly prefix: string;
  readonly meta: GoMap;
  readonly library: boolean;
  readonly values: GoMap;
  readonly templates: readonly TemplateFile[];
  readonly subcharts: readonly LoadedChart[];
}

type Problem = ChartProject['errors'][number];

interface Loading {
  readonly fs: ProjectFiles;
  readonly root: string;
  readonly notes: string[];
  readonly errors: Problem[];
  templateFiles: number;
  /** The root chart's values (its `tags:` enable or disable dependencies at any depth). */
  rootValues?: GoMap;
}

/**
 * The images of the chart in `chartFolder` and of the subcharts unpacked under its charts/. A
 * chart that takes longer than its time budget is an error entry, without images.
 */
export async function analyzeChart(chartFolder: string, fs: ProjectFiles, options: BudgetOptions = {}): Promise<ChartProject> {
  const folder = path.resolve(chartFolder);
  const loading: Loading = { fs, root: folder, notes: [], errors: [], templateFiles: 0 };
  const budget = Budget.start(options);
  try {
    return await imagesOfChart(folder, loading, budget);
  } catch (error) {
    if (!(error instanceof BudgetSpent)) throw error;
    const message = `${error.message}: this chart takes longer than its time budget to evaluate (templates that include each other, or ranges over very many values); its images are not listed`;
    return {
      chart: folder,
      images: [],
      notes: loading.notes,
      errors: [...loading.errors, { file: path.join(folder, CHART_FILE), message }],
    };
  }
}

async function imagesOfChart(folder: string, loading: Loading, budget: Budget): Promise<ChartProject> {
  const chart = await loadChart(folder, loading, 0);
  if (!chart) return { chart: folder, images: [], notes: loading.notes, errors: loading.errors };
  const charts = flatten(chart);
  const evaluator = new Evaluator(templatesOf(charts), budget);
  const drafts: Draft[] = [];
  for (const each of charts) {
    if (each.library) continue;
    for (const template of each.templates) {
      if (!template.parsed || !MANIFEST.test(path.posix.basename(template.relative))) continue;
      drafts.push(...(await imagesOf(each, template, evaluator, loading, budget)));
    }
  }
  return { chart: folder, images: finish(drafts, folder), notes: loading.notes, errors: loading.errors };
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
  const values = parent ? subchartValues(own, parent.values, name) : own;
  if (!parent) loading.rootValues = values;
  const templates = await loadTemplates(path.join(folder, 'templates'), '', loading, 0);
  const subcharts = await loadSubcharts(folder, chartFile, loading, depth, { values, prefix });
  return { folder, prefix, meta, library: chartFile.type === 'library', values, templates, subcharts };
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
    if (!entry.folder) {
      if (/\.(tgz|tar\.gz)$/i.test(entry.name)) {
        loading.notes.push(`${relative(loading.root, sub)}: packaged subcharts are not read (unpack it to read its images)`);
        found.add(entry.name.replace(/-\d[^/]*\.(tgz|tar\.gz)$/i, '').replace(/\.(tgz|tar\.gz)$/i, ''));
      }
      continue;
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
    if (!dependency || dependencyEnabled(dependency, parent.values, loading.rootValues ?? parent.values)) {
      subcharts.push(loaded);
      continue;
    }
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

async function loadTemplates(folder: string, prefix: string, loading: Loading, depth: number): Promise<TemplateFile[]> {
  const entries = depth <= MAX_FOLDER_DEPTH ? await loading.fs.list(folder) : undefined;
  const templates: TemplateFile[] = [];
  for (const entry of entries ?? []) {
    const file = path.join(folder, entry.name);
    const relativeName = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.folder) {
      templates.push(...(await loadTemplates(file, relativeName, loading, depth + 1)));
      continue;
    }
    if (++loading.templateFiles > MAX_TEMPLATE_FILES) {
      if (loading.templateFiles === MAX_TEMPLATE_FILES + 1)
        loading.notes.push(`only the first ${MAX_TEMPLATE_FILES} template files are read`);
      continue;
    }
    const text = await loading.fs.read(file);
    if (text === undefined) continue;
    try {
      templates.push({ file, relative: relativeName, text, parsed: parseTemplate(text) });
    } catch (error) {
      if (!(error instanceof TemplateSyntaxError)) throw error;
      const at = new LineIndex(text).positionAt(error.offset);
      loading.errors.push({ file, range: { start: at, end: at }, message: `template: ${error.message}` });
      templates.push({ file, relative: relativeName, text });
    }
  }
  return templates;
}

function flatten(chart: LoadedChart): LoadedChart[] {
  return [chart, ...chart.subcharts.flatMap(flatten)];
}

/**
 * The defines of every chart, and every template file by its name, as helm parses them into one
 * set: deepest paths first, so that a parent's define wins over a subchart's of the same name.
 */
function templatesOf(charts: readonly LoadedChart[]): Map<string, readonly Node[]> {
  const named: { name: string; parsed: ParsedTemplate }[] = [];
  for (const chart of charts) {
    for (const template of chart.templates) {
      if (template.parsed) named.push({ name: `${chart.prefix}/templates/${template.relative}`, parsed: template.parsed });
    }
  }
  const slashes = (name: string): number => name.split('/').length;
  named.sort((a, b) => slashes(b.name) - slashes(a.name) || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
  const templates = new Map<string, readonly Node[]>();
  const bitnami = parseTemplate(BITNAMI_TEMPLATES);
  for (const [name, define] of bitnami.defines) templates.set(name, define.list);
  for (const { name, parsed } of named) {
    templates.set(name, parsed.root);
    for (const [defined, define] of parsed.defines) templates.set(defined, define.list);
  }
  return templates;
}

/** `.` at the top of a template: what helm gives `helm template` with no flags. */
function topOf(chart: LoadedChart, template: TemplateFile): GoMap {
  return new Map<string, Value>([
    ['Values', chart.values],
    ['Chart', chart.meta],
    [
      'Release',
      new Map<string, Value>([
        ['Name', 'release-name'],
        ['Namespace', 'default'],
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
    // The cluster helm would ask and the chart's other files are not looked at.
    ['Capabilities', new Unknown('.Capabilities')],
    ['Files', new Unknown('.Files')],
  ]);
}

/** An image as evaluated in one context, before pins (which need every image of the chart). */
interface Draft {
  readonly chart: string;
  readonly template: Place & { readonly raw: string };
  readonly reference?: string;
  readonly unresolved?: string;
  readonly pieces?: readonly Piece[];
  readonly reads?: readonly Read[];
  readonly workload?: ImageWorkload;
}

async function imagesOf(
  chart: LoadedChart,
  template: TemplateFile,
  evaluator: Evaluator,
  loading: Loading,
  budget: Budget,
): Promise<Draft[]> {
  const { text, parsed } = template;
  const root = parsed!.root;
  const lines = new LineIndex(text);
  const top = topOf(chart, template);
  const drafts: Draft[] = [];
  const where = (offset: number): string => `${relative(loading.root, template.file)}:${lines.positionAt(offset).line + 1}`;
  const { sites, truncated } = imageSites(text, textSpans(root));
  if (truncated) loading.notes.push(`${relative(loading.root, template.file)}: only the first ${MAX_SITES} images are read`);
  for (const site of sites) {
    await budget.pause();
    const { valueOffset } = site.image;
    const found = contextsAt(evaluator, root, site.image.keyOffset, top);
    if (found.kind === 'define') {
      loading.notes.push(`${where(valueOffset)}: the image is inside define "${found.name}", which is evaluated only where it is included`);
      continue;
    }
    if (found.kind === 'empty-range') {
      loading.notes.push(`${where(valueOffset)}: the image is made for each item of ${found.part}, and values.yaml has none`);
      continue;
    }
    if (found.kind === 'none') continue;
    if (found.truncated)
      loading.notes.push(`${where(valueOffset)}: only the first ${MAX_CONTEXTS} items of the range around the image are evaluated`);
    const raw = withoutComment(text.slice(valueOffset, valueEnd(root, site.image.keyOffset, valueOffset)));
    const place = { file: template.file, range: lines.rangeAt(valueOffset, valueOffset + raw.length), raw };
    const byResult = new Map<string, Draft>();
    for (const [index, context] of found.contexts.entries()) {
      await budget.pause();
      const result = evaluateImage(evaluator, context, valueOffset, raw);
      const workload = workloadOf(site, evaluator, root, top, index);
      const key = result.reference ?? `\0${result.unresolved}`;
      const before = byResult.get(key);
      if (!before) {
        byResult.set(key, { chart: chart.folder, template: place, ...result, ...(workload && { workload }) });
        continue;
      }
      // The same image for several items of a range: the workload only as far as they agree.
      const { workload: previous, ...rest } = before;
      const common = previous && agreed(previous, workload);
      byResult.set(key, { ...rest, ...(common && { workload: common }) });
    }
    drafts.push(...byResult.values());
  }
  return drafts;
}

function agreed(a: ImageWorkload, b: ImageWorkload | undefined): ImageWorkload | undefined {
  if (!b || a.kind !== b.kind) return undefined;
  return {
    kind: a.kind,
    ...(a.name !== undefined && a.name === b.name && { name: a.name }),
    ...(a.namespace !== undefined && a.namespace === b.namespace && { namespace: a.namespace }),
    ...(a.container !== undefined && a.container === b.container && { container: a.container }),
    ...(a.containerType !== undefined && { containerType: a.containerType }),
  };
}

function evaluateImage(
  evaluator: Evaluator,
  context: LineContext,
  valueOffset: number,
  raw: string,
): { reference?: string; unresolved?: string; pieces?: readonly Piece[]; reads?: readonly Read[] } {
  try {
    const line = renderLine(evaluator, context, valueOffset);
    const missing = line.find((piece) => piece.missing !== undefined);
    if (missing) return { unresolved: missing.missing! };
    const scalar = yamlScalar(line);
    const reference = scalar && new Text(scalar).value;
    // Text that still has template actions came from a value meant for `tpl`: helm would write it as it is.
    if (!reference || reference.includes('{{')) return { unresolved: raw };
    return { reference, pieces: scalar, reads: [...evaluator.reads] };
  } catch (error) {
    if (error instanceof Unresolved) return { unresolved: error.part };
    throw error;
  }
}

/** A key's value rendered as a plain string, in the same item of the ranges around it as the image. */
function scalarAt(at: KeyAt, evaluator: Evaluator, root: readonly Node[], top: GoMap, index: number): string | undefined {
  const found = contextsAt(evaluator, root, at.keyOffset, top);
  if (found.kind !== 'found') return undefined;
  const context = found.contexts.length === 1 ? found.contexts[0] : found.contexts[index];
  if (!context) return undefined;
  try {
    const line = renderLine(evaluator, context, at.valueOffset);
    if (line.some((piece) => piece.missing !== undefined)) return undefined;
    const scalar = yamlScalar(line);
    const value = scalar && new Text(scalar).value;
    return value && !value.includes('{{') ? value : undefined;
  } catch (error) {
    if (error instanceof Unresolved) return undefined;
    throw error;
  }
}

function workloadOf(site: ImageSite, evaluator: Evaluator, root: readonly Node[], top: GoMap, index: number): ImageWorkload | undefined {
  const kind = site.kind && scalarAt(site.kind, evaluator, root, top, index);
  if (!kind) return undefined;
  const name = site.name && scalarAt(site.name, evaluator, root, top, index);
  const namespace = site.namespace && scalarAt(site.namespace, evaluator, root, top, index);
  const container = site.container && scalarAt(site.container, evaluator, root, top, index);
  return {
    kind,
    ...(name && { name }),
    ...(namespace && { namespace }),
    ...(container && { container }),
    ...(site.containerType && { containerType: site.containerType }),
  };
}

function sourceKey(source: Source): string {
  const { start, end } = source.range;
  return `${source.file}\0${start.line}:${start.character}-${end.line}:${end.character}`;
}

/** Values and pins, now that it is known which images each values.yaml scalar feeds. */
function finish(drafts: readonly Draft[], root: string): ChartImage[] {
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
    if (draft.reference === undefined) {
      return {
        ...common,
        unresolved: draft.unresolved!,
        pin: { kind: 'none', why: 'the image could not be resolved' },
      } satisfies ChartImage;
    }
    const pieces = draft.pieces ?? [];
    const value = valueOf(draft.reference, pieces);
    const pin = pinOf(draft, pieces, feeds, root);
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

/** The values.yaml scalar behind the tag, else behind the repository. */
function valueOf(reference: string, pieces: readonly Piece[]): Source | undefined {
  const spans = tagSpan(reference);
  const within = ([from, to]: [number, number]): Source | undefined => {
    let found: Source | undefined;
    let at = 0;
    for (const piece of pieces) {
      const end = at + piece.text.length;
      if (piece.source?.from === 'values' && end > from && at < to) found = piece.source;
      at = end;
    }
    return found;
  };
  return (spans.tag && within(spans.tag)) ?? within(spans.name);
}

function pinOf(draft: Draft, pieces: readonly Piece[], feeds: ReadonlyMap<string, ReadonlySet<string>>, root: string): ChartPin {
  const digest = draft.reads?.find((read) => read.key === 'digest');
  if (digest) {
    // A subchart's own `digest: ""` under a parent's override of the mapping is not where helm
    // takes the digest from once the parent sets one: the key is added to the parent's mapping.
    const existing = digestPlace(digest);
    const here = existing?.file === digest.map.file ? existing.range : undefined;
    return { kind: 'digest', file: digest.map.file, key: digest.map.key, mapping: digest.map.range, ...(here && { existing: here }) };
  }
  if (!pieces.some((piece) => piece.source)) return { kind: 'none', why: 'the image is written in the template; pin it there' };
  const last = [...pieces].reverse().find((piece) => piece.text !== '');
  const source = last?.source;
  if (!last || !source) return { kind: 'none', why: 'the reference ends with text written in the template' };
  const name = valuesName(source, root);
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
