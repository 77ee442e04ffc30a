// Scanning many images: bounded concurrency, one Trivy run per distinct request however many
// callers ask, results cached, and cancellation that stops the processes nobody waits for.

import { getMaxListeners, setMaxListeners } from 'node:events';
import type { Logger } from '../util/logger.js';
import { silentLogger } from '../util/logger.js';
import { redactUrl } from '../util/redact.js';
import { parseReference } from '../analysis/reference.js';
import { ScanCache } from './cache.js';
import { requestKey, type ScanRequest } from './request.js';
import { checkTrivy, locateTrivy, runImageScan, type TrivyBinary } from './runner.js';
import { SCAN_LIMITS, type ScanOptions } from './settings.js';

export { requestKey, type ScanRequest };
import type { ScanFailure, ScanOutcome, ScanSettings } from './types.js';

export interface ScannerOptions {
  /** The configured Trivy path; PATH is searched when absent. */
  readonly trivyPath?: string;
  readonly concurrency?: number;
  readonly settings?: ScanSettings;
  readonly cache?: ScanCache;
  readonly logger?: Logger;
  /** For tests: where to look for `trivy` when no path is configured. */
  readonly searchPath?: string;
}

interface InFlight {
  readonly promise: Promise<ScanOutcome>;
  readonly controller: AbortController;
  waiters: number;
}

const cancelled = (reference: string): ScanOutcome => ({
  ok: false,
  failure: { reference, reason: 'cancelled', message: `The scan of ${reference} was cancelled.` },
});

