// The static rules on image references, each in its own module: what every analysed file runs.

import type { AnalyzeOptions, Finding, ImageOccurrence } from '../types.js';
import { invalidReferenceFindings } from './invalidReference.js';
import { unpinnedImageFindings } from './unpinnedImage.js';
import { unresolvedImageFindings } from './unresolvedImage.js';

/** unpinned-image, invalid-reference and unresolved-image on a file's images. */
export function imageFindings(images: readonly ImageOccurrence[], options: AnalyzeOptions): Finding[] {
  return [
    ...unpinnedImageFindings(images, options),
    ...invalidReferenceFindings(images, options),
    ...unresolvedImageFindings(images, options),
  ];
}
