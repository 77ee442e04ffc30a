// The time one kustomization root or one chart may take. The engines bound what they read (files,
// nodes, steps), but a project can still multiply work (a base included through ever more
// overlays, templates that include each other): when a root's budget is spent its analysis stops
// with an error entry, and the other roots go on. The engines check it in their loops, and the
// asynchronous ones let the event loop run now and then, so that the editor stays responsive.

import { setImmediate as nextTurn } from 'node:timers/promises';

/** Seconds one kustomization root or one chart may take by default. */
export const DEFAULT_TIME_BUDGET = 5;

/** How often (ms) a long analysis lets other work run (the editor's events) when it can. */
const SLICE_MS = 25;

export interface BudgetOptions {
  /** Seconds each kustomization root and each chart may take (default 5); `Infinity` for no bound. */
  readonly timeBudget?: number;
  /** Milliseconds from some origin, as `performance.now()` (tests count calls with it instead of timing). */
  readonly clock?: () => number;
}

/** Thrown when a budget is spent: the engine stops, its caller turns it into an error entry. */
export class BudgetSpent extends Error {
  constructor(readonly seconds: number) {
    super(`analysis stopped after ${seconds} s`);
  }
}

export class Budget {
  private readonly clock: () => number;
  private end: number;
  private lastTurn: number;

  private constructor(
    readonly seconds: number,
    clock: () => number,
  ) {
    this.clock = clock;
    const now = clock();
    this.end = now + seconds * 1000;
    this.lastTurn = now;
  }

  /** A budget starting now; the options are checked here, where they enter. */
  static start(options: BudgetOptions = {}): Budget {
    const seconds = options.timeBudget ?? DEFAULT_TIME_BUDGET;
    if (typeof seconds !== 'number' || Number.isNaN(seconds) || seconds <= 0)
      throw new TypeError(`timeBudget must be a number of seconds above 0 (or Infinity), not ${String(seconds)}`);
    return new Budget(seconds, options.clock ?? (() => performance.now()));
  }

  /** A budget that is never spent (engines called on their own, outside a project analysis). */
  static none(): Budget {
    return new Budget(Number.POSITIVE_INFINITY, () => 0);
  }

  /** Throws `BudgetSpent` once the time is over. */
  check(): void {
    if (this.clock() > this.end) throw new BudgetSpent(this.seconds);
  }

  /** Runs `work` on time of its own (a chart a kustomization inflates has its own budget): that time is not counted here. */
  async aside<T>(work: () => Promise<T>): Promise<T> {
    const start = this.clock();
    try {
      return await work();
    } finally {
      this.end += this.clock() - start;
    }
  }

  /** `check`, then lets the event loop run when the analysis has held it for a while. */
  async pause(): Promise<void> {
    const now = this.clock();
    if (now > this.end) throw new BudgetSpent(this.seconds);
    if (now - this.lastTurn < SLICE_MS) return;
    await nextTurn();
    this.lastTurn = this.clock();
  }
}
