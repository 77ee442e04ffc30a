// End-to-end tests in a real VS Code: code-server (VS Code 1.100 from the npm registry) serves
// the workbench, headless Chromium (Debian's) shows it, and VS Code runs the bundled in-editor
// test module (test/e2e/suite/) in its Node extension host, as @vscode/test-electron would.
//
//   node --import tsx test/e2e/run.ts [--grep PATTERN] [--timeout SECONDS] [--keep] [--untrusted | --multi-root]
//
// Exit status 0 only if the suite passed. Prints mocha's report as it runs, then a closing line
// `e2e: N passed, N failed`. Leaves in .e2e/ (ignored): out/ (the bundle), screenshots/*.png
// (those the tests asked for, and final.png), logs/ (code-server, browser console, window logs).
//
// The tests run in the extension host and cannot touch the browser: they ask this runner, which
// owns the Playwright page, through request files (requestAction() in suite/util.ts). Actions:
// `screenshot` (the whole workbench), `trust` (trust the workspace in the Workspace Trust
// editor, as a user would) and `treeRows` (the rows a tree view draws). With --untrusted the workspace also gets hostile workspace settings
// and programs (hostile.ts).
//
// Environment: SHIPSHAPE_CODE_SERVER (code-server's entry.js; otherwise
// scripts/install-code-server.sh installs or finds it), SHIPSHAPE_CHROMIUM (default
// /usr/bin/chromium), SHIPSHAPE_E2E_TIMEOUT (seconds, default 300).

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pushImage, pushTags, startRegistry, type Registry } from '../support/registry.js';
import { deployment, digestOf, podSpecs, startKube, unusedUrl, writeContexts, type Kube } from '../support/kube.js';
import { pushDistroImage } from '../support/distroImages.js';
import { cleanUp as cleanUpTrivy, offlineEnv, realTrivy, startTrivyServer, trivyCache, type TrivyServer } from '../support/realTrivy.js';
import { setUpHostileWorkspace, type HostileSetup } from './hostile.js';
import {
  buildExtension,
  bundleSuite,
  createMultiRootWorkspace,
  createPlainWorkspace,
  createWorkspace,
  OUT,
  REPO,
  summaryLine,
  writeUserSettings,
  type SuiteResult,
} from './prepare.js';

const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const SERVER_START_TIMEOUT = 90_000;
const POLL_INTERVAL = 200;

interface Verdict {
  code: number;
  logs: Array<{ relativePath: string; contents: string }>;
}

