// Vulnerability scanning in the editor, with the stand-in Trivy (test/fixtures/trivy/trivy),
// configured as shipshape.trivy.path by the harness's user settings.

import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { after, afterEach, before, describe, it } from 'mocha';
import type { JsonReport } from '../../../src/core/index.js';
import {
  extension,
  openDocument,
  revertAndCloseAll,
  screenshot,
  sleep,
  waitFor,
  waitForDiagnostics,
  workspaceRoot,
  workspaceUri,
} from './util.js';

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}

/** Image scans the stand-in Trivy ran in this session. */
function trivyScans(): string[][] {
  const file = process.env['TRIVY_STANDIN_LOG'];
  if (!file || !existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { argv?: string[] })
    .filter((e) => e.argv?.[0] === 'image')
    .map((e) => e.argv!);
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

describe('scanning with Trivy', () => {
  afterEach(revertAndCloseAll);

  it('scans a FROM on open: one diagnostic on the reference, a hover and a CodeLens with the counts', async () => {
    const editor = await openDocument('scan/Dockerfile');
    const uri = editor.document.uri;
    const diagnostics = await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'vulnerable-image'), 20_000);
    const vulnerable = diagnostics.filter((d) => codeOf(d) === 'vulnerable-image');
    assert.equal(vulnerable.length, 1);
    assert.equal(vulnerable[0]!.severity, vscode.DiagnosticSeverity.Error, 'a CRITICAL vulnerability is an error by default');
    assert.deepEqual(
      [vulnerable[0]!.range.start.line, vulnerable[0]!.range.start.character, vulnerable[0]!.range.end.character],
      [1, 5, 18],
    );
    assert.match(vulnerable[0]!.message, /`debian:buster` has 2 known vulnerabilities \(1 CRITICAL, 1 LOW; 1 with a fix\)/);
    const scans = trivyScans().filter((argv) => argv.at(-1) === 'debian:buster');
    assert.equal(scans.length, 1);
    assert.deepEqual(scans[0]!.slice(-2), ['--', 'debian:buster']);

    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(1, 10));
    const text = hoverText(hovers);
    assert.match(text, /\[CVE-2019-18224\]\(https:\/\/avd\.aquasec\.com\/nvd\/cve-2019-18224\)/);
    assert.match(text, /\| CRITICAL \| libidn2-0 \| 2\.0\.5-1 \| 2\.0\.5-1\+deb10u1 \|/);
    assert.match(text, /no fix \(affected\)/);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    assert.ok(lenses.some((l) => l.range.start.line === 1 && /1 CRITICAL, 1 LOW/.test(l.command?.title ?? '')));

    editor.selection = new vscode.Selection(1, 10, 1, 10);
    await vscode.commands.executeCommand('editor.action.showHover');
    await sleep(750);
    await screenshot('hover-vulnerabilities');
  });

  it("drops a reference's result at once when it is edited, and scans the new one on save", async () => {
    const editor = await openDocument('scan/Dockerfile');
    const uri = editor.document.uri;
    await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'vulnerable-image'), 20_000);
    await editor.edit((e) => e.replace(new vscode.Range(1, 12, 1, 18), 'bookworm'));
    // At once: the edit itself removes it, before any analysis or scan.
    assert.ok(!vscode.languages.getDiagnostics(uri).some((x) => codeOf(x) === 'vulnerable-image'));
    await editor.document.save();
    await waitFor(() => trivyScans().some((argv) => argv.at(-1) === 'debian:bookworm'), 20_000, 'the saved reference is scanned');
    await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'vulnerable-image' && /debian:bookworm/.test(x.message)), 20_000);
    await editor.edit((e) => e.replace(new vscode.Range(1, 12, 1, 20), 'buster'));
    await editor.document.save();
  });

  it("the scan command reports an image that cannot be scanned on that image, with Trivy's reason", async () => {
    const editor = await openDocument('scan/Dockerfile');
    await editor.edit((e) => e.insert(new vscode.Position(4, 0), 'FROM ghcr.io/acme/notfound:1.0\nUSER 1000\n'));
    await vscode.commands.executeCommand('shipshape.scanFile');
    const diagnostics = await waitForDiagnostics(editor.document.uri, (d) => d.some((x) => codeOf(x) === 'scan-failed'), 20_000);
    const failed = diagnostics.find((x) => codeOf(x) === 'scan-failed')!;
    assert.equal(failed.range.start.line, 4);
    assert.match(failed.message, /not found in its registry.*MANIFEST_UNKNOWN/);
    assert.ok(
      diagnostics.some((x) => codeOf(x) === 'vulnerable-image'),
      'the other image keeps its result',
    );
  });
});

