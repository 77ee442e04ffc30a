// Two VS Code windows (or a window and a CLI run) writing the scan cache and the deadline state
// at once: every read sees a whole file, no temporary file is left, and nothing either wrote is
// lost once both have saved (each merges what is on disk before it replaces the file).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const WRITER = path.resolve(__dirname, '..', '..', 'fixtures', 'state-writer.ts');
const ROUNDS = 40;

function writer(
  id: string,
  deadlines: string,
  cache: string,
): { child: ChildProcessWithoutNullStreams; waitFor(line: string): Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, id, deadlines, cache, String(ROUNDS)], { stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const waiters: [string, () => void][] = [];
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (const [line, resolve] of waiters) if (out.includes(`${line}\n`)) resolve();
  });
  return {
    child,
    waitFor: (line) =>
      new Promise<void>((resolve, reject) => {
        if (out.includes(`${line}\n`)) return resolve();
        waiters.push([line, resolve]);
        child.once('exit', (code) =>
          out.includes(`${line}\n`) ? resolve() : reject(new Error(`writer ${id} exited ${code} before "${line}": ${err}`)),
        );
      }),
  };
}

test('two writers at once: whole files only, no temporary file left, nothing lost', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-concurrent-'));
  const deadlines = path.join(dir, 'deadlines.json');
  const cache = path.join(dir, 'scan-cache.json');
  const a = writer('a', deadlines, cache);
  const b = writer('b', deadlines, cache);
  try {
    // Meanwhile, read both files as fast as possible: each read is a whole JSON document.
    let reads = 0;
    let done = false;
    const both = Promise.all([a.waitFor('looped'), b.waitFor('looped')]).finally(() => (done = true));
    while (!done) {
      for (const file of [deadlines, cache]) {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch {
          continue; // not written yet
        }
        assert.doesNotThrow(() => JSON.parse(text), `a whole ${path.basename(file)} at every read`);
        reads++;
      }
      await new Promise((r) => setImmediate(r));
    }
    await both;
    assert.ok(reads > 10, `the files were read while written (${reads} reads)`);
    // One last save each, one after the other: the second merges the first's file.
    a.child.stdin.write('final\n');
    await a.waitFor('saved');
    b.child.stdin.write('final\n');
    await b.waitFor('saved');
    const state = JSON.parse(readFileSync(deadlines, 'utf8')) as { firstSeen: Record<string, string> };
    const expectedKeys = ['a', 'b'].flatMap((id) => [
      ...Array.from({ length: ROUNDS }, (_, i) => `sha256:${id}|CVE-${i}|openssl`),
      `sha256:${id}|final|openssl`,
    ]);
    assert.deepEqual(Object.keys(state.firstSeen).sort(), expectedKeys.sort());
    const scans = JSON.parse(readFileSync(cache, 'utf8')) as { references: Record<string, unknown> };
    assert.equal(Object.keys(scans.references).length, 2 * (ROUNDS + 1));
    assert.deepEqual(readdirSync(dir).sort(), ['deadlines.json', 'scan-cache.json'], 'no temporary file lingers');
  } finally {
    a.child.kill();
    b.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
