// Records what `kubectl kustomize` renders for every kustomization folder of test/corpus/realworld
// (and of test/corpus/kustomize, the small projects of `helmCharts:`, into kustomize-goldens/helm/):
// the images of its output, read by Shipshape's single-file analysis of a manifest (every pod
// spec, and the images of custom resources), in order, with their workloads, one JSON file per
// folder in test/core/project/kustomize-goldens/ (the Kustomize engine's tests compare against
// them, since CI machines may lack kubectl). Charts are inflated with the pinned helm
// (`--enable-helm`, through scripts/helm-v3-args.mjs: kubectl's kustomize refuses helm v4 else). `--check` compares instead of writing, and fails on a
// difference. Runs under tsx (`node --import tsx scripts/kustomize-goldens.mjs`), to read the
// analysis from its TypeScript source; kubectl runs with execFile, no shell.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { build } from './tools.mjs';
import { extractKubernetes, isKubernetesObject } from '../src/core/analysis/kubernetes.ts';
import { LineIndex } from '../src/core/util/lines.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const goldenRoot = path.join(root, 'test', 'core', 'project', 'kustomize-goldens');
const CORPORA = [
  { corpus: path.join(root, 'test', 'corpus', 'realworld'), goldens: goldenRoot },
  { corpus: path.join(root, 'test', 'corpus', 'kustomize'), goldens: path.join(goldenRoot, 'helm') },
];
const HELM = path.join(root, 'scripts', 'helm-v3-args.mjs');
const NAMES = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);

/** Folders (relative to the corpus) holding a kustomization, sorted. */
function kustomizationFolders(corpus, dir = corpus) {
  const entries = readdirSync(dir, { withFileTypes: true });
  const here = entries.some((e) => e.isFile() && NAMES.has(e.name)) ? [path.relative(corpus, dir).split(path.sep).join('/')] : [];
  const below = entries.filter((e) => e.isDirectory() && e.name !== '.git' && e.name !== 'node_modules');
  return [...here, ...below.flatMap((e) => kustomizationFolders(corpus, path.join(dir, e.name)))].sort();
}

/** The images of kubectl's output as the single-file analysis reads a manifest, document by document. */
export function renderedImages(output) {
  const lines = new LineIndex(output);
  const found = [];
  for (const [index, doc] of parseAllDocuments(output).entries()) {
    const object = doc.contents;
    if (!object || !isKubernetesObject(object, doc)) continue;
    for (const image of extractKubernetes(object, doc, output, lines, index).images) {
      // A value that is no string (`image: 1.20`) is no image kustomize renders as one.
      if (image.status === 'invalid' && image.raw === '') continue;
      const k = image.kubernetes;
      found.push({
        reference: image.raw,
        kind: k.kind,
        ...(k.name !== undefined && { name: k.name }),
        ...(k.namespace !== undefined && { namespace: k.namespace }),
        ...(k.container !== undefined && { container: k.container }),
        ...(k.containerType !== undefined && { containerType: k.containerType }),
      });
    }
  }
  return found;
}

export async function kustomizeVersion() {
  const { stdout } = await run('kubectl', ['version', '--client'], { timeout: 60_000 });
  return /Kustomize Version:\s*(\S+)/.exec(stdout)?.[1] ?? 'unknown';
}

/** What kubectl makes of one folder: its images, or its error (without the log prefix and absolute paths). */
async function render(corpus, folder, version) {
  const absolute = path.join(corpus, folder);
  try {
    const args = ['kustomize', '--enable-helm', '--helm-command', HELM, absolute];
    const { stdout } = await run('kubectl', args, { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    const images = renderedImages(stdout);
    return { folder, kustomize: version, renders: true, images };
  } catch (error) {
    if (error.code === 'ENOENT') throw error;
    const message = String(error.stderr ?? error.message)
      .replace(/^E\d{4} [\d:.]+\s+\d+ \S+\]\s*/m, '')
      .replaceAll(corpus + path.sep, '')
      .trim();
    return { folder, kustomize: version, renders: false, error: message };
  }
}

function goldenFile(goldens, folder) {
  return path.join(goldens, `${folder.replaceAll('/', '__')}.json`);
}

async function main() {
  const check = process.argv.includes('--check');
  // helm-v3-args.mjs runs the pinned helm: built first, when missing, not inside kubectl's call.
  build('helm');
  const version = await kustomizeVersion();
  const stale = [];
  for (const { corpus, goldens } of CORPORA) {
    if (!check) mkdirSync(goldens, { recursive: true });
    for (const folder of kustomizationFolders(corpus)) {
      const golden = await render(corpus, folder, version);
      const text = `${JSON.stringify(golden, null, 2)}\n`;
      if (!check) {
        writeFileSync(goldenFile(goldens, folder), text);
        continue;
      }
      let recorded;
      try {
        recorded = JSON.parse(readFileSync(goldenFile(goldens, folder), 'utf8'));
      } catch {
        stale.push(`${folder}: no golden`);
        continue;
      }
      const same = (g) => JSON.stringify({ renders: g.renders, images: g.images ?? [] });
      if (same(recorded) !== same(golden)) stale.push(`${folder}: kubectl now renders ${same(golden)}`);
    }
  }
  if (stale.length > 0) {
    console.error(`kustomize goldens are stale (run node --import tsx scripts/kustomize-goldens.mjs):\n${stale.join('\n')}`);
    process.exit(1);
  }
  console.log(check ? 'kustomize goldens are current' : `wrote goldens to ${path.relative(root, goldenRoot)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) await main();
