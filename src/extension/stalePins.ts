// stale-digest in the editor: after each analysis of an open document, its `name:tag@sha256:…`
// pins (with the kustomizations' and charts' digests its project places in it) are checked in the
// background through the network bundle's PinChecker (one HEAD per pin, answers kept a while);
// the findings are shown as diagnostics with the core's quick fix "Update to the current digest".
// A digest-only reference (`name@sha256:…`) gets a hover naming the tags that point to it now
// (a bounded number of tags resolved, answers kept). Never in an untrusted workspace, nor with
// shipshape.registry.checkPins off. The logic without 'vscode' is pinChecks.ts.

import * as vscode from 'vscode';
import type { AnalysisResult, Finding, StaleLookup } from '../core/index.js';
import type { Network } from './lazy.js';
import type { Config } from './config.js';
import { dropEdited, findingDiagnostic, toRange } from './diagnostics.js';
import { Lazy, loadNetwork } from './lazy.js';
import { DocumentPinChecks, type StaleFindings } from './pinChecks.js';

/** How long the registries' answers are kept: a tag pushed again shows within this. */
const ANSWER_TTL_MS = 30 * 60 * 1000;

type DigestTagFinder = InstanceType<Network['DigestTagFinder']>;

export class StalePins implements vscode.Disposable, vscode.HoverProvider {
  private readonly collection = vscode.languages.createDiagnosticCollection('shipshape-stale');
  private readonly network = new Lazy<{
    readonly lookup: StaleLookup;
    readonly staleFindings: StaleFindings;
    readonly tags: DigestTagFinder;
    readonly tagsText: Network['digestTagsText'];
  }>(() =>
    loadNetwork().then((network) => {
      const { insecureRegistries, imagePlatform } = this.config.registry();
      // No platform on the client: the HEAD answers with the tag's own digest, as a pin writes it (the CLI's check).
      const client = new network.RegistryClient({ logger: this.log, insecureRegistries });
      const checker = new network.PinChecker(client, { concurrency: 4, ttlMs: ANSWER_TTL_MS });
      return {
        lookup: network.staleLookupOf(checker, imagePlatform),
        staleFindings: network.staleFindings,
        tags: new network.DigestTagFinder(client, ANSWER_TTL_MS),
        tagsText: network.digestTagsText,
      };
    }),
  );
  private readonly checks = new DocumentPinChecks(() => this.network.get());
  /** Failures already logged, so that an unreachable registry is said once per session. */
  private readonly said = new Set<string>();

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly config: Config,
    /** The current analysis of an open document (for the hover). */
    private readonly analysisOf: (document: vscode.TextDocument) => AnalysisResult | undefined,
  ) {}

  /** Whether pins are checked now: a trusted workspace with shipshape.registry.checkPins on. */
  checking(): boolean {
    return vscode.workspace.isTrusted && this.config.registryQuietly().checkPins;
  }

  /**
   * The lookup a workspace scan checks pins through (the same checker and answers as the open
   * documents'), or undefined when pins are not checked.
   */
  async scanLookup(): Promise<StaleLookup | undefined> {
    return this.checking() ? (await this.network.get()).lookup : undefined;
  }

  /** After every analysis of an open document: check its pins, and show what moved. */
  analyzed(document: vscode.TextDocument, result: AnalysisResult): void {
    if (!this.checking()) return;
    const key = document.uri.toString();
    const analyze = this.config.analysis(document.uri).analyze;
    const version = document.version;
    void this.checks
      .check(
        key,
        version,
        result,
        analyze,
        () => (document.isClosed ? undefined : document.version),
        document.uri.scheme === 'file' ? document.uri.fsPath : undefined,
      )
      .then((checked) => {
        if (!checked) return;
        this.collection.set(document.uri, checked.findings.map(findingDiagnostic));
        for (const failure of checked.failures) {
          if (this.said.has(failure.message)) continue;
          this.said.add(failure.message);
          this.log.warn(`the pin ${failure.reference} could not be checked against its tag: ${failure.message}`);
        }
      })
      .catch((error: unknown) => {
        this.log.error(`checking the pins of ${vscode.workspace.asRelativePath(document.uri)} failed`, error);
      });
  }

  /** On a digest-only reference: the tags that point to its digest now. */
  async provideHover(
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
  ): Promise<vscode.Hover | undefined> {
    const image = this.analysisOf(document)?.images.find((i) => toRange(i.range).contains(position));
    const reference = image?.status === 'image' ? image.reference : undefined;
    if (!image || !reference || reference.digest === undefined || reference.tag !== undefined || !this.checking()) return undefined;
    const network = await this.network.get();
    // The answer is shared with other hovers (and kept): a hover that moved on only stops waiting for it.
    const answer = await network.tags.find(reference.normalized);
    if (token.isCancellationRequested) return undefined;
    if (!answer.ok) this.log.warn(`the tags of ${reference.normalized} could not be listed: ${answer.failure.message}`);
    const markdown = new vscode.MarkdownString(network.tagsText(answer));
    markdown.supportHtml = false;
    return new vscode.Hover(markdown, toRange(image.range));
  }

  /** The stale-digest findings shown for a document's current version (for the quick fix). */
  findings(document: vscode.TextDocument): readonly Finding[] {
    return this.checks.findings(document.uri.toString(), document.version);
  }

  /** An edit drops the diagnostics of the lines it touches at once; the check of the old text stops. */
  edited(event: vscode.TextDocumentChangeEvent): void {
    this.checks.forget(event.document.uri.toString());
    dropEdited(this.collection, event);
  }

  closed(uri: vscode.Uri): void {
    this.checks.forget(uri.toString());
    this.collection.delete(uri);
  }

  /** Registry settings changed, or trust: a new client, nothing kept; open documents are checked at their next analysis. */
  configure(): void {
    this.network.reset();
    this.checks.clear();
    this.collection.clear();
    this.said.clear();
  }

  dispose(): void {
    this.checks.clear();
    this.collection.dispose();
  }
}
