// Safer tags for one image: newer tags of the same repository, variant and OS family are scanned
// with Trivy, and one is suggested (pinned by digest) only when it is strictly better.

import { parseReference } from '../analysis/reference.js';
import { compareTags, mayMoveTo, orderTags, parseTag, type ParsedTag } from '../registry/tags.js';
import { hasFix } from '../rules/vulnerableImage.js';
import { requestKey, type ScanRequest } from '../trivy/request.js';
import type { ImageScan, VulnerabilityCounts } from '../trivy/types.js';
import type { Advice, AdviceOptions, ComparedTag } from './types.js';

export const DEFAULT_MAX_CANDIDATES = 3;

/** HIGH and CRITICAL together: what advice tries to lower. */
export function highAndCritical(counts: VulnerabilityCounts): number {
  return counts.CRITICAL + counts.HIGH;
}

/**
 * Strictly better than `before`: fewer HIGH and CRITICAL in total, and no more CRITICAL (a tag
 * that trades a HIGH for a CRITICAL is not safer).
 */
export function isStrictlyBetter(after: VulnerabilityCounts, before: VulnerabilityCounts): boolean {
  return highAndCritical(after) < highAndCritical(before) && after.CRITICAL <= before.CRITICAL;
}

/** The reference without its tag and digest, as written: `nginx` of `nginx:1.27@sha256:…`. */
export function repositoryText(reference: string): string {
  const at = reference.indexOf('@');
  const name = at === -1 ? reference : reference.slice(0, at);
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}

/**
 * The tags advice may move `current` to, newest first: versioned, not a prerelease, as precise as
 * the current tag (`1.27.3` moves to `1.27.4`, not to the floating `1.27`), strictly newer, the
 * same major version unless `allowMajor`, and an OS move that `mayMoveTo` allows.
 */
export function candidateTags(tags: readonly string[], current: string, options: { readonly allowMajor?: boolean } = {}): string[] {
  const now = parseTag(current);
  const version = now.version;
  if (!version) return [];
  const fits = (p: ParsedTag) =>
    p.version !== undefined &&
    p.prerelease === undefined &&
    p.version.length === version.length &&
    (options.allowMajor === true || p.version[0] === version[0]) &&
    compareTags(p, now) < 0 &&
    mayMoveTo(now, p);
  return orderTags([...new Set(tags)], current).filter((tag) => fits(parseTag(tag)));
}

/** `2 CRITICAL, 5 HIGH fewer`, `3 CRITICAL fewer, 1 HIGH more`: what changes in CRITICAL and HIGH. */
export function differenceText(before: VulnerabilityCounts, after: VulnerabilityCounts): string {
  const changes = (['CRITICAL', 'HIGH'] as const).filter((s) => before[s] !== after[s]);
  const said = (fewer: boolean) => {
    const some = changes.filter((s) => after[s] < before[s] === fewer).map((s) => `${Math.abs(before[s] - after[s])} ${s}`);
    return some.length > 0 ? [`${some.join(', ')} ${fewer ? 'fewer' : 'more'}`] : [];
  };
  return [...said(true), ...said(false)].join(', ') || 'no change in CRITICAL and HIGH';
}

/** Whether every HIGH or CRITICAL vulnerability that `after` no longer has was listed with a fix in `before`. */
function droppedAreFixable(before: ImageScan, after: ImageScan): boolean {
  const key = (v: { readonly id: string; readonly package: string }) => `${v.id}\u0000${v.package}`;
  const remaining = new Set(after.vulnerabilities.map(key));
  const dropped = before.vulnerabilities.filter((v) => (v.severity === 'CRITICAL' || v.severity === 'HIGH') && !remaining.has(key(v)));
  return dropped.length > 0 && dropped.every(hasFix);
}

function list(tags: readonly string[]): string {
  return tags.length <= 5 ? tags.join(', ') : `${tags.slice(0, 5).join(', ')}, …`;
}

/**
 * Advice for one image from its current scan. Nothing is listed or scanned unless the scan has
 * HIGH or CRITICAL vulnerabilities; at most `maxCandidates` newer tags are scanned (through the
 * scanner, so cached and shared like every scan); the best strictly better one (fewest CRITICAL,
 * then fewest HIGH and CRITICAL, then the newest) is suggested, pinned to its digest.
 */
