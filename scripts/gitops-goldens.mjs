// Records what the real engines render for every GitOps object of test/corpus/gitops/apps (the
// folder test/corpus/gitops is the repository they name): `helm template` of the chart with the
// object's valueFiles, values (or valuesObject, or Flux's values) and parameters (`--set`,
// `--set-string`), and `kubectl kustomize` of a kustomization that wraps the overlay with the
// object's image overrides as an `images:` list (what `kustomize edit set image` or Flux writes
// into an overlay that has no `images:` of its own, as the corpus's). One JSON file per object in
// test/core/project/gitops-goldens/: the images of the output, in order, with their kinds and containers.
// `--check` compares instead of writing. The tools are the ones scripts/tools.mjs builds; they run
// with execFile (no shell), offline.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { build, TOOLS } from './tools.mjs';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const repository = path.join(root, 'test', 'corpus', 'gitops');
const apps = path.join(repository, 'apps');
const goldens = path.join(root, 'test', 'core', 'project', 'gitops-goldens');
const CONTAINER_TYPES = new Set(['containers', 'initContainers', 'ephemeralContainers']);
const HELM_ENV = { HELM_CACHE_HOME: '/nonexistent', HELM_REPOSITORY_CONFIG: '/nonexistent', HELM_REGISTRY_CONFIG: '/nonexistent' };

/** The sources of one object that name a folder of the repository, with their overrides; `objects` are every app file's. */
function sourcesOf(object, objects) {
  const { kind, metadata = {}, spec = {} } = object ?? {};
  const name = metadata.name ?? '';
  if (kind === 'Application' || kind === 'ApplicationSet') {
    const appSpec = kind === 'Application' ? spec : (spec.template?.spec ?? {});
    const sources = appSpec.sources ?? [appSpec.source];
    return sources
      .filter((s) => s && typeof s.path === 'string' && !s.chart)
      .map((s) => ({
        kind,
        name,
        path: s.path,
        setImages: s.kustomize?.images ?? [],
        helm: s.helm && {
          valueFiles: s.helm.valueFiles ?? [],
          values: s.helm.valuesObject ?? (s.helm.values ? parseAllDocuments(s.helm.values)[0].toJS() : undefined),
          parameters: s.helm.parameters ?? [],
          fileParameters: s.helm.fileParameters ?? [],
        },
      }));
  }
  if (kind === 'HelmRelease') {
    const namespace = metadata.namespace;
    let chart = spec.chart?.spec;
    if (spec.chartRef) {
      if (spec.chartRef.kind !== 'HelmChart') return [];
      const ref = objects.find((o) => o?.kind === 'HelmChart' && o.metadata?.name === spec.chartRef.name);
      chart = ref?.spec;
    }
    if (chart?.sourceRef?.kind !== 'GitRepository') return [];
    const values = fluxValues(spec, namespace, objects);
    return [{ kind, name, path: chart.chart, helm: { valueFiles: [], values, parameters: [], fileParameters: [] } }];
  }
  if (kind === 'Kustomization' && object.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/'))
    return [{ kind, name, path: spec.path, images: spec.images ?? [] }];
  return [];
}

/** helm-controller's values: each valuesFrom entry in order (targetPath: one value, as --set types it), then spec.values. */
function fluxValues(spec, namespace, objects) {
  let result = {};
  for (const ref of spec.valuesFrom ?? []) {
    const found = objects.find((o) => o?.kind === ref.kind && o.metadata?.name === ref.name && o.metadata?.namespace === namespace);
    const data =
      ref.kind === 'Secret'
        ? {
            ...Object.fromEntries(Object.entries(found?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])),
            ...found?.stringData,
          }
        : found?.data;
    const text = data?.[ref.valuesKey || 'values.yaml'];
    if (text === undefined) {
      if (ref.optional) continue;
      throw new Error(`valuesFrom ${ref.kind} ${ref.name}: not in the apps files`);
    }
    if (ref.targetPath) {
      if (!/^[\w-]+(\.[\w-]+)*$/.test(ref.targetPath) || /^['"]|[,\\]/.test(text))
        throw new Error(`targetPath ${ref.targetPath}: write it out here first`);
      const keys = ref.targetPath.split('.');
      let node = result;
      for (const key of keys.slice(0, -1)) node = node[key] = typeof node[key] === 'object' && node[key] !== null ? node[key] : {};
      node[keys.at(-1)] = /^-?\d+$/.test(text) ? Number(text) : text === 'true' ? true : text === 'false' ? false : text;
      continue;
    }
    result = mergeMaps(result, parseAllDocuments(text)[0].toJS() ?? {});
  }
  return mergeMaps(result, spec.values ?? {});
}

/** transform.MergeMaps: mappings merge, anything else replaces. */
function mergeMaps(base, over) {
  const merged = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const mine = merged[key];
    const isMap = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
    merged[key] = isMap(value) && isMap(mine) ? mergeMaps(mine, value) : value;
  }
  return merged;
}

/** kustomize's own reading of a `kustomize edit set image` argument, as an `images:` entry. */
function setImageEntry(arg) {
  const equals = arg.indexOf('=');
  const value = equals === -1 ? arg : arg.slice(equals + 1);
  const slash = value.indexOf('/');
  const search = slash > 0 ? value.slice(slash) : value;
  const base = slash > 0 ? slash : 0;
  const at = search.indexOf('@');
  const colon = search.indexOf(':');
  let name = value;
  let tag = '';
  let digest = '';
  if (at >= 0 && (at < colon || colon < 0)) [name, digest] = [value.slice(0, base + at), value.slice(base + at + 1)];
  else if (at >= 0)
    [name, tag, digest] = [value.slice(0, base + colon), value.slice(base + colon + 1, base + at), value.slice(base + at + 1)];
  else if (colon >= 0) [name, tag] = [value.slice(0, base + colon), value.slice(base + colon + 1)];
  const entry = equals === -1 ? { name } : { name: arg.slice(0, equals), newName: name };
  return { ...entry, ...(tag && { newTag: tag }), ...(digest && { digest }) };
}

/** The images of rendered YAML: every pod-spec container, with its workload. */
function imagesOf(output) {
  const found = [];
  for (const doc of parseAllDocuments(output)) {
    const object = doc.toJS({ maxAliasCount: -1 });
    // Not the object's name: chart tests name their Pods with random letters.
    const where = { kind: object?.kind };
    const visit = (node) => {
      if (Array.isArray(node)) return node.forEach(visit);
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (CONTAINER_TYPES.has(key) && Array.isArray(value))
          for (const item of value)
            if (typeof item?.image === 'string') found.push({ reference: item.image, ...where, container: item.name, containerType: key });
        visit(value);
      }
    };
    visit(object);
  }
  return found;
}

