// A kustomization file read into the fields that decide images (resources, components, patches,
// names, images) with where each value is written; the fields that change no image are accepted
// and left aside, those that might are noted, and unknown fields are errors, as kustomize says.

import * as path from 'node:path';
import type { Range } from '../../types.js';
import type { ImagesEntry } from '../types.js';
import { isKMap, isKScalar, isKSeq, isNull, type KMap, type KNode, type KScalar, type Span } from './tree.js';

/** A string value of the kustomization and where it is written. */
export interface Ref {
  readonly value: string;
  readonly at?: Span;
}

/** A patch `target:` (each field a regular expression, as kustomize reads them). */
export interface Selector {
  readonly group?: string;
  readonly version?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly annotationSelector?: string;
}

export interface PatchSpec {
  /** A file holding the patch. */
  readonly path?: Ref;
  /** The patch written in the kustomization. */
  readonly inline?: KScalar;
  readonly target?: Selector;
  readonly allowNameChange: boolean;
  readonly allowKindChange: boolean;
  /** Where the entry is (for messages). */
  readonly at?: Span;
}

/** An `images:` entry as the image transformer reads it. */
export interface ImageRule {
  readonly entry: ImagesEntry;
  readonly name: string;
  readonly nameAt: Span;
  readonly newName?: string;
  readonly newTag?: string;
  readonly digest?: string;
  readonly tagSuffix?: string;
}

export interface Generated {
  readonly kind: 'ConfigMap' | 'Secret';
  readonly name: string;
  readonly namespace?: string;
  readonly behavior: string;
}

export interface SortOptions {
  readonly order: string;
  readonly orderFirst?: readonly string[];
  readonly orderLast?: readonly string[];
}

export interface Replacement {
  readonly path?: Ref;
  readonly inline?: KNode;
}

/** A `helmCharts:` entry (or a legacy `helmChartInflationGenerator:` one), as kustomize's HelmChart reads it. */
export interface HelmChartSpec {
  readonly name: Ref;
  readonly version?: string;
  readonly repo?: string;
  readonly releaseName?: string;
  readonly namespace?: string;
  readonly valuesFile?: Ref;
  readonly additionalValuesFiles: readonly Ref[];
  /** `valuesInline:` as written (a mapping of the kustomization). */
  readonly valuesInline?: KMap;
  readonly valuesMerge: 'override' | 'merge' | 'replace';
  readonly skipTests: boolean;
  readonly skipHooks: boolean;
  /** `helmGlobals.chartHome` (default `charts`), relative to the kustomization's folder unless absolute. */
  readonly chartHome: string;
  /** Fields read but not applied (apiVersions, kubeVersion, nameTemplate): said in a note. */
  readonly ignored: readonly string[];
  readonly at?: Span;
}

export interface Kustomization {
  readonly file: string;
  readonly folder: string;
  readonly kind: 'Kustomization' | 'Component';
  /** `resources:`, then the legacy `bases:` (kustomize appends them). */
  readonly resources: readonly Ref[];
  readonly components: readonly Ref[];
  readonly generated: readonly Generated[];
  readonly patchesStrategicMerge: readonly PatchSpec[];
  readonly patches: readonly PatchSpec[];
  readonly patchesJson6902: readonly PatchSpec[];
  readonly namespace?: Ref;
  readonly namePrefix?: Ref;
  readonly nameSuffix?: Ref;
  /** `images:`, then the legacy `imageTags:` (kustomize appends them). */
  readonly images: readonly ImageRule[];
  readonly replacements: readonly Replacement[];
  /** `helmCharts:`, then the legacy `helmChartInflationGenerator:` (kustomize appends them). */
  readonly helmCharts: readonly HelmChartSpec[];
  readonly sortOptions?: SortOptions;
  readonly notes: readonly string[];
  readonly errors: readonly { readonly at?: Span; readonly message: string }[];
}

