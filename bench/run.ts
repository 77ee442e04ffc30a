// `npm run bench`: Shipshape's analysis against the bare parsers it is built on, in one run.
// Prints `name: N.NNx baseline` from medians of repeated, interleaved runs; never asserts a time.
// Words after `--` run only the benchmarks whose name holds one of them: `npm run bench -- activation`.

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as esbuild from 'esbuild';
import * as path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { parseAllDocuments } from 'yaml';
import { analyze } from '../src/core/index.js';
import { IncrementalYaml } from '../src/core/analysis/yaml/incremental.js';
import { esmBuilds, lazyEntries, vscodeOnce } from '../scripts/bundles.mjs';
import { clusterBenchmark } from './cluster.js';
import { helmBenchmark } from './helm.js';
import { kustomizeBenchmark } from './kustomize.js';
import { registryBenchmark } from './registry.js';
import { staleBenchmark } from './stale.js';
import { scanBenchmark } from './scan.js';
import { realTrivyBenchmark } from './realTrivy.js';
import { orderTagsBenchmark } from './tags.js';

const CORPUS = path.resolve(__dirname, '..', 'test', 'corpus');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const FILTER = process.argv.slice(2).map((word) => word.toLowerCase());

/** Whether the benchmark of this name runs: all of them without words, else those whose name holds one. */
function wanted(name: string): boolean {
  return FILTER.length === 0 || FILTER.some((word) => name.toLowerCase().includes(word));
}

interface Case {
  readonly name: string;
  readonly baselineName: string;
  readonly baseline: () => unknown;
  readonly subject: () => unknown;
  /** The ratio to stay under, where one is set. */
  readonly target?: number | undefined;
}

/** N.NN, with more digits for ratios below 0.01 so that they do not read as zero. */
function formatRatio(ratio: number): string {
  return ratio >= 0.01 ? ratio.toFixed(2) : ratio.toPrecision(2);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Times a function once, repeating it until at least `minMs` have passed, per call. */
function time(fn: () => unknown, minMs = 20): number {
  let calls = 0;
  const start = process.hrtime.bigint();
  let elapsed: number;
  do {
    fn();
    calls++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  } while (elapsed < minMs);
  return elapsed / calls;
}

function measure(c: Case): { baseline: number; subject: number } {
  for (let i = 0; i < 3; i++) {
    c.baseline();
    c.subject();
  }
  const baseline: number[] = [];
  const subject: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Interleave so that machine noise hits both sides alike.
    baseline.push(time(c.baseline));
    subject.push(time(c.subject));
  }
  return { baseline: median(baseline), subject: median(subject) };
}

const manifestPath = path.join(CORPUS, 'k8s', 'argo-cd--manifests--install.yaml');
const manifest = readFileSync(manifestPath, 'utf8');
const dockerfileDir = path.join(CORPUS, 'dockerfiles');
const dockerfiles = readdirSync(dockerfileDir)
  .sort()
  .map((f) => readFileSync(path.join(dockerfileDir, f), 'utf8'));

// Edits in one workload document (the argocd-applicationset-controller Deployment), each made and undone in turn
// on an open document, against a full analysis of the same text.
function editCase(name: string, anchor: string, from: string, to: string): Case {
  const at = manifest.indexOf(anchor) + anchor.indexOf(from);
  if (manifest.indexOf(anchor) < 0) throw new Error(`bench: "${anchor}" is not in the manifest`);
  const edited = `${manifest.slice(0, at)}${to}${manifest.slice(at + from.length)}`;
  const forward = { rangeOffset: at, rangeLength: from.length, text: to };
  const back = { rangeOffset: at, rangeLength: to.length, text: from };
  const open = new IncrementalYaml({});
  open.update(manifest);
  let editedNow = false;
  return {
    name,
    baselineName: 'full analysis of the file',
    baseline: () => analyze(editedNow ? edited : manifest, 'yaml'),
    subject: () => {
      editedNow = !editedNow;
      return editedNow ? open.update(edited, [forward]) : open.update(manifest, [back]);
    },
    target: 0.05,
  };
}

