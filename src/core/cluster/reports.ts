// Cluster reports, of one cluster or several: a terminal table, JSON, CSV (findings, or the history
// of runs), SARIF 2.1.0 and Markdown.

import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import { markdownCode as mdCode, markdownLink as mdLink, markdownText as md } from '../output/markdown.js';
import { printable } from '../output/printable.js';
import { TRIVY_SEVERITIES, type VulnerabilityCounts } from '../trivy/types.js';
import { VERSION } from '../version.js';
import type { RunSummary } from './deadlines.js';
import type { ClusterRead, ClustersReport, ReportError } from './scanClusters.js';
import type { ClusterEol } from './eol.js';
import type { ClusterStale } from './stale.js';
import type { Severity } from '../types.js';
import { plural } from '../util/plural.js';

export const CLUSTER_FORMATS = ['table', 'json', 'csv', 'sarif', 'markdown'] as const;
export type ClusterFormat = (typeof CLUSTER_FORMATS)[number];

export function isClusterFormat(text: string): text is ClusterFormat {
  return (CLUSTER_FORMATS as readonly string[]).includes(text);
}

/** The format a report file is written in, by its extension (`.csv`, `.json`, `.sarif`, `.md`); CSV for any other. */
export function clusterFormatOfFile(file: string): ClusterFormat {
  const extension = /\.([^./\\]+)$/.exec(file)?.[1]?.toLowerCase();
  return extension === 'json'
    ? 'json'
    : extension === 'sarif'
      ? 'sarif'
      : extension === 'md' || extension === 'markdown'
        ? 'markdown'
        : 'csv';
}