const log = (message: string): void => console.log(`[e2e] ${message}`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Everything that must be stopped or removed, whatever happens. */
const running: {
  server?: ChildProcess;
  browser?: Browser;
  tmp?: string;
  keep?: boolean;
  registry?: Registry;
  clusters?: Kube[];
  hostile?: HostileSetup;
  trivyServer?: TrivyServer;
} = {};
let cleaning: Promise<void> | undefined;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      grep: { type: 'string' },
      timeout: { type: 'string' },
      keep: { type: 'boolean', default: false },
      // Open the workspace without trusting it (restricted mode) and run the tests for that mode.
      untrusted: { type: 'boolean', default: false },
      // Open a workspace of two folders with settings of their own, and run the tests for that.
      'multi-root': { type: 'boolean', default: false },
    },
  });
  const timeoutMs = Number(values.timeout ?? process.env['SHIPSHAPE_E2E_TIMEOUT'] ?? 300) * 1000;
  if (!(timeoutMs > 0)) throw new Error('--timeout must be a positive number of seconds');
  running.keep = values.keep ?? false;
  const started = Date.now();

  const codeServer = process.env['SHIPSHAPE_CODE_SERVER'] ?? (await installCodeServer());
  const chromiumPath = process.env['SHIPSHAPE_CHROMIUM'] ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) throw new Error(`no browser at ${chromiumPath}: run scripts/install-code-server.sh`);

  // Fresh output folders: no stale screenshot or log can be mistaken for this run's.
  const screenshotsOut = path.join(OUT, 'screenshots');
  const logsOut = path.join(OUT, 'logs');
  await rm(screenshotsOut, { recursive: true, force: true });
  await rm(logsOut, { recursive: true, force: true });
  await mkdir(screenshotsOut, { recursive: true });
  await mkdir(logsOut, { recursive: true });

  await buildExtension();
  const suite = await bundleSuite();

  const tmp = await mkdtemp(path.join(os.tmpdir(), 'shipshape-e2e-'));
  running.tmp = tmp;
  const multiRoot = values['multi-root'] === true;
  if (multiRoot && values.untrusted) throw new Error('--untrusted and --multi-root are runs of their own');
  // For --multi-root, the .code-workspace file.
  const workspace = values.untrusted
    ? await createPlainWorkspace(tmp)
    : multiRoot
      ? await createMultiRootWorkspace(tmp)
      : await createWorkspace(tmp);
  const userData = path.join(tmp, 'user-data');
  await writeUserSettings(userData);
  const reportDir = path.join(tmp, 'report');
  const requestDir = path.join(tmp, 'requests');
  await mkdir(reportDir, { recursive: true });
  await mkdir(requestDir, { recursive: true });

  // --- code-server ---
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // A VSCODE_IPC_HOOK_CLI (a terminal inside VS Code) would make code-server open the folder
    // in that VS Code instead of serving its own.
    if (!key.startsWith('VSCODE_') && !key.startsWith('CODE_SERVER_') && key !== 'ELECTRON_RUN_AS_NODE') env[key] = value;
  }
  Object.assign(env, {
    // code-server's own config and data, kept out of ~/.config and ~/.local/share.
    CODE_SERVER_CONFIG: path.join(tmp, 'code-server.yaml'),
    XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'),
    XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
    // Read by the test module in the extension host (test/e2e/suite/index.ts, util.ts).
    SHIPSHAPE_E2E_REPORT_DIR: reportDir,
    SHIPSHAPE_E2E_REQUEST_DIR: requestDir,
    SHIPSHAPE_E2E_COLOR: process.stdout.isTTY ? '1' : '0',
    // The stand-in Trivy logs every run here; the tests read it to see what was (not) run.
    TRIVY_STANDIN_LOG: path.join(tmp, 'trivy-invocations.jsonl'),
  });
  if (values.grep) env['SHIPSHAPE_E2E_GREP'] = values.grep;
  if (!values.untrusted) {
    // A real registry on loopback for the pinning tests, with one image in it.
    const registry = await startRegistry();
    running.registry = registry;
    const image = await pushImage(registry, 'team/web', '1.0');
    // `stable` points to other content than 1.0: a file pinning stable@<1.0's digest> has a moved tag.
    const stable = await pushImage(registry, 'team/web', 'stable', { content: 'newer' });
    env['SHIPSHAPE_E2E_REGISTRY'] = registry.host;
    env['SHIPSHAPE_E2E_REGISTRY_DIGEST'] = image.digest;
    env['SHIPSHAPE_E2E_REGISTRY_STABLE_DIGEST'] = stable.digest;
    await pushRegistryExtras(registry, env, tmp);
    // Real control planes (test/support/kube.ts), as contexts of kubeconfigs: prod and staging run
    // one repository at two digests (Deployment api in shop: three pods in prod, one in staging),
    // beside other workloads (prod: a few dozen pods in shop and payments, two in real-trivy,
    // running the registry's images with real package databases: prepareRealTrivy); nothing answers dev's
    // server. The cluster view's own kubeconfig (suite/cluster.e2e.ts) names prod `shipshape-test`.
    const runningImage = 'registry.example/shop/api-debian:1.4';
    const digests = { prod: digestOf(runningImage), staging: digestOf(`${runningImage}-staging`) };
    const clusters = await Promise.all([startKube(), startKube()]);
    running.clusters = clusters;
    const [prod, staging] = clusters;
    await Promise.all([prod.namespace('shop'), prod.namespace('payments'), staging.namespace('shop')]);
    await Promise.all([
      prod.apply(deployment('shop', 'api', runningImage, { replicas: 3 })),
      staging.apply(deployment('shop', 'api', runningImage)),
    ]);
    const others = podSpecs(24, 5, 2, 'e2e').map((p, i) => ({ ...p, namespace: i % 2 ? 'payments' : 'shop' }));
    await prod.createPods(others, { running: true });
    await Promise.all([
      prod.runPods('shop', { count: 3 + others.filter((p) => p.namespace === 'shop').length }),
      staging.runPods('shop', { count: 1, digests: { [runningImage]: digests.staging } }),
    ]);
    // A pod of prod still running 1.0's digest under the tag `stable`, which has moved since (suite/cluster.e2e.ts: stale-digest).
    await prod.namespace('stale-tags');
    const movedTag = `${registry.host}/team/web:stable`;
    await prod.createPods([{ namespace: 'stale-tags', name: 'old-web', containers: [{ name: 'web', image: movedTag }] }]);
    await prod.runPods('stale-tags', { count: 1, digests: { [movedTag]: image.digest } });
    const context = (name: string, kube: Kube, server = kube.url) => ({ name, server, ca: kube.ca, token: kube.token });
    env['SHIPSHAPE_E2E_KUBECONFIG'] = writeContexts([context('shipshape-test', prod)]);
    running.trivyServer = await prepareRealTrivy(registry, prod, env);
    const kubeconfig = writeContexts([context('prod', prod), context('staging', staging), context('dev', staging, await unusedUrl())]);
    env['SHIPSHAPE_E2E_CLUSTERS'] = JSON.stringify({ kubeconfig, image: runningImage, digests });
  }
  if (multiRoot) {
    env['SHIPSHAPE_E2E_MULTI_ROOT'] = '1';
    env['SHIPSHAPE_E2E_GREP'] = values.grep ?? 'multi-root workspace';
  }
  if (values.untrusted) {
    env['SHIPSHAPE_E2E_UNTRUSTED'] = '1';
    env['SHIPSHAPE_E2E_GREP'] = values.grep ?? 'untrusted workspace';
    // Workspace settings naming the workspace's own programs, kubeconfig, servers and registry.
    const hostile = await setUpHostileWorkspace(workspace, tmp);
    running.hostile = hostile;
    Object.assign(env, hostile.env);
    // The extension host gets this environment as it is: without this, code-server replaces PATH
    // with a login shell's, and the stand-in credential helper (hostile.env's PATH) is not found.
    // (VS Code's own CLI sets it for the same reason: the environment is already the user's.)
    env['VSCODE_CLI'] = '1';
    if (!hostile.registry) log('no address that is not loopback: the untrusted pinning tests will skip');
  }
  const args = [
    codeServer,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--user-data-dir',
    userData,
    '--extensions-dir',
    path.join(tmp, 'extensions'),
    '--disable-telemetry',
    '--disable-update-check',
    ...(values.untrusted ? [] : ['--disable-workspace-trust']),
    workspace,
  ];
  const serverLog = createWriteStream(path.join(logsOut, 'code-server.log'));
  let serverOutput = '';
  let serverExit: string | undefined;
  // detached: its own process group, so the extension host and helpers are killed with it.
  const server = spawn(process.execPath, args, { cwd: tmp, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  running.server = server;
  const onOutput = (chunk: Buffer): void => {
    const text = chunk.toString();
    if (serverOutput.length < 1_000_000) serverOutput += text;
    serverLog.write(text);
  };
  server.stdout.on('data', onOutput);
  server.stderr.on('data', onOutput);
  server.on('exit', (code, signal) => (serverExit = `code-server exited (${signal ?? `code ${code}`})`));
  server.on('error', (error) => (serverExit = `code-server could not start: ${error.message}`));
  log(`starting code-server on 127.0.0.1:${port}`);
  const serverDeadline = Date.now() + SERVER_START_TIMEOUT;
  while (!serverOutput.includes('HTTP server listening')) {
    if (serverExit) throw new Error(`${serverExit} before it listened:\n${serverOutput}`);
    if (Date.now() > serverDeadline)
      throw new Error(`code-server did not listen within ${SERVER_START_TIMEOUT / 1000} s:\n${serverOutput}`);
    await sleep(100);
  }

  // --- the browser ---
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: CHROMIUM_FLAGS,
    // Our own signal handlers stop everything; Playwright's would exit before code-server is killed.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    // Chromium's crash-report folder goes to $XDG_CONFIG_HOME/chromium: keep it out of ~/.config.
    env: { ...env, XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'), XDG_CACHE_HOME: path.join(tmp, 'xdg-cache') },
  });
  running.browser = browser;
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const consoleLog = createWriteStream(path.join(logsOut, 'browser-console.log'));
  page.on('console', (message) => consoleLog.write(`[${message.type()}] ${message.text()}\n`));
  page.on('pageerror', (error) => consoleLog.write(`[pageerror] ${error.stack ?? error.message}\n`));
  let verdict: Verdict | undefined;
  await page.exposeFunction('codeAutomationExit', (code: number, logs?: Verdict['logs']) => {
    verdict = { code, logs: logs ?? [] };
  });

  const remote = (p: string): string => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(REPO)],
    ['extensionTestsPath', remote(suite)],
    ['skipWelcome', 'true'],
  ];
  const url = `http://127.0.0.1:${port}/?${multiRoot ? 'workspace' : 'folder'}=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  log(`opening the workbench (timeout ${timeoutMs / 1000} s)`);
  await page.goto(url, { waitUntil: 'domcontentloaded' });

  // --- wait for the verdict, printing the report and serving the tests' requests meanwhile ---
  const report = path.join(reportDir, 'report.txt');
  let printed = 0;
  const printReport = async (): Promise<void> => {
    if (!existsSync(report)) return;
    const text = await readFile(report);
    if (text.length > printed) {
      process.stdout.write(text.subarray(printed));
      printed = text.length;
    }
  };
  const deadline = Date.now() + timeoutMs;
  let failure: string | undefined;
  while (!verdict) {
    await printReport(); // first, so that the report and the request lines keep their order
    await serveRequests(page, requestDir, screenshotsOut);
    if (serverExit) {
      failure = serverExit;
      break;
    }
    if (page.isClosed()) {
      failure = 'the browser page closed';
      break;
    }
    if (Date.now() > deadline) {
      failure = `no verdict within ${timeoutMs / 1000} s`;
      break;
    }
    await sleep(POLL_INTERVAL);
  }
  await printReport();
  await serveRequests(page, requestDir, screenshotsOut);
  await printReport();

  // --- the end: final screenshot, logs, verdict ---
  if (!page.isClosed()) {
    try {
      await page.screenshot({ path: path.join(screenshotsOut, 'final.png') });
    } catch (error) {
      log(`final screenshot failed: ${(error as Error).message}`);
    }
  }
  for (const entry of verdict?.logs ?? []) {
    const file = path.join(logsOut, 'window', path.normalize(entry.relativePath).replace(/^(\.\.[/\\])+/, ''));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, entry.contents);
  }
  await cp(path.join(userData, 'logs'), path.join(logsOut, 'user-data'), { recursive: true }).catch(() => {});

  const resultFile = path.join(reportDir, 'result.json');
  const result = existsSync(resultFile) ? (JSON.parse(await readFile(resultFile, 'utf8')) as SuiteResult) : undefined;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const passed = verdict?.code === 0 && result !== undefined && result.failures === 0 && result.tests > 0;
  if (failure) log(`FAILED: ${failure}`);
  else if (verdict && verdict.code !== 0) log(`FAILED: the test module's run() rejected (exit code ${verdict.code})`);
  if (!passed) log(`logs: ${path.relative(REPO, logsOut)}/ (code-server.log, browser-console.log, user-data/…/exthost*.log)`);
  log(`screenshots: ${path.relative(REPO, screenshotsOut)}/ (${(await readdir(screenshotsOut)).join(', ') || 'none'}); took ${seconds} s`);
  console.log(result ? summaryLine(result) : 'e2e: the suite reported no result');
  return passed ? 0 : 1;
}

