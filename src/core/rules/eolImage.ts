// eol-image: an image whose tag names a release cycle past its end of life (warning) or within
// 90 days of it (information), from the endoflife.date snapshot shipped in eolData.ts. Offline.

import type { AnalyzeOptions, Finding, FindingOf, ImageOccurrence, Severity } from '../types.js';
import type { ImageScan } from '../trivy/types.js';
import { isEnabled, severityOf } from './catalog.js';
import { findingImage, shownImage } from '../analysis/classify.js';
import { eolData } from './eolData.js';
import type { EolCycle } from './eolTypes.js';
import { codenameOf, cyclesOf, type CycleMatch } from './eolImages.js';

const DAY = 24 * 60 * 60 * 1000;
/** How long before its end a cycle is reported as ending soon. */
export const SOON_DAYS = 90;

type Verdict = { readonly match: CycleMatch; readonly ended: boolean; readonly end?: string };

/**
 * One finding per image whose runtime or OS cycle has ended or ends within 90 days. The verdict
 * depends on the date, which the caller gives (`AnalyzeOptions.now`: both shells give theirs), so
 * that analysing the same text always gives the same result; without it the rule says nothing.
 */
export function eolImageFindings(images: readonly ImageOccurrence[], options: AnalyzeOptions): Finding[] {
  const findings: Finding[] = [];
  for (const image of images) {
    const ref = image.reference;
    if (image.status !== 'image' || !ref || ref.tag === undefined) continue;
    const eol = eolOf(ref.name, ref.tag, options);
    if (!eol) continue;
    findings.push({
      rule: 'eol-image',
      reason: eol.reason,
      severity: eol.severity,
      range: image.range,
      ...findingImage(image),
      message: eol.message(shownImage(image)),
      ...(eol.suggestion !== undefined && { suggestion: eol.suggestion }),
    });
  }
  return findings;
}

/** The end-of-life verdict on one repository and tag, with the message for an image shown as `shown`. */
export interface EolVerdict {
  readonly reason: 'end-of-life' | 'ends-soon';
  readonly severity: Severity;
  /** The tag to move to, when a supported cycle of the same variant has one. */
  readonly suggestion?: string;
  readonly message: (shown: string) => string;
}

/**
 * The verdict on a repository's tag (`docker.io/library/node`, `16-bullseye`): undefined when
 * nothing has ended or ends within 90 days, the rule is off, or no date is given (`options.now`).
 * The cluster report judges the images running with it.
 */
export function eolOf(name: string, tag: string, options: AnalyzeOptions): EolVerdict | undefined {
  const now = options.now;
  if (!isEnabled('eol-image', options) || now === undefined) return undefined;
  const verdicts = cyclesOf(name, tag)
    .map((match) => verdictOf(match, now))
    .filter((v): v is Verdict => v !== undefined);
  if (verdicts.length === 0) return undefined;
  const reason = verdicts.some((v) => v.ended) ? 'end-of-life' : 'ends-soon';
  const suggestion = suggestedTag(tag, verdicts, now);
  return {
    reason,
    severity: severityOf('eol-image', reason, options),
    ...(suggestion !== undefined && { suggestion }),
    message: (shown) => eolMessage(shown, verdicts, suggestion),
  };
}

function verdictOf(match: CycleMatch, now: number): Verdict | undefined {
  const { eol } = match.cycle;
  if (eol === false) return undefined;
  if (eol === true) return { match, ended: true };
  const end = Date.parse(`${eol}T00:00:00Z`);
  if (end <= now) return { match, ended: true, end: eol };
  if (end - now <= SOON_DAYS * DAY) return { match, ended: false, end: eol };
  return undefined;
}

/** A cycle that is still supported 90 days from now. */
function supported(cycle: EolCycle, now: number): boolean {
  return cycle.eol === false || (typeof cycle.eol === 'string' && Date.parse(`${cycle.eol}T00:00:00Z`) - now > SOON_DAYS * DAY);
}

