// What runs, shown where the workspace defines it. After a cluster scan, each image line of an
// open file gets a CodeLens saying which clusters run its repository (pods, workloads, CRITICAL
// and breached vulnerabilities); a reference pinned to a digest while a cluster runs another is an
// information diagnostic (`running-digest-drift`); and an image of the cluster tree is revealed
// where the workspace writes it. The files are the workspace's, analysed offline from disk once
// per report (no Trivy, no network), with the open documents' own analyses over them as they are
// edited. The matching and the texts are the core's (src/core/cluster/lens.ts).

import * as vscode from 'vscode';
import type { ClustersReport, WorkspaceFile } from '../core/cluster/index.js';
import { plural, type AnalysisResult } from '../core/index.js';
import { COMMANDS } from './commandIds.js';
import type { Config } from './config.js';
import { SOURCE, toRange } from './diagnostics.js';
import { loadCluster, type Cluster } from './lazy.js';
import { DOCUMENT_GLOB } from './scanning.js';

export const DRIFT_CODE = 'running-digest-drift';
/** Dev containers, Quadlet units and Bake files, whose names DOCUMENT_GLOB leaves out: their pins are compared too. */
const CONTAINER_FILES =
  '**/{.devcontainer/devcontainer.json,.devcontainer/*/devcontainer.json,.devcontainer.json,*.container,*.image,docker-bake*.hcl,docker-bake*.json}';
/** At most this many files of the workspace are read for one report (as a workspace scan reads). */
const MAX_FILES = 5000;
/** After an edit is analysed, the drift diagnostics and lenses are redone after this pause. */
const REFRESH_MS = 300;

