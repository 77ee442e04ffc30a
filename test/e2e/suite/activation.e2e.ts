// Activation cost in the real editor. Also the measurement behind `npm run bench`: when
// SHIPSHAPE_BENCH_DIR names a folder holding bench bundles, the figures are written there.

import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, it } from 'mocha';
import { extension } from './util.js';

/** Loads a CommonJS file as the extension host loads an extension's main module: the time it took, and the CPU time. */
function timeLoad(file: string): { wall: number; cpu: number } {
  const load = createRequire(file);
  const cpu = process.cpuUsage();
  const started = performance.now();
  load(file);
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 };
}

const median = (values: number[]): number => values.sort((a, b) => a - b)[values.length >> 1]!;

/**
 * Loads fresh copies of each file in turn (each copy is new to Node and to V8: a comment makes its
 * text differ) and returns the medians, so that one pause of a busy machine is not the figure. The
 * CPU time is what a busy machine changes least (a wait for a core is not in it).
 */
function medianLoads(files: readonly string[], rounds = 7): { wall: number; cpu: number }[] {
  const times = files.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
  for (let round = 0; round < rounds; round++) {
    files.forEach((file, i) => {
      const copy = file.replace(/\.js$/, `.${round}.js`);
      writeFileSync(copy, `${readFileSync(file, 'utf8')}\n// copy ${round}\n`);
      const { wall, cpu } = timeLoad(copy);
      times[i]!.wall.push(wall);
      times[i]!.cpu.push(cpu);
    });
  }
  return times.map((t) => ({ wall: median(t.wall), cpu: median(t.cpu) }));
}

describe('activation', () => {
  it('activates quickly, and loading its bundle is what costs', async () => {
    const api = (await extension().activate()) as { activationMs?: number } | undefined;
    const activationMs = api?.activationMs;
    assert.equal(typeof activationMs, 'number');
    assert.ok(activationMs! >= 0 && activationMs! < 2000, `activate() took ${activationMs} ms`);
    const benchDir = process.env['SHIPSHAPE_BENCH_DIR'];
    if (benchDir && existsSync(path.join(benchDir, 'extension.js'))) {
      // Copies inside the extension's folder, so that `require('vscode')` resolves as it does for the extension.
      const [load, baseline, esm] = medianLoads(['extension.js', 'parsers.js', 'parsers-esm.js'].map((f) => path.join(benchDir, f)));
      writeFileSync(
        path.join(benchDir, 'activation.json'),
        JSON.stringify({
          activationMs,
          loadMs: load!.wall,
          loadCpuMs: load!.cpu,
          baselineLoadMs: baseline!.wall,
          baselineLoadCpuMs: baseline!.cpu,
          esmLoadMs: esm!.wall,
        }),
      );
    }
  });
});
