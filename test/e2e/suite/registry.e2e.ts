// What the registry tells the editor beyond digests, against the real registry the runner starts
// (SHIPSHAPE_E2E_REGISTRY; run.ts pushRegistryExtras): images' own configured users settling or
// confirming root-user, tag completion in a FROM and an image: field (writing the tag pinned when
// accepted), and a safer tag measured by the stand-in Trivy offered as a quick fix.

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { afterEach, before, describe, it } from 'mocha';
import { openDocument, revertAndCloseAll, screenshot, sleep, waitFor, waitForDiagnostics, workspaceUri } from './util.js';

const host = process.env['SHIPSHAPE_E2E_REGISTRY'] ?? '';

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}

async function write(name: string, text: string): Promise<vscode.Uri> {
  const uri = workspaceUri(name);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  return uri;
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}

describe('registry: images’ users, tag completion, safer tags', () => {
  before(function () {
    if (!host) this.skip();
  });
  afterEach(revertAndCloseAll);

  it("a base image's configured user settles root-user, or confirms it with what the image config says", async () => {
    const settled = await write('users/Dockerfile', `FROM ${host}/team/app:uid\nRUN true\n`);
    const confirmed = await write('users/root.Dockerfile', `FROM ${host}/team/app:root\n`);
    await openDocument(settled);
    // Without USER, the verdict is the image's: once its registry said 1000, there is none.
    await waitForDiagnostics(settled, (d) => d.length > 0 && !d.some((x) => codeOf(x) === 'root-user'), 20_000);
    await openDocument(confirmed);
    const diagnostics = await waitForDiagnostics(
      confirmed,
      (d) => d.some((x) => codeOf(x) === 'root-user' && /as its image config says/.test(x.message)),
      20_000,
    );
    const root = diagnostics.find((x) => codeOf(x) === 'root-user')!;
    assert.match(root.message, /runs as root \(its configured user is empty, as its image config says\)/);
    await screenshot('image-user-root');
  });

  it('a runAsNonRoot container whose image runs as root will not start: an error', async () => {
    const uri = await write(
      'users/pod.yaml',
      [
        'apiVersion: v1',
        'kind: Pod',
        'metadata: {name: app}',
        'spec:',
        '  containers:',
        '    - name: app',
        `      image: ${host}/team/app:root`,
        '      securityContext: {runAsNonRoot: true}',
        '',
      ].join('\n'),
    );
    await openDocument(uri);
    const diagnostics = await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'root-user'), 20_000);
    const refused = diagnostics.find((x) => codeOf(x) === 'root-user')!;
    assert.equal(refused.severity, vscode.DiagnosticSeverity.Error);
    assert.match(refused.message, /Container `app` will not start.*the kubelet refuses it/);
    assert.equal(refused.range.start.line, 7);
  });

  it("a chart's containers are settled by their images' users: the one whose image runs as 1000 loses its finding", async () => {
    await write('users/chart/Chart.yaml', 'apiVersion: v2\nname: users\nversion: 1.0.0\n');
    await write('users/chart/values.yaml', `api: {image: "${host}/team/app:uid"}\ndb: {image: "${host}/team/app:root"}\n`);
    const template = await write(
      'users/chart/templates/deployment.yaml',
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: {{ .Release.Name }}}',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '        - name: api',
        '          image: {{ .Values.api.image }}',
        '        - name: db',
        '          image: {{ .Values.db.image }}',
        '',
      ].join('\n'),
    );
    await openDocument(template);
    // Rendered and judged: the db's image runs as root, which its finding now says; the api's runs as 1000.
    const diagnostics = await waitForDiagnostics(
      template,
      (d) => d.some((x) => codeOf(x) === 'root-user' && /as its image config says/.test(x.message)),
      30_000,
    );
    const roots = diagnostics.filter((x) => codeOf(x) === 'root-user');
    assert.deepEqual(
      roots.map((x) => x.range.start.line),
      [9],
      roots.map((x) => `${x.range.start.line}: ${x.message}`).join('\n'),
    );
    assert.match(roots[0]!.message, /Container `db` runs as root/);
  });

  it('completes tags in a FROM, newest first, and writes the chosen one pinned', async () => {
    const uri = await write('completion/Dockerfile', `FROM ${host}/team/api:\nUSER 1000\n`);
    const editor = await openDocument(uri);
    const end = new vscode.Position(0, editor.document.lineAt(0).text.length);
    const list = await waitFor(
      async () => {
        const found = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, end, ':');
        const ours = found.items.filter((i) => /^\d|latest/.test(typeof i.label === 'string' ? i.label : i.label.label));
        return ours.length >= 8 && ours;
      },
      20_000,
      'the tags are listed',
    );
    const labels = [...list]
      .sort((a, b) => (a.sortText ?? '').localeCompare(b.sortText ?? ''))
      .map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    // Nothing typed yet: the plain variant first, newest first, then the others.
    assert.deepEqual(labels, ['2.0', '1.10', '1.2', '1.1', '1.0', 'latest', '1.2-alpine', '1.1-alpine']);

    // As a user does it: the suggest widget (screenshot), then the first suggestion accepted.
    editor.selection = new vscode.Selection(end, end);
    await vscode.commands.executeCommand('editor.action.triggerSuggest');
    await sleep(1500);
    await screenshot('tag-completion');
    await vscode.commands.executeCommand('acceptSelectedSuggestion');
    await waitFor(
      () => /^FROM \S+\/team\/api:2\.0@sha256:[0-9a-f]{64}$/.test(editor.document.lineAt(0).text),
      20_000,
      `the tag is written pinned: ${editor.document.lineAt(0).text}`,
    );
  });

  it('completes tags in an image: field with the current variant first', async () => {
    const uri = await write(
      'completion/pod.yaml',
      `apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - name: a\n      image: ${host}/team/api:1.1-alpine\n`,
    );
    const editor = await openDocument(uri);
    const at = new vscode.Position(6, editor.document.lineAt(6).text.indexOf(':1.1-alpine') + 1);
    const found = await waitFor(
      async () => {
        const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, at);
        return list.items.some((i) => i.label === '1.2-alpine') && list;
      },
      20_000,
      'the tags are listed',
    );
    const ordered = [...found.items]
      .filter((i) => i.sortText !== undefined && /^\d{5}$/.test(i.sortText))
      .sort((a, b) => a.sortText!.localeCompare(b.sortText!))
      .map((i) => i.label);
    assert.deepEqual(ordered.slice(0, 2), ['1.2-alpine', '1.1-alpine']);
    // The whole tag is replaced, not only what precedes the cursor.
    const range = found.items.find((i) => i.label === '1.2-alpine')!.range as vscode.Range;
    assert.equal(editor.document.getText(range), '1.1-alpine');
  });

  it("completes tags in a kustomization's newTag: and a chart's values tag:, without a digest (kustomize and the chart take none there)", async () => {
    const kustomization = await write(
      'completion/overlay/kustomization.yaml',
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\nimages:\n  - name: ${host}/team/api\n    newTag: 1.1-alpine\n`,
    );
    await write('completion/chart/Chart.yaml', 'apiVersion: v2\nname: demo\nversion: 0.1.0\n');
    await write(
      'completion/chart/templates/deployment.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: demo\nspec:\n  template:\n    spec:\n      containers:\n' +
        '        - name: demo\n          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n',
    );
    const values = await write('completion/chart/values.yaml', `image:\n  repository: ${host}/team/api\n  tag: 1.1-alpine\n`);
    for (const [uri, line] of [
      [kustomization, 5],
      [values, 2],
    ] as const) {
      const editor = await openDocument(uri);
      const at = new vscode.Position(line, editor.document.lineAt(line).text.indexOf('1.1-alpine') + 1);
      const found = await waitFor(
        async () => {
          const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, at);
          return list.items.some((i) => i.label === '1.2-alpine') && list;
        },
        20_000,
        `the tags are listed in ${uri.path}`,
      );
      const first = [...found.items]
        .filter((i) => i.sortText !== undefined && /^\d{5}$/.test(i.sortText))
        .sort((a, b) => a.sortText!.localeCompare(b.sortText!))[0]!;
      assert.equal(first.label, '1.2-alpine');
      // Accepting it writes the tag alone: no command pins it.
      assert.equal(first.command, undefined, uri.path);
      assert.equal(editor.document.getText(first.range as vscode.Range), '1.1-alpine');
    }
  });

  it('a vulnerable image gets a safer tag, measured: the quick fix writes it pinned, the hover says what was compared', async () => {
    const uri = await write('advice/Dockerfile', `FROM ${host}/team/api:1.0\nUSER 1000\n`);
    const editor = await openDocument(uri);
    const diagnostics = await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'vulnerable-image'), 30_000);
    const vulnerable = diagnostics.find((x) => codeOf(x) === 'vulnerable-image')!;
    const action = await waitFor(
      async () => {
        const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
          'vscode.executeCodeActionProvider',
          uri,
          vulnerable.range,
        );
        return actions.find((a) => a.title.startsWith('Switch to'));
      },
      60_000,
      'the safer-tag quick fix is offered',
    );
    assert.equal(action.title, `Switch to ${host}/team/api:1.2 (2 CRITICAL, 4 HIGH fewer; fixable)`);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(0, 8));
    const text = hoverText(hovers);
    assert.match(text, /Safer tag/);
    assert.match(text, /Compared 3 newer tags \\?\(1\.10, 1\.2, 1\.1\\?\)/);
    assert.match(text, /1\.10: 3 CRITICAL, 0 HIGH/, 'a tag with fewer in total but more CRITICAL is shown, not chosen');
    editor.selection = new vscode.Selection(0, 8, 0, 8);
    await vscode.commands.executeCommand('editor.action.quickFix');
    await sleep(1000);
    await screenshot('safer-tag-quick-fix');
    await vscode.commands.executeCommand('hideCodeActionWidget');
    assert.ok(action.edit && (await vscode.workspace.applyEdit(action.edit)));
    assert.match(editor.document.lineAt(0).text, new RegExp(`^FROM ${host.replace(/[.]/g, '\\.')}/team/api:1\\.2@sha256:[0-9a-f]{64}$`));
  });
});
