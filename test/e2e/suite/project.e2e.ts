// Findings that need several files, in the editor: a Compose file with its project's `.env`, a
// kustomization's `images:` entry (with the pin quick fix against the real registry the harness
// runs, SHIPSHAPE_E2E_REGISTRY), a base manifest's hover, and a chart's values.yaml.

import * as assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { afterEach, describe, it } from 'mocha';
import { openDocument, revertAndCloseAll, screenshot, waitFor, waitForDiagnostics, workspaceUri } from './util.js';

const host = process.env['SHIPSHAPE_E2E_REGISTRY'] ?? '';
const digest = process.env['SHIPSHAPE_E2E_REGISTRY_DIGEST'] ?? '';

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}

async function write(files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) await vscode.workspace.fs.writeFile(workspaceUri(name), new TextEncoder().encode(text));
}

/** The text of the hovers at a position. */
async function hoverAt(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position);
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}

/** Replaces the whole text of an open document, unsaved. */
async function replaceText(editor: vscode.TextEditor, text: string): Promise<void> {
  const all = new vscode.Range(0, 0, editor.document.lineCount, 0);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(editor.document.uri, all, text);
  assert.ok(await vscode.workspace.applyEdit(edit));
}

describe('Compose, Kustomize and Helm in the editor', () => {
  afterEach(revertAndCloseAll);

  it("an untitled Compose file reads no .env: not the extension host's working folder's", async function () {
    // The extension host runs these tests: a .env where it runs is what an untitled file was given.
    const hostEnv = path.join(process.cwd(), '.env');
    if (existsSync(hostEnv)) this.skip();
    writeFileSync(hostEnv, 'SHIPSHAPE_E2E_UNTITLED_TAG=from-the-host-folder\n');
    try {
      const document = await vscode.workspace.openTextDocument({
        language: 'yaml',
        content: 'services:\n  app:\n    image: registry.lan/shop/app:${SHIPSHAPE_E2E_UNTITLED_TAG}\n    user: "1000"\n',
      });
      await vscode.window.showTextDocument(document);
      const diagnostics = await waitForDiagnostics(document.uri, (d) => d.some((x) => codeOf(x) === 'unresolved-image'));
      assert.ok(!diagnostics.some((x) => /from-the-host-folder/.test(x.message)), diagnostics.map((x) => x.message).join('\n'));
    } finally {
      rmSync(hostEnv, { force: true });
    }
  });

  it("a Compose file takes its project's .env; editing .env updates the file's diagnostics", async () => {
    await write({
      'compose-env/.env': '# the release\nREGISTRY=registry.lan:5000\nTAG=2.1\n',
      'compose-env/compose.yaml': 'services:\n  app:\n    image: ${REGISTRY}/shop/app:${TAG}\n    user: "1000"\n',
    });
    const compose = workspaceUri('compose-env/compose.yaml');
    await openDocument(compose);
    const first = await waitForDiagnostics(compose, (d) => d.some((x) => codeOf(x) === 'unpinned-image'));
    assert.deepEqual(first.map(codeOf), ['unpinned-image'], 'resolved through .env: not unresolved-image');
    assert.match(first[0]!.message, /\(`registry\.lan:5000\/shop\/app:2\.1`\) is not pinned/);
    await screenshot('compose-env');
    const env = await openDocument(workspaceUri('compose-env/.env'), { preview: false });
    await replaceText(env, '# the release\nREGISTRY=registry.lan:5000\nTAG=latest\n');
    await waitForDiagnostics(compose, (d) => d.some((x) => codeOf(x) === 'unpinned-image' && /uses `latest`/.test(x.message)));
  });

  it("a kustomization's images: entry carries the finding; Pin to digest writes digest: there; the base manifest is then settled", async function () {
    if (!host) this.skip();
    await write({
      'kust/base/pod.yaml': `apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  securityContext: {runAsNonRoot: true}\n  containers:\n    - name: web\n      image: ${host}/team/web:0.9\n`,
      'kust/base/kustomization.yaml': 'resources:\n  - pod.yaml\n',
      'kust/prod/kustomization.yaml': `resources:\n  - ../base\nimages:\n  - name: ${host}/team/web\n    newTag: "1.0"\n`,
    });
    const overlay = workspaceUri('kust/prod/kustomization.yaml');
    const editor = await openDocument(overlay);
    const diagnostics = await waitForDiagnostics(overlay, (d) => d.some((x) => codeOf(x) === 'unpinned-image'), 30_000);
    const unpinned = diagnostics.find((x) => codeOf(x) === 'unpinned-image')!;
    assert.equal(unpinned.range.start.line, 3);
    assert.match(unpinned.message, new RegExp(`renders \`${host.replace(/[.]/g, '\\.')}/team/web:1\\.0\` here, which is not pinned`));

    // The base manifest: its hover says what the kustomization makes of the image.
    const base = workspaceUri('kust/base/pod.yaml');
    const baseEditor = await openDocument(base, { preview: false, viewColumn: vscode.ViewColumn.Beside });
    const imageLine = 7;
    const text = await waitFor(
      async () => {
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
          'vscode.executeHoverProvider',
          base,
          new vscode.Position(imageLine, 16),
        );
        const said = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
        return /what the kustomizations make of/.test(said) && said;
      },
      30_000,
      'the hover says what the kustomizations make of the image',
    );
    // No root renders the base's `0.9` as written (prod makes it 1.0): the base line has no finding of its own.
    assert.ok(!vscode.languages.getDiagnostics(base).some((x) => codeOf(x) === 'unpinned-image'));
    assert.match(text, new RegExp(`kust/prod.*${host.replace(/[.]/g, '\\.')}/team/web:1\\.0`));
    baseEditor.selection = new vscode.Selection(imageLine, 16, imageLine, 16);
    await vscode.commands.executeCommand('editor.action.showHover');
    await screenshot('kustomize-hover');

    // Pin the entry with the quick fix: the registry answers, `digest:` is written into the entry.
    await vscode.window.showTextDocument(editor.document, vscode.ViewColumn.One);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', overlay, unpinned.range);
    const pin = actions.find((a) => a.title.startsWith('Pin to digest'));
    assert.ok(pin?.command, actions.map((a) => a.title).join(', '));
    await vscode.commands.executeCommand(pin.command.command, ...(pin.command.arguments ?? []));
    await waitFor(() => editor.document.getText().includes(`    digest: ${digest}\n`), 20_000, 'digest: is written into the entry');
    assert.equal(
      editor.document.getText(),
      `resources:\n  - ../base\nimages:\n  - name: ${host}/team/web\n    newTag: "1.0"\n    digest: ${digest}\n`,
    );
    await editor.document.save();
    await waitForDiagnostics(overlay, (d) => !d.some((x) => codeOf(x) === 'unpinned-image'), 30_000);
    // The base stays without a finding of its own: what it writes is decided by the overlay.
    assert.ok(!vscode.languages.getDiagnostics(base).some((x) => codeOf(x) === 'unpinned-image'));
    await screenshot('kustomize-pinned');
  });

  it("an Argo CD Application's kustomize.images override of an overlay of the workspace carries the finding, on its own line", async () => {
    await write({
      'gitops/guestbook/pod.yaml':
        'apiVersion: v1\nkind: Pod\nmetadata: {name: ui}\nspec:\n  containers:\n    - name: ui\n      image: example.com/ui:0.1\n',
      'gitops/guestbook/kustomization.yaml': 'resources:\n  - pod.yaml\n',
      'gitops/apps/guestbook.yaml': [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: Application',
        'metadata: {name: guestbook, namespace: argocd}',
        'spec:',
        '  source:',
        '    repoURL: https://github.com/example/gitops.git',
        '    path: gitops/guestbook',
        '    kustomize:',
        '      images:',
        '        - example.com/ui:0.3',
        '',
      ].join('\n'),
    });
    const app = workspaceUri('gitops/apps/guestbook.yaml');
    await openDocument(app);
    const diagnostics = await waitForDiagnostics(app, (d) => d.some((x) => codeOf(x) === 'unpinned-image'), 30_000);
    const unpinned = diagnostics.find((x) => codeOf(x) === 'unpinned-image')!;
    assert.equal(unpinned.range.start.line, 9);
    assert.match(unpinned.message, /Argo CD Application `guestbook` renders `example\.com\/ui:0\.3`/);
  });

  it('an Argo CD Application written after the project was analysed is found when it is opened', async () => {
    await write({
      'gitops-late/guestbook/pod.yaml':
        'apiVersion: v1\nkind: Pod\nmetadata: {name: ui}\nspec:\n  containers:\n    - name: ui\n      image: example.com/late:0.1\n',
      'gitops-late/guestbook/kustomization.yaml': 'resources:\n  - pod.yaml\n',
    });
    // The kustomization's creation has the project analysed again (after its pause): let it run
    // before the Application exists, which no file watcher then reports.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const app = workspaceUri('gitops-late/apps/guestbook.yaml');
    await write({
      'gitops-late/apps/guestbook.yaml': [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: Application',
        'metadata: {name: late, namespace: argocd}',
        'spec:',
        '  source:',
        '    repoURL: https://github.com/example/gitops.git',
        '    path: gitops-late/guestbook',
        '    kustomize:',
        '      images:',
        '        - example.com/late:0.3',
        '',
      ].join('\n'),
    });
    await openDocument(app);
    const diagnostics = await waitForDiagnostics(app, (d) => d.some((x) => codeOf(x) === 'unpinned-image'), 30_000);
    assert.match(
      diagnostics.find((x) => codeOf(x) === 'unpinned-image')!.message,
      /Argo CD Application `late` renders `example\.com\/late:0\.3`/,
    );
  });

  it('a chart: the tag in values.yaml carries the finding, and editing it updates it', async () => {
    await write({
      'chart/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\nappVersion: "1.27"\n',
      'chart/values.yaml': 'image:\n  repository: nginx\n  tag: "1.27"\n',
      'chart/templates/deployment.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  template:\n    spec:\n      containers:\n' +
        '        - name: web\n          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n',
    });
    const values = workspaceUri('chart/values.yaml');
    const editor = await openDocument(values);
    const diagnostics = await waitForDiagnostics(values, (d) => d.some((x) => codeOf(x) === 'unpinned-image'), 30_000);
    const unpinned = diagnostics.find((x) => codeOf(x) === 'unpinned-image')!;
    assert.equal(unpinned.range.start.line, 2);
    assert.match(unpinned.message, /`image\.tag` makes the chart's image `nginx:1\.27`/);
    await screenshot('chart-values');
    await replaceText(editor, 'image:\n  repository: nginx\n  tag: latest\n');
    await waitForDiagnostics(values, (d) => d.some((x) => codeOf(x) === 'unpinned-image' && /`nginx:latest`/.test(x.message)), 30_000);
  });

  it('shipshape.exclude leaves a kustomization out: what it settled in a base manifest is reported again', async () => {
    const pinned = `sha256:${'d'.repeat(64)}`;
    await write({
      'shared/pod.yaml':
        'apiVersion: v1\nkind: Pod\nmetadata: {name: api}\nspec:\n  securityContext: {runAsNonRoot: true}\n  containers:\n    - name: api\n      image: nginx:1.25\n',
      'shared/kustomization.yaml': 'resources:\n  - pod.yaml\n',
      'vendored/prod/kustomization.yaml': `resources:\n  - ../../shared\nimages:\n  - name: nginx\n    newTag: "1.25"\n    digest: ${pinned}\n`,
    });
    const base = workspaceUri('shared/pod.yaml');
    await openDocument(base);
    // Once the project is analysed (the hover names the kustomization), the only kustomization that
    // includes the base pins its image: nothing to fix in the base.
    await waitFor(
      async () => /vendored\/prod/.test(await hoverAt(base, new vscode.Position(7, 16))),
      30_000,
      'the hover names vendored/prod',
    );
    assert.ok(!vscode.languages.getDiagnostics(base).some((x) => codeOf(x) === 'unpinned-image'));
    const settings = vscode.workspace.getConfiguration('shipshape');
    try {
      await settings.update('exclude', ['**/vendored/**'], vscode.ConfigurationTarget.Workspace);
      // Without that kustomization, no one pins it: the base's own finding is back.
      await waitForDiagnostics(base, (d) => d.some((x) => codeOf(x) === 'unpinned-image' && x.range.start.line === 7), 30_000);
    } finally {
      await settings.update('exclude', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