// A repository's CI pipelines: one of each of the corpus's real pipeline files of other systems
// (GitLab, CircleCI, Woodpecker, Cloud Build, Bitbucket, Azure and Drone, as a repository holds
// one or two), and the 53 starter CI workflows of GitHub Actions, in turn, for the rest of the 200
// (a repository with many files has many workflows), each under the name its system gives it.
const STARTER = path.join(CORPUS, 'ci', 'github', 'starter-workflows');
const OTHER_CI: readonly (readonly [string, string])[] = [
  ['ci/gitlab/gitlabhq--Docker.gitlab-ci.yml', '.gitlab-ci.yml'],
  ['ci/circleci/prometheus--.circleci--config.yml', '.circleci/config.yml'],
  ['ci/woodpecker/woodpecker--.woodpecker--test.yaml', '.woodpecker/test.yaml'],
  ['ci/cloudbuild/microservices-demo--cloudbuild.yaml', 'cloudbuild.yaml'],
  ['ci/bitbucket/DSpace/bitbucket-pipelines.yml', 'bitbucket-pipelines.yml'],
  ['ci/bitbucket/dspace-angular/bitbucket-pipelines.yml', 'bitbucket-pipelines.yml'],
  ['ci/azure/rdma-core/buildlib/azure-pipelines.yml', 'azure-pipelines.yml'],
  ['ci/azure/curl/.azure-pipelines.yml', '.azure-pipelines.yml'],
  ['ci/drone/synthetic-monitoring-agent/.drone.yml', '.drone.yml'],
  ['ci/drone/DSpace/.drone.yml', '.drone.yml'],
];
const WORKFLOWS = readdirSync(STARTER).sort();
const CI_FILES: readonly (readonly [string, string])[] = Array.from({ length: 200 }, (_, i) =>
  i < OTHER_CI.length
    ? OTHER_CI[i]!
    : ([
        path.join('ci', 'github', 'starter-workflows', WORKFLOWS[i % WORKFLOWS.length]!),
        `.github/workflows/${WORKFLOWS[i % WORKFLOWS.length]!}`,
      ] as const),
);
const ciFiles = CI_FILES.map(([file, name], i) => ({ text: readFileSync(path.join(CORPUS, file), 'utf8'), fileName: `repo${i}/${name}` }));

const cases: Case[] = [
  {
    name: `analyze ${ciFiles.length} workflow and CI files`,
    baselineName: 'yaml parseAllDocuments',
    baseline: () => ciFiles.map((f) => parseAllDocuments(f.text)),
    subject: () => ciFiles.map((f) => analyze(f.text, 'yaml', { fileName: f.fileName })),
    target: 0.5,
  },
  {
    name: 'analyze argo-cd install.yaml',
    baselineName: 'yaml parseAllDocuments',
    baseline: () => parseAllDocuments(manifest),
    subject: () => analyze(manifest, 'yaml'),
    target: 0.3,
  },
  editCase('edit an image tag in one workload of argo-cd install.yaml', 'image: quay.io/argoproj/argocd:latest', 'latest', 'v3.2.0'),
  { ...editCase('edit a port elsewhere in the same workload', 'containerPort: 8080', '8080', '8081'), target: undefined },
  {
    name: `analyze ${dockerfiles.length} corpus Dockerfiles`,
    baselineName: 'dockerfile-ast parse',
    baseline: () => dockerfiles.map((text) => DockerfileParser.parse(text)),
    subject: () => dockerfiles.map((text) => analyze(text, 'dockerfile')),
    target: 1.5,
  },
];

console.log(`Shipshape benchmark: medians of ${ROUNDS} interleaved rounds (BENCH_ROUNDS to change)`);
for (const c of cases.filter((c) => wanted(c.name))) {
  const { baseline, subject } = measure(c);
  const ratio = subject / baseline;
  const target = c.target === undefined ? '' : `; target <= ${c.target}x${ratio <= c.target ? '' : ', MISSED'}`;
  console.log(
    `${c.name}: ${formatRatio(ratio)}x baseline (${c.baselineName} ${baseline.toFixed(2)} ms, Shipshape ${subject.toFixed(3)} ms${target})`,
  );
}

async function editorAndScanBenchmarks(): Promise<void> {
  if (wanted('scan')) await scanBenchmark();
  if (wanted('real trivy')) await realTrivyBenchmark();
  if (wanted('registry')) await registryBenchmark();
  if (wanted('stale')) await staleBenchmark();
  if (wanted('tags')) orderTagsBenchmark();
  if (wanted('cluster')) await clusterBenchmark();
  if (wanted('kustomize')) await kustomizeBenchmark();
  if (wanted('helm')) await helmBenchmark();

  // The CLI's start-up (what every CI step and CronJob pays): `shipshape --version` against Node
  // starting with nothing to load. The Kubernetes client is a bundle apart (dist/k8s.js), loaded
  // only by `shipshape cluster`.
  if (wanted('CLI start-up')) {
    const cliPath = path.resolve(__dirname, '..', 'dist', 'cli.js');
    if (!existsSync(cliPath)) console.log('CLI start-up: skipped (run `npm run build` first)');
    else {
      const median = (args: string[]) => {
        const times: number[] = [];
        for (let i = 0; i < 7; i++) {
          const t = performance.now();
          spawnSync(process.execPath, args, { stdio: 'ignore' });
          times.push(performance.now() - t);
        }
        return times.sort((a, b) => a - b)[3]!;
      };
      const bare = median(['-e', '']);
      const version = median([cliPath, '--version']);
      console.log(
        `CLI start-up: shipshape --version ${(version / bare).toFixed(2)}x baseline (node -e '' ${bare.toFixed(0)} ms, shipshape ${version.toFixed(0)} ms)`,
      );
    }
  }

  // The activation bundle: its size against the two parsers it cannot do without, and the cost of
  // loading and activating it, measured inside a real VS Code (code-server) by test/e2e.
  if (wanted('activation')) await activationBenchmark();
}

