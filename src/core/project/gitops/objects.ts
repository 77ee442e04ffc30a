// The GitOps objects of a YAML file that make a tool render a folder of the repository with
// overrides: Argo CD `Application`s and `ApplicationSet` templates (`spec.source(s)`: `path`,
// `kustomize.images`, `helm.valueFiles`, `values`, `valuesObject`, `parameters`), Flux
// `HelmRelease`s (`spec.chart.spec.chart` from a GitRepository, `spec.values`) and Flux
// `Kustomization`s (`spec.path`, `spec.images`). Read as written, each value with its place.

import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import { deref, getNode, parseChunk, scalarSpan, splitDocuments } from '../../analysis/yaml/parse.js';
import { LineIndex } from '../../util/lines.js';
import type { Range } from '../../types.js';
import { blankOutside } from '../helm/values.js';
import { GITOPS_GROUPS } from './groups.js';

/** A string as written: its value and where (offsets of exactly that text when it has no escapes). */
export interface Written {
  readonly value: string;
  readonly range: Range;
  readonly start: number;
  readonly end: number;
}

/** A Flux `spec.images` entry (kustomize's `images:` fields). */
export interface FluxImage {
  readonly name: Written;
  readonly newName?: Written;
  readonly newTag?: Written;
  readonly digest?: Written;
  /** The whole entry. */
  readonly range: Range;
}

/** The Helm overrides of one source. */
export interface HelmOverrides {
  /** `valueFiles` (Argo CD: relative to the source's path; `$ref/…` names another source's repository). */
  readonly valueFiles: readonly Written[];
  /**
   * The file's text with everything but the values blanked (line breaks kept), so that the values
   * read from it keep their places in the file; undefined when the object sets none.
   */
  readonly valuesText?: string;
  /** `parameters` (`--set`, or `--set-string` with `forceString`). */
  readonly parameters: readonly { readonly name: Written; readonly value: Written; readonly forceString: boolean }[];
}

export interface GitOpsSource {
  readonly file: string;
  readonly kind: 'Application' | 'ApplicationSet' | 'HelmRelease' | 'Kustomization';
  readonly name: string;
  /** The folder it renders, relative to the repository's root as written. */
  readonly path: Written;
  /** Argo CD's `kustomize.images` (`kustomize edit set image` arguments). */
  readonly setImages: readonly Written[];
  /** Flux's `spec.images`. */
  readonly fluxImages: readonly FluxImage[];
  readonly helm?: HelmOverrides;
  /** What is written but not followed (said, not guessed). */
  readonly notes: readonly string[];
}

/** A cheap test before parsing: the API groups of the objects read here. */
const GROUPS = GITOPS_GROUPS;

/** The GitOps sources of a YAML file's text (none when it holds no such object). */
export function gitOpsSources(text: string, file: string): GitOpsSource[] {
  if (!GROUPS.test(text)) return [];
  const lines = new LineIndex(text);
  const found: GitOpsSource[] = [];
  for (const chunk of splitDocuments(text)) {
    if (!GROUPS.test(chunk.text)) continue;
    for (const doc of parseChunk(chunk.text)) {
      if (doc.errors.length > 0) continue;
      const reader = new Reader(doc, text, chunk.text, chunk.offset, lines, file);
      found.push(...reader.sources());
    }
  }
  return found;
}

class Reader {
  constructor(
    private readonly doc: Document.Parsed,
    private readonly text: string,
    private readonly chunk: string,
    private readonly offset: number,
    private readonly lines: LineIndex,
    private readonly file: string,
  ) {}