// The fields of kustomize v5's Kustomization type; any other is an error there.
const KNOWN_FIELDS = [
  'apiVersion',
  'kind',
  'metadata',
  'openapi',
  'namePrefix',
  'nameSuffix',
  'namespace',
  'commonLabels',
  'labels',
  'commonAnnotations',
  'patchesStrategicMerge',
  'patchesJson6902',
  'patches',
  'images',
  'imageTags',
  'replacements',
  'replicas',
  'vars',
  'sortOptions',
  'resources',
  'components',
  'crds',
  'bases',
  'configMapGenerator',
  'secretGenerator',
  'helmGlobals',
  'helmCharts',
  'helmChartInflationGenerator',
  'generatorOptions',
  'configurations',
  'generators',
  'transformers',
  'validators',
  'buildMetadata',
];
const PATCH_FIELDS = ['path', 'patch', 'target', 'options'];
const SELECTOR_FIELDS = ['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector'];
const OPTION_FIELDS = ['allowNameChange', 'allowKindChange'];

/**
 * A mapping's fields as kustomize's JSON decoding reads them: names match case-insensitively
 * (`patchesJSON6902`, `NewTag`), and of two keys naming one field the later in byte order wins
 * (the YAML becomes a JSON object with sorted keys first). Returns the fields by their own names,
 * and the keys that name none (kustomize refuses those).
 */
export function fold(map: KMap, known: readonly string[]): { fields: Map<string, KNode>; unknown: [string, KNode][] } {
  const byLower = new Map(known.map((name) => [name.toLowerCase(), name]));
  const fields = new Map<string, KNode>();
  const unknown: [string, KNode][] = [];
  const sorted = [...map.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, value] of sorted) {
    const name = byLower.get(key.toLowerCase());
    if (name === undefined) unknown.push([key, value]);
    else fields.set(name, value);
  }
  return { fields, unknown };
}

const IMAGE_FIELDS = ['name', 'newName', 'newTag', 'digest', 'tagSuffix'] as const;

