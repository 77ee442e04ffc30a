// Rendering a kustomization as `kubectl kustomize` does, as far as images go: its resources
// (files, and folders rendered on their own), then its components in its context, then its
// transformers in kustomize's order: strategic-merge patches, patches, namespace, name prefix
// and suffix, JSON 6902 patches, images. What kubectl would refuse is said and skipped, and the
// rest is still rendered.

import * as path from 'node:path';
import { Budget } from '../budget.js';
import { readOperations } from './jsonPatch.js';
import { imagePattern, transformImages } from './images.js';
import { readKustomization, type ImageRule, type Kustomization, type PatchSpec, type Ref, type SortOptions } from './kustomization.js';
import type { ChartProject } from '../types.js';
import { inflateChart } from './helmCharts.js';
import { Log } from './log.js';
import { applyJsonPatch, applyStrategicPatches } from './patches.js';
import { addAffix, describeId, flattenLists, idOf, sameId, setNamespace, type Resource } from './resources.js';
import { parseInline, Sources, type ParsedFile } from './sources.js';
import { clone, isKMap, isKScalar, isKSeq, kmap, kstr, type KMap, type KNode, type Span } from './tree.js';

export interface Rendered {
  readonly folder: string;
  /** The kustomization file, when the folder has one. */
  readonly file?: string;
  readonly kind?: 'Kustomization' | 'Component';
  readonly resources: readonly Resource[];
  readonly sortOptions?: SortOptions;
  readonly log: Log;
  /** The charts its `helmCharts:` (and those of what it includes) inflate. */
  readonly charts: readonly ChartProject[];
}

