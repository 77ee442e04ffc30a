// stale-digest: a `name:tag@sha256:…` pin whose tag now points to another digest. The registry
// answers (registry/staleness.ts, through the lookup a shell gives); this module only words them.
// Never offline: without answers there is nothing to say.

import * as path from 'node:path';
import type { AnalyzeOptions, Finding, ImageOccurrence, Range } from '../types.js';
import { isEnabled, severityOf } from './catalog.js';
import { findingImage, shownImage } from '../analysis/classify.js';
import type { StalePin } from '../registry/staleness.js';

const DAY = 24 * 60 * 60 * 1000;

/** Whether an image is a pin that names its tag too (`name:tag@sha256:…`): the ones a registry can say are stale. */
export function isTaggedPin(image: ImageOccurrence): boolean {
  return image.status === 'image' && image.reference?.tag !== undefined && image.reference.digest !== undefined;
}

/**
 * One finding per pin the registry says has moved; `staleOf` gives the answer for an image, if any.
 * `file` is the file the images are placed in: a chart's digest written in it is where its finding goes.
 */
export function staleDigestFindings(
  images: readonly ImageOccurrence[],
  staleOf: (image: ImageOccurrence) => StalePin | undefined,
  options: AnalyzeOptions,
  file?: string,
): Finding[] {
  if (!isEnabled('stale-digest', options)) return [];
  const findings: Finding[] = [];
  for (const image of images) {
    if (!isTaggedPin(image)) continue;
    const stale = staleOf(image);
    if (!stale) continue;
    findings.push({
      rule: 'stale-digest',
      reason: stale.kind,
      severity: severityOf('stale-digest', stale.kind, options),
      range: writtenAt(image, file),
      ...findingImage(image),
      message: staleMessage(image, stale, options.now),
      suggestion: stale.current,
    });
  }
  return findings;
}

/**
 * Where the pinned digest is written, when it is in the file the image is placed in: a chart's
 * `digest`/`sha` value (its image is placed at the tag) or a kustomization entry's `digest:` (its
 * image at the entry's name); else the image's own range.
 */
function writtenAt(image: ImageOccurrence, file: string | undefined): Range {
  if (file === undefined) return image.range;
  const here = (other: string) => path.resolve(other) === path.resolve(file);
  const pin = image.helm?.pin;
  if (pin?.kind === 'digest' && pin.existing && here(pin.file)) return pin.existing;
  const entry = image.kustomize?.entry;
  if (entry?.digest && here(entry.file)) return entry.digest.range;
  return image.range;
}

/** `2026-11-30, 7 days ago`, or the date alone without a time to count from. */
export function ageText(created: string, now: number | undefined): string {
  const date = created.slice(0, 10);
  // No clock, or one before the build (a report dated in the past): the date alone.
  if (now === undefined || now < Date.parse(created)) return date;
  const days = Math.floor((now - Date.parse(created)) / DAY);
  return days < 1 ? `${date}, today` : `${date}, ${days} ${days === 1 ? 'day' : 'days'} ago`;
}

function staleMessage(image: ImageOccurrence, stale: StalePin, now: number | undefined): string {
  const ref = image.reference!;
  const current = `\`${stale.current.slice(0, 19)}…\``;
  const built = stale.created !== undefined ? ` (built ${ageText(stale.created, now)})` : '';
  if (stale.kind === 'republished') {
    return (
      `${shownImage(image)}: the tag \`${ref.tag}\` now points to ${current}, a republished index that still holds the pinned ` +
      `${stale.platform} image${built}: nothing changed for this platform. Update to the current digest to follow the tag.`
    );
  }
  return (
    `${shownImage(image)} is pinned to a digest its tag no longer points to: \`${ref.tag}\` now points to ${current}${built}, ` +
    `a rebuild the pin hides. Update to the current digest (\`shipshape pin --write\` does it for every file).`
  );
}
