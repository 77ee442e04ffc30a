// stale-digest in the editor, without 'vscode' so that it is tested against a real registry
// (test/extension/pinChecks.test.ts): each open document's `name:tag@sha256:…` pins are checked
// through the lookup the network bundle makes (answers cached there), one check per document at a
// time; a newer version of the document, or its closing, cancels the check, and a check whose
// document has changed meanwhile gives nothing: its ranges are places in text that is gone.

import { isEnabled, isTaggedPin, type AnalysisResult, type AnalyzeOptions, type Finding, type StaleLookup } from '../core/index.js';
import type { RegistryFailure } from '../core/network.js';

/** What a check needs of the network bundle: `staleFindings`. */
export type StaleFindings = (
  result: AnalysisResult,
  lookup: StaleLookup,
  options: { readonly analyze?: AnalyzeOptions; readonly signal?: AbortSignal; readonly file?: string },
) => Promise<{ readonly findings: Finding[]; readonly failures: RegistryFailure[] }>;

export interface CheckedPins {
  /** The version of the document the findings' ranges are places in. */
  readonly version: number;
  readonly findings: readonly Finding[];
  readonly failures: readonly RegistryFailure[];
}

/** The pin checks of open documents, by document key (its URI). */
export class DocumentPinChecks {
  private readonly running = new Map<
    string,
    { readonly version: number; readonly result: AnalysisResult; readonly controller: AbortController }
  >();
  private readonly checked = new Map<string, CheckedPins>();

  constructor(private readonly network: () => Promise<{ readonly lookup: StaleLookup; readonly staleFindings: StaleFindings }>) {}

  /**
   * Checks the pins of one version of a document (`result` is its analysis); the findings when the
   * document is still that version (`currentVersion`) once the registries have answered, else
   * undefined (changed, closed or cancelled meanwhile).
   */
  async check(
    key: string,
    version: number,
    result: AnalysisResult,
    analyze: AnalyzeOptions,
    currentVersion: () => number | undefined,
    /** The document's path (a chart's values.yaml: its digests are written there). */
    file?: string,
  ): Promise<CheckedPins | undefined> {
    const running = this.running.get(key);
    // The same analysis asked again (shown again unchanged): the check under way answers it.
    if (running?.version === version && running.result === result) return undefined;
    running?.controller.abort();
    // Nothing to ask (most documents): the network bundle is not loaded for them.
    if (!isEnabled('stale-digest', analyze) || !result.images.some(isTaggedPin)) {
      this.running.delete(key);
      const none = { version, findings: [], failures: [] };
      this.checked.set(key, none);
      return none;
    }
    const controller = new AbortController();
    const mine = { version, result, controller };
    this.running.set(key, mine);
    try {
      const { lookup, staleFindings } = await this.network();
      if (controller.signal.aborted) return undefined;
      const { findings, failures } = await staleFindings(result, lookup, {
        analyze,
        signal: controller.signal,
        ...(file !== undefined && { file }),
      });
      if (controller.signal.aborted || currentVersion() !== version) return undefined;
      const checked = { version, findings, failures };
      this.checked.set(key, checked);
      return checked;
    } finally {
      if (this.running.get(key) === mine) this.running.delete(key);
    }
  }

  /** The findings shown for a document, when they describe its current version (for quick fixes). */
  findings(key: string, version: number): readonly Finding[] {
    const checked = this.checked.get(key);
    return checked?.version === version ? checked.findings : [];
  }

  /** The document was edited or closed: its check stops and its findings are dropped. */
  forget(key: string): void {
    this.running.get(key)?.controller.abort();
    this.running.delete(key);
    this.checked.delete(key);
  }

  /** Settings changed (or trust withdrawn): every check stops, nothing is kept. */
  clear(): void {
    for (const key of [...this.running.keys(), ...this.checked.keys()]) this.forget(key);
  }
}
