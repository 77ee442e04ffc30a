// The stale-digest quick fix, "Update to the current digest": the pinned digest replaced by the
// one the tag points to now, where it is written (a reference, a kustomization's `digest:`, a
// chart's digest value).

import { LineIndex } from '../util/lines.js';
import type { Finding } from '../types.js';
import type { Fix } from './textEdits.js';
import { parseReference } from '../analysis/reference.js';

/** Replaces the old digest inside the finding's range, when it is written there. */
export function digestFix(text: string, finding: Finding): Fix | undefined {
  if (finding.rule !== 'stale-digest' || finding.suggestion === undefined || typeof finding.reference !== 'string') return undefined;
  const parsed = parseReference(finding.reference);
  const old = parsed.ok ? parsed.reference.digest : undefined;
  if (old === undefined) return undefined;
  const lines = new LineIndex(text);
  const start = lines.offsetAt(finding.range.start);
  const written = text.slice(start, lines.offsetAt(finding.range.end));
  // A chart's `sha` value holds the hex alone (kube-prometheus-stack writes `@sha256:{{ .sha }}`).
  const [before, after] = written.includes(old) ? [old, finding.suggestion] : [hex(old), hex(finding.suggestion)];
  const at = written.indexOf(before);
  if (at === -1) return undefined;
  const range = { start: lines.positionAt(start + at), end: lines.positionAt(start + at + before.length) };
  return { title: 'Update to the current digest', preferred: true, edits: [{ range, newText: after }] };
}

function hex(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1);
}
