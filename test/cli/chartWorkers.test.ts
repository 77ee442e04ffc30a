// Charts rendered on worker threads (src/core/project/helm/workers.ts), as the CLI renders several:
// the same projects as on the main thread, for every chart of the corpus; a worker that dies fails
// its own chart only; the built CLI renders through its bundled worker with the same report.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { esmBuilds } from '../../scripts/bundles.mjs';
import { analyzeChart } from '../../src/core/project/helm/chart.js';
import { chartWorkers, type ChartJob, type ChartRenderer } from '../../src/core/project/helm/workers.js';
import { diskFiles } from '../../src/core/project/files.js';
import type { ChartProject } from '../../src/core/project/types.js';
import { analyzeProject } from '../../src/core/project/index.js';
import { scanPaths } from '../../src/core/workspace/scan.js';
import { runCli } from '../support/cli.js';

const ROOT = path.resolve(__dirname, '..', '..');
const CHARTS = path.join(ROOT, 'test', 'corpus', 'charts');
const FOREVER = Number.POSITIVE_INFINITY;

/** The chart folders of the corpus (a folder with a Chart.yaml, not below another chart). */
function chartFolders(dir = CHARTS): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && e.name === 'Chart.yaml')) return [dir];
  return entries.filter((e) => e.isDirectory() && e.name !== 'values').flatMap((e) => chartFolders(path.join(dir, e.name)));
}

/** Every file below the folders (what a scan of them hands the project analysis). */
function filesBelow(folders: readonly string[]): string[] {
  return folders.flatMap((folder) =>
    readdirSync(folder, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name)),
  );
}

let temp: string;
let script: string;

before(async () => {
  temp = mkdtempSync(path.join(os.tmpdir(), 'shipshape-chart-workers-'));
  script = path.join(temp, 'chartWorker.js');
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'src', 'core', 'project', 'helm', 'chartWorker.ts')],
    outfile: script,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    plugins: [esmBuilds],
  });
});

after(() => rmSync(temp, { recursive: true, force: true }));

describe('charts on worker threads', () => {
  test('every corpus chart gives on a worker the project it gives on the main thread', async () => {
    const charts = chartFolders();
    assert.ok(charts.length >= 10, `the corpus has its charts (${charts.length})`);
    const workers = chartWorkers(script, 2);
    try {
      const onWorkers = await Promise.all(charts.map((chart) => workers.render({ chart, timeBudget: FOREVER })));
      for (const [i, chart] of charts.entries()) {
        const here = await analyzeChart(chart, diskFiles(), { timeBudget: FOREVER });
        assert.deepStrictEqual(onWorkers[i], here, path.relative(CHARTS, chart));
      }
      assert.ok(
        onWorkers.some((project) => project.images.length > 0 && (project.containers?.length ?? 0) > 0),
        'the charts render images and containers',
      );
    } finally {
      await workers.close();
    }
  });

  test('values files and --set cross to the worker', async () => {
    const chart = path.join(CHARTS, 'postgresql');
    const job: ChartJob = {
      chart,
      valuesFiles: [path.join(CHARTS, 'values', 'postgresql', 'digest.yaml')],
      set: ['image.tag=17.0.0'],
      timeBudget: FOREVER,
    };
    const workers = chartWorkers(script, 1);
    try {
      const there = await workers.render(job);
      const { chart: folder, ...options } = job;
      const here = await analyzeChart(folder, diskFiles(), options);
      assert.deepStrictEqual(there, here);
      const plain = await analyzeChart(folder, diskFiles(), { timeBudget: FOREVER });
      assert.notDeepStrictEqual(
        there.images.map((i) => i.reference),
        plain.images.map((i) => i.reference),
        'the values changed what renders',
      );
    } finally {
      await workers.close();
    }
  });

  test('a project analysis renders its charts on the workers, with the same analysis as without', async () => {
    const folders = ['grafana', 'redis', 'cert-manager'].map((name) => path.join(CHARTS, name));
    const files = filesBelow(folders);
    const workers = chartWorkers(script, 2);
    const asked: string[] = [];
    const counting: ChartRenderer = (job) => {
      asked.push(job.chart);
      return workers.render(job);
    };
    try {
      const there = await analyzeProject(files, diskFiles(), {}, { chartWorkers: counting });
      const here = await analyzeProject(files, diskFiles(), {});
      assert.deepEqual([...asked].sort(), [...folders].sort(), 'each chart was sent to a worker once');
      assert.deepStrictEqual(there.images, here.images);
      assert.deepStrictEqual(there.findings, here.findings);
      assert.deepStrictEqual(there.errors, here.errors);
      assert.deepStrictEqual(there.notes, here.notes);
      assert.deepStrictEqual(there.charts, here.charts);
      assert.ok(there.images.size > 0);
    } finally {
      await workers.close();
    }
  });

  test('one chart is rendered on the main thread: no worker is asked', async () => {
    const folder = path.join(CHARTS, 'grafana');
    const asked: string[] = [];
    const refusing: ChartRenderer = (job) => {
      asked.push(job.chart);
      return Promise.reject(new Error('not expected'));
    };
    const analysis = await analyzeProject(filesBelow([folder]), diskFiles(), {}, { chartWorkers: refusing });
    assert.deepEqual(asked, []);
    assert.ok(analysis.images.size > 0);
  });

  test('a chart whose engine throws fails the analysis on the workers as on the main thread', async () => {
    const folders = ['grafana', 'redis'].map((name) => path.join(CHARTS, name));
    const workers = chartWorkers(script, 1);
    const failing: ChartRenderer = (job) =>
      job.chart.endsWith('redis') ? Promise.reject(new Error('the engine broke on redis')) : workers.render(job);
    try {
      await assert.rejects(analyzeProject(filesBelow(folders), diskFiles(), {}, { chartWorkers: failing }), /the engine broke on redis/);
    } finally {
      await workers.close();
    }
  });
});

