// Records what the real `helm template` renders for every chart of test/corpus/charts: the
// container images of its output (and custom resources' `spec.image`), in order, with their
// workloads, one JSON file per chart and values files in test/core/project/helm-goldens/ (the Helm
// engine's tests compare Shipshape's active images against them). `--check` compares instead of
// writing, and fails on a difference. helm is the one scripts/tools.mjs builds at its pinned
// release; it runs with execFile (no shell), offline: every dependency is vendored under charts/.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { build, TOOLS } from './tools.mjs';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const corpus = path.join(root, 'test', 'corpus', 'charts');
const goldens = path.join(root, 'test', 'core', 'project', 'helm-goldens');
const CONTAINER_TYPES = new Set(['containers', 'initContainers', 'ephemeralContainers']);
/** Kinds whose pod spec Kubernetes knows: any other kind's `spec.image` is a custom resource's image. */
const BUILTIN_WORKLOADS = new Set([
  'Pod',
  'PodTemplate',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Job',
  'CronJob',
]);
/** The release name and namespace helm template uses when none is given (Shipshape renders with the same). */
export const RELEASE = 'release-name';

/**
 * The values files each chart is also rendered with, beside its defaults (relative to the chart;
 * `../values/…` are this repository's own files, the rest the charts' own CI values).
 */
export const VALUES = {
  'kube-prometheus-stack': [['ci/04-prometheus-operator-webhook-values.yaml'], ['../values/kube-prometheus-stack/sha.yaml']],
  grafana: [['ci/with-image-renderer-values.yaml'], ['ci/with-sidecars-envvaluefrom-values.yaml'], ['ci/with-nondefault-values.yaml']],
  'argo-cd': [['ci/ha-static-values.yaml'], ['ci/with-commit-server-values.yaml']],
  'ingress-nginx': [['ci/controller-daemonset-values.yaml'], ['ci/admission-webhooks-cert-manager-values.yaml']],
  redis: [['../values/redis/sentinel-metrics.yaml']],
  packaged: [['../values/packaged/cache.yaml']],
  'opentelemetry-collector': [['ci/deployment-values.yaml'], ['ci/GOMEMLIMIT-values.yaml'], ['ci/statefulset-values.yaml']],
  postgresql: [
    ['../values/postgresql/metrics-permissions.yaml'],
    ['../values/postgresql/metrics-permissions.yaml', '../values/postgresql/digest.yaml'],
  ],
};

/** Chart folders (relative to the corpus, `/`-separated): folders with a Chart.yaml, not below another chart. */
export function chartFolders(dir = corpus) {
  const entries = readdirSync(dir, { withFileTypes: true });
  const relative = path.relative(corpus, dir).split(path.sep).join('/');
  if (entries.some((e) => e.isFile() && e.name === 'Chart.yaml')) return [relative];
  return entries
    .filter((e) => e.isDirectory() && e.name !== 'values')
    .flatMap((e) => chartFolders(path.join(dir, e.name)))
    .sort();
}

/** Every case: each chart with its defaults, then with each of its values-file lists. */
export function cases() {
  return chartFolders().flatMap((chart) => [{ chart, values: [] }, ...(VALUES[chart] ?? []).map((values) => ({ chart, values }))]);
}

/** The images of one rendered object. */
function imagesOf(object) {
  const found = [];
  const meta = object?.metadata ?? {};
  const where = {
    kind: object?.kind,
    ...(typeof meta.name === 'string' && { name: meta.name }),
    ...(typeof meta.namespace === 'string' && { namespace: meta.namespace }),
  };
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (CONTAINER_TYPES.has(key) && Array.isArray(value)) {
        for (const item of value) {
          if (item === null || typeof item !== 'object' || typeof item.image !== 'string') continue;
          found.push({
            reference: item.image,
            ...where,
            ...(typeof item.name === 'string' && { container: item.name }),
            containerType: key,
          });
        }
      }
      visit(value);
    }
  };
  visit(object);
  const custom = typeof object?.kind === 'string' && !BUILTIN_WORKLOADS.has(object.kind) ? object?.spec?.image : undefined;
  if (typeof custom === 'string') found.unshift({ reference: custom, ...where });
  return found;
}

/** Where a case's golden is written. */
export function goldenFile({ chart, values }) {
  const suffix = values.map((v) => `--${path.posix.basename(v).replace(/\.ya?ml$/, '')}`).join('');
  return path.join(goldens, `${chart.replaceAll('/', '__')}${suffix}.json`);
}

/** What helm makes of one case: its images, or its error (absolute paths removed). */
async function render(helm, { chart, values }) {
  const folder = path.join(corpus, chart);
  const args = ['template', RELEASE, folder, ...values.flatMap((v) => ['--values', path.join(folder, v)])];
  const common = { chart, values, helm: TOOLS.helm.version };
  try {
    const { stdout } = await run(helm, args, {
      timeout: 300_000,
      maxBuffer: 256 * 1024 * 1024,
      env: {
        ...process.env,
        HELM_CACHE_HOME: '/nonexistent',
        HELM_REPOSITORY_CONFIG: '/nonexistent',
        HELM_REGISTRY_CONFIG: '/nonexistent',
      },
    });
    const images = parseAllDocuments(stdout).flatMap((doc) => imagesOf(doc.toJS({ maxAliasCount: -1 })));
    return { ...common, renders: true, images };
  } catch (error) {
    if (error.code === 'ENOENT') throw error;
    const message = String(error.stderr || error.message)
      .replaceAll(corpus + path.sep, '')
      .trim();
    return { ...common, renders: false, error: message };
  }
}

/** What a golden says, for comparing: whether it renders and its images. */
function essence(golden) {
  return JSON.stringify({ renders: golden.renders, images: golden.images ?? [] });
}

async function main() {
  const check = process.argv.includes('--check');
  const helm = build('helm');
  const stale = [];
  if (!check) mkdirSync(goldens, { recursive: true });
  for (const each of cases()) {
    const golden = await render(helm, each);
    const file = goldenFile(each);
    const name = path.basename(file);
    if (!check) {
      writeFileSync(file, `${JSON.stringify(golden, null, 2)}\n`);
      continue;
    }
    let recorded;
    try {
      recorded = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      stale.push(`${name}: no golden`);
      continue;
    }
    if (essence(recorded) !== essence(golden)) stale.push(`${name}: helm ${TOOLS.helm.version} now renders ${essence(golden)}`);
  }
  if (check) {
    const expected = new Set(cases().map((c) => path.basename(goldenFile(c))));
    for (const name of readdirSync(goldens)) if (!expected.has(name)) stale.push(`${name}: no chart or values file renders it any more`);
  }
  if (stale.length > 0) {
    console.error(`helm goldens are stale (run node scripts/helm-goldens.mjs):\n${stale.join('\n')}`);
    process.exit(1);
  }
  console.log(check ? 'helm goldens are current' : `wrote goldens to ${path.relative(root, goldens)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) await main();
