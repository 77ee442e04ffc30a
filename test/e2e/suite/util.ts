// Helpers for the in-editor tests. Nothing here is specific to the browser: screenshot() and
// requestAction() ask the runner through files, and do nothing where no runner serves them.

import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'shipshape.shipshape';

/** The extension under development. */
export function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not installed`);
  return ext;
}

/** The test workspace: a copy of test/e2e/fixtures plus the corpus files listed in prepare.ts. */
export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open');
  return folder.uri;
}

/** A file of the workspace, by its `/`-separated path relative to the workspace root. */
export function workspaceUri(relPath: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...relPath.split('/'));
}

/** A file of the repository's test corpus (test/corpus), read in place. */
export function corpusUri(relPath: string): vscode.Uri {
  return vscode.Uri.file(path.resolve(extension().extensionPath, 'test', 'corpus', ...relPath.split('/')));
}

/** Opens a workspace file (or any Uri) in an editor, not as a preview, and returns the editor. */
export async function openDocument(relPath: string | vscode.Uri, options: vscode.TextDocumentShowOptions = {}): Promise<vscode.TextEditor> {
  const uri = typeof relPath === 'string' ? workspaceUri(relPath) : relPath;
  const document = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(document, { preview: false, ...options });
}

/** Undoes the tests' unsaved edits (so that closing asks nothing), then closes every editor. */
export async function revertAndCloseAll(): Promise<void> {
  for (const document of vscode.workspace.textDocuments) {
    if (!document.isDirty) continue;
    await vscode.window.showTextDocument(document);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }
  await closeAllEditors();
}

/** Closes every editor, e.g. in afterEach. */
export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `predicate` every `interval` ms until it returns a truthy value, and returns that value.
 * Rejects after `timeout` ms with `message`, or with the predicate's last error.
 */
export async function waitFor<T>(
  predicate: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeout = 10_000,
  message = 'condition',
  interval = 50,
): Promise<T> {
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`waitFor(${message}) timed out after ${timeout} ms${reason}`);
    }
    await sleep(interval);
  }
}

/**
 * Waits until the diagnostics of `uri` satisfy `predicate` (by default: there is at least one)
 * and returns them. Pass a predicate, e.g. `(d) => d.some((x) => x.code === 'root-user')`.
 */
export function waitForDiagnostics(
  uri: vscode.Uri,
  predicate: (diagnostics: readonly vscode.Diagnostic[]) => boolean = (d) => d.length > 0,
  timeout = 10_000,
): Promise<vscode.Diagnostic[]> {
  return waitFor(
    () => {
      const diagnostics = vscode.languages.getDiagnostics(uri);
      return predicate(diagnostics) ? diagnostics : undefined;
    },
    timeout,
    `diagnostics of ${vscode.workspace.asRelativePath(uri)}`,
  );
}

let requests = 0;

/**
 * Asks the runner, which owns the browser page, to do something the extension host cannot:
 * `screenshot` (`{name}`) or `trust` (trust the workspace in the Workspace Trust editor, as a user
 * would). The runner (test/e2e/run.ts) passes a folder in SHIPSHAPE_E2E_REQUEST_DIR; the request
 * is the file `<n>.request` there holding `{"action": …, …args}`, and the runner answers with
 * `<n>.done` holding what the action returns, or `{"error": …}` (then this rejects). Where no
 * runner serves requests (@vscode/test-electron), this resolves with undefined at once. A missing
 * answer rejects after `timeout` ms.
 */
export async function requestAction<T extends object = Record<string, unknown>>(
  action: string,
  args: object = {},
  timeout = 30_000,
): Promise<T | undefined> {
  const dir = process.env['SHIPSHAPE_E2E_REQUEST_DIR'];
  if (!dir) return undefined;
  const id = `${process.pid}-${++requests}`;
  const request = path.join(dir, `${id}.request`);
  const done = path.join(dir, `${id}.done`);
  await writeFile(`${request}.tmp`, JSON.stringify({ ...args, action }));
  await rename(`${request}.tmp`, request); // atomic: the runner never reads half a request
  const answer = await waitFor(() => existsSync(done) && readFile(done, 'utf8'), timeout, `the runner's answer to ${action}`, 100);
  await rm(done, { force: true });
  const parsed = JSON.parse(answer) as T & { error?: string };
  if (parsed.error !== undefined) throw new Error(`${action} failed: ${parsed.error}`);
  return parsed;
}

/**
 * Asks the runner for a screenshot of the whole workbench, saved as
 * `.e2e/screenshots/<name>.png`, and resolves with its path once it is taken (undefined where
 * no runner takes screenshots). See requestAction().
 */
export async function screenshot(name: string, timeout = 20_000): Promise<string | undefined> {
  const answer = await requestAction<{ path?: string }>('screenshot', { name }, timeout);
  return answer?.path;
}
