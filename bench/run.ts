// `npm run bench`: Shipshape's analysis against the bare parsers it is built on, in one run.
// Prints `name: N.NNx baseline` from medians of repeated, interleaved runs; never asserts a time.

import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { parseAllDocuments } from 'yaml';
import { analyze } from '../src/core/index.js';
import { IncrementalYaml } from '../src/core/yamlAnalysis.js';

const CORPUS = path.resolve(__dirname, '..', '..', 'shared', 'corpus');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

interface Case {
  readonly name: string;
  readonly baselineName: string;
  readonly baseline: () => unknown;
  readonly subject: () => unknown;
  readonly target: number;
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
  let elapsed = 0;
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
const dockerfiles = readdirSync(dockerfileDir).sort().map((f) => readFileSync(path.join(dockerfileDir, f), 'utf8'));

// An edit in one workload document: the tag of the argocd-server image, typed over and back.
const tagAt = manifest.indexOf('image: quay.io/argoproj/argocd:latest') + 'image: quay.io/argoproj/argocd:'.length;
const edited = `${manifest.slice(0, tagAt)}v3.2.0${manifest.slice(tagAt + 'latest'.length)}`;
const forward = { rangeOffset: tagAt, rangeLength: 'latest'.length, text: 'v3.2.0' };
const back = { rangeOffset: tagAt, rangeLength: 'v3.2.0'.length, text: 'latest' };
const open = new IncrementalYaml({});
open.update(manifest);
let editedNow = false;

const cases: Case[] = [
  {
    name: 'analyze argo-cd install.yaml',
    baselineName: 'yaml parseAllDocuments',
    baseline: () => parseAllDocuments(manifest),
    subject: () => analyze(manifest, 'yaml'),
    target: 0.3,
  },
  {
    name: 'edit one workload in argo-cd install.yaml',
    baselineName: 'full analysis of the file',
    baseline: () => analyze(editedNow ? edited : manifest, 'yaml'),
    subject: () => {
      editedNow = !editedNow;
      return editedNow ? open.update(edited, [forward]) : open.update(manifest, [back]);
    },
    target: 0.05,
  },
  {
    name: `analyze ${dockerfiles.length} corpus Dockerfiles`,
    baselineName: 'dockerfile-ast parse',
    baseline: () => dockerfiles.map((text) => DockerfileParser.parse(text)),
    subject: () => dockerfiles.map((text) => analyze(text, 'dockerfile')),
    target: 1.5,
  },
];

console.log(`Shipshape benchmark: medians of ${ROUNDS} interleaved rounds (BENCH_ROUNDS to change)`);
for (const c of cases) {
  const { baseline, subject } = measure(c);
  const ratio = subject / baseline;
  console.log(
    `${c.name}: ${ratio.toFixed(2)}x baseline (${c.baselineName} ${baseline.toFixed(2)} ms, Shipshape ${subject.toFixed(2)} ms; target <= ${c.target}x${ratio <= c.target ? '' : ', MISSED'})`,
  );
}
