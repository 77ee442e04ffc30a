// The Helm engine against the real `helm template`: every chart of test/corpus/charts (with its
// defaults and with the values files scripts/helm-goldens.mjs names) gives the active images helm
// renders, as the goldens recorded from helm say; and the goldens are what helm renders now.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

/** The helm scripts/tools.mjs builds; a failure to build it fails the test (CI builds it the same way). */
function helmPath(): string {
  try {
    return execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'tools.mjs'), 'which', 'helm'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30 * 60_000,
    }).trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`the real helm is needed to check the goldens: node scripts/tools.mjs which helm failed:\n${stderr}`, {
      cause: error,
    });
  }
}

test('the goldens are what the real helm renders now', { timeout: 40 * 60_000 }, async () => {
  assert.ok(helmPath().endsWith('helm'));
  const script = path.join(ROOT, 'scripts', 'helm-goldens.mjs');
  const { stdout } = await run(process.execPath, [script, '--check'], { timeout: 20 * 60_000, maxBuffer: 16 * 1024 * 1024 });
  assert.match(stdout, /helm goldens are current/);
});
