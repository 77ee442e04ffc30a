// The fuzz harness: makes inputs from a seed, checks each in a worker thread under a time bound,
// and records crashes, hangs and mismatches with a reproducer for each under `.fuzz/`.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DEFAULT_SETTINGS, loadSeeds, makeInput, type FuzzInput, type GenerateSettings } from './inputs.js';
import type { WorkerReply } from './worker.js';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const DEFAULT_SEED = 1;
export const DEFAULT_INPUTS = 400;
export const DEFAULT_TIMEOUT_MS = 2000;
/** What a call may take per MiB of input on top of `timeoutMs`: generous, as parsing large texts is slow (see the slow calls). */
export const DEFAULT_MS_PER_MIB = 15_000;

export interface FuzzRunOptions {
  readonly seed?: number;
  /** Stop after this many inputs (default `DEFAULT_INPUTS` when `seconds` is not given either). */
  readonly inputs?: number;
  /** Stop starting new inputs after this many seconds. */
  readonly seconds?: number;
  /** Worker threads checking inputs side by side (default 1). */
  readonly workers?: number;
  /** Largest generated huge manifest, in bytes. */
  readonly hugeBytes?: number;
  /** Length of the single-line inputs, in characters. */
  readonly longLineBytes?: number;
  /** The time bound of each call into the core (an analysis, an update, a fix) for an ordinary input, in ms (default 2000)… */
  readonly timeoutMs?: number;
  /** …plus this much per MiB of input (default 15000). */
  readonly msPerMiB?: number;
  /** Heap limit of a worker, in MiB: an input that needs more is a crash (out of memory). */
  readonly maxHeapMiB?: number;
  /** Where reproducers are saved (default `.fuzz/` in the repository). */
  readonly reproDir?: string;
  /** Check only these inputs of the round. */
  readonly only?: readonly number[];
  /** Check these inputs instead of generated ones (a replay). */
  readonly replay?: readonly FuzzInput[];
  readonly log?: (line: string) => void;
}

export type FailureKind = 'crash' | 'hang' | 'mismatch' | 'bad-range';

export interface InputTiming {
  readonly index: number;
  readonly mutation: string;
  readonly detail: string;
  readonly bytes: number;
  readonly ms: number;
  readonly phases: Readonly<Record<string, number>>;
}

export interface Failure {
  readonly kind: FailureKind;
  readonly index: number;
  readonly mutation: string;
  readonly detail: string;
  readonly bytes: number;
  readonly ms: number;
  readonly boundMs: number;
  readonly phase?: string;
  readonly message: string;
  readonly details?: string;
  /** The saved reproducer (JSON with the exact text, the seed and the index). */
  readonly reproducer: string;
}

/** One call into the core that took longer than the base bound (`timeoutMs`), though within its size-scaled bound. */
export interface SlowCall {
  readonly index: number;
  readonly mutation: string;
  readonly detail: string;
  readonly bytes: number;
  readonly operation: string;
  readonly ms: number;
}

export interface FuzzSummary {
  readonly seed: number;
  readonly inputsRun: number;
  readonly elapsedMs: number;
  readonly failures: readonly Failure[];
  readonly crashes: number;
  readonly hangs: number;
  readonly mismatches: number;
  readonly badRanges: number;
  readonly slowest?: InputTiming;
  /** The largest inputs checked, with their timings per phase. */
  readonly largest: readonly InputTiming[];
  /** The slowest inputs under 256 KiB, where size explains little. */
  readonly slowestSmall: readonly InputTiming[];
  /** Calls slower than `timeoutMs` (allowed for large inputs, but worth knowing), slowest first. */
  readonly slowCalls: readonly SlowCall[];
  readonly byMutation: Readonly<Record<string, { readonly count: number; readonly totalMs: number; readonly maxMs: number }>>;
}

/** What a saved reproducer holds. */
export interface Reproducer extends FuzzInput {
  readonly seed: number;
  readonly kind: FailureKind;
  readonly phase?: string;
  readonly message: string;
  readonly details?: string;
  readonly bytes: number;
  readonly ms: number;
  readonly boundMs: number;
}

const SMALL = 256 * 1024;

/** How many per-call bounds one input may take in all (it makes a few dozen calls). */
const INPUT_BOUNDS = 20;