/** Reads a kustomization's tree. `range` turns spans into ranges (for `ImagesEntry`). */
export function readKustomization(file: string, root: KNode | undefined, range: (span: Span) => Range): Kustomization {
  const errors: { at?: Span; message: string }[] = [];
  const notes: string[] = [];
  const folder = path.dirname(file);
  const fail = (node: KNode | undefined, message: string): void => {
    const at = spanOf(node);
    errors.push({ ...(at && { at }), message });
  };
  const map = isKMap(root) ? root : undefined;
  if (root !== undefined && !map) fail(root, 'a kustomization is a mapping of fields');
  const top = map ? fold(map, KNOWN_FIELDS) : { fields: new Map<string, KNode>(), unknown: [] };
  const field = (name: string): KNode | undefined => {
    const value = top.fields.get(name);
    return value === undefined || (isKScalar(value) && value.type === 'null') ? undefined : value;
  };
  for (const [key, value] of top.unknown) fail(value, `unknown field "${key}": kustomize refuses this kustomization`);
  const refuseUnknown = (item: KMap, known: readonly string[], what: string): Map<string, KNode> => {
    const { fields, unknown } = fold(item, known);
    for (const [key, value] of unknown) fail(value, `unknown field "${key}" in ${what}: kustomize refuses this kustomization`);
    return fields;
  };
  // kustomize refuses a kustomization whose fields (but apiVersion and kind) are all unset or empty.
  const set = (value: KNode): boolean =>
    isKScalar(value) ? value.type !== 'null' && value.text !== '' : isKSeq(value) || value.entries.size > 0;
  if (![...top.fields].some(([key, value]) => key !== 'apiVersion' && key !== 'kind' && set(value)))
    errors.push({ message: `${path.basename(file)} is empty: kustomize refuses a kustomization that sets no field` });

  const kindNode = field('kind');
  const kindText = isKScalar(kindNode) ? kindNode.text : undefined;
  if (kindText !== undefined && kindText !== 'Kustomization' && kindText !== 'Component')
    fail(kindNode, 'kind should be Kustomization or Component');
  const kind = kindText === 'Component' ? 'Component' : 'Kustomization';

  const strings = (name: string): Ref[] => {
    const node = field(name);
    if (node === undefined) return [];
    if (!isKSeq(node)) {
      fail(node, `${name} is a list of strings`);
      return [];
    }
    const refs: Ref[] = [];
    for (const item of node.items) {
      if (isKScalar(item) && item.type !== 'null') refs.push(ref(item));
      else fail(item, `${name} is a list of strings`);
    }
    return refs;
  };
  const scalarField = (name: string): Ref | undefined => {
    const node = field(name);
    if (node === undefined) return undefined;
    if (isKScalar(node)) return ref(node);
    fail(node, `${name} is a string`);
    return undefined;
  };

  const patches = (name: string, legacy: 'strategic' | 'json' | undefined): PatchSpec[] => {
    const node = field(name);
    if (node === undefined) return [];
    if (!isKSeq(node)) {
      fail(node, `${name} is a list`);
      return [];
    }
    const specs: PatchSpec[] = [];
    for (const item of node.items) {
      if (legacy === 'strategic' && isKScalar(item)) {
        // An entry is a file, or (kustomize tries this first) a patch written in place.
        specs.push(looksInline(item.text) ? { inline: item, allowNameChange: false, allowKindChange: false } : patchFile(item));
        continue;
      }
      if (!isKMap(item)) {
        fail(item, `each of ${name} is a mapping with path or patch`);
        continue;
      }
      const fields = refuseUnknown(item, PATCH_FIELDS, `an entry of ${name}`);
      const pathNode = fields.get('path');
      const patchNode = fields.get('patch');
      const options = fields.get('options');
      const target = readSelector(fields.get('target'), fail);
      const spec: PatchSpec = {
        ...(isKScalar(pathNode) && pathNode.type !== 'null' && { path: ref(pathNode) }),
        ...(isKScalar(patchNode) && patchNode.type !== 'null' && { inline: patchNode }),
        ...(target && { target }),
        allowNameChange: flag(options, 'allowNameChange', fail),
        allowKindChange: flag(options, 'allowKindChange', fail),
        ...(item.at && { at: item.at }),
      };
      if (spec.path && spec.inline) fail(item, 'a patch has either path or patch, not both');
      else if (!spec.path && !spec.inline) fail(item, 'a patch needs path or patch');
      else specs.push(spec);
    }
    return specs;
  };

  const resources = [...strings('resources'), ...strings('bases')];
  const components = strings('components');
  const images = [...readImages(field('images'), file, range, fail), ...readImages(field('imageTags'), file, range, fail)];

  const generated: Generated[] = [];
  for (const [name, generatedKind] of [
    ['configMapGenerator', 'ConfigMap'],
    ['secretGenerator', 'Secret'],
  ] as const) {
    const node = field(name);
    for (const item of isKSeq(node) ? node.items : []) {
      const generatedName = isKMap(item) ? textOf(item.entries.get('name')) : undefined;
      if (!isKMap(item) || generatedName === undefined) continue;
      const namespace = textOf(item.entries.get('namespace'));
      generated.push({
        kind: generatedKind,
        name: generatedName,
        ...(namespace !== undefined && { namespace }),
        behavior: textOf(item.entries.get('behavior')) ?? 'create',
      });
    }
  }

  const replacements: Replacement[] = [];
  const replacementNode = field('replacements');
  for (const item of isKSeq(replacementNode) ? replacementNode.items : []) {
    const file = isKMap(item) ? item.entries.get('path') : undefined;
    replacements.push(isKScalar(file) ? { path: ref(file) } : { inline: item });
  }

  const helmCharts = readHelmCharts(field('helmGlobals'), field('helmCharts'), field('helmChartInflationGenerator'), fail);
  if (field('configurations') !== undefined)
    notes.push(`${file}: configurations (custom transformer field specs) are not read: image fields they add are not transformed`);
  for (const name of ['transformers', 'generators', 'validators'])
    if (field(name) !== undefined) notes.push(`${file}: ${name} (plugins) are not run: what they change is not shown`);
  if (field('crds') !== undefined || field('openapi') !== undefined)
    notes.push(`${file}: crds/openapi schemas are not read: patches replace the lists of custom resources instead of merging them`);

  const sortNode = field('sortOptions');
  const sortOptions = isKMap(sortNode) ? readSortOptions(sortNode) : undefined;
  const namespace = scalarField('namespace');
  const namePrefix = scalarField('namePrefix');
  const nameSuffix = scalarField('nameSuffix');
  return {
    file,
    folder,
    kind,
    resources,
    components,
    generated,
    patchesStrategicMerge: patches('patchesStrategicMerge', 'strategic'),
    patches: patches('patches', undefined),
    patchesJson6902: patches('patchesJson6902', 'json'),
    ...(namespace && { namespace }),
    ...(namePrefix && { namePrefix }),
    ...(nameSuffix && { nameSuffix }),
    images,
    replacements,
    helmCharts,
    ...(sortOptions && { sortOptions }),
    notes,
    errors,
  };
}

