// stale-digest, the registry part: is a `name:tag@sha256:…` pin still what its tag points to?
// One HEAD per distinct pin (the request that resolving the tag costs anyway); only a pin that
// moved costs more: the current image's configuration (its age) and the old one's platform image
// (a rebuild, or the same image in a republished index).

import { parseReference } from '../analysis/reference.js';
import type { RegistryClient } from './client.js';
import type { ImageConfig, Platform, RegistryFailure } from './types.js';
import { mapLimited } from '../util/mapLimited.js';

/** What changed since a pin was written. */
export interface StalePin {
  /** The pin as asked for (`name:tag@sha256:old`). */
  readonly reference: string;
  /** The digest the tag points to now. */
  readonly current: string;
  /**
   * `rebuilt`: the image for the platform is another one; `republished`: the tag's index is new but
   * still holds the pinned platform image (another platform was added or rebuilt).
   */
  readonly kind: 'rebuilt' | 'republished';
  /** The current image's `created`, when its configuration says it. */
  readonly created?: string;
  /** The platform that was compared (`linux/amd64`). */
  readonly platform: string;
}

export type PinCheck = { readonly ok: true; readonly stale?: StalePin } | { readonly ok: false; readonly failure: RegistryFailure };

export interface PinCheckOptions {
  /** Which image of a multi-platform index is compared (the client's default otherwise: linux/amd64). */
  readonly platform?: Platform;
  readonly signal?: AbortSignal;
}

/** Checks one pin; never throws. */
export async function checkPin(client: RegistryClient, reference: string, options: PinCheckOptions = {}): Promise<PinCheck> {
  const parsed = parseReference(reference);
  if (!parsed.ok || parsed.reference.tag === undefined || parsed.reference.digest === undefined) {
    const message = `${JSON.stringify(reference)} is not a reference with both a tag and a digest`;
    return { ok: false, failure: { reference, reason: 'invalid-reference', message } };
  }
  const { name, tag, digest: pinned } = parsed.reference;
  const resolved = await client.resolve(`${name}:${tag}`, options.signal);
  if (!resolved.ok) return { ok: false, failure: { ...resolved.failure, reference } };
  const current = resolved.resolved.digest;
  if (current === pinned) return { ok: true };
  const configOptions = { ...(options.platform && { platform: options.platform }), ...(options.signal && { signal: options.signal }) };
  const now = await client.imageConfig(`${name}@${current}`, configOptions);
  if (!now.ok) return { ok: false, failure: { ...now.failure, reference } };
  const before = await client.imageConfig(`${name}@${pinned}`, configOptions);
  // The pinned content may be gone from the registry: then it cannot be the current image.
  const kind = before.ok && platformImage(before.config) === platformImage(now.config) ? 'republished' : 'rebuilt';
  const platform = `${now.config.os}/${now.config.architecture}`;
  return {
    ok: true,
    stale: { reference, current, kind, platform, ...(now.config.created !== undefined && { created: now.config.created }) },
  };
}

function platformImage(config: ImageConfig): string {
  return config.platformDigest ?? config.digest;
}

/** A reference to check, with the platform its file names (`FROM --platform=…`), if any. */
export interface PinQuestion {
  readonly reference: string;
  readonly platform?: Platform;
}

/** A check several callers wait for: it stops only when every one of them has given up. */
interface PendingCheck {
  readonly promise: Promise<PinCheck>;
  readonly controller: AbortController;
  waiters: number;
}

export interface PinCheckerOptions {
  /** Checks at a time. */
  readonly concurrency?: number;
  /** How long an answer is kept (an editor's session outlives a push); for the checker's life when absent (a CLI run). */
  readonly ttlMs?: number;
  /** The clock the answers' age is read on (tests). */
  readonly now?: () => number;
}

/**
 * Checks pins, each distinct one once per platform, `concurrency` at a time; the answers are kept
 * (for the checker's life, or `ttlMs`), so that an editor asking again costs nothing. Callers
 * asking the same pin at once share one check, which stops only when all of them have cancelled:
 * one document closed does not cancel another's answer.
 */