/** The time bound of one call into the core for an input: `timeoutMs`, plus `msPerMiB` per MiB of text. */
export function boundFor(input: FuzzInput, timeoutMs: number, msPerMiB: number): number {
  return Math.round(timeoutMs + (msPerMiB * input.text.length) / (1024 * 1024));
}

const WORKER_FILE = path.join(__dirname, 'worker.ts');

function startWorker(maxHeapMiB: number): Worker {
  // Workers do not inherit `--import tsx`: register tsx's require hook, then load the worker.
  const tsx = require.resolve('tsx/cjs');
  const bootstrap = `require(${JSON.stringify(tsx)}); require(${JSON.stringify(WORKER_FILE)});`;
  // A 1 MiB stack, about what the extension host's and the CLI's main threads have.
  return new Worker(bootstrap, {
    eval: true,
    resourceLimits: { maxOldGenerationSizeMb: maxHeapMiB, stackSizeMb: 1 },
    stdout: false,
    stderr: false,
  });
}

export async function runFuzz(options: FuzzRunOptions = {}): Promise<FuzzSummary> {
  const seed = options.seed ?? DEFAULT_SEED;
  const settings: GenerateSettings = {
    hugeBytes: options.hugeBytes ?? DEFAULT_SETTINGS.hugeBytes,
    longLineBytes: options.longLineBytes ?? DEFAULT_SETTINGS.longLineBytes,
  };
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const msPerMiB = options.msPerMiB ?? DEFAULT_MS_PER_MIB;
  const maxHeapMiB = options.maxHeapMiB ?? 2048;
  const reproDir = options.reproDir ?? path.join(REPO_ROOT, '.fuzz');
  const log = options.log ?? (() => {});
  const limit =
    options.replay?.length ?? options.only?.length ?? options.inputs ?? (options.seconds === undefined ? DEFAULT_INPUTS : Infinity);
  const deadline = options.seconds === undefined ? Infinity : Date.now() + options.seconds * 1000;
  const seeds = options.replay ? [] : loadSeeds(REPO_ROOT);

  const started = performance.now();
  const failures: Failure[] = [];
  const timings: InputTiming[] = [];
  const slowCalls: SlowCall[] = [];
  const byMutation: Record<string, { count: number; totalMs: number; maxMs: number }> = {};
  let issued = 0;
  let finished = 0;
  let lastLog = Date.now();

  const nextInput = (): FuzzInput | undefined => {
    if (issued >= limit || Date.now() >= deadline) return undefined;
    const position = issued++;
    if (options.replay) return options.replay[position];
    return makeInput(seeds, seed, options.only ? options.only[position]! : position, settings);
  };

  const save = (input: FuzzInput, failure: Omit<Failure, 'reproducer'>): string => {
    mkdirSync(reproDir, { recursive: true });
    const base = path.join(reproDir, `seed${seed}-input${input.index}-${failure.kind}`);
    const reproducer: Reproducer = {
      ...input,
      seed,
      kind: failure.kind,
      message: failure.message,
      bytes: failure.bytes,
      ms: failure.ms,
      boundMs: failure.boundMs,
      ...(failure.phase !== undefined && { phase: failure.phase }),
      ...(failure.details !== undefined && { details: failure.details }),
    };
    // JSON keeps the text exactly (lone surrogates too); the raw file is for reading and editors.
    writeFileSync(`${base}.json`, JSON.stringify(reproducer, null, 2));
    writeFileSync(`${base}.input`, input.text);
    return `${base}.json`;
  };

  const record = (input: FuzzInput, ms: number, phases: Record<string, number>) => {
    const timing: InputTiming = {
      index: input.index,
      mutation: input.mutation,
      detail: input.detail,
      bytes: input.text.length,
      ms,
      phases,
    };
    timings.push(timing);
    const entry = (byMutation[input.mutation] ??= { count: 0, totalMs: 0, maxMs: 0 });
    entry.count++;
    entry.totalMs += ms;
    entry.maxMs = Math.max(entry.maxMs, ms);
  };

  const fail = (input: FuzzInput, kind: FailureKind, ms: number, boundMs: number, message: string, phase?: string, details?: string) => {
    const failure = {
      kind,
      index: input.index,
      mutation: input.mutation,
      detail: input.detail,
      bytes: input.text.length,
      ms,
      boundMs,
      message,
      ...(phase !== undefined && { phase }),
      ...(details !== undefined && { details }),
    };
    const reproducer = save(input, failure);
    failures.push({ ...failure, reproducer });
    log(`${kind.toUpperCase()} input ${input.index} (${input.mutation}: ${input.detail}): ${message}\n  reproducer: ${reproducer}`);
  };

  const progress = () => {
    finished++;
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      log(`… ${finished} inputs checked, ${failures.length} failures`);
    }
  };

  await new Promise<void>((resolve, reject) => {
    const workers = Math.max(1, options.workers ?? 1);
    let running = 0;

    const slot = () => {
      const worker = startWorker(maxHeapMiB);
      running++;
      let current:
        | { input: FuzzInput; started: number; boundMs: number; operation: string; operationStarted: number; timer: NodeJS.Timeout }
        | undefined;
      let retired = false;

      // The call that was running is over: note it when it was slow.
      const closeOperation = () => {
        if (!current) return;
        const ms = performance.now() - current.operationStarted;
        if (ms > timeoutMs) {
          const { input } = current;
          slowCalls.push({
            index: input.index,
            mutation: input.mutation,
            detail: input.detail,
            bytes: input.text.length,
            operation: current.operation,
            ms,
          });
        }
      };

      const retire = () => {
        retired = true;
        running--;
        worker.removeAllListeners();
        worker.on('error', () => {});
        void worker.terminate();
      };

      const dispatch = () => {
        const input = nextInput();
        if (!input) {
          retire();
          if (running === 0) resolve();
          return;
        }
        const boundMs = boundFor(input, timeoutMs, msPerMiB);
        const now = performance.now();
        current = { input, started: now, boundMs, operation: 'starting', operationStarted: now, timer: watch(input, boundMs) };
        worker.postMessage(input);
      };

      // Each call into the core gets the bound on its own; the input as a whole, INPUT_BOUNDS times it.
      const watch = (input: FuzzInput, ms: number) =>
        setTimeout(() => {
          if (retired || current?.input !== input) return;
          const { started, boundMs, operation, operationStarted } = current;
          const total = performance.now() - started;
          const spent = performance.now() - operationStarted;
          current = undefined;
          record(input, total, {});
          const what =
            spent >= boundMs
              ? `"${operation}" still running after ${Math.round(spent)} ms (bound ${boundMs} ms per call)`
              : `the input still running after ${Math.round(total)} ms (bound ${INPUT_BOUNDS} x ${boundMs} ms), in "${operation}"`;
          fail(input, 'hang', total, boundMs, `${what}: the worker was stopped`, operation);
          progress();
          retire();
          slot(); // a fresh worker takes over
        }, ms);

      // The worker itself died (out of memory, a native crash): a crash of the input it had.
      const died = (message: string) => {
        if (retired) return;
        if (current) {
          const { input, started: at, boundMs, timer } = current;
          clearTimeout(timer);
          current = undefined;
          const ms = performance.now() - at;
          record(input, ms, {});
          fail(input, 'crash', ms, boundMs, message, 'worker');
          progress();
          retire();
          slot();
        } else {
          retire();
          reject(new Error(`fuzz: a worker failed before checking anything: ${message}`));
        }
      };

      worker.on('message', (reply: WorkerReply) => {
        if (retired) return;
        if (reply.type === 'ready') return dispatch();
        if (!current || current.input.index !== reply.index) return;
        if (reply.type === 'operation') {
          closeOperation();
          const now = performance.now();
          const left = current.started + INPUT_BOUNDS * current.boundMs - now;
          clearTimeout(current.timer);
          current.operation = reply.name;
          current.operationStarted = now;
          current.timer = watch(current.input, Math.max(0, Math.min(current.boundMs, left)));
          return;
        }
        closeOperation();
        const { input, boundMs, timer } = current;
        clearTimeout(timer);
        current = undefined;
        if (reply.type === 'done') {
          record(input, reply.ms, reply.phases);
        } else {
          record(input, reply.ms, {});
          fail(input, reply.kind as FailureKind, reply.ms, boundMs, reply.message, reply.phase, reply.details);
        }
        progress();
        dispatch();
      });
      worker.on('error', (error) =>
        died(
          `the worker died: ${error instanceof Error ? `${(error as NodeJS.ErrnoException).code ?? error.name}: ${error.message}` : String(error)}`,
        ),
      );
      worker.on('exit', (code) => died(`the worker exited with code ${code}`));
    };

    for (let i = 0; i < workers; i++) slot();
  });

  const count = (kind: FailureKind) => failures.filter((f) => f.kind === kind).length;
  const slowest = timings.reduce<InputTiming | undefined>((a, b) => (a === undefined || b.ms > a.ms ? b : a), undefined);
  const largest = [...timings].sort((a, b) => b.bytes - a.bytes).slice(0, 6);
  const slowestSmall = timings
    .filter((t) => t.bytes < SMALL)
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 5);
  return {
    seed,
    inputsRun: finished,
    elapsedMs: performance.now() - started,
    failures,
    crashes: count('crash'),
    hangs: count('hang'),
    mismatches: count('mismatch'),
    badRanges: count('bad-range'),
    ...(slowest && { slowest }),
    largest,
    slowestSmall,
    byMutation,
    slowCalls: slowCalls.sort((a, b) => b.ms - a.ms),
  };
}

