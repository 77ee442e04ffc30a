// What both end-to-end runners (run.ts for code-server, electron.ts for @vscode/test-electron)
// share: building the extension, bundling the in-editor test module, and making a fresh
// workspace and user-data folder outside the repository.

import { spawn } from 'node:child_process';
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

/** The repository root: the extension under development. */
export const REPO = path.resolve(__dirname, '..', '..');
/** The repository's copy of the real files tests read (test/corpus). */
export const CORPUS = path.join(REPO, 'test', 'corpus');
/** Ignored output folder: bundles, screenshots, logs. */
export const OUT = path.join(REPO, '.e2e');
export const SUITE_DIR = path.join(__dirname, 'suite');
export const FIXTURES = path.join(__dirname, 'fixtures');

/**
 * Corpus files and folders (relative to test/corpus) that the tests need in their workspace.
 * Each is copied to `corpus/<same path>` in the temporary workspace, so a test opens it with
 * `openDocument('corpus/dockerfiles/…')`. Add to this list as tests need more.
 */
export const CORPUS_FILES: readonly string[] = [
  'dockerfiles/microservices-demo--src-emailservice.Dockerfile',
  'k8s/microservices-demo--kubernetes-manifests--cartservice.yaml',
  // Dockerfiles, manifests, Compose files with their .env, kustomizations and charts: what the
  // editor's workspace scan and `shipshape scan` must agree on (suite/scanning.e2e.ts).
  'realworld',
];

/** Settings that keep the workbench quiet and the screenshots free of welcome pages. */
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'git.enabled': false,
  'chat.commandCenter.enabled': false,
};

/**
 * Settings of the machine the extension host runs on. Trivy cannot be installed here: the
 * stand-in speaks its CLI (test/fixtures/trivy/trivy). `shipshape.trivy.path` is scoped
 * machine-overridable, so a remote window (code-server's) reads it from the remote machine's
 * settings, not from the browser's user settings; desktop VS Code reads the user settings.
 */
const MACHINE_SETTINGS = {
  'shipshape.trivy.path': path.join(REPO, 'test', 'fixtures', 'trivy', 'trivy'),
};

/** `npm run build`'s own bundler, so that dist/extension.js is what the tests load. */
export function buildExtension(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['esbuild.config.mjs'], { cwd: REPO, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`building the extension failed (exit ${code})`))));
  });
}

/** The names (without `.e2e.ts`) of the test files in test/e2e/suite/, sorted. */
export async function testNames(): Promise<string[]> {
  const files = await readdir(SUITE_DIR);
  return files
    .filter((f) => f.endsWith('.e2e.ts'))
    .map((f) => f.slice(0, -'.e2e.ts'.length))
    .sort();
}

/**
 * Bundles test/e2e/suite/index.ts and every test/e2e/suite/*.e2e.ts into one CommonJS module
 * (`vscode` and `mocha` stay external: the extension host provides the first, the repository's
 * node_modules the second), with a small loader beside it that turns on source maps first.
 * Returns the loader's absolute path: the `extensionTestsPath`.
 */
