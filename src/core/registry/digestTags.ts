// The tags that point to a digest now, for the hover on a digest-only reference (`name@sha256:…`).
// A registry has no reverse lookup: the repository's tags are listed (bounded), and the likeliest
// ones (`latest`, then newest versions first) are resolved, one HEAD each, up to a bound; the
// answer says how many were looked at, so that "none" is never claimed for tags not asked.

import { parseReference } from '../analysis/reference.js';
import { markdownCode, markdownText } from '../output/markdown.js';
import { mapLimited } from '../util/mapLimited.js';
import type { RegistryClient } from './client.js';
import { orderTags } from './tags.js';
import type { RegistryFailure } from './types.js';

/** Tags listed at most (one or a few pages). */
export const DEFAULT_TAGS_LISTED = 1000;
/** Tags resolved at most (one HEAD each). */
export const DEFAULT_TAGS_CHECKED = 25;

export type DigestTags =
  | {
      readonly ok: true;
      /** The repository (`docker.io/library/nginx`) and the digest asked about. */
      readonly repository: string;
      readonly digest: string;
      /** The tags checked that point to the digest, in the order they were checked. */
      readonly tags: readonly string[];
      /** How many tags were resolved, and how many the registry listed (`more`: it has others not listed). */
      readonly checked: number;
      readonly listed: number;
      readonly more: boolean;
    }
  | { readonly ok: false; readonly failure: RegistryFailure };

export interface DigestTagOptions {
  readonly maxListed?: number;
  readonly maxChecked?: number;
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

/** The tags (among those checked) whose digest is the one a `name@sha256:…` reference names; never throws. */
export async function tagsOfDigest(client: RegistryClient, reference: string, options: DigestTagOptions = {}): Promise<DigestTags> {
  const parsed = parseReference(reference);
  if (!parsed.ok || parsed.reference.digest === undefined) {
    const message = `${JSON.stringify(reference)} is not a reference with a digest`;
    return { ok: false, failure: { reference, reason: 'invalid-reference', message } };
  }
  const { name, digest } = parsed.reference;
  const listed = await client.listTags(name, {
    max: options.maxListed ?? DEFAULT_TAGS_LISTED,
    ...(options.signal && { signal: options.signal }),
  });
  if (!listed.ok) return listed;
  const likeliest = orderTags(listed.tags);
  const candidates = [...likeliest.filter((t) => t === 'latest'), ...likeliest.filter((t) => t !== 'latest')].slice(
    0,
    options.maxChecked ?? DEFAULT_TAGS_CHECKED,
  );
  const resolved = await mapLimited(candidates, options.concurrency ?? 4, (tag) => client.resolve(`${name}:${tag}`, options.signal));
  const cancelled = resolved.find((r) => !r.ok && r.failure.reason === 'cancelled');
  if (cancelled && !cancelled.ok) return { ok: false, failure: { ...cancelled.failure, reference } };
  return {
    ok: true,
    repository: listed.repository,
    digest,
    tags: candidates.filter((_, i) => {
      const outcome = resolved[i]!;
      return outcome.ok && outcome.resolved.digest === digest;
    }),
    checked: candidates.length,
    listed: listed.tags.length,
    more: listed.truncated,
  };
}

/**
 * `tagsOfDigest` with its answers kept for `ttlMs` (an editor's hover asks again on every move of
 * the pointer); a failure is asked again next time.
 */
export class DigestTagFinder {
  private readonly answers = new Map<string, { readonly answer: Promise<DigestTags>; readonly at: number }>();

  constructor(
    private readonly client: RegistryClient,
    private readonly ttlMs: number,
    private readonly options: Omit<DigestTagOptions, 'signal'> = {},
    private readonly now: () => number = Date.now,
  ) {}

  /** The answer for a digest-only reference, asked once per `ttlMs`; not cancelled by any one caller (others may wait for it). */
  find(reference: string): Promise<DigestTags> {
    const known = this.answers.get(reference);
    if (known && this.now() - known.at < this.ttlMs) return known.answer;
    const answer = tagsOfDigest(this.client, reference, this.options).then((outcome) => {
      if (!outcome.ok && this.answers.get(reference)?.answer === answer) this.answers.delete(reference);
      return outcome;
    });
    this.answers.set(reference, { answer, at: this.now() });
    return answer;
  }
}

/** Tags named in a hover at most (the rest counted). */
const SHOWN_TAGS = 10;

/** What the hover on a digest-only reference says (Markdown): the tags that point to it now, among those checked. */
export function digestTagsText(answer: DigestTags): string {
  if (!answer.ok) return `**Shipshape** could not list the tags of this digest: ${markdownText(answer.failure.message)}`;
  const some = answer.checked < answer.listed || answer.more;
  const of = some
    ? `the ${answer.checked} likeliest of ${answer.listed}${answer.more ? '+' : ''} tags`
    : answer.checked === 1
      ? 'its only tag'
      : `all ${answer.checked} tags`;
  if (answer.tags.length === 0)
    return `**Shipshape:** no tag of ${markdownCode(answer.repository)} points to this digest now (checked ${markdownText(of)}).`;
  const shown = answer.tags.slice(0, SHOWN_TAGS).map(markdownCode).join(', ');
  const rest = answer.tags.length > SHOWN_TAGS ? ` and ${answer.tags.length - SHOWN_TAGS} more` : '';
  return `**Shipshape:** ${markdownCode(answer.repository)} tags pointing to this digest now: ${shown}${rest} (checked ${markdownText(of)}).`;
}
