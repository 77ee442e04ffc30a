// vulnerable-image: what Trivy found in an image, as one finding on each place it is written.

import {
  isTrivyUnusable,
  TRIVY_SEVERITIES,
  type ImageScan,
  type ScanFailure,
  type ScanOutcome,
  type TrivySeverity,
  type Vulnerability,
} from '../trivy/types.js';
import type { AnalyzeOptions, Finding, FindingOf, ImageOccurrence, RuleReasons } from '../types.js';
import { osEndOfLifeFinding } from './eolImage.js';
import { isEnabled, severityOf } from './catalog.js';
import { findingImage, shownImage } from '../analysis/classify.js';

export function worstSeverity(scan: ImageScan): TrivySeverity | undefined {
  return TRIVY_SEVERITIES.find((severity) => scan.counts[severity] > 0);
}

/** `2 CRITICAL, 5 HIGH, 1 LOW`: the non-zero counts, worst first. */
export function countsText(scan: ImageScan): string {
  return TRIVY_SEVERITIES.filter((s) => scan.counts[s] > 0)
    .map((s) => `${scan.counts[s]} ${s}`)
    .join(', ');
}

/** The rule's variant for the worst severity found. */
const VARIANTS: Readonly<Record<TrivySeverity, RuleReasons['vulnerable-image']>> = {
  CRITICAL: 'critical',
  HIGH: 'high',
  MEDIUM: 'medium',
  LOW: 'low',
  UNKNOWN: 'unknown',
};

export function hasFix(vulnerability: Vulnerability): boolean {
  return vulnerability.fixed.length > 0;
}

export function vulnerabilityFinding(
  image: ImageOccurrence,
  scan: ImageScan,
  options: AnalyzeOptions,
): FindingOf<'vulnerable-image'> | undefined {
  const worst = worstSeverity(scan);
  if (worst === undefined || !isEnabled('vulnerable-image', options)) return undefined;
  const total = scan.vulnerabilities.length;
  const fixable = scan.vulnerabilities.filter(hasFix).length;
  const top = scan.vulnerabilities[0]!;
  const fix = top.fixed.length > 0 ? `fixed in ${top.fixed.join(', ')}` : `no fix (${top.status.replace(/_/g, ' ')})`;
  const eosl = scan.os?.eosl ? ` Its OS (${scan.os.family} ${scan.os.name ?? ''}) is end of life: no more fixes will come.` : '';
  const reason = VARIANTS[worst];
  return {
    rule: 'vulnerable-image',
    reason,
    severity: severityOf('vulnerable-image', reason, options),
    range: image.range,
    ...findingImage(image),
    message:
      `${shownImage(image)} has ${total} known ${total === 1 ? 'vulnerability' : 'vulnerabilities'} (${countsText(scan)}; ${fixable} with a fix). ` +
      `Worst: ${top.id} in ${top.package} ${top.installed}, ${fix}.${eosl}`,
  };
}

/**
 * What the scans of a file's images say: a finding per vulnerable image, one per image whose OS
 * Trivy says has reached its end of life, and the images that could not be scanned.
 */
export interface ScanVerdicts {
  readonly findings: (FindingOf<'vulnerable-image'> | FindingOf<'eol-image'>)[];
  readonly failures: { readonly image: ImageOccurrence; readonly failure: ScanFailure }[];
}

/**
 * The vulnerable-image findings and the scan failures of a file's images, given each image's
 * outcome (none for an image that was not scanned). A Trivy that cannot run at all is one
 * problem said elsewhere, not a failure of every image.
 */
export function scanVerdicts(
  images: readonly ImageOccurrence[],
  outcomeOf: (image: ImageOccurrence) => ScanOutcome | undefined,
  options: AnalyzeOptions,
  /** The file's own findings: an image whose tag already told its end of life gets no second finding. */
  existing: readonly Finding[] = [],
): ScanVerdicts {
  const verdicts: ScanVerdicts = { findings: [], failures: [] };
  for (const image of images) {
    const outcome = outcomeOf(image);
    if (!outcome) continue;
    if (outcome.ok) {
      const finding = vulnerabilityFinding(image, outcome.scan, options);
      if (finding) verdicts.findings.push(finding);
      const eol = osEndOfLifeFinding(image, outcome.scan, options, existing);
      if (eol) verdicts.findings.push(eol);
    } else if (!isTrivyUnusable(outcome.failure)) {
      verdicts.failures.push({ image, failure: outcome.failure });
    }
  }
  return verdicts;
}
