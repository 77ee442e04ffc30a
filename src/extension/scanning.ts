// Vulnerability scanning in the editor: when to scan, progress, diagnostics, hovers and CodeLenses.
// The scanner itself (Trivy processes, cache) is loaded on first use from dist/network.js.

import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  countsText,
  hoverText,
  imageUsersOf,
  markdownCode,
  markdownText,
  plural,
  requestKey,
  scanRequestFor,
  scanVerdicts,
  shownScanSettings,
  trivyProblemIn,
  type AnalysisResult,
  type AnalyzeOptions,
  type ImageUser,
  type ImageOccurrence,
  type ScanFailure,
  type ScanOutcome,
  type ScanReport,
  type ScanRequest,
  type StaleLookup,
  type UserLookup,
} from '../core/index.js';
import type { Config } from './config.js';
import { COMMANDS } from './commandIds.js';
import { dataDiagnostic, dropEdited, findingDiagnostic, SOURCE, toRange } from './diagnostics.js';
import { folderScanOptions, reportDiagnostics } from './workspaceScan.js';
import { Lazy, loadNetwork, type Network } from './lazy.js';

type Scanner = InstanceType<Network['Scanner']>;

/** The files that may hold images (Dockerfiles, Containerfiles, YAML): what workspace-wide features read. */
export const DOCUMENT_GLOB =
  '**/{Dockerfile,Containerfile,*.Dockerfile,*.Containerfile,Dockerfile.*,Containerfile.*,dockerfile,*.yaml,*.yml}';

export class ScanController implements vscode.Disposable, vscode.HoverProvider, vscode.CodeLensProvider {
  private readonly collection = vscode.languages.createDiagnosticCollection('shipshape-vulnerabilities');
  /** The last workspace scan's diagnostics, for the files no editor shows (an opened file's own analysis takes over). */
  private readonly workspaceCollection = vscode.languages.createDiagnosticCollection('shipshape-workspace');
  /** Made by the first scan: creating a status bar item costs activation about as much as the rest of it. */
  private statusBar: vscode.StatusBarItem | undefined;
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private readonly rendered = new vscode.EventEmitter<{ readonly document: vscode.TextDocument; readonly result: AnalysisResult }>();
  /** A document's scan results were shown (safer tags are looked for then). */
  readonly onDidRender = this.rendered.event;
  /** Latest outcome per request key. */
  private readonly outcomes = new Map<string, ScanOutcome>();
  private readonly running = new Map<string, vscode.CancellationTokenSource>();
  private readonly scanner = new Lazy<Scanner>(() =>
    loadNetwork().then(async (network) => {
      const { options } = this.config.scanner();
      const cacheFile = vscode.Uri.joinPath(this.storage, 'scans.json').fsPath;
      // The workspace's .trivyignore, which Trivy would read in its folder.
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const ignoreFile = folder?.scheme === 'file' ? await network.findTrivyIgnore(folder.fsPath) : undefined;
      this.log.info(
        `scanner ready: Trivy ${options.trivyPath ?? 'on PATH'}, ${JSON.stringify(shownScanSettings(options.settings))}, concurrency ` +
          `${options.concurrency}, cache ` +
          `${cacheFile}${ignoreFile ? `, ignore file ${ignoreFile}` : ''}`,
      );
      return network.createScanner(options, { cacheFile, ...(ignoreFile !== undefined && { ignoreFile }), logger: this.log });
    }),
  );
  /** Aborted when the settings change: scans under the old ones stop, and their results are not used. */
  private generation = new AbortController();
  /** The Trivy problem last said (each scan looks for Trivy again, and the same problem is not said twice). */
  private saidTrivyProblem: string | undefined;
  private saidUntrusted = false;
  private active = 0;

  constructor(
    private readonly storage: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly config: Config,
    /** The current analysis of an open document. */
    private readonly analysisOf: (document: vscode.TextDocument) => AnalysisResult | undefined,
    /** Asks for a document to be analysed again (a base image's user became known). */
    private readonly reanalyze: (document: vscode.TextDocument) => void,
    /** How a workspace scan reads images' own users (undefined: not asked). */
    private readonly userLookup: () => Promise<UserLookup | undefined> = () => Promise.resolve(undefined),
    /** How a workspace scan checks pins against their tags (undefined: not checked). */
    private readonly staleLookup: () => Promise<StaleLookup | undefined> = () => Promise.resolve(undefined),
  ) {}