/** Loading and activating the extension, against loading the two parsers alone. */
const ACTIVATION_TARGET = 1.5;
const ACTIVATION_RUNS = 3;

async function activationBenchmark(): Promise<void> {
  const REPO = path.resolve(__dirname, '..');
  const benchDir = path.join(REPO, '.e2e', 'bench');
  mkdirSync(benchDir, { recursive: true });
  const bundle = (entry: esbuild.BuildOptions) =>
    esbuild.build({ bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, logLevel: 'warning', ...entry });
  // The same split as esbuild.config.mjs: the network and cluster entries are bundles of their own.
  await bundle({
    entryPoints: [path.join(REPO, 'src/extension/main.ts')],
    outfile: path.join(benchDir, 'extension.js'),
    external: ['vscode'],
    plugins: [vscodeOnce, lazyEntries, esmBuilds],
  });
  writeFileSync(
    path.join(benchDir, 'parsers-entry.js'),
    "exports.yaml = require('yaml'); exports.dockerfile = require('dockerfile-ast');\n",
  );
  // The baseline: the parsers as any extension bundling them gets them (each package's Node entry point).
  await bundle({
    entryPoints: [path.join(benchDir, 'parsers-entry.js')],
    outfile: path.join(benchDir, 'parsers.js'),
    nodePaths: [path.join(REPO, 'node_modules')],
  });
  // For comparison only: the parsers bundled as Shipshape bundles them (yaml's ES module build).
  await bundle({
    entryPoints: [path.join(benchDir, 'parsers-entry.js')],
    outfile: path.join(benchDir, 'parsers-esm.js'),
    nodePaths: [path.join(REPO, 'node_modules')],
    plugins: [esmBuilds],
  });
  const size = (file: string) => statSync(path.join(benchDir, file)).size;
  console.log(
    `activation bundle size: ${(size('extension.js') / size('parsers.js')).toFixed(2)}x baseline (yaml + dockerfile-ast bundled alone ` +
      `${(size('parsers.js') / 1024).toFixed(0)} KiB, ` +
      `dist/extension.js minified ${(size('extension.js') / 1024).toFixed(0)} KiB)`,
  );

  const cache = process.env.SHIPSHAPE_CACHE ?? path.join(os.homedir(), '.cache', 'shipshape');
  if (!process.env.SHIPSHAPE_CODE_SERVER && !existsSync(path.join(cache, 'code-server-4.100.3', '.shipshape-installed'))) {
    console.log('activation time in VS Code: skipped (code-server is not installed; `npm run test:e2e` installs it)');
  } else {
    // activate() runs once per editor start, at a busy moment: three starts, and the median of each figure.
    const metricsFile = path.join(benchDir, 'activation.json');
    const runs: Record<string, number>[] = [];
    for (let i = 0; i < ACTIVATION_RUNS; i++) {
      rmSync(metricsFile, { force: true });
      const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'test/e2e/run.ts'), '--grep', 'activation'], {
        cwd: REPO,
        env: { ...process.env, SHIPSHAPE_BENCH_DIR: benchDir },
        encoding: 'utf8',
        timeout: 300_000,
      });
      if (run.status !== 0 || !existsSync(metricsFile)) {
        console.log(`activation time in VS Code: failed to measure (exit ${run.status}); see .e2e/logs/\n${run.stdout.slice(-2000)}`);
        return;
      }
      runs.push(JSON.parse(readFileSync(metricsFile, 'utf8')) as Record<string, number>);
    }
    const of = (key: string) => median(runs.map((r) => r[key]!));
    const [activationMs, loadMs, baselineLoadMs, esmLoadMs] = [of('activationMs'), of('loadMs'), of('baselineLoadMs'), of('esmLoadMs')];
    const total = loadMs + activationMs;
    const ratio = total / baselineLoadMs;
    console.log(
      `activation time in VS Code: ${ratio.toFixed(2)}x baseline (medians of ${ACTIVATION_RUNS} starts, 7 loads each; ` +
        `yaml + dockerfile-ast alone ${baselineLoadMs.toFixed(1)} ms; ` +
        `Shipshape ${total.toFixed(1)} ms = load ${loadMs.toFixed(1)} ms + activate() ${activationMs.toFixed(1)} ms; ` +
        `loading alone in CPU time, which a busy machine changes least: ${(of('loadCpuMs') / of('baselineLoadCpuMs')).toFixed(2)}x; ` +
        `target <= ${ACTIVATION_TARGET}x${ratio <= ACTIVATION_TARGET ? '' : ', MISSED'})`,
    );
    console.log(
      `activation time against the parsers bundled as Shipshape bundles them (yaml's ES module build, ${esmLoadMs.toFixed(1)} ms): ` +
        `${(total / esmLoadMs).toFixed(2)}x (for comparison; no target)`,
    );
  }
}

void editorAndScanBenchmarks();
