// The GitOps objects of a YAML file that make a tool render a folder of the repository with
// overrides: Argo CD `Application`s and `ApplicationSet` templates (`spec.source(s)`: `path`,
// `kustomize.images`, `helm.valueFiles`, `values`, `valuesObject`, `parameters`,
// `fileParameters`), Flux `HelmRelease`s (`spec.chart.spec.chart` from a GitRepository, or
// `spec.chartRef` to a `HelmChart`; `spec.valuesFrom`, `spec.values`), the Flux `HelmChart`s such a
// `chartRef` names, and Flux `Kustomization`s (`spec.path`, `spec.images`). Read as written, each
// value with its place.

import { isSeq, type Node } from 'yaml';
import { parseChunk, splitDocuments } from '../../analysis/yaml/parse.js';
import { LineIndex } from '../../util/lines.js';
import { redactUrl } from '../../util/redact.js';
import type { Range } from '../../types.js';
import { GITOPS_GROUPS } from './groups.js';
import { YamlReader, type Written } from './reader.js';

export type { Written } from './reader.js';

/** A Flux `spec.images` entry (kustomize's `images:` fields). */
export interface FluxImage {
  readonly name: Written;
  readonly newName?: Written;
  readonly newTag?: Written;
  readonly digest?: Written;
  /** The whole entry. */
  readonly range: Range;
}

/** A Flux `valuesFrom` entry: the values (or, with `targetPath`, one value) of a ConfigMap or Secret key. */
export interface ValuesReference {
  readonly kind: 'ConfigMap' | 'Secret';
  readonly name: string;
  /** `valuesKey`, default `values.yaml`. */
  readonly key: string;
  readonly targetPath?: string;
  readonly optional: boolean;
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
  /** Argo CD's `fileParameters` (`--set-file name=path`, the path relative to the source's). */
  readonly fileParameters?: readonly { readonly name: Written; readonly path: Written }[];
  /** Flux's `valuesFrom`, in order (under `values`). */
  readonly valuesFrom?: readonly ValuesReference[];
}

export interface GitOpsSource {
  readonly file: string;
  readonly kind: 'Application' | 'ApplicationSet' | 'HelmRelease' | 'Kustomization';
  readonly name: string;
  /** `metadata.namespace`, when written. */
  readonly namespace?: string;
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

/** A Flux HelmRelease whose chart is a `chartRef` (its path is the HelmChart's, once found). */
export interface ChartRefRelease {
  readonly source: Omit<GitOpsSource, 'path'>;
  readonly chartRef: { readonly kind: string; readonly name: string; readonly namespace?: string };
}

/** A Flux `HelmChart` object: a chart of a source, which a HelmRelease's `chartRef` may name. */
export interface HelmChartObject {
  readonly file: string;
  readonly name: string;
  readonly namespace?: string;
  /** `spec.chart`: a path in a GitRepository or Bucket, else a chart's name. */
  readonly chart: Written;
  readonly sourceKind?: string;
  readonly valuesFiles: boolean;
}

export interface GitOpsObjects {
  readonly sources: GitOpsSource[];
  readonly chartRefs: ChartRefRelease[];
  readonly helmCharts: HelmChartObject[];
}

/** A cheap test before parsing: the API groups of the objects read here. */
const GROUPS = GITOPS_GROUPS;

/** The GitOps sources of a YAML file's text (none when it holds no such object). */
export function gitOpsSources(text: string, file: string): GitOpsSource[] {
  return gitOpsObjects(text, file).sources;
}

/** The GitOps sources of a YAML file's text, the HelmReleases of a `chartRef` and the HelmCharts. */
export function gitOpsObjects(text: string, file: string): GitOpsObjects {
  const found: GitOpsObjects = { sources: [], chartRefs: [], helmCharts: [] };
  if (!GROUPS.test(text)) return found;
  const lines = new LineIndex(text);
  for (const chunk of splitDocuments(text)) {
    if (!GROUPS.test(chunk.text)) continue;
    for (const doc of parseChunk(chunk.text)) {
      if (doc.errors.length > 0) continue;
      new Reader(doc, text, chunk.text, chunk.offset, lines, file).read(found);
    }
  }
  return found;
}

class Reader extends YamlReader {
  read(found: GitOpsObjects): void {
    const root = this.root();
    const apiVersion = this.string(this.get(root, 'apiVersion'));
    const kind = this.string(this.get(root, 'kind'));
    const metadata = this.get(root, 'metadata');
    const name = this.string(this.get(metadata, 'name'))?.value ?? '';
    const namespace = this.string(this.get(metadata, 'namespace'))?.value;
    const spec = this.get(root, 'spec');
    if (!apiVersion || !kind) return;
    const group = apiVersion.value.split('/')[0];
    if (group === 'argoproj.io' && kind.value === 'Application') found.sources.push(...this.argo(spec, 'Application', name, namespace));
    else if (group === 'argoproj.io' && kind.value === 'ApplicationSet')
      found.sources.push(...this.argo(this.get(this.get(spec, 'template'), 'spec'), 'ApplicationSet', name, namespace));
    else if (group === 'helm.toolkit.fluxcd.io' && kind.value === 'HelmRelease') this.helmRelease(spec, name, namespace, found);
    else if (group === 'source.toolkit.fluxcd.io' && kind.value === 'HelmChart') {
      const chart = this.string(this.get(spec, 'chart'));
      if (!chart) return;
      const sourceKind = this.string(this.get(this.get(spec, 'sourceRef'), 'kind'))?.value;
      found.helmCharts.push({
        file: this.file,
        name,
        ...(namespace !== undefined && { namespace }),
        chart,
        ...(sourceKind !== undefined && { sourceKind }),
        valuesFiles: this.get(spec, 'valuesFiles') !== undefined,
      });
    } else if (group === 'kustomize.toolkit.fluxcd.io' && kind.value === 'Kustomization')
      found.sources.push(...this.fluxKustomization(spec, name, namespace));
  }

