// Charts rendered on worker threads. A repository with many charts (a platform team's catalogue, a
// monorepo) renders them side by side, one chart per thread at a time, instead of one after the
// other on the scan's thread. Only for charts read from the disk with options that are plain data
// (the worker reads the disk itself); what a chart yields is plain data too, sent back as it is.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ChartProject } from '../types.js';

/** What a worker is asked: the options of `analyzeChart` that can cross to another thread. */
export interface ChartJob {
  readonly chart: string;
  readonly timeBudget?: number;
  readonly valuesFiles?: readonly string[];
  readonly set?: readonly string[];
}

/**
 * Renders one chart from the disk; rejects when the chart's engine threw (as `analyzeChart` would)
 * or the worker stopped. `weight` (the chart's file count, say) orders the jobs asked together:
 * the heaviest start first, so that the last to finish is not a big chart started last.
 */
export type ChartRenderer = (job: ChartJob, weight?: number) => Promise<ChartProject>;

export interface ChartWorkers {
  readonly render: ChartRenderer;
  /** Stops the threads (jobs still waiting are rejected). */
  close(): Promise<void>;
}

type Reply = { readonly id: number; readonly project: ChartProject } | { readonly id: number; readonly error: string };

interface Pending {
  readonly id: number;
  readonly job: ChartJob;
  readonly weight: number;
  resolve(project: ChartProject): void;
  reject(error: Error): void;
}

interface Thread {
  readonly worker: Worker;
  job?: Pending | undefined;
}

/**
 * A pool of at most `size` threads running `script` (the bundled `chartWorker.js`), started when
 * jobs come and only as many as are waiting. Idle threads do not keep the process alive.
 */
export function chartWorkers(script: string, size = availableParallelism()): ChartWorkers {
  const queue: Pending[] = [];
  const threads: Thread[] = [];
  let next = 0;
  let closed = false;
  let scheduled = false;

  // Jobs asked in one turn are weighed together: dispatched on the next microtask, heaviest first.
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      queue.sort((a, b) => b.weight - a.weight || a.id - b.id);
      dispatch();
    });
  };

  const dispatch = (): void => {
    for (const thread of threads) {
      if (thread.job || queue.length === 0) continue;
      run(thread, queue.shift()!);
    }
    while (queue.length > 0 && threads.length < Math.max(1, size)) run(start(), queue.shift()!);
  };

  const run = (thread: Thread, job: Pending): void => {
    thread.job = job;
    thread.worker.ref();
    thread.worker.postMessage({ id: job.id, job: job.job });
  };

  const start = (): Thread => {
    const thread: Thread = { worker: new Worker(script) };
    thread.worker.on('message', (reply: Reply) => {
      const job = thread.job;
      if (!job || job.id !== reply.id) return;
      thread.job = undefined;
      thread.worker.unref();
      if ('error' in reply) job.reject(new Error(reply.error));
      else job.resolve(reply.project);
      dispatch();
    });
    const stopped = (error: Error): void => {
      threads.splice(threads.indexOf(thread), 1);
      const job = thread.job;
      thread.job = undefined;
      job?.reject(new Error(`the chart ${job.job.chart} could not be rendered: its worker thread stopped (${error.message})`));
      if (!closed) dispatch();
    };
    thread.worker.on('error', stopped);
    thread.worker.on('exit', (code) => {
      if (threads.includes(thread)) stopped(new Error(`exit code ${code}`));
    });
    threads.push(thread);
    return thread;
  };

  return {
    render(job, weight = 0) {
      if (closed) return Promise.reject(new Error('the chart workers are closed'));
      return new Promise<ChartProject>((resolve, reject) => {
        queue.push({ id: next++, job, weight, resolve, reject });
        schedule();
      });
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(new Error('the chart workers are closed'));
      const stopping = threads.splice(0).map((thread) => {
        thread.job?.reject(new Error('the chart workers are closed'));
        return thread.worker.terminate();
      });
      await Promise.all(stopping);
    },
  };
}
