// Analysing every file under some paths: the work behind `shipshape scan`.

import { analyze } from './analyze.js';
import { collectFiles, readSourceFile, type SkippedFile } from './files.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import type { AnalysisResult, AnalyzeOptions, FileKind } from './types.js';

export interface FileReport {
  readonly file: string;
  readonly kind: FileKind;
  readonly result: AnalysisResult;
}

export interface ScanReport {
  readonly files: FileReport[];
  readonly skipped: SkippedFile[];
  /** Files and folders that could not be read. */
  readonly ioErrors: { readonly path: string; readonly message: string }[];
}

export interface ScanOptions {
  readonly analyze?: AnalyzeOptions;
  readonly maxFileBytes?: number;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
}

export async function scanPaths(paths: readonly string[], options: ScanOptions = {}): Promise<ScanReport> {
  const logger = options.logger ?? silentLogger;
  const collected = await collectFiles(paths);
  const report: ScanReport = { files: [], skipped: [...collected.skipped], ioErrors: [...collected.errors] };
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
    report.files.push({ file: file.path, kind: read.kind, result });
  }
  return report;
}
