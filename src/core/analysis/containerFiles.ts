// What the analysers of dev containers, Quadlet units and Bake files share: an image from the text
// of a field, and a result with the image rules run and comments' suppressions applied.

import { classifyCiImage } from './ci/expressions.js';
import { imageFindings } from '../rules/index.js';
import { findSuppressions, isSuppressed } from './suppress.js';
import type { AnalysisError, AnalysisResult, AnalyzeOptions, FileUse, ImageOccurrence, Range, SourceKind } from '../types.js';

/**
 * An image written as `raw` at `range`. Variables the tool fills in when it runs (`${localEnv:X}`,
 * `${TAG}`, `%i`-style specifiers are not variables) make it unresolved, never invalid; `variables`
 * are the values the file gives itself (Bake's `variable` blocks).
 */
export function containerImage(
  source: Exclude<SourceKind, 'dockerfile' | 'kubernetes' | 'compose' | 'kustomize' | 'helm' | 'ci'>,
  raw: string,
  range: Range,
  field: string,
  target?: string,
  variables?: ReadonlyMap<string, string>,
): ImageOccurrence {
  return {
    source,
    raw,
    range,
    ...classifyCiImage(raw, variables),
    container: { field, ...(target !== undefined && { target }) },
  };
}

/**
 * The result of a container file: the image rules on its images, minus what its comments silence.
 * `# shipshape-ignore` works in every one of them; `// shipshape-ignore` (JSONC, HCL) and
 * `; shipshape-ignore` (systemd units) too.
 */
export function containerFileResult(
  text: string,
  source: SourceKind,
  images: readonly ImageOccurrence[],
  options: AnalyzeOptions,
  errors: readonly AnalysisError[] = [],
  uses: readonly FileUse[] = [],
): AnalysisResult {
  // Same length: ranges and lines stay where they are.
  const comments = text.replace(/(?:\/\/|;)(?=[ \t]*shipshape-ignore)/g, (marker) => '#'.padEnd(marker.length, ' '));
  const suppressions = findSuppressions(comments, true);
  const findings = imageFindings(images, options).filter((f) => !isSuppressed(f, suppressions));
  return {
    sources: images.length > 0 || uses.length > 0 ? [source] : [],
    images,
    findings,
    errors,
    notes: [],
    ...(uses.length > 0 && { uses }),
  };
}
