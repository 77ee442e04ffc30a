// What advice on safer tags takes and gives, as plain data; the registry and the scanner are
// interfaces of their own so that tests can give fakes and any registry client with these two
// methods will do.

import type { ResolveOutcome, TagListOptions, TagListOutcome } from '../registry/types.js';
import type { ScanRequest } from '../trivy/request.js';
import type { ScanFailure, ScanOutcome, VulnerabilityCounts } from '../trivy/types.js';

/** Where tags and digests come from: the registry client (`listTags`, `resolve`), or a fake. */
export interface TagSource {
  /** The tags of a repository (`registry/name/path`, as `ImageReference.name`). */
  listTags(repository: string, options?: TagListOptions): Promise<TagListOutcome>;
  /** The digest a reference's tag points to now. */
  resolve(reference: string, signal?: AbortSignal): Promise<ResolveOutcome>;
}

/** What advice needs of the Scanner: scans that share runs and the cache with every other scan. */
export interface CandidateScanner {
  scanAll(requests: readonly ScanRequest[], signal?: AbortSignal): Promise<Map<string, ScanOutcome>>;
}

export interface AdviceOptions {
  readonly tags: TagSource;
  readonly scanner: CandidateScanner;
  /** Newer tags scanned at most (default 3). */
  readonly maxCandidates?: number;
  /** Also consider newer major versions (default: the current major only). */
  readonly allowMajor?: boolean;
  /** The platform the current image was scanned for; candidates are scanned for the same. */
  readonly platform?: string;
  readonly signal?: AbortSignal;
}

/** One newer tag that was scanned: its counts, or why it could not be scanned. */
export type ComparedTag =
  { readonly tag: string; readonly counts: VulnerabilityCounts } | { readonly tag: string; readonly failure: ScanFailure };

export interface Advice {
  /** The image as scanned, e.g. `nginx:1.27.1`. */
  readonly reference: string;
  /** The suggested tag, `nginx:1.27.3` (the repository as written), when one is strictly better. */
  readonly suggested?: string;
  /** The suggestion pinned to its digest: `nginx:1.27.3@sha256:…`. */
  readonly pinned?: string;
  readonly before: VulnerabilityCounts;
  /** The suggestion's counts. */
  readonly after?: VulnerabilityCounts;
  /** Every HIGH or CRITICAL vulnerability the suggestion no longer has had a fix listed in the current image. */
  readonly fixable?: boolean;
  /** The newer tags scanned, newest first. */
  readonly compared: readonly ComparedTag[];
  /** One sentence: what was compared and what came of it, or why nothing is suggested. */
  readonly why: string;
  /** Set when the registry could not answer (tags not listed, the suggestion's digest not resolved). */
  readonly error?: string;
}
