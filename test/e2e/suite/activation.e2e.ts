// Activation cost in the real editor. Also the measurement behind `npm run bench`: when
// SHIPSHAPE_BENCH_DIR names a folder holding bench bundles, the figures are written there.

import * as assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, it } from 'mocha';
import { extension } from './util.js';

/** Loads a CommonJS file as the extension host loads an extension's main module, timed. */
function timeLoad(file: string): number {
  const load = createRequire(file);
  const started = performance.now();
  load(file);
  return performance.now() - started;
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
      const loadMs = timeLoad(path.join(benchDir, 'extension.js'));
      const baselineLoadMs = timeLoad(path.join(benchDir, 'parsers.js'));
      writeFileSync(path.join(benchDir, 'activation.json'), JSON.stringify({ activationMs, loadMs, baselineLoadMs }));
    }
  });
});
