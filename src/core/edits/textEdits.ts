// Edits as plain data (what quick fixes and pinning produce), and applying them to a text.

import type { Range } from '../types.js';
import { LineIndex } from '../util/lines.js';

export interface TextEdit {
  readonly range: Range;
  readonly newText: string;
}

/**
 * Applies non-overlapping edits to a text (for the CLI and tests), in one pass: splicing them in
 * one at a time copied the whole text per edit (pinning a large manifest took minutes). Several
 * insertions at one place land in reverse order, as they did when applied one by one.
 */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const lines = new LineIndex(text);
  const spans = edits
    .map((edit, index) => ({ start: lines.offsetAt(edit.range.start), end: lines.offsetAt(edit.range.end), text: edit.newText, index }))
    .sort((a, b) => a.start - b.start || b.index - a.index);
  const parts: string[] = [];
  let at = 0;
  for (const span of spans) {
    parts.push(text.slice(at, Math.max(at, span.start)), span.text);
    at = Math.max(at, span.end);
  }
  parts.push(text.slice(at));
  return parts.join('');
}

/** A quick fix: its title and the edits it makes (in textEdits.ts so that the fix modules and fixes.ts share it without importing each other). */
export interface Fix {
  readonly title: string;
  readonly edits: readonly TextEdit[];
  /** The fix an editor should offer first (e.g. on "auto fix"). */
  readonly preferred?: boolean;
}
