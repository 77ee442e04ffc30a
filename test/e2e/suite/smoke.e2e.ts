// Smoke test: the extension under development is loaded, and a Dockerfile from the fixtures
// opens in an editor. It asserts nothing about the extension's features, which are still to come.

import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { after, describe, it } from 'mocha';
import { closeAllEditors, EXTENSION_ID, openDocument, screenshot, waitFor } from './util.js';

describe('smoke', () => {
  after(closeAllEditors);

  it('has the extension under development installed', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    assert.equal(ext.packageJSON.name, 'shipshape');
  });

  it('opens a Dockerfile from the fixtures', async () => {
    const editor = await openDocument('Dockerfile');
    assert.equal(path.posix.basename(editor.document.uri.path), 'Dockerfile');
    assert.equal(editor.document.languageId, 'dockerfile');
    assert.match(editor.document.getText(), /^FROM node:latest$/m);
    await waitFor(() => vscode.window.activeTextEditor?.document === editor.document, 5_000, 'the Dockerfile is active');
    await screenshot('smoke-dockerfile');
  });
});
