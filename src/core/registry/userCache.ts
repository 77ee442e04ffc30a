// Images' own configured users kept across runs: by reference for a while (tags move), by manifest
// digest for good (content never changes). A JSON file that other windows and runs share, merged
// before each write and replaced atomically; a damaged file is said once and rebuilt.

import { parseReference } from '../analysis/reference.js';
import type { Logger } from '../util/logger.js';
import { silentLogger } from '../util/logger.js';
import { SharedJsonFile } from '../util/sharedJsonFile.js';
import type { ImageConfig } from './types.js';

export const DEFAULT_USER_TTL_MS = 12 * 60 * 60 * 1000;
/** The cache's file name in the user's cache folder, beside the scan cache's `scans.json`. */
export const USER_CACHE_FILE = 'users.json';
const FORMAT = 1;
const MAX_REFERENCES = 2000;
const MAX_DIGESTS = 5000;
/** The platform key of a single-platform image: it answers the same whichever platform is asked for. */
const ANY_PLATFORM = '*';

interface Entry {
  readonly config: ImageConfig;
  /** When the registry last confirmed it (ms since the epoch). */
  readonly resolvedAt: number;
}

interface CacheFile {
  /** `platform|reference` → what the reference resolved to then. */
  readonly references: Record<string, Entry>;
  /** `platform|manifest digest` → the configuration of that content. */
  readonly digests: Record<string, Entry>;
}

export interface ImageUserCacheOptions {
  /** How long a reference entry is trusted (default 12 h); digest entries do not expire. */
  readonly ttlMs?: number;
  readonly logger?: Logger;
  /** For tests: the clock. */
  readonly now?: () => number;
}

export class ImageUserCache {
  private readonly references = new Map<string, Entry>();
  private readonly digests = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly shared: SharedJsonFile<CacheFile>;

  /** `file` undefined keeps the cache in memory only. */
  constructor(
    readonly file: string | undefined,
    options: ImageUserCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_USER_TTL_MS;
    this.now = options.now ?? Date.now;
    this.shared = new SharedJsonFile<CacheFile>(file, {
      format: FORMAT,
      what: 'image user cache',
      logger: options.logger ?? silentLogger,
      isData: (d): d is Record<string, unknown> & CacheFile =>
        typeof d['references'] === 'object' && d['references'] !== null && typeof d['digests'] === 'object' && d['digests'] !== null,
      merge: (data) => this.merge(data),
      serialize: () => {
        const now = this.now();
        return {
          references: newest(this.references, MAX_REFERENCES, (entry) => now - entry.resolvedAt < this.ttlMs),
          digests: newest(this.digests, MAX_DIGESTS, () => true),
        };
      },
    });
  }

  /** Reads the file once; a missing, half-written or foreign file leaves the cache empty. */
  load(): Promise<void> {
    return this.shared.load();
  }

  /**
   * The configuration `reference` had for `platformKey` (`linux/amd64`), while its entry is
   * fresh; a reference carrying a digest is answered from its digest entry, which never expires.
   */
  get(reference: string, platformKey: string): ImageConfig | undefined {
    const parsed = parseReference(reference);
    const digest = parsed.ok ? parsed.reference.digest : undefined;
    if (digest) return this.getByDigest(digest, platformKey, reference);
    const entry = newer(this.references.get(`${platformKey}|${reference}`), this.references.get(`${ANY_PLATFORM}|${reference}`));
    if (!entry || !this.fresh(entry)) return undefined;
    return entry.config.reference === reference ? entry.config : { ...entry.config, reference };
  }

  /** The configuration of the content a manifest digest names, for `platformKey`; `reference` is what the answer names. */
  getByDigest(digest: string, platformKey: string, reference?: string): ImageConfig | undefined {
    const entry = newer(this.digests.get(`${platformKey}|${digest}`), this.digests.get(`${ANY_PLATFORM}|${digest}`));
    if (!entry) return undefined;
    return reference === undefined || entry.config.reference === reference ? entry.config : { ...entry.config, reference };
  }

  /**
   * Keeps what the registry said for `config.reference`. `platformKey` is the platform it was
   * asked for (default: the image's own OS and architecture); a single-platform image is kept for
   * every platform.
   */
  put(config: ImageConfig, platformKey?: string): void {
    const key = config.platformDigest === undefined ? ANY_PLATFORM : (platformKey ?? `${config.os}/${config.architecture}`);
    const entry: Entry = { config, resolvedAt: this.now() };
    this.references.set(`${key}|${config.reference}`, entry);
    this.digests.set(`${key}|${config.digest}`, entry);
    this.shared.changed();
  }

  /** Forgets everything (a command for users, and tests). */
  clear(): void {
    this.references.clear();
    this.digests.clear();
    this.shared.cleared();
  }

  /** Writes the cache if it changed: what another window or run wrote meanwhile is kept too. */
  save(): Promise<void> {
    return this.shared.save();
  }

  /** A reference entry is trusted for the TTL, and not at all when it claims to come from the future. */
  private fresh(entry: Entry): boolean {
    const age = this.now() - entry.resolvedAt;
    return age < this.ttlMs && age >= -60_000;
  }

  /** Entries another window or run wrote that this one lacks (or has older) are taken in. */
  private merge(data: CacheFile): void {
    const take = (map: Map<string, Entry>, entries: Record<string, unknown>) => {
      for (const [key, entry] of Object.entries(entries)) {
        if (isEntry(entry) && entry.resolvedAt > (map.get(key)?.resolvedAt ?? -Infinity)) map.set(key, entry);
      }
    };
    take(this.references, data.references);
    take(this.digests, data.digests);
  }
}

function newer(a: Entry | undefined, b: Entry | undefined): Entry | undefined {
  if (!a || !b) return a ?? b;
  return b.resolvedAt > a.resolvedAt ? b : a;
}

/** The `max` most recently confirmed entries that `keep` accepts. */
function newest(map: ReadonlyMap<string, Entry>, max: number, keep: (entry: Entry) => boolean): Record<string, Entry> {
  const live = [...map.entries()].filter(([, entry]) => keep(entry));
  live.sort((a, b) => b[1].resolvedAt - a[1].resolvedAt);
  return Object.fromEntries(live.slice(0, max));
}

function isEntry(value: unknown): value is Entry {
  const entry = value as Entry | null;
  if (typeof entry !== 'object' || entry === null || typeof entry.resolvedAt !== 'number' || !Number.isFinite(entry.resolvedAt))
    return false;
  const config = entry.config as ImageConfig | null;
  return (
    typeof config === 'object' &&
    config !== null &&
    typeof config.reference === 'string' &&
    typeof config.digest === 'string' &&
    (config.platformDigest === undefined || typeof config.platformDigest === 'string') &&
    typeof config.configDigest === 'string' &&
    typeof config.user === 'string' &&
    typeof config.os === 'string' &&
    typeof config.architecture === 'string'
  );
}
