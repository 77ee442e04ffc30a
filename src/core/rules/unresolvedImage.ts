// unresolved-image: an image that depends on a variable with no value, so it cannot be known.

import type { AnalyzeOptions, FindingOf, ImageOccurrence } from '../types.js';
import { isEnabled, severityOf } from './catalog.js';
import { findingImage } from '../analysis/classify.js';
import { placeholderIn } from '../analysis/placeholders.js';
import { FILLED_BY } from '../analysis/ci/systems.js';

export function unresolvedImageFindings(images: readonly ImageOccurrence[], options: AnalyzeOptions): FindingOf<'unresolved-image'>[] {
  if (!isEnabled('unresolved-image', options)) return [];
  const findings: FindingOf<'unresolved-image'>[] = [];
  for (const image of images) {
    // A reference that some value of its variables turns into a stage name is not an image; a
    // Compose service that builds its image names what it builds, which is not pulled.
    if (image.status !== 'unresolved' || image.dockerfile?.maybeStage || image.compose?.built) continue;
    findings.push({
      rule: 'unresolved-image',
      severity: severityOf('unresolved-image', undefined, options),
      range: image.range,
      ...findingImage(image),
      message: unresolvedMessage(image),
    });
  }
  return findings;
}

function unresolvedMessage(image: Extract<ImageOccurrence, { readonly status: 'unresolved' }>): string {
  const names = image.unresolvedVariables;
  // A pipeline's own expressions (`${{ matrix.image }}`, `$CI_REGISTRY_IMAGE`): known only when it runs.
  if (image.ci) {
    return `\`${image.raw}\` holds ${names.map((n) => `\`${n}\``).join(', ')}, which ${FILLED_BY[image.ci.system]}, so the image is unknown here.`;
  }
  // Nothing substitutes a manifest's image fields (nor what a chart or a kustomization makes):
  // whatever fills the placeholder in runs before, or after, in the cluster.
  const placeholder = image.source === 'dockerfile' || image.source === 'compose' ? undefined : placeholderIn(image.resolved ?? image.raw);
  if (placeholder) {
    const text = image.resolved ?? image.raw;
    const [only] = placeholder.names;
    const what =
      placeholder.names.length === 1 && only === text
        ? `\`${text}\` is a placeholder`
        : `\`${text}\` holds ${placeholder.names.map((n) => `\`${n}\``).join(', ')}`;
    return `${what}, which ${placeholder.filledBy}, so the image is unknown here.`;
  }
  const hint =
    image.source === 'dockerfile'
      ? `Give the ARG a default or pass ${names.map((n) => `--build-arg ${n}=…`).join(' ')} to check it.`
      : image.source === 'compose'
        ? `Set ${names.join(', ')} in the project's .env (or pass --env ${names[0]}=…), or give a default (\${NAME:-default}) to check it.`
        : `Set ${names.join(', ')} or give a default (\${NAME:-default}) to check it.`;
  return `\`${image.raw}\` depends on ${names.join(', ')}, which has no value here, so the image is unknown. ${hint}`;
}
