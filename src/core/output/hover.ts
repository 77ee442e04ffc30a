// The hover of a scanned image: counts, the worst vulnerabilities with links, whether fixes
// exist. Everything in it but our own words comes from a scan, so from whoever published the
// image: it is Markdown-escaped, links are https only, and no HTML is produced.

import { markdownCode, markdownLink, markdownText } from './markdown.js';
import { countsText, hasFix } from '../rules/vulnerableImage.js';
import type { ImageScan } from '../trivy/types.js';

const HOVER_LIMIT = 10;

/** The hover: counts, the worst vulnerabilities with links, and whether fixes exist. */
export function hoverText(raw: string, scan: ImageScan): string {
  const lines: string[] = [];
  const total = scan.vulnerabilities.length;
  lines.push(`**Shipshape** · ${markdownCode(raw)}${scan.digest ? ` · \`${scan.digest.slice(0, 19)}…\`` : ''}`);
  if (total === 0) {
    lines.push('', 'Trivy found no known vulnerabilities.');
    return lines.join('\n');
  }
  const fixable = scan.vulnerabilities.filter(hasFix).length;
  lines.push(
    '',
    `${total} known ${total === 1 ? 'vulnerability' : 'vulnerabilities'}: ${countsText(scan)}. ` +
      `${fixable === total ? 'All have a fix.' : fixable === 0 ? 'None has a fix yet.' : `${fixable} ${fixable === 1 ? 'has' : 'have'} a fix.`}`,
  );
  if (scan.os?.eosl)
    lines.push('', `⚠ ${markdownText(`${scan.os.family} ${scan.os.name ?? ''}`.trim())} is end of life: its packages get no more fixes.`);
  lines.push('', '| Vulnerability | Severity | Package | Installed | Fixed in |', '|---|---|---|---|---|');
  for (const v of scan.vulnerabilities.slice(0, HOVER_LIMIT)) {
    const id = markdownLink(v.id, v.url);
    const fixed = v.fixed.length > 0 ? markdownText(v.fixed.join(', ')) : `no fix (${markdownText(v.status.replace(/_/g, ' '))})`;
    lines.push(`| ${id} | ${v.severity} | ${markdownText(v.package)} | ${markdownText(v.installed)} | ${fixed} |`);
  }
  if (total > HOVER_LIMIT) lines.push('', `…and ${total - HOVER_LIMIT} more.`);
  return lines.join('\n');
}
