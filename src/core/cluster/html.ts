// The cluster report as a page for the editor's webview: a severity chart, the last runs and the
// breach list.
// Everything from the cluster (image names, package names, titles, URLs) is hostile text: it is
// escaped, links are https only, and the page runs no script at all (the content security
// policy says so), so nothing in a report can act.

import { TRIVY_SEVERITIES, type TrivySeverity } from '../trivy/types.js';
import type { RunSummary } from './deadlines.js';
import type { ClusterFinding } from './findings.js';
import { errorText } from './reports.js';
import type { ClustersReport } from './scanClusters.js';
import { plural } from '../util/plural.js';

export interface HtmlOptions {
  /** The webview's `cspSource` (where its stylesheet may come from). */
  readonly cspSource: string;
  /** The stylesheet's URL as the webview sees it (media/report.css). */
  readonly styleUri: string;
  /** The runs to chart (default: the report's own history). */
  readonly history?: readonly RunSummary[];
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
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${width}" height="${BAR_HEIGHT}" class="all"><title>${plural(total, `${severity} finding`)}</title></rect>`,
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

const HISTORY_WIDTH = 480;
const HISTORY_HEIGHT = 110;
const HISTORY_TOP = 14;

/**
 * The last runs of these clusters as stacked columns, one per run (findings per severity, worst at
 * the bottom), and a line of how many were past their deadline. Times and names come from a file
 * anyone with access to it could write: every one is escaped, every number checked.
 */
function historyChart(history: readonly RunSummary[], contexts: readonly string[]): string {
  const runs = history
    .map((run) => ({ run, clusters: run.clusters.filter((c) => contexts.includes(c.context)) }))
    .filter((r) => r.clusters.length > 0)
    .map(({ run, clusters }) => {
      const bySeverity = TRIVY_SEVERITIES.map((s) => clusters.reduce((sum, c) => sum + (Number(c.findings[s]) || 0), 0));
      return {
        at: run.at,
        partial: run.partial === true,
        bySeverity,
        total: bySeverity.reduce((a, b) => a + b, 0),
        breached: clusters.reduce((sum, c) => sum + (Number(c.breached) || 0), 0),
      };
    });
  if (runs.length === 0) return '<p class="none">No runs recorded yet.</p>';
  const max = Math.max(1, ...runs.map((r) => r.total));
  const slot = HISTORY_WIDTH / runs.length;
  const barWidth = Math.max(2, Math.min(24, Math.floor(slot) - 2));
  const y = (count: number) => HISTORY_TOP + HISTORY_HEIGHT - Math.round((count / max) * HISTORY_HEIGHT);
  const when = (iso: string) => escapeHtml(iso.replace('T', ' ').slice(0, 16));
  const columns = runs.map((r, i) => {
    const x = Math.round(i * slot);
    let base = HISTORY_TOP + HISTORY_HEIGHT;
    // Worst at the bottom: the order of TRIVY_SEVERITIES reversed as the stack grows upwards.
    const rects = TRIVY_SEVERITIES.map((severity, s) => {
      const height = Math.round((r.bySeverity[s]! / max) * HISTORY_HEIGHT);
      base -= height;
      return height > 0
        ? `<g class="${severity.toLowerCase()}"><rect x="${x}" y="${base}" width="${barWidth}" height="${height}"/></g>`
        : '';
    });
    const counts = TRIVY_SEVERITIES.map((severity, s) => `${r.bySeverity[s]} ${severity}`).join(', ');
    return (
      `<g class="run${r.partial ? ' partial' : ''}" data-at="${escapeHtml(r.at)}" data-total="${r.total}" data-breached="${r.breached}"` +
      `${r.partial ? ' opacity="0.5"' : ''}><title>${when(r.at)} UTC: ${counts}; ${r.breached} past their deadline` +
      `${r.partial ? ' (partial run)' : ''}</title>${rects.join('')}</g>`
    );
  });
  const points = runs.map((r, i) => `${Math.round(i * slot + barWidth / 2)},${y(r.breached)}`).join(' ');
  const width = HISTORY_WIDTH + 60;
  const height = HISTORY_TOP + HISTORY_HEIGHT + 20;
  return (
    `<svg class="chart history" role="img" aria-label="Findings in the last ${runs.length} runs" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}">${columns.join('')}` +
    `<polyline class="breached" points="${points}" fill="none" stroke="currentColor" stroke-width="1.5"><title>past their deadline</title></polyline>` +
    `<text x="${HISTORY_WIDTH + 6}" y="${HISTORY_TOP + 4}" class="count">${max}</text>` +
    `<text x="0" y="${height - 4}" class="label">${when(runs[0]!.at)}</text>` +
    `<text x="${HISTORY_WIDTH}" y="${height - 4}" class="label" text-anchor="end">${when(runs.at(-1)!.at)}</text></svg>`
  );
}

function severityCell(severity: TrivySeverity): string {
  return `<span class="severity ${severity.toLowerCase()}">${severity}</span>`;
}

function idCell(finding: ClusterFinding): string {
  const url = safeUrl(finding.url);
  return url ? `<a href="${escapeHtml(url)}">${escapeHtml(finding.id)}</a>` : escapeHtml(finding.id);
}

export function toClusterHtml(report: ClustersReport, options: HtmlOptions): string {
  const contexts = report.clusters.map((c) => c.context);
  const several = contexts.length > 1;
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
    plural(report.pods, 'pod'),
    plural(report.images.length, 'distinct image'),
    plural(report.findings.length, 'finding'),
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
  const errors = report.errors.map((e) =>
    e.image !== undefined && (!several || e.context === undefined) && e.namespace === undefined && e.notify === undefined
      ? `<li><code>${escapeHtml(e.image)}</code>: ${escapeHtml(e.message)}</li>`
      : `<li>${escapeHtml(errorText(e, several))}</li>`,
  );
  const history = options.history ?? report.history ?? [];
  const title = several
    ? `Clusters <span class="context">${escapeHtml(contexts.join(', '))}</span>`
    : `Cluster <span class="context">${escapeHtml(contexts[0] ?? '')}</span>`;
  const servers = several
    ? `<ul class="summary clusters">${report.clusters
        .map(
          (c) =>
            `<li><span class="context">${escapeHtml(c.context)}</span> ${escapeHtml(c.server)}: ` +
            `${c.error !== undefined ? `not read (${escapeHtml(c.error)})` : `${plural(c.pods, 'pod')}${c.partial ? ' (partial)' : ''}`}</li>`,
        )
        .join('')}</ul>`
    : `<p class="summary">${escapeHtml(report.clusters[0]?.server ?? '')} · scanned ${escapeHtml(report.generatedAt.replace('T', ' ').slice(0, 16))} UTC</p>`;
  const drift = (report.drift ?? []).map(
    (d) =>
      `<li><code>${escapeHtml(`${d.file}:${d.line}`)}</code> pins <code>${escapeHtml(d.reference)}</code>; running: ` +
      `${escapeHtml(d.running.map((r) => `${r.digest} in ${r.context}/${r.namespace}/${r.workload}`).join(', '))}</li>`,
  );
  const eol = (report.eol ?? []).map(
    (e) => `<li class="${e.severity}">${escapeHtml(e.message)} <span class="workloads">(${escapeHtml(e.workloads.join(', '))})</span></li>`,
  );
  const stale = (report.stale ?? []).map(
    (e) => `<li class="${e.severity}">${escapeHtml(e.message)} <span class="workloads">(${escapeHtml(e.workloads.join(', '))})</span></li>`,
  );
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${escapeHtml(options.styleUri)}">
<title>Shipshape: ${escapeHtml(contexts.join(', '))}</title>
</head>
<body>
<header>
<h1>${title}</h1>
${servers}
<p class="summary">${summary}</p>
${report.cancelled ? '<p class="partial">The scan was cancelled: this report is partial.</p>' : ''}
</header>
<section>
<h2>Findings by severity</h2>
${chart(report.findings)}
<p class="sla">Days to fix: ${TRIVY_SEVERITIES.map((s) => `${s} ${report.sla[s]}`).join(' · ')}</p>
</section>
${history.length > 0 ? `<section>\n<h2>Last runs</h2>\n${historyChart(history, contexts)}\n</section>` : ''}
<section>
<h2>Past their deadline (${breached.length})</h2>
${breached.length === 0 ? '<p class="none">None: every finding is within its deadline.</p>' : breachTable}
</section>
${drift.length > 0 ? `<section><h2>Pinned in the workspace, running another digest (${drift.length})</h2><ul class="drift">${drift.join('')}</ul></section>` : ''}
${eol.length > 0 ? `<section><h2>Past or near their end of life (${eol.length})</h2><ul class="eol">${eol.join('')}</ul></section>` : ''}
${stale.length > 0 ? `<section><h2>Running a digest their tag no longer points to (${stale.length})</h2><ul class="stale">${stale.join('')}</ul></section>` : ''}
${errors.length > 0 ? `<section><h2>Not scanned (${errors.length})</h2><ul class="errors">${errors.join('')}</ul></section>` : ''}
</body>
</html>
`;
}
