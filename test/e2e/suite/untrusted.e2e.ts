// The second end-to-end run (run.ts --untrusted): a workspace with no container files, opened
// without trust (restricted mode). Only these tests run there, in this order.
//
// The workspace is hostile (test/e2e/hostile.ts): its .vscode/settings.json sets every one of
// package.json's restrictedConfigurations to its own things: shipshape.trivy.path to its program
// `evil-trivy`, a Trivy server, a cache folder, a kubeconfig whose credential plugin is its
// program `evil-kube-credential`, and a registry (on an address that is not loopback) as
// insecure. Its programs log every run to SHIPSHAPE_E2E_PROGRAM_LOG; the registry logs every
// connection to SHIPSHAPE_E2E_HOSTILE_REGISTRY_LOG; the user's credential helper (named by the
// Docker config the runner sets up) logs to SHIPSHAPE_TEST_CREDENTIALS_LOG.
//
// Restricted mode: only static rules; nothing is run, asked or read from those settings. Then
// the runner trusts the workspace in the Workspace Trust editor, and without a reload the same
// extension host uses them.

import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { before, describe, it } from 'mocha';
import type { ShipshapeTestApi } from '../../../src/extension/api.js';
import { extension, openDocument, requestAction, screenshot, sleep, waitFor, waitForDiagnostics, workspaceUri } from './util.js';

const MANIFEST = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
`;

const registry = process.env['SHIPSHAPE_E2E_HOSTILE_REGISTRY'] ?? '';
const registryDigest = process.env['SHIPSHAPE_E2E_HOSTILE_REGISTRY_DIGEST'] ?? '';
const PIN_LINE = 7;
const pinManifest = (): string =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: hostile}\nspec:\n  securityContext: {runAsNonRoot: true}\n  containers:\n    - name: web\n      ` +
  `image: ${registry}/team/web:1.0\n`;

/** What the extension host looked like before trust; compared after it (no reload, no new host). */
const HOST_KEY = Symbol.for('shipshape.e2e.untrusted.host');
interface HostSnapshot {
  readonly pid: number;
  readonly exports: unknown;
  readonly activationMs: number;
}

type Api = ShipshapeTestApi;

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}

function jsonLines<T>(file: string | undefined): T[] {
  if (!file || !existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

/** Runs of the workspace's own programs (evil-trivy, evil-kube-credential). */
function programRuns(program?: string): { program: string; argv: string[]; pid: number }[] {
  return jsonLines<{ program: string; argv: string[]; pid: number }>(process.env['SHIPSHAPE_E2E_PROGRAM_LOG']).filter(
    (r) => !program || r.program === program,
  );
}

/** Connections, requests and non-HTTP connections the hostile registry saw. */
function registryEvents(): { event: 'connection' | 'request' | 'not-http'; method?: string; url?: string; authorized?: boolean }[] {
  return jsonLines(process.env['SHIPSHAPE_E2E_HOSTILE_REGISTRY_LOG']);
}

/** Calls of the user's credential helper (docker-credential-shipshape). */
function credentialHelperCalls(): { command: string; serverURL: string; found: boolean }[] {
  return jsonLines(process.env['SHIPSHAPE_TEST_CREDENTIALS_LOG']);
}

/** The workspace's .vscode/settings.json as written (the hostile values). */
function workspaceSettings(): Record<string, unknown> {
  return JSON.parse(readFileSync(workspaceUri('.vscode/settings.json').fsPath, 'utf8')) as Record<string, unknown>;
}

function restrictedConfigurations(): string[] {
  return extension().packageJSON.capabilities.untrustedWorkspaces.restrictedConfigurations as string[];
}

/** Runs the "Pin to digest" quick fix offered on the unpinned image at `line`. */
async function runPinQuickFix(uri: vscode.Uri, line: number): Promise<void> {
  const diagnostics = await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'unpinned-image' && x.range.start.line === line));
  const unpinned = diagnostics.find((x) => codeOf(x) === 'unpinned-image' && x.range.start.line === line)!;
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, unpinned.range);
  const pin = actions.find((a) => a.title.startsWith('Pin to digest'));
  assert.ok(pin?.command, `the Pin to digest quick fix is offered: ${actions.map((a) => a.title).join(', ')}`);
  await vscode.commands.executeCommand(pin.command.command, ...(pin.command.arguments ?? []));
}

