// Analysing every file under some paths, and scanning their images: the work behind `shipshape scan`.

import { analyze, sortFindings } from '../analysis/analyze.js';
import { collectFiles, readSourceFile, type SkippedFile } from './files.js';
import type { Logger } from '../util/logger.js';
import { silentLogger } from '../util/logger.js';
import { imageUsersOf } from '../rules/rootUser.js';
import { scanVerdicts } from '../rules/vulnerableImage.js';
import { requestKey, type ScanRequest } from '../trivy/request.js';
import type { Scanner } from '../trivy/scanner.js';
import { trivyProblemIn, type ScanFailure, type ScanOutcome } from '../trivy/types.js';
import type { AnalysisResult, AnalyzeOptions, FileKind, ImageOccurrence } from '../types.js';

export interface FileReport {
  readonly file: string;
  readonly kind: FileKind;
  readonly result: AnalysisResult;
}

export interface ScanErrorEntry {
  readonly file: string;
  readonly line: number;
  readonly reference: string;
  readonly message: string;
}

export interface ScanReport {
  readonly files: FileReport[];
  readonly skipped: SkippedFile[];
  /** Files and folders that could not be read. */
  readonly ioErrors: { readonly path: string; readonly message: string }[];
  /** Scan outcomes by request key (see `scanRequestFor`), when images were scanned. */
  scans?: ReadonlyMap<string, ScanOutcome>;
  /** Images that could not be scanned, one entry per place the image is written. */
  readonly scanErrors: ScanErrorEntry[];
  /** Set when Trivy itself is missing or unusable: said once, not per image. */
  trivyProblem?: ScanFailure;
}

export interface ScanOptions {
  readonly analyze?: AnalyzeOptions;
  readonly maxFileBytes?: number;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
  /** Scan the images found with Trivy; static rules only when absent. */
  readonly scanner?: Scanner;
  readonly onScanProgress?: (done: number, total: number) => void;
}

/** What to ask Trivy for an image, or undefined when it is not something to scan. */
export function scanRequestFor(image: ImageOccurrence): ScanRequest | undefined {
  if (image.status !== 'image' || image.resolved === undefined || image.compose?.built) return undefined;
  const platform = image.platform !== undefined && !image.platform.includes('$') ? image.platform : undefined;
  return { reference: image.resolved, ...(platform !== undefined && { platform }) };
}

/** The scan outcome of an image in a report, if it was scanned. */
export function outcomeFor(report: Pick<ScanReport, 'scans'>, image: ImageOccurrence): ScanOutcome | undefined {
  const request = scanRequestFor(image);
  return request && report.scans?.get(requestKey(request));
}

export async function scanPaths(paths: readonly string[], options: ScanOptions = {}): Promise<ScanReport> {
  const logger = options.logger ?? silentLogger;
  const collected = await collectFiles(paths);
  const report: ScanReport = { files: [], skipped: [...collected.skipped], ioErrors: [...collected.errors], scanErrors: [] };
  const dockerfileTexts = new Map<number, string>();
  for (const file of collected.files) {
    options.signal?.throwIfAborted();
    const read = await readSourceFile(file, { ...(options.maxFileBytes !== undefined && { maxFileBytes: options.maxFileBytes }) });
    if (!read.ok) {
      if ('error' in read) report.ioErrors.push({ path: file.path, message: read.error });
      else if (!read.quiet || file.explicit) report.skipped.push({ path: file.path, reason: read.skipped });
      continue;
    }
    logger.debug(`analysing ${file.path} as ${read.kind}`);
    const result = analyze(read.text, read.kind, options.analyze);
    for (const note of result.notes) report.skipped.push({ path: file.path, reason: note });
    if (read.kind === 'dockerfile') dockerfileTexts.set(report.files.length, read.text);
    report.files.push({ file: file.path, kind: read.kind, result });
  }
  if (options.scanner) await scanImages(report, options.scanner, options, dockerfileTexts);
  return report;
}

async function scanImages(
  report: ScanReport,
  scanner: Scanner,
  options: ScanOptions,
  dockerfileTexts: ReadonlyMap<number, string>,
): Promise<void> {
  const requests = report.files.flatMap((f) => f.result.images.map(scanRequestFor).filter((r): r is ScanRequest => r !== undefined));
  if (requests.length === 0) return;
  const scans = await scanner.scanAll(requests, options.signal, options.onScanProgress);
  // Trivy missing or unusable is one problem, said once, not a failure of every image.
  const unusable = trivyProblemIn(scans.values());
  if (unusable) {
    report.trivyProblem = { ...unusable, reference: '' };
    return;
  }
  report.scans = scans;
  const imageUsers = imageUsersOf(scans.values());
  report.files.forEach((fileReport, index) => {
    let result = fileReport.result;
    const text = dockerfileTexts.get(index);
    // The base image's own user settles the implicit root question the file alone could not.
    if (text !== undefined && imageUsers.size > 0 && result.findings.some((f) => f.rule === 'root-user' && f.reason === 'implicit')) {
      result = analyze(text, 'dockerfile', { ...options.analyze, imageUsers });
    }
    const verdicts = scanVerdicts(result.images, (image) => outcomeFor(report, image), options.analyze ?? {});
    for (const { image, failure } of verdicts.failures) {
      report.scanErrors.push({ file: fileReport.file, line: image.range.start.line + 1, reference: image.raw, message: failure.message });
    }
    if (verdicts.findings.length > 0 || result !== fileReport.result) {
      const findings = sortFindings([...result.findings, ...verdicts.findings]);
      report.files[index] = { ...fileReport, result: { ...result, findings } };
    }
  });
}
