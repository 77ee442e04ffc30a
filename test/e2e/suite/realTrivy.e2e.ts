// The editor with the real Trivy (v0.74.0, built from its sources) as shipshape.trivy.path:
// a Dockerfile and a manifest name images of the loopback registry that hold real package
// databases (test/support/distroImages.ts), Trivy reads our own vulnerability database offline
// (the runner's TRIVY_* environment, as the CLI tests set it), and the `vulnerable-image`
// diagnostic and the hover say what `trivy image --format json` says run directly on the same image.
// The cluster view, given shipshape.trivy.serverUrl, scans the test cluster's pods that run those
// images through a real `trivy server` (with a token), and finds what `trivy image` finds.
// The runner (test/e2e/run.ts) pushes the images and describes them in SHIPSHAPE_E2E_REAL_TRIVY.

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { after, afterEach, before, describe, it } from 'mocha';
import { countsOf, offlineEnv, trivyImage, vulnerabilitiesOf, type TrivyReport } from '../../support/realTrivy.js';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ShipshapeTestApi } from '../../../src/extension/api.js';
import { extension, openDocument, revertAndCloseAll, screenshot, sleep, waitForDiagnostics, workspaceUri } from './util.js';

interface RealTrivySetup {
  /** The Trivy binary. */
  trivy: string;
  /** Trivy's cache folder holding our database (also TRIVY_CACHE_DIR of the extension host). */
  cacheDir: string;
  /** `host:port/shipshape/alpine:3.19` and `host:port/shipshape/debian:12`. */
  alpine: string;
  debian: string;
  /** `trivy server` on the same database, wanting the token the extension host has in TRIVY_TOKEN, in this header. */
  server: string;
  tokenHeader: string;
}

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;

const setupText = process.env['SHIPSHAPE_E2E_REAL_TRIVY'];
const setup = setupText ? (JSON.parse(setupText) as RealTrivySetup) : undefined;

const codeOf = (d: vscode.Diagnostic): string => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