/** A counting semaphore: at most `limit` tasks run at once, the rest wait in order. */
class Limiter {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>, signal: AbortSignal): Promise<T | undefined> {
    if (this.running >= this.limit) {
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
    this.running++;
    try {
      return signal.aborted ? undefined : await task();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}

export class Scanner {
  private readonly limiter: Limiter;
  private readonly inFlight = new Map<string, InFlight>();
  private binary: Promise<TrivyBinary | ScanFailure> | undefined;
  private located: Promise<string | ScanFailure> | undefined;
  /** Whether `binary` or `located` says Trivy cannot be used. */
  private unusable = false;
  private readonly logger: Logger;
  readonly cache: ScanCache;

  constructor(private readonly options: ScannerOptions = {}) {
    const { min, max, default: fallback } = SCAN_LIMITS.concurrency;
    this.limiter = new Limiter(Math.max(min, Math.min(options.concurrency ?? fallback, max)));
    this.logger = options.logger ?? silentLogger;
    this.cache = options.cache ?? new ScanCache(undefined);
  }

  /**
   * Finds and checks Trivy once; a usable one is kept for every later scan, while why not (not
   * found, too old) is kept only for the scans under way: the next scan looks again, so that
   * installing Trivy needs no restart.
   */
  trivy(): Promise<TrivyBinary | ScanFailure> {
    this.binary ??= (async () => {
      const located = await this.locate();
      if (typeof located !== 'string') return located;
      const checked = await checkTrivy(located);
      if ('version' in checked) this.logger.info(`using Trivy ${checked.version} at ${checked.path}`);
      else this.unusable = true;
      return checked;
    })();
    return this.binary;
  }

  private locate(): Promise<string | ScanFailure> {
    this.located ??= locateTrivy(this.options.trivyPath, this.options.searchPath).then((located) => {
      if (typeof located !== 'string') this.unusable = true;
      return located;
    });
    return this.located;
  }

  /** A scan starts while none runs: Trivy found unusable before is looked for again. */
  private lookAgainIfUnusable(): void {
    if (!this.unusable || this.inFlight.size > 0) return;
    this.unusable = false;
    this.binary = undefined;
    this.located = undefined;
  }

  /** What decides a result besides the image, as the cache keys it (on disk: a server's password is left out). */
  private settingsKey(request: ScanRequest): string {
    const s = this.options.settings ?? {};
    const server = s.serverUrl ? redactUrl(s.serverUrl) : '';
    return JSON.stringify([s.severities ?? [], s.ignoreUnfixed ?? false, server, s.ignoreFile ?? '', request.platform ?? '']);
  }

  /** The cached result, if a fresh one exists (no process is started). */
  async cached(request: ScanRequest): Promise<ScanOutcome | undefined> {
    await this.cache.load();
    const parsed = parseReference(request.reference);
    const digest = parsed.ok ? parsed.reference.digest : undefined;
    const scan = this.cache.get(this.settingsKey(request), request.reference, digest);
    return scan ? { ok: true, scan } : undefined;
  }

  /** Scans one image, or returns what is cached; identical requests in flight share one run. */
  async scan(request: ScanRequest, signal?: AbortSignal): Promise<ScanOutcome> {
    if (signal?.aborted) return cancelled(request.reference);
    this.lookAgainIfUnusable();
    const hit = await this.cached(request);
    if (hit) return hit;
    const key = `${this.settingsKey(request)}|${request.reference}`;
    let entry = this.inFlight.get(key);
    if (!entry) {
      const controller = new AbortController();
      const promise = this.run(request, controller.signal).finally(() => this.inFlight.delete(key));
      entry = { promise, controller, waiters: 0 };
      this.inFlight.set(key, entry);
    }
    const shared = entry;
    shared.waiters++;
    if (!signal) return shared.promise;
    // Each caller may give up on its own; the process stops when the last one does.
    return new Promise<ScanOutcome>((resolve) => {
      const onAbort = () => {
        if (--shared.waiters === 0) shared.controller.abort();
        resolve(cancelled(request.reference));
      };
      if (signal.aborted) {
        onAbort(); // it gave up while the cache was being read
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      void shared.promise.then((outcome) => {
        signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      });
    });
  }

  private async run(request: ScanRequest, signal: AbortSignal): Promise<ScanOutcome> {
    const outcome = await this.limiter.run(async () => {
      const located = await this.locate();
      if (typeof located !== 'string') return { ok: false as const, failure: { ...located, reference: request.reference } };
      const settings = { ...this.options.settings, ...(request.platform !== undefined && { platform: request.platform }) };
      this.logger.debug(`trivy image ${request.reference}${request.platform ? ` (--platform ${request.platform})` : ''}`);
      // The version check runs alongside the first scans instead of before them; a scan by a
      // Trivy that turns out unusable is thrown away.
      const [trivy, scanned] = await Promise.all([
        this.trivy(),
        runImageScan({ path: located, version: '' }, request.reference, settings, signal),
      ]);
      if (!('version' in trivy)) return { ok: false as const, failure: { ...trivy, reference: request.reference } };
      return scanned;
    }, signal);
    if (!outcome) return cancelled(request.reference);
    if (outcome.ok) {
      this.cache.put(this.settingsKey(request), outcome.scan);
      void this.cache.save();
    } else if (outcome.failure.reason !== 'cancelled') {
      this.logger.warn(outcome.failure.message);
    }
    return outcome;
  }

  /** Scans every request (duplicates once), calling `progress` as each finishes. */
  async scanAll(
    requests: readonly ScanRequest[],
    signal?: AbortSignal,
    progress?: (done: number, total: number, outcome: ScanOutcome) => void,
  ): Promise<Map<string, ScanOutcome>> {
    const unique = new Map<string, ScanRequest>();
    for (const request of requests) unique.set(requestKey(request), request);
    // Each waiting scan listens to the signal: that many listeners are expected, not a leak.
    if (signal) setMaxListeners(Math.max(getMaxListeners(signal), unique.size + 10), signal);
    const results = new Map<string, ScanOutcome>();
    let done = 0;
    await Promise.all(
      [...unique.entries()].map(async ([key, request]) => {
        const outcome = await this.scan(request, signal);
        results.set(key, outcome);
        progress?.(++done, unique.size, outcome);
      }),
    );
    await this.cache.save();
    return results;
  }
}

/** Where a scanner keeps its results and what it logs to. */
export interface ScannerPlace {
  /** The scan cache's file; results are kept in memory only when absent. */
  readonly cacheFile?: string;
  /** A `.trivyignore` that applies to every scan (see findTrivyIgnore). */
  readonly ignoreFile?: string;
  readonly logger?: Logger;
}

/** A scanner for checked options (readScanOptions), as the CLI and the extension both make it. */
export function createScanner(options: ScanOptions, place: ScannerPlace = {}): Scanner {
  const logger = place.logger ?? silentLogger;
  return new Scanner({
    ...(options.trivyPath !== undefined && { trivyPath: options.trivyPath }),
    concurrency: options.concurrency,
    settings: { ...options.settings, ...(place.ignoreFile !== undefined && { ignoreFile: place.ignoreFile }) },
    cache: new ScanCache(place.cacheFile, options.cacheTtlMs, logger),
    logger,
  });
}
