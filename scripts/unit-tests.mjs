// Runs the test files under test/ but the end-to-end ones (test/e2e/, run by `npm run test:e2e`)
// under Node's test runner, in two sets (scripts/test-sets.mjs): `--set core` (the pure tests,
// under scripts/core-test-guard.mjs), `--set integration` (the ones that run programs and servers),
// or both, one run after the other (the default). Node 20's runner takes file names, not globs, so
// they are found here. Options go to the runner (e.g. `npm run test:unit -- --test-name-pattern=pin`);
// other arguments narrow the run to the files whose path contains one of them
// (`npm run test:unit -- test/cli/`), and `--set` still picks one set.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { CORE_GUARD, testSets } from './test-sets.mjs';

const root = path.resolve(import.meta.dirname, '..');
const SETS = ['core', 'integration'];

const args = process.argv.slice(2);
const setIndex = args.indexOf('--set');
const only = setIndex >= 0 ? args[setIndex + 1] : undefined;
if (setIndex >= 0 && !SETS.includes(only)) {
  console.error(`--set takes ${SETS.join(' or ')}, not ${only ?? 'nothing'}`);
  process.exit(2);
}
const rest = setIndex >= 0 ? args.filter((_, i) => i !== setIndex && i !== setIndex + 1) : args;
const wanted = rest.filter((a) => !a.startsWith('-'));
const runnerArgs = rest.filter((a) => a.startsWith('-'));
const reporter = runnerArgs.some((a) => a.startsWith('--test-reporter')) ? [] : ['--test-reporter=spec'];

const GUARD = { core: CORE_GUARD, integration: [] };

const sets = testSets(root);
const runs = (only ? [only] : SETS)
  .map((set) => ({ set, files: sets[set].filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w))) }))
  .filter((run) => run.files.length > 0);
if (runs.length === 0) {
  console.error(`no ${only ? `${only} ` : ''}test files match ${wanted.join(' ')}`);
  process.exit(2);
}
let status = 0;
for (const { set, files } of runs) {
  if (runs.length > 1) console.log(`\n${set} tests (${files.length} files)\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', ...GUARD[set], '--test', ...reporter, ...runnerArgs, ...files], {
    cwd: root,
    stdio: 'inherit',
  });
  status ||= result.status ?? 1;
}
process.exit(status);