/** Reads a saved reproducer back as an input to check again. */
export function readReproducer(file: string): Reproducer {
  return JSON.parse(readFileSync(file, 'utf8')) as Reproducer;
}

// ---------------------------------------------------------------------------------------------
// Printing

const mib = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`;

function phasesText(phases: Readonly<Record<string, number>>): string {
  return Object.entries(phases)
    .filter(([, ms]) => ms >= 0.5)
    .map(([name, ms]) => `${name} ${Math.round(ms)}`)
    .join(', ');
}

export function describeTiming(t: InputTiming): string {
  const phases = phasesText(t.phases);
  return `input ${t.index} ${t.mutation} (${t.detail}; ${mib(t.bytes)}): ${Math.round(t.ms)} ms${phases ? ` [${phases} ms]` : ''}`;
}

export function formatSummary(summary: FuzzSummary): string {
  const lines = [
    `fuzz: seed ${summary.seed}, ${summary.inputsRun} inputs in ${(summary.elapsedMs / 1000).toFixed(1)} s`,
    `crashes: ${summary.crashes}, hangs: ${summary.hangs}, incremental mismatches: ${summary.mismatches}, ranges outside the text: ${summary.badRanges}`,
  ];
  if (summary.slowest) lines.push(`slowest: ${describeTiming(summary.slowest)}`);
  lines.push('largest inputs:');
  for (const t of summary.largest) lines.push(`  ${describeTiming(t)}`);
  lines.push('slowest inputs under 256 KiB:');
  for (const t of summary.slowestSmall) lines.push(`  ${describeTiming(t)}`);
  if (summary.slowCalls.length > 0) {
    lines.push(`slow calls (over the base bound, within the bound scaled by size): ${summary.slowCalls.length}`);
    for (const c of summary.slowCalls.slice(0, 10)) {
      lines.push(`  ${Math.round(c.ms)} ms in "${c.operation}" for input ${c.index} ${c.mutation} (${c.detail}; ${mib(c.bytes)})`);
    }
  }
  lines.push('by mutation (inputs, mean ms, max ms):');
  for (const [name, s] of Object.entries(summary.byMutation).sort((a, b) => a[0].localeCompare(b[0]))) {
    lines.push(
      `  ${name.padEnd(18)} ${String(s.count).padStart(6)} ${(s.totalMs / s.count).toFixed(1).padStart(9)} ${Math.round(s.maxMs).toString().padStart(8)}`,
    );
  }
  for (const f of summary.failures) {
    lines.push(`${f.kind.toUpperCase()} input ${f.index} (${f.mutation}: ${f.detail}; ${mib(f.bytes)}) in ${f.phase ?? '?'}: ${f.message}`);
    lines.push(
      `  reproducer: ${path.relative(process.cwd(), f.reproducer)}; replay: npm run fuzz -- --replay ${path.relative(process.cwd(), f.reproducer)}`,
    );
  }
  return lines.join('\n');
}
