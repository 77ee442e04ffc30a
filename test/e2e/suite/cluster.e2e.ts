// The cluster view against the test Kubernetes API server (SHIPSHAPE_E2E_KUBECONFIG) and the
// stand-in Trivy.

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { after, before, describe, it } from 'mocha';
import { extension, screenshot, sleep } from './util.js';

const kubeconfig = process.env['SHIPSHAPE_E2E_KUBECONFIG'] ?? '';

interface Api {
  clusterReport(): { context: string; images: string[]; findings: { id: string; severity: string; image: string; breached: boolean }[] } | undefined;
  clusterTree(): [number, string, string][];
}

describe('the cluster view', () => {
  before(async function () {
    if (!kubeconfig) this.skip();
    const settings = vscode.workspace.getConfiguration('shipshape');
    await settings.update('cluster.kubeconfig', kubeconfig, vscode.ConfigurationTarget.Global);
    await settings.update('cluster.context', 'shipshape-test', vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    const settings = vscode.workspace.getConfiguration('shipshape');
    await settings.update('cluster.kubeconfig', undefined, vscode.ConfigurationTarget.Global);
    await settings.update('cluster.context', undefined, vscode.ConfigurationTarget.Global);
  });

  it('Scan Cluster lists the running images, scans them, and the tree shows them by severity', async () => {
    await vscode.commands.executeCommand('shipshape.scanCluster');
    const api = (await extension().activate()) as Api;
    const report = api.clusterReport();
    assert.ok(report, 'a report exists after the command');
    assert.equal(report.context, 'shipshape-test');
    assert.ok(report.images.length >= 3, `images: ${report.images.join(', ')}`);
    assert.ok(report.images.every((i) => /@sha256:[0-9a-f]{64}$/.test(i) || !i.includes('@')));
    assert.ok(report.findings.length > 0);
    const order = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];
    assert.deepEqual([...report.findings.map((f) => f.severity)].sort((a, b) => order.indexOf(a) - order.indexOf(b)), report.findings.map((f) => f.severity));
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
    await vscode.commands.executeCommand('shipshape.cluster.focus');
    await sleep(1000);
    await screenshot('cluster-view');
  });

  it('groups by namespace when asked', async () => {
    const api = (await extension().activate()) as Api;
    await vscode.workspace.getConfiguration('shipshape').update('cluster.groupBy', 'namespace', vscode.ConfigurationTarget.Global);
    try {
      const groups = api.clusterTree().filter(([depth]) => depth === 1).map(([, label]) => label);
      assert.ok(groups.length > 0 && groups.every((g) => ['shop', 'payments', 'Not scanned'].includes(g)), groups.join(', '));
    } finally {
      await vscode.workspace.getConfiguration('shipshape').update('cluster.groupBy', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