/** How patches.ts says that a strategic-merge patch matches no resource. */
const NO_MATCH = 'no resource matches strategic merge patch ';
/** Resources, URLs and git references kustomize would fetch. */
const REMOTE = /^(?:[a-zA-Z][a-zA-Z0-9+.-]*:\/\/|git::|git@|ssh:)/;
/** An entry that names a manifest file rather than a folder (most do). */
const MANIFEST_NAME = /\.(?:ya?ml|json)$/i;
/** A `host.tld/…` path, which kustomize tries as a repository when no such local path exists. */
const HOST_PATH = /^[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+(?::[0-9]+)?\//;

export class Renderer {
  private readonly kustomizations = new Map<string, Promise<Kustomization>>();
  private readonly folders = new Map<string, Promise<Rendered>>();
  private readonly inline = new Map<string, ParsedFile>();
  private readonly prefetched = new Set<string>();
  /** Files read as resource manifests, and as patch files, by any render. */
  readonly manifests = new Set<string>();
  readonly patchFiles = new Set<string>();
  /** The time left to the root being rendered (its renders are cached for the next roots, when they finish). */
  budget: Budget = Budget.none();
  /**
   * A change to one folder's `images:` before it renders, as a GitOps tool makes it (`kustomize
   * edit set image`, Flux's `spec.images`); the renderer is then that one object's.
   */
  imagesEdit?: { readonly folder: string; readonly edit: (images: readonly ImageRule[]) => readonly ImageRule[] };

  constructor(readonly sources: Sources) {}

  /** The kustomization files read so far. */
  get files(): string[] {
    return [...this.kustomizations.keys()];
  }

  /** A kustomization file, read once. */
  kustomization(file: string): Promise<Kustomization> {
    const key = path.resolve(file);
    let loaded = this.kustomizations.get(key);
    if (!loaded) {
      loaded = this.loadKustomization(key);
      this.kustomizations.set(key, loaded);
    }
    return loaded;
  }

  private async loadKustomization(file: string): Promise<Kustomization> {
    const parsed = await this.sources.documents(file, 'manifest', 'yaml1.1');
    const root = parsed?.documents.find((d) => d.node !== undefined)?.node;
    const k = readKustomization(file, root, (span) => this.sources.range(span));
    if (!parsed) return { ...k, errors: [{ message: `${file} cannot be read` }] };
    return { ...k, errors: [...parsed.errors.map((e) => ({ at: e.span, message: e.message })), ...k.errors] };
  }

  /** The render of a folder's kustomization, computed once (callers copy the resources they change). */
  render(folder: string, stack: readonly string[] = []): Promise<Rendered> {
    const key = path.resolve(folder);
    const visited = stack.find((s) => contains(key, s));
    if (visited !== undefined) {
      const log = new Log();
      log.error(stack[stack.length - 1]!, undefined, cycle(key, visited, stack));
      return Promise.resolve({ folder: key, resources: [], log, charts: [] });
    }
    let rendered = this.folders.get(key);
    if (!rendered) {
      rendered = this.renderFolder(key, [...stack, key]);
      this.folders.set(key, rendered);
    }
    return rendered;
  }

  private async renderFolder(folder: string, stack: readonly string[]): Promise<Rendered> {
    const log = new Log();
    const found = await this.sources.kustomizationIn(folder);
    if (!found || 'missing' in found) {
      log.error(folder, undefined, found?.missing ?? `${folder} is not a folder`);
      return { folder, resources: [], log, charts: [] };
    }
    const read = await this.kustomization(found.file);
    const edit = this.imagesEdit?.folder === folder ? this.imagesEdit.edit : undefined;
    const k = edit ? { ...read, images: edit(read.images) } : read;
    const resources: Resource[] = [];
    const charts: ChartProject[] = [];
    await this.accumulate(k, resources, log, stack, charts);
    return { folder, file: found.file, kind: k.kind, resources, ...(k.sortOptions && { sortOptions: k.sortOptions }), log, charts };
  }

  /**
   * Starts reading what a kustomization refers to, and what those refer to, all at once: the
   * render then awaits them in kustomize's order, but the disk is not waited on one file at a time.
   */
  private prefetch(k: Kustomization): void {
    if (this.prefetched.has(k.file)) return;
    this.prefetched.add(k.file);
    const started: Promise<unknown>[] = [];
    try {
      for (const ref of [...k.resources, ...k.components]) {
        if (REMOTE.test(ref.value)) continue;
        const target = path.resolve(k.folder, ref.value);
        if (MANIFEST_NAME.test(ref.value)) started.push(this.sources.documents(target, 'manifest', 'yaml1.2'));
        else
          started.push(
            this.sources.kustomizationIn(target).then(async (found) => {
              if (found && 'file' in found) this.prefetch(await this.kustomization(found.file));
              else if (!found) await this.sources.documents(target, 'manifest', 'yaml1.2');
            }),
          );
      }
      for (const spec of [...k.patchesStrategicMerge, ...k.patches, ...k.patchesJson6902])
        if (spec.path) started.push(this.sources.documents(path.resolve(k.folder, spec.path.value), 'patch', 'yaml1.2'));
    } catch {
      // Too many files: the render meets the same limit where it reads, and says so there.
    }
    // Failures are met again (and said) where the render awaits the same reads.
    for (const promise of started) promise.catch(() => undefined);
  }

  /** kustomize's accumulateTarget: resources, generators (helm charts among them), components, then transformers, into `resources`. */
  private async accumulate(
    k: Kustomization,
    resources: Resource[],
    log: Log,
    stack: readonly string[],
    charts: ChartProject[],
  ): Promise<void> {
    this.prefetch(k);
    for (const note of k.notes) log.note(note);
    for (const error of k.errors) log.error(k.file, error.at, error.message);
    for (const ref of k.resources) {
      await this.budget.pause();
      await this.addResource(k, ref, resources, log, stack, charts);
    }
    for (const generated of k.generated) {
      if (generated.behavior !== 'create') continue;
      const metadata = kmap([['name', kstr(generated.name)]]);
      if (generated.namespace !== undefined) metadata.entries.set('namespace', kstr(generated.namespace));
      const object = kmap([
        ['apiVersion', kstr('v1')],
        ['kind', kstr(generated.kind)],
        ['metadata', metadata],
      ]);
      await append(resources, [{ object, previous: [] }], k.file, undefined, log, this.budget);
    }
    for (const spec of k.helmCharts) {
      await this.budget.pause();
      // The chart has a budget of its own, as the charts of a scan have.
      const limits = { timeBudget: this.budget.seconds };
      const inflated = await this.budget.aside(() => inflateChart(k, spec, this.sources, log, limits));
      if (inflated.chart) charts.push(inflated.chart);
      await append(resources, inflated.resources, k.file, spec.name.at, log, this.budget);
    }
    // Components come after the generators (kustomize v5.1 on), so that they change what those make too.
    for (const ref of k.components) {
      await this.budget.pause();
      await this.addComponent(k, ref, resources, log, stack, charts);
    }
    const before = log.errors.length;
    for (const spec of k.patchesStrategicMerge) await this.patch(k, spec, 'strategic', resources, log);
    for (const spec of k.patches) await this.patch(k, spec, undefined, resources, log);
    this.followOns(k, log, before);
    await this.budget.pause();
    if (k.namespace && k.namespace.value !== '') setNamespace(resources, k.namespace.value);
    if (k.namePrefix) addAffix(resources, k.namePrefix.value, '');
    if (k.nameSuffix) addAffix(resources, '', k.nameSuffix.value);
    for (const spec of k.patchesJson6902) await this.patch(k, spec, 'json', resources, log);
    for (const rule of k.images) {
      await this.budget.pause();
      const pattern = imagePattern(rule.name);
      if ('error' in pattern) {
        log.error(
          k.file,
          rule.nameAt,
          `images: name "${rule.name}" is no valid regular expression (kustomize reads names as RE2 ones; ${pattern.error}): kubectl crashes on it`,
        );
        continue;
      }
      for (const resource of resources) {
        this.budget.check();
        transformImages(resource.object, rule);
      }
    }
    for (const replacement of k.replacements) await this.noteReplacement(k, replacement.path, replacement.inline, log);
  }

  private async addResource(
    k: Kustomization,
    ref: Ref,
    resources: Resource[],
    log: Log,
    stack: readonly string[],
    charts: ChartProject[],
  ): Promise<void> {
    if (REMOTE.test(ref.value)) {
      log.remoteResource(`${k.file}: remote resource ${ref.value} is not fetched: its images are not listed`);
      return;
    }
    const target = path.resolve(k.folder, ref.value);
    // Most entries name a manifest: read it first, and ask for a folder only when it is none.
    let parsed = MANIFEST_NAME.test(ref.value) ? await this.sources.documents(target, 'manifest', 'yaml1.2') : undefined;
    if (!parsed && (await this.sources.list(target))) {
      const sub = await this.render(target, stack);
      log.absorb(sub.log);
      charts.push(...sub.charts);
      if (sub.kind === 'Component') {
        log.error(k.file, ref.at, `${ref.value} is a Component: kustomize takes components under components:, not resources:`);
        return;
      }
      const copies: Resource[] = [];
      for (const resource of sub.resources) {
        await this.budget.pause();
        copies.push(copyResource(resource));
      }
      await append(resources, copies, k.file, ref.at, log, this.budget);
      return;
    }
    parsed ??= await this.sources.documents(target, 'manifest', 'yaml1.2');
    if (parsed && !inside(k.folder, target)) {
      log.error(k.file, ref.at, outside(ref.value, k.folder));
      return;
    }
    if (!parsed) {
      if (HOST_PATH.test(ref.value))
        log.remoteResource(`${k.file}: remote resource ${ref.value} is not fetched: its images are not listed`);
      else log.error(k.file, ref.at, `${ref.value}: no such file or folder`);
      return;
    }
    for (const error of parsed.errors) log.error(target, error.span, error.message);
    this.manifests.add(target);
    const added: Resource[] = [];
    for (const doc of parsed.documents) {
      if (!doc.node) continue;
      if (!isKMap(doc.node)) {
        log.error(target, undefined, `a document of ${ref.value} is not a Kubernetes object: kustomize refuses it`);
        continue;
      }
      const objects: KMap[] = [];
      if (!flattenLists(doc.node, objects))
        log.error(target, undefined, `an item of a List in ${ref.value} is not an object: kustomize refuses it`);
      for (const object of objects) {
        const id = idOf(object);
        if (id.kind === '' || id.name === '') {
          log.error(
            target,
            undefined,
            `an object of ${ref.value} has no ${id.kind === '' ? 'kind' : 'metadata.name'}: kustomize refuses it`,
          );
          continue;
        }
        added.push({ object: clone(object), previous: [] });
      }
    }
    await append(resources, added, k.file, ref.at, log, this.budget);
  }

  private async addComponent(
    k: Kustomization,
    ref: Ref,
    resources: Resource[],
    log: Log,
    stack: readonly string[],
    charts: ChartProject[],
  ): Promise<void> {
    if (REMOTE.test(ref.value)) {
      log.note(`${k.file}: remote component ${ref.value} is not fetched: what it changes is not shown`);
      return;
    }
    const folder = path.resolve(k.folder, ref.value);
    const visited = stack.find((s) => contains(folder, s));
    if (visited !== undefined) {
      log.error(k.file, ref.at, cycle(folder, visited, stack));
      return;
    }
    const found = await this.sources.kustomizationIn(folder);
    if (!found || 'missing' in found) {
      log.error(k.file, ref.at, found?.missing ?? `component ${ref.value}: no such folder`);
      return;
    }
    const component = await this.kustomization(found.file);
    if (component.kind !== 'Component') {
      log.error(k.file, ref.at, `${ref.value} is a Kustomization: kustomize takes only kind: Component under components:`);
      return;
    }
    // A component adds to and transforms the resources of the kustomization that includes it.
    await this.accumulate(component, resources, log, [...stack, folder], charts);
  }

  /** Applies one patch entry (a strategic-merge or JSON 6902 patch, as its content says). */
  private async patch(
    k: Kustomization,
    spec: PatchSpec,
    legacy: 'strategic' | 'json' | undefined,
    resources: Resource[],
    log: Log,
  ): Promise<void> {
    await this.budget.pause();
    const where = { file: k.file, at: spec.path?.at ?? spec.inline?.at ?? spec.at };
    const content = await this.patchContent(k, spec, log);
    if (!content) return;
    const nodes = content.documents.flatMap((d) => (d.node ? [d.node] : []));
    if (nodes.length === 1 && isKSeq(nodes[0])) {
      if (legacy === 'strategic') {
        log.error(where.file, where.at, 'patchesStrategicMerge holds a JSON 6902 patch');
        return;
      }
      // kustomize reads a patch that starts with `[` as JSON, not YAML (an inline one after trimming).
      const file = spec.path && path.resolve(k.folder, spec.path.value);
      const text = spec.inline ? spec.inline.text.trim() : file ? ((await this.sources.read(file)) ?? '') : '';
      if (text.startsWith('[') && !isJson(text)) {
        log.error(
          where.file,
          where.at,
          'the JSON 6902 patch starts with `[` but is no JSON (kustomize reads it as JSON): quote its keys and strings, or write it as a YAML list',
        );
        return;
      }
      applyJsonPatch(readOperations(nodes[0]), spec, resources, log, where, this.budget);
      return;
    }
    if (legacy === 'json') {
      log.error(where.file, where.at, 'patchesJson6902 holds no list of operations');
      return;
    }
    applyStrategicPatches(nodes, spec, resources, log, where, this.budget);
  }

  private async patchContent(k: Kustomization, spec: PatchSpec, log: Log): Promise<ParsedFile | undefined> {
    let content: ParsedFile | undefined;
    if (spec.inline) {
      const key = `${k.file}:${spec.inline.at?.start ?? spec.inline.text}`;
      content = this.inline.get(key);
      if (!content) {
        const text = (await this.sources.read(k.file)) ?? '';
        content = spec.inline.at ? parseInline(spec.inline, text) : undefined;
        if (content) this.inline.set(key, content);
      }
    } else if (spec.path) {
      const file = path.resolve(k.folder, spec.path.value);
      if (!inside(k.folder, file)) {
        log.error(k.file, spec.path.at, outside(spec.path.value, k.folder));
        return undefined;
      }
      content = await this.sources.documents(file, 'patch', 'yaml1.2');
      if (!content) {
        log.error(k.file, spec.path.at, `patch ${spec.path.value}: no such file`);
        return undefined;
      }
      this.patchFiles.add(file);
    }
    if (!content) return undefined;
    for (const error of content.errors) log.error(error.span.file, error.span, error.message);
    return content;
  }

  /**
   * With a remote resource left out (here or below), a strategic-merge patch that matches nothing
   * most likely patches what it brings: not an error of its own, but part of that one cause,
   * said in a note (on this kustomization's remote-resource note when it has one).
   */
  private followOns(k: Kustomization, log: Log, from: number): void {
    const taken = log.takeFollowOns(from, (issue) => issue.file === k.file && issue.message.startsWith(NO_MATCH));
    if (taken.length === 0) return;
    const ids = taken.map((issue) => issue.message.slice(NO_MATCH.length));
    const what = `${taken.length === 1 ? 'a patch' : `${taken.length} patches`} here match${taken.length === 1 ? 'es' : ''} no resource (${ids.join(', ')}), most likely ${taken.length === 1 ? 'one' : 'ones'} of what the remote resources bring`;
    const own = log.notes.findIndex((note) => note.startsWith(`${k.file}: remote resource `));
    if (own >= 0) log.notes[own] = `${log.notes[own]}; ${what}`;
    else log.note(`${k.file}: a remote resource below is not fetched: ${what}`);
  }

  /** Notes replacements that write image fields (not applied here). */
  private async noteReplacement(k: Kustomization, file: Ref | undefined, inline: KNode | undefined, log: Log): Promise<void> {
    let nodes: KNode[] = inline ? [inline] : [];
    if (file) {
      const parsed = await this.sources.documents(path.resolve(k.folder, file.value), 'patch', 'yaml1.1');
      nodes = parsed?.documents.flatMap((d) => (d.node ? (isKSeq(d.node) ? d.node.items : [d.node]) : [])) ?? [];
      if (!parsed) log.note(`${k.file}: replacements in ${file.value} are not read: if they write image fields, the images listed differ`);
    }
    if (nodes.some(writesImage))
      log.note(`${k.file}: replacements that write image fields are not applied: the images they change are listed as before them`);
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** True when `folder` is `other` or one of its ancestors. */
function contains(folder: string, other: string): boolean {
  return other === folder || other.startsWith(folder.endsWith(path.sep) ? folder : folder + path.sep);
}

/** kustomize refuses to include a folder that is, or holds, one it is rendering (a cycle, or could become one). */
function cycle(folder: string, visited: string, stack: readonly string[]): string {
  const how = folder === visited ? 'includes itself' : `holds ${visited}, which includes it`;
  return `cycle: ${folder} ${how} (${stack.join(' → ')} → ${folder}); kustomize refuses it`;
}

/** kustomize reads files (not folders of other kustomizations) only in or below the kustomization's folder. */
function inside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative.split(path.sep)[0] !== '..' && !path.isAbsolute(relative);
}

function outside(value: string, folder: string): string {
  return `security: ${value} is not in or below ${folder} (kustomize reads files only there; a folder of another kustomization may be anywhere)`;
}

/** True when a replacement writes a field named image (`spec.template.spec.containers.[name=app].image`). */
function writesImage(replacement: KNode): boolean {
  const targets = isKMap(replacement) ? replacement.entries.get('targets') : undefined;
  return (
    isKSeq(targets) &&
    targets.items.some((target) => {
      const paths = isKMap(target) ? target.entries.get('fieldPaths') : undefined;
      return isKSeq(paths) && paths.items.some((p) => isKScalar(p) && /(?:^|\.)image(?:$|\.)/.test(p.text));
    })
  );
}

function copyResource(resource: Resource): Resource {
  return { object: clone(resource.object), previous: [...resource.previous] };
}

/** Adds resources, refusing one whose id is taken (kustomize: "may not add resource with an already registered id"). */
async function append(
  resources: Resource[],
  added: readonly Resource[],
  file: string,
  at: Span | undefined,
  log: Log,
  budget: Budget,
): Promise<void> {
  for (const resource of added) {
    await budget.pause();
    const id = idOf(resource.object);
    if (resources.some((r) => sameId(idOf(r.object), id))) {
      log.error(file, at, `may not add resource with an already registered id: ${describeId(id)}`);
      continue;
    }
    resources.push(resource);
  }
}
