// Kustomize roots and Helm charts in the editor: each workspace folder's kustomizations and charts
// are analysed together with that folder's settings, leaving out what its `shipshape.exclude`
// excludes (open documents first, so unsaved edits count), again when one of their files changes;
// what they add to a document (images on `images:` entries and values.yaml lines, their findings)
// and what they settle (a base image every kustomization pins) joins that document's own analysis
// through the core's withProject, as in `shipshape scan`, and a base manifest's image shows in a
// hover what each root makes of it.
// The analysis runs in Restricted Mode too: it runs nothing and asks no server, each root and
// chart has the core's time budget, and it lets the extension host's events run as it goes; but
// until the workspace is trusted it reads only the workspace folders' own files.

import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  confinedFiles,
  diskFiles,
  excludeMatcher,
  markdownCode,
  markdownText,
  mayHoldGitOps,
  overlayFiles,
  type AnalysisResult,
  type ImageUser,
  type ProjectFiles,
} from '../core/index.js';
import type { ProjectAnalysis } from '../core/project/index.js';
import type { Config } from './config.js';
import { toRange } from './ranges.js';
import { loadProject, type Project } from './lazy.js';

/** The files that make a project: where a change means analysing it again. */
const PROJECT_FILES = '**/{kustomization.yaml,kustomization.yml,Kustomization,Chart.yaml}';
/** Where Argo CD and Flux objects may be: any YAML file, read only to see whether it names their API groups. */
const GITOPS_FILES = '**/*.{yaml,yml}';
const EXCLUDED = '**/{node_modules,.git}/**';
const MAX_PROJECT_FILES = 2000;
const DEBOUNCE_MS = 300;

export class ProjectController implements vscode.Disposable, vscode.HoverProvider {
  /** One analysis per workspace folder that has a kustomization or a chart. */
  private analyses: readonly ProjectAnalysis[] = [];
  /** The project entry, once loaded (only when the workspace has a kustomization or a chart). */
  private engine: Project | undefined;
  /** Counts analyses, so that cached merges know when they are stale. */
  private version = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly changed = new vscode.EventEmitter<void>();
  /** The project analysis changed: documents' merged results and diagnostics are stale. */
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  /** The images' configured users the editor has learnt (ImageUsers), by normalised reference. */
  private knownUsers: () => ReadonlyMap<string, ImageUser> = () => new Map();

