// The core set's guard (scripts/core-test-guard.mjs): a test run under it that starts a process or
// opens a socket fails, even when the test catches the error; a pure test passes.

import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
// A plain ES module shared with scripts/unit-tests.mjs.
import { CORE_GUARD } from '../../scripts/test-sets.mjs';

const root = path.resolve(__dirname, '..', '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-guard-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs one test file as the core set runs it; its exit code and what it printed. */
function runGuarded(name: string, body: string): Promise<{ code: number; output: string }> {
  const file = path.join(dir, `${name}.test.mjs`);
  writeFileSync(file, `import { test } from 'node:test';\n${body}\n`);
  // Without the variable that tells a runner it runs inside another one (it would report to it, exit 0).
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'NODE_TEST_CONTEXT'));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...CORE_GUARD, '--test', '--test-reporter=spec', file],
      { cwd: root, env, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

test('a pure test passes under the guard', async () => {
  const { code, output } = await runGuarded('pure', "test('adds', () => { if (1 + 1 !== 2) throw new Error('no'); });");
  assert.equal(code, 0, output);
});

test('a test that starts a process fails, and says where it belongs', async () => {
  const { code, output } = await runGuarded(
    'spawns',
    "import { execFileSync } from 'node:child_process';\ntest('runs node', () => { execFileSync(process.execPath, ['-e', '']); });",
  );
  assert.notEqual(code, 0);
  assert.match(output, /child_process\.execFileSync\(\) in a core test/);
  assert.match(output, /integration set/);
});

test('a test that opens a server fails', async () => {
  const { code, output } = await runGuarded(
    'listens',
    "import * as http from 'node:http';\ntest('serves', async () => { const server = http.createServer(); server.listen(0); server.close(); });",
  );
  assert.notEqual(code, 0);
  assert.match(output, /a server listening/);
});

test('a test that catches the refused connection still fails its file', async () => {
  const { code, output } = await runGuarded(
    'fetches',
    "test('fetches', async () => { await fetch('http://127.0.0.1:59999/').catch(() => undefined); });",
  );
  assert.notEqual(code, 0);
  assert.match(output, /a socket connection/);
});
