// The static rules on image references, each in its own module: what every analysed file runs.

import type { AnalyzeOptions, Finding, ImageOccurrence } from '../types.js';
import { invalidReferenceFindings } from './invalidReference.js';
import { unpinnedImageFindings } from './unpinnedImage.js';
import { unresolvedImageFindings } from './unresolvedImage.js';
import { deprecatedRegistryFindings } from './deprecatedRegistry.js';
import { eolImageFindings } from './eolImage.js';

/** unpinned-image, invalid-reference, unresolved-image, deprecated-registry and eol-image on a file's images. */
export function imageFindings(images: readonly ImageOccurrence[], options: AnalyzeOptions): Finding[] {
  return [
    ...unpinnedImageFindings(images, options),
    ...invalidReferenceFindings(images, options),
    ...unresolvedImageFindings(images, options),
    ...deprecatedRegistryFindings(images, options),
    ...eolImageFindings(images, options),
  ];
}
