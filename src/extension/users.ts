// Images' own configured users in the editor: when an analysis leaves a root-user verdict to the
// image (no USER, no runAsUser, no user:), its registry is asked in the background, a few at a
// time, and the documents that wanted it are analysed again. Answers are remembered on disk with
// the CLI's (by digest for good, by reference for a while); failures are logged once and retried
// later; nothing is asked in an untrusted workspace or with shipshape.registry.imageUsers off.

import * as vscode from 'vscode';
import { cacheDir, type AnalysisResult, type ImageUser, type UserLookup } from '../core/index.js';
import * as path from 'node:path';
import type { Config } from './config.js';
import { Lazy, loadNetwork, type Network } from './lazy.js';

type RegistryClient = InstanceType<Network['RegistryClient']>;

/** Requests gathered this long before a lookup, so that opening a folder asks once. */
const BATCH_MS = 300;
/** A reference that could not be read is asked again after this long. */
const RETRY_MS = 10 * 60 * 1000;

export class ImageUsers implements vscode.Disposable {
  private readonly known = new Map<string, ImageUser>();
  private readonly pending = new Set<string>();
  private readonly asking = new Set<string>();
  /** When a reference failed, so that it is not asked at every keystroke. */
  private readonly failed = new Map<string, number>();
  private readonly lookup = new Lazy<UserLookup>(() =>
    Promise.all([loadNetwork(), this.registryClient()]).then(([network, client]) => {
      // The platform is asked for explicitly: the image's user is read for shipshape.registry.platform.
      const { imagePlatform } = this.config.registry();
      const file = path.join(cacheDir(), network.USER_CACHE_FILE);
      const cache = new network.ImageUserCache(file, { logger: this.log });
      this.log.info(`image users: read from registries for ${platformText(imagePlatform)}, remembered in ${file}`);
      return network.registryUserLookup(client, cache, { platform: imagePlatform, concurrency: 4 });
    }),
  );
  private timer: ReturnType<typeof setTimeout> | undefined;
  private generation = new AbortController();

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly config: Config,
    /** The registry client pinning, completion and advice share (its credentials and tokens). */
    private readonly registryClient: () => Promise<RegistryClient>,
    /** The current analysis of an open document. */
    private readonly analysisOf: (document: vscode.TextDocument) => AnalysisResult | undefined,
    /** Analyses a document again (an image's user became known). */
    private readonly reanalyze: (document: vscode.TextDocument) => void,
    /** Users became known (what the project renders is judged again with them). */
    private readonly learnt: (users: ReadonlyMap<string, ImageUser>) => void = () => {},
  ) {}

  /** The users read so far, by normalised reference. */
  users(): ReadonlyMap<string, ImageUser> {
    return this.known;
  }

  /** Registry settings changed: a new client; what was learnt under the old ones is dropped and documents judged again. */
  configure(): void {
    this.generation.abort();
    this.generation = new AbortController();
    this.lookup.reset();
    const had = this.known.size > 0;
    this.known.clear();
    this.failed.clear();
    this.pending.clear();
    this.asking.clear();
    if (had) this.refresh(() => true);
  }

  /** After every analysis: ask for the users it wants and does not have. */
  analyzed(result: AnalysisResult): void {
    const wanted = result.usersWanted ?? [];
    if (wanted.length === 0 || !vscode.workspace.isTrusted || !this.config.registryQuietly().imageUsers) return;
    const now = Date.now();
    for (const reference of wanted) {
      if (this.known.has(reference) || this.asking.has(reference)) continue;
      const failedAt = this.failed.get(reference);
      if (failedAt !== undefined && now - failedAt < RETRY_MS) continue;
      this.pending.add(reference);
    }
    if (this.pending.size > 0 && !this.timer) this.timer = setTimeout(() => void this.ask(), BATCH_MS);
  }

  /**
   * The lookup a workspace scan asks through (the same client and cache as the documents'), or
   * undefined when users are not asked (untrusted, or shipshape.registry.imageUsers off); what it
   * learns is kept for the open documents too.
   */
  async scanLookup(): Promise<UserLookup | undefined> {
    if (!vscode.workspace.isTrusted || !this.config.registryQuietly().imageUsers) return undefined;
    const { signal } = this.generation;
    const lookup = await this.getLookup();
    return async (references, cancel) => {
      const answer = await lookup(references, cancel);
      if (!signal.aborted) {
        for (const [reference, user] of answer.users) this.known.set(reference, user);
        if (answer.users.size > 0) this.learnt(answer.users);
      }
      return answer;
    };
  }

  private getLookup(): Promise<UserLookup> {
    return this.lookup.get();
  }

  private async ask(): Promise<void> {
    this.timer = undefined;
    const references = [...this.pending];
    this.pending.clear();
    if (references.length === 0) return;
    for (const reference of references) this.asking.add(reference);
    const { signal } = this.generation;
    try {
      const lookup = await this.getLookup();
      const answer = await lookup(references, signal);
      if (signal.aborted) return;
      const now = Date.now();
      for (const failure of answer.failures) {
        if (failure.reason === 'cancelled') continue;
        this.failed.set(failure.reference, now);
        this.log.warn(
          `the configured user of ${failure.reference} could not be read (root-user stays as the file says): ${failure.message}`,
        );
      }
      for (const [reference, user] of answer.users) this.known.set(reference, user);
      if (answer.users.size > 0) {
        this.learnt(answer.users);
        this.refresh((result) => (result.usersWanted ?? []).some((r) => answer.users.has(r)));
      }
    } catch (error) {
      this.log.error(`reading images' users failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      for (const reference of references) this.asking.delete(reference);
    }
  }

  /** Analyses again the open documents whose verdicts the new answers concern. */
  private refresh(concerns: (result: AnalysisResult) => boolean): void {
    for (const document of vscode.workspace.textDocuments) {
      const result = this.analysisOf(document);
      if (result && concerns(result)) this.reanalyze(document);
    }
  }

  dispose(): void {
    this.generation.abort();
    if (this.timer) clearTimeout(this.timer);
  }
}

function platformText(platform: { os: string; architecture: string; variant?: string }): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}
