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
  const offenders = files(CORE).filter((file) =>
    /from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)|import\(\s*['"]vscode['"]\s*\)/.test(readFileSync(file, 'utf8')),
  );
  assert.deepEqual(offenders, []);
});

test('nothing in src runs a shell', () => {
  const src = path.resolve(CORE, '..');
  const offenders = files(src).filter((file) =>
    /shell:\s*true|execSync\(|[^.\w]exec\(|child_process['"].*\bexec\b/.test(readFileSync(file, 'utf8')),
  );
  assert.deepEqual(offenders, []);
});

test('the shells import the core only through its entry points', () => {
  const entries = new Set(['index', 'network', 'cluster/index', 'project/index'].map((entry) => path.join(CORE, `${entry}.ts`)));
  const offenders: string[] = [];
  for (const shell of ['cli', 'extension']) {
    for (const file of files(path.resolve(CORE, '..', shell))) {
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\()\s*['"](\.[^'"]+)['"]/g)) {
        const target = path.resolve(path.dirname(file), spec!).replace(/\.js$/, '.ts');
        if (target.startsWith(`${CORE}${path.sep}`) && !entries.has(target)) offenders.push(`${path.relative(CORE, file)} imports ${spec}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});

test('the extension does not import the network or cluster entries at load time (they are bundles apart)', () => {
  const offenders = files(path.resolve(CORE, '..', 'extension')).filter((file) =>
    /^import\s+(?!type\b)[^;]*from\s+['"][./]+core\/(network|cluster\/index|project\/index)\.js['"]/m.test(readFileSync(file, 'utf8')),
  );
  assert.deepEqual(offenders, []);
});