function ref(node: KScalar): Ref {
  return { value: node.text, ...(node.at && { at: node.at }) };
}

function patchFile(node: KScalar): PatchSpec {
  return { path: ref(node), allowNameChange: false, allowKindChange: false };
}

/** An entry of patchesStrategicMerge that is a patch rather than a file name. */
function looksInline(text: string): boolean {
  return text.includes('\n') || /:\s/.test(text) || text.trimStart().startsWith('{');
}

function textOf(node: KNode | undefined): string | undefined {
  return isKScalar(node) && node.type !== 'null' ? node.text : undefined;
}

function flag(options: KNode | undefined, name: string, fail: (node: KNode | undefined, message: string) => void): boolean {
  if (!isKMap(options)) return false;
  const { fields, unknown } = fold(options, OPTION_FIELDS);
  // Said once, for the first flag read.
  if (name === OPTION_FIELDS[0])
    for (const [key, value] of unknown) fail(value, `unknown field "${key}" in a patch's options: kustomize refuses this kustomization`);
  const value = fields.get(name);
  return isKScalar(value) && /^(?:true|True|TRUE|y|Y|yes|Yes|YES|on|On|ON)$/.test(value.text);
}

function spanOf(node: KNode | undefined): Span | undefined {
  if (node === undefined) return undefined;
  return node.t === 's' ? node.at : node.t === 'm' ? node.at : spanOf(node.items[0]);
}

function readSelector(node: KNode | undefined, fail: (node: KNode | undefined, message: string) => void): Selector | undefined {
  if (node === undefined || (isKScalar(node) && node.type === 'null')) return undefined;
  if (!isKMap(node)) {
    fail(node, 'target is a mapping (group, version, kind, name, namespace, labelSelector, annotationSelector)');
    return undefined;
  }
  const { fields, unknown } = fold(node, SELECTOR_FIELDS);
  for (const [key, value] of unknown) fail(value, `unknown field "${key}" in a patch target: kustomize refuses this kustomization`);
  const selector: Record<string, string> = {};
  for (const key of SELECTOR_FIELDS) {
    const value = textOf(fields.get(key));
    if (value !== undefined && value !== '') selector[key] = value;
  }
  return selector;
}

function readSortOptions(node: KMap): SortOptions {
  const order = textOf(node.entries.get('order')) ?? 'legacy';
  const legacy = node.entries.get('legacySortOptions');
  if (!isKMap(legacy)) return { order };
  // Given legacy options replace both default lists, a missing one by an empty one.
  const list = (key: string): string[] => {
    const value = legacy.entries.get(key);
    return isKSeq(value) ? value.items.flatMap((item) => (isKScalar(item) ? [item.text] : [])) : [];
  };
  return { order, orderFirst: list('orderFirst'), orderLast: list('orderLast') };
}

