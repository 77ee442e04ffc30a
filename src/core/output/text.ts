// The terminal report: grouped by file, each line starting with file:line:col so that
// terminals and editors can jump to it.

import { printable as p } from './printable.js';
import type { ScanReport } from '../workspace/scan.js';
import type { Severity } from '../types.js';

export interface TextOptions {
  readonly color?: boolean;
}

const COLORS: Record<Severity, string> = { error: '\x1b[31m', warning: '\x1b[33m', info: '\x1b[36m' };
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
const BOLD = '\x1b[1m';

export function toText(report: ScanReport, options: TextOptions = {}): string {
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
  if (report.trivyProblem) out.push(`${paint(COLORS.error, 'error')}  ${p(report.trivyProblem.message)}`);
  for (const error of report.scanErrors)
    out.push(`${p(error.file)}:${error.line}: ${paint(COLORS.error, 'scan failed')}  ${p(error.message)}`);
  if (report.trivyProblem || report.scanErrors.length > 0) out.push('');
  for (const skipped of report.skipped) out.push(paint(DIM, `note: ${p(skipped.path)}: ${p(skipped.reason)}`));
  if (report.ioErrors.length > 0 || report.skipped.length > 0) out.push('');
  const total = counts.error + counts.warning + counts.info;
  const parseErrors = report.files.reduce((n, f) => n + f.result.errors.length, 0) + report.ioErrors.length;
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

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