  private argo(spec: Node | undefined, kind: 'Application' | 'ApplicationSet', name: string, namespace?: string): GitOpsSource[] {
    const single = this.get(spec, 'source');
    const many = this.get(spec, 'sources');
    const sources = isSeq(many) ? many.items.map((item) => this.deref(item)) : [single];
    // `ref:` sources name a repository whose files others' valueFiles read as `$ref/…`.
    const refs = new Map<string, string | undefined>();
    for (const s of sources) {
      const ref = this.string(this.get(s, 'ref'))?.value;
      if (ref !== undefined) refs.set(ref, this.string(this.get(s, 'repoURL'))?.value);
    }
    const found: GitOpsSource[] = [];
    for (const source of sources) {
      const path = this.string(this.get(source, 'path'));
      if (!path || this.string(this.get(source, 'chart'))) continue;
      const notes: string[] = [];
      const repoURL = this.string(this.get(source, 'repoURL'))?.value;
      const kustomize = this.get(source, 'kustomize');
      const setImages = this.strings(this.get(kustomize, 'images'));
      const helm = this.get(source, 'helm');
      const parameters = this.parameters(this.get(helm, 'parameters'));
      const fileParameters = this.fileParameters(this.get(helm, 'fileParameters'));
      const valueFiles = this.strings(this.get(helm, 'valueFiles')).filter((f) => {
        const ref = /^\$([^/]+)\//.exec(f.value)?.[1];
        if (ref === undefined) return true;
        if (!refs.has(ref)) {
          notes.push(`valueFiles ${f.value}: no source has ref: ${ref}`);
          return false;
        }
        // This source's folder is in this repository; a `ref:` source of another repository is not.
        const other = refs.get(ref);
        if (other === undefined || repoURL === undefined || sameRepository(other, repoURL)) return true;
        notes.push(`valueFiles ${f.value}: the source with ref: ${ref} is another repository (${redactUrl(other)}), not read`);
        return false;
      });
      // valuesObject takes the place of values when both are set (Argo CD's ValuesYAML).
      const values = this.get(helm, 'valuesObject') ?? this.get(helm, 'values');
      const valuesText = values && this.valuesText(values);
      found.push({
        file: this.file,
        kind,
        name,
        ...(namespace !== undefined && { namespace }),
        path,
        setImages,
        fluxImages: [],
        ...(helm && {
          helm: {
            valueFiles,
            parameters,
            ...(fileParameters.length > 0 && { fileParameters }),
            ...(valuesText !== undefined && { valuesText }),
          },
        }),
        notes,
      });
    }
    return found;
  }

