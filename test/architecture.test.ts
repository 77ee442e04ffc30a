import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const CORE = path.resolve(__dirname, '..', 'src', 'core');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

test('nothing in src/core imports vscode', () => {
  const offenders = files(CORE).filter((file) => /from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\)/.test(readFileSync(file, 'utf8')));
  assert.deepEqual(offenders, []);
});

test('nothing in src runs a shell', () => {
  const src = path.resolve(CORE, '..');
  const offenders = files(src).filter((file) => /shell:\s*true|execSync\(|[^.\w]exec\(|child_process['"].*\bexec\b/.test(readFileSync(file, 'utf8')));
  assert.deepEqual(offenders, []);
});