  /** Settings changed: a new scanner with the new settings; results under the old ones are dropped. */
  configure(): void {
    this.generation.abort();
    this.generation = new AbortController();
    this.scanner.reset();
    this.saidTrivyProblem = undefined;
    this.outcomes.clear();
    this.collection.clear();
    this.workspaceCollection.clear();
    this.lensesChanged.fire();
  }

  /** The base images' own users, by normalised reference, for the root-user rule. */
  imageUsers(): ReadonlyMap<string, ImageUser> {
    return imageUsersOf(this.outcomes.values());
  }

  /** The scanner (Trivy, cache, concurrency) the cluster view shares. */
  getScanner(): Promise<Scanner> {
    return this.scanner.get();
  }

  /** Called after every analysis of an open document. */
  analyzed(document: vscode.TextDocument, result: AnalysisResult, why: 'opened' | 'edited' | 'settings'): void {
    this.workspaceCollection.delete(document.uri);
    this.render(document, result);
    if (why === 'opened' && this.config.documentScan(document.uri).trigger === 'open') void this.scanDocument(document, false);
  }

  saved(document: vscode.TextDocument): void {
    if (this.config.documentScan(document.uri).trigger !== 'manual') void this.scanDocument(document, false);
  }

  /** An edit drops the results of the references it touches at once, before analysis runs. */
  edited(event: vscode.TextDocumentChangeEvent): void {
    dropEdited(this.collection, event);
  }

  closed(uri: vscode.Uri): void {
    this.running.get(uri.toString())?.cancel();
    this.collection.delete(uri);
  }

  private untrusted(interactive: boolean): boolean {
    if (vscode.workspace.isTrusted) return false;
    if (!this.saidUntrusted || interactive) {
      this.saidUntrusted = true;
      this.log.info('vulnerability scanning is off: the workspace is not trusted (scanning runs Trivy); static rules still run');
      if (interactive)
        void vscode.window.showInformationMessage(
          'Shipshape scans images by running Trivy, which an untrusted workspace does not allow. Trust the workspace to scan.',
        );
    }
    return true;
  }

