// Findings as diagnostics: analysed on open, after typing (debounced, incrementally for YAML),
// and on configuration change; cleared on close.

import * as vscode from 'vscode';
import {
  type AnalysisResult,
  analyze,
  excludeMatcher,
  type FileKind,
  fileKindOf,
  type Finding,
  hasContainerReaders,
  registerReaders,
  type ImageUser,
  IncrementalYaml,
  mayBeCompose,
  PendingEdits,
  plural,
  type Severity,
} from '../core/index.js';
import * as path from 'node:path';
import type { Config } from './config.js';
import type { ComposeEnvironments } from './environments.js';
import type { ProjectController } from './project.js';
import type { AnalysisSettings } from './settings.js';
import type { DiagnosticData } from './workspaceScan.js';
import { toRange } from './ranges.js';
import { loadContainers } from './lazy.js';

export { toRange };

export const SOURCE = 'Shipshape';
const SCHEMES = new Set(['file', 'untitled', 'vscode-remote', 'vscode-vfs']);
const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** How Shipshape reads a document, or undefined when it does not. */
export function kindOf(document: vscode.TextDocument): FileKind | undefined {
  if (!SCHEMES.has(document.uri.scheme)) return undefined;
  if (document.languageId === 'dockerfile') return 'dockerfile';
  if (document.languageId === 'yaml' || document.languageId === 'dockercompose') return 'yaml';
  return fileKindOf(document.fileName);
}

interface DocumentState {
  readonly kind: FileKind;
  readonly config: AnalysisSettings;
  yaml?: IncrementalYaml;
  readonly pending: PendingEdits;
  timer?: ReturnType<typeof setTimeout> | undefined;
  /** The version the diagnostics describe. */
  version: number;
  result?: AnalysisResult | undefined;
  /** The images' users the YAML analysis was built with (those its last result wanted), as a key. */
  usersKey?: string | undefined;
  /** The result with its project's additions, for one project analysis. */
  merged?: { readonly of: AnalysisResult; readonly generation: number; readonly result: AnalysisResult } | undefined;
}

/** What the diagnostics controller tells the scanning side, and asks of it. */
export interface AnalysisListener {
  analyzed(document: vscode.TextDocument, result: AnalysisResult, why: 'opened' | 'edited' | 'settings'): void;
  edited(event: vscode.TextDocumentChangeEvent): void;
  closed(uri: vscode.Uri): void;
  /** Images' own users known from registries and scans (settles root-user where a file sets none). */
  imageUsers(): ReadonlyMap<string, ImageUser>;
}

