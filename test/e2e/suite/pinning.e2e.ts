// Pinning to digests in the editor, against a real registry the harness runs on loopback
// (SHIPSHAPE_E2E_REGISTRY, with team/web:1.0 pushed; its digest in SHIPSHAPE_E2E_REGISTRY_DIGEST).

import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import { afterEach, before, describe, it } from 'mocha';
import { openDocument, revertAndCloseAll, screenshot, sleep, waitFor, waitForDiagnostics, workspaceUri } from './util.js';

const host = process.env['SHIPSHAPE_E2E_REGISTRY'] ?? '';
const digest = process.env['SHIPSHAPE_E2E_REGISTRY_DIGEST'] ?? '';
const stableDigest = process.env['SHIPSHAPE_E2E_REGISTRY_STABLE_DIGEST'] ?? '';

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}

/** Runs the "Pin to digest" quick fix offered on the unpinned image at `line`. */
async function pinAt(editor: vscode.TextEditor, line: number): Promise<void> {
  const uri = editor.document.uri;
  const diagnostics = await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'unpinned-image' && x.range.start.line === line));
  const unpinned = diagnostics.find((x) => codeOf(x) === 'unpinned-image' && x.range.start.line === line)!;
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, unpinned.range);
  const pin = actions.find((a) => a.title.startsWith('Pin to digest'));
  assert.ok(pin?.command, `the Pin to digest quick fix is offered: ${actions.map((a) => a.title).join(', ')}`);
  assert.equal(pin.isPreferred, true);
  await vscode.commands.executeCommand(pin.command.command, ...(pin.command.arguments ?? []));
}

/**
 * The registry behind a door the test opens: every request waits until `release()`, then goes
 * through. It runs in the extension host (the tests' process), on loopback.
 */
