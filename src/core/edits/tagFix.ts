// The eol-image quick fix: the same image with the suggested tag (`node:16-bullseye` →
// `node:22-bullseye`). A digest pinned the old tag's image, so it goes; pinning the new tag is the
// pin fix's work, where the registry is available.

import { LineIndex } from '../util/lines.js';
import type { Finding } from '../types.js';
import type { Fix } from './textEdits.js';
import { parseReference } from '../analysis/reference.js';

/** Replaces the tag (and any digest) where the reference is written literally, or a chart's tag line. */
export function tagFix(text: string, finding: Finding): Fix | undefined {
  if (finding.rule !== 'eol-image' || finding.suggestion === undefined || typeof finding.reference !== 'string') return undefined;
  const parsed = parseReference(finding.reference);
  const tag = parsed.ok ? parsed.reference.tag : undefined;
  if (tag === undefined) return undefined;
  const lines = new LineIndex(text);
  const start = lines.offsetAt(finding.range.start);
  const written = text.slice(start, lines.offsetAt(finding.range.end));
  const title = `Use the supported tag ${finding.suggestion}`;
  // A chart's values line or a kustomization's newTag holds the tag alone.
  if (written === tag) return { title, preferred: true, edits: [{ range: finding.range, newText: finding.suggestion }] };
  const at = written.lastIndexOf(`:${tag}`);
  if (at === -1 || written.slice(at + 1 + tag.length).replace(/^@[a-z0-9]+:[a-f0-9]+$/, '') !== '') return undefined;
  return {
    title,
    preferred: true,
    edits: [{ range: { start: lines.positionAt(start + at + 1), end: finding.range.end }, newText: finding.suggestion }],
  };
}