  sources(): GitOpsSource[] {
    const root = deref(this.doc.contents, this.doc);
    const apiVersion = this.string(this.get(root, 'apiVersion'));
    const kind = this.string(this.get(root, 'kind'));
    const name = this.string(this.get(this.get(root, 'metadata'), 'name'))?.value ?? '';
    const spec = this.get(root, 'spec');
    if (!apiVersion || !kind) return [];
    const group = apiVersion.value.split('/')[0];
    if (group === 'argoproj.io' && kind.value === 'Application') return this.argo(spec, 'Application', name);
    if (group === 'argoproj.io' && kind.value === 'ApplicationSet')
      return this.argo(this.get(this.get(spec, 'template'), 'spec'), 'ApplicationSet', name);
    if (group === 'helm.toolkit.fluxcd.io' && kind.value === 'HelmRelease') return this.helmRelease(spec, name);
    if (group === 'kustomize.toolkit.fluxcd.io' && kind.value === 'Kustomization') return this.fluxKustomization(spec, name);
    return [];
  }

  private argo(spec: Node | undefined, kind: 'Application' | 'ApplicationSet', name: string): GitOpsSource[] {
    const single = this.get(spec, 'source');
    const many = this.get(spec, 'sources');
    const sources = isSeq(many) ? many.items.map((item) => deref(item, this.doc)) : [single];
    // `ref:` sources name a repository whose files others' valueFiles read as `$ref/…`.
    const refs = new Set(sources.map((s) => this.string(this.get(s, 'ref'))?.value).filter((r) => r !== undefined));
    const found: GitOpsSource[] = [];
    for (const source of sources) {
      const path = this.string(this.get(source, 'path'));
      if (!path || this.string(this.get(source, 'chart'))) continue;
      const notes: string[] = [];
      const kustomize = this.get(source, 'kustomize');
      const setImages = this.strings(this.get(kustomize, 'images'));
      const helm = this.get(source, 'helm');
      const parameters = this.parameters(this.get(helm, 'parameters'));
      const valueFiles = this.strings(this.get(helm, 'valueFiles')).filter((f) => {
        const ref = /^\$([^/]+)\//.exec(f.value)?.[1];
        if (ref === undefined || refs.has(ref)) return true;
        notes.push(`valueFiles ${f.value}: no source has ref: ${ref}`);
        return false;
      });
      if (this.get(helm, 'fileParameters')) notes.push('helm.fileParameters are not read: the images they set are not listed');
      // valuesObject takes the place of values when both are set (Argo CD's ValuesYAML).
      const values = this.get(helm, 'valuesObject') ?? this.get(helm, 'values');
      const valuesText = values && this.valuesText(values);
      found.push({
        file: this.file,
        kind,
        name,
        path,
        setImages,
        fluxImages: [],
        ...(helm && { helm: { valueFiles, parameters, ...(valuesText !== undefined && { valuesText }) } }),
        notes,
      });
    }
    return found;
  }

  private helmRelease(spec: Node | undefined, name: string): GitOpsSource[] {
    const chartSpec = this.get(this.get(spec, 'chart'), 'spec');
    const chart = this.string(this.get(chartSpec, 'chart'));
    const sourceKind = this.string(this.get(this.get(chartSpec, 'sourceRef'), 'kind'))?.value;
    // A chart by name comes from a Helm repository (or OCI): only a path in a Git source is in this repository.
    if (!chart || (sourceKind !== 'GitRepository' && sourceKind !== 'Bucket')) return [];
    const notes: string[] = [];
    if (this.get(chartSpec, 'valuesFiles')) notes.push('chart.spec.valuesFiles are not read: the images they set are not listed');
    if (this.get(spec, 'valuesFrom')) notes.push('valuesFrom (ConfigMaps, Secrets) is not read: the images it sets are not listed');
    const values = this.get(spec, 'values');
    const valuesText = values && this.valuesText(values);
    return [
      {
        file: this.file,
        kind: 'HelmRelease',
        name,
        path: chart,
        setImages: [],
        fluxImages: [],
        helm: { valueFiles: [], parameters: [], ...(valuesText !== undefined && { valuesText }) },
        notes,
      },
    ];
  }