/** The report in one format, as the text to print or save. */
export function renderClusterReport(report: ClustersReport, format: ClusterFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(toClusterJson(report), null, 2)}\n`;
    case 'csv':
      return toClusterCsv(report);
    case 'sarif':
      return `${JSON.stringify(toClusterSarif(report), null, 2)}\n`;
    case 'markdown':
      return toClusterMarkdown(report);
    case 'table':
      return toClusterTable(report);
  }
}

function counts(report: ClustersReport, reference: string): VulnerabilityCounts | undefined {
  const outcome = report.outcomes.get(reference);
  return outcome?.ok ? outcome.scan.counts : undefined;
}

/** The clusters read, for headings: `prod`, or `prod, staging`. */
function contextNames(report: ClustersReport): string {
  return report.clusters.map((c) => c.context).join(', ');
}

/**
 * An error as one line: the cluster, namespace, image or alert receiver it concerns, then what
 * happened. The cluster is named only when the report covers several (`several`), as before reports did.
 */
export function errorText(error: ReportError, several = true): string {
  const about = [
    several && error.context !== undefined && `cluster ${error.context}`,
    error.namespace !== undefined && `namespace ${error.namespace}`,
    error.image !== undefined && error.image,
    error.notify !== undefined && `alert to ${error.notify}`,
  ].filter((part): part is string => typeof part === 'string');
  return `${about.length > 0 ? `${about.join(': ')}: ` : ''}${error.message}`;
}

/**
 * The JSON report (version 2: `stale` added; CHANGELOG says what changed). `clusters` lists every
 * context asked for; with a single one, `context` and `server` are also at the top, as before
 * reports covered several clusters.
 */
export function toClusterJson(report: ClustersReport): object {
  const single = report.clusters.length === 1 ? report.clusters[0] : undefined;
  return {
    version: 2,
    ...(single && { context: single.context, server: single.server }),
    generatedAt: report.generatedAt,
    ...(report.cancelled && { partial: true }),
    pods: report.pods,
    clusters: report.clusters.map((c) => ({
      context: c.context,
      server: c.server,
      pods: c.pods,
      ...(c.partial && { partial: true }),
      ...(c.error !== undefined && { error: c.error }),
    })),
    sla: report.sla,
    images: report.images.map((image) => {
      const outcome = report.outcomes.get(image.reference);
      return {
        reference: image.reference,
        ...(image.digest && { digest: image.digest }),
        specImages: image.specImages,
        contexts: image.contexts,
        workloads: image.workloads,
        ...(image.workspace && { workspace: image.workspace }),
        ...(outcome?.ok && {
          vulnerabilities: outcome.scan.counts,
          details: outcome.scan.vulnerabilities.map((v) => ({
            id: v.id,
            severity: v.severity,
            package: v.package,
            installed: v.installed,
            fixed: v.fixed,
            status: v.status,
            ...(v.url && { url: v.url }),
          })),
        }),
      };
    }),
    findings: report.findings.map((f) => ({
      id: f.id,
      severity: f.severity,
      image: f.image,
      ...(f.digest && { digest: f.digest }),
      package: f.package,
      installed: f.installed,
      fixed: f.fixed,
      firstSeen: f.firstSeen,
      deadline: f.deadline,
      breached: f.breached,
      contexts: f.contexts,
      namespaces: f.namespaces,
      workloads: f.workloads,
    })),
    ...(report.drift && { drift: report.drift }),
    ...(report.eol && { eol: report.eol }),
    ...(report.stale && { stale: report.stale }),
    errors: report.errors,
  };
}

const CSV_COLUMNS = [
  'image',
  'digest',
  'namespaces',
  'workloads',
  'vulnerability',
  'severity',
  'package',
  'installed',
  'fixed',
  'first seen',
  'deadline',
  'breached',
  // Last, so that readers of the columns before it by position still find them.
  'contexts',
];

/** RFC 4180: quoted when needed, quotes doubled; a leading = + - @ is neutralised for spreadsheets. */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csv(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export function toClusterCsv(report: ClustersReport): string {
  const rows = report.findings.map((f) => [
    f.image,
    f.digest ?? '',
    f.namespaces.join(' '),
    f.workloads.join(' '),
    f.id,
    f.severity,
    f.package,
    f.installed,
    f.fixed.join(' '),
    f.firstSeen,
    f.deadline,
    String(f.breached),
    f.contexts.join(' '),
  ]);
  return csv([CSV_COLUMNS, ...rows]);
}

const HISTORY_COLUMNS = ['time', 'context', 'pods', 'images', ...TRIVY_SEVERITIES.map((s) => s.toLowerCase()), 'breached', 'partial'];

/** The history of runs as CSV: one row per run and cluster, oldest first. */
export function toHistoryCsv(history: readonly RunSummary[]): string {
  const rows = history.flatMap((run) =>
    run.clusters.map((c) => [
      run.at,
      c.context,
      String(c.pods),
      String(c.images),
      ...TRIVY_SEVERITIES.map((s) => String(c.findings[s])),
      String(c.breached),
      String(run.partial === true),
    ]),
  );
  return csv([HISTORY_COLUMNS, ...rows]);
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function clusterLine(c: ClusterRead): string {
  return `${c.context} (${c.server || 'no server'}): ${c.error !== undefined ? `not read: ${c.error}` : `${plural(c.pods, 'pod')}${c.partial ? ' (partial)' : ''}`}`;
}

export function toClusterMarkdown(report: ClustersReport): string {
  const several = report.clusters.length > 1;
  const breached = report.findings.filter((f) => f.breached);
  const where = several ? `${report.clusters.length} clusters` : md(report.clusters[0]?.server ?? '');
  const lines = [
    `# Shipshape cluster report: ${md(contextNames(report))}`,
    '',
    `${where} · ${report.generatedAt} · ${plural(report.pods, 'pod')} · ${plural(report.images.length, 'distinct image')} · ` +
      `${plural(report.findings.length, 'finding')}, ${breached.length} past their deadline`,
    '',
  ];
  if (several) {
    lines.push('| Cluster | Server | Pods |', '|---|---|---|');
    for (const c of report.clusters)
      lines.push(
        `| ${md(c.context)} | ${md(c.server)} | ${c.error !== undefined ? `not read: ${md(c.error)}` : `${c.pods}${c.partial ? ' (partial)' : ''}`} |`,
      );
    lines.push('');
  }
  lines.push(
    '| Severity | Findings | Days to fix |',
    '|---|---|---|',
    ...TRIVY_SEVERITIES.map((s) => `| ${s} | ${report.findings.filter((f) => f.severity === s).length} | ${report.sla[s]} |`),
    '',
    '## Past their deadline',
    '',
  );
  if (breached.length === 0) lines.push('None.');
  else {
    lines.push('| Vulnerability | Severity | Image | Package | Fixed in | Deadline | Workloads |', '|---|---|---|---|---|---|---|');
    for (const f of breached)
      lines.push(
        `| ${mdLink(f.id, f.url)} | ${f.severity} | ${mdCode(f.image)} | ${md(`${f.package} ${f.installed}`)} | ` +
          `${md(f.fixed.join(', ')) || 'no fix'} | ${day(f.deadline)} | ${md(f.workloads.join(', '))} |`,
      );
  }
  lines.push(
    '',
    '## Images',
    '',
    `| Image | Critical | High | Medium | Low | Workloads |${several ? ' Clusters |' : ''}`,
    `|---|---|---|---|---|---|${several ? '---|' : ''}`,
  );
  for (const image of report.images) {
    const c = counts(report, image.reference);
    const workloads = [
      ...new Set(image.workloads.map((w) => `${several && w.context ? `${w.context}/` : ''}${w.namespace}/${w.kind}/${w.name}`)),
    ];
    lines.push(
      `| ${mdCode(image.reference)} | ${c ? c.CRITICAL : '–'} | ${c ? c.HIGH : '–'} | ${c ? c.MEDIUM : '–'} | ${c ? c.LOW : '–'} | ` +
        `${md(workloads.join(', '))} |${several ? ` ${md(image.contexts.join(', '))} |` : ''}`,
    );
  }
  if (report.drift && report.drift.length > 0) {
    lines.push('', '## Pinned in the workspace, running another digest', '');
    for (const d of report.drift)
      lines.push(
        `- ${md(`${d.file}:${d.line}`)} pins ${mdCode(d.reference)}; running: ` +
          `${md(d.running.map((r) => `${r.context}/${r.namespace}/${r.workload} ${r.digest}`).join(', '))}`,
      );
  }
  if (report.eol && report.eol.length > 0) {
    lines.push('', '## Past or near their end of life', '');
    for (const e of report.eol) lines.push(`- ${md(`${e.severity}: ${e.message}`)} (${md(e.workloads.join(', '))})`);
  }
  if (report.stale && report.stale.length > 0) {
    lines.push('', '## Running a digest their tag no longer points to', '');
    for (const e of report.stale) lines.push(`- ${md(`${e.severity}: ${e.message}`)} (${md(e.workloads.join(', '))})`);
  }
  if (report.errors.length > 0) {
    lines.push('', '## Not scanned', '');
    for (const e of report.errors) lines.push(`- ${md(errorText(e, several))}`);
  }
  return `${lines.join('\n')}\n`;
}

