// invalid-reference: text in an image field that is not a valid image reference.

import type { AnalyzeOptions, Finding, ImageOccurrence } from '../types.js';
import { isEnabled, severityOf } from './catalog.js';
import { findingImage } from '../analysis/classify.js';

export function invalidReferenceFindings(images: readonly ImageOccurrence[], options: AnalyzeOptions): Finding[] {
  if (!isEnabled('invalid-reference', options)) return [];
  return images
    .filter((image) => image.status === 'invalid')
    .map((image) => ({
      rule: 'invalid-reference',
      severity: severityOf('invalid-reference', undefined, options),
      range: image.range,
      ...findingImage(image),
      message: `${image.raw === '' ? 'The image' : `\`${image.raw}\``} is not a valid image reference: ${image.problem ?? 'unknown problem'}.`,
    }));
}