  private fluxKustomization(spec: Node | undefined, name: string): GitOpsSource[] {
    const path = this.string(this.get(spec, 'path'));
    if (!path) return [];
    const images = this.get(spec, 'images');
    const fluxImages: FluxImage[] = [];
    for (const item of isSeq(images) ? images.items : []) {
      const entry = deref(item, this.doc);
      const nameOf = this.string(this.get(entry, 'name'));
      if (!nameOf || !entry?.range) continue;
      const field = (key: string) => {
        const value = this.string(this.get(entry, key));
        return value && { [key]: value };
      };
      fluxImages.push({
        name: nameOf,
        ...field('newName'),
        ...field('newTag'),
        ...field('digest'),
        range: this.range(entry.range[0], entry.range[1]),
      });
    }
    const notes = this.get(spec, 'patches')
      ? ['patches of the Flux Kustomization are not applied: the images they change are listed as before them']
      : [];
    return [{ file: this.file, kind: 'Kustomization', name, path, setImages: [], fluxImages, notes }];
  }

  /** A mapping's value (through aliases and merge keys). */
  private get(node: unknown, key: string): Node | undefined {
    return getNode(node, key, this.doc);
  }

  private range(start: number, end: number): Range {
    return this.lines.rangeAt(this.offset + start, this.offset + end);
  }

  private string(node: Node | undefined): Written | undefined {
    const scalar = deref(node, this.doc);
    if (!isScalar(scalar) || typeof scalar.value !== 'string' || !scalar.range) return undefined;
    const span = scalarSpan(scalar, this.chunk);
    return { value: scalar.value, range: this.range(span.start, span.end), start: this.offset + span.start, end: this.offset + span.end };
  }

  private strings(node: Node | undefined): Written[] {
    const seq = deref(node, this.doc);
    if (!isSeq(seq)) return [];
    return seq.items.map((item) => this.string(item as Node)).filter((w) => w !== undefined);
  }

  private parameters(node: Node | undefined): HelmOverrides['parameters'] {
    const seq = deref(node, this.doc);
    if (!isSeq(seq)) return [];
    const found: HelmOverrides['parameters'][number][] = [];
    for (const item of seq.items) {
      const name = this.string(this.get(item, 'name'));
      const valueNode = deref(this.get(item, 'value'), this.doc);
      // `value: 1.2` is written unquoted; Argo CD reads it as the string it is written as.
      const value = this.string(valueNode) ?? this.scalarText(valueNode);
      if (!name || !value) continue;
      const force = deref(this.get(item, 'forceString'), this.doc);
      found.push({ name, value, forceString: isScalar(force) && force.value === true });
    }
    return found;
  }

  /** A non-string scalar as written (`1.2`, `true`). */
  private scalarText(node: Node | undefined): Written | undefined {
    if (!isScalar(node) || !node.range || node.value === null) return undefined;
    const [start, end] = node.range;
    const raw = this.text.slice(this.offset + start, this.offset + end);
    return { value: raw, range: this.range(start, end), start: this.offset + start, end: this.offset + end };
  }

  /**
   * The values a mapping or a YAML string sets, as a text of the file's length with everything
   * else blanked: read as a values file, each value keeps its line and column in this file. A
   * literal block (`values: |`) is its own lines; a mapping (`valuesObject:`, Flux's `values:`)
   * its own text; another string (quoted, folded) is written from the value's line on.
   */
  private valuesText(node: Node): string | undefined {
    const target = deref(node, this.doc);
    if (!target?.range) return undefined;
    const [start, end] = [this.offset + target.range[0], this.offset + target.range[1]];
    if (isMap(target)) return blankOutside(this.text, start, end);
    if (!isScalar(target) || typeof target.value !== 'string') return undefined;
    if (target.type === 'BLOCK_LITERAL') {
      const header = this.text.indexOf('\n', start);
      if (header !== -1 && header < end) return blankOutside(this.text, header + 1, end);
    }
    const line = this.lines.positionAt(start).line;
    return '\n'.repeat(line) + target.value;
  }
}
