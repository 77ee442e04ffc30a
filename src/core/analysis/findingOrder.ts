// The order findings are reported in, apart from the analysis so that what joins findings from
// several places (the project's, a scan's) sorts them without loading the parsers.

import type { Finding } from '../types.js';

/** Findings in the order of the file (sorted in place). */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}