async function heldRegistry(): Promise<{ host: string; arrived(): Promise<void>; release(): void; close(): Promise<void> }> {
  const [targetHost, targetPort] = host.split(':');
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let seen = 0;
  const waiting: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    seen++;
    for (const arrived of waiting.splice(0)) arrived();
    void released.then(() => {
      const upstream = http.request(
        { host: targetHost, port: Number(targetPort), method: req.method, path: req.url, headers: { ...req.headers, host }, agent: false },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrived: () => new Promise<void>((resolve) => (seen > 0 ? resolve() : waiting.push(resolve))),
    release,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('pinning to digests', () => {
  before(function () {
    if (!host) this.skip();
  });
  afterEach(revertAndCloseAll);

  it('the quick fix turns a FROM into name:tag@digest, keeping AS and --platform', async () => {
    const uri = workspaceUri('pin/Dockerfile');
    await vscode.workspace.fs.writeFile(
      uri,
      new TextEncoder().encode(`FROM --platform=linux/amd64 ${host}/team/web:1.0 AS app\nUSER 1000\n`),
    );
    const editor = await openDocument(uri);
    editor.selection = new vscode.Selection(0, 30, 0, 30);
    await vscode.commands.executeCommand('editor.action.quickFix');
    await sleep(750);
    await screenshot('pin-quick-fix');
    await vscode.commands.executeCommand('hideCodeActionWidget');
    await pinAt(editor, 0);
    await waitFor(
      () => editor.document.lineAt(0).text === `FROM --platform=linux/amd64 ${host}/team/web:1.0@${digest} AS app`,
      15_000,
      'the FROM is pinned',
    );
    await waitForDiagnostics(uri, (d) => !d.some((x) => codeOf(x) === 'unpinned-image'));
  });

  it('the quick fix pins a container image: in YAML, keeping the quotes and the comment', async () => {
    const uri = workspaceUri('pin/pod.yaml');
    const text =
      `apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  securityContext: {runAsNonRoot: true}\n  containers:\n    - name: ` +
      `web\n      image: "${host}/team/web:1.0" # the site\n`;
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    const editor = await openDocument(uri);
    await pinAt(editor, 7);
    await waitFor(
      () => editor.document.lineAt(7).text === `      image: "${host}/team/web:1.0@${digest}" # the site`,
      15_000,
      'the image is pinned',
    );
  });

  it('a tag that cannot be resolved is said once, and the file is unchanged', async () => {
    const uri = workspaceUri('pin/missing.Dockerfile');
    const text = `FROM ${host}/team/web:9.9\nUSER 1000\n`;
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    const editor = await openDocument(uri);
    await pinAt(editor, 0);
    await sleep(500);
    assert.equal(editor.document.getText(), text);
  });

  it('a line typed above the image while its registry answers: the quick fix writes nothing rather than over the wrong text', async () => {
    const held = await heldRegistry();
    try {
      const uri = workspaceUri('pin/typed.Dockerfile');
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(`FROM ${held.host}/team/web:1.0\nUSER 1000\n`));
      const editor = await openDocument(uri);
      const diagnostics = await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'unpinned-image'));
      const unpinned = diagnostics.find((x) => codeOf(x) === 'unpinned-image')!;
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, unpinned.range);
      const pin = actions.find((a) => a.title.startsWith('Pin to digest'))!;
      const pinning = vscode.commands.executeCommand(pin.command!.command, ...(pin.command!.arguments ?? []));
      await held.arrived();
      assert.ok(await editor.edit((e) => e.insert(new vscode.Position(0, 0), '# the base image\n')));
      held.release();
      await pinning;
      assert.equal(editor.document.getText(), `# the base image\nFROM ${held.host}/team/web:1.0\nUSER 1000\n`);
    } finally {
      held.release();
      await held.close();
    }
  });

  it('a line typed above the images while their registry answers: Pin All places each digest where its image is now', async () => {
    const held = await heldRegistry();
    try {
      const uri = workspaceUri('pin/typed.yaml');
      const lines = [
        'apiVersion: v1',
        'kind: Pod',
        'metadata: {name: typed}',
        'spec:',
        '  securityContext: {runAsNonRoot: true}',
        '  containers:',
        `    - {name: a, image: ${held.host}/team/web:1.0}`,
        `    - {name: b, image: ${held.host}/team/web:1.0}`,
        '',
      ];
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(lines.join('\n')));
      const editor = await openDocument(uri);
      await waitForDiagnostics(uri, (d) => d.filter((x) => codeOf(x) === 'unpinned-image').length === 2);
      const pinning = vscode.commands.executeCommand('shipshape.pinAll', uri.toString());
      await held.arrived();
      assert.ok(await editor.edit((e) => e.insert(new vscode.Position(0, 0), '# typed while pinning\n')));
      held.release();
      await pinning;
      const pinned = (name: string) => `    - {name: ${name}, image: ${held.host}/team/web:1.0@${digest}}`;
      assert.equal(editor.document.getText(), ['# typed while pinning', ...lines.slice(0, 6), pinned('a'), pinned('b'), ''].join('\n'));
    } finally {
      held.release();
      await held.close();
    }
  });

  it('the pin-all command pins every image of the file and reports a pin whose tag has moved, with a fix', async () => {
    const uri = workspaceUri('pin/all.yaml');
    const text = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: all}',
      'spec:',
      '  securityContext: {runAsNonRoot: true}',
      '  containers:',
      `    - {name: a, image: ${host}/team/web:1.0}`,
      `    - {name: b, image: ${host}/team/web:1.0}`,
      `    - {name: c, image: '${host}/team/web:stable@${digest}'}`,
      '',
    ].join('\n');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    const editor = await openDocument(uri);
    await waitForDiagnostics(uri, (d) => d.filter((x) => codeOf(x) === 'unpinned-image').length === 2);
    const sources = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      new vscode.Range(0, 0, 0, 0),
      vscode.CodeActionKind.Source.value,
    );
    const all = sources.find((a) => a.title === 'Pin all images to their digests');
    assert.ok(all?.command, 'the source action is offered');
    await vscode.commands.executeCommand(all.command.command, ...(all.command.arguments ?? []));
    await waitFor(
      () => editor.document.lineAt(6).text.includes(`1.0@${digest}`) && editor.document.lineAt(7).text.includes(`1.0@${digest}`),
      15_000,
      'both references are pinned',
    );
    // The pin whose tag moved is one warning, stale-digest (pins are checked), not a second, older note beside it.
    const moved = await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'stale-digest'), 20_000);
    assert.ok(!moved.some((x) => codeOf(x) === 'tag-moved'), moved.map((x) => `${codeOf(x)}: ${x.message}`).join('\n'));
    const diagnostic = moved.find((x) => codeOf(x) === 'stale-digest')!;
    assert.equal(diagnostic.range.start.line, 8);
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Warning);
    // The pin was stale before Pin All too: its fix is offered for the text as it is now, once the
    // pins of the edited document have been checked again (a fix is never computed on an older text).
    const update = await waitFor(
      async () =>
        (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range)).find(
          (a) => a.title === 'Update to the current digest' && a.edit,
        ),
      20_000,
      'the update fix is offered',
    );
    assert.ok(update.edit && (await vscode.workspace.applyEdit(update.edit)));
    await waitFor(
      () => editor.document.lineAt(8).text === `    - {name: c, image: '${host}/team/web:stable@${stableDigest}'}`,
      15_000,
      'the digest is updated',
    );
  });

  it('a pin whose tag was pushed again is a stale-digest warning; its quick fix writes the current digest; a digest alone names its tags', async () => {
    const uri = workspaceUri('pin/stale.Dockerfile');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(`FROM ${host}/team/web:stable@${digest}\nUSER 1000\n`));
    const editor = await openDocument(uri);
    const shown = await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'stale-digest'), 20_000);
    const stale = shown.find((x) => codeOf(x) === 'stale-digest')!;
    assert.equal(stale.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(stale.message, /is pinned to a digest its tag no longer points to: `stable` now points to `sha256:/);
    const fixes = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, stale.range);
    const update = fixes.find((a) => a.title === 'Update to the current digest');
    assert.ok(update?.edit, `the quick fix is offered: ${fixes.map((a) => a.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(update.edit));
    assert.equal(editor.document.lineAt(0).text, `FROM ${host}/team/web:stable@${stableDigest}`);
    await waitForDiagnostics(uri, (d) => !d.some((x) => codeOf(x) === 'stale-digest'), 20_000);
    await screenshot('stale-digest-updated');

    await editor.edit((e) => e.replace(editor.document.lineAt(0).range, `FROM ${host}/team/web@${digest}`));
    const position = new vscode.Position(0, 10);
    let text = '';
    await waitFor(
      async () => {
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position);
        text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
        return /tags pointing to this digest now/.test(text);
      },
      20_000,
      'the hover names the tags',
    );
    assert.match(text, /tags pointing to this digest now: `1\.0` \(checked all 2 tags\)/);
  });
});
