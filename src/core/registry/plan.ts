// Planning `shipshape pin`: every image of the scanned files, each distinct reference resolved
// once, a few at a time; unpinned images get pinned, pins whose tag has moved get updated.

import { readFile } from 'node:fs/promises';
import { pinEdits, rangeReader, tagReference, type PinChange } from '../edits/pin.js';
import type { ScanReport } from '../workspace/scan.js';
import type { ImageOccurrence } from '../types.js';
import type { RegistryClient } from './client.js';
import type { ResolveOutcome } from './types.js';
import { mapLimited } from '../util/mapLimited.js';

export interface FilePins {
  readonly file: string;
  /** The file's text as analysed (without a byte-order mark; `bom` says whether it had one). */
  readonly text: string;
  readonly bom: boolean;
  readonly changes: readonly PinChange[];
}

export interface PinPlan {
  readonly files: FilePins[];
  readonly failures: { readonly file: string; readonly line: number; readonly reference: string; readonly message: string }[];
  /** Images without a digest, and pinned images whose tag now points elsewhere. */
  unpinned: number;
  stale: number;
}

/** Resolves each distinct reference once, `concurrency` at a time. */
export async function resolveAll(
  client: RegistryClient,
  references: readonly string[],
  concurrency = 8,
  signal?: AbortSignal,
): Promise<Map<string, ResolveOutcome>> {
  const unique = [...new Set(references)];
  const outcomes = await mapLimited(unique, concurrency, (reference) => client.resolve(reference, signal));
  return new Map(unique.map((reference, index) => [reference, outcomes[index]!]));
}

export async function planPins(report: ScanReport, client: RegistryClient, concurrency = 8, signal?: AbortSignal): Promise<PinPlan> {
  const wanted = (image: ImageOccurrence) => tagReference(image);
  const references = report.files.flatMap((f) => f.result.images.map(wanted).filter((r): r is string => r !== undefined));
  const outcomes = await resolveAll(client, references, concurrency, signal);
  const plan: PinPlan = { files: [], failures: [], unpinned: 0, stale: 0 };
  for (const { file, result } of report.files) {
    const images = result.images.filter((i) => wanted(i) !== undefined);
    if (images.length === 0) continue;
    for (const image of images) {
      const outcome = outcomes.get(wanted(image)!)!;
      if (!outcome.ok)
        plan.failures.push({ file, line: image.range.start.line + 1, reference: image.raw, message: outcome.failure.message });
    }
    const raw = await readFile(file, 'utf8');
    const bom = raw.charCodeAt(0) === 0xfeff;
    const text = bom ? raw.slice(1) : raw;
    const changes = pinEdits(
      images,
      (image) => {
        const outcome = outcomes.get(wanted(image)!);
        return outcome?.ok ? outcome.resolved.digest : undefined;
      },
      rangeReader(text),
    );
    for (const change of changes) {
      if (change.previous) plan.stale++;
      else plan.unpinned++;
    }
    if (changes.length > 0) plan.files.push({ file, text, bom, changes });
  }
  return plan;
}
