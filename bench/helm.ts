// Helm benchmark: the images of every chart of test/corpus/charts with its default values, in one
// Shipshape process (Node's start-up included; charts on worker threads, as the CLI renders them), against the summed wall time of the real
// `helm template` (the one scripts/tools.mjs builds) over the same charts, measured in the same run.

import { execFile, execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { bundleChild } from './child.js';

const REPO = path.resolve(__dirname, '..');
const CHARTS = path.join(REPO, 'test', 'corpus', 'charts');
const run = promisify(execFile);

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

export async function helmBenchmark(rounds = 5): Promise<void> {
  let helm: string;
  let charts: string[];
  try {
    helm = execFileSync(process.execPath, [path.join(REPO, 'scripts', 'tools.mjs'), 'which', 'helm'], { encoding: 'utf8' }).trim();
    const goldens = (await import(path.join(REPO, 'scripts', 'helm-goldens.mjs'))) as { chartFolders: () => string[] };
    charts = goldens.chartFolders().map((chart) => path.join(CHARTS, chart));
  } catch (error) {
    console.log(`helm charts: skipped (no helm: ${(error as Error).message.split('\n')[0]})`);
    return;
  }
  const child = await bundleChild('helmChild');
  // Beside it, the worker thread the CLI renders charts on.
  await bundleChild('chartWorker', path.join('src', 'core', 'project', 'helm', 'chartWorker.ts'));
  const env = {
    ...process.env,
    HELM_CACHE_HOME: '/nonexistent',
    HELM_REPOSITORY_CONFIG: '/nonexistent',
    HELM_REGISTRY_CONFIG: '/nonexistent',
  };
  const ours: number[] = [];
  const theirs: number[] = [];
  let images = 0;
  // Interleaved rounds: the machine is shared and noisy, so medians of alternating runs.
  for (let round = 0; round < rounds; round++) {
    const shipshape = await timed(() => run(process.execPath, [child, ...charts], { maxBuffer: 64 * 1024 * 1024 }));
    images = (JSON.parse(shipshape.value.stdout) as { images: unknown[] }[]).reduce((n, c) => n + c.images.length, 0);
    ours.push(shipshape.ms);
    let sum = 0;
    for (const chart of charts) {
      // A chart may refuse its defaults (opentelemetry-collector's `fail` asks for a value): helm
      // has rendered every template by then, so its time still counts, as Shipshape's does.
      const template = () =>
        run(helm, ['template', 'release-name', chart], { env, maxBuffer: 256 * 1024 * 1024 }).catch((error: { code?: unknown }) => {
          if (typeof error.code !== 'number') throw error;
        });
      sum += (await timed(template)).ms;
    }
    theirs.push(sum);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const [mine, real] = [median(ours), median(theirs)];
  console.log(
    `images of ${charts.length} Helm charts (${images} active images): ${(mine / real).toFixed(2)}x baseline ` +
      `(helm template over each chart, summed, ${real.toFixed(0)} ms; Shipshape in one process ${mine.toFixed(0)} ms; target <= 0.5x)`,
  );
}
