// stale-digest on what clusters run: a pod spec that names a tag (`name:tag`, or
// `name:tag@sha256:…`) runs the digest its kubelet reports; the registry is asked, through the
// lookup the shell gives (registry/staleness.ts: one HEAD per distinct name:tag@digest), whether
// the tag now points elsewhere. Never asked without a lookup (the CLI's --no-registry, the
// editor's shipshape.registry.checkPins off) or with the rule off.

import { parseReference } from '../analysis/reference.js';
import type { PinQuestion, StaleLookupFn, StalePin } from '../registry/staleness.js';
import { isEnabled, severityOf } from '../rules/catalog.js';
import { ageText } from '../rules/staleDigest.js';
import type { AnalyzeOptions, Severity } from '../types.js';
import { userErrorEntries, type ErrorWording } from '../workspace/users.js';
import { workloadNames } from './findings.js';
import type { RunningImage } from './types.js';

/** A running image whose tag now points to another digest than the one its pods run. */
export interface ClusterStale {
  /** As a pod spec writes it (`nginx:1.27`). */
  readonly image: string;
  /** The digest the pods run. */
  readonly digest: string;
  /** The digest the tag points to now. */
  readonly current: string;
  /** `rebuilt`: another image for the platform compared; `republished`: a new index that still holds the running one. */
  readonly reason: StalePin['kind'];
  readonly severity: Severity;
  /** The current image's `created`, when its configuration says it. */
  readonly created?: string;
  /** The platform compared (`linux/amd64`). */
  readonly platform: string;
  readonly message: string;
  /** `namespace/Kind/name`, with the context first in a report of several clusters. */
  readonly workloads: readonly string[];
  readonly contexts: readonly string[];
}

export interface ClusterStaleOptions {
  /** The rules' settings (stale-digest off, or other severities) and the report's date (`now`, for the image's age). */
  readonly analyze?: AnalyzeOptions;
  /** Workloads named with their context (a report of several clusters). */
  readonly qualify?: boolean;
  readonly signal?: AbortSignal;
}

/** Checks that could not be made: said once per image, or once per registry out of reach. */
const WORDING: ErrorWording = {
  one: (reference, message) => `the running ${reference} could not be checked against its tag: ${message}`,
  registry: (count, images, message) =>
    `${count === 1 ? `the running ${images.replace(/^of /, '')} could not be checked against its tag` : `the tags ${images} could not be checked against what runs`} ` +
    `(--no-registry does not ask): ${message}`,
};

/** The question a running image's tag is asked as: the spec's name and tag at the running digest. */
function questionOf(spec: string, digest: string): PinQuestion | undefined {
  const parsed = parseReference(spec);
  if (!parsed.ok || parsed.reference.tag === undefined) return undefined;
  return { reference: `${parsed.reference.name}:${parsed.reference.tag}@${digest}` };
}

/**
 * The running images whose tag moved, one entry per spec image (ordered as the images are), and
 * the checks that failed as report errors (scanClusters.ts' ReportError about no cluster nor image;
 * cancelled ones left out). Asks nothing when the rule is off.
 */
export async function clusterStale(
  images: readonly RunningImage[],
  lookup: StaleLookupFn,
  options: ClusterStaleOptions = {},
): Promise<{ readonly stale: ClusterStale[]; readonly errors: { readonly message: string }[] }> {
  const analyze = options.analyze ?? {};
  if (!isEnabled('stale-digest', analyze)) return { stale: [], errors: [] };
  const asked = images.flatMap((image) =>
    image.digest === undefined
      ? []
      : image.specImages.flatMap((spec) => {
          const question = questionOf(spec, image.digest!);
          return question ? [{ image, spec, question }] : [];
        }),
  );
  if (asked.length === 0) return { stale: [], errors: [] };
  const answers = await lookup([...new Map(asked.map((a) => [a.question.reference, a.question])).values()], options.signal);
  const failures = [...answers.values()].flatMap((a) => (a.ok ? [] : [a.failure]));
  const errors = userErrorEntries(failures, new Map(), WORDING).map((e) => ({ message: e.message }));
  const stale: ClusterStale[] = [];
  for (const { image, spec, question } of asked) {
    const answer = answers.get(question.reference);
    if (!answer?.ok || !answer.stale) continue;
    const moved = answer.stale;
    const workloads = workloadNames(image, options.qualify);
    stale.push({
      image: spec,
      digest: image.digest!,
      current: moved.current,
      reason: moved.kind,
      severity: severityOf('stale-digest', moved.kind, analyze),
      ...(moved.created !== undefined && { created: moved.created }),
      platform: moved.platform,
      message: staleMessage(spec, image.digest!, moved, analyze.now),
      workloads,
      contexts: image.contexts,
    });
  }
  return { stale, errors };
}

function staleMessage(spec: string, running: string, moved: StalePin, now: number | undefined): string {
  const tag = parseReference(spec);
  const tagText = tag.ok && tag.reference.tag !== undefined ? `\`${tag.reference.tag}\`` : 'its tag';
  const short = (digest: string) => `\`${digest.slice(0, 19)}…\``;
  const built = moved.created !== undefined ? ` (built ${ageText(moved.created, now)})` : '';
  if (moved.kind === 'republished') {
    return (
      `\`${spec}\` runs ${short(running)}; the tag ${tagText} now points to ${short(moved.current)}, a republished index that ` +
      `still holds the running ${moved.platform} image${built}: nothing changed for this platform.`
    );
  }
  return (
    `\`${spec}\` runs ${short(running)}, which its tag no longer points to: ${tagText} now points to ${short(moved.current)}${built}, ` +
    `a rebuild the running pods miss. Restart or roll out the workloads to pull it, or pin the digest you mean to run.`
  );
}