export class DiagnosticsController implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('shipshape');
  private readonly states = new Map<string, DocumentState>();
  private listener: AnalysisListener | undefined;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly settings: Config,
    private readonly environments?: ComposeEnvironments,
    private readonly project?: ProjectController,
  ) {}

  listen(listener: AnalysisListener): void {
    this.listener = listener;
  }

  /** The current analysis of a document, if it is one Shipshape reads, with what its project (kustomizations, charts) adds. */
  resultOf(document: vscode.TextDocument): AnalysisResult | undefined {
    const state = this.states.get(document.uri.toString());
    if (!state?.result) return undefined;
    if (!this.project) return state.result;
    if (state.merged?.of !== state.result || state.merged.generation !== this.project.generation) {
      state.merged = { of: state.result, generation: this.project.generation, result: this.project.merge(document.uri, state.result) };
    }
    return state.merged.result;
  }

  /**
   * The analysis of a document's text as it is now: one waiting for the pause in typing runs
   * first; undefined when there is none for this version (edits are planned on it).
   */
  currentResultOf(document: vscode.TextDocument): AnalysisResult | undefined {
    this.flush(document);
    return this.states.get(document.uri.toString())?.version === document.version ? this.resultOf(document) : undefined;
  }

  /** The project analysis changed: every analysed document shows its merged result again. */
  projectChanged(): void {
    for (const document of vscode.workspace.textDocuments) {
      const result = this.resultOf(document);
      if (!result) continue;
      this.collection.set(document.uri, toDiagnostics(result));
      this.listener?.analyzed(document, result, 'settings');
    }
  }

  /** Runs an analysis that is waiting for the typing pause now (before a save is scanned, say). */
  flush(document: vscode.TextDocument): void {
    const state = this.states.get(document.uri.toString());
    if (!state?.timer) return;
    clearTimeout(state.timer);
    state.timer = undefined;
    this.run(document, state, 'edited');
  }

  /** Analyses a document again now (what is known about its images changed). */
  reanalyze(document: vscode.TextDocument): void {
    const state = this.states.get(document.uri.toString());
    if (!state) return;
    state.version = -1;
    this.run(document, state, 'settings');
  }

  /** The findings behind the current diagnostics of a document (for quick fixes). */
  findings(document: vscode.TextDocument): readonly Finding[] {
    return this.resultOf(document)?.findings ?? [];
  }

  open(document: vscode.TextDocument): void {
    const kind = kindOf(document);
    if (!kind) return;
    if (kind !== 'dockerfile' && kind !== 'yaml' && !hasContainerReaders()) {
      // Dev containers, Quadlet units and Bake files are read by a bundle loaded on the first of them; this document is opened again then.
      void readContainerFiles(this.log).then((loaded) => loaded && !document.isClosed && this.open(document));
      return;
    }
    const key = document.uri.toString();
    const config = this.settings.analysis(document.uri);
    if (isExcluded(document, config)) {
      this.log.debug(`${document.uri.fsPath}: excluded by shipshape.exclude`);
      this.forget(key);
      return;
    }
    this.forget(key);
    // A Compose file is analysed once its project's variables are known (`.env`): the
    // environments say so, and this document is opened again then.
    // The name says what a CI pipeline is (`.github/workflows/…`, `.gitlab-ci.yml`).
    let analyze = { ...config.analyze, fileName: document.fileName };
    if (kind === 'yaml' && this.environments && mayBeCompose(document.getText())) {
      const composeEnv = this.environments.of(document);
      if (!composeEnv) return;
      analyze = { ...analyze, composeEnv };
    }
    const settings = { ...config, analyze };
    const state: DocumentState = {
      kind,
      config: settings,
      pending: new PendingEdits(),
      version: -1,
      ...(kind === 'yaml' && { yaml: new IncrementalYaml(analyze) }),
    };
    this.states.set(key, state);
    this.run(document, state, 'opened');
  }

  /** A folder's Compose variables changed: its open Compose files are analysed again with them. */
  environmentChanged(folder: string): void {
    for (const document of vscode.workspace.textDocuments) {
      if (
        document.uri.scheme === 'file' &&
        path.dirname(document.uri.fsPath) === folder &&
        kindOf(document) === 'yaml' &&
        mayBeCompose(document.getText())
      ) {
        this.open(document);
      }
    }
  }

  change(event: vscode.TextDocumentChangeEvent): void {
    const state = this.states.get(event.document.uri.toString());
    if (!state) {
      if (kindOf(event.document) && event.contentChanges.length > 0) this.open(event.document);
      return;
    }
    if (event.contentChanges.length === 0) return;
    this.listener?.edited(event);
    state.pending.add(event.contentChanges);
    if (state.timer) clearTimeout(state.timer);
    // Typing goes on while we wait; only the last pause is analysed (earlier runs are dropped).
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (this.states.get(event.document.uri.toString()) === state && !event.document.isClosed) this.run(event.document, state, 'edited');
    }, state.config.debounceMs);
  }

  close(document: vscode.TextDocument): void {
    this.forget(document.uri.toString());
  }

  /**
   * Tabs closed: VS Code keeps a closed editor's document open for a while (and may never
   * close it), so a file no tab shows any more is cleared now, as a user expects.
   */
  tabsClosed(): void {
    const shown = new Set<string>();
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        const input = tab.input;
        if (input instanceof vscode.TabInputText) shown.add(input.uri.toString());
        else if (input instanceof vscode.TabInputTextDiff) shown.add(input.modified.toString());
      }
    }
    for (const key of [...this.states.keys()]) if (!shown.has(key)) this.forget(key);
  }

  /** An editor shows a document again (still open, so no open event): analyse it. */
  shown(editors: readonly vscode.TextEditor[]): void {
    for (const editor of editors) if (!this.states.has(editor.document.uri.toString())) this.open(editor.document);
  }

  /** Settings changed: every open document is analysed again under the new settings. */
  reanalyzeAll(reason: string): void {
    for (const document of vscode.workspace.textDocuments) {
      if (this.states.has(document.uri.toString()) || kindOf(document)) {
        this.log.info(`re-analysing ${vscode.workspace.asRelativePath(document.uri)}: ${reason}`);
        this.open(document);
      }
    }
  }

  private run(document: vscode.TextDocument, state: DocumentState, why: 'opened' | 'edited' | 'settings'): void {
    if (document.version === state.version) return;
    // The length without copying the text out: a huge file is skipped before it costs anything.
    const length = document.offsetAt(document.lineAt(document.lineCount - 1).range.end);
    if (length > state.config.maxFileChars) {
      this.skip(
        document,
        state,
        `it is ${megabytes(length)}, over shipshape.analysis.maxFileSize (${megabytes(state.config.maxFileChars)}). Raise the setting, or check it ` +
          `with the command line (shipshape scan --max-file-size)`,
      );
      return;
    }
    const longest = length > MAX_LINE_CHARS ? longestLine(document) : 0;
    if (longest > MAX_LINE_CHARS) {
      this.skip(
        document,
        state,
        `it has a line of ${megabytes(longest)} (generated or minified text, which would be analysed again at every pause in typing). Check it with ` +
          `the command line (shipshape scan)`,
      );
      return;
    }
    const started = performance.now();
    const text = document.getText();
    const changes = state.pending.take();
    const imageUsers = this.listener?.imageUsers();
    const options = imageUsers && imageUsers.size > 0 ? { ...state.config.analyze, imageUsers } : state.config.analyze;
    // The incremental YAML analysis holds its options: it starts again when a user it wanted became known.
    const usersKey = state.yaml && usersKeyOf(state.result, imageUsers);
    if (state.yaml && usersKey !== state.usersKey) {
      state.yaml = new IncrementalYaml(options);
      state.usersKey = usersKey;
    }
    const result = state.yaml ? state.yaml.update(text, changes) : analyze(text, state.kind, options);
    state.version = document.version;
    state.result = result;
    const merged = this.resultOf(document) ?? result;
    this.collection.set(document.uri, toDiagnostics(merged));
    const elapsed = (performance.now() - started).toFixed(1);
    // Opening is worth a line; every pause in typing only at debug level.
    const summary =
      `${vscode.workspace.asRelativePath(document.uri)} ${why}: ${plural(result.images.length, 'image')}, ${plural(result.findings.length, 'finding')}, ` +
      `${plural(result.errors.length, 'error')} in ${elapsed} ms${changes ? ' (incremental)' : ''}`;
    if (why === 'edited') this.log.debug(summary);
    else this.log.info(summary);
    for (const note of result.notes) this.log.info(`${vscode.workspace.asRelativePath(document.uri)}: ${note}`);
    this.listener?.analyzed(document, merged, why);
  }

  /** Too large to analyse while editing: one note on the file, said once in the log. */
  private skip(document: vscode.TextDocument, state: DocumentState, why: string): void {
    const wasSkipped = state.version !== -1 && state.result === undefined;
    state.version = document.version;
    state.result = undefined;
    state.pending.take();
    const message = `Shipshape did not analyse this file: ${why}.`;
    const diagnostic = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), message, vscode.DiagnosticSeverity.Information);
    diagnostic.source = SOURCE;
    diagnostic.code = 'file-too-large';
    this.collection.set(document.uri, [diagnostic]);
    if (!wasSkipped) this.log.info(`${vscode.workspace.asRelativePath(document.uri)}: not analysed: ${why}`);
  }

  private forget(key: string): void {
    const state = this.states.get(key);
    if (state?.timer) clearTimeout(state.timer);
    this.states.delete(key);
    const uri = vscode.Uri.parse(key);
    this.collection.delete(uri);
    if (state) this.listener?.closed(uri);
  }

  dispose(): void {
    for (const state of this.states.values()) if (state.timer) clearTimeout(state.timer);
    this.states.clear();
    this.collection.dispose();
  }
}

