import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ts from 'typescript';
// A plain ES module shared with scripts/unit-tests.mjs.
import { classify, INTEGRATION_FOLDERS, processImport, testFiles, testSets } from '../scripts/test-sets.mjs';

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
  const entries = new Set(
    ['index', 'network', 'cluster/index', 'project/index', 'containers'].map((entry) => path.join(CORE, `${entry}.ts`)),
  );
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
    /^import\s+(?!type\b)[^;]*from\s+['"][./]+core\/(network|cluster\/index|project\/index|containers)\.js['"]/m.test(
      readFileSync(file, 'utf8'),
    ),
  );
  assert.deepEqual(offenders, []);
});

/**
 * The import circles among some sources, each as the files in it (relative to `root`, sorted):
 * every relative import counts, type-only ones too (a circle of types is a circle of modules that
 * cannot be read one without the other).
 */
function importCircles(root: string, sources: ReadonlyMap<string, string>): string[][] {
  const edges = new Map<string, string[]>();
  for (const [file, text] of sources) {
    const imported = ts.preProcessFile(text, true, true).importedFiles.map((i) => i.fileName);
    edges.set(
      file,
      imported
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'))
        .filter((target) => sources.has(target)),
    );
  }
  // Tarjan's strongly connected components: a component of more than one file is a circle.
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const circles: string[][] = [];
  const visit = (file: string): void => {
    order.set(file, order.size);
    low.set(file, order.get(file)!);
    stack.push(file);
    for (const next of edges.get(file)!) {
      if (!order.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (stack.includes(next)) low.set(file, Math.min(low.get(file)!, order.get(next)!));
    }
    if (low.get(file) !== order.get(file)) return;
    const component = stack.splice(stack.indexOf(file));
    if (component.length > 1 || edges.get(file)!.includes(file)) circles.push(component.map((f) => path.relative(root, f)).sort());
  };
  for (const file of sources.keys()) if (!order.has(file)) visit(file);
  return circles;
}

describe('import circles', () => {
  test('no module of src/ imports, directly or through others, one that imports it (type imports included)', () => {
    const src = path.resolve(CORE, '..');
    const sources = new Map(files(src).map((file) => [file, readFileSync(file, 'utf8')]));
    assert.deepEqual(importCircles(src, sources), []);
  });

  test('a circle through type imports and re-exports is found, and a chain is not a circle', () => {
    const root = path.resolve('/virtual');
    const at = (name: string): string => path.join(root, name);
    const sources = new Map([
      [at('a.ts'), "import type { B } from './b.js';"],
      [at('b.ts'), "export { c } from './sub/c.js';"],
      [at('sub/c.ts'), "import { type A } from '../a.js';"],
      [at('d.ts'), "import { a } from './a.js';\nimport 'node:path';"],
    ]);
    assert.deepEqual(importCircles(root, sources), [['a.ts', 'b.ts', path.join('sub', 'c.ts')]]);
    sources.set(at('sub/c.ts'), 'export const c = 1;');
    assert.deepEqual(importCircles(root, sources), []);
  });
});

describe('the test sets (scripts/test-sets.mjs)', () => {
  const root = path.resolve(__dirname, '..');

  test('every test file is in exactly one set, and each set has files', () => {
    const sets = testSets(root);
    assert.deepEqual([...sets.core, ...sets.integration].sort(), testFiles(root));
    assert.equal(sets.core.filter((file) => sets.integration.includes(file)).length, 0);
    assert.ok(sets.core.length > 0 && sets.integration.length > 0);
  });

  test('a file that imports what starts processes or servers is an integration test; a type import is not', () => {
    const starts = [
      "import { execFile } from 'node:child_process';",
      "import * as net from 'net';",
      "import { createServer } from 'node:http';",
      "import * as esbuild from 'esbuild';",
      "import {\n  startRegistry,\n  pushImage,\n} from '../../support/registry.js';",
      "import { runCli } from '../support/cli.js';",
      // Spelt so that this file's own source holds no such import.
      `const { execa } = await import('${'execa'}');`,
    ];
    for (const text of starts) assert.ok(processImport(text), text);
    const pure = [
      "import type * as http from 'node:http';",
      "import { readFileSync } from 'node:fs';",
      "import { tempTree } from '../../support/tree.js';",
      "// a comment that names child_process is not an import\nimport * as assert from 'node:assert/strict';",
    ];
    for (const text of pure) assert.equal(processImport(text), undefined, text);
  });

  test('the folders of CLI and harness tests are integration, and a helper that starts processes makes its importers integration', () => {
    for (const folder of INTEGRATION_FOLDERS)
      for (const file of testFiles(root).filter((f) => f.startsWith(folder))) assert.equal(classify(root, file).set, 'integration', file);
    // A helper of test/ that starts a registry makes a test that imports it an integration test.
    const tree = mkdtempSync(path.join(os.tmpdir(), 'shipshape-test-sets-'));
    try {
      mkdirSync(path.join(tree, 'test', 'core'), { recursive: true });
      writeFileSync(path.join(tree, 'test', 'core', 'a.test.ts'), "import { images } from '../images.js';\n");
      writeFileSync(path.join(tree, 'test', 'core', 'b.test.ts'), "import { words } from '../words.js';\n");
      writeFileSync(path.join(tree, 'test', 'images.ts'), "export { startRegistry } from './support/registry.js';\n");
      writeFileSync(path.join(tree, 'test', 'words.ts'), "import { readFileSync } from 'node:fs';\n");
      assert.deepEqual(classify(tree, 'test/core/a.test.ts'), {
        set: 'integration',
        why: 'imports test/images.ts, which imports ./support/registry.js',
      });
      assert.equal(classify(tree, 'test/core/b.test.ts').set, 'core');
      assert.deepEqual(testSets(tree), { core: ['test/core/b.test.ts'], integration: ['test/core/a.test.ts'] });
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });
});
