// The cluster report as a page for the editor's webview: a severity chart and the breach list.
// Everything from the cluster (image names, package names, titles, URLs) is hostile text: it is
// escaped, links are https only, and the page runs no script at all (the content security
// policy says so), so nothing in a report can act.

import { TRIVY_SEVERITIES, type TrivySeverity } from '../trivy/types.js';
import type { ClusterFinding } from './findings.js';
import type { ClusterReport } from './scanCluster.js';

export interface HtmlOptions {
  /** The webview's `cspSource` (where its stylesheet may come from). */
  readonly cspSource: string;
  /** The stylesheet's URL as the webview sees it (media/report.css). */
  readonly styleUri: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** An https URL, or nothing: no `javascript:`, `data:` or `command:` link from a report. */
function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

const CHART_WIDTH = 320;
const BAR_HEIGHT = 18;
const LABEL_WIDTH = 90;

/** Horizontal bars, one per severity: all findings, and the breached part darker. */
function chart(findings: readonly ClusterFinding[]): string {
  const bySeverity = TRIVY_SEVERITIES.map((severity) => {
    const all = findings.filter((f) => f.severity === severity);
    return { severity, total: all.length, breached: all.filter((f) => f.breached).length };
  });
  const max = Math.max(1, ...bySeverity.map((s) => s.total));
  const rows = bySeverity.map(({ severity, total, breached }, i) => {
    const y = i * (BAR_HEIGHT + 6);
    const width = Math.round((total / max) * CHART_WIDTH);
    const breachedWidth = Math.round((breached / max) * CHART_WIDTH);
    const cls = severity.toLowerCase();
    return [
      `<g class="bar ${cls}" data-severity="${severity}" data-total="${total}" data-breached="${breached}">`,
      `<text x="0" y="${y + 13}" class="label">${severity}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${width}" height="${BAR_HEIGHT}" class="all"><title>${total} ${severity} findings</title></rect>`,
      breached > 0
        ? `<rect x="${LABEL_WIDTH}" y="${y}" width="${breachedWidth}" height="${BAR_HEIGHT}" class="breached"><title>${breached} past their ` +
          `deadline</title></rect>`
        : '',
      `<text x="${LABEL_WIDTH + width + 6}" y="${y + 13}" class="count">${total}${breached > 0 ? ` (${breached} breached)` : ''}</text>`,
      '</g>',
    ].join('');
  });
  const height = TRIVY_SEVERITIES.length * (BAR_HEIGHT + 6);
  return (
    `<svg class="chart" role="img" aria-label="Findings by severity" width="${LABEL_WIDTH + CHART_WIDTH + 140}" height="${height}" viewBox="0 ` +
    `0 ${LABEL_WIDTH + CHART_WIDTH + 140} ${height}">${rows.join('')}</svg>`
  );
}

function severityCell(severity: TrivySeverity): string {
  return `<span class="severity ${severity.toLowerCase()}">${severity}</span>`;
}

function idCell(finding: ClusterFinding): string {
  const url = safeUrl(finding.url);
  return url ? `<a href="${escapeHtml(url)}">${escapeHtml(finding.id)}</a>` : escapeHtml(finding.id);
}

export function toClusterHtml(report: ClusterReport, options: HtmlOptions): string {
  const breached = report.findings
    .filter((f) => f.breached)
    .sort((a, b) => a.deadline.localeCompare(b.deadline) || TRIVY_SEVERITIES.indexOf(a.severity) - TRIVY_SEVERITIES.indexOf(b.severity));
  const csp = [
    `default-src 'none'`,
    `style-src ${options.cspSource}`,
    `img-src ${options.cspSource}`,
    `script-src 'none'`,
    `form-action 'none'`,
    `base-uri 'none'`,
  ].join('; ');
  const summary = [
    `${report.pods} pods`,
    `${report.images.length} distinct images`,
    `${report.findings.length} findings`,
    `${breached.length} past their deadline`,
  ].join(' · ');
  const breachRows = breached.map((f) => {
    const cells = [
      idCell(f),
      severityCell(f.severity),
      day(f.deadline),
      `<code>${escapeHtml(f.image)}</code>`,
      `${escapeHtml(f.package)} ${escapeHtml(f.installed)}`,
      f.fixed.length > 0 ? escapeHtml(f.fixed.join(', ')) : 'no fix',
      escapeHtml(f.workloads.join(', ')),
    ];
    return `<tr>${cells.map((cell, i) => (i === 2 ? `<td class="deadline">${cell}</td>` : `<td>${cell}</td>`)).join('')}</tr>`;
  });
  const breachHead = ['Vulnerability', 'Severity', 'Deadline', 'Image', 'Package', 'Fixed in', 'Workloads']
    .map((h) => `<th>${h}</th>`)
    .join('');
  const breachTable = `<table class="breaches"><thead><tr>${breachHead}</tr></thead><tbody>${breachRows.join('')}</tbody></table>`;
  const errors = report.errors.map(
    (e) =>
      `<li>${e.image ? `<code>${escapeHtml(e.image)}</code>: ` : e.namespace ? `namespace ${escapeHtml(e.namespace)}: ` : ''}${escapeHtml(e.message)}</li>`,
  );
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${escapeHtml(options.styleUri)}">
<title>Shipshape: ${escapeHtml(report.context)}</title>
</head>
<body>
<header>
<h1>Cluster <span class="context">${escapeHtml(report.context)}</span></h1>
<p class="summary">${escapeHtml(report.server)} · scanned ${escapeHtml(report.generatedAt.replace('T', ' ').slice(0, 16))} UTC</p>
<p class="summary">${summary}</p>
${report.cancelled ? '<p class="partial">The scan was cancelled: this report is partial.</p>' : ''}
</header>
<section>
<h2>Findings by severity</h2>
${chart(report.findings)}
<p class="sla">Days to fix: ${TRIVY_SEVERITIES.map((s) => `${s} ${report.sla[s]}`).join(' · ')}</p>
</section>
<section>
<h2>Past their deadline (${breached.length})</h2>
${breached.length === 0 ? '<p class="none">None: every finding is within its deadline.</p>' : breachTable}
</section>
${errors.length > 0 ? `<section><h2>Not scanned (${errors.length})</h2><ul class="errors">${errors.join('')}</ul></section>` : ''}
</body>
</html>
`;
}
