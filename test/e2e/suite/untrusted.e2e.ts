// The second end-to-end run (run.ts --untrusted): a workspace with no container files, opened
// without trust (restricted mode). Only these tests run there, in this order.

import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { before, describe, it } from 'mocha';
import { extension, openDocument, sleep, waitFor, waitForDiagnostics, workspaceUri } from './util.js';

const MANIFEST = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
`;

describe('untrusted workspace', function () {
  before(function () {
    if (process.env['SHIPSHAPE_E2E_UNTRUSTED'] !== '1') this.skip();
  });

  it('does not activate at start-up in a workspace without container files', async () => {
    await sleep(1000); // start-up activations have long happened by the time tests run; leave a margin
    assert.equal(extension().isActive, false);
  });

  it('activates when a YAML file opens, and the static rules report in restricted mode', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    assert.equal(extension().packageJSON.capabilities.untrustedWorkspaces.supported, 'limited');
    const uri = workspaceUri('pod.yaml');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(MANIFEST));
    const editor = await openDocument(uri);
    await waitFor(() => extension().isActive, 10_000, 'Shipshape activates');
    const diagnostics = await waitForDiagnostics(editor.document.uri, (d) => d.length >= 2);
    assert.deepEqual(diagnostics.map((d) => (typeof d.code === 'object' ? d.code.value : d.code)).sort(), ['root-user', 'unpinned-image']);
  });

  it('runs no Trivy in an untrusted workspace, even when asked', async () => {
    await vscode.commands.executeCommand('shipshape.scanFile');
    await sleep(1500);
    const log = process.env['TRIVY_STANDIN_LOG'];
    assert.ok(log, 'the harness logs the stand-in');
    assert.equal(existsSync(log), false, 'the stand-in Trivy never ran');
  });
});
