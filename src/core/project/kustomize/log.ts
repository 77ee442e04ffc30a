// What a render says besides its images: notes (what is not supported or not fetched) and errors
// (what kubectl would refuse), each said once, with where it is written when that is known.

import type { Span } from './tree.js';

export interface Issue {
  readonly file: string;
  readonly at?: Span;
  readonly message: string;
}

/** Notes and errors, each said once. */
export class Log {
  readonly notes: string[] = [];
  readonly errors: Issue[] = [];
  private readonly seen = new Set<string>();

  note(note: string): void {
    if (this.seen.has(note)) return;
    this.seen.add(note);
    this.notes.push(note);
  }

  error(file: string, at: Span | undefined, message: string): void {
    const key = `${file}\0${at?.start ?? ''}\0${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.errors.push({ file, ...(at && { at }), message });
  }

  absorb(other: Log): void {
    for (const note of other.notes) this.note(note);
    for (const error of other.errors) this.error(error.file, error.at, error.message);
  }
}
