// Cluster reports: a terminal table, JSON, CSV, SARIF 2.1.0 and Markdown.

import type * as Sarif from 'sarif';
import { markdownCode as mdCode, markdownLink as mdLink, markdownText as md } from '../output/markdown.js';
import { printable } from '../output/printable.js';
import { TRIVY_SEVERITIES, type VulnerabilityCounts } from '../trivy/types.js';
import { VERSION } from '../version.js';
import type { ClusterReport } from './scanCluster.js';

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
export function renderClusterReport(report: ClusterReport, format: ClusterFormat): string {
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

function counts(report: ClusterReport, reference: string): VulnerabilityCounts | undefined {
  const outcome = report.outcomes.get(reference);
  return outcome?.ok ? outcome.scan.counts : undefined;
}

export function toClusterJson(report: ClusterReport): object {
  return {
    version: 1,
    context: report.context,
    server: report.server,
    generatedAt: report.generatedAt,
    ...(report.cancelled && { partial: true }),
    pods: report.pods,
    sla: report.sla,
    images: report.images.map((image) => {
      const outcome = report.outcomes.get(image.reference);
      return {
        reference: image.reference,
        ...(image.digest && { digest: image.digest }),
        specImages: image.specImages,
        workloads: image.workloads,
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
      namespaces: f.namespaces,
      workloads: f.workloads,
    })),
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
];

/** RFC 4180: quoted when needed, quotes doubled; a leading = + - @ is neutralised for spreadsheets. */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toClusterCsv(report: ClusterReport): string {
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
  ]);
  return [CSV_COLUMNS, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

export function toClusterMarkdown(report: ClusterReport): string {
  const breached = report.findings.filter((f) => f.breached);
  const lines = [
    `# Shipshape cluster report: ${md(report.context)}`,
    '',
    `${md(report.server)} · ${report.generatedAt} · ${report.pods} pods · ${report.images.length} distinct images · ${report.findings.length} ` +
      `findings, ${breached.length} past their deadline`,
    '',
    '| Severity | Findings | Days to fix |',
    '|---|---|---|',
    ...TRIVY_SEVERITIES.map((s) => `| ${s} | ${report.findings.filter((f) => f.severity === s).length} | ${report.sla[s]} |`),
    '',
    '## Past their deadline',
    '',
  ];
  if (breached.length === 0) lines.push('None.');
  else {
    lines.push('| Vulnerability | Severity | Image | Package | Fixed in | Deadline | Workloads |', '|---|---|---|---|---|---|---|');
    for (const f of breached)
      lines.push(
        `| ${mdLink(f.id, f.url)} | ${f.severity} | ${mdCode(f.image)} | ${md(`${f.package} ${f.installed}`)} | ` +
          `${md(f.fixed.join(', ')) || 'no fix'} | ${day(f.deadline)} | ${md(f.workloads.join(', '))} |`,
      );
  }
  lines.push('', '## Images', '', '| Image | Critical | High | Medium | Low | Workloads |', '|---|---|---|---|---|---|');
  for (const image of report.images) {
    const c = counts(report, image.reference);
    const workloads = [...new Set(image.workloads.map((w) => `${w.namespace}/${w.kind}/${w.name}`))];
    lines.push(
      `| ${mdCode(image.reference)} | ${c ? c.CRITICAL : '–'} | ${c ? c.HIGH : '–'} | ${c ? c.MEDIUM : '–'} | ${c ? c.LOW : '–'} | ` +
        `${md(workloads.join(', '))} |`,
    );
  }
  if (report.errors.length > 0) {
    lines.push('', '## Not scanned', '');
    for (const e of report.errors) lines.push(`- ${md(e.image ?? e.namespace ?? '')}${e.image || e.namespace ? ': ' : ''}${md(e.message)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function toClusterTable(report: ClusterReport): string {
  const breached = report.findings.filter((f) => f.breached).length;
  const lines = [
    `Cluster ${printable(report.context)} (${printable(report.server)}): ${report.pods} pods, ${report.images.length} distinct images, ` +
      `${report.findings.length} findings, ${breached} past their deadline.`,
    '',
  ];
  for (const f of report.findings) {
    lines.push(
      printable(
        `${f.breached ? 'BREACHED' : '        '}  ${f.severity.padEnd(8)}  ${f.id.padEnd(18)}  ${day(f.deadline)}  ${f.package} ${f.installed} -> ` +
          `${f.fixed.join(', ') || 'no fix'}  ${f.image}  (${f.workloads.join(', ')})`,
      ),
    );
  }
  for (const e of report.errors) lines.push(printable(`not scanned: ${e.image ?? e.namespace ?? ''}: ${e.message}`));
  return `${lines.join('\n')}\n`;
}

/** SARIF 2.1.0; the tool version is this build's unless another is given. */
export function toClusterSarif(report: ClusterReport, version: string = VERSION): Sarif.Log {
  const level = (s: string): Sarif.Result.level => (s === 'CRITICAL' ? 'error' : s === 'HIGH' ? 'warning' : 'note');
  return {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: {
          driver: {
            name: 'Shipshape',
            version,
            rules: [{ id: 'vulnerable-image', shortDescription: { text: 'Running image with a known vulnerability' } }],
          },
        },
        results: report.findings.map((f) => ({
          ruleId: 'vulnerable-image',
          level: level(f.severity),
          message: {
            text:
              `${f.id} (${f.severity}) in ${f.package} ${f.installed} of ${f.image}; ` +
              `${f.fixed.length ? `fixed in ${f.fixed.join(', ')}` : 'no fix'}; deadline ${day(f.deadline)}${f.breached ? ' (breached)' : ''}. Runs ` +
              `in ${f.workloads.join(', ')}.`,
          },
          locations: [{ logicalLocations: [{ name: f.image, kind: 'image' }] }],
          properties: { deadline: f.deadline, breached: f.breached, firstSeen: f.firstSeen, ...(f.digest && { digest: f.digest }) },
        })),
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: report.errors.map((e) => ({
              level: 'warning' as const,
              message: { text: `${e.image ?? e.namespace ?? ''}: ${e.message}` },
            })),
          },
        ],
      },
    ],
  };
}
