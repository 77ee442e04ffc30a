// Planning `shipshape pin`: every image of the scanned files, each distinct reference resolved
// once, a few at a time; unpinned images get pinned, pins whose tag has moved get updated.

import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { pinEdits, pinTarget, tagReference, type PinChange, type PinStyle } from '../edits/pin.js';
import type { ScanReport } from '../workspace/scan.js';
import type { ImageOccurrence } from '../types.js';
import type { RegistryClient } from './client.js';
import type { ResolveOutcome } from './types.js';
import { mapLimited } from '../util/mapLimited.js';

export interface FilePins {
  /** The file the changes are written into, as the scan names it (a chart's pin may go into a parent chart's values.yaml). */
  readonly file: string;
  /** The file's text as analysed (without a byte-order mark; `bom` says whether it had one). */
  readonly text: string;
  readonly bom: boolean;
  readonly changes: readonly PinChange[];
}

/** An image of the scan, by the file and line it is reported at. */
interface ImagePlace {
  readonly file: string;
  readonly line: number;
  readonly reference: string;
}

export interface PinPlan {
  readonly files: FilePins[];
  readonly failures: (ImagePlace & { readonly message: string })[];
  /** Images that cannot be pinned where they are decided, or whose edit could not be proved: why. */
  readonly refused: (ImagePlace & { readonly why: string })[];
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

/** Asks for the digest of every image of the scan and plans the edits, grouped by the file each is written into. */
export async function planPins(
  report: ScanReport,
  client: RegistryClient,
  concurrency = 8,
  signal?: AbortSignal,
  style: PinStyle = 'tag-and-digest',
): Promise<PinPlan> {
  const wanted = (image: ImageOccurrence) => tagReference(image);
  const references = report.files.flatMap((f) => f.result.images.map(wanted).filter((r): r is string => r !== undefined));
  const outcomes = await resolveAll(client, references, concurrency, signal);
  const plan: PinPlan = { files: [], failures: [], refused: [], unpinned: 0, stale: 0 };
  const placeOf = new Map<ImageOccurrence, ImagePlace>();
  // Files are named as the scan names them (relative when it was given relative paths).
  const named = new Map(report.files.map((f) => [path.resolve(f.file), f.file]));
  // The images whose pins are written into each file, wherever they are reported.
  const byTarget = new Map<string, ImageOccurrence[]>();
  for (const { file, result } of report.files) {
    for (const image of result.images) {
      const reference = wanted(image);
      if (reference === undefined) continue;
      const place = { file, line: image.range.start.line + 1, reference: image.resolved ?? image.raw };
      placeOf.set(image, place);
      const outcome = outcomes.get(reference)!;
      if (!outcome.ok) plan.failures.push({ ...place, message: outcome.failure.message });
      const target = pinTarget(image, path.resolve(file));
      byTarget.set(target, [...(byTarget.get(target) ?? []), image]);
    }
  }
  const digestOf = (image: ImageOccurrence) => {
    const outcome = outcomes.get(wanted(image)!);
    return outcome?.ok ? outcome.resolved.digest : undefined;
  };
  for (const [file, images] of byTarget) {
    let raw: string;
    try {
      raw = await readFile(file, 'utf8');
    } catch (error) {
      const why = `${file} cannot be read (${error instanceof Error ? error.message : String(error)})`;
      for (const image of images) if (digestOf(image)) plan.refused.push({ ...placeOf.get(image)!, why });
      continue;
    }
    const bom = raw.charCodeAt(0) === 0xfeff;
    const text = bom ? raw.slice(1) : raw;
    const { changes, refused } = pinEdits(images, digestOf, { file, text }, file, style);
    for (const { image, why } of refused) plan.refused.push({ ...placeOf.get(image)!, why });
    for (const change of changes) {
      if (change.previous) plan.stale++;
      else plan.unpinned++;
    }
    if (changes.length > 0) plan.files.push({ file: named.get(file) ?? file, text, bom, changes });
  }
  return plan;
}