/** `$(name)` in text from files and clusters stays text: VS Code would draw it as an icon in a lens or a pick. */
function withoutIcons(text: string): string {
  return text.replace(/\$\(/g, '\\$(');
}

export class ClusterLinks implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly drift = vscode.languages.createDiagnosticCollection('shipshape-drift');
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private report: ClustersReport | undefined;
  private core: Cluster | undefined;
  /** The workspace's files with their images, by URI (each one's `file` is that URI as a string). */
  private readonly files = new Map<string, WorkspaceFile>();
  private reading: AbortController | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly config: Config,
    /** The current analysis of an open document (with what its project adds). */
    private readonly analysisOf: (document: vscode.TextDocument) => AnalysisResult | undefined,
  ) {}

  /** A cluster scan ended (the links follow its report), or the report was cleared (every link goes). */
  async reportChanged(report: ClustersReport | undefined): Promise<void> {
    this.reading?.abort();
    this.reading = undefined;
    this.stopTimer();
    this.files.clear();
    this.drift.clear();
    this.report = report;
    this.lensesChanged.fire();
    if (!report) return;
    this.core = await loadCluster();
    if (this.report !== report) return;
    const controller = new AbortController();
    this.reading = controller;
    // The open documents at once; the rest of the workspace when it has been read.
    this.takeOpenDocuments();
    this.publish();
    const started = performance.now();
    try {
      await this.readWorkspace(this.core, controller.signal);
    } catch (error) {
      if (!controller.signal.aborted)
        this.log.warn(`could not read the workspace to link it to the cluster report: ${(error as Error).message}`);
      return;
    } finally {
      if (this.reading === controller) this.reading = undefined;
    }
    if (controller.signal.aborted) return;
    // Documents analysed while the disk was read are newer than the disk.
    this.takeOpenDocuments();
    this.publish();
    this.log.info(
      `linked the cluster report to ${plural(this.files.size, 'file')} of the workspace in ${(performance.now() - started).toFixed(0)} ms`,
    );
  }

  /** A document was analysed (opened, edited, settings): its links are redone after a pause. */
  analyzed(document: vscode.TextDocument, result: AnalysisResult): void {
    if (!this.report) return;
    const key = document.uri.toString();
    this.files.set(key, { file: key, result });
    this.stopTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.publish();
    }, REFRESH_MS);
  }

  private takeOpenDocuments(): void {
    for (const document of vscode.workspace.textDocuments) {
      const result = this.analysisOf(document);
      if (result) this.files.set(document.uri.toString(), { file: document.uri.toString(), result });
    }
  }

  /**
   * The workspace's container files, analysed offline as the command line's `scan --offline` does
   * (kustomizations and charts included), folder by folder with each folder's settings; the files
   * `shipshape.exclude` names are left out, as they are when opened.
   */
  private async readWorkspace(core: Cluster, signal: AbortSignal): Promise<void> {
    const source = new vscode.CancellationTokenSource();
    signal.addEventListener('abort', () => source.cancel(), { once: true });
    try {
      const uris = [
        ...(await vscode.workspace.findFiles(DOCUMENT_GLOB, '**/{node_modules,.git}/**', MAX_FILES, source.token)),
        ...(await vscode.workspace.findFiles(CONTAINER_FILES, '**/{node_modules,.git}/**', MAX_FILES, source.token)),
      ];
      for (const folder of vscode.workspace.workspaceFolders ?? []) {
        if (folder.uri.scheme !== 'file') continue;
        const settings = this.config.analysis(folder.uri);
        const excluded = new Set<string>();
        for (const pattern of settings.exclude) {
          for (const uri of await vscode.workspace.findFiles(new vscode.RelativePattern(folder, pattern), null, MAX_FILES, source.token))
            excluded.add(uri.toString());
        }
        const paths = uris
          .filter(
            (uri) => !excluded.has(uri.toString()) && vscode.workspace.getWorkspaceFolder(uri)?.uri.toString() === folder.uri.toString(),
          )
          .map((uri) => uri.fsPath);
        if (paths.length === 0 || signal.aborted) continue;
        const read = await core.scanPaths(paths, { analyze: settings.analyze, signal });
        for (const { file, result } of read.files) {
          const key = vscode.Uri.file(file).toString();
          this.files.set(key, { file: key, result });
        }
      }
    } finally {
      source.dispose();
    }
  }

  /** The drift diagnostics of every file known, and the lenses of the open ones, again. */
  private publish(): void {
    const { report, core } = this;
    if (!report || !core) return;
    const diagnostics = new Map<string, vscode.Diagnostic[]>();
    for (const drift of core.driftOf(report, [...this.files.values()])) {
      const image = this.files
        .get(drift.file)
        ?.result.images.find((i) => i.range.start.line + 1 === drift.line && i.reference?.normalized === drift.reference);
      if (!image) continue;
      const diagnostic = new vscode.Diagnostic(toRange(image.range), core.driftText(drift), vscode.DiagnosticSeverity.Information);
      diagnostic.source = SOURCE;
      diagnostic.code = DRIFT_CODE;
      diagnostics.set(drift.file, [...(diagnostics.get(drift.file) ?? []), diagnostic]);
    }
    this.drift.clear();
    this.drift.set([...diagnostics].map(([file, list]) => [vscode.Uri.parse(file), list]));
    this.lensesChanged.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const { report, core } = this;
    if (!report || !core || !this.config.documentScan(document.uri).codeLens) return [];
    const result = this.analysisOf(document);
    if (!result) return [];
    return core.runsAt(report, [{ file: document.uri.toString(), result }]).map((here) => {
      const line = here.range.start.line;
      return new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
        title: `$(server-environment) ${withoutIcons(core.runsText(here))}`,
        tooltip: core.runsTooltip(here),
        command: COMMANDS.showClusterImage,
        arguments: [here.images],
      });
    });
  }

  /** Opens where the workspace writes a running image's repository and selects it; asks which when there are several places. */
  async reveal(reference: string | undefined): Promise<void> {
    const { report, core } = this;
    if (!report || !core || reference === undefined) {
      void vscode.window.showInformationMessage('Shipshape: scan a cluster first, then reveal one of its images.');
      return;
    }
    const places = core.placesOf(report, reference, [...this.files.values()]);
    let place = places[0];
    if (!place) {
      void vscode.window.showInformationMessage(
        `Shipshape: no Dockerfile, Kubernetes manifest or Compose file of the workspace writes the repository of ${reference}.`,
      );
      return;
    }
    if (places.length > 1) {
      const picked = await vscode.window.showQuickPick(
        places.map((p) => ({
          label: withoutIcons(`${vscode.workspace.asRelativePath(vscode.Uri.parse(p.file))}:${p.line}`),
          description: withoutIcons(p.raw),
          place: p,
        })),
        { title: `Shipshape: where the workspace writes ${reference}`, matchOnDescription: true },
      );
      if (!picked) return;
      place = picked.place;
    }
    const editor = await vscode.window.showTextDocument(vscode.Uri.parse(place.file), { preview: false });
    // The file may have changed since it was read: the same text, nearest to where it was.
    const result = this.analysisOf(editor.document);
    const wanted = place;
    const now = result
      ? core
          .placesOf(report, reference, [{ file: wanted.file, result }])
          .filter((p) => p.raw === wanted.raw)
          .sort((a, b) => Math.abs(a.line - wanted.line) - Math.abs(b.line - wanted.line))[0]
      : undefined;
    const range = toRange((now ?? wanted).range);
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.reading?.abort();
    this.stopTimer();
    this.drift.dispose();
    this.lensesChanged.dispose();
  }
}