describe('the worker pool', () => {
  /** A stand-in worker (the pool's behaviour, not the engine's): dies on a chart named `crash`, else answers with its thread. */
  const standIn = (): string => {
    const file = path.join(temp, 'standIn.js');
    writeFileSync(
      file,
      `const { parentPort, threadId } = require('node:worker_threads');
parentPort.on('message', ({ id, job }) => {
  if (job.chart === 'crash') process.exit(3);
  setTimeout(() => parentPort.postMessage({ id, project: { chart: job.chart, images: [], notes: [String(threadId)], errors: [] } }), 20);
});
`,
    );
    return file;
  };

  test('at most `size` threads; a thread that dies fails only its chart, and the next chart gets a new thread', async () => {
    const workers = chartWorkers(standIn(), 2);
    try {
      const charts = ['a', 'b', 'crash', 'c', 'd', 'e'];
      const outcomes = await Promise.allSettled(charts.map((chart) => workers.render({ chart })));
      const crashed = outcomes[2]!;
      assert.equal(crashed.status, 'rejected');
      assert.match(crashed.reason.message, /the chart crash could not be rendered: its worker thread stopped \(exit code 3\)/);
      const answered = outcomes.filter((o): o is PromiseFulfilledResult<ChartProject> => o.status === 'fulfilled');
      assert.deepEqual(
        answered.map((o) => o.value.chart),
        ['a', 'b', 'c', 'd', 'e'],
      );
      // Two threads at a time: the first two, then the one that replaced the thread that died.
      const threads = new Set(answered.map((o) => o.value.notes[0]));
      assert.ok(threads.size >= 2 && threads.size <= 3, `threads used: ${[...threads].join(', ')}`);
    } finally {
      await workers.close();
    }
  });

  test('jobs asked together start heaviest first (a big chart does not start last), ties in the order asked', async () => {
    const workers = chartWorkers(standIn(), 1);
    const done: string[] = [];
    try {
      const weights: [string, number][] = [
        ['small', 3],
        ['tie-a', 10],
        ['big', 400],
        ['tie-b', 10],
      ];
      await Promise.all(weights.map(([chart, weight]) => workers.render({ chart }, weight).then(() => done.push(chart))));
      assert.deepEqual(done, ['big', 'tie-a', 'tie-b', 'small']);
    } finally {
      await workers.close();
    }
  });

  test('close rejects what still waits, and nothing is taken after', async () => {
    const workers = chartWorkers(standIn(), 1);
    // The one running and the one waiting.
    const rejected = [workers.render({ chart: 'a' }), workers.render({ chart: 'b' })].map((job) =>
      assert.rejects(job, /the chart workers are closed/),
    );
    await workers.close();
    await Promise.all(rejected);
    await assert.rejects(workers.render({ chart: 'c' }), /the chart workers are closed/);
  });
});

describe('scans', () => {
  test('a scan of several charts with the chart worker reports what it reports without', async () => {
    const folders = ['grafana', 'ingress-nginx', 'argo-cd'].map((name) => path.join(CHARTS, name));
    const options = { analyze: { helm: { set: ['global.imageRegistry=registry.example'] } } };
    const there = await scanPaths(folders, { ...options, chartWorker: script });
    const here = await scanPaths(folders, options);
    assert.deepStrictEqual(there, here);
    assert.ok(here.files.length > 0);
  });

  test('the built CLI renders charts through its bundled worker, with the report of the in-process CLI', async () => {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
    const cli = path.join(ROOT, 'dist', 'cli.js');
    const folders = ['grafana', 'redis'].map((name) => path.join(CHARTS, name));
    const args = ['scan', '--offline', '--format', 'json', ...folders];
    const built = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, SHIPSHAPE_DATE: '2021-06-01' } });
    const inProcess = await runCli(args);
    assert.equal(built.status, inProcess.code, built.stderr);
    assert.deepEqual(JSON.parse(built.stdout), JSON.parse(inProcess.stdout));
    assert.ok(readdirSync(path.dirname(cli)).includes('chartWorker.js'), 'dist/ holds the chart worker');
  });
});