  private helmRelease(spec: Node | undefined, name: string, namespace: string | undefined, found: GitOpsObjects): void {
    const notes: string[] = [];
    const values = this.get(spec, 'values');
    const valuesText = values && this.valuesText(values);
    const valuesFrom = this.valuesFrom(this.get(spec, 'valuesFrom'));
    const helm: HelmOverrides = {
      valueFiles: [],
      parameters: [],
      ...(valuesFrom.length > 0 && { valuesFrom }),
      ...(valuesText !== undefined && { valuesText }),
    };
    const common = { file: this.file, kind: 'HelmRelease' as const, name, ...(namespace !== undefined && { namespace }) };
    const chartRef = this.get(spec, 'chartRef');
    if (chartRef) {
      const kind = this.string(this.get(chartRef, 'kind'))?.value;
      const refName = this.string(this.get(chartRef, 'name'))?.value;
      const refNamespace = this.string(this.get(chartRef, 'namespace'))?.value;
      if (kind === undefined || refName === undefined) return;
      found.chartRefs.push({
        source: { ...common, setImages: [], fluxImages: [], helm, notes },
        chartRef: { kind, name: refName, ...(refNamespace !== undefined && { namespace: refNamespace }) },
      });
      return;
    }
    const chartSpec = this.get(this.get(spec, 'chart'), 'spec');
    const chart = this.string(this.get(chartSpec, 'chart'));
    const sourceKind = this.string(this.get(this.get(chartSpec, 'sourceRef'), 'kind'))?.value;
    // A chart by name comes from a Helm repository (or OCI): only a path in a Git source is in this repository.
    if (!chart || (sourceKind !== 'GitRepository' && sourceKind !== 'Bucket')) return;
    if (this.get(chartSpec, 'valuesFiles')) notes.push('chart.spec.valuesFiles are not read: the images they set are not listed');
    found.sources.push({ ...common, path: chart, setImages: [], fluxImages: [], helm, notes });
  }

  private fluxKustomization(spec: Node | undefined, name: string, namespace?: string): GitOpsSource[] {
    const path = this.string(this.get(spec, 'path'));
    if (!path) return [];
    const images = this.get(spec, 'images');
    const fluxImages: FluxImage[] = [];
    for (const item of isSeq(images) ? images.items : []) {
      const entry = this.deref(item);
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
    return [
      {
        file: this.file,
        kind: 'Kustomization',
        name,
        ...(namespace !== undefined && { namespace }),
        path,
        setImages: [],
        fluxImages,
        notes,
      },
    ];
  }

  private parameters(node: Node | undefined): HelmOverrides['parameters'] {
    const seq = this.deref(node);
    if (!isSeq(seq)) return [];
    const found: HelmOverrides['parameters'][number][] = [];
    for (const item of seq.items) {
      const name = this.string(this.get(item, 'name'));
      const valueNode = this.deref(this.get(item, 'value'));
      // `value: 1.2` is written unquoted; Argo CD reads it as the string it is written as.
      const value = this.string(valueNode) ?? this.scalarText(valueNode);
      if (!name || !value) continue;
      found.push({ name, value, forceString: this.isTrue(this.get(item, 'forceString')) });
    }
    return found;
  }

  private fileParameters(node: Node | undefined): NonNullable<HelmOverrides['fileParameters']> {
    const seq = this.deref(node);
    if (!isSeq(seq)) return [];
    return seq.items.flatMap((item) => {
      const name = this.string(this.get(item, 'name'));
      const path = this.string(this.get(item, 'path'));
      return name && path ? [{ name, path }] : [];
    });
  }

  private valuesFrom(node: Node | undefined): ValuesReference[] {
    const seq = this.deref(node);
    if (!isSeq(seq)) return [];
    return seq.items.flatMap((item): ValuesReference[] => {
      const kind = this.string(this.get(item, 'kind'))?.value;
      const name = this.string(this.get(item, 'name'))?.value;
      if ((kind !== 'ConfigMap' && kind !== 'Secret') || name === undefined) return [];
      const targetPath = this.string(this.get(item, 'targetPath'))?.value;
      const key = this.string(this.get(item, 'valuesKey'))?.value;
      return [
        {
          kind,
          name,
          key: key === undefined || key === '' ? 'values.yaml' : key,
          ...(targetPath !== undefined && targetPath !== '' && { targetPath }),
          optional: this.isTrue(this.get(item, 'optional')),
        },
      ];
    });
  }
}

/** Whether two `repoURL`s name one repository (`.git`, a trailing slash, the host's case and `git@host:` aside). */
export function sameRepository(a: string, b: string): boolean {
  const canonical = (url: string) => {
    const scp = /^[\w.-]+@([^:/]+):(.*)$/.exec(url);
    const plain = scp ? `${scp[1]}/${scp[2]}` : url.replace(/^[a-z][a-z0-9+.-]*:\/\/([^@/]*@)?/i, '');
    const slash = plain.indexOf('/');
    const host = (slash === -1 ? plain : plain.slice(0, slash)).toLowerCase().replace(/:\d+$/, '');
    const rest = slash === -1 ? '' : plain.slice(slash);
    return host + rest.replace(/\/+$/, '').replace(/\.git$/, '');
  };
  return canonical(a) === canonical(b);
}