function readImages(
  node: KNode | undefined,
  file: string,
  range: (span: Span) => Range,
  fail: (node: KNode | undefined, message: string) => void,
): ImageRule[] {
  if (node === undefined) return [];
  if (!isKSeq(node)) {
    fail(node, 'images is a list of mappings (name, newName, newTag, digest)');
    return [];
  }
  const rules: ImageRule[] = [];
  for (const item of node.items) {
    if (!isKMap(item)) {
      fail(item, 'each image is a mapping (name, newName, newTag, digest)');
      continue;
    }
    const values: Partial<Record<(typeof IMAGE_FIELDS)[number], { value: string; at: Span }>> = {};
    const { fields, unknown } = fold(item, IMAGE_FIELDS);
    let valid = unknown.length === 0;
    for (const [key, value] of unknown) fail(value, `unknown field "${key}" in an images entry: kustomize refuses this kustomization`);
    for (const key of IMAGE_FIELDS) {
      const value = fields.get(key);
      if (value === undefined || (isKScalar(value) && value.type === 'null')) continue;
      // kustomize reads these with go-yaml v2 into strings: `newTag: 1.20` is a number there, and an error.
      if (!isKScalar(value) || value.type !== 'str' || !value.at) {
        fail(value, `images: ${key} must be a string (kustomize refuses ${isKScalar(value) ? value.text : 'this'}): quote it`);
        valid = false;
        continue;
      }
      values[key] = { value: value.text, at: value.at };
    }
    const name = values.name;
    if (!valid || !name) {
      if (valid) fail(item, 'an images entry needs a name');
      continue;
    }
    const written = (key: (typeof IMAGE_FIELDS)[number]) => {
      const value = values[key];
      return value && { [key]: { value: value.value, range: range(value.at) } };
    };
    const entry: ImagesEntry = {
      file,
      range: range(item.at ?? name.at),
      name: { value: name.value, range: range(name.at) },
      ...written('newName'),
      ...written('newTag'),
      ...written('digest'),
      ...written('tagSuffix'),
    };
    rules.push({
      entry,
      name: name.value,
      nameAt: name.at,
      ...(values.newName && { newName: values.newName.value }),
      ...(values.newTag && { newTag: values.newTag.value }),
      ...(values.digest && { digest: values.digest.value }),
      ...(values.tagSuffix && { tagSuffix: values.tagSuffix.value }),
    });
  }
  return rules;
}

const HELM_CHART_FIELDS = [
  'name',
  'version',
  'repo',
  'releaseName',
  'namespace',
  'additionalValuesFiles',
  'valuesFile',
  'valuesInline',
  'valuesMerge',
  'includeCRDs',
  'skipHooks',
  'apiVersions',
  'kubeVersion',
  'nameTemplate',
  'skipTests',
  'debug',
  'devel',
];
const LEGACY_HELM_FIELDS = [
  'chartName',
  'chartVersion',
  'chartRepoUrl',
  'chartHome',
  'chartRepoName',
  'helmBin',
  'helmHome',
  'values',
  'valuesLocal',
  'valuesMerge',
  'releaseName',
  'releaseNamespace',
  'extraArgs',
];
const MERGES = ['override', 'merge', 'replace'] as const;

/**
 * `helmCharts:` with `helmGlobals:`, and the legacy `helmChartInflationGenerator:` entries as
 * kustomize converts them (chartName, chartVersion, chartRepoUrl, values, valuesLocal; the last
 * chartHome given is the global one when helmGlobals sets none).
 */
