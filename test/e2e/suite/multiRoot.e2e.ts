// The multi-root run (run.ts --multi-root): a workspace of two folders holding the same files,
// each with settings of its own (prepare.ts: MULTI_ROOT_SETTINGS). `alpha` excludes `skipped/`,
// makes a mutable tag an error and turns root-user off; `beta` keeps the defaults. Each folder's
// documents and each folder's kustomizations (the project analysis) follow that folder's settings.

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { afterEach, before, describe, it } from 'mocha';
import { openDocument, revertAndCloseAll, screenshot, waitForDiagnostics } from './util.js';

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}

/** A file of one of the two folders. */
function fileOf(folder: 'alpha' | 'beta', relative: string): vscode.Uri {
  const found = vscode.workspace.workspaceFolders?.find((f) => f.name === folder);
  assert.ok(found, `no workspace folder ${folder}`);
  return vscode.Uri.joinPath(found.uri, relative);
}

const unpinned = (d: readonly vscode.Diagnostic[]) => d.filter((x) => codeOf(x) === 'unpinned-image');

describe('multi-root workspace', function () {
  before(function () {
    if (process.env['SHIPSHAPE_E2E_MULTI_ROOT'] !== '1') this.skip();
  });
  afterEach(revertAndCloseAll);

  it('opens the two folders', () => {
    assert.deepEqual(
      vscode.workspace.workspaceFolders?.map((f) => f.name),
      ['alpha', 'beta'],
    );
  });

  it("each folder's manifests follow that folder's rules", async () => {
    // A Pod no kustomization renders (a rendered one's findings are the roots' to give).
    const beta = fileOf('beta', 'app.yaml');
    await openDocument(beta);
    const betaFindings = await waitForDiagnostics(beta, (d) => d.some((x) => codeOf(x) === 'root-user') && unpinned(d).length > 0);
    const alpha = fileOf('alpha', 'app.yaml');
    await openDocument(alpha);
    const alphaFindings = await waitForDiagnostics(alpha, (d) => unpinned(d).length > 0);
    await screenshot('multi-root-manifest');
    // alpha turns root-user off and makes a mutable tag an error; beta keeps root-user and info.
    assert.ok(!alphaFindings.some((x) => codeOf(x) === 'root-user'), alphaFindings.map(codeOf).join(', '));
    assert.equal(unpinned(alphaFindings)[0]!.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(unpinned(betaFindings)[0]!.severity, vscode.DiagnosticSeverity.Information);
  });

  it("each folder's kustomizations are analysed with that folder's settings (exclude and rules)", async () => {
    // The finding on the `images:` entry comes from the project analysis: the kustomization holds no image of its own.
    const betaSkipped = fileOf('beta', 'skipped/kustomization.yaml');
    await openDocument(betaSkipped);
    const betaExcludedElsewhere = await waitForDiagnostics(betaSkipped, (d) => unpinned(d).length > 0, 20_000);
    const betaKust = fileOf('beta', 'kust/kustomization.yaml');
    await openDocument(betaKust);
    const betaFindings = await waitForDiagnostics(betaKust, (d) => unpinned(d).length > 0, 20_000);
    const alphaKust = fileOf('alpha', 'kust/kustomization.yaml');
    await openDocument(alphaKust);
    const alphaFindings = await waitForDiagnostics(alphaKust, (d) => unpinned(d).length > 0, 20_000);
    await screenshot('multi-root-kustomization');
    // Rendered `nginx:1.28`, on the `images:` entry (line 4), at each folder's own severity.
    for (const found of [alphaFindings, betaFindings, betaExcludedElsewhere]) {
      assert.equal(unpinned(found).length, 1);
      assert.equal(unpinned(found)[0]!.range.start.line, 3);
      assert.match(unpinned(found)[0]!.message, /nginx:1\.28/);
    }
    assert.equal(unpinned(alphaFindings)[0]!.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(unpinned(betaFindings)[0]!.severity, vscode.DiagnosticSeverity.Information);
    // alpha excludes its own skipped/ (beta's is the same files, not excluded: shown above).
    const alphaSkipped = fileOf('alpha', 'skipped/kustomization.yaml');
    await openDocument(alphaSkipped);
    // Both of alpha's kustomizations were analysed in the one pass that placed the finding above.
    assert.deepEqual(unpinned(vscode.languages.getDiagnostics(alphaSkipped)), []);
  });
});
