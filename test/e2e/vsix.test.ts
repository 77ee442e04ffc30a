// The packaged extension: `npm run package` makes a .vsix holding only what users need, and
// a real VS Code (code-server) installs it. Run by `npm run test:e2e` (it needs code-server).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..');
const { version } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
const VSIX = path.join(REPO, `shipshape-${version}.vsix`);

function codeServer(): string {
  return (
    process.env['SHIPSHAPE_CODE_SERVER'] ??
    execFileSync('bash', [path.join(REPO, 'scripts/install-code-server.sh')], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!
  );
}

test('npm run package makes a .vsix with the bundles, media and docs, and no sources, tests or node_modules', () => {
  execFileSync('npm', ['run', 'package'], { cwd: REPO, stdio: 'pipe' });
  const listing = execFileSync('unzip', ['-Z1', VSIX], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const expected of [
    'extension/package.json',
    'extension/dist/extension.js',
    'extension/dist/k8s.js',
    'extension/dist/project.js',
    'extension/dist/cluster.js',
    'extension/dist/network.js',
    'extension/readme.md',
    'extension/changelog.md',
    'extension/LICENSE.txt',
    'extension/media/icon.png',
    'extension/media/activitybar.svg',
    ...['unpinned-image', 'root-user', 'invalid-reference', 'unresolved-image', 'vulnerable-image'].map(
      (rule) => `extension/docs/rules/${rule}.md`,
    ),
  ]) {
    assert.ok(listing.includes(expected), `${expected} is in the package: ${listing.join(', ')}`);
  }
  assert.deepEqual(
    listing.filter((f) => /\/(src|test|node_modules|bench|examples)\/|\.ts$|\.map$/.test(f)),
    [],
  );
  // The command line and its proxy support are for npm and the deploy image: the extension never loads them (1.1 MB minified).
  assert.deepEqual(
    listing.filter((f) => /^extension\/dist\/(cli|undici)\.js$/.test(f)),
    [],
  );
  // Every bundle a shipped bundle loads beside it is shipped.
  const bundles = listing.filter((f) => /^extension\/dist\/[^/]+\.js$/.test(f));
  for (const bundle of bundles) {
    const text = readFileSync(path.join(REPO, bundle.slice('extension/'.length)), 'utf8');
    for (const [, name] of text.matchAll(/(?:require|import)\("\.\/([\w.-]+\.js)"\)/g))
      assert.ok(bundles.includes(`extension/dist/${name}`), `${bundle} loads ./${name}, which is not in the package`);
  }
});

test('code-server installs the .vsix and lists it', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-vsix-'));
  try {
    const entry = codeServer();
    const env = { ...process.env, XDG_CONFIG_HOME: path.join(dir, 'config'), XDG_DATA_HOME: path.join(dir, 'data') };
    const common = ['--extensions-dir', path.join(dir, 'extensions'), '--user-data-dir', path.join(dir, 'user')];
    execFileSync(process.execPath, [entry, ...common, '--install-extension', VSIX], { env, stdio: 'pipe', timeout: 120_000 });
    const listed = execFileSync(process.execPath, [entry, ...common, '--list-extensions', '--show-versions'], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.match(listed, new RegExp(`^shipshape\\.shipshape@${version.replace(/\./g, '\\.')}$`, 'm'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
