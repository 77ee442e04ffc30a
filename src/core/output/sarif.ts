// SARIF 2.1.0, for code-scanning services (GitHub code scanning, Azure DevOps, …).

import type * as Sarif from 'sarif';
import { RULES } from '../rules/catalog.js';
import type { ScanReport } from '../workspace/scan.js';
import { displayReport } from './paths.js';
import { RULE_IDS, type Range, type Severity } from '../types.js';

const LEVELS: Record<Severity, Sarif.Result.level> = { error: 'error', warning: 'warning', info: 'note' };

export interface SarifOptions {
  readonly version: string;
  /** The folder paths are relative to: where the scan was asked (default: the working folder). */
  readonly base?: string;
}

/** The SARIF log of a scan: locations relative to `options.base`, each error once. */
export function toSarif(scan: ScanReport, options: SarifOptions): Sarif.Log {
  const report = displayReport(scan, options.base);
  const rules: Sarif.ReportingDescriptor[] = RULE_IDS.map((id) => ({
    id,
    name: id.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase()),
    shortDescription: { text: RULES[id].title },
    fullDescription: { text: RULES[id].description },
    defaultConfiguration: { level: LEVELS[Object.values(RULES[id].severities)[0]!] },
  }));
  const results: Sarif.Result[] = [];
  const notifications: Sarif.Notification[] = [];
  for (const { file, result } of report.files) {
    for (const finding of result.findings) {
      results.push({
        ruleId: finding.rule,
        ruleIndex: RULE_IDS.indexOf(finding.rule),
        level: LEVELS[finding.severity],
        message: { text: finding.message },
        locations: [physical(file, finding.range)],
        ...(finding.reason !== undefined && { properties: { reason: finding.reason } }),
      });
    }
    for (const error of result.errors) {
      notifications.push({
        level: 'error',
        message: { text: error.message },
        ...(error.range && { locations: [physical(file, error.range)] }),
      });
    }
  }
  for (const error of report.projectErrors) {
    const line = Math.max(0, (error.line ?? 1) - 1);
    notifications.push({
      level: 'error',
      message: { text: error.message },
      locations: [physical(error.file, { start: { line, character: 0 }, end: { line, character: 0 } })],
    });
  }
  for (const error of report.ioErrors) {
    notifications.push({ level: 'error', message: { text: `${error.path}: ${error.message}` } });
  }
  if (report.trivyProblem) notifications.push({ level: 'error', message: { text: report.trivyProblem.message } });
  for (const error of [...report.scanErrors, ...report.userErrors]) {
    notifications.push({
      level: 'warning',
      message: { text: error.message },
      locations: [physical(error.file, { start: { line: error.line - 1, character: 0 }, end: { line: error.line - 1, character: 0 } })],
    });
  }
  return {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: { driver: { name: 'Shipshape', version: options.version, rules } },
        results,
        invocations: [{ executionSuccessful: report.ioErrors.length === 0, toolExecutionNotifications: notifications }],
      },
    ],
  };
}

function physical(file: string, range: Range): Sarif.Location {
  return {
    physicalLocation: {
      artifactLocation: { uri: toUri(file) },
      region: {
        startLine: range.start.line + 1,
        startColumn: range.start.character + 1,
        endLine: range.end.line + 1,
        endColumn: range.end.character + 1,
      },
    },
  };
}

/** A relative path as a relative URI reference (forward slashes, percent-encoded). */
function toUri(file: string): string {
  const slashes = file.replace(/\\/g, '/').replace(/^\.\//, '');
  const encoded = slashes
    .split('/')
    .map((part) => encodeURIComponent(part))
    .join('/');
  if (/^[A-Za-z]:\//.test(slashes)) return `file:///${slashes.slice(0, 2)}${encoded.slice(encoded.indexOf('/'))}`;
  return slashes.startsWith('/') ? `file://${encoded}` : encoded;
}
