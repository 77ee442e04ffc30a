// Helpers for tests that run the stand-in Trivy (test/fixtures/trivy/trivy).

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const STAND_IN = path.resolve(__dirname, '..', 'fixtures', 'trivy', 'trivy');
export const STAND_IN_DIR = path.dirname(STAND_IN);

export interface Invocation {
  readonly argv: string[];
  readonly pid: number;
  readonly start: number;
  end: number | null;
}

/** A fresh invocation log: sets TRIVY_STANDIN_LOG (and optional env) for the test's duration. */
export function standInLog(env: Record<string, string> = {}): { readonly file: string; invocations(): Invocation[]; restore(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-trivy-log-'));
  const file = path.join(dir, 'log.jsonl');
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries({ TRIVY_STANDIN_LOG: file, ...env })) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
  return {
    file,
    invocations() {
      if (!existsSync(file)) return [];
      const byPid = new Map<number, Invocation>();
      for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
        const entry = JSON.parse(line) as Partial<Invocation> & { pid: number };
        // A run starts when its process does (`origin`), before Node has loaded the script.
        const origin = (entry as { origin?: number }).origin;
        if (entry.argv) byPid.set(entry.pid, { argv: entry.argv, pid: entry.pid, start: origin ?? entry.start!, end: entry.end ?? null });
        else if (byPid.has(entry.pid)) byPid.get(entry.pid)!.end = entry.end ?? null;
      }
      return [...byPid.values()];
    },
    restore() {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Image scans only (not `trivy version`). */
export function imageScans(invocations: Invocation[]): Invocation[] {
  return invocations.filter((i) => i.argv[0] === 'image');
}

/** The most processes that ran at the same time. */
export function maxOverlap(invocations: Invocation[]): number {
  const events = invocations
    .flatMap(
      (i) =>
        [
          [i.start, 1],
          [i.end ?? Infinity, -1],
        ] as const,
    )
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let running = 0;
  let max = 0;
  for (const [, delta] of events) max = Math.max(max, (running += delta));
  return max;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