/** `2 CRITICAL, 5 HIGH`: Trivy's non-zero counts, worst first, as the editor writes them. */
function countsText(report: TrivyReport): string {
  const counts = countsOf(report);
  return SEVERITIES.filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`)
    .join(', ');
}

const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('the real Trivy in the editor', function () {
  // Real scans on a machine other tests share.
  this.timeout(180_000);
  const settings = () => vscode.workspace.getConfiguration('shipshape');
  const files: vscode.Uri[] = [];

  before(async function () {
    // Only the code-server runner builds Trivy and pushes the images.
    if (!setup) this.skip();
    // Machine-overridable: a workspace setting overrides the runner's machine settings (the stand-in).
    await settings().update('trivy.path', setup.trivy, vscode.ConfigurationTarget.Workspace);
  });
  after(async () => {
    if (!setup) return;
    await settings().update('trivy.path', undefined, vscode.ConfigurationTarget.Workspace);
    for (const file of files) await vscode.workspace.fs.delete(file);
  });
  afterEach(revertAndCloseAll);

  /** Writes `text` to `relPath` in the workspace (removed after the suite), opens it, waits for its `vulnerable-image` diagnostic. */
  async function scanned(
    relPath: string,
    text: string,
  ): Promise<{ uri: vscode.Uri; editor: vscode.TextEditor; diagnostic: vscode.Diagnostic }> {
    const uri = workspaceUri(relPath);
    files.push(uri);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    const editor = await openDocument(uri);
    const diagnostics = await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'vulnerable-image'), 150_000);
    const vulnerable = diagnostics.filter((x) => codeOf(x) === 'vulnerable-image');
    assert.equal(vulnerable.length, 1, vulnerable.map((x) => x.message).join('\n'));
    return { uri, editor, diagnostic: vulnerable[0]! };
  }

  /** The diagnostic's and the hover's counts against Trivy's own report of the same image. */
  async function compare(uri: vscode.Uri, diagnostic: vscode.Diagnostic, image: string): Promise<void> {
    const trivy = await trivyImage(setup!.trivy, image, offlineEnv(setup!.cacheDir));
    const vulnerabilities = vulnerabilitiesOf(trivy);
    assert.ok(vulnerabilities.length > 0, 'the image has known vulnerabilities in our database');
    const fixable = vulnerabilities.filter((v) => (v.FixedVersion ?? '') !== '').length;
    assert.match(
      diagnostic.message,
      new RegExp(`has ${vulnerabilities.length} known vulnerabilities \\(${escaped(countsText(trivy))}; ${fixable} with a fix\\)`),
    );
    const worst = SEVERITIES.find((s) => countsOf(trivy)[s] > 0)!;
    const expected = worst === 'CRITICAL' ? vscode.DiagnosticSeverity.Error : undefined;
    if (expected !== undefined) assert.equal(diagnostic.severity, expected, 'a CRITICAL vulnerability is an error by default');

    const at = new vscode.Position(diagnostic.range.start.line, diagnostic.range.start.character + 1);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, at);
    const text = hoverText(hovers);
    assert.match(text, new RegExp(`${vulnerabilities.length} known vulnerabilities: ${escaped(countsText(trivy))}\\.`));
    // Each row of the hover's table is one of Trivy's vulnerabilities, worst first; at most ten.
    const rows = text.split('\n').filter((line) => /^\| \[?(CVE|GHSA)-/.test(line));
    assert.equal(rows.length, Math.min(vulnerabilities.length, 10));
    const known = new Set(vulnerabilities.map((v) => `${v.VulnerabilityID} ${v.Severity} ${v.PkgName} ${v.InstalledVersion}`));
    for (const row of rows) {
      const [id, severity, pkg, installed] = row
        .split('|')
        .slice(1, 5)
        .map((cell) =>
          cell
            .trim()
            .replace(/^\[([^\]]+)\].*$/, '$1')
            .replace(/\\/g, ''),
        );
      assert.ok(known.has(`${id} ${severity} ${pkg} ${installed}`), `the hover's row is Trivy's: ${row}`);
    }
    assert.equal(rows[0]!.split('|')[2]!.trim(), worst);
    if (vulnerabilities.length > 10) assert.match(text, new RegExp(`…and ${vulnerabilities.length - 10} more\\.`));
  }

  it("a Dockerfile's FROM: the diagnostic and the hover count what trivy image counts", async () => {
    const { uri, editor, diagnostic } = await scanned('real-trivy/Dockerfile', `FROM ${setup!.alpine}\nUSER 1000\n`);
    assert.equal(diagnostic.range.start.line, 0);
    await compare(uri, diagnostic, setup!.alpine);
    editor.selection = new vscode.Selection(0, 10, 0, 10);
    await vscode.commands.executeCommand('editor.action.showHover');
    await sleep(750);
    await screenshot('real-trivy-hover');
  });

  it("a manifest's container image: the same", async () => {
    const manifest = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: api}',
      'spec:',
      '  securityContext: {runAsNonRoot: true, runAsUser: 1000}',
      '  containers:',
      `    - {name: api, image: "${setup!.debian}"}`,
      '',
    ].join('\n');
    const { uri, diagnostic } = await scanned('real-trivy/pod.yaml', manifest);
    assert.equal(diagnostic.range.start.line, 6);
    await compare(uri, diagnostic, setup!.debian);
  });

  it('the cluster view scans through the Trivy server of shipshape.trivy.serverUrl: each image has the findings trivy image gives', async () => {
    const kubeconfig = process.env['SHIPSHAPE_E2E_KUBECONFIG'] ?? '';
    // A Trivy cache without a database (and no download allowed): only the server can answer.
    const emptyCache = mkdtempSync(path.join(os.tmpdir(), 'shipshape-e2e-empty-trivy-'));
    const set = async (entries: Record<string, unknown>, target: vscode.ConfigurationTarget) => {
      for (const [key, value] of Object.entries(entries)) await settings().update(key, value, target);
    };
    const trivySettings = { 'trivy.serverUrl': setup!.server, 'trivy.tokenHeader': setup!.tokenHeader, 'trivy.cacheDir': emptyCache };
    const clusterSettings = { 'cluster.kubeconfig': kubeconfig, 'cluster.context': 'shipshape-test', 'cluster.namespaces': ['real-trivy'] };
    await set(trivySettings, vscode.ConfigurationTarget.Workspace);
    await set(clusterSettings, vscode.ConfigurationTarget.Global);
    try {
      await vscode.commands.executeCommand('shipshape.scanCluster');
      const api = (await extension().activate()) as ShipshapeTestApi;
      const report = api.clusterReport();
      assert.ok(report, 'a report exists after the command');
      assert.deepEqual(
        report.clusters.map((c) => [c.context, c.pods, c.error]),
        [['shipshape-test', 2, undefined]],
      );
      assert.equal(report.images.length, 2, report.images.join(', '));
      assert.match(api.clusterProgress().at(-1) ?? '', /^2 images found · 2 scanned · 0 failed$/, api.clusterProgress().join(' / '));
      for (const image of report.images) {
        const trivy = await trivyImage(setup!.trivy, image, offlineEnv(setup!.cacheDir));
        const expected = vulnerabilitiesOf(trivy)
          .map((v) => `${v.VulnerabilityID} ${v.Severity}`)
          .sort();
        assert.ok(expected.length > 0, image);
        const found = report.findings
          .filter((f) => f.image === image)
          .map((f) => `${f.id} ${f.severity}`)
          .sort();
        assert.deepEqual(found, expected, image);
      }
    } finally {
      await set(Object.fromEntries(Object.keys(trivySettings).map((k) => [k, undefined])), vscode.ConfigurationTarget.Workspace);
      await set(Object.fromEntries(Object.keys(clusterSettings).map((k) => [k, undefined])), vscode.ConfigurationTarget.Global);
      rmSync(emptyCache, { recursive: true, force: true });
    }
  });
});
