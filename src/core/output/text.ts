// The terminal report: grouped by file, each line starting with file:line:col so that
// terminals and editors can jump to it.

import { printable as p } from './printable.js';
import { plural } from '../util/plural.js';
import type { ScanReport } from '../workspace/scan.js';
import { displayReport } from './paths.js';
import type { Severity } from '../types.js';

export interface TextOptions {
  readonly color?: boolean;
  /** Every skipped file on its own line, instead of one line per reason. */
  readonly verbose?: boolean;
  /** The folder paths are relative to: where the scan was asked (default: the working folder). */
  readonly base?: string;
}

const COLORS: Record<Severity, string> = { error: '\x1b[31m', warning: '\x1b[33m', info: '\x1b[36m' };
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
const BOLD = '\x1b[1m';

/** The terminal report of a scan: every path relative to `options.base`, each error and skipped note once. */
export function toText(scan: ScanReport, options: TextOptions = {}): string {
  const report = displayReport(scan, options.base);
  const paint = (code: string, text: string) => (options.color ? `${code}${text}${RESET}` : text);
  const out: string[] = [];
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  let images = 0;
  let filesWithFindings = 0;
  for (const { file, result } of report.files) {
    images += result.images.filter((i) => i.status === 'image' || i.status === 'id').length;
    if (result.findings.length === 0 && result.errors.length === 0) continue;
    filesWithFindings++;
    const name = p(file);
    out.push(paint(BOLD, name));
    for (const error of result.errors) {
      const at = error.range ? `${name}:${error.range.start.line + 1}:${error.range.start.character + 1}` : name;
      out.push(`  ${at}  ${paint(COLORS.error, 'error')}  ${p(error.message)}`);
    }
    for (const finding of result.findings) {
      counts[finding.severity]++;
      const at = `${name}:${finding.range.start.line + 1}:${finding.range.start.character + 1}`;
      out.push(`  ${at}  ${paint(COLORS[finding.severity], finding.severity)}  ${paint(DIM, finding.rule)}  ${p(finding.message)}`);
    }
    out.push('');
  }
  for (const error of report.ioErrors) out.push(`${p(error.path)}: ${paint(COLORS.error, 'error')}  ${p(error.message)}`);
  for (const error of report.projectErrors)
    out.push(`${p(error.file)}${error.line !== undefined ? `:${error.line}` : ''}: ${paint(COLORS.error, 'error')}  ${p(error.message)}`);
  if (report.trivyProblem) out.push(`${paint(COLORS.error, 'error')}  ${p(report.trivyProblem.message)}`);
  for (const error of report.scanErrors)
    out.push(`${p(error.file)}:${error.line}: ${paint(COLORS.error, 'scan failed')}  ${p(error.message)}`);
  for (const error of report.userErrors) out.push(`${p(error.file)}:${error.line}: ${paint(COLORS.info, 'note')}  ${p(error.message)}`);
  if (report.trivyProblem || report.scanErrors.length > 0 || report.userErrors.length > 0) out.push('');
  for (const line of skippedLines(report.skipped, options.verbose === true)) out.push(paint(DIM, line));
  if (report.ioErrors.length > 0 || report.projectErrors.length > 0 || report.skipped.length > 0) out.push('');
  const total = counts.error + counts.warning + counts.info;
  const parseErrors = report.files.reduce((n, f) => n + f.result.errors.length, 0) + report.ioErrors.length + report.projectErrors.length;
  const scanned = report.scans
    ? ` (${report.scans.size} scanned with Trivy${report.scanErrors.length > 0 ? `, ${new Set(report.scanErrors.map((e) => e.reference)).size} failed` : ''})`
    : '';
  const summary =
    total === 0 && parseErrors === 0
      ? `No findings: ${plural(report.files.length, 'file')} and ${plural(images, 'image')} checked${scanned}.`
      : `${plural(total, 'finding')} (${counts.error} error, ${counts.warning} warning, ${counts.info} info) in ${filesWithFindings} of ` +
        `${plural(report.files.length, 'file')}; ` +
        `${plural(images, 'image')} checked${scanned}${parseErrors > 0 ? `; ${plural(parseErrors, 'file error')}` : ''}.`;
  out.push(summary);
  return `${out.join('\n')}\n`;
}

/** Why files are skipped, as kinds: a reason names sizes or lines, its kind does not. */
const SKIP_KINDS: readonly [RegExp, string][] = [
  [/^binary file/, 'binary files'],
  [/^larger than /, 'files over the size limit (--max-file-size)'],
  [/is a template \(/, 'templates (Helm or similar `{{ … }}` syntax)'],
  [/is a template value/, 'template values not checked'],
  [/^not a Dockerfile/, 'not Dockerfiles, manifests or Compose files'],
];

/**
 * One line per kind of reason (`note: 42 templates … skipped`), so that a repository full of
 * templates does not bury the findings; a kind with one file, or `verbose`, names each file.
 */
function skippedLines(skipped: readonly { path: string; reason: string }[], verbose: boolean): string[] {
  const byKind = new Map<string, { path: string; reason: string }[]>();
  for (const entry of skipped) {
    const kind = SKIP_KINDS.find(([pattern]) => pattern.test(entry.reason))?.[1] ?? entry.reason;
    byKind.set(kind, [...(byKind.get(kind) ?? []), entry]);
  }
  const lines: string[] = [];
  for (const [kind, entries] of byKind) {
    if (verbose || entries.length === 1) for (const entry of entries) lines.push(`note: ${p(entry.path)}: ${p(entry.reason)}`);
    else lines.push(`note: ${entries.length} skipped: ${p(kind)}, e.g. ${p(entries[0]!.path)} (--verbose lists them)`);
  }
  return lines;
}
