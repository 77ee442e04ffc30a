// Several clusters in the editor, against the API stand-ins the runner starts as contexts of one
// kubeconfig (SHIPSHAPE_E2E_CLUSTERS; run.ts): prod and staging run the Deployment shop/api at two
// digests of one repository, nothing answers dev. One tree root per cluster (dev's with why), the
// CodeLens on the workspace line that defines the image, drift as an information diagnostic on a
// file that was never opened, and Reveal in Workspace from the tree.

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { after, afterEach, before, describe, it } from 'mocha';
import type { ShipshapeTestApi } from '../../../src/extension/api.js';
import {
  extension,
  openDocument,
  requestAction,
  revertAndCloseAll,
  screenshot,
  sleep,
  waitFor,
  waitForDiagnostics,
  workspaceUri,
} from './util.js';

interface Clusters {
  readonly kubeconfig: string;
  readonly image: string;
  readonly digests: { readonly prod: string; readonly staging: string };
}

const setup = process.env['SHIPSHAPE_E2E_CLUSTERS'] ? (JSON.parse(process.env['SHIPSHAPE_E2E_CLUSTERS']) as Clusters) : undefined;
const MANIFEST = 'clusters/api.yaml';

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}

async function lenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
}

describe('several clusters: tree, CodeLens, drift and Reveal in Workspace', () => {
  let api: ShipshapeTestApi;

  before(async function () {
    if (!setup) this.skip();
    api = (await extension().activate()) as ShipshapeTestApi;
    // The workspace pins the image at prod's digest; staging runs another one.
    const manifest =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  template:\n    spec:\n' +
      '      securityContext:\n        runAsNonRoot: true\n        runAsUser: 1000\n      containers:\n        - name: app\n' +
      `          image: ${setup.image}@${setup.digests.prod}\n`;
    await vscode.workspace.fs.writeFile(workspaceUri(MANIFEST), new TextEncoder().encode(manifest));
    const settings = vscode.workspace.getConfiguration('shipshape');
    await settings.update('cluster.kubeconfig', setup.kubeconfig, vscode.ConfigurationTarget.Global);
    await settings.update('cluster.contexts', ['prod', 'staging', 'dev'], vscode.ConfigurationTarget.Global);
    // The test pods' registry (registry.example) does not exist: their tags are not asked of it (stale-digest).
    await settings.update('registry.checkPins', false, vscode.ConfigurationTarget.Global);
  });
  afterEach(revertAndCloseAll);
  after(async () => {
    if (!setup) return;
    const settings = vscode.workspace.getConfiguration('shipshape');
    await settings.update('cluster.kubeconfig', undefined, vscode.ConfigurationTarget.Global);
    await settings.update('cluster.contexts', undefined, vscode.ConfigurationTarget.Global);
    await settings.update('registry.checkPins', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('shipshape.clearClusterReport');
    await vscode.workspace.fs.delete(workspaceUri(MANIFEST));
  });

  it('scans the contexts together: one root per cluster, an unreachable one with why, each image once', async () => {
    await vscode.commands.executeCommand('shipshape.scanCluster');
    const report = api.clusterReport();
    assert.ok(report, 'a report exists after the command');
    assert.deepEqual(
      report.clusters.map((c) => c.context),
      ['prod', 'staging', 'dev'],
    );
    assert.ok(report.clusters[0]!.pods >= 11 && report.clusters[1]!.pods === 1, JSON.stringify(report.clusters));
    assert.ok(report.clusters[2]!.error, 'dev could not be read');
    assert.ok(!report.clusters[0]!.error && !report.clusters[1]!.error);
    // Both digests of the repository are images of the report, each once.
    const api1 = report.images.filter((i) => i.startsWith(`${setup!.image.split(':')[0]}@`));
    assert.deepEqual(new Set(api1.map((i) => i.split('@')[1])), new Set([setup!.digests.prod, setup!.digests.staging]));
    assert.equal(new Set(report.images).size, report.images.length);

    const tree = api.clusterTree();
    const roots = tree.filter(([depth]) => depth === 0);
    assert.deepEqual(
      roots.map(([, label]) => label),
      ['prod', 'staging', 'dev'],
    );
    assert.match(roots[0]![2], /^\d+ images? · \d+ findings? · \d+ past deadline · \d+ pods?/);
    assert.match(roots[1]![2], /· 1 pod\b(?!s)/);
    // Counts read as words everywhere in the tree: "1 finding in 1 image", never "1 findings in 1 images".
    for (const [, label, description] of tree) assert.doesNotMatch(`${label} ${description}`, /\b1 (findings|images|pods|workloads)\b/);
    assert.match(roots[2]![2], /^not read/);
    // Under dev: the error, then what to do.
    const devAt = tree.findIndex(([depth, label]) => depth === 0 && label === 'dev');
    const devChildren = tree.slice(devAt + 1).filter(([depth]) => depth === 1);
    assert.equal(devChildren.length, 2);
    assert.match(devChildren[1]![1], /shipshape\.cluster\.contexts/);
    // staging's tree holds its own image only (under each severity it has), not prod's.
    const stagingAt = tree.findIndex(([depth, label]) => depth === 0 && label === 'staging');
    const stagingImages = new Set(
      tree
        .slice(stagingAt + 1, devAt)
        .filter(([depth]) => depth === 2)
        .map(([, label]) => label),
    );
    assert.deepEqual([...stagingImages], [`${setup!.image.split(':')[0]}@${setup!.digests.staging}`]);
    // What the view draws: every root open with its children (VS Code once drew only the first's).
    await vscode.commands.executeCommand('shipshape.cluster.focus');
    const drawn = await waitFor(
      async () => {
        const answer = await requestAction<{ rows: [number, string][] }>('treeRows', { view: 'Cluster' });
        if (!answer) return [] as [number, string][];
        const rows = answer.rows;
        const under = (root: string) => {
          const at = rows.findIndex(([level, label]) => level === 1 && label === root);
          return at >= 0 && rows[at + 1]?.[0] === 2;
        };
        return ['prod', 'staging', 'dev'].every(under) && rows;
      },
      10_000,
      'every cluster root drawn open with its children',
    );
    if (drawn.length > 0) assert.ok(drawn.some(([level, label]) => level === 2 && /shipshape\.cluster\.contexts/.test(label)));
    await sleep(500);
    await screenshot('clusters-tree');
  });

  it('a pinned reference that a cluster runs at another digest is an information diagnostic, on a file never opened', async () => {
    const uri = workspaceUri(MANIFEST);
    const diagnostics = await waitForDiagnostics(uri, (d) => d.some((x) => codeOf(x) === 'running-digest-drift'), 20_000);
    const drift = diagnostics.filter((d) => codeOf(d) === 'running-digest-drift');
    assert.equal(drift.length, 1);
    assert.equal(drift[0]!.severity, vscode.DiagnosticSeverity.Information);
    assert.equal(drift[0]!.range.start.line, 13);
    assert.match(drift[0]!.message, new RegExp(`${setup!.digests.staging} in staging \\(namespace shop: Deployment/api\\)`));
    assert.ok(!drift[0]!.message.includes(setup!.digests.prod), drift[0]!.message);
  });

  it('the image line gets a CodeLens with where it runs and its CRITICAL vulnerabilities; clicking it selects the image in the tree', async () => {
    const editor = await openDocument(MANIFEST);
    const lens = await waitFor(
      async () => (await lenses(editor.document.uri)).find((l) => l.command?.command === 'shipshape.showClusterImage'),
      20_000,
      'the cluster CodeLens',
    );
    assert.equal(lens.range.start.line, 13);
    assert.match(lens.command!.title, /runs in prod: 3 pods \(deploy\/api\) · staging: 1 pod \(deploy\/api\)/);
    assert.match(lens.command!.title, /\d+ CRITICAL/);
    assert.match(lens.command!.tooltip ?? '', /prod: 3 pods in shop\/Deployment\/api/);
    await sleep(500);
    await screenshot('clusters-codelens');
    await vscode.commands.executeCommand(lens.command!.command, ...(lens.command!.arguments ?? []));
    const selected = await waitFor(() => api.clusterSelection()[0], 5000, 'a selected tree node');
    assert.ok((lens.command!.arguments![0] as string[]).includes(selected), selected);
  });

  it('Reveal in Workspace opens the file that defines a tree image and selects its reference', async () => {
    const tree = api.clusterTree();
    const nodes = api.clusterNodes();
    const row = tree.findIndex(([depth, label]) => depth === 2 && label.endsWith(setup!.digests.staging));
    assert.ok(row >= 0, 'the staging image is in the tree');
    await vscode.commands.executeCommand('shipshape.revealClusterImage', nodes[row]);
    const editor = await waitFor(
      () => vscode.window.activeTextEditor?.document.uri.path.endsWith(MANIFEST) && vscode.window.activeTextEditor,
      5000,
      'the manifest in the editor',
    );
    assert.equal(editor.selection.start.line, 13);
    assert.equal(editor.document.getText(editor.selection), `${setup!.image}@${setup!.digests.prod}`);
    await sleep(500);
    await screenshot('clusters-reveal');
  });

  it('clearing the report takes away the CodeLens and the drift diagnostic', async () => {
    const uri = workspaceUri(MANIFEST);
    await openDocument(MANIFEST);
    await vscode.commands.executeCommand('shipshape.clearClusterReport');
    await waitForDiagnostics(uri, (d) => !d.some((x) => codeOf(x) === 'running-digest-drift'), 5000);
    assert.equal((await lenses(uri)).filter((l) => l.command?.command === 'shipshape.showClusterImage').length, 0);
    assert.equal(api.clusterReport(), undefined);
  });

  it('without shipshape.cluster.contexts, asks which contexts to scan, the current one picked', async () => {
    await vscode.workspace.getConfiguration('shipshape').update('cluster.contexts', undefined, vscode.ConfigurationTarget.Global);
    const scanning = vscode.commands.executeCommand('shipshape.scanCluster');
    await sleep(1500);
    await screenshot('clusters-pick');
    // Enter accepts what is checked: the kubeconfig's current context (prod).
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await scanning;
    const report = api.clusterReport();
    assert.ok(report, 'a report after the pick');
    assert.deepEqual(
      report.clusters.map((c) => c.context),
      ['prod'],
    );
  });
});
