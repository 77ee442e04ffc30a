// unresolved-image: an image that depends on a variable with no value, so it cannot be known.

import type { AnalyzeOptions, Finding, ImageOccurrence } from '../types.js';
import { isEnabled, severityOf } from './catalog.js';

export function unresolvedImageFindings(images: readonly ImageOccurrence[], options: AnalyzeOptions): Finding[] {
  if (!isEnabled('unresolved-image', options)) return [];
  const findings: Finding[] = [];
  for (const image of images) {
    // A reference that some value of its variables turns into a stage name is not an image.
    if (image.status !== 'unresolved' || image.dockerfile?.maybeStage) continue;
    const names = image.unresolvedVariables ?? [];
    const hint =
      image.source === 'dockerfile'
        ? `Give the ARG a default or pass ${names.map((n) => `--build-arg ${n}=…`).join(' ')} to check it.`
        : `Set ${names.join(', ')} or give a default (\${NAME:-default}) to check it.`;
    findings.push({
      rule: 'unresolved-image',
      severity: severityOf('unresolved-image', undefined, options),
      range: image.range,
      reference: image.raw,
      message: `\`${image.raw}\` depends on ${names.join(', ')}, which has no value here, so the image is unknown. ${hint}`,
    });
  }
  return findings;
}