async function render(source, tools, temp) {
  const folder = path.resolve(repository, source.path);
  if (source.helm) {
    const args = ['template', 'release-name', folder];
    for (const file of source.helm.valueFiles) args.push('--values', path.resolve(folder, file));
    if (source.helm.values) {
      const file = path.join(temp, 'values.yaml');
      writeFileSync(file, stringify(source.helm.values));
      args.push('--values', file);
    }
    for (const p of source.helm.parameters) {
      const value = String(p.value);
      args.push(
        p.forceString ? '--set-string' : '--set',
        `${p.name}=${/^\{.*\}$/.test(value) ? value : value.replace(/(^|[^\\]),/g, '$1\\,')}`,
      );
    }
    for (const p of source.helm.fileParameters) args.push('--set-file', `${p.name}=${path.resolve(folder, p.path)}`);
    const { stdout } = await run(tools.helm, args, { env: { ...process.env, ...HELM_ENV }, maxBuffer: 64 * 1024 * 1024 });
    return { engine: `helm ${TOOLS.helm.version}`, images: imagesOf(stdout) };
  }
  const images = source.setImages ? source.setImages.map(setImageEntry) : source.images;
  const wrapper = { resources: [path.relative(temp, folder)], images };
  writeFileSync(path.join(temp, 'kustomization.yaml'), stringify(wrapper));
  const { stdout } = await run(tools.kubectl, ['kustomize', temp], { maxBuffer: 64 * 1024 * 1024 });
  return { engine: 'kubectl kustomize', images: imagesOf(stdout) };
}

async function main() {
  const check = process.argv.includes('--check');
  const tools = { helm: build('helm'), kubectl: build('kubectl') };
  const stale = [];
  if (!check) mkdirSync(goldens, { recursive: true });
  const names = readdirSync(apps)
    .filter((n) => n.endsWith('.yaml'))
    .sort();
  const objects = names.flatMap((name) => parseAllDocuments(readFileSync(path.join(apps, name), 'utf8')).map((doc) => doc.toJS()));
  for (const name of names) {
    const text = readFileSync(path.join(apps, name), 'utf8');
    const sources = parseAllDocuments(text).flatMap((doc) => sourcesOf(doc.toJS(), objects));
    const rendered = [];
    for (const source of sources) {
      const temp = mkdtempSync(path.join(os.tmpdir(), 'shipshape-gitops-'));
      try {
        const { engine, images } = await render(source, tools, temp);
        rendered.push({ kind: source.kind, name: source.name, path: source.path, engine, images });
      } finally {
        rmSync(temp, { recursive: true, force: true });
      }
    }
    const file = path.join(goldens, name.replace(/\.yaml$/, '.json'));
    const golden = `${JSON.stringify({ file: `apps/${name}`, sources: rendered }, null, 2)}\n`;
    if (!check) writeFileSync(file, golden);
    else {
      let recorded;
      try {
        recorded = readFileSync(file, 'utf8');
      } catch {
        stale.push(`${name}: no golden`);
        continue;
      }
      const essence = (g) => JSON.stringify(JSON.parse(g).sources.map((s) => s.images));
      if (essence(recorded) !== essence(golden)) stale.push(`${name}: the engines now render ${essence(golden)}`);
    }
  }
  if (stale.length > 0) {
    console.error(`GitOps goldens are stale (run node scripts/gitops-goldens.mjs):\n${stale.join('\n')}`);
    process.exit(1);
  }
  console.log(check ? 'GitOps goldens are current' : `wrote goldens to ${path.relative(root, goldens)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) await main();
