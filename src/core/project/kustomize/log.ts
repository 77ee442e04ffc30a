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
  /** Whether a remote resource was left out here or below: patches may then match nothing. */
  remote = false;
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

  /** Notes a remote resource that is not fetched. */
  remoteResource(note: string): void {
    this.remote = true;
    this.note(note);
  }

  /**
   * Takes back the errors logged since `from` that `follows` says are consequences of a remote
   * resource left out (a patch that matches nothing), and returns them: the cause is said once.
   */
  takeFollowOns(from: number, follows: (issue: Issue) => boolean): Issue[] {
    if (!this.remote) return [];
    const taken = this.errors.slice(from).filter(follows);
    for (const issue of taken) this.errors.splice(this.errors.indexOf(issue), 1);
    return taken;
  }

  absorb(other: Log): void {
    if (other.remote) this.remote = true;
    for (const note of other.notes) this.note(note);
    for (const error of other.errors) this.error(error.file, error.at, error.message);
  }
}
