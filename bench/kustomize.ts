// Kustomize benchmark: the effective images of every Kustomize root of the real repositories in
// test/corpus/realworld, in one Shipshape process (Node's start-up included), against the summed
// wall time of `kubectl kustomize <root>` over the same roots, measured in the same run.

import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { bundleChild } from './child.js';

const REPO = path.resolve(__dirname, '..');
const CORPUS = path.join(REPO, 'test', 'corpus', 'realworld');
const run = promisify(execFile);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

export async function kustomizeBenchmark(rounds = 5): Promise<void> {
  const child = await bundleChild('kustomizeChild');
  const all = files(CORPUS);
  const ours: number[] = [];
  const kubectl: number[] = [];
  let roots: { folder: string; images: string[] }[] = [];
  // Interleaved rounds: the machine is shared and noisy, so medians of alternating runs.
  for (let round = 0; round < rounds; round++) {
    const shipshape = await timed(() => run(process.execPath, [child, ...all], { maxBuffer: 64 * 1024 * 1024 }));
    roots = JSON.parse(shipshape.value.stdout) as typeof roots;
    ours.push(shipshape.ms);
    let sum = 0;
    for (const root of roots) {
      try {
        sum += (await timed(() => run('kubectl', ['kustomize', root.folder], { maxBuffer: 64 * 1024 * 1024 }))).ms;
      } catch (error) {
        console.log(`kustomize roots: skipped (kubectl kustomize failed: ${(error as Error).message.split('\n')[0]})`);
        return;
      }
    }
    kubectl.push(sum);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const [mine, theirs] = [median(ours), median(kubectl)];
  const images = roots.reduce((n, r) => n + r.images.length, 0);
  console.log(
    `effective images of ${roots.length} Kustomize roots (${images} images): ${(mine / theirs).toFixed(2)}x baseline ` +
      `(kubectl kustomize over each root, summed, ${theirs.toFixed(0)} ms; Shipshape in one process ${mine.toFixed(0)} ms; target <= 0.5x)`,
  );
}
