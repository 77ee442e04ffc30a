// unpinned-image: an image without a digest (`latest`, no tag, or a tag that can be moved).

import type { AnalyzeOptions, Finding, ImageOccurrence } from '../types.js';
import { isEnabled, severityOf } from './catalog.js';
import { findingImage } from '../analysis/classify.js';

export function unpinnedImageFindings(images: readonly ImageOccurrence[], options: AnalyzeOptions): Finding[] {
  if (!isEnabled('unpinned-image', options)) return [];
  const findings: Finding[] = [];
  for (const image of images) {
    // A Compose service that builds its image does not pull it.
    if (image.status !== 'image' || image.pinned || image.compose?.built) continue;
    const ref = image.reference!;
    const reason = ref.tag === undefined ? 'untagged' : ref.tag === 'latest' ? 'latest' : 'mutable-tag';
    findings.push({
      rule: 'unpinned-image',
      reason,
      severity: severityOf('unpinned-image', reason, options),
      range: image.range,
      ...findingImage(image),
      message: unpinnedMessage(image, reason),
    });
  }
  return findings;
}

/** The repository as the user wrote it (`docker.io/redis`, not `redis`): the advice keeps their spelling. */
export function writtenName(resolved: string): string {
  const at = resolved.indexOf('@');
  const withoutDigest = at === -1 ? resolved : resolved.slice(0, at);
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
}

function unpinnedMessage(image: ImageOccurrence, reason: string): string {
  const ref = image.reference!;
  const name = writtenName(image.resolved ?? image.raw);
  // Show what a reference built from variables resolved to.
  const shown =
    image.resolved !== undefined && image.resolved !== image.raw ? `\`${image.raw}\` (\`${image.resolved}\`)` : `\`${image.raw}\``;
  if (reason === 'untagged') {
    return (
      `${shown} has no tag, so it means \`${name}:latest\`, which moves with every release. ` +
      `Pin it to a digest (\`${name}:<version>@sha256:…\`).`
    );
  }
  if (reason === 'latest') {
    return `${shown} uses \`latest\`, which moves with every release. Pin a version and its digest (\`${name}:<version>@sha256:…\`).`;
  }
  return (
    `${shown} is not pinned: the tag \`${ref.tag}\` can be moved to other content. ` +
    `Pin it to its digest (\`${name}:${ref.tag}@sha256:…\`).`
  );
}
