// The fuzz worker: checks the inputs the harness sends, one at a time, and says how each went.
// It runs in a worker thread so that the harness can stop it when an input hangs.

import { parentPort } from 'node:worker_threads';
import { CheckFailure, checkInput } from './check.js';
import { checkProject } from './project.js';
import type { FuzzInput } from './inputs.js';

export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'operation'; readonly index: number; readonly name: string }
  | {
      readonly type: 'done';
      readonly index: number;
      readonly ms: number;
      readonly phases: Record<string, number>;
      readonly images: number;
      readonly findings: number;
      readonly errors: number;
    }
  | {
      readonly type: 'failed';
      readonly index: number;
      readonly ms: number;
      readonly kind: string;
      readonly phase: string;
      readonly message: string;
      readonly details?: string;
    };

const port = parentPort;
if (!port) throw new Error('fuzz/worker.ts runs in a worker thread');

port.on('message', (input: FuzzInput) => void check(input));

async function check(input: FuzzInput): Promise<void> {
  const started = performance.now();
  const operation = (name: string) => port!.postMessage({ type: 'operation', index: input.index, name } satisfies WorkerReply);
  let reply: WorkerReply;
  try {
    const result = checkInput(input, operation);
    let { images, errors } = result;
    if (input.files) {
      // Several files: project analysis, each root and chart within its time budget.
      const projectStarted = performance.now();
      const project = await checkProject(input.files, operation).catch((error: unknown) => {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new CheckFailure('crash', 'project', message, error instanceof Error ? error.stack : undefined, error);
      });
      result.phases['project'] = performance.now() - projectStarted;
      images += project.images;
      errors += project.errors;
    }
    reply = {
      type: 'done',
      index: input.index,
      ms: performance.now() - started,
      phases: result.phases,
      images,
      findings: result.findings,
      errors,
    };
  } catch (error) {
    // Reported, never swallowed: the harness counts it as a crash (or a mismatch) and saves the input.
    const failure = error instanceof CheckFailure ? error : undefined;
    const message = failure?.message ?? (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    const details = failure ? failure.details : error instanceof Error ? error.stack : undefined;
    reply = {
      type: 'failed',
      index: input.index,
      ms: performance.now() - started,
      kind: failure?.kind ?? 'crash',
      phase: failure?.phase ?? 'harness',
      message,
      ...(details !== undefined && { details }),
    };
  }
  port!.postMessage(reply);
}

port.postMessage({ type: 'ready' } satisfies WorkerReply);