/**
 * The same tag with each ended or ending cycle replaced by the oldest newer cycle still supported
 * (`16-bullseye` → `20-bullseye`), written as the tag wrote it (a number, a codename, `alpine3.20`).
 */
export function suggestedTag(tag: string, verdicts: readonly Verdict[], now: number): string | undefined {
  const replacements: { start: number; end: number; text: string }[] = [];
  for (const { match } of verdicts) {
    // endoflife.date lists LTS lines out of order (Temurin's 17 and 11 after 21): compare the numbers.
    const target = match.cycles
      .filter((c) => compareCycles(c.cycle, match.cycle.cycle) > 0 && supported(c, now))
      .filter((c) => match.written !== 'codename' || codenameOf(c) !== undefined)
      .sort((a, b) => compareCycles(a.cycle, b.cycle))[0];
    if (!target) return undefined;
    const text = match.written === 'codename' ? codenameOf(target)! : match.written === 'alpine' ? `alpine${target.cycle}` : target.cycle;
    replacements.push({ start: match.start, end: match.end, text });
  }
  let result = tag;
  for (const r of replacements.sort((a, b) => b.start - a.start)) result = result.slice(0, r.start) + r.text + result.slice(r.end);
  return result;
}

/** Orders `3.8` before `3.10`, `9.6` before `10`. */
export function compareCycles(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function cycleName(match: CycleMatch): string {
  const codename = match.cycle.codename ? ` (${match.cycle.codename})` : '';
  return `${match.title} ${match.cycle.cycle}${codename}`;
}

function eolMessage(shown: string, verdicts: readonly Verdict[], suggestion: string | undefined): string {
  const parts = verdicts.map((v) => {
    const name = v.match.os && verdicts[0] !== v ? `its OS, ${cycleName(v.match)},` : cycleName(v.match);
    if (v.end === undefined) return `${name} has reached its end of life`;
    return v.ended ? `${name} reached its end of life on ${v.end}` : `${name} reaches its end of life on ${v.end}`;
  });
  const links = [...new Set(verdicts.map((v) => `https://endoflife.date/${v.match.product}`))].join(', ');
  const advice = suggestion !== undefined ? ` Move to a supported cycle, such as \`${suggestion}\`.` : ' Move to a supported cycle.';
  const after = verdicts.some((v) => v.ended) ? 'no more fixes, security ones included' : 'after that, no more fixes';
  return `${shown}: ${parts.join('; ')}: ${after}.${advice} ` + `Source: ${links} (snapshot of ${eolData().snapshot.date}).`;
}

/**
 * eol-image from a scan: Trivy says the image's OS has reached its end of service life (its own
 * table of OS releases, `Metadata.OS.EOSL`), which a tag need not tell (an application image built
 * on Alpine 3.10). Undefined when the OS is supported, or when `existing` already holds an eol-image
 * finding on this image (the tag told it first).
 */
export function osEndOfLifeFinding(
  image: ImageOccurrence,
  scan: ImageScan,
  options: AnalyzeOptions,
  existing: readonly Finding[] = [],
): FindingOf<'eol-image'> | undefined {
  if (!scan.os?.eosl || !isEnabled('eol-image', options)) return undefined;
  const same = (f: Finding) =>
    f.rule === 'eol-image' && f.range.start.line === image.range.start.line && f.range.start.character === image.range.start.character;
  if (existing.some(same)) return undefined;
  const os = scan.os.name ? `${scan.os.family} ${scan.os.name}` : scan.os.family;
  return {
    rule: 'eol-image',
    reason: 'end-of-life',
    severity: severityOf('eol-image', 'end-of-life', options),
    range: image.range,
    ...findingImage(image),
    message:
      `${shownImage(image)}: its OS, ${os}, has reached its end of life, as Trivy's scan of the image says: no more fixes, ` +
      'security ones included. Move to an image built on a supported release.',
  };
}
