// The cluster view against the test Kubernetes API server (SHIPSHAPE_E2E_KUBECONFIG) and the
// stand-in Trivy.

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { after, before, describe, it } from 'mocha';
import { extension, screenshot, sleep } from './util.js';

const kubeconfig = process.env['SHIPSHAPE_E2E_KUBECONFIG'] ?? '';

interface Api {
  clusterReport(): { context: string; images: string[]; findings: { id: string; severity: string; image: string; breached: boolean }[] } | undefined;
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
    await vscode.commands.executeCommand('shipshape.cluster.focus');
    await sleep(1000);
    await screenshot('cluster-view');
  });
});