/**
 * Does what the tests asked for (see requestAction() in suite/util.ts): each request is a file
 * `<id>.request` holding `{"action": …, …}`, answered with `<id>.done` holding what the action
 * returns, or `{"error": …}`. A request without an action is a screenshot (`{"name": …}`).
 */
async function serveRequests(page: Page, requestDir: string, screenshotsOut: string): Promise<void> {
  let files: string[];
  try {
    files = (await readdir(requestDir)).filter((f) => f.endsWith('.request')).sort();
  } catch {
    return;
  }
  for (const file of files) {
    const request = path.join(requestDir, file);
    const done = request.replace(/\.request$/, '.done');
    let answer: Record<string, unknown>;
    try {
      const body = JSON.parse(await readFile(request, 'utf8')) as { action?: string; name?: string };
      const action = body.action ?? 'screenshot';
      if (action === 'screenshot') answer = { path: await takeScreenshot(page, screenshotsOut, String(body.name ?? 'screenshot')) };
      else if (action === 'trust') answer = await trustWorkspace(page, screenshotsOut);
      else if (action === 'treeRows') answer = { rows: await treeRows(page, String((body as { view?: string }).view ?? '')) };
      else throw new Error(`unknown action ${JSON.stringify(action)}`);
    } catch (error) {
      answer = { error: (error as Error).message };
      log(`request ${file} failed: ${(error as Error).message}`);
    }
    await rm(request, { force: true });
    await writeFile(`${done}.tmp`, JSON.stringify(answer));
    await rename(`${done}.tmp`, done);
  }
}

