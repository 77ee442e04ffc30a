// The two sets of test files (everything under test/ but the end-to-end tests), shared by
// scripts/unit-tests.mjs and test/architecture.test.ts:
//
// - core: the pure tests: no child process, no socket, no server; quick.
// - integration: the tests that run programs or servers: the CLI runs, the registry, the API
//   server, the Trivy stand-in, the proxy, the webhook receiver, esbuild; and the fuzz round.
//
// A file is an integration test when it lies in test/cli/ or test/support/, or when it, or a
// helper of test/ it imports, imports something that starts a process or a server (below); the
// rest is core. The core set runs under scripts/core-test-guard.mjs, which fails a file that
// starts a process or opens a socket all the same (through the core's own Trivy runner or registry
// client, say), so the split stays honest.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Folders whose tests run programs or servers, whatever they import; and the fuzz round, which runs
 * the core at length in worker threads with heaps of their own (a minute or more of the core set's
 * time, where the rest of it takes about as long together).
 */
export const INTEGRATION_FOLDERS = ['test/cli/', 'test/support/', 'test/fuzz/'];

/** Modules imported only to start processes or servers: Node's, packages, and the harnesses of test/support/. */
export const PROCESS_MODULES = [
  /^(node:)?(child_process|net|http|https|http2|tls|dgram|cluster)$/,
  /^(esbuild|execa|undici)$/,
  /(^|\/)support\/(registry|kube|faultProxy|trivy|realTrivy|distroImages|webhook|proxy|cli)(\.js)?$/,
];

/** The runner's options for the core set: its guard. */
export const CORE_GUARD = ['--import', './scripts/core-test-guard.mjs'];

const SKIP = new Set(['test/e2e', 'test/corpus', 'test/fixtures']);

/** Every test file under test/ (but the end-to-end ones), relative to the root, sorted. */
export function testFiles(root) {
  const find = (dir) =>
    readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
      const relative = `${dir}/${entry.name}`;
      if (entry.isDirectory()) return SKIP.has(relative) ? [] : find(relative);
      return entry.name.endsWith('.test.ts') ? [relative] : [];
    });
  return find('test').sort();
}

/** What a source imports at run time: imports and re-exports but type-only ones, `import()` and `require()`. */
export function runtimeImports(text) {
  const specs = [];
  for (const [, type, spec] of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm))
    if (!type) specs.push(spec);
  for (const [, spec] of text.matchAll(/\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(spec);
  return specs;
}

/** The first import of a source that starts processes or servers, if any. */
export function processImport(text) {
  return runtimeImports(text).find((spec) => PROCESS_MODULES.some((re) => re.test(spec)));
}

/**
 * Which set a test file belongs to, and why. Helpers of test/ that it imports count as its own
 * imports (a harness behind a helper starts its processes all the same); src/ is the guard's.
 */
export function classify(root, file) {
  const folder = INTEGRATION_FOLDERS.find((f) => file.startsWith(f));
  if (folder) return { set: 'integration', why: `in ${folder}` };
  const seen = new Set();
  const visit = (relative, via) => {
    if (seen.has(relative)) return undefined;
    seen.add(relative);
    const text = readFileSync(path.join(root, relative), 'utf8');
    const spec = processImport(text);
    if (spec) return `${via}imports ${spec}`;
    for (const imported of runtimeImports(text).filter((s) => s.startsWith('.'))) {
      const target = path.posix.join(path.posix.dirname(relative), imported).replace(/\.js$/, '.ts');
      if (!target.startsWith('test/') || !existsSync(path.join(root, target))) continue;
      const why = visit(target, `${via}imports ${target}, which `);
      if (why) return why;
    }
    return undefined;
  };
  const why = visit(file, '');
  return why ? { set: 'integration', why } : { set: 'core', why: 'starts no process and opens no socket' };
}

/** The core and integration test files. */
export function testSets(root) {
  const sets = { core: [], integration: [] };
  for (const file of testFiles(root)) sets[classify(root, file).set].push(file);
  return sets;
}