export async function bundleSuite(): Promise<string> {
  const loader = path.join(OUT, 'out', 'suite.js');
  const outfile = path.join(OUT, 'out', 'suite.bundle.js');
  const names = await testNames();
  if (names.length === 0) throw new Error(`no *.e2e.ts files in ${SUITE_DIR}`);
  await esbuild.build({
    entryPoints: [path.join(SUITE_DIR, 'index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    external: ['vscode', 'mocha'],
    define: { SHIPSHAPE_E2E_TESTS: JSON.stringify(names) },
    logLevel: 'warning',
  });
  // Node maps stack traces through source maps only for modules loaded after this call, so a
  // two-line loader turns it on before it loads the bundle: failures point into the .ts files.
  await writeFile(loader, "'use strict';\nprocess.setSourceMapsEnabled(true);\nmodule.exports = require('./suite.bundle.js');\n");
  return loader;
}

/** Copies the fixtures and CORPUS_FILES into `<parent>/workspace`; returns its path. */
export async function createWorkspace(parent: string): Promise<string> {
  const workspace = path.join(parent, 'workspace');
  await cp(FIXTURES, workspace, { recursive: true });
  for (const relative of CORPUS_FILES) {
    const from = path.join(CORPUS, relative);
    if (!existsSync(from)) throw new Error(`corpus file ${from} is missing from the repository`);
    const to = path.join(workspace, 'corpus', relative);
    await mkdir(path.dirname(to), { recursive: true });
    await cp(from, to, { recursive: true });
  }
  return workspace;
}

/** A workspace with no Dockerfile, manifest or Compose file: nothing there should activate Shipshape. */
export async function createPlainWorkspace(parent: string): Promise<string> {
  const workspace = path.join(parent, 'workspace');
  await mkdir(workspace, { recursive: true });
  await writeFile(path.join(workspace, 'README.md'), '# Notes\n\nNo containers here yet.\n');
  return workspace;
}

/**
 * What each folder of the multi-root workspace sets (its own `.vscode/settings.json`): `alpha`
 * excludes `skipped/`, makes a mutable tag an error and turns root-user off; `beta` keeps the defaults.
 */
export const MULTI_ROOT_SETTINGS: Readonly<Record<'alpha' | 'beta', Record<string, unknown>>> = {
  alpha: {
    'shipshape.exclude': ['**/skipped/**'],
    'shipshape.rules.unpinnedImage.mutableTagSeverity': 'error',
    'shipshape.rules.rootUser.enabled': false,
  },
  beta: {},
};

/**
 * A workspace of two folders (`alpha`, `beta`) holding the same files (a Pod, `app.yaml`, and a Pod
 * with a kustomization over it, once in `kust/` and once in `skipped/`), each with settings of its own. Returns the
 * `.code-workspace` file.
 */
export async function createMultiRootWorkspace(parent: string): Promise<string> {
  const root = path.join(parent, 'multi-root');
  const pod = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27\n';
  const kustomization = 'resources:\n  - pod.yaml\nimages:\n  - name: nginx\n    newTag: "1.28"\n';
  for (const [folder, settings] of Object.entries(MULTI_ROOT_SETTINGS)) {
    await mkdir(path.join(root, folder, '.vscode'), { recursive: true });
    await writeFile(path.join(root, folder, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
    // A manifest of its own, which no kustomization renders: its findings are its own.
    await writeFile(path.join(root, folder, 'app.yaml'), pod);
    for (const sub of ['kust', 'skipped']) {
      await mkdir(path.join(root, folder, sub), { recursive: true });
      await writeFile(path.join(root, folder, sub, 'pod.yaml'), pod);
      await writeFile(path.join(root, folder, sub, 'kustomization.yaml'), kustomization);
    }
  }
  const file = path.join(root, 'shipshape.code-workspace');
  await writeFile(file, JSON.stringify({ folders: [{ path: 'alpha' }, { path: 'beta' }] }, null, 2));
  return file;
}

/** Writes the quiet user settings, and the machine's, into a VS Code user-data folder. */
export async function writeUserSettings(userDataDir: string): Promise<void> {
  for (const [folder, settings] of [
    ['User', { ...USER_SETTINGS, ...MACHINE_SETTINGS }],
    ['Machine', MACHINE_SETTINGS],
  ] as const) {
    await mkdir(path.join(userDataDir, folder), { recursive: true });
    await writeFile(path.join(userDataDir, folder, 'settings.json'), JSON.stringify(settings, null, 2));
  }
}

/** What the test module writes to `$SHIPSHAPE_E2E_REPORT_DIR/result.json` when mocha is done. */
export interface SuiteResult {
  tests: number;
  passes: number;
  failures: number;
  pending: number;
}

/** The closing line CI reads: `e2e: N passed, N failed[, N skipped]`. */
export function summaryLine(result: SuiteResult): string {
  return `e2e: ${result.passes} passed, ${result.failures} failed` + (result.pending ? `, ${result.pending} skipped` : '');
}