export async function adviseImage(reference: string, scan: ImageScan, options: AdviceOptions): Promise<Advice> {
  const before = scan.counts;
  const nothing = (why: string, error?: string): Advice => ({
    reference,
    before,
    compared: [],
    why,
    ...(error !== undefined && { error }),
  });
  if (highAndCritical(before) === 0) return nothing(`${reference} has no HIGH or CRITICAL vulnerabilities.`);
  const parsed = parseReference(reference);
  if (!parsed.ok) return nothing(`${reference} is not a valid image reference: ${parsed.error}.`);
  const { tag, name } = parsed.reference;
  if (tag === undefined) return nothing(`${reference} names no tag, so there is no version to move on from.`);
  const current = parseTag(tag);
  if (!current.version) return nothing(`The tag "${tag}" of ${reference} is not a version, so no newer tag can be told from it.`);

  const listed = await options.tags.listTags(name, options.signal ? { signal: options.signal } : {});
  if (!listed.ok) return nothing(`The tags of ${repositoryText(reference)} could not be listed.`, listed.failure.message);
  const max = Math.max(1, options.maxCandidates ?? DEFAULT_MAX_CANDIDATES);
  const candidates = candidateTags(listed.tags, tag, { allowMajor: options.allowMajor ?? false }).slice(0, max);
  const written = repositoryText(reference);
  if (candidates.length === 0) {
    const major = options.allowMajor ? '' : ` within major version ${current.version[0]}`;
    const variant = current.variant === '' ? 'without a variant' : `of the variant ${current.variant}`;
    return nothing(
      `No newer tag of ${written} ${variant}${major} was found${listed.truncated ? ' among the tags the registry listed' : ''}.`,
    );
  }

  const requests: ScanRequest[] = candidates.map((t) => ({
    reference: `${written}:${t}`,
    ...(options.platform !== undefined && { platform: options.platform }),
  }));
  const outcomes = await options.scanner.scanAll(requests, options.signal);
  const scans = new Map<string, ImageScan>();
  const compared: ComparedTag[] = candidates.map((t, i) => {
    const outcome = outcomes.get(requestKey(requests[i]!));
    if (!outcome) {
      return { tag: t, failure: { reference: requests[i]!.reference, reason: 'cancelled', message: 'The scan was not run.' } };
    }
    if (!outcome.ok) return { tag: t, failure: outcome.failure };
    scans.set(t, outcome.scan);
    return { tag: t, counts: outcome.scan.counts };
  });
  const what = `Compared ${candidates.length} newer tag${candidates.length === 1 ? '' : 's'} (${list(candidates)})`;
  if (scans.size === 0) return { reference, before, compared, why: `${what}; none could be scanned.` };

  // Fewest CRITICAL first, then fewest HIGH and CRITICAL; `compared` is newest first, so the
  // first of equally good ones is the newest.
  let best: { tag: string; scan: ImageScan } | undefined;
  for (const entry of compared) {
    const candidate = scans.get(entry.tag);
    if (!candidate || !isStrictlyBetter(candidate.counts, before)) continue;
    const c = candidate.counts;
    const b = best?.scan.counts;
    if (!b || c.CRITICAL < b.CRITICAL || (c.CRITICAL === b.CRITICAL && highAndCritical(c) < highAndCritical(b))) {
      best = { tag: entry.tag, scan: candidate };
    }
  }
  if (!best) {
    return {
      reference,
      before,
      compared,
      why: `${what}; none has fewer HIGH and CRITICAL vulnerabilities without more CRITICAL ones.`,
    };
  }

  const suggested = `${written}:${best.tag}`;
  const after = best.scan.counts;
  const fixable = droppedAreFixable(scan, best.scan);
  const resolved = await options.tags.resolve(suggested, options.signal);
  if (!resolved.ok) {
    return {
      reference,
      before,
      after,
      compared,
      why: `${what}; ${best.tag} is safer (${differenceText(before, after)}) but its digest could not be resolved to pin it.`,
      error: resolved.failure.message,
    };
  }
  return {
    reference,
    suggested,
    pinned: `${suggested}@${resolved.resolved.digest}`,
    before,
    after,
    fixable,
    compared,
    why: `${what}; ${best.tag} has ${differenceText(before, after)}.`,
  };
}
