// The entry of a chart worker thread (bundled as dist/chartWorker.js; see workers.ts): renders the
// charts it is sent, one at a time, reading the disk through one cache for its life.

import { parentPort } from 'node:worker_threads';
import { diskFiles } from '../files.js';
import { analyzeChart } from './chart.js';
import type { ChartJob } from './workers.js';

const files = diskFiles();

parentPort?.on('message', ({ id, job }: { id: number; job: ChartJob }) => {
  const { chart, ...options } = job;
  analyzeChart(chart, files, options).then(
    (project) => parentPort?.postMessage({ id, project }),
    (error: unknown) => parentPort?.postMessage({ id, error: error instanceof Error ? error.message : String(error) }),
  );
});
