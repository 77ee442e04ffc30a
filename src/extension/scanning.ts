// Vulnerability scanning in the editor: when to scan, progress, diagnostics, hovers and CodeLenses.
// The scanner itself (Trivy processes, cache) is loaded on first use from dist/network.js.

import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  analyze,
  countsText,
  fileKindOf,
  hoverText,
  imageUsersOf,
  markdownCode,
  markdownText,
  requestKey,
  scanRequestFor,
  scanVerdicts,
  trivyProblemIn,
  type AnalysisResult,
  type ImageUser,
  type ImageOccurrence,
  type ScanFailure,
  type ScanOutcome,
  type ScanRequest,
} from '../core/index.js';
import type { Config } from './config.js';
import { COMMANDS } from './commandIds.js';
import { dropEdited, findingDiagnostic, SOURCE, toRange } from './diagnostics.js';
import { loadNetwork, type Network } from './lazy.js';

type Scanner = InstanceType<Network['Scanner']>;

/** The files that may hold images (Dockerfiles, Containerfiles, YAML): what workspace-wide features read. */
export const DOCUMENT_GLOB =
  '**/{Dockerfile,Containerfile,*.Dockerfile,*.Containerfile,Dockerfile.*,Containerfile.*,dockerfile,*.yaml,*.yml}';

export class ScanController implements vscode.Disposable, vscode.HoverProvider, vscode.CodeLensProvider {
  private readonly collection = vscode.languages.createDiagnosticCollection('shipshape-vulnerabilities');
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
  private scanner: Promise<Scanner> | undefined;
  /** Aborted when the settings change: scans under the old ones stop, and their results are not used. */
  private generation = new AbortController();
  private saidTrivyProblem = false;
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
  ) {}

  /** Settings changed: a new scanner with the new settings; results under the old ones are dropped. */
  configure(): void {
    this.generation.abort();
    this.generation = new AbortController();
    this.scanner = undefined;
    this.saidTrivyProblem = false;
    this.outcomes.clear();
    this.collection.clear();
    this.lensesChanged.fire();
  }

  /** The base images' own users, by normalised reference, for the root-user rule. */
  imageUsers(): ReadonlyMap<string, ImageUser> {
    return imageUsersOf(this.outcomes.values());
  }

  /** The scanner (Trivy, cache, concurrency) the cluster view shares. */
  getScanner(): Promise<Scanner> {
    this.scanner ??= loadNetwork().then(async (network) => {
      const { options } = this.config.scanner();
      const cacheFile = vscode.Uri.joinPath(this.storage, 'scans.json').fsPath;
      // The workspace's .trivyignore, which Trivy would read in its folder.
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const ignoreFile = folder?.scheme === 'file' ? await network.findTrivyIgnore(folder.fsPath) : undefined;
      this.log.info(
        `scanner ready: Trivy ${options.trivyPath ?? 'on PATH'}, ${JSON.stringify(options.settings)}, concurrency ${options.concurrency}, cache ` +
          `${cacheFile}${ignoreFile ? `, ignore file ${ignoreFile}` : ''}`,
      );
      return network.createScanner(options, { cacheFile, ...(ignoreFile !== undefined && { ignoreFile }), logger: this.log });
    });
    return this.scanner;
  }

  /** Called after every analysis of an open document. */
  analyzed(document: vscode.TextDocument, result: AnalysisResult, why: 'opened' | 'edited' | 'settings'): void {
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

  /** Trivy missing or too old: one message, with the way out, once until settings change. */
  private sayTrivyProblem(problem: ScanFailure, interactive: boolean): void {
    this.log.error(problem.message);
    if (this.saidTrivyProblem && !interactive) return;
    this.saidTrivyProblem = true;
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
            progress.report({ increment: ((done - last) / total) * 100, message: `${done} of ${total} images` });
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
    const verdicts = scanVerdicts(result.images, (image) => this.outcomeOf(image), this.config.analysis(document.uri).analyze);
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
          tooltip: 'Scan the images of this file again',
        }),
      );
    }
    return lenses;
  }

  /** Scans every image in the workspace's Dockerfiles, manifests and Compose files. */
  async scanWorkspace(): Promise<void> {
    if (this.untrusted(true)) return;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Shipshape: scanning the workspace’s images', cancellable: true },
      async (progress, token) => {
        const files = await vscode.workspace.findFiles(DOCUMENT_GLOB, '**/{node_modules,.git}/**', 5000, token);
        const requests: ScanRequest[] = [];
        for (const uri of files) {
          if (token.isCancellationRequested) return;
          const kind = fileKindOf(uri.fsPath);
          if (!kind) continue;
          const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
          const text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
          requests.push(...this.requestsOf(analyze(text, kind, this.config.analysis(uri).analyze)));
        }
        const total = new Set(requests.map(requestKey)).size;
        progress.report({ message: `${total} images in ${files.length} files` });
        let last = 0;
        const results = await this.scanRequests(requests, token, true, (done, all) => {
          progress.report({ increment: ((done - last) / all) * 100, message: `${done} of ${all} images` });
          last = done;
        });
        if (!results) return;
        const outcomes = [...results.values()];
        const vulnerable = outcomes.filter((o) => o.ok && o.scan.vulnerabilities.length > 0).length;
        const failed = outcomes.filter((o) => !o.ok && o.failure.reason !== 'cancelled').length;
        const message =
          `Shipshape scanned ${outcomes.length} images: ${vulnerable} with known ` +
          `vulnerabilities${failed ? `, ${failed} could not be scanned (see the log)` : ''}.`;
        this.log.info(message);
        void vscode.window.showInformationMessage(token.isCancellationRequested ? `${message} (cancelled)` : message);
      },
    );
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
    this.statusBar?.dispose();
    this.lensesChanged.dispose();
    this.rendered.dispose();
  }
}
