// eol-image on what clusters run: each running image's tags (as its pod specs write them) judged
// by the same offline rule as the files (rules/eolImage.ts), at the report's date.

import { parseReference } from '../analysis/reference.js';
import { eolOf } from '../rules/eolImage.js';
import type { AnalyzeOptions, Severity } from '../types.js';
import { workloadNames } from './findings.js';
import type { RunningImage } from './types.js';

/** A running image whose release cycle has ended or ends within 90 days. */
export interface ClusterEol {
  /** As a pod spec writes it (`node:16-bullseye`). */
  readonly image: string;
  readonly reason: 'end-of-life' | 'ends-soon';
  readonly severity: Severity;
  readonly message: string;
  readonly suggestion?: string;
  /** `namespace/Kind/name`, with the context first in a report of several clusters. */
  readonly workloads: readonly string[];
  readonly contexts: readonly string[];
}

/** The running images past or near their end of life, one entry per spec image, ordered as the images are. */
export function clusterEol(images: readonly RunningImage[], options: AnalyzeOptions & { readonly qualify?: boolean }): ClusterEol[] {
  const entries: ClusterEol[] = [];
  for (const image of images) {
    const workloads = workloadNames(image, options.qualify);
    for (const spec of image.specImages) {
      const parsed = parseReference(spec);
      if (!parsed.ok || parsed.reference.tag === undefined) continue;
      const eol = eolOf(parsed.reference.name, parsed.reference.tag, options);
      if (!eol) continue;
      entries.push({
        image: spec,
        reason: eol.reason,
        severity: eol.severity,
        message: eol.message(`\`${spec}\``),
        ...(eol.suggestion !== undefined && { suggestion: eol.suggestion }),
        workloads,
        contexts: image.contexts,
      });
    }
  }
  return entries;
}