describe('the scan CodeLens', () => {
  afterEach(revertAndCloseAll);

  it('scans the file it is on, not the editor that is active when it is clicked', async function () {
    this.timeout(60_000);
    const settings = vscode.workspace.getConfiguration('shipshape');
    // Scans only when asked: the lens's is the only one.
    await settings.update('scan.on', 'manual', vscode.ConfigurationTarget.Global);
    const uri = workspaceUri('lens/Dockerfile');
    const other = workspaceUri('lens/other.Dockerfile');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('FROM debian:buster\nUSER 1000\n'));
    await vscode.workspace.fs.writeFile(other, new TextEncoder().encode('FROM busybox:1.36\nUSER 1000\n'));
    try {
      const editor = await openDocument(uri);
      await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'unpinned-image'));
      await vscode.commands.executeCommand('shipshape.scanFile');
      await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'vulnerable-image'), 20_000);
      // An image the file has now and no scan has seen.
      await editor.edit((e) => e.insert(new vscode.Position(2, 0), 'FROM alpine:3.19\nUSER 1000\n'));
      await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'unpinned-image' && x.range.start.line === 2));
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      const lens = lenses.find((l) => l.command?.command === 'shipshape.scanFile');
      assert.ok(lens?.command, 'the scan lens is shown');
      // Another file is in the active editor when the lens is clicked.
      await openDocument(other, { viewColumn: vscode.ViewColumn.Beside });
      await waitForDiagnostics(other, (d) => d.some((x) => codeOf(x) === 'unpinned-image'));
      assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), other.toString());
      await vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments ?? []));
      const scanned = trivyScans().map((argv) => argv.at(-1));
      assert.ok(scanned.includes('alpine:3.19'), `the lens's file is scanned: ${scanned.join(', ')}`);
      assert.ok(!scanned.includes('busybox:1.36'), 'the active editor is not');
    } finally {
      await revertAndCloseAll();
      await settings.update('scan.on', undefined, vscode.ConfigurationTarget.Global);
      for (const file of [uri, other]) await vscode.workspace.fs.delete(file);
    }
  });
});

describe('scanning the workspace', function () {
  // Every Trivy run of a folder of real repositories, on a machine other tests share.
  this.timeout(240_000);
  // Images' users from registries depend on the network (and wait for it): both the editor and
  // the CLI (--no-registry) go without.
  before(() => vscode.workspace.getConfiguration('shipshape').update('registry.imageUsers', false, vscode.ConfigurationTarget.Global));
  after(() => vscode.workspace.getConfiguration('shipshape').update('registry.imageUsers', undefined, vscode.ConfigurationTarget.Global));

  it("scans every image of the workspace's Dockerfiles, manifests, Compose files and CI workflows, each once", async () => {
    await vscode.commands.executeCommand('shipshape.scanWorkspace');
    const scanned = trivyScans().map((argv) => argv.at(-1));
    // postgres is the CI workflow's service: its job container and services are images it runs.
    for (const image of ['nginx:1.27', 'redis', 'node:latest', 'postgres'])
      assert.ok(scanned.includes(image), `${image} was scanned: ${scanned.join(', ')}`);
    assert.equal(scanned.filter((r) => r === 'nginx:1.27').length, 1, 'each image once, however often it is named or asked for');
  });

  it('finds in a folder of real repositories what `shipshape scan` finds there: the same files, lines and rules', async () => {
    const folder = 'corpus/realworld';
    await revertAndCloseAll();
    await vscode.commands.executeCommand('shipshape.scanWorkspace');
    const editor: string[] = [];
    for (const [uri, diagnostics] of vscode.languages.getDiagnostics()) {
      const file = vscode.workspace.asRelativePath(uri, false);
      if (!file.startsWith(`${folder}/`)) continue;
      for (const d of diagnostics) editor.push(`${file}:${d.range.start.line + 1} ${d.code === undefined ? 'error' : codeOf(d)}`);
    }
    // The whole workspace, as the editor scans it: a registry out of reach is one entry at its first
    // pin in the scan, which a scan of the folder alone would place elsewhere.
    const report = await cliScan('.');
    const inFolder = (entry: { file: string }) => entry.file.startsWith(`${folder}/`);
    const cli = [
      ...report.findings.filter(inFolder).map((f) => `${f.file}:${f.line} ${f.rule}`),
      // Both check `tag@sha256:` pins against their registries (stale-digest); offline here, a pin
      // that could not be checked is an error entry of the CLI's and a note on the pin in the editor.
      ...report.errors
        .filter(inFolder)
        .map(
          (e) =>
            `${e.file}:${e.line ?? 1} ${e.reference === undefined ? 'error' : /^the pins? .* could not be checked/.test(e.message) ? 'pin-check-failed' : 'scan-failed'}`,
        ),
    ];
    assert.ok(
      ['unpinned-image', 'root-user', 'vulnerable-image'].every((rule) => cli.some((f) => f.endsWith(` ${rule}`))),
      'the folder has findings of every kind',
    );
    assert.ok(
      report.images.some((i) => i.source === 'kustomize' && inFolder(i)) && report.images.some((i) => i.source === 'helm' && inFolder(i)),
      'and Kustomize and Helm images',
    );
    assert.deepEqual(editor.sort(), cli.sort());
  });
});

/**
 * `shipshape scan --format json` over a folder of the workspace, run from the workspace's root
 * with the stand-in Trivy (without logging its runs: other tests count them), the registries not
 * asked and no cached results.
 */
function cliScan(folder: string): Promise<JsonReport> {
  const root = extension().extensionPath;
  const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
  delete env['TRIVY_STANDIN_LOG'];
  const args = [
    path.join(root, 'dist', 'cli.js'),
    'scan',
    '--trivy',
    path.join(root, 'test', 'fixtures', 'trivy', 'trivy'),
    '--no-registry',
    '--no-cache',
    '--fail-on',
    'none',
    '--format',
    'json',
    folder,
  ];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: workspaceRoot().fsPath, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`shipshape scan failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as JsonReport);
    });
  });
}
