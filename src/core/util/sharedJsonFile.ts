// A JSON file that several editor windows and command-line runs share (the scan cache, the image
// user cache): read once; before each write, what others wrote meanwhile is merged in (unless the
// owner was cleared since); written atomically, one write after the other. A missing file is an
// empty start; a damaged or foreign one is said once and rebuilt by the next write.

import { readVersionedJson, writeAtomically } from './atomicFile.js';
import type { Logger } from './logger.js';

export interface SharedJsonFileSpec<T> {
  /** The format number written, and the only one read. */
  readonly format: number;
  /** What the file is, for messages: `scan cache`. */
  readonly what: string;
  readonly logger: Logger;
  /** Whether parsed data has the expected shape (its entries are checked by `merge`). */
  readonly isData: (data: Record<string, unknown>) => data is Record<string, unknown> & T;
  /** Takes in what the file holds: entries the owner lacks, or has older. */
  readonly merge: (data: T) => void;
  /** What to write (without `format`). */
  readonly serialize: () => T;
}

export class SharedJsonFile<T extends object> {
  private loaded: Promise<void> | undefined;
  private saving: Promise<void> = Promise.resolve();
  private dirty = false;
  /** Cleared since the last save: what is on disk is not merged back. */
  private clearedSinceSave = false;
  private saidDamaged = false;

  /** `file` undefined: nothing is read or written. */
  constructor(
    readonly file: string | undefined,
    private readonly spec: SharedJsonFileSpec<T>,
  ) {}

  /** Reads the file once. */
  load(): Promise<void> {
    this.loaded ??= this.read().then((data) => {
      if (data) this.spec.merge(data);
    });
    return this.loaded;
  }

  /** The owner changed: the next save writes. */
  changed(): void {
    this.dirty = true;
  }

  /** The owner forgot everything: the next save writes without merging the file back. */
  cleared(): void {
    this.dirty = true;
    this.clearedSinceSave = true;
  }

  /** Writes if anything changed, after the writes before it; a failure is a warning, never thrown. */
  save(): Promise<void> {
    const file = this.file;
    if (!file || !this.dirty) return this.saving;
    this.dirty = false;
    const merge = !this.clearedSinceSave;
    this.clearedSinceSave = false;
    this.saving = this.saving.then(async () => {
      try {
        if (merge) {
          const onDisk = await this.read();
          if (onDisk) this.spec.merge(onDisk);
        }
        await writeAtomically(file, JSON.stringify({ format: this.spec.format, ...this.spec.serialize() }));
      } catch (error) {
        this.spec.logger.warn(`could not write the ${this.spec.what} ${file}: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    return this.saving;
  }

  private async read(): Promise<T | undefined> {
    const file = this.file;
    if (!file) return undefined;
    return readVersionedJson(
      file,
      this.spec.format,
      this.spec.isData,
      (reason) => {
        if (this.saidDamaged) return;
        this.saidDamaged = true;
        this.spec.logger.warn(`ignoring the ${this.spec.what} ${file}: ${reason}; it will be rebuilt`);
      },
      this.spec.what,
    );
  }
}