  /** Trivy missing or too old: one message, with the way out, once per problem (a scan asked for says it again). */
  private sayTrivyProblem(problem: ScanFailure, interactive: boolean): void {
    if (this.saidTrivyProblem === problem.message && !interactive) {
      this.log.debug(problem.message);
      return;
    }
    this.log.error(problem.message);
    this.saidTrivyProblem = problem.message;
    void vscode.window.showWarningMessage(`Shipshape: ${problem.message}`, 'Open Settings', 'Show Log').then((choice) => {
      if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'shipshape.trivy.path');
      if (choice === 'Show Log') this.log.show();
    });
  }

  private requestsOf(result: AnalysisResult | undefined): ScanRequest[] {
    return (result?.images ?? []).map(scanRequestFor).filter((r): r is ScanRequest => r !== undefined);
  }

  /** Scans the images of one document, in the background with progress in the status bar. */
  async scanDocument(document: vscode.TextDocument, interactive: boolean): Promise<void> {
    if (this.untrusted(interactive)) return;
    const requests = this.requestsOf(this.analysisOf(document));
    if (requests.length === 0) {
      if (interactive) void vscode.window.showInformationMessage('Shipshape: no image to scan in this file.');
      return;
    }
    const key = document.uri.toString();
    this.running.get(key)?.cancel();
    const source = new vscode.CancellationTokenSource();
    this.running.set(key, source);
    try {
      if (!interactive) {
        await this.scanRequests(requests, source.token, false, (done, total) => this.showProgress(`${done}/${total}`));
        return;
      }
      // Asked for: a notification with progress and a Cancel button.
      await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Shipshape: scanning the images of ${path.basename(document.uri.path)}`,
          cancellable: true,
        },
        async (progress, token) => {
          token.onCancellationRequested(() => source.cancel());
          let last = 0;
          await this.scanRequests(requests, source.token, true, (done, total) => {
            this.showProgress(`${done}/${total}`);
            progress.report({ increment: ((done - last) / total) * 100, message: `${done} of ${plural(total, 'image')}` });
            last = done;
          });
        },
      );
    } finally {
      if (this.running.get(key) === source) this.running.delete(key);
      source.dispose();
    }
  }

  private showProgress(text: string | undefined): void {
    if (text === undefined || this.active === 0) {
      this.statusBar?.hide();
      return;
    }
    if (!this.statusBar) {
      this.statusBar = vscode.window.createStatusBarItem('shipshape.scan', vscode.StatusBarAlignment.Left, 10);
      this.statusBar.name = 'Shipshape scans';
      this.statusBar.command = COMMANDS.showLog;
    }
    this.statusBar.text = `$(loading~spin) Shipshape: scanning images ${text}`;
    this.statusBar.tooltip = 'Shipshape is scanning images with Trivy. Click for the log.';
    this.statusBar.show();
  }

  private async scanRequests(
    requests: readonly ScanRequest[],
    token: vscode.CancellationToken,
    interactive: boolean,
    progress: (done: number, total: number) => void,
  ): Promise<Map<string, ScanOutcome> | undefined> {
    const generation = this.generation.signal;
    const scanner = await this.getScanner();
    const controller = new AbortController();
    const subscription = token.onCancellationRequested(() => controller.abort());
    const onNewSettings = () => controller.abort();
    generation.addEventListener('abort', onNewSettings, { once: true });
    if (generation.aborted) controller.abort();
    this.active++;
    this.showProgress(`0/${new Set(requests.map(requestKey)).size}`);
    try {
      const results = await scanner.scanAll(requests, controller.signal, (done, total) => progress(done, total));
      // The settings changed meanwhile: these results are from the old Trivy, server or cache.
      if (generation.aborted) return undefined;
      const unusable = trivyProblemIn(results.values());
      if (unusable) {
        this.sayTrivyProblem(unusable, interactive);
        return undefined;
      }
      for (const [key, outcome] of results) {
        if (!outcome.ok && outcome.failure.reason === 'cancelled') continue;
        this.outcomes.set(key, outcome);
      }
      this.refreshOpenDocuments();
      return results;
    } finally {
      subscription.dispose();
      generation.removeEventListener('abort', onNewSettings);
      this.active--;
      this.showProgress(undefined);
    }
  }

  private refreshOpenDocuments(): void {
    for (const document of vscode.workspace.textDocuments) {
      const result = this.analysisOf(document);
      if (!result) continue;
      // A file whose images' users a scan may have told is judged again by root-user.
      if ((result.usersWanted ?? []).length > 0) this.reanalyze(document);
      else this.render(document, result);
    }
    this.lensesChanged.fire();
  }

  /** The latest scan outcome of an image, if it was scanned. */
  outcomeFor(image: ImageOccurrence): ScanOutcome | undefined {
    return this.outcomeOf(image);
  }

  private outcomeOf(image: ImageOccurrence): ScanOutcome | undefined {
    const request = scanRequestFor(image);
    return request && this.outcomes.get(requestKey(request));
  }

  /** One diagnostic per scanned reference: its vulnerabilities, or why it could not be scanned. */
  render(document: vscode.TextDocument, result: AnalysisResult): void {
    const verdicts = scanVerdicts(
      result.images,
      (image) => this.outcomeOf(image),
      this.config.analysis(document.uri).analyze,
      result.findings,
    );
    const diagnostics = verdicts.findings.map(findingDiagnostic);
    for (const { image, failure } of verdicts.failures) {
      const diagnostic = new vscode.Diagnostic(
        toRange(image.range),
        `Shipshape could not scan this image. ${failure.message}`,
        vscode.DiagnosticSeverity.Information,
      );
      diagnostic.source = SOURCE;
      diagnostic.code = 'scan-failed';
      diagnostics.push(diagnostic);
    }
    this.collection.set(document.uri, diagnostics);
    if (verdicts.findings.length > 0) this.rendered.fire({ document, result });
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const image = this.analysisOf(document)?.images.find((i) => toRange(i.range).contains(position));
    const outcome = image && this.outcomeOf(image);
    if (!image || !outcome) return undefined;
    const markdown = new vscode.MarkdownString();
    markdown.supportHtml = false;
    if (!outcome.ok) {
      markdown.appendMarkdown(`**Shipshape** could not scan ${markdownCode(image.raw)}: ${markdownText(outcome.failure.message)}`);
      return new vscode.Hover(markdown, toRange(image.range));
    }
    markdown.appendMarkdown(hoverText(image.raw, outcome.scan));
    return new vscode.Hover(markdown, toRange(image.range));
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.config.documentScan(document.uri).codeLens) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const image of this.analysisOf(document)?.images ?? []) {
      const outcome = this.outcomeOf(image);
      if (!outcome) continue;
      const title = outcome.ok
        ? outcome.scan.vulnerabilities.length === 0
          ? '$(pass) no known vulnerabilities'
          : `$(shield) ${countsText(outcome.scan)}`
        : '$(warning) not scanned';
      const range = new vscode.Range(image.range.start.line, 0, image.range.start.line, 0);
      lenses.push(
        new vscode.CodeLens(range, {
          title: `${title} (Trivy)`,
          command: COMMANDS.scanFile,
          // This file, not whichever editor is active when the lens is clicked.
          arguments: [document.uri.toString()],
          tooltip: 'Scan the images of this file again',
        }),
      );
    }
    return lenses;
  }

  /**
   * Scans the workspace as `shipshape scan` does (workspace/scan.ts: scanPaths, here with each
   * folder's settings and the open documents): every file's findings and its images'
   * vulnerabilities. Open documents show theirs as usual; the other files' are shown from the report.
   */
  async scanWorkspace(): Promise<void> {
    if (this.untrusted(true)) return;
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
    if (folders.length === 0) {
      void vscode.window.showInformationMessage('Shipshape: open a folder to scan the images of its files.');
      return;
    }
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Shipshape: scanning the workspace’s images', cancellable: true },
      async (progress, token) => {
        const generation = this.generation.signal;
        const controller = new AbortController();
        const subscription = token.onCancellationRequested(() => controller.abort());
        const onNewSettings = () => controller.abort();
        generation.addEventListener('abort', onNewSettings, { once: true });
        this.active++;
        try {
          const summary = await this.scanFolders(folders, controller.signal, (message, increment) => {
            this.showProgress(message);
            progress.report({ message, ...(increment !== undefined && { increment }) });
          });
          if (!summary || generation.aborted) return;
          this.refreshOpenDocuments();
          const message =
            `Shipshape scanned ${summary.images} images in ${summary.files} files: ${summary.vulnerable} with known ` +
            `vulnerabilities${summary.failed ? `, ${summary.failed} could not be scanned (see the log)` : ''}.`;
          this.log.info(message);
          void vscode.window.showInformationMessage(token.isCancellationRequested ? `${message} (cancelled)` : message);
        } catch (error) {
          if (controller.signal.aborted) {
            this.log.info('the workspace scan was cancelled');
            return;
          }
          const message = error instanceof Error ? error.message : String(error);
          this.log.error(`the workspace scan failed: ${message}`);
          void vscode.window.showErrorMessage(`Shipshape could not scan the workspace: ${message}`);
        } finally {
          subscription.dispose();
          generation.removeEventListener('abort', onNewSettings);
          this.active--;
          this.showProgress(undefined);
        }
      },
    );
  }

  /** Each folder scanned in turn with its own settings; undefined when Trivy cannot run. */
  private async scanFolders(
    folders: readonly vscode.WorkspaceFolder[],
    signal: AbortSignal,
    progress: (message: string, increment?: number) => void,
  ): Promise<{ images: number; files: number; vulnerable: number; failed: number } | undefined> {
    const network = await loadNetwork();
    const scanner = await this.getScanner();
    const imageUsers = await this.userLookup();
    const staleDigests = await this.staleLookup();
    // Open documents stand for their files: unsaved text wins over the disk, as in the editor.
    const documents = new Map<string, string>();
    for (const document of vscode.workspace.textDocuments)
      if (document.uri.scheme === 'file') documents.set(document.uri.fsPath, document.getText());
    const outcomes = new Map<string, ScanOutcome>();
    let files = 0;
    for (const [index, folder] of folders.entries()) {
      const settings = this.config.analysis(folder.uri);
      const share = 100 / folders.length;
      let last = 0;
      const report = await network.scanPaths([folder.uri.fsPath], {
        ...folderScanOptions({
          folder: folder.uri.fsPath,
          settings,
          envFiles: this.config.envFiles(folder.uri),
          documents,
          processEnv: process.env,
        }),
        scanner,
        ...(imageUsers && { imageUsers }),
        ...(staleDigests && { staleDigests }),
        signal,
        logger: this.log,
        onScanProgress: (done, total) => {
          progress(`${folders.length > 1 ? `${folder.name}: ` : ''}${done} of ${total} images`, ((done - last) / total) * share);
          last = done;
        },
      });
      if (report.trivyProblem) {
        this.sayTrivyProblem(report.trivyProblem, true);
        return undefined;
      }
      for (const [key, outcome] of report.scans ?? []) {
        if (!outcome.ok && outcome.failure.reason === 'cancelled') continue;
        this.outcomes.set(key, outcome);
        outcomes.set(key, outcome);
      }
      files += report.files.length;
      this.showReport(folder, report, settings.analyze);
      progress(`${index + 1} of ${folders.length} folders`);
    }
    const all = [...outcomes.values()];
    return {
      images: all.length,
      files,
      vulnerable: all.filter((o) => o.ok && o.scan.vulnerabilities.length > 0).length,
      failed: all.filter((o) => !o.ok).length,
    };
  }

  /** A folder's report: diagnostics for the files no editor shows, and in the log what is not on a line. */
  private showReport(folder: vscode.WorkspaceFolder, report: ScanReport, analyze: AnalyzeOptions): void {
    const inFolder = (uri: vscode.Uri) => vscode.workspace.getWorkspaceFolder(uri)?.uri.toString() === folder.uri.toString();
    const stale: vscode.Uri[] = [];
    this.workspaceCollection.forEach((uri) => {
      if (inFolder(uri)) stale.push(uri);
    });
    for (const uri of stale) this.workspaceCollection.delete(uri);
    const shown = new Set(vscode.workspace.textDocuments.filter((d) => this.analysisOf(d) !== undefined).map((d) => d.uri.toString()));
    for (const [file, diagnostics] of reportDiagnostics(report, analyze)) {
      const uri = vscode.Uri.file(file);
      // The file's editor shows its own analysis, with these scans.
      if (shown.has(uri.toString()) || diagnostics.length === 0) continue;
      this.workspaceCollection.set(uri, diagnostics.map(dataDiagnostic));
    }
    const problems = [
      ...report.ioErrors.map((e) => `${e.path}: ${e.message}`),
      ...report.projectErrors.map((e) => `${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`),
      ...report.scanErrors.map((e) => `${e.file}:${e.line}: ${e.reference} could not be scanned: ${e.message}`),
      ...report.userErrors.map((e) =>
        e.pinCheck
          ? `${e.file}:${e.line}: ${e.message}`
          : `${e.file}:${e.line}: the configured user of ${e.reference} could not be read: ${e.message}`,
      ),
    ];
    for (const problem of problems) this.log.warn(problem);
    for (const skipped of report.skipped) this.log.debug(`${skipped.path}: ${skipped.reason}`);
  }

  /** Workspace scan results are of the old settings: dropped (the next scan shows them again). */
  dropWorkspaceResults(): void {
    this.workspaceCollection.clear();
  }

  async clearCache(): Promise<void> {
    const scanner = await this.getScanner();
    scanner.cache.clear();
    await scanner.cache.save();
    this.outcomes.clear();
    this.collection.clear();
    this.lensesChanged.fire();
    this.log.info('scan results cleared');
  }

  dispose(): void {
    for (const source of this.running.values()) source.cancel();
    this.collection.dispose();
    this.workspaceCollection.dispose();
    this.statusBar?.dispose();
    this.lensesChanged.dispose();
    this.rendered.dispose();
  }
}
