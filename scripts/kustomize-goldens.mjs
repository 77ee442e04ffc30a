// Records what `kubectl kustomize` renders for every kustomization folder of test/corpus/realworld:
// the container images of its output, in order, with their workloads, one JSON file per folder in
// test/core/project/kustomize-goldens/ (the Kustomize engine's tests compare against them, since
// CI machines may lack kubectl). `--check` compares instead of writing, and fails on a difference.
// kubectl runs with execFile, no shell.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const corpus = path.join(root, 'test', 'corpus', 'realworld');
const goldens = path.join(root, 'test', 'core', 'project', 'kustomize-goldens');
const NAMES = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);
const CONTAINER_TYPES = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** Folders (relative to the corpus) holding a kustomization, sorted. */
function kustomizationFolders(dir = corpus) {
  const entries = readdirSync(dir, { withFileTypes: true });
  const here = entries.some((e) => e.isFile() && NAMES.has(e.name)) ? [path.relative(corpus, dir).split(path.sep).join('/')] : [];
  const below = entries.filter((e) => e.isDirectory() && e.name !== '.git' && e.name !== 'node_modules');
  return [...here, ...below.flatMap((e) => kustomizationFolders(path.join(dir, e.name)))].sort();
}

/** Go's string order (UTF-8 bytes), the order of kubectl's keys. */
function compareBytes(a, b) {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The container images of one rendered object, keys visited in sorted order as the engine does. */
function containerImages(object) {
  const found = [];
  const meta = object?.metadata ?? {};
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const key of Object.keys(node).sort(compareBytes)) {
      const value = node[key];
      if (CONTAINER_TYPES.has(key) && Array.isArray(value)) {
        for (const item of value) {
          if (item === null || typeof item !== 'object' || typeof item.image !== 'string') continue;
          found.push({
            reference: item.image,
            kind: object.kind,
            ...(typeof meta.name === 'string' && { name: meta.name }),
            ...(typeof meta.namespace === 'string' && { namespace: meta.namespace }),
            ...(typeof item.name === 'string' && { container: item.name }),
            containerType: key,
          });
        }
      }
      visit(value);
    }
  };
  visit(object);
  return found;
}

export async function kustomizeVersion() {
  const { stdout } = await run('kubectl', ['version', '--client'], { timeout: 60_000 });
  return /Kustomize Version:\s*(\S+)/.exec(stdout)?.[1] ?? 'unknown';
}

/** What kubectl makes of one folder: its images, or its error (without the log prefix and absolute paths). */
async function render(folder, version) {
  const absolute = path.join(corpus, folder);
  try {
    const { stdout } = await run('kubectl', ['kustomize', absolute], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    const images = parseAllDocuments(stdout).flatMap((doc) => containerImages(doc.toJS()));
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

function goldenFile(folder) {
  return path.join(goldens, `${folder.replaceAll('/', '__')}.json`);
}

async function main() {
  const check = process.argv.includes('--check');
  const version = await kustomizeVersion();
  const stale = [];
  if (!check) mkdirSync(goldens, { recursive: true });
  for (const folder of kustomizationFolders()) {
    const golden = await render(folder, version);
    const text = `${JSON.stringify(golden, null, 2)}\n`;
    if (!check) {
      writeFileSync(goldenFile(folder), text);
      continue;
    }
    let recorded;
    try {
      recorded = JSON.parse(readFileSync(goldenFile(folder), 'utf8'));
    } catch {
      stale.push(`${folder}: no golden`);
      continue;
    }
    const same = (g) => JSON.stringify({ renders: g.renders, images: g.images ?? [] });
    if (same(recorded) !== same(golden)) stale.push(`${folder}: kubectl now renders ${same(golden)}`);
  }
  if (stale.length > 0) {
    console.error(`kustomize goldens are stale (run node scripts/kustomize-goldens.mjs):\n${stale.join('\n')}`);
    process.exit(1);
  }
  console.log(check ? 'kustomize goldens are current' : `wrote goldens to ${path.relative(root, goldens)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) await main();