  constructor(
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher(PROJECT_FILES);
    const values = vscode.workspace.createFileSystemWatcher('**/values*.{yaml,yml}');
    const schedule = () => this.schedule();
    this.subscriptions = [
      watcher,
      values,
      ...[watcher, values].flatMap((w) => [w.onDidChange(schedule), w.onDidCreate(schedule), w.onDidDelete(schedule)]),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length > 0 && this.concerns(event.document)) this.schedule();
      }),
      // A kustomization, chart file or GitOps object opened that the last analysis may not have seen
      // (just created: no watcher looks at every YAML file, and the analysis may have run before it was written).
      vscode.workspace.onDidOpenTextDocument((document) => {
        if ((this.concerns(document) && !this.knows(document.uri.fsPath)) || this.newGitOps(document)) this.schedule();
      }),
      vscode.workspace.onDidSaveTextDocument((document) => {
        if (document.languageId === 'yaml') this.schedule();
      }),
      this.changed,
    ];
  }

  /** Whether an edit of this document may change what the project makes. */
  private concerns(document: vscode.TextDocument): boolean {
    if (document.uri.scheme !== 'file') return false;
    const name = path.basename(document.uri.fsPath);
    if (/^(kustomization\.ya?ml|Kustomization|Chart\.yaml|values.*\.ya?ml)$/.test(name)) return true;
    // A manifest a kustomization includes, or a chart's template.
    const file = document.uri.fsPath;
    return this.analyses.some(
      (analysis) =>
        analysis.chartTemplates.has(file) ||
        analysis.kustomize.roots.some((root) => root.images.some((i) => i.origin.file === file)) ||
        analysis.gitops.some((root) => root.source.file === file),
    );
  }

  /** A YAML file that names an Argo CD or Flux API group and is no root of the last analysis. */
  private newGitOps(document: vscode.TextDocument): boolean {
    if (document.uri.scheme !== 'file' || document.languageId !== 'yaml') return false;
    const file = document.uri.fsPath;
    return (
      !this.analyses.some((analysis) => analysis.gitops.some((root) => root.source.file === file)) && mayHoldGitOps(document.getText())
    );
  }

  private knows(file: string): boolean {
    return this.analyses.some(
      (analysis) =>
        analysis.kustomize.kustomizations.includes(file) || analysis.charts.some((chart) => file.startsWith(`${chart.chart}${path.sep}`)),
    );
  }

  /** Analyses the project again after a pause (edits come in bursts). */
  schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, DEBOUNCE_MS);
  }

  /** Analyses the workspace's kustomizations and charts now (one run at a time; a request meanwhile runs once after it). */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.analyse()
      .catch((error: unknown) =>
        this.log.error(
          `could not analyse the workspace's kustomizations and charts: ${error instanceof Error ? error.message : String(error)}`,
        ),
      )
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          void this.refresh();
        }
      });
    return this.running;
  }

  private async analyse(): Promise<void> {
    const analyses: ProjectAnalysis[] = [];
    const open = new Map<string, string>();
    for (const document of vscode.workspace.textDocuments)
      if (document.uri.scheme === 'file') open.set(document.uri.fsPath, document.getText());
    const files = this.files(open);
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      // Settings are per folder: its rules, build arguments and exclusions.
      const settings = this.config.analysis(folder.uri);
      const excluded = excludeMatcher(settings.exclude, [folder.uri.fsPath]);
      const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, PROJECT_FILES), EXCLUDED, MAX_PROJECT_FILES);
      const found = uris.filter((u) => u.scheme === 'file' && !excluded(u.fsPath)).map((u) => u.fsPath);
      found.push(...(await this.gitOpsFiles(folder, files, excluded)));
      if (found.length === 0) continue;
      const started = performance.now();
      this.engine ??= await loadProject();
      const rendered = await this.engine.analyzeProject(
        found,
        files,
        { ...settings.analyze, helm: { byChart: this.config.helmValuesFiles(folder.uri) } },
        // A GitOps object's path starts at the repository's root: the workspace folder.
        { root: folder.uri.fsPath },
      );
      // root-user judged with the images' users learnt so far (the rest are asked through the documents).
      const users = this.knownUsers();
      const analysis = rendered.usersWanted.some((r) => users.has(r)) ? await rendered.withUsers(users) : rendered;
      analyses.push(analysis);
      this.log.info(
        `project ${folder.name}: ${analysis.kustomize.roots.length} kustomization roots, ${analysis.charts.length} charts in ` +
          `${(performance.now() - started).toFixed(0)} ms${analysis.errors.length > 0 ? `, ${analysis.errors.length} problems` : ''}`,
      );
      for (const error of analysis.errors) this.log.warn(`${error.file}${error.line ? `:${error.line}` : ''}: ${error.message}`);
    }
    if (analyses.length === 0 && this.analyses.length === 0) return;
    this.analyses = analyses;
    this.version++;
    this.changed.fire();
  }

  /** The folder's YAML files that name an Argo CD or Flux API group (the GitOps objects among them are roots). */
  private async gitOpsFiles(folder: vscode.WorkspaceFolder, files: ProjectFiles, excluded: (file: string) => boolean): Promise<string[]> {
    const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, GITOPS_FILES), EXCLUDED, MAX_PROJECT_FILES);
    const found: string[] = [];
    for (const uri of uris) {
      if (uri.scheme !== 'file' || excluded(uri.fsPath) || /^(kustomization\.ya?ml|Chart\.yaml)$/.test(path.basename(uri.fsPath))) continue;
      const text = await files.read(uri.fsPath);
      if (text !== undefined && mayHoldGitOps(text)) found.push(uri.fsPath);
    }
    return found;
  }

  /** Open documents over the disk; before the workspace is trusted, only inside its folders (a kustomization may name any folder). */
  private files(open: ReadonlyMap<string, string>): ProjectFiles {
    const files = overlayFiles(open, diskFiles());
    if (vscode.workspace.isTrusted) return files;
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    return confinedFiles(files, folders);
  }

  /** Where the images' configured users the editor learns are kept. */
  useUsers(known: () => ReadonlyMap<string, ImageUser>): void {
    this.knownUsers = known;
  }

  /** Images' users were learnt: root-user on what the roots and charts render is judged again (nothing is rendered again). */
  async usersLearnt(users: ReadonlyMap<string, ImageUser>): Promise<void> {
    if (!this.analyses.some((analysis) => analysis.usersWanted.some((r) => users.has(r)))) return;
    const before = this.analyses;
    const known = this.knownUsers();
    const judged = await Promise.all(before.map((analysis) => analysis.withUsers(known)));
    // A new analysis that finished meanwhile already judged with what was known.
    if (this.analyses !== before) return;
    this.analyses = judged;
    this.version++;
    this.changed.fire();
  }

  /** A cache key part: merged results are valid for one analysis. */
  get generation(): number {
    return this.version;
  }

  /** A document's own analysis, with what the project adds there and without what it settles (the core's withProject, as the CLI's scan). */
  merge(uri: vscode.Uri, result: AnalysisResult): AnalysisResult {
    const engine = this.engine;
    if (!engine || uri.scheme !== 'file') return result;
    const merged = this.analyses.reduce((merged, analysis) => engine.withProject(uri.fsPath, merged, analysis), result);
    // The images whose users would settle root-user on what the project places here: asked through this document.
    const file = path.resolve(uri.fsPath);
    const wanted = this.analyses.flatMap((analysis) => {
      const open = new Set(analysis.usersWanted);
      return (analysis.findings.get(file) ?? []).flatMap((f) =>
        f.rule === 'root-user' && f.reference && open.has(f.reference) ? [f.reference] : [],
      );
    });
    if (wanted.length === 0) return merged;
    return { ...merged, usersWanted: [...new Set([...(merged.usersWanted ?? []), ...wanted])] };
  }

  /** On a manifest's image: what each kustomization including it renders. */
  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    if (document.uri.scheme !== 'file') return undefined;
    const file = document.uri.fsPath;
    const rendered = this.analyses
      .flatMap((analysis) => analysis.kustomize.roots)
      .flatMap((root) =>
        root.images.filter((i) => i.origin.file === file && toRange(i.origin.range).contains(position)).map((image) => ({ root, image })),
      );
    if (rendered.length === 0) return undefined;
    const origin = rendered[0]!.image.origin;
    const lines = [`**Shipshape** · what the kustomizations make of ${markdownCode(origin.raw)}:`, ''];
    for (const { root, image } of rendered) {
      const where =
        image.decidedAt.by === 'manifest'
          ? 'unchanged'
          : `${image.decidedAt.by === 'patch' ? 'a patch' : 'its `images:` entry'} in ${markdownText(vscode.workspace.asRelativePath(image.decidedAt.file))}:${image.decidedAt.range.start.line + 1}`;
      lines.push(`- ${markdownText(vscode.workspace.asRelativePath(root.folder))}: ${markdownCode(image.reference)} (${where})`);
    }
    const markdown = new vscode.MarkdownString(lines.join('\n'));
    markdown.supportHtml = false;
    return new vscode.Hover(markdown, toRange(origin.range));
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
