// The cluster view against the test Kubernetes API server (SHIPSHAPE_E2E_KUBECONFIG) and the
// stand-in Trivy.

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { after, before, describe, it } from 'mocha';
import type { ShipshapeTestApi } from '../../../src/extension/api.js';
import { extension, screenshot, sleep, waitFor } from './util.js';

const kubeconfig = process.env['SHIPSHAPE_E2E_KUBECONFIG'] ?? '';

describe('the cluster view', () => {
  before(async function () {
    if (!kubeconfig) this.skip();
    const settings = vscode.workspace.getConfiguration('shipshape');
    await settings.update('cluster.kubeconfig', kubeconfig, vscode.ConfigurationTarget.Global);
    await settings.update('cluster.context', 'shipshape-test', vscode.ConfigurationTarget.Global);
    // The test pods' registry (registry.example) does not exist: their tags are not asked of it (stale-digest).
    await settings.update('registry.checkPins', false, vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    const settings = vscode.workspace.getConfiguration('shipshape');
    await settings.update('cluster.kubeconfig', undefined, vscode.ConfigurationTarget.Global);
    await settings.update('cluster.context', undefined, vscode.ConfigurationTarget.Global);
    await settings.update('registry.checkPins', undefined, vscode.ConfigurationTarget.Global);
  });

  it('Scan Cluster lists the running images, scans them, and the tree shows them by severity', async () => {
    await vscode.commands.executeCommand('shipshape.scanCluster');
    const api = (await extension().activate()) as ShipshapeTestApi;
    const report = api.clusterReport();
    assert.ok(report, 'a report exists after the command');
    assert.equal(report.context, 'shipshape-test');
    assert.ok(report.images.length >= 3, `images: ${report.images.join(', ')}`);
    assert.ok(report.images.every((i) => /@sha256:[0-9a-f]{64}$/.test(i) || !i.includes('@')));
    assert.ok(report.findings.length > 0);
    const order = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];
    assert.deepEqual(
      [...report.findings.map((f) => f.severity)].sort((a, b) => order.indexOf(a) - order.indexOf(b)),
      report.findings.map((f) => f.severity),
    );
    // The tree: the context, then severities, images (with their workloads) and vulnerabilities.
    const tree = api.clusterTree();
    assert.equal(tree[0]![1], 'shipshape-test');
    assert.match(tree[0]![2], new RegExp(`^${report.images.length} images · ${report.findings.length} findings`));
    const severities = tree.filter(([depth]) => depth === 1).map(([, label]) => label);
    assert.deepEqual(severities, [...new Set(report.findings.map((f) => f.severity))]);
    const images = new Set(tree.filter(([depth]) => depth === 2).map(([, label]) => label));
    assert.deepEqual(images, new Set(report.findings.map((f) => f.image)));
    const leaves = tree.filter(([depth]) => depth === 3);
    assert.ok(leaves.some(([, label, description]) => /^Runs in \d+ workload/.test(label) && /^(shop|payments)\//.test(description)));
    const vulnerabilities = leaves.filter(([, label]) => !label.startsWith('Runs in'));
    assert.equal(vulnerabilities.length, report.findings.length);
    assert.ok(vulnerabilities.every(([, , description]) => /due \d{4}-\d\d-\d\d/.test(description)));
    // Progress said how many images were found, scanned and failed.
    const last = api.clusterProgress().at(-1) ?? '';
    const failed = report.images.length - new Set(report.findings.map((f) => f.image)).size;
    assert.match(
      last,
      new RegExp(`^${report.images.length} images found · \\d+ scanned · \\d+ failed$`),
      api.clusterProgress().join(' / '),
    );
    assert.ok(api.clusterProgress().some((m) => /^listing pods: \d+ read$/.test(m)));
    assert.ok(failed >= 0);
    await vscode.commands.executeCommand('shipshape.cluster.focus');
    await sleep(1000);
    await screenshot('cluster-view');
  });

  it('copies an image reference and a vulnerability from the tree', async () => {
    const api = (await extension().activate()) as ShipshapeTestApi;
    const tree = api.clusterTree();
    const nodes = api.clusterNodes();
    const imageRow = tree.findIndex(([depth]) => depth === 2);
    await vscode.commands.executeCommand('shipshape.copyClusterImage', nodes[imageRow]);
    assert.equal(await vscode.env.clipboard.readText(), tree[imageRow]![1]);
    const findingRow = tree.findIndex(([depth, label]) => depth === 3 && !label.startsWith('Runs in'));
    await vscode.commands.executeCommand('shipshape.copyClusterVulnerability', nodes[findingRow]);
    const copied = await vscode.env.clipboard.readText();
    const id = tree[findingRow]![1].split(/\s+/)[0]!;
    assert.ok(copied.startsWith(`${id} (`), copied);
    assert.match(copied, /deadline \d{4}-\d\d-\d\d/);
  });

  it('opens the report page: severity chart and breach list under a strict content security policy', async () => {
    const api = (await extension().activate()) as ShipshapeTestApi;
    await vscode.commands.executeCommand('shipshape.openClusterReport');
    // The page opens in the workbench, after the command: waited for, however busy the machine.
    const input = await waitFor(
      () => {
        const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
        return tab?.input instanceof vscode.TabInputWebview && tab.input;
      },
      10_000,
      'the report page as the active tab',
    );
    assert.match(input.viewType, /shipshape\.clusterReport$/);
    const html = api.clusterReportHtml() ?? '';
    assert.match(
      html,
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src [^;]+; img-src [^;]+; script-src 'none'/,
    );
    assert.match(html, /<h2>Findings by severity<\/h2>/);
    assert.match(html, /<h2>Past their deadline \(\d+\)<\/h2>/);
    const report = api.clusterReport()!;
    const total = [...html.matchAll(/data-severity="\w+" data-total="(\d+)"/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    assert.equal(total, report.findings.length);
    assert.match(html, /href="[^"]*media\/report\.css"/);
    await screenshot('cluster-report');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('groups by namespace when asked', async () => {
    const api = (await extension().activate()) as ShipshapeTestApi;
    await vscode.workspace.getConfiguration('shipshape').update('cluster.groupBy', 'namespace', vscode.ConfigurationTarget.Global);
    try {
      const groups = api
        .clusterTree()
        .filter(([depth]) => depth === 1)
        .map(([, label]) => label);
      // real-trivy: the pods suite/realTrivy.e2e.ts scans through a Trivy server (run.ts: prepareRealTrivy).
      // stale-tags: the pod the stale-digest test below reads (run.ts).
      const namespaces = ['shop', 'payments', 'real-trivy', 'stale-tags', 'Not scanned'];
      assert.ok(groups.length > 0 && groups.every((g) => namespaces.includes(g)), groups.join(', '));
    } finally {
      await vscode.workspace.getConfiguration('shipshape').update('cluster.groupBy', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('a pod running a digest its tag no longer points to: the report page says so with shipshape.registry.checkPins on, and nothing without', async () => {
    const api = (await extension().activate()) as ShipshapeTestApi;
    const settings = () => vscode.workspace.getConfiguration('shipshape');
    // stale-tags: run.ts's pod running the loopback registry's team/web:stable at 1.0's digest (the tag moved since).
    await settings().update('cluster.namespaces', ['stale-tags'], vscode.ConfigurationTarget.Global);
    try {
      const staleSection = async (checkPins: boolean) => {
        await settings().update('registry.checkPins', checkPins, vscode.ConfigurationTarget.Global);
        await vscode.commands.executeCommand('shipshape.scanCluster');
        await vscode.commands.executeCommand('shipshape.openClusterReport');
        const html = await waitFor(() => api.clusterReportHtml(), 10_000, 'the report page');
        await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
        return /<h2>Running a digest their tag no longer points to[^]*?<\/section>/.exec(html)?.[0];
      };
      const section = await staleSection(true);
      assert.ok(section, 'the report page has the stale-digest section');
      const registry = process.env['SHIPSHAPE_E2E_REGISTRY'] ?? '';
      assert.ok(section.includes(`${registry}/team/web:stable`), section);
      assert.match(section, /a rebuild the running pods miss/);
      assert.match(section, /\(stale-tags\/Pod\/old-web\)/);
      assert.equal(await staleSection(false), undefined);
    } finally {
      await settings().update('cluster.namespaces', undefined, vscode.ConfigurationTarget.Global);
      await settings().update('registry.checkPins', false, vscode.ConfigurationTarget.Global);
    }
  });

  it('cancelling keeps what was found so far, marked partial', async () => {
    const api = (await extension().activate()) as ShipshapeTestApi;
    await vscode.commands.executeCommand('shipshape.clearScanCache');
    // The stand-in Trivy inherits the extension host's environment: make every scan slow.
    process.env['TRIVY_STANDIN_DELAY_MS'] = '30000';
    try {
      const running = vscode.commands.executeCommand('shipshape.scanCluster');
      for (let i = 0; i < 100 && !api.clusterProgress().some((m) => m.startsWith('listing pods:')); i++) await sleep(100);
      await sleep(1500);
      api.cancelClusterScan();
      await running;
      const report = api.clusterReport()!;
      assert.equal(report.partial, true);
      assert.ok(report.images.length >= 3, 'the listed images stay');
      assert.match(api.clusterTree()[0]![2], /partial \(cancelled\)$/);
    } finally {
      delete process.env['TRIVY_STANDIN_DELAY_MS'];
    }
  });
});
