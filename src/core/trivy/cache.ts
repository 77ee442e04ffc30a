// Scan results kept across runs: by reference (which digest a tag pointed to, and when) and by
// digest (the scan of that content). A JSON file that other windows and runs share, merged before
// each write and replaced atomically; a damaged file is said once and rebuilt.

import type { Logger } from '../util/logger.js';
import { silentLogger } from '../util/logger.js';
import { SharedJsonFile } from '../util/sharedJsonFile.js';
import type { ImageScan } from './types.js';

export const DEFAULT_TTL_MS = 12 * 60 * 60 * 1000;
const FORMAT = 1;
const MAX_ENTRIES = 2000;

interface CacheFile {
  /** `settings|reference` → the digest it resolved to and the scan (for references without one). */
  readonly references: Record<string, ImageScan>;
  /** `settings|digest` → the scan of that content. */
  readonly digests: Record<string, ImageScan>;
}

export class ScanCache {
  private references = new Map<string, ImageScan>();
  private digests = new Map<string, ImageScan>();
  private readonly shared: SharedJsonFile<CacheFile>;

  /** `file` undefined keeps the cache in memory only. */
  constructor(
    file: string | undefined,
    private readonly ttlMs = DEFAULT_TTL_MS,
    logger: Logger = silentLogger,
    private readonly now: () => number = Date.now,
  ) {
    this.shared = new SharedJsonFile<CacheFile>(file, {
      format: FORMAT,
      what: 'scan cache',
      logger,
      isData: (d): d is Record<string, unknown> & CacheFile =>
        typeof d['references'] === 'object' && d['references'] !== null && typeof d['digests'] === 'object' && d['digests'] !== null,
      merge: (data) => this.merge(data),
      serialize: () => ({
        references: newest(this.references, this.ttlMs, this.now()),
        digests: newest(this.digests, this.ttlMs, this.now()),
      }),
    });
  }

  /** Reads the file once; a missing, half-written or foreign file leaves the cache empty. */
  load(): Promise<void> {
    return this.shared.load();
  }

  /** Entries another window or run wrote that this one lacks (or has older) are taken in. */
  private merge(data: CacheFile): void {
    const take = (map: Map<string, ImageScan>, entries: Record<string, unknown>) => {
      for (const [key, scan] of Object.entries(entries)) {
        if (isScan(scan) && scan.scannedAt > (map.get(key)?.scannedAt ?? -Infinity)) map.set(key, scan);
      }
    };
    take(this.references, data.references);
    take(this.digests, data.digests);
  }

  private fresh(scan: ImageScan | undefined): ImageScan | undefined {
    return scan && this.now() - scan.scannedAt < this.ttlMs && scan.scannedAt <= this.now() + 60_000 ? scan : undefined;
  }

  get(settingsKey: string, reference: string, digest?: string): ImageScan | undefined {
    if (digest) {
      const byDigest = this.fresh(this.digests.get(`${settingsKey}|${digest}`));
      if (byDigest) return byDigest;
    }
    return this.fresh(this.references.get(`${settingsKey}|${reference}`));
  }

  put(settingsKey: string, scan: ImageScan): void {
    this.references.set(`${settingsKey}|${scan.reference}`, scan);
    if (scan.digest) this.digests.set(`${settingsKey}|${scan.digest}`, scan);
    this.shared.changed();
  }

  /** Forgets everything (a command for users, and tests). */
  clear(): void {
    this.references.clear();
    this.digests.clear();
    this.shared.cleared();
  }

  /** Writes the cache if it changed (what another window or run wrote meanwhile is kept too). */
  save(): Promise<void> {
    return this.shared.save();
  }
}

function newest(map: ReadonlyMap<string, ImageScan>, ttlMs: number, now: number): Record<string, ImageScan> {
  const live = [...map.entries()].filter(([, scan]) => now - scan.scannedAt < ttlMs);
  live.sort((a, b) => b[1].scannedAt - a[1].scannedAt);
  return Object.fromEntries(live.slice(0, MAX_ENTRIES));
}

function isScan(value: unknown): value is ImageScan {
  const scan = value as ImageScan;
  return (
    typeof scan === 'object' &&
    scan !== null &&
    typeof scan.reference === 'string' &&
    typeof scan.scannedAt === 'number' &&
    Array.isArray(scan.vulnerabilities) &&
    typeof scan.counts === 'object' &&
    scan.counts !== null
  );
}
