// Runs every test/**/*.test.ts but the end-to-end ones (test/e2e/, run by `npm run test:e2e`)
// under Node's test runner. Node 20's runner takes file names, not globs, so they are found here.
// Options go to the runner (e.g. `npm run test:unit -- --test-name-pattern=pin`); other arguments
// narrow the run to the files whose path contains one of them (`npm run test:unit -- test/cli/`).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const skip = new Set(['test/e2e', 'test/corpus', 'test/fixtures']);

function find(dir) {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return skip.has(relative) ? [] : find(relative);
    return entry.name.endsWith('.test.ts') ? [relative] : [];
  });
}

const args = process.argv.slice(2);
const wanted = args.filter((a) => !a.startsWith('-'));
const files = find('test')
  .sort()
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)));
if (files.length === 0) {
  console.error(`no test files match ${wanted.join(' ')}`);
  process.exit(2);
}
const runnerArgs = args.filter((a) => a.startsWith('-'));
const reporter = runnerArgs.some((a) => a.startsWith('--test-reporter')) ? [] : ['--test-reporter=spec'];
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...reporter, ...runnerArgs, ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
