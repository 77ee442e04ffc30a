// The extension in a real VS Code: diagnostics where a user expects them, live updates while
// editing, quick fixes, settings, and which YAML it leaves alone.

import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { afterEach, describe, it } from 'mocha';
import {
  closeAllEditors,
  corpusUri,
  revertAndCloseAll,
  extension,
  openDocument,
  screenshot,
  sleep,
  waitForDiagnostics,
  workspaceUri,
} from './util.js';

type Shape = [rule: string, severity: vscode.DiagnosticSeverity, range: string];

const { Error: E, Information: I, Warning: W } = vscode.DiagnosticSeverity;

/** `line:col-line:col`, 1-based, as the CLI prints them. */
function at(range: vscode.Range): string {
  return `${range.start.line + 1}:${range.start.character + 1}-${range.end.line + 1}:${range.end.character + 1}`;
}

function ruleOf(diagnostic: vscode.Diagnostic): string {
  return typeof diagnostic.code === 'object' ? String(diagnostic.code.value) : String(diagnostic.code);
}

/** The static rules' diagnostics (scan results are the subject of scanning.e2e.ts). */
function shapes(diagnostics: readonly vscode.Diagnostic[]): Shape[] {
  return diagnostics
    .filter((d) => d.source === 'Shipshape' && !['vulnerable-image', 'scan-failed'].includes(ruleOf(d)))
    .map((d): Shape => [ruleOf(d), d.severity, at(d.range)])
    .sort((a, b) => a[2].localeCompare(b[2], undefined, { numeric: true }));
}

async function quickFixes(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
    'vscode.executeCodeActionProvider',
    uri,
    range,
  );
  return actions.filter((a): a is vscode.CodeAction => 'edit' in a || 'kind' in a);
}