export class PinChecker {
  private readonly answers = new Map<string, { readonly answer: PinCheck; readonly at: number }>();
  private readonly pending = new Map<string, PendingCheck>();
  private readonly concurrency: number;
  private readonly ttlMs: number | undefined;
  private readonly now: () => number;

  constructor(
    private readonly client: RegistryClient,
    options: PinCheckerOptions | number = {},
  ) {
    const given = typeof options === 'number' ? { concurrency: options } : options;
    this.concurrency = given.concurrency ?? 8;
    this.ttlMs = given.ttlMs;
    this.now = given.now ?? Date.now;
  }

  /** The answers by reference (for a platform given, by `reference platform`: see `keyOf`). */
  async check(questions: readonly PinQuestion[], signal?: AbortSignal): Promise<Map<string, PinCheck>> {
    const unique = [...new Map(questions.map((q) => [keyOf(q), q])).values()];
    const answers = await mapLimited(unique, this.concurrency, (q) => this.answer(q, signal));
    return new Map(unique.map((q, i) => [keyOf(q), answers[i]!]));
  }

  /** The answer already known for a question, without asking (undefined when it would be asked). */
  known(question: PinQuestion): PinCheck | undefined {
    const known = this.answers.get(keyOf(question));
    return known && (this.ttlMs === undefined || this.now() - known.at < this.ttlMs) ? known.answer : undefined;
  }

  private answer(question: PinQuestion, signal?: AbortSignal): Promise<PinCheck> {
    const key = keyOf(question);
    const known = this.known(question);
    if (known) return Promise.resolve(known);
    if (signal?.aborted) return Promise.resolve(cancelled(question.reference));
    let pending = this.pending.get(key);
    if (!pending) {
      const controller = new AbortController();
      const promise = checkPin(this.client, question.reference, {
        ...(question.platform && { platform: question.platform }),
        signal: controller.signal,
      }).then((answer) => {
        if (this.pending.get(key) === entry) this.pending.delete(key);
        // A failure (cancelled, unreachable) is asked again next time.
        if (answer.ok) this.answers.set(key, { answer, at: this.now() });
        return answer;
      });
      const entry: PendingCheck = { promise, controller, waiters: 0 };
      pending = entry;
      this.pending.set(key, entry);
    }
    const shared = pending;
    shared.waiters++;
    if (!signal) return shared.promise;
    return new Promise<PinCheck>((resolve) => {
      const onAbort = () => {
        if (--shared.waiters === 0) {
          // Nobody waits: the check stops, and the next question starts a new one.
          if (this.pending.get(key) === shared) this.pending.delete(key);
          shared.controller.abort();
        }
        resolve(cancelled(question.reference));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      void shared.promise.then((answer) => {
        signal.removeEventListener('abort', onAbort);
        resolve(answer);
      });
    });
  }
}

function cancelled(reference: string): PinCheck {
  return { ok: false, failure: { reference, reason: 'cancelled', message: 'cancelled' } };
}

/**
 * The lookup a scan or an editor asks pins through: a pin whose file names no platform is
 * compared on `platform`'s image (the client's default when absent).
 */
export function staleLookupOf(checker: PinChecker, platform?: Platform): StaleLookupFn {
  const withPlatform = (q: PinQuestion): PinQuestion => (q.platform || !platform ? q : { ...q, platform });
  return async (questions, signal) => {
    const answers = await checker.check(questions.map(withPlatform), signal);
    return new Map(questions.map((q) => [keyOf(q), answers.get(keyOf(withPlatform(q)))!]));
  };
}

/** Asks for the pins' tags' digests; never throws (workspace/stale.ts names it StaleLookup). */
export type StaleLookupFn = (questions: readonly PinQuestion[], signal?: AbortSignal) => Promise<ReadonlyMap<string, PinCheck>>;

/** How a question's answer is keyed: the reference, and its platform when one is given. */
export function keyOf(question: PinQuestion): string {
  const { platform } = question;
  return platform
    ? `${question.reference} ${[platform.os, platform.architecture, platform.variant].filter(Boolean).join('/')}`
    : question.reference;
}