export function toClusterTable(report: ClustersReport): string {
  const breached = report.findings.filter((f) => f.breached).length;
  const totals =
    `${plural(report.pods, 'pod')}, ${plural(report.images.length, 'distinct image')}, ${plural(report.findings.length, 'finding')}, ` +
    `${breached} past their deadline.`;
  const [only] = report.clusters;
  const lines =
    report.clusters.length === 1 && only
      ? [`Cluster ${printable(only.context)} (${printable(only.server)}): ${totals}`, '']
      : [`Clusters ${printable(contextNames(report))}: ${totals}`, ...report.clusters.map((c) => printable(`  ${clusterLine(c)}`)), ''];
  for (const f of report.findings) {
    lines.push(
      printable(
        `${f.breached ? 'BREACHED' : '        '}  ${f.severity.padEnd(8)}  ${f.id.padEnd(18)}  ${day(f.deadline)}  ${f.package} ${f.installed} -> ` +
          `${f.fixed.join(', ') || 'no fix'}  ${f.image}  (${f.workloads.join(', ')})`,
      ),
    );
  }
  for (const e of report.eol ?? []) lines.push(printable(`eol-image ${e.severity}: ${e.message} (${e.workloads.join(', ')})`));
  for (const e of report.stale ?? []) lines.push(printable(`stale-digest ${e.severity}: ${e.message} (${e.workloads.join(', ')})`));
  for (const d of report.drift ?? [])
    lines.push(
      printable(
        `drift: ${d.file}:${d.line} pins ${d.reference}; running ${d.running.map((r) => `${r.digest} in ${r.context}/${r.namespace}/${r.workload}`).join(', ')}`,
      ),
    );
  for (const e of report.errors) lines.push(printable(`not scanned: ${errorText(e, report.clusters.length > 1)}`));
  return `${lines.join('\n')}\n`;
}