describe('Shipshape in the editor', () => {
  afterEach(revertAndCloseAll);

  it('is active in a workspace with Dockerfiles, and never activates at start-up by itself', () => {
    const events: string[] = extension().packageJSON.activationEvents;
    assert.ok(!events.includes('*') && !events.includes('onStartupFinished'), events.join(', '));
    assert.ok(events.includes('onLanguage:dockerfile') && events.includes('onLanguage:yaml'));
    assert.ok(extension().isActive);
  });

  it('shows the expected diagnostics on a corpus Dockerfile, at the expected ranges', async () => {
    const uri = corpusUri('dockerfiles/ingress-nginx--images-kube-webhook-certgen-rootfs.Dockerfile');
    await openDocument(uri);
    const diagnostics = await waitForDiagnostics(uri, (d) => d.length >= 2);
    assert.deepEqual(shapes(diagnostics), [
      ['unresolved-image', I, '17:32-17:56'],
      ['unpinned-image', I, '27:32-27:64'],
    ]);
    const unpinned = diagnostics.find((d) => ruleOf(d) === 'unpinned-image')!;
    assert.equal(unpinned.source, 'Shipshape');
    const code = unpinned.code as { value: string; target: vscode.Uri };
    // The rule's page, shipped inside the extension (no web site is needed to read it).
    assert.equal(code.target.toString(), vscode.Uri.joinPath(extension().extensionUri, 'docs', 'rules', 'unpinned-image.md').toString());
    assert.ok(existsSync(code.target.fsPath), code.target.fsPath);
  });

  it('shows the expected diagnostics on a corpus manifest, at the expected ranges', async () => {
    const uri = corpusUri('k8s/trivy--integration--testdata--fixtures--k8s--test_nginx.yaml');
    await openDocument(uri);
    const diagnostics = await waitForDiagnostics(uri, (d) => d.length >= 2);
    assert.deepEqual(shapes(diagnostics), [
      ['root-user', I, '18:15-18:20'],
      ['unpinned-image', I, '19:16-19:28'],
      // nginx 1.14 ended in 2019: the editor judges end of life at today's date.
      ['eol-image', vscode.DiagnosticSeverity.Warning, '19:16-19:28'],
    ]);
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    await screenshot('problems-panel-manifest');
  });

  it('updates the diagnostics when an edit pins or unpins an image', async () => {
    const editor = await openDocument('Dockerfile');
    const uri = editor.document.uri;
    await waitForDiagnostics(uri, (d) => shapes(d).some(([rule]) => rule === 'unpinned-image'));
    const line = editor.document.lineAt(1);
    const digest = `sha256:${'a'.repeat(64)}`;
    await editor.edit((e) => e.replace(line.range, `FROM node:22@${digest}`));
    await waitForDiagnostics(uri, (d) => !shapes(d).some(([rule]) => rule === 'unpinned-image'));
    await editor.edit((e) => e.replace(editor.document.lineAt(1).range, 'FROM node'));
    const unpinned = await waitForDiagnostics(uri, (d) =>
      shapes(d).some(([rule, , range]) => rule === 'unpinned-image' && range === '2:6-2:10'),
    );
    assert.equal(unpinned.find((d) => ruleOf(d) === 'unpinned-image')!.severity, W);
  });

  it('quick fix: ignore a rule on this line writes the comment and silences it', async () => {
    const editor = await openDocument('Dockerfile');
    const uri = editor.document.uri;
    const diagnostics = await waitForDiagnostics(uri, (d) => shapes(d).some(([rule]) => rule === 'unpinned-image'));
    const target = diagnostics.find((d) => ruleOf(d) === 'unpinned-image')!;
    editor.selection = new vscode.Selection(target.range.start, target.range.start);
    await vscode.commands.executeCommand('editor.action.quickFix');
    await sleep(750); // the menu is drawn asynchronously
    await screenshot('quick-fix-menu');
    await vscode.commands.executeCommand('hideCodeActionWidget');
    const fix = (await quickFixes(uri, target.range)).find((a) => a.title === 'Ignore unpinned-image on this line');
    assert.ok(fix?.edit, 'the suppression fix is offered');
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.equal(editor.document.lineAt(1).text, '# shipshape-ignore unpinned-image');
    assert.equal(editor.document.lineAt(2).text, 'FROM node:latest');
    await waitForDiagnostics(
      uri,
      (d) => !shapes(d).some(([rule]) => rule === 'unpinned-image') && shapes(d).some(([rule]) => rule === 'root-user'),
    );
  });

  it('quick fix: set runAsNonRoot: true on a Kubernetes container, keeping its keys', async () => {
    const editor = await openDocument('k8s/deployment.yaml');
    const uri = editor.document.uri;
    const diagnostics = await waitForDiagnostics(uri, (d) => shapes(d).some(([rule]) => rule === 'root-user'));
    const root = diagnostics.find((d) => ruleOf(d) === 'root-user')!;
    const fix = (await quickFixes(uri, root.range)).find((a) => /runAsNonRoot/.test(a.title));
    assert.ok(fix?.edit, 'the runAsNonRoot fix is offered');
    assert.equal(fix.isPreferred, true);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    const text = editor.document.getText();
    assert.match(text, /\n {8}- name: web\n {10}securityContext:\n {12}runAsNonRoot: true\n {10}image: nginx:1\.27\n {10}ports:\n/);
    await waitForDiagnostics(uri, (d) => !shapes(d).some(([rule]) => rule === 'root-user'));
  });

  it('quick fix: an end-of-life tag is moved to a supported one, written pinned where the registry may be asked', async () => {
    const uri = workspaceUri('eol/Dockerfile');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('FROM node:16-bullseye\nUSER 1000\n'));
    const editor = await openDocument(uri);
    const diagnostics = await waitForDiagnostics(uri, (d) => shapes(d).some(([rule]) => rule === 'eol-image'));
    const eol = diagnostics.find((d) => ruleOf(d) === 'eol-image')!;
    const fixes = (await quickFixes(uri, eol.range)).filter((a) => /^Use the supported tag/.test(a.title));
    const [plain, pinned] = [fixes.find((a) => !/pinned/.test(a.title)), fixes.find((a) => /pinned \(asks the registry\)$/.test(a.title))];
    assert.ok(plain?.edit && pinned?.edit && pinned.command, fixes.map((a) => a.title).join(', '));
    // The pinned one is preferred: the same edit, then the tag completion's command asks for the new tag's digest.
    assert.equal(pinned.isPreferred, true);
    assert.notEqual(plain.isPreferred, true);
    const tag = /^Use the supported tag (\S+),/.exec(pinned.title)![1]!;
    assert.match(tag, /^\d+-[a-z]+$/);
    assert.equal(pinned.command.command, 'shipshape.pinCompletedTag');
    assert.deepEqual(pinned.command.arguments, [{ uri: uri.toString(), line: 0, character: 10, repository: 'node', tag }]);
    assert.ok(await vscode.workspace.applyEdit(pinned.edit));
    assert.equal(editor.document.lineAt(0).text, `FROM node:${tag}`);
  });

  it('a setting change updates severities at once', async () => {
    const editor = await openDocument('k8s/deployment.yaml');
    const uri = editor.document.uri;
    await waitForDiagnostics(uri, (d) => shapes(d).some(([rule, severity]) => rule === 'unpinned-image' && severity === I));
    const settings = vscode.workspace.getConfiguration('shipshape');
    try {
      await settings.update('rules.unpinnedImage.mutableTagSeverity', 'error', vscode.ConfigurationTarget.Workspace);
      await waitForDiagnostics(uri, (d) => shapes(d).some(([rule, severity]) => rule === 'unpinned-image' && severity === E));
      await settings.update('rules.rootUser.enabled', false, vscode.ConfigurationTarget.Workspace);
      await waitForDiagnostics(uri, (d) => !shapes(d).some(([rule]) => rule === 'root-user'));
    } finally {
      await settings.update('rules.unpinnedImage.mutableTagSeverity', undefined, vscode.ConfigurationTarget.Workspace);
      await settings.update('rules.rootUser.enabled', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitForDiagnostics(
      uri,
      (d) =>
        shapes(d).some(([rule, severity]) => rule === 'unpinned-image' && severity === I) &&
        shapes(d).some(([rule]) => rule === 'root-user'),
    );
  });

  it("gives a CI workflow's job container and service their diagnostics, at their ranges", async () => {
    const workflow = await openDocument('.github/workflows/ci.yml');
    assert.equal(workflow.document.languageId, 'yaml');
    const diagnostics = await waitForDiagnostics(workflow.document.uri, (d) => shapes(d).length >= 2);
    assert.deepEqual(shapes(diagnostics), [
      ['unpinned-image', W, '8:14-8:25'],
      ['unpinned-image', W, '11:16-11:24'],
    ]);
  });

  it('checks a dev container and a Quadlet unit, and ignores a rule in JSON with comments', async () => {
    const devcontainer = await openDocument('.devcontainer/devcontainer.json');
    const uri = devcontainer.document.uri;
    const diagnostics = await waitForDiagnostics(uri, (d) => shapes(d).length >= 1);
    assert.deepEqual(shapes(diagnostics), [['unpinned-image', I, '3:13-3:58']]);
    const fix = (await quickFixes(uri, diagnostics[0]!.range)).find((a) => a.title === 'Ignore unpinned-image on this line');
    assert.ok(fix?.edit, 'the suppression fix is offered');
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.equal(devcontainer.document.lineAt(2).text, '  // shipshape-ignore unpinned-image');
    await waitForDiagnostics(uri, (d) => shapes(d).length === 0);
    const unit = await openDocument('web.container');
    const unitDiagnostics = await waitForDiagnostics(unit.document.uri, (d) => shapes(d).length >= 1);
    assert.deepEqual(shapes(unitDiagnostics), [['unpinned-image', W, '5:7-5:37']]);
  });

  it('associates Containerfile, *.Dockerfile and Dockerfile.* with the dockerfile language', async () => {
    for (const name of ['Containerfile', 'app.Dockerfile', 'Dockerfile.prod']) {
      const uri = workspaceUri(`languages/${name}`);
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('FROM alpine:latest\n'));
      const editor = await openDocument(uri);
      assert.equal(editor.document.languageId, 'dockerfile', name);
      await waitForDiagnostics(uri, (d) => shapes(d).some(([rule]) => rule === 'unpinned-image'));
    }
  });

  it("clears a document's diagnostics when it is closed", async () => {
    const editor = await openDocument('Dockerfile');
    await waitForDiagnostics(editor.document.uri);
    await closeAllEditors();
    // Closing an editor does not close the document at once: VS Code disposes it a little later.
    await waitForDiagnostics(editor.document.uri, (d) => d.length === 0, 15_000);
  });

  it('a 20 MB manifest and a 1 MB single-line file are not analysed: a note says so, and the editor keeps answering', async function () {
    this.timeout(120_000);
    const deployment = (i: number) =>
      `---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-${i}\nspec:\n  template:\n    spec:\n      containers:\n        - name: ` +
      `web\n          image: nginx:1.27\n          ` +
      `env:\n${Array.from({ length: 20 }, (_, k) => `            - name: V${k}\n              value: "${'x'.repeat(40)}"\n`).join('')}`;
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; size < 20 * 1024 * 1024; i++) {
      parts.push(deployment(i));
      size += parts[parts.length - 1]!.length;
    }
    const huge = workspaceUri('generated/huge.yaml');
    await vscode.workspace.fs.writeFile(huge, new TextEncoder().encode(parts.join('')));
    const pods = Array.from({ length: 9000 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `p${i}` },
      spec: { containers: [{ name: 'c', image: `registry.example/app${i}:1.${i}` }] },
    }));
    const oneLine = workspaceUri('generated/one-line.yaml');
    await vscode.workspace.fs.writeFile(oneLine, new TextEncoder().encode(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: pods })));
    try {
      const tooLarge = (uri: vscode.Uri) => waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'file-too-large'), 60_000);
      const [bigNote] = await tooLarge((await openDocument(huge)).document.uri);
      assert.match(
        bigNote!.message,
        /^Shipshape did not analyse this file: it is 20\.\d MB, over shipshape\.analysis\.maxFileSize \(10\.0 MB\)/,
      );
      assert.equal(bigNote!.severity, vscode.DiagnosticSeverity.Information);
      const [lineNote] = await tooLarge((await openDocument(oneLine)).document.uri);
      assert.match(lineNote!.message, /^Shipshape did not analyse this file: it has a line of 1\.\d MB/);
      assert.equal(vscode.languages.getDiagnostics(oneLine).length, 1, 'only the note');
      // Meanwhile other files are analysed as usual, edits included.
      const editor = await openDocument('Dockerfile');
      await waitForDiagnostics(editor.document.uri, (d) => shapes(d).length > 0);
      await editor.edit((e) => e.insert(new vscode.Position(editor.document.lineCount, 0), '\nFROM alpine:latest\n'));
      await waitForDiagnostics(editor.document.uri, (d) => d.some((x) => x.message.includes('alpine:latest')));
      // A lower limit applies to small files too, and lifting it analyses them again.
      const settings = vscode.workspace.getConfiguration('shipshape');
      await settings.update('analysis.maxFileSize', 0.0001, vscode.ConfigurationTarget.Global);
      try {
        await waitForDiagnostics(editor.document.uri, (d) => d.length === 1 && d[0]!.code === 'file-too-large');
      } finally {
        await settings.update('analysis.maxFileSize', undefined, vscode.ConfigurationTarget.Global);
      }
      await waitForDiagnostics(editor.document.uri, (d) => shapes(d).length > 0);
    } finally {
      await revertAndCloseAll();
      await vscode.workspace.fs.delete(vscode.Uri.joinPath(huge, '..'), { recursive: true });
    }
  });
});
