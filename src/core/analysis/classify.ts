// Turning the text of an image field into an ImageOccurrence's status, reference and pin.

import { isImageId, parseReference } from './reference.js';
import { placeholderIn } from './placeholders.js';
import type { Expansion } from './substitute.js';
import type { ImageClassification, ImageOccurrence } from '../types.js';

export type Classification = ImageClassification;

const TEMPLATE = /\{\{|\}\}|\{%|<%=/;

/** True when the text holds template syntax (Helm, Jinja, ERB) rather than a value. */
export function isTemplated(text: string): boolean {
  return TEMPLATE.test(text);
}

/**
 * Classifies an image field. `expansion` is the result of variable substitution, if the
 * source substitutes; `isStage` says whether a resolved name is an earlier build stage.
 */
export function classifyImage(raw: string, expansion?: Expansion, isStage?: (name: string) => boolean): Classification {
  if (isTemplated(raw)) return { status: 'template', pinned: false };
  if (expansion && expansion.unresolved.length > 0) {
    return { status: 'unresolved', pinned: false, unresolvedVariables: expansion.unresolved };
  }
  // Where nothing substitutes (Kubernetes, what a chart or a kustomization makes), `$(params.image)`,
  // `$IMAGE` or Istio's `auto` is a placeholder some other program fills in: the image is not known here.
  if (!expansion) {
    const placeholder = placeholderIn(raw);
    if (placeholder) return { status: 'unresolved', resolved: raw, pinned: false, unresolvedVariables: placeholder.names };
  }
  const resolved = expansion ? expansion.value : raw;
  if (isStage?.(resolved)) return { status: 'stage', resolved, pinned: false };
  if (resolved === 'scratch' && isStage) return { status: 'scratch', resolved, pinned: false };
  if (isImageId(resolved)) return { status: 'id', resolved, pinned: true };
  const parsed = parseReference(resolved);
  if (!parsed.ok) return { status: 'invalid', resolved, pinned: false, problem: parsed.error };
  return { status: 'image', resolved, reference: parsed.reference, pinned: parsed.reference.digest !== undefined };
}

/**
 * What a report names an image by: its normalised reference (`docker.io/library/nginx:1.27`), a
 * bare image ID as it is, or null when it is no image (unresolved, invalid, a stage, scratch).
 */
export function reportedReference(image: Pick<ImageOccurrence, 'reference' | 'status' | 'resolved'>): string | null {
  return image.reference ? image.reference.normalized : image.status === 'id' ? (image.resolved ?? null) : null;
}

/** The `reference` and `raw` of a finding about an image. */
export function findingImage(image: ImageOccurrence): { reference: string | null; raw: string } {
  return { reference: reportedReference(image), raw: image.raw };
}

/**
 * How a message names an image: as written, with what it resolved to when that differs
 * (`$BASE` (`alpine:3.20`)). A chart's or kustomization's image by the reference it renders: what
 * is written on its line (a tag, a repository) is only part of it.
 */
export function shownImage(image: Pick<ImageOccurrence, 'source' | 'raw' | 'resolved'>): string {
  const { raw, resolved } = image;
  if (resolved === undefined || resolved === raw) return `\`${raw}\``;
  return image.source === 'helm' || image.source === 'kustomize' ? `\`${resolved}\`` : `\`${raw}\` (\`${resolved}\`)`;
}