function readHelmCharts(
  globals: KNode | undefined,
  charts: KNode | undefined,
  legacy: KNode | undefined,
  fail: (node: KNode | undefined, message: string) => void,
): HelmChartSpec[] {
  const list = (node: KNode | undefined, name: string): KMap[] => {
    if (node === undefined || isNull(node)) return [];
    if (!isKSeq(node)) {
      fail(node, `${name} is a list of mappings`);
      return [];
    }
    return node.items.filter((item): item is KMap => {
      if (!isKMap(item)) fail(item, `each of ${name} is a mapping`);
      return isKMap(item);
    });
  };
  const legacyEntries = list(legacy, 'helmChartInflationGenerator').map((item) => fold(item, LEGACY_HELM_FIELDS));
  let chartHome = 'charts';
  if (isKMap(globals)) chartHome = textOf(fold(globals, ['chartHome', 'configHome']).fields.get('chartHome')) || chartHome;
  else for (const { fields } of legacyEntries) chartHome = textOf(fields.get('chartHome')) || chartHome;
  const read = (fields: Map<string, KNode>, item: KMap, names: Record<string, string>): HelmChartSpec | undefined => {
    const get = (key: string): KNode | undefined => fields.get(names[key] ?? key);
    const nameNode = get('name');
    if (!isKScalar(nameNode) || nameNode.type === 'null' || nameNode.text === '') {
      fail(item, 'a helm chart needs a name (kustomize: chart name cannot be empty)');
      return undefined;
    }
    const text = (key: string): string | undefined => textOf(get(key)) || undefined;
    const merge = text('valuesMerge') ?? 'override';
    if (!(MERGES as readonly string[]).includes(merge)) {
      fail(get('valuesMerge'), `valuesMerge must be one of ${MERGES.join(', ')}`);
      return undefined;
    }
    const valuesFile = get('valuesFile');
    const additional = get('additionalValuesFiles');
    const inline = get('valuesInline');
    const flagSet = (key: string): boolean => {
      const value = get(key);
      return isKScalar(value) && /^(?:true|True|TRUE|y|Y|yes|Yes|YES|on|On|ON)$/.test(value.text);
    };
    const version = text('version');
    const repo = text('repo');
    const releaseName = text('releaseName');
    const namespace = text('namespace');
    return {
      name: ref(nameNode),
      ...(version && { version }),
      ...(repo && { repo }),
      ...(releaseName && { releaseName }),
      ...(namespace && { namespace }),
      ...(isKScalar(valuesFile) && valuesFile.type !== 'null' && valuesFile.text !== '' && { valuesFile: ref(valuesFile) }),
      additionalValuesFiles: isKSeq(additional) ? additional.items.flatMap((i) => (isKScalar(i) && i.type !== 'null' ? [ref(i)] : [])) : [],
      ...(isKMap(inline) && inline.entries.size > 0 && { valuesInline: inline }),
      valuesMerge: merge as HelmChartSpec['valuesMerge'],
      skipTests: flagSet('skipTests'),
      skipHooks: flagSet('skipHooks'),
      chartHome,
      ignored: ['apiVersions', 'kubeVersion', 'nameTemplate'].filter((key) => get(key) !== undefined && !isNull(get(key))),
      ...(item.at && { at: item.at }),
    };
  };
  const specs: HelmChartSpec[] = [];
  for (const item of list(charts, 'helmCharts')) {
    const { fields, unknown } = fold(item, HELM_CHART_FIELDS);
    for (const [key, value] of unknown) fail(value, `unknown field "${key}" in a helmCharts entry: kustomize refuses this kustomization`);
    const spec = read(fields, item, {});
    if (spec) specs.push(spec);
  }
  const legacyNames = {
    name: 'chartName',
    version: 'chartVersion',
    repo: 'chartRepoUrl',
    valuesFile: 'values',
    valuesInline: 'valuesLocal',
  };
  for (const [i, item] of list(legacy, 'helmChartInflationGenerator').entries()) {
    const { fields, unknown } = legacyEntries[i]!;
    for (const [key, value] of unknown)
      fail(value, `unknown field "${key}" in a helmChartInflationGenerator entry: kustomize refuses this kustomization`);
    // Only these fields carry over to the chart kustomize makes of the entry.
    const kept = new Map([...fields].filter(([key]) => [...Object.values(legacyNames), 'valuesMerge', 'releaseName'].includes(key)));
    const spec = read(kept, item, legacyNames);
    if (spec) specs.push(spec);
  }
  return specs;
}
