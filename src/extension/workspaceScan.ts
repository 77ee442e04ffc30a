// "Scan Images in the Workspace" is `shipshape scan`: the core's scanPaths over each workspace
// folder, with that folder's settings and the editor's open documents (unsaved text wins over the
// disk). What is left to the editor is here, without 'vscode' so that it is tested beside the CLI
// (test/extension/workspaceScan.test.ts): the options of one folder's scan, and the report as
// diagnostics data, which scanning.ts shows.

import * as path from 'node:path';
import { outcomeFor, scanVerdicts, type AnalyzeOptions, type Range, type ScanReport, type Severity } from '../core/index.js';
import type { WorkspaceScanOptions } from '../core/network.js';
import type { AnalysisSettings } from './settings.js';

export interface FolderScanInput {
  /** The workspace folder (absolute). */
  readonly folder: string;
  /** The folder's analysis settings (rules, build arguments, exclude, size limit). */
  readonly settings: AnalysisSettings;
  /** The folder's `shipshape.compose.envFiles`, relative to it. */
  readonly envFiles: readonly string[];
  /** The open documents' texts by absolute path. */
  readonly documents: ReadonlyMap<string, string>;
  readonly processEnv: Readonly<Record<string, string | undefined>>;
}

/** What scanPaths is given for one workspace folder (the scanner, lookups and signal are added by the caller). */
export function folderScanOptions(input: FolderScanInput): WorkspaceScanOptions {
  return {
    analyze: input.settings.analyze,
    exclude: input.settings.exclude,
    // The editor's limit counts characters; a file's size on disk is its UTF-8 bytes, about as many.
    maxFileBytes: input.settings.maxFileChars,
    documents: input.documents,
    compose: {
      ...(input.envFiles.length > 0 && { envFiles: input.envFiles.map((file) => path.resolve(input.folder, file)) }),
      processEnv: input.processEnv,
    },
  };
}

export interface DiagnosticData {
  readonly range: Range;
  readonly severity: Severity;
  readonly message: string;
  /**
   * The rule, `scan-failed` for an image Trivy could not scan, `pin-check-failed` for a pin whose tag
   * could not be asked, absent for a file that could not be read as one.
   */
  readonly code?: string;
}

/**
 * Each analysed file's diagnostics (by absolute path), as the editor shows an open document's:
 * its findings (Kustomize, Helm, vulnerability and stale-digest findings included), the images that
 * could not be scanned, the pins that could not be checked, and what made it unreadable.
 */
export function reportDiagnostics(report: ScanReport, analyze: AnalyzeOptions): Map<string, DiagnosticData[]> {
  const byFile = new Map<string, DiagnosticData[]>();
  for (const { file, result } of report.files) {
    const diagnostics: DiagnosticData[] = result.findings.map((finding) => ({
      range: finding.range,
      severity: finding.severity,
      message: finding.message,
      code: finding.rule,
    }));
    for (const { image, failure } of scanVerdicts(result.images, (image) => outcomeFor(report, image), analyze).failures) {
      if (failure.reason === 'cancelled') continue;
      diagnostics.push({
        range: image.range,
        severity: 'info',
        message: `Shipshape could not scan this image. ${failure.message}`,
        code: 'scan-failed',
      });
    }
    for (const error of result.errors) {
      const start = { line: 0, character: 0 };
      diagnostics.push({ range: error.range ?? { start, end: start }, severity: 'error', message: error.message });
    }
    byFile.set(path.resolve(file), diagnostics);
  }
  // One entry per registry that could not be reached, at the first pin on it (as the CLI reports it).
  for (const error of report.userErrors) {
    const entry = error.pinCheck && report.files.find((f) => path.resolve(f.file) === path.resolve(error.file));
    if (!entry) continue;
    const start = { line: Math.max(0, error.line - 1), character: 0 };
    const image = entry.result.images.find((i) => i.range.start.line === start.line);
    byFile.get(path.resolve(entry.file))!.push({
      range: image?.range ?? { start, end: start },
      severity: 'info',
      message: `Shipshape: ${error.message}`,
      code: 'pin-check-failed',
    });
  }
  return byFile;
}
