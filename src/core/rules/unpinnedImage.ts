// unpinned-image: an image without a digest (`latest`, no tag, or a tag that can be moved).

import type { ImageReference } from '../analysis/reference.js';
import type { AnalyzeOptions, FindingOf, ImageOccurrence, RuleReasons } from '../types.js';
import { isEnabled, severityOf } from './catalog.js';
import { findingImage } from '../analysis/classify.js';

export type UnpinnedReason = RuleReasons['unpinned-image'];

/** A registry image pulled by a tag (or none), not a digest: what the rule reports. */
export type UnpinnedImage = Extract<ImageOccurrence, { readonly status: 'image' }>;

/** How the message of an unpinned image is phrased where it is decided (a kustomization, a chart's values). */
export type UnpinnedMessage = (image: UnpinnedImage, reason: UnpinnedReason) => string;

/** The rule on a file's images; `message` as for unpinnedFinding. */
export function unpinnedImageFindings(
  images: readonly ImageOccurrence[],
  options: AnalyzeOptions,
  message?: UnpinnedMessage,
): FindingOf<'unpinned-image'>[] {
  return images.flatMap((image) => unpinnedFinding(image, options, message) ?? []);
}

/**
 * The rule on one image: its finding when it is a pulled registry image without a digest and the
 * rule is on; `message` phrases it for the place that decides the image (the rule's own by default).
 */
export function unpinnedFinding(
  image: ImageOccurrence,
  options: AnalyzeOptions,
  message: UnpinnedMessage = unpinnedMessage,
): FindingOf<'unpinned-image'> | undefined {
  // A Compose service that builds its image does not pull it.
  if (image.status !== 'image' || image.pinned || image.compose?.built || !isEnabled('unpinned-image', options)) return undefined;
  const reason = unpinnedReason(image.reference);
  return {
    rule: 'unpinned-image',
    reason,
    severity: severityOf('unpinned-image', reason, options),
    range: image.range,
    ...findingImage(image),
    message: message(image, reason),
  };
}

/** The variant: no tag (so `latest`), `latest` written, or another tag (which can be moved). */
export function unpinnedReason(reference: ImageReference): UnpinnedReason {
  return reference.tag === undefined ? 'untagged' : reference.tag === 'latest' ? 'latest' : 'mutable-tag';
}

/** Why an image of this variant is not pinned, to follow "which is not pinned: ". */
export function whyUnpinned(image: UnpinnedImage, reason: UnpinnedReason): string {
  return reason === 'mutable-tag' ? `the tag \`${image.reference.tag}\` can be moved to other content` : 'it moves with every release';
}

/** The repository as the user wrote it (`docker.io/redis`, not `redis`): the advice keeps their spelling. */
export function writtenName(resolved: string): string {
  const at = resolved.indexOf('@');
  const withoutDigest = at === -1 ? resolved : resolved.slice(0, at);
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
}

function unpinnedMessage(image: UnpinnedImage, reason: UnpinnedReason): string {
  const tag = image.reference.tag;
  const name = writtenName(image.resolved);
  // Show what a reference built from variables resolved to.
  const shown = image.resolved !== image.raw ? `\`${image.raw}\` (\`${image.resolved}\`)` : `\`${image.raw}\``;
  if (reason === 'untagged') {
    return (
      `${shown} has no tag, so it means \`${name}:latest\`, which moves with every release. ` +
      `Pin it to a digest (\`${name}:<version>@sha256:…\`).`
    );
  }
  if (reason === 'latest') {
    return `${shown} uses \`latest\`, which moves with every release. Pin a version and its digest (\`${name}:<version>@sha256:…\`).`;
  }
  return `${shown} is not pinned: the tag \`${tag}\` can be moved to other content. Pin it to its digest (\`${name}:${tag}@sha256:…\`).`;
}
