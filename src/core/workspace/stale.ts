// stale-digest in a scan: every `name:tag@sha256:…` pin of the report (files, kustomizations'
// `digest:` entries and charts' digests as project analysis placed them) asked once, through
// the lookup the shell gives; never asked offline or in an untrusted workspace (no lookup then).

import type { AnalysisResult, AnalyzeOptions, Finding, ImageOccurrence } from '../types.js';
import type { RegistryFailure } from '../registry/types.js';
import { isEnabled } from '../rules/catalog.js';
import { isTaggedPin, staleDigestFindings } from '../rules/staleDigest.js';
import { keyOf, type PinCheck, type PinQuestion, type StaleLookupFn, type StalePin } from '../registry/staleness.js';
import { parsePlatform } from '../registry/platform.js';
import { sortFindings } from '../analysis/findingOrder.js';
import { userErrorEntries, type ErrorWording } from './users.js';

/** Pins that could not be checked keep no finding: said once per pin, or once per registry out of reach. */
const PIN_WORDING: ErrorWording = {
  one: (reference, message) => `the pin ${reference} could not be checked against its tag: ${message}`,
  registry: (count, images, message) =>
    `${count === 1 ? `the pin ${images.replace(/^of /, '')} could not be checked against its tag` : `the pins ${images} could not be checked against their tags`} ` +
    `(--offline does not ask): ${message}`,
};

/** Asks for the pins' tags' digests; never throws. */
export type StaleLookup = StaleLookupFn;

/** The question an image's pin is asked as: its reference, and the platform its file names. */
export function pinQuestion(image: ImageOccurrence): PinQuestion {
  const platform = image.platform !== undefined ? parsePlatform(image.platform) : undefined;
  return { reference: image.reference!.normalized, ...(platform?.ok && { platform: platform.platform }) };
}

/** Adds stale-digest findings to the report's files, and the pins that could not be checked as notes. */
export async function stalePins<F extends { readonly file: string; readonly result: AnalysisResult }>(
  // The scan's report and options, as much of them as this reads (scan.ts imports this module).
  report: { readonly files: F[]; readonly userErrors: ReturnType<typeof userErrorEntries>[number][] },
  lookup: StaleLookup,
  options: { readonly analyze?: AnalyzeOptions; readonly signal?: AbortSignal },
): Promise<void> {
  if (!isEnabled('stale-digest', options.analyze ?? {})) return;
  const wanted = new Map<string, { file: string; line: number }>();
  const questions: PinQuestion[] = [];
  for (const { file, result } of report.files) {
    for (const image of result.images.filter(isTaggedPin)) {
      const question = pinQuestion(image);
      if (!wanted.has(keyOf(question))) questions.push(question);
      wanted.set(keyOf(question), wanted.get(keyOf(question)) ?? { file, line: image.range.start.line + 1 });
    }
  }
  if (questions.length === 0) return;
  const answers = await lookup(questions, options.signal);
  const failures = [...answers.values()].flatMap((a) => (a.ok ? [] : [a.failure]));
  const at = new Map([...wanted].map(([key, place]) => [key.split(' ')[0]!, place]));
  report.userErrors.push(...userErrorEntries(failures, at, PIN_WORDING).map((e) => ({ ...e, pinCheck: true as const })));
  const staleOf = staleIn(answers);
  report.files.forEach((entry, index) => {
    const added = staleDigestFindings(entry.result.images, staleOf, options.analyze ?? {}, entry.file);
    if (added.length === 0) return;
    report.files[index] = { ...entry, result: { ...entry.result, findings: sortFindings([...entry.result.findings, ...added]) } };
  });
}

/**
 * The stale-digest findings of one analysis (an open document's, with what its project places in
 * it), and the pins that could not be checked (cancelled ones left out).
 */
export async function staleFindings(
  result: AnalysisResult,
  lookup: StaleLookup,
  // `file`: the document's path, where a chart's digest written in it is found.
  options: { readonly analyze?: AnalyzeOptions; readonly signal?: AbortSignal; readonly file?: string },
): Promise<{ readonly findings: Finding[]; readonly failures: RegistryFailure[] }> {
  const analyze = options.analyze ?? {};
  const questions = isEnabled('stale-digest', analyze) ? result.images.filter(isTaggedPin).map(pinQuestion) : [];
  if (questions.length === 0) return { findings: [], failures: [] };
  const answers = await lookup(questions, options.signal);
  const staleOf = staleIn(answers);
  const failures = [...answers.values()].flatMap((a) => (a.ok || a.failure.reason === 'cancelled' ? [] : [a.failure]));
  return { findings: staleDigestFindings(result.images, staleOf, analyze, options.file), failures };
}

/** An image's pin as the lookup answered it: where its tag points now when that moved, else undefined. */
function staleIn(answers: ReadonlyMap<string, PinCheck>): (image: ImageOccurrence) => StalePin | undefined {
  return (image) => {
    const answer = answers.get(keyOf(pinQuestion(image)));
    return answer?.ok ? answer.stale : undefined;
  };
}
