// The deprecated-registry quick fix: the same reference on the registry that now serves it
// (k8s.gcr.io/pause:3.9 → registry.k8s.io/pause:3.9). Only where the host is written literally.

import { LineIndex } from '../util/lines.js';
import type { Finding } from '../types.js';
import type { Fix } from './textEdits.js';
import { DEPRECATED_PLACES } from '../rules/deprecatedRegistries.js';

/** Rewrites the deprecated registry prefix written at the finding, when the list names a replacement. */
export function registryFix(text: string, finding: Finding): Fix | undefined {
  if (finding.rule !== 'deprecated-registry') return undefined;
  const lines = new LineIndex(text);
  const start = lines.offsetAt(finding.range.start);
  const written = text.slice(start, lines.offsetAt(finding.range.end));
  for (const place of DEPRECATED_PLACES) {
    if (place.replacement === undefined) continue;
    for (const domain of place.domains) {
      const prefix = `${domain}/${place.pathPrefix}`;
      // A prefix inside a variable's value or a chart's values is not written here: no edit.
      if (!written.startsWith(prefix) || written.length === prefix.length) continue;
      return {
        title: `Use ${place.replacement.replace(/\/$/, '')} instead of ${prefix.replace(/\/$/, '')}`,
        preferred: true,
        edits: [{ range: { start: finding.range.start, end: lines.positionAt(start + prefix.length) }, newText: place.replacement }],
      };
    }
  }
  return undefined;
}
