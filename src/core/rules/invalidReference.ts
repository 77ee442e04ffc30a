// invalid-reference: text in an image field that is not a valid image reference.

import type { AnalyzeOptions, FindingOf, ImageOccurrence } from '../types.js';
import { isEnabled, severityOf } from './catalog.js';
import { findingImage } from '../analysis/classify.js';

export function invalidReferenceFindings(images: readonly ImageOccurrence[], options: AnalyzeOptions): FindingOf<'invalid-reference'>[] {
  if (!isEnabled('invalid-reference', options)) return [];
  return images.flatMap((image) =>
    image.status === 'invalid'
      ? {
          rule: 'invalid-reference',
          severity: severityOf('invalid-reference', undefined, options),
          range: image.range,
          ...findingImage(image),
          message: `${named(image)} is not a valid image reference: ${image.problem}.`,
        }
      : [],
  );
}

/**
 * The image as the message names it: the reference that was built (from variables, a chart's
 * values, a kustomization), and what is written here when that is something else (`v0.34.0`).
 */
function named(image: ImageOccurrence): string {
  const built = image.resolved ?? image.raw;
  if (built === '') return 'The image';
  return built === image.raw || image.raw === '' ? `\`${built}\`` : `\`${built}\` (built from \`${image.raw}\` here)`;
}
