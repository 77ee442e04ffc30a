// Compose variables in the editor: each Compose project folder's `.env` (or the env files of
// `shipshape.compose.envFiles`) and the environment, read once per folder, from the open
// documents first (an unsaved `.env` counts), and read again when an env file changes.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { composeEnvironment, diskFiles, overlayFiles, type ProjectFiles } from '../core/index.js';
import type { Config } from './config.js';

interface Entry {
  env?: Readonly<Record<string, string>>;
  /** The env files that were read (or looked for), to know which changes concern this folder. */
  files: readonly string[];
  loading?: Promise<void> | undefined;
}

export class ComposeEnvironments implements vscode.Disposable {
  private readonly folders = new Map<string, Entry>();
  private readonly changed = new vscode.EventEmitter<string>();
  /** A folder's variables became known, or changed: its Compose files need analysing again. */
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  /** The variables of a Compose file that is not on disk: the environment's alone. */
  private environmentOnly: Readonly<Record<string, string>> | undefined;

  constructor(
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.env');
    const dotenv = vscode.workspace.createFileSystemWatcher('**/.env');
    const fileChanged = (uri: vscode.Uri) => this.fileChanged(uri.fsPath);
    this.subscriptions = [
      watcher,
      dotenv,
      ...[watcher, dotenv].flatMap((w) => [w.onDidChange(fileChanged), w.onDidCreate(fileChanged), w.onDidDelete(fileChanged)]),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length > 0 && this.isEnvFile(event.document.uri.fsPath)) this.fileChanged(event.document.uri.fsPath);
      }),
      this.changed,
    ];
  }

  /**
   * The variables for a Compose file, when known now; undefined while they are read (onDidChange
   * then fires for its folder).
   */
  of(document: vscode.TextDocument): Readonly<Record<string, string>> | undefined {
    // Not a file on disk (untitled, a virtual file system): no project folder, so no env file is
    // read (`.` would be the extension host's working folder), only the environment.
    if (document.uri.scheme !== 'file') return (this.environmentOnly ??= environmentValues());
    const folder = path.dirname(document.uri.fsPath);
    const entry = this.folders.get(folder);
    if (entry?.env) return entry.env;
    if (!entry?.loading) this.load(folder, document.uri);
    return undefined;
  }

  /** Settings changed: every folder is read again on its next use. */
  reset(): void {
    this.folders.clear();
  }

  private load(folder: string, uri: vscode.Uri): void {
    const entry: Entry = { files: [] };
    this.folders.set(folder, entry);
    const envFiles = this.config.envFiles(uri);
    const root = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? folder;
    const options = {
      ...(envFiles.length > 0 && { envFiles: envFiles.map((f) => path.resolve(root, f)) }),
      processEnv: process.env,
    };
    entry.files = options.envFiles ?? [path.join(folder, '.env')];
    entry.loading = composeEnvironment(folder, options, this.files()).then(
      (result) => {
        if (this.folders.get(folder) !== entry) return;
        for (const problem of result.problems)
          this.log.warn(`${problem.file}${problem.line ? `:${problem.line}` : ''}: ${problem.message}`);
        entry.env = result.values;
        entry.loading = undefined;
        this.changed.fire(folder);
      },
      (error: unknown) => {
        this.log.error(`could not read the Compose variables of ${folder}: ${error instanceof Error ? error.message : String(error)}`);
        entry.env = {};
        entry.loading = undefined;
        this.changed.fire(folder);
      },
    );
  }

  /** Open documents first (an edited `.env` counts before it is saved), then the disk. */
  private files(): ProjectFiles {
    const open = new Map<string, string>();
    for (const document of vscode.workspace.textDocuments)
      if (document.uri.scheme === 'file') open.set(document.uri.fsPath, document.getText());
    return overlayFiles(open, diskFiles());
  }

  private isEnvFile(file: string): boolean {
    return path.basename(file) === '.env' || [...this.folders.values()].some((entry) => entry.files.includes(file));
  }

  private fileChanged(file: string): void {
    // The folders first: a listener reads a folder again at once, which adds it back to the map.
    const stale = [...this.folders].filter(([, entry]) => entry.files.includes(file)).map(([folder]) => folder);
    for (const folder of stale) this.folders.delete(folder);
    for (const folder of stale) this.changed.fire(folder);
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}

/** The environment as Compose variables (what is set, nothing read from files). */
function environmentValues(): Readonly<Record<string, string>> {
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) values[name] = value;
  return values;
}