/** A workspace file for SARIF: relative paths as they are (with forward slashes), absolute ones as file: URLs. */
function fileUri(file: string): string {
  return path.isAbsolute(file) ? pathToFileURL(file).href : file.split(path.sep).join('/');
}

/** SARIF 2.1.0; the tool version is this build's unless another is given. */
export function toClusterSarif(report: ClustersReport, version: string = VERSION): Sarif.Log {
  const level = (s: string): Sarif.Result.level => (s === 'CRITICAL' ? 'error' : s === 'HIGH' ? 'warning' : 'note');
  const findings: Sarif.Result[] = report.findings.map((f) => {
    const contexts = f.contexts;
    return {
      ruleId: 'vulnerable-image',
      level: level(f.severity),
      message: {
        text:
          `${f.id} (${f.severity}) in ${f.package} ${f.installed} of ${f.image}; ` +
          `${f.fixed.length ? `fixed in ${f.fixed.join(', ')}` : 'no fix'}; deadline ${day(f.deadline)}${f.breached ? ' (breached)' : ''}. Runs ` +
          `in ${f.workloads.join(', ')}${contexts.length > 0 ? ` (${contexts.length > 1 ? 'clusters' : 'cluster'} ${contexts.join(', ')})` : ''}.`,
      },
      locations: [{ logicalLocations: [{ name: f.image, kind: 'image' }] }],
      properties: { deadline: f.deadline, breached: f.breached, firstSeen: f.firstSeen, ...(f.digest && { digest: f.digest }), contexts },
    };
  });
  const drift: Sarif.Result[] = (report.drift ?? []).map((d) => ({
    ruleId: 'running-digest-drift',
    level: 'warning',
    message: {
      text:
        `${d.reference} is pinned here, while another digest runs: ` +
        `${d.running.map((r) => `${r.digest} in ${r.context}/${r.namespace}/${r.workload}`).join(', ')}.`,
    },
    locations: [{ physicalLocation: { artifactLocation: { uri: fileUri(d.file) }, region: { startLine: d.line } } }],
    properties: { contexts: [...new Set(d.running.map((r) => r.context))] },
  }));
  // eol-image and stale-digest on running images: the rule's own severity, the image as the pod spec writes it.
  const sarifLevel = (severity: Severity): Sarif.Result.level => (severity === 'info' ? 'note' : severity);
  const imageResult = (ruleId: string, e: ClusterEol | ClusterStale): Sarif.Result => ({
    ruleId,
    level: sarifLevel(e.severity),
    message: { text: `${e.message} Runs in ${e.workloads.join(', ')}.` },
    locations: [{ logicalLocations: [{ name: e.image, kind: 'image' }] }],
    properties: {
      reason: e.reason,
      workloads: e.workloads,
      contexts: e.contexts,
      ...('current' in e && { digest: e.digest, current: e.current }),
    },
  });
  const eol = (report.eol ?? []).map((e) => imageResult('eol-image', e));
  const stale = (report.stale ?? []).map((e) => imageResult('stale-digest', e));
  return {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: {
          driver: {
            name: 'Shipshape',
            version,
            rules: [
              { id: 'vulnerable-image', shortDescription: { text: 'Running image with a known vulnerability' } },
              ...(eol.length > 0 ? [{ id: 'eol-image', shortDescription: { text: 'Running image past or near its end of life' } }] : []),
              ...(stale.length > 0
                ? [{ id: 'stale-digest', shortDescription: { text: 'Running digest its tag no longer points to' } }]
                : []),
              ...(drift.length > 0
                ? [
                    {
                      id: 'running-digest-drift',
                      shortDescription: { text: 'Image pinned in the workspace to another digest than the one running' },
                    },
                  ]
                : []),
            ],
          },
        },
        results: [...findings, ...eol, ...stale, ...drift],
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: report.errors.map((e) => ({
              level: 'warning' as const,
              message: { text: errorText(e, report.clusters.length > 1) },
              ...(e.context !== undefined && { properties: { context: e.context } }),
            })),
          },
        ],
      },
    ],
  };
}