/**
 * The rows a tree view draws (not what its provider holds): `[level, label]` from the rows' ARIA
 * attributes, in order. `view` is the view's title as its pane header shows it.
 */
async function treeRows(page: Page, view: string): Promise<[number, string][]> {
  const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: view }) });
  const rows = await pane
    .locator('.monaco-list-row')
    .evaluateAll((elements) =>
      elements.map((e) => [Number(e.getAttribute('aria-level')), e.querySelector('.label-name')?.textContent ?? ''] as [number, string]),
    );
  return rows;
}

/** Saves the whole workbench as `<outDir>/<name>.png` once what the test just did is painted. */
async function takeScreenshot(page: Page, outDir: string, name: string): Promise<string> {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'screenshot';
  const target = path.join(outDir, `${safe}.png`);
  // Two animation frames: what the test just did is painted. (A string: no DOM types here.)
  await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
  await page.screenshot({ path: target });
  log(`screenshot ${path.relative(REPO, target)}`);
  return target;
}

/**
 * Trusts the workspace as a user does: the command palette's "Workspaces: Manage Workspace
 * Trust" (or, failing that, the status bar's Restricted Mode item) opens the Workspace Trust
 * editor, whose Trust button is clicked; a confirmation dialog, if one comes, is accepted.
 * Resolves once the editor says the folder is trusted. Saves `trust-editor.png` (before the
 * click) and answers with its path and the editor's title afterwards.
 */
