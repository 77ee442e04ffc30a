// Where the CLI's chart worker thread is: bundled beside the CLI as dist/chartWorker.js (see
// esbuild.config.mjs). Run from the sources (the tests' in-process CLI) there is none, and charts
// render one after the other on the main thread, with the same results.

import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The chart worker's script beside the running CLI, or undefined when there is none. */
export function chartWorkerScript(): string | undefined {
  const script = path.join(__dirname, 'chartWorker.js');
  return existsSync(script) ? script : undefined;
}

/** The scan option naming the chart worker, when there is one. */
export function withChartWorker(): { chartWorker?: string } {
  const script = chartWorkerScript();
  return script ? { chartWorker: script } : {};
}
