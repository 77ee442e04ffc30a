// unpinned-image, invalid-reference and unresolved-image: rules on each image reference.

import type { AnalyzeOptions, Finding, ImageOccurrence } from '../types.js';
import { familiarName } from '../analysis/reference.js';
import { isEnabled, severityOf } from './catalog.js';

export function imageFindings(images: readonly ImageOccurrence[], options: AnalyzeOptions): Finding[] {
  const findings: Finding[] = [];
  const add = (finding: Omit<Finding, 'severity'>) =>
    findings.push({ ...finding, severity: severityOf(finding.rule, finding.reason, options) });
  for (const image of images) {
    switch (image.status) {
      case 'image': {
        if (image.pinned || image.compose?.built || !isEnabled('unpinned-image', options)) break;
        const ref = image.reference!;
        const reason = ref.tag === undefined ? 'untagged' : ref.tag === 'latest' ? 'latest' : 'mutable-tag';
        add({ rule: 'unpinned-image', reason, range: image.range, reference: image.raw, message: unpinnedMessage(image, reason) });
        break;
      }
      case 'invalid':
        if (isEnabled('invalid-reference', options)) {
          const what = image.raw === '' ? 'The image' : `\`${image.raw}\``;
          add({
            rule: 'invalid-reference',
            range: image.range,
            reference: image.raw,
            message: `${what} is not a valid image reference: ${image.problem ?? 'unknown problem'}.`,
          });
        }
        break;
      case 'unresolved':
        if (isEnabled('unresolved-image', options) && !image.dockerfile?.maybeStage) {
          const names = image.unresolvedVariables ?? [];
          const hint = image.source === 'dockerfile'
            ? `Give the ARG a default or pass ${names.map((n) => `--build-arg ${n}=…`).join(' ')} to check it.`
            : `Set ${names.join(', ')} or give a default (\${NAME:-default}) to check it.`;
          add({
            rule: 'unresolved-image',
            range: image.range,
            reference: image.raw,
            message: `\`${image.raw}\` depends on ${names.join(', ')}, which has no value here, so the image is unknown. ${hint}`,
          });
        }
        break;
      default:
        break;
    }
  }
  return findings;
}

function unpinnedMessage(image: ImageOccurrence, reason: string): string {
  const ref = image.reference!;
  const name = familiarName(ref);
  // Show what a reference built from variables resolved to.
  const shown = image.resolved !== undefined && image.resolved !== image.raw ? `\`${image.raw}\` (\`${image.resolved}\`)` : `\`${image.raw}\``;
  if (reason === 'untagged') {
    return `${shown} has no tag, so it means \`${name}:latest\`, which moves with every release. ` +
      `Pin it to a digest (\`${name}:<version>@sha256:…\`).`;
  }
  if (reason === 'latest') {
    return `${shown} uses \`latest\`, which moves with every release. Pin a version and its digest (\`${name}:<version>@sha256:…\`).`;
  }
  return `${shown} is not pinned: the tag \`${ref.tag}\` can be moved to other content. ` +
    `Pin it to its digest (\`${name}:${ref.tag}@sha256:…\`).`;
}
