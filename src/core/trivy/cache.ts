// Scan results kept across runs: by reference (which digest a tag pointed to, and when) and by
// digest (the scan of that content). A JSON file replaced atomically; a damaged file is ignored.

import { readVersionedJson, writeAtomically } from '../util/atomicFile.js';
import type { Logger } from '../util/logger.js';
import { silentLogger } from '../util/logger.js';
import type { ImageScan } from './types.js';

export const DEFAULT_TTL_MS = 12 * 60 * 60 * 1000;
const FORMAT = 1;
const MAX_ENTRIES = 2000;

interface CacheFile {
  readonly format: number;
  /** `settings|reference` → the digest it resolved to and the scan (for references without one). */
  readonly references: Record<string, ImageScan>;
  /** `settings|digest` → the scan of that content. */
  readonly digests: Record<string, ImageScan>;
}

export class ScanCache {
  private references = new Map<string, ImageScan>();
  private digests = new Map<string, ImageScan>();
  private loaded: Promise<void> | undefined;
  private saving: Promise<void> = Promise.resolve();
  private dirty = false;
  /** Cleared since the last save: what is on disk is not merged back. */
  private cleared = false;

  /** `file` undefined keeps the cache in memory only. */
  constructor(
    private readonly file: string | undefined,
    private readonly ttlMs = DEFAULT_TTL_MS,
    private readonly logger: Logger = silentLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reads the file once; a missing, half-written or foreign file leaves the cache empty. */
  load(): Promise<void> {
    this.loaded ??= this.read();
    return this.loaded;
  }

  private async read(): Promise<void> {
    const data = await this.readFile();
    if (!data) return;
    this.merge(data);
  }

  /** Entries another window or run wrote that this one lacks (or has older) are taken in. */
  private merge(data: Pick<CacheFile, 'references' | 'digests'>): void {
    const take = (map: Map<string, ImageScan>, entries: Record<string, unknown>) => {
      for (const [key, scan] of Object.entries(entries)) {
        if (isScan(scan) && scan.scannedAt > (map.get(key)?.scannedAt ?? -Infinity)) map.set(key, scan);
      }
    };
    take(this.references, data.references);
    take(this.digests, data.digests);
  }

  private async readFile(): Promise<Pick<CacheFile, 'references' | 'digests'> | undefined> {
    const file = this.file;
    if (!file) return undefined;
    return readVersionedJson(
      file,
      FORMAT,
      (d): d is Pick<CacheFile, 'references' | 'digests'> =>
        typeof d['references'] === 'object' && d['references'] !== null && typeof d['digests'] === 'object' && d['digests'] !== null,
      (reason) => this.logger.warn(`ignoring the scan cache ${file}: ${reason}; it will be rebuilt`),
      'scan cache',
    );
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
    this.dirty = true;
  }

  /** Forgets everything (a command for users, and tests). */
  clear(): void {
    this.references.clear();
    this.digests.clear();
    this.dirty = true;
    this.cleared = true;
  }

  /** Writes the cache if it changed: to a temporary file, then renamed over the old one. */
  save(): Promise<void> {
    if (!this.file || !this.dirty) return this.saving;
    this.dirty = false;
    const file = this.file;
    const merge = !this.cleared;
    this.cleared = false;
    this.saving = this.saving.then(async () => {
      try {
        // Another VS Code window (or CLI run) may have written since: keep its entries too.
        if (merge) {
          const onDisk = await this.readFile();
          if (onDisk) this.merge(onDisk);
        }
        const data: CacheFile = {
          format: FORMAT,
          references: newest(this.references, this.ttlMs, this.now()),
          digests: newest(this.digests, this.ttlMs, this.now()),
        };
        await writeAtomically(file, JSON.stringify(data));
      } catch (error) {
        this.logger.warn(`could not write the scan cache ${file}: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    return this.saving;
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