async function trustWorkspace(page: Page, screenshotsOut: string): Promise<{ path: string; title: string }> {
  const editor = page.locator('.workspace-trust-editor');
  const palette = page.locator('.quick-input-widget');
  await page.keyboard.press('Escape'); // whatever had focus (a hover, a widget) lets go
  await page.keyboard.press('F1');
  try {
    await palette.locator('input').waitFor({ state: 'visible', timeout: 10_000 });
    await palette.locator('input').fill('>Workspaces: Manage Workspace Trust');
    await palette.locator('.monaco-list-row', { hasText: 'Manage Workspace Trust' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await page.keyboard.press('Enter');
    await editor.waitFor({ state: 'visible', timeout: 10_000 });
  } catch (error) {
    log(`the command palette did not open the Workspace Trust editor (${(error as Error).message.split('\n')[0]}); trying the status bar`);
    await page.keyboard.press('Escape');
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().click({ timeout: 10_000 });
    await editor.waitFor({ state: 'visible', timeout: 10_000 });
  }
  // "Trust" (beside it, when the folder has a parent to trust, "Trust Parent"); under each, its shortcut.
  const trust = editor.locator('.monaco-button', { hasText: /^\s*Trust\s*$/ }).first();
  try {
    await trust.waitFor({ state: 'visible', timeout: 10_000 });
  } catch (error) {
    const buttons = await editor
      .locator('.monaco-button')
      .allInnerTexts()
      .catch(() => []);
    await takeScreenshot(page, screenshotsOut, 'trust-failed').catch(() => '');
    throw new Error(
      `no Trust button in the Workspace Trust editor (its buttons: ${JSON.stringify(buttons)}): ${(error as Error).message.split('\n')[0]}`,
      { cause: error },
    );
  }
  const before = await takeScreenshot(page, screenshotsOut, 'trust-editor');
  await trust.click();
  const trusted = editor.locator('.workspace-trust-title', { hasText: /You trust this/ });
  const dialog = page.locator('.monaco-dialog-box');
  const deadline = Date.now() + 15_000;
  while (!(await trusted.isVisible())) {
    if (await dialog.isVisible()) {
      const text = (await dialog.innerText()).replace(/\s+/g, ' ');
      log(`trust: accepting a dialog: ${text}`);
      await dialog.locator('.dialog-buttons .monaco-button').first().click();
    }
    if (Date.now() > deadline)
      throw new Error(
        `the Workspace Trust editor did not show the folder as trusted: ${(await editor.innerText()).replace(/\s+/g, ' ').slice(0, 300)}`,
      );
    await sleep(100);
  }
  const title = (await trusted.innerText()).trim();
  log(`trust: ${title}`);
  return { path: before, title };
}

/** Runs scripts/install-code-server.sh (quick when installed) and returns the path it prints. */
function installCodeServer(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(REPO, 'scripts', 'install-code-server.sh')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const entry = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && existsSync(entry)) resolve(entry);
      else reject(new Error(`scripts/install-code-server.sh failed (exit ${code})`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Closes the browser, kills code-server's whole process group, removes the temporary folder. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    const { browser, server, tmp, registry, clusters, hostile, trivyServer } = running;
    if (browser) await browser.close().catch(() => {});
    if (registry) await registry.stop().catch(() => {});
    if (hostile) await hostile.stop().catch(() => {});
    if (trivyServer) await trivyServer.stop().catch(() => {});
    cleanUpTrivy();
    for (const cluster of clusters ?? []) await cluster.stop().catch(() => {});
    if (server?.pid) {
      const group = -server.pid;
      const alive = (): boolean => {
        try {
          process.kill(group, 0);
          return true;
        } catch {
          return false;
        }
      };
      try {
        process.kill(group, 'SIGTERM');
      } catch {
        // already gone
      }
      for (let i = 0; i < 50 && alive(); i++) await sleep(100);
      if (alive()) {
        try {
          process.kill(group, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    if (tmp) {
      if (running.keep) log(`kept ${tmp}`);
      else await rm(tmp, { recursive: true, force: true }).catch(() => {});
    }
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void cleanup().then(() => process.exit(130));
  });
}

void main()
  .catch((error: unknown) => {
    console.error(`[e2e] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  })
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  });

/**
 * What the registry tests beyond pinning need (test/e2e/suite/registry.e2e.ts): images whose
 * configured users differ (team/app:uid runs as 1000, team/app:root sets none), the tags of
 * team/api for completion and safer-tag advice, the stand-in Trivy's report for each of those
 * tags (1.0 has 2 CRITICAL and 5 HIGH; of its newer tags only 1.2 is strictly better), and a
 * cache folder of the run's own for the images' users.
 */
async function pushRegistryExtras(registry: Registry, env: NodeJS.ProcessEnv, tmp: string): Promise<void> {
  await pushImage(registry, 'team/app', 'uid', { content: 'uid', user: '1000' });
  await pushImage(registry, 'team/app', 'root', { content: 'root' });
  await pushTags(registry, 'team/api', ['1.0', '1.1', '1.2', '1.10', '2.0', '1.1-alpine', '1.2-alpine', 'latest']);
  const api = `${registry.host}/team/api`;
  env['TRIVY_STANDIN_TAG_REPORTS'] = JSON.stringify({
    [`${api}:1.0`]: { CRITICAL: 2, HIGH: 5 },
    [`${api}:1.10`]: { CRITICAL: 3, HIGH: 0 },
    [`${api}:1.2`]: { CRITICAL: 0, HIGH: 1 },
    [`${api}:1.1`]: { CRITICAL: 1, HIGH: 2 },
  });
  env['SHIPSHAPE_CACHE_DIR'] = path.join(tmp, 'shipshape-cache');
}

/**
 * What suite/realTrivy.e2e.ts needs: images with real package databases on the registry, the real
 * Trivy (built by scripts/tools.mjs on first use), a cache folder holding our database, pods of
 * `cluster` in the namespace `real-trivy` running those images, and `trivy server` on the
 * same database, wanting a token (TRIVY_TOKEN, in `--token-header`'s header). Trivy is kept offline as
 * in the CLI tests, through the environment the extension host inherits (the stand-in reads none
 * of these variables).
 */
async function prepareRealTrivy(registry: Registry, cluster: Kube, env: NodeJS.ProcessEnv): Promise<TrivyServer> {
  const alpine = `${registry.host}/shipshape/alpine:3.19`;
  const debian = `${registry.host}/shipshape/debian:12`;
  const [alpineImage, debianImage] = await Promise.all([
    pushDistroImage(registry, 'shipshape/alpine', '3.19', { rootfs: 'alpine-3.19' }),
    pushDistroImage(registry, 'shipshape/debian', '12', { rootfs: 'debian-12' }),
    cluster.namespace('real-trivy'),
  ]);
  await cluster.createPods([
    { namespace: 'real-trivy', name: 'web', containers: [{ name: 'web', image: alpine }] },
    { namespace: 'real-trivy', name: 'api', containers: [{ name: 'api', image: debian }] },
  ]);
  await cluster.runPods('real-trivy', { count: 2, digests: { [alpine]: alpineImage.digest, [debian]: debianImage.digest } });
  const cacheDir = trivyCache();
  const token = 'shipshape-e2e-token-51f0';
  const tokenHeader = 'X-Shipshape-Token';
  // A cache of its own: a running server holds its cache folder's lock.
  const server = await startTrivyServer(realTrivy(), trivyCache(), { token, tokenHeader });
  Object.assign(env, offlineEnv(cacheDir), { TRIVY_TOKEN: token });
  env['SHIPSHAPE_E2E_REAL_TRIVY'] = JSON.stringify({ trivy: realTrivy(), cacheDir, alpine, debian, server: server.url, tokenHeader });
  return server;
}