/** Lines longer than this (minified or generated text) make a file too costly to analyse while typing. */
const MAX_LINE_CHARS = 64 * 1024;

function longestLine(document: vscode.TextDocument): number {
  let longest = 0;
  for (let i = 0; i < document.lineCount; i++) longest = Math.max(longest, document.lineAt(i).range.end.character);
  return longest;
}

function megabytes(chars: number): string {
  return chars >= 1024 * 1024 ? `${(chars / 1024 / 1024).toFixed(1)} MB` : `${Math.round(chars / 1024)} KB`;
}

/** `shipshape.exclude`, matched as the workspace scan matches it (and as VS Code matches a pattern: against the path). */
function isExcluded(document: vscode.TextDocument, config: AnalysisSettings): boolean {
  const folder = vscode.workspace.getWorkspaceFolder(document.uri);
  return config.exclude.length > 0 && excludeMatcher(config.exclude, folder ? [folder.uri.fsPath] : [])(document.uri.fsPath);
}

/**
 * Drops at once the diagnostics on the lines an edit touches: results from the network
 * (scans, registry lookups) describe text that is no longer there.
 */
export function dropEdited(collection: vscode.DiagnosticCollection, event: vscode.TextDocumentChangeEvent): void {
  const current = collection.get(event.document.uri);
  if (!current || current.length === 0) return;
  const kept = current.filter(
    (d) => !event.contentChanges.some((c) => c.range.start.line <= d.range.end.line && c.range.end.line >= d.range.start.line),
  );
  if (kept.length !== current.length) collection.set(event.document.uri, kept);
}