describe('untrusted workspace', function () {
  before(function () {
    if (process.env['SHIPSHAPE_E2E_UNTRUSTED'] !== '1') this.skip();
  });

  it('does not activate at start-up in a workspace without container files', async () => {
    await sleep(1000); // start-up activations have long happened by the time tests run; leave a margin
    assert.equal(extension().isActive, false);
  });

  it('activates when a YAML file opens, and the static rules report in restricted mode', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    assert.equal(extension().packageJSON.capabilities.untrustedWorkspaces.supported, 'limited');
    const uri = workspaceUri('pod.yaml');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(MANIFEST));
    const editor = await openDocument(uri);
    await waitFor(() => extension().isActive, 10_000, 'Shipshape activates');
    const diagnostics = await waitForDiagnostics(editor.document.uri, (d) => d.length >= 3);
    // nginx 1.27 (mainline) ended when 1.28 came out: eol-image is one of the static rules.
    assert.deepEqual(diagnostics.map((d) => (typeof d.code === 'object' ? d.code.value : d.code)).sort(), [
      'eol-image',
      'root-user',
      'unpinned-image',
    ]);
  });

  it('runs no Trivy in an untrusted workspace, even when asked', async () => {
    await vscode.commands.executeCommand('shipshape.scanFile');
    await sleep(1500);
    const log = process.env['TRIVY_STANDIN_LOG'];
    assert.ok(log, 'the harness logs the stand-in');
    assert.equal(existsSync(log), false, 'the stand-in Trivy never ran');
  });

  it("ignores the workspace's values of the restricted settings, and applies its other settings", () => {
    const snapshot: HostSnapshot = {
      pid: process.pid,
      exports: extension().exports,
      activationMs: (extension().exports as Api).activationMs,
    };
    (globalThis as Record<symbol, unknown>)[HOST_KEY] = snapshot;

    const file = workspaceSettings();
    const settings = vscode.workspace.getConfiguration('shipshape');
    const restricted = restrictedConfigurations();
    assert.deepEqual([...restricted].sort(), [
      'shipshape.cluster.kubeconfig',
      'shipshape.compose.envFiles',
      'shipshape.helm.valuesFiles',
      'shipshape.registry.insecureRegistries',
      'shipshape.trivy.cacheDir',
      'shipshape.trivy.dbRepository',
      'shipshape.trivy.path',
      'shipshape.trivy.serverUrl',
    ]);
    for (const name of restricted) {
      const key = name.slice('shipshape.'.length);
      assert.ok(file[name] !== undefined, `the workspace sets ${name}`);
      const inspected = settings.inspect(key);
      assert.notDeepEqual(settings.get(key), file[name], `${name}: the workspace's value is not in effect`);
      assert.deepEqual(settings.get(key), inspected?.globalValue ?? inspected?.defaultValue, `${name}: the user's value or the default is`);
      // VS Code leaves restricted values out of what extensions see, inspect() included.
      assert.equal(inspected?.workspaceValue, undefined, `${name}: inspect() shows no workspace value in restricted mode`);
    }
    // The user's own Trivy setting (the stand-in) is kept; the workspace's program is not.
    assert.match(String(settings.get('trivy.path')), /test\/fixtures\/trivy\/trivy$/);
    // Settings that are not restricted come from the workspace as usual: the file was read.
    assert.equal(settings.inspect('scan.concurrency')?.workspaceValue, 3);
    assert.equal(settings.get('scan.concurrency'), 3);
  });

  it("runs none of the workspace's programs: Scan File, Scan Workspace and Clear Scan Cache run nothing", async () => {
    await openDocument('pod.yaml');
    await vscode.commands.executeCommand('shipshape.scanFile');
    await vscode.commands.executeCommand('shipshape.scanWorkspace');
    // Builds a scanner (with the settings of restricted mode) but runs nothing. It also loads the
    // scanner module, so that a scanner built later is built at once: see the test after Scan File.
    await vscode.commands.executeCommand('shipshape.clearScanCache');
    await sleep(1000);
    assert.deepEqual(programRuns(), [], "the workspace's programs never ran");
    assert.equal(existsSync(process.env['TRIVY_STANDIN_LOG'] ?? ''), false, "nor did the user's Trivy");
    assert.ok(!vscode.languages.getDiagnostics(workspaceUri('pod.yaml')).some((d) => codeOf(d) === 'vulnerable-image'));
  });

  it("Scan Cluster does nothing: the workspace's kubeconfig is not used, its credential plugin does not run", async () => {
    await vscode.commands.executeCommand('shipshape.scanCluster');
    await sleep(1000);
    const api = extension().exports as Api;
    assert.deepEqual(api.clusterProgress(), [], 'no pod was listed');
    assert.equal(api.clusterReport(), undefined);
    assert.deepEqual(programRuns('evil-kube-credential'), [], "the kubeconfig's credential plugin never ran");
  });

  it('Pin asks no registry and no credential helper: the quick fix and Pin All do nothing', async function () {
    if (!registry) this.skip();
    const uri = workspaceUri('pin.yaml');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(pinManifest()));
    const editor = await openDocument(uri);
    await runPinQuickFix(uri, PIN_LINE);
    await vscode.commands.executeCommand('shipshape.pinAll', uri.toString());
    await sleep(1500);
    assert.deepEqual(registryEvents(), [], "not even a connection to the registry (neither HTTPS nor the workspace's plain HTTP)");
    assert.deepEqual(credentialHelperCalls(), [], 'the credential helper never ran');
    assert.equal(editor.document.getText(), pinManifest(), 'the file is unchanged');
  });

  it("the Workspace Trust editor's Trust button trusts the workspace, without a reload", async function () {
    this.timeout(90_000);
    const granted = new Promise<number>((resolve) => {
      const subscription = vscode.workspace.onDidGrantWorkspaceTrust(() => {
        subscription.dispose();
        resolve(Date.now());
      });
    });
    const answer = await requestAction<{ title: string }>('trust', {}, 60_000);
    assert.ok(answer, 'the runner trusts the workspace (run.ts serves requests)');
    assert.match(answer.title, /You trust this folder/);
    await Promise.race([granted, sleep(15_000).then(() => Promise.reject(new Error('onDidGrantWorkspaceTrust did not fire within 15 s')))]);
    assert.equal(vscode.workspace.isTrusted, true);
    // The same extension host and the same activation of Shipshape as before the trust.
    const before = (globalThis as Record<symbol, unknown>)[HOST_KEY] as HostSnapshot | undefined;
    assert.ok(before, 'this extension host is the one the earlier tests ran in (no reload)');
    assert.equal(before.pid, process.pid);
    assert.equal(extension().isActive, true);
    assert.equal(extension().exports, before.exports, 'Shipshape was not activated again');
    assert.equal((extension().exports as Api).activationMs, before.activationMs);
    await screenshot('trusted');
  });

  it("once trusted, the workspace's values of the restricted settings are in effect", () => {
    const file = workspaceSettings();
    const settings = vscode.workspace.getConfiguration('shipshape');
    for (const name of restrictedConfigurations()) {
      const key = name.slice('shipshape.'.length);
      assert.deepEqual(settings.get(key), file[name], `${name} is the workspace's value`);
      assert.deepEqual(settings.inspect(key)?.workspaceValue, file[name]);
    }
  });

  it("once trusted, Scan File runs the workspace's Trivy, with its server and cache folder, and the image gets its vulnerabilities", async () => {
    const file = workspaceSettings();
    const editor = await openDocument('pod.yaml');
    await vscode.commands.executeCommand('shipshape.scanFile');
    const scan = await waitFor(
      () => programRuns('evil-trivy').find((r) => r.argv[0] === 'image' && r.argv.at(-1) === 'nginx:1.27'),
      20_000,
      "the workspace's Trivy scans an image",
    );
    assert.deepEqual(scan.argv.slice(-2), ['--', 'nginx:1.27']);
    const flag = (name: string) => scan.argv[scan.argv.indexOf(name) + 1];
    assert.equal(flag('--server'), file['shipshape.trivy.serverUrl']);
    assert.equal(flag('--cache-dir'), file['shipshape.trivy.cacheDir']);
    const diagnostics = await waitForDiagnostics(editor.document.uri, (d) => d.some((x) => codeOf(x) === 'vulnerable-image'), 20_000);
    const vulnerable = diagnostics.find((x) => codeOf(x) === 'vulnerable-image')!;
    assert.equal(vulnerable.range.start.line, 7);
    assert.match(vulnerable.message, /`nginx:1\.27` has \d+ known vulnerabilit/);
    await sleep(500);
    await screenshot('trusted-scan');
  });

  it("once trusted, no scan runs with the settings from before the trust (the user's Trivy, without the workspace's server)", async () => {
    // onDidGrantWorkspaceTrust comes before VS Code delivers the workspace's restricted values
    // (an onDidChangeConfiguration some tens of ms later); a scan started on the trust itself
    // must not use the settings from before it.
    // Trusting re-analyses the open files, which scans them (shipshape.scan.on is `open`). The
    // stand-in logs every run at its start and at its exit, also the runs through the workspace's
    // program (the same process): wait until every run has ended (a cancelled run is killed and
    // logs no exit), then look at who ran it.
    type Entry = { argv?: string[]; pid: number; end: number | null };
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const entries = await waitFor(
      () => {
        const all = jsonLines<Entry>(process.env['TRIVY_STANDIN_LOG']);
        const ended = new Set(all.filter((e) => e.end !== null).map((e) => e.pid));
        return all.every((e) => !e.argv || ended.has(e.pid) || !alive(e.pid)) && all;
      },
      20_000,
      'every Trivy run has ended',
    );
    const throughWorkspace = new Set(programRuns('evil-trivy').map((r) => r.pid));
    const direct = entries.filter((e) => e.argv && !throughWorkspace.has(e.pid)).map((e) => e.argv!.join(' '));
    // The settings from before the trust: the user's shipshape.trivy.path, no --server, no --cache-dir.
    assert.deepEqual(direct, [], "after the trust, the user's Trivy ran with the settings from before it");
  });

  it("once trusted, Pin asks the registry the workspace lists as insecure over plain HTTP, with the user's credential helper", async function () {
    if (!registry) this.skip();
    const uri = workspaceUri('pin.yaml');
    const editor = await openDocument(uri);
    await runPinQuickFix(uri, PIN_LINE);
    await waitFor(
      () => editor.document.lineAt(PIN_LINE).text === `      image: ${registry}/team/web:1.0@${registryDigest}`,
      15_000,
      'the image is pinned',
    );
    const events = registryEvents();
    assert.ok(
      events.some((e) => e.event === 'request' && e.authorized === true),
      `an authorized plain-HTTP request: ${JSON.stringify(events)}`,
    );
    assert.ok(!events.some((e) => e.event === 'not-http'), 'no HTTPS attempt');
    assert.ok(
      credentialHelperCalls().some((c) => c.command === 'get' && c.serverURL === registry && c.found),
      'the credential helper gave the credentials',
    );
    await editor.document.save();
  });

  it("once trusted, Scan Cluster uses the workspace's kubeconfig: its credential plugin runs", async () => {
    await vscode.commands.executeCommand('shipshape.scanCluster');
    await waitFor(() => programRuns('evil-kube-credential').length > 0, 20_000, "the kubeconfig's credential plugin runs");
    assert.ok((extension().exports as Api).clusterProgress().includes('listing pods…'));
  });
});
