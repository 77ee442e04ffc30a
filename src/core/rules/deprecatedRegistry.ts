// deprecated-registry: an image on a registry or repository that is frozen or moved
// (deprecatedRegistries.ts lists them). Offline: the list decides, not the registry's answer.

import type { AnalyzeOptions, Finding, ImageOccurrence } from '../types.js';
import { isEnabled, severityOf } from './catalog.js';
import { findingImage, shownImage } from '../analysis/classify.js';
import { deprecatedPlaceOf, type DeprecatedPlace } from './deprecatedRegistries.js';

/** One finding per image whose registry or repository the list names. */
export function deprecatedRegistryFindings(images: readonly ImageOccurrence[], options: AnalyzeOptions): Finding[] {
  if (!isEnabled('deprecated-registry', options)) return [];
  const findings: Finding[] = [];
  for (const image of images) {
    if (image.status !== 'image' || !image.reference) continue;
    const place = deprecatedPlaceOf(image.reference.domain, image.reference.path);
    if (!place) continue;
    findings.push({
      rule: 'deprecated-registry',
      reason: place.kind,
      severity: severityOf('deprecated-registry', place.kind, options),
      range: image.range,
      ...findingImage(image),
      message: deprecatedMessage(image, place),
    });
  }
  return findings;
}

/** The reference on the registry that serves the same images, when there is one (`registry.k8s.io/pause:3.9`). */
export function replacementReference(path: string, rest: string, place: DeprecatedPlace): string | undefined {
  if (place.replacement === undefined) return undefined;
  return `${place.replacement}${path.slice(place.pathPrefix.length)}${rest}`;
}

function deprecatedMessage(image: ImageOccurrence, place: DeprecatedPlace): string {
  const ref = image.reference!;
  const rest = (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
  const replacement = replacementReference(ref.path, rest, place);
  const instead = replacement !== undefined ? `${place.advice}: use \`${replacement}\`` : place.advice;
  return `${shownImage(image)}: ${place.what}. ${capitalised(instead)}. Source: ${place.source}`;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