let rulePages: vscode.Uri | undefined;

/** Where the rule pages are: docs/rules/ inside the installed extension (set once, at activation). */
export function setRulePages(extensionUri: vscode.Uri): void {
  rulePages = vscode.Uri.joinPath(extensionUri, 'docs', 'rules');
}

/** A rule's page (docs/rules/<rule>.md, shipped with the extension), opened from a diagnostic's code. */
export function ruleLink(rule: string): vscode.Uri {
  if (!rulePages) throw new Error('setRulePages was not called');
  return vscode.Uri.joinPath(rulePages, `${rule}.md`);
}

/** A finding as a diagnostic: its range, severity, and its rule's page as the code's link. */
export function findingDiagnostic(finding: Finding): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(toRange(finding.range), finding.message, SEVERITY[finding.severity]);
  diagnostic.source = SOURCE;
  diagnostic.code = { value: finding.rule, target: ruleLink(finding.rule) };
  return diagnostic;
}

/** A diagnostic of the workspace scan (a file no editor holds), shown as an open document's would be. */
export function dataDiagnostic(data: DiagnosticData): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(toRange(data.range), data.message, SEVERITY[data.severity]);
  diagnostic.source = SOURCE;
  if (data.code === 'scan-failed' || data.code === 'pin-check-failed') diagnostic.code = data.code;
  else if (data.code !== undefined) diagnostic.code = { value: data.code, target: ruleLink(data.code) };
  return diagnostic;
}

function toDiagnostics(result: AnalysisResult): vscode.Diagnostic[] {
  const diagnostics = result.findings.map(findingDiagnostic);
  for (const error of result.errors) {
    const range = error.range ? toRange(error.range) : new vscode.Range(0, 0, 0, 0);
    const diagnostic = new vscode.Diagnostic(range, error.message, vscode.DiagnosticSeverity.Error);
    diagnostic.source = SOURCE;
    diagnostics.push(diagnostic);
  }
  return diagnostics;
}

/** Which of the users a result wants are known, and what they are: equal keys analyse alike. */
function usersKeyOf(result: AnalysisResult | undefined, users: ReadonlyMap<string, ImageUser> | undefined): string {
  if (!users || users.size === 0) return '';
  return (result?.usersWanted ?? [])
    .filter((reference) => users.has(reference))
    .map((reference) => `${reference}=${users.get(reference)!.user}`)
    .sort()
    .join('\n');
}

/** Loads the readers of dev containers, Quadlet units and Bake files (once); false when they could not be loaded (logged). */
export async function readContainerFiles(log: vscode.LogOutputChannel): Promise<boolean> {
  try {
    registerReaders((await loadContainers()).CONTAINER_READERS);
    return true;
  } catch (error) {
    log.error('Shipshape could not load its reader of dev containers, Quadlet units and Bake files', error);
    return false;
  }
}
