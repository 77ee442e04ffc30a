// Kustomize roots and Helm charts in the editor: the workspace's kustomizations and charts are
// analysed together (open documents first, so unsaved edits count), again when one of their
// files changes; what they add to a document (images on `images:` entries and values.yaml lines,
// their findings) and what they settle (a base image every kustomization pins) joins that
// document's own analysis, and a base manifest's image shows in a hover what each root makes of it.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { diskFiles, markdownCode, markdownText, overlayFiles, type AnalysisResult } from '../core/index.js';
import type { ProjectAnalysis } from '../core/project/index.js';
import type { Config } from './config.js';
import { toRange } from './diagnostics.js';
import { loadProject, type Project } from './lazy.js';

/** The files that make a project: where a change means analysing it again. */
const PROJECT_FILES = '**/{kustomization.yaml,kustomization.yml,Kustomization,Chart.yaml}';
const EXCLUDED = '**/{node_modules,.git}/**';
const MAX_PROJECT_FILES = 2000;
const DEBOUNCE_MS = 300;

export class ProjectController implements vscode.Disposable, vscode.HoverProvider {
  private analysis: ProjectAnalysis | undefined;
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
      // A kustomization or chart file opened that the last analysis may not have seen (just created).
      vscode.workspace.onDidOpenTextDocument((document) => {
        if (this.concerns(document) && !this.knows(document.uri.fsPath)) this.schedule();
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
    if (!this.analysis) return false;
    // A manifest a kustomization includes, or a chart's template.
    const file = document.uri.fsPath;
    return (
      this.analysis.chartTemplates.has(file) ||
      this.analysis.kustomize.roots.some((root) => root.images.some((i) => i.origin.file === file))
    );
  }

  private knows(file: string): boolean {
    const analysis = this.analysis;
    if (!analysis) return false;
    return (
      analysis.kustomize.kustomizations.includes(file) || analysis.charts.some((chart) => file.startsWith(`${chart.chart}${path.sep}`))
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
    const uris = (await vscode.workspace.findFiles(PROJECT_FILES, EXCLUDED, MAX_PROJECT_FILES)).filter((u) => u.scheme === 'file');
    if (uris.length === 0) {
      if (this.analysis === undefined) return;
      this.analysis = undefined;
    } else {
      const open = new Map<string, string>();
      for (const document of vscode.workspace.textDocuments)
        if (document.uri.scheme === 'file') open.set(document.uri.fsPath, document.getText());
      const started = performance.now();
      this.engine ??= await loadProject();
      this.analysis = await this.engine.analyzeProject(
        uris.map((u) => u.fsPath),
        overlayFiles(open, diskFiles()),
        { ...this.config.analysis(uris[0]!).analyze, helm: { byChart: this.config.helmValuesFiles() } },
      );
      const { roots } = this.analysis.kustomize;
      this.log.info(
        `project: ${roots.length} kustomization roots, ${this.analysis.charts.length} charts in ${(performance.now() - started).toFixed(0)} ms` +
          (this.analysis.errors.length > 0 ? `, ${this.analysis.errors.length} problems` : ''),
      );
      for (const error of this.analysis.errors) this.log.warn(`${error.file}${error.line ? `:${error.line}` : ''}: ${error.message}`);
    }
    this.version++;
    this.changed.fire();
  }

  /** A cache key part: merged results are valid for one analysis. */
  get generation(): number {
    return this.version;
  }

  /** A document's own analysis, with what the project adds there and without what it settles. */
  merge(uri: vscode.Uri, result: AnalysisResult): AnalysisResult {
    const analysis = this.analysis;
    const engine = this.engine;
    if (!analysis || !engine || uri.scheme !== 'file') return result;
    const file = uri.fsPath;
    const images = analysis.images.get(file) ?? [];
    const findings = analysis.findings.get(file) ?? [];
    const settled = result.findings.filter((f) => f.rule === 'unpinned-image' && analysis.settled.has(engine.placeKey(file, f.range)));
    if (images.length === 0 && findings.length === 0 && settled.length === 0) return result;
    return {
      ...result,
      sources: [...new Set([...result.sources, ...images.map((i) => i.source)])],
      images: [...result.images, ...images],
      findings: [...result.findings.filter((f) => !settled.includes(f)), ...findings].sort(
        (a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character,
      ),
    };
  }

  /** On a manifest's image: what each kustomization including it renders. */
  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const analysis = this.analysis;
    if (!analysis || document.uri.scheme !== 'file') return undefined;
    const file = document.uri.fsPath;
    const rendered = analysis.kustomize.roots.flatMap((root) =>
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
