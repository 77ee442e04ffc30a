// Advice for every image under some paths (the work behind `shipshape advise`): the files are
// scanned as `shipshape scan` scans them, and each distinct image that Trivy finds HIGH or
// CRITICAL vulnerabilities in is advised once, its advice placed wherever it is written.

import { scanPaths, scanRequestFor } from '../workspace/scan.js';
import { requestKey, type ScanRequest } from '../trivy/request.js';
import type { Scanner } from '../trivy/scanner.js';
import type { ImageScan, ScanFailure } from '../trivy/types.js';
import type { ComposeEnvOptions } from '../project/dotenv.js';
import type { AnalyzeOptions } from '../types.js';
import { adviseImage, highAndCritical } from './advise.js';
import type { Advice, AdviceOptions } from './types.js';
import { mapLimited } from '../util/mapLimited.js';

export interface AdviseReportOptions extends Omit<AdviceOptions, 'platform' | 'scanner'> {
  /** Scans the images found and the candidate tags alike. */
  readonly scanner: Scanner;
  readonly analyze?: AnalyzeOptions;
  readonly compose?: ComposeEnvOptions;
  readonly maxFileBytes?: number;
  /** Images advised at once (default 4): each lists tags, and its scans share the scanner's limit. */
  readonly concurrency?: number;
}

/** One place an advised image is written. */
export interface AdvicePlace {
  readonly file: string;
  /** 1-based, as editors and `file:line:col` show them. */
  readonly line: number;
  readonly column: number;
  readonly reference: string;
  readonly advice: Advice;
}

export interface AdviceReportError {
  readonly file?: string;
  readonly line?: number;
  readonly reference?: string;
  readonly message: string;
}

export interface AdviceReport {
  /** Every place of an image with HIGH or CRITICAL vulnerabilities, in file order. */
  readonly places: AdvicePlace[];
  /** The advice for each distinct image, once. */
  readonly advice: Advice[];
  /** Files that could not be read or understood, images that could not be scanned, registries that did not answer. */
  readonly errors: AdviceReportError[];
  /** Files and folders that could not be read (also in `errors`). */
  readonly ioErrors: readonly { readonly path: string; readonly message: string }[];
  /** Trivy itself is missing or unusable: said once, and nothing is advised. */
  readonly trivyProblem?: ScanFailure;
}

export async function adviseReport(paths: readonly string[], options: AdviseReportOptions): Promise<AdviceReport> {
  const report = await scanPaths(paths, {
    scanner: options.scanner,
    ...(options.analyze !== undefined && { analyze: options.analyze }),
    ...(options.compose !== undefined && { compose: options.compose }),
    ...(options.maxFileBytes !== undefined && { maxFileBytes: options.maxFileBytes }),
    ...(options.signal !== undefined && { signal: options.signal }),
  });
  const errors: AdviceReportError[] = [
    ...report.ioErrors.map((e) => ({ file: e.path, message: e.message })),
    ...report.projectErrors.map((e) => ({ file: e.file, ...(e.line !== undefined && { line: e.line }), message: e.message })),
    ...report.scanErrors.map((e) => ({ file: e.file, line: e.line, reference: e.reference, message: e.message })),
  ];
  if (report.trivyProblem) return { places: [], advice: [], errors, ioErrors: report.ioErrors, trivyProblem: report.trivyProblem };

  // The distinct images worth advising, and where each is written.
  const wanted = new Map<string, { request: ScanRequest; scan: ImageScan }>();
  const written: { file: string; line: number; column: number; key: string; reference: string }[] = [];
  for (const { file, result } of report.files) {
    for (const image of result.images) {
      const request = scanRequestFor(image);
      if (!request) continue;
      const key = requestKey(request);
      const outcome = report.scans?.get(key);
      if (!outcome?.ok || highAndCritical(outcome.scan.counts) === 0) continue;
      wanted.set(key, { request, scan: outcome.scan });
      const { line, character } = image.range.start;
      written.push({ file, line: line + 1, column: character + 1, key, reference: request.reference });
    }
  }
  const keys = [...wanted.keys()];
  const advised = await mapLimited(keys, options.concurrency ?? 4, (key) => {
    const { request, scan } = wanted.get(key)!;
    return adviseImage(request.reference, scan, {
      ...options,
      ...(request.platform !== undefined && { platform: request.platform }),
    });
  });
  const adviceOf = new Map(keys.map((key, i) => [key, advised[i]!]));
  const places = written.map(({ key, ...place }) => ({ ...place, advice: adviceOf.get(key)! }));
  for (const place of places) {
    if (place.advice.error !== undefined) {
      errors.push({ file: place.file, line: place.line, reference: place.reference, message: place.advice.error });
    }
  }
  return { places, advice: advised, errors, ioErrors: report.ioErrors };
}
