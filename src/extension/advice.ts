// Safer tags in the editor: when a scan shows HIGH or CRITICAL vulnerabilities in an image, a
// few newer tags of the same repository and variant are scanned (through the shared scanner, so
// cached like every scan) and the best strictly better one is offered as a quick fix on the
// vulnerable-image diagnostic, written pinned by digest; the hover says what was compared.
// Nothing runs in an untrusted workspace or with shipshape.advise.candidates at 0.

import * as vscode from 'vscode';
import {
  markdownCode,
  markdownText,
  requestKey,
  scanRequestFor,
  type AnalysisResult,
  type ImageOccurrence,
  type ScanOutcome,
} from '../core/index.js';
import { kindOf, SOURCE, toRange } from './diagnostics.js';
import { loadNetwork, type Network } from './lazy.js';
import type { PinController } from './pinning.js';
import type { ScanController } from './scanning.js';
import type { Config } from './config.js';

type Advice = Awaited<ReturnType<Network['adviseImage']>>;

interface Entry {
  readonly outcome: ScanOutcome;
  readonly advice: Promise<Advice | undefined>;
  /** Once made: the advice, and what the suggestion changes (`2 CRITICAL, 5 HIGH fewer; fixable`). */
  done?: { readonly advice: Advice; readonly summary: string };
}

/** Images written as they are scanned (no variable, not placed by Kustomize or Helm): the fix can rewrite them. */
function rewritable(image: ImageOccurrence): boolean {
  return image.resolved !== undefined && image.raw === image.resolved && image.source !== 'kustomize' && image.source !== 'helm';
}

export class SaferTags implements vscode.CodeActionProvider, vscode.HoverProvider, vscode.Disposable {
  /** Advice by scan request key, with the scan it was made for (a new scan makes new advice). */
  private readonly advice = new Map<string, Entry>();
  private generation = new AbortController();
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly config: Config,
    private readonly scans: ScanController,
    private readonly pins: PinController,
    private readonly analysisOf: (document: vscode.TextDocument) => AnalysisResult | undefined,
  ) {
    this.subscription = scans.onDidRender(({ result }) => this.consider(result));
  }

  /** Settings changed: advice is made again for the open documents' scans. */
  configure(): void {
    this.generation.abort();
    this.generation = new AbortController();
    this.advice.clear();
    for (const document of vscode.workspace.textDocuments) {
      const result = this.analysisOf(document);
      if (result) this.consider(result);
    }
  }

  /** After a document's scan results are shown: advice for its vulnerable images, once per scan. */
  private consider(result: AnalysisResult): void {
    if (!vscode.workspace.isTrusted) return;
    const { candidates, allowMajor } = this.config.advise();
    if (candidates === 0) return;
    for (const image of result.images) {
      const request = scanRequestFor(image);
      const outcome = request && this.scans.outcomeFor(image);
      if (!request || !outcome?.ok || outcome.scan.counts.CRITICAL + outcome.scan.counts.HIGH === 0 || !rewritable(image)) continue;
      const key = requestKey(request);
      if (this.advice.get(key)?.outcome === outcome) continue;
      const { signal } = this.generation;
      const entry: Entry = {
        outcome,
        advice: Promise.all([loadNetwork(), this.pins.registryClient(), this.scans.getScanner()])
          .then(([network, client, scanner]) =>
            network.adviseImage(request.reference, outcome.scan, {
              tags: client,
              scanner,
              maxCandidates: candidates,
              allowMajor,
              ...(request.platform !== undefined && { platform: request.platform }),
              signal,
            }),
          )
          .then(async (advice) => {
            if (signal.aborted) return undefined;
            const { differenceText } = await loadNetwork();
            const summary = advice.after ? `${differenceText(advice.before, advice.after)}${advice.fixable ? '; fixable' : ''}` : '';
            entry.done = { advice, summary };
            this.log.info(
              `safer tag for ${request.reference}: ${advice.suggested ?? 'none'}. ${advice.why}${advice.error ? ` (${advice.error})` : ''}`,
            );
            return advice;
          })
          .catch((error: unknown) => {
            this.log.warn(`no safer-tag advice for ${request.reference}: ${error instanceof Error ? error.message : String(error)}`);
            return undefined;
          }),
      };
      this.advice.set(key, entry);
    }
  }

  /** The advice made for an image's current scan, if it is ready. */
  adviceFor(image: ImageOccurrence): Entry['done'] {
    const request = scanRequestFor(image);
    const entry = request && this.advice.get(requestKey(request));
    return entry && entry.outcome === this.scans.outcomeFor(image) ? entry.done : undefined;
  }

  /** For tests and the hover: waits for the advice being made for an image. */
  async whenAdvised(image: ImageOccurrence): Promise<Advice | undefined> {
    const request = scanRequestFor(image);
    return request && this.advice.get(requestKey(request))?.advice;
  }

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (!kindOf(document)) return [];
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      const rule = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
      if (diagnostic.source !== SOURCE || rule !== 'vulnerable-image') continue;
      const image = this.analysisOf(document)?.images.find((i) => toRange(i.range).isEqual(diagnostic.range));
      const done = image && rewritable(image) ? this.adviceFor(image) : undefined;
      const advice = done?.advice;
      if (!image || !done || !advice?.suggested || !advice.pinned || !advice.after) continue;
      // Only the text the scan was made for is replaced: an edit since then withdraws the fix.
      if (document.getText(diagnostic.range) !== image.raw) continue;
      const action = new vscode.CodeAction(`Switch to ${advice.suggested} (${done.summary})`, vscode.CodeActionKind.QuickFix);
      const edit = new vscode.WorkspaceEdit();
      edit.replace(document.uri, diagnostic.range, advice.pinned);
      action.edit = edit;
      action.diagnostics = [diagnostic];
      actions.push(action);
    }
    return actions;
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const image = this.analysisOf(document)?.images.find((i) => toRange(i.range).contains(position));
    const done = image && this.adviceFor(image);
    if (!image || !done) return undefined;
    const { advice, summary } = done;
    const markdown = new vscode.MarkdownString();
    markdown.supportHtml = false;
    if (advice.suggested && advice.pinned && advice.after) {
      markdown.appendMarkdown(
        `**Safer tag:** ${markdownCode(advice.suggested)} (${markdownText(summary)}), pinned as ${markdownCode(advice.pinned)}.\n\n`,
      );
    }
    markdown.appendMarkdown(markdownText(advice.why));
    const compared = advice.compared.map((c) =>
      'counts' in c ? `${c.tag}: ${c.counts.CRITICAL} CRITICAL, ${c.counts.HIGH} HIGH` : `${c.tag}: not scanned`,
    );
    if (compared.length > 0)
      markdown.appendMarkdown(
        `\n\n${markdownText(`Now: ${advice.before.CRITICAL} CRITICAL, ${advice.before.HIGH} HIGH. ${compared.join('; ')}.`)}`,
      );
    return new vscode.Hover(markdown, toRange(image.range));
  }

  dispose(): void {
    this.generation.abort();
    this.subscription.dispose();
  }
}
