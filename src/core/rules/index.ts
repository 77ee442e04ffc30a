// The static rules on image references, each in its own module: what every analysed file runs.

import type { AnalyzeOptions, Finding, ImageOccurrence } from '../types.js';
import { invalidReferenceFindings } from './invalidReference.js';
import { unpinnedImageFindings, type UnpinnedMessage } from './unpinnedImage.js';
import { unresolvedImageFindings } from './unresolvedImage.js';
import { deprecatedRegistryFindings } from './deprecatedRegistry.js';
import { eolImageFindings } from './eolImage.js';

/**
 * unpinned-image, invalid-reference, unresolved-image, deprecated-registry and eol-image on a file's
 * images; `unpinned` phrases the unpinned-image message for where a multi-file mechanism decides the
 * image (the rule's own by default).
 */
export function imageFindings(images: readonly ImageOccurrence[], options: AnalyzeOptions, unpinned?: UnpinnedMessage): Finding[] {
  return [
    ...unpinnedImageFindings(images, options, unpinned),
    ...invalidReferenceFindings(images, options),
    ...unresolvedImageFindings(images, options),
    ...deprecatedRegistryFindings(images, options),
    ...eolImageFindings(images, options),
  ];
}
