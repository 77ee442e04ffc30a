// What every report shows of a scan: paths relative to the folder the scan was asked from, and
// one entry per cause (an error or a skipped note that several roots or charts repeat, once).

import * as path from 'node:path';
import type { ScanReport } from '../workspace/scan.js';
import type { ImageOccurrence } from '../types.js';

/** A path as reports name it: relative to `base` when inside it, as it is otherwise. */
export function displayPath(file: string, base: string): string {
  if (file === '') return file;
  const relative = path.relative(base, path.resolve(base, file));
  if (relative === '') return '.';
  return !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** Free text (a message, a reason) with the absolute paths inside `base` made relative to it. */
export function displayText(text: string, base: string): string {
  const root = path.resolve(base);
  const prefix = root.endsWith(path.sep) ? root : `${root}${path.sep}`;
  // The folder itself, or a path below it, wherever it starts in the text.
  return text
    .split(prefix)
    .join('')
    .replace(new RegExp(`${escapeRegExp(root)}(?=$|[\\s:;,)'"\`])`, 'g'), '.');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The report as its readers see it: every path relative to `base` (default: the working folder,
 * where the scan was asked), and an error or skipped note said once however many roots, charts or
 * templates ran into it.
 */
export function displayReport(report: ScanReport, base: string = process.cwd()): ScanReport {
  const file = (value: string) => displayPath(value, base);
  const text = (value: string) => displayText(value, base);
  return {
    ...report,
    files: report.files.map((entry) => ({
      ...entry,
      file: file(entry.file),
      result: {
        ...entry.result,
        images: entry.result.images.map((image) => displayImage(image, file)),
        findings: entry.result.findings.map((finding) => ({ ...finding, message: text(finding.message) })),
        errors: entry.result.errors.map((error) => ({ ...error, message: text(error.message) })),
        notes: entry.result.notes.map(text),
      },
    })),
    skipped: once(
      report.skipped.map((entry) => ({ path: file(entry.path), reason: text(entry.reason) })),
      (entry) => `${entry.path}\n${entry.reason}`,
    ),
    ioErrors: report.ioErrors.map((error) => ({ path: file(error.path), message: text(error.message) })),
    projectErrors: once(
      report.projectErrors.map((error) => ({ ...error, file: file(error.file), message: text(error.message) })),
      (error) => `${error.file}\n${error.line ?? ''}\n${error.message}`,
    ),
    scanErrors: report.scanErrors.map((error) => ({ ...error, file: file(error.file), message: text(error.message) })),
    userErrors: report.userErrors.map((error) => ({ ...error, file: file(error.file), message: text(error.message) })),
  };
}

function displayImage(image: ImageOccurrence, file: (value: string) => string): ImageOccurrence {
  if (image.source === 'kustomize') {
    const { kustomize } = image;
    return {
      ...image,
      kustomize: {
        ...kustomize,
        kustomization: file(kustomize.kustomization),
        origin: { ...kustomize.origin, file: file(kustomize.origin.file) },
      },
    };
  }
  if (image.source === 'helm') {
    const { helm } = image;
    return { ...image, helm: { ...helm, chart: file(helm.chart), template: { ...helm.template, file: file(helm.template.file) } } };
  }
  return image;
}

/** The entries in order, each key once. */
function once<T>(entries: readonly T[], key: (entry: T) => string): T[] {
  const seen = new Set<string>();
  return entries.filter((entry) => {
    const k = key(entry);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
