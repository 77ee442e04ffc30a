// Cluster reports: CSV, JSON, Markdown, and the format chosen by name or file.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DeadlineState, DEFAULT_SLA } from '../../../src/core/cluster/deadlines.js';
import { clusterFindings } from '../../../src/core/cluster/findings.js';
import {
  clusterFormatOfFile,
  renderClusterReport,
  toClusterCsv,
  toClusterJson,
  toClusterMarkdown,
  toClusterSarif,
  toClusterTable,
  toHistoryCsv,
} from '../../../src/core/cluster/reports.js';
import type { ClustersReport } from '../../../src/core/cluster/scanClusters.js';
import type { RunningImage } from '../../../src/core/cluster/types.js';
import { VERSION } from '../../../src/core/index.js';
import { images, outcomes, scan, v } from '../../support/cluster.js';

describe('cluster reports', () => {
  test('counts read as words: "1 pod · 1 distinct image · 1 finding", never "1 findings"', () => {
    const one = [images[0]!];
    const single = new Map([[one[0]!.reference, scan([v('CVE-ONE', 'HIGH')])]]);
    const findings = clusterFindings(one, single, {
      sla: DEFAULT_SLA,
      state: new DeadlineState(undefined),
      now: new Date('2026-01-01T00:00:00Z'),
    });
    const report: ClustersReport = {
      generatedAt: '2026-01-01T00:00:00.000Z',
      clusters: [{ context: 'kind', server: 'https://x', pods: 1 }],
      pods: 1,
      images: one,
      outcomes: single,
      findings,
      errors: [],
      sla: DEFAULT_SLA,
      cancelled: false,
    };
    const markdown = toClusterMarkdown(report);
    assert.match(markdown, / · 1 pod · 1 distinct image · 1 finding, 0 past their deadline/);
    const table = toClusterTable(report);
    assert.match(table, /1 pod, 1 distinct image, 1 finding, 0 past their deadline\./);
    for (const text of [markdown, table]) assert.doesNotMatch(text, /\b1 (pods|distinct images|findings)\b/);
  });

  test('CSV has the documented columns, quotes what needs it, and defuses formulas', () => {
    const state = new DeadlineState(undefined);
    const findings = clusterFindings(images, outcomes, { sla: DEFAULT_SLA, state, now: new Date('2026-01-01T00:00:00Z') });
    const report: ClustersReport = {
      generatedAt: '2026-01-01T00:00:00.000Z',
      clusters: [{ context: 'kind', server: 'https://x', pods: 1 }],
      pods: 1,
      images,
      outcomes,
      findings,
      errors: [{ image: '=cmd', message: 'a "quoted", message' }],
      sla: DEFAULT_SLA,
      cancelled: false,
    };
    const csv = toClusterCsv(report);
    assert.equal(
      csv.split('\r\n')[0],
      'image,digest,namespaces,workloads,vulnerability,severity,package,installed,fixed,first seen,deadline,breached,contexts',
    );
    assert.match(csv.split('\r\n')[1]!, /,false,kind$/, 'the context of a one-cluster report is its own');
    assert.equal(csv.split('\r\n').length, 5);
    const json = toClusterJson(report) as {
      findings: { id: string; breached: boolean; firstSeen: string }[];
      images: { vulnerabilities: object }[];
    };
    assert.deepEqual(
      json.findings.map((f) => f.id),
      ['CVE-CRIT', 'CVE-HIGH', 'CVE-LOW'],
    );
    assert.deepEqual(json.images[0]!.vulnerabilities, { CRITICAL: 1, HIGH: 1, MEDIUM: 0, LOW: 1, UNKNOWN: 0 });
    const markdown = toClusterMarkdown(report);
    assert.match(markdown, /^# Shipshape cluster report: kind/);
    assert.match(markdown, /## Not scanned\n\n- =cmd: a "quoted", message/);
    const hostile = new Map([
      [images[0]!.reference, scan([{ ...v('CVE-X', 'LOW'), package: '=HYPERLINK("http://x")', installed: '1,2' }])],
    ]);
    const hostileCsv = toClusterCsv({
      ...report,
      findings: clusterFindings(images, hostile, { sla: DEFAULT_SLA, state, now: new Date() }),
    });
    assert.match(hostileCsv, /,"'=HYPERLINK\(""http:\/\/x""\)","1,2",/);
  });

  test('one renderer for every format: the CLI names it, the editor takes it from the file name', () => {
    const state = new DeadlineState(undefined);
    const findings = clusterFindings(images, outcomes, { sla: DEFAULT_SLA, state, now: new Date('2026-01-01T00:00:00Z') });
    const report: ClustersReport = {
      generatedAt: '2026-01-01T00:00:00.000Z',
      clusters: [{ context: 'kind', server: 'https://x', pods: 1 }],
      pods: 1,
      images,
      outcomes,
      findings,
      errors: [],
      sla: DEFAULT_SLA,
      cancelled: false,
    };
    assert.deepEqual(['report.csv', 'out/Report.JSON', 'x.sarif', 'notes.md', 'report.markdown', 'report'].map(clusterFormatOfFile), [
      'csv',
      'json',
      'sarif',
      'markdown',
      'markdown',
      'csv',
    ]);
    assert.equal(renderClusterReport(report, 'csv'), toClusterCsv(report));
    assert.deepEqual(JSON.parse(renderClusterReport(report, 'json')), toClusterJson(report));
    assert.equal(renderClusterReport(report, 'markdown'), toClusterMarkdown(report));
    assert.match(
      renderClusterReport(report, 'table'),
      /^Cluster kind \(https:\/\/x\): 1 pod, 1 distinct image, 3 findings, 0 past their deadline\./,
    );
    const sarif = JSON.parse(renderClusterReport(report, 'sarif')) as ReturnType<typeof toClusterSarif>;
    // The build's own version (SHIPSHAPE_VERSION), not a number written into the code.
    assert.equal(sarif.runs[0]!.tool.driver.version, VERSION);
    assert.equal(toClusterSarif(report, '9.9.9').runs[0]!.tool.driver.version, '9.9.9');
  });

  test('a report of several clusters: each cluster listed (one not read), workloads and findings named with their context', () => {
    const state = new DeadlineState(undefined);
    const running: RunningImage[] = [
      {
        ...images[0]!,
        contexts: ['east', 'west'],
        workloads: [
          { ...images[0]!.workloads[0]!, context: 'east' },
          { ...images[0]!.workloads[0]!, context: 'west', namespace: 'web' },
        ],
      },
    ];
    const findings = clusterFindings(running, outcomes, { sla: DEFAULT_SLA, state, now: new Date('2026-01-01T00:00:00Z'), qualify: true });
    assert.deepEqual(findings[0]!.workloads, ['east/shop/Deployment/web', 'west/web/Deployment/web']);
    assert.deepEqual(findings[0]!.contexts, ['east', 'west']);
    const report: ClustersReport = {
      generatedAt: '2026-01-01T00:00:00.000Z',
      clusters: [
        { context: 'east', server: 'https://east', pods: 1 },
        { context: 'west', server: 'https://west', pods: 1, partial: true },
        { context: 'gone', server: 'https://gone', pods: 0, error: 'Could not reach the cluster' },
      ],
      pods: 2,
      images: running,
      outcomes,
      findings,
      errors: [{ context: 'gone', message: 'Could not reach the cluster' }],
      sla: DEFAULT_SLA,
      cancelled: false,
    };
    const json = toClusterJson(report) as { context?: string; clusters: object[]; errors: object[]; findings: { contexts: string[] }[] };
    assert.equal(json.context, undefined);
    assert.deepEqual(json.clusters, [
      { context: 'east', server: 'https://east', pods: 1 },
      { context: 'west', server: 'https://west', pods: 1, partial: true },
      { context: 'gone', server: 'https://gone', pods: 0, error: 'Could not reach the cluster' },
    ]);
    assert.deepEqual(json.errors, [{ context: 'gone', message: 'Could not reach the cluster' }]);
    assert.match(
      toClusterTable(report),
      /^Clusters east, west, gone: 2 pods, 1 distinct image, 3 findings, 0 past their deadline\.\n {2}east \(https:\/\/east\): 1 pod\n {2}west \(https:\/\/west\): 1 pod \(partial\)\n {2}gone \(https:\/\/gone\): not read: Could not reach the cluster\n/,
    );
    assert.match(toClusterTable(report), /\nnot scanned: cluster gone: Could not reach the cluster\n$/);
    const markdown = toClusterMarkdown(report);
    assert.match(markdown, /^# Shipshape cluster report: east, west, gone\n\n3 clusters · /);
    assert.match(markdown, /\| gone \| https:\/\/gone \| not read: Could not reach the cluster \|/);
    const sarif = toClusterSarif(report);
    assert.equal(sarif.runs[0]!.invocations![0]!.toolExecutionNotifications![0]!.message.text, 'cluster gone: Could not reach the cluster');
    assert.match(sarif.runs[0]!.results![0]!.message.text!, /\(clusters east, west\)\.$/);
    assert.match(toClusterCsv(report).split('\r\n')[1]!, /,east\/shop\/Deployment\/web west\/web\/Deployment\/web,.*,east west$/);
  });

  test('the history as CSV: one row per run and cluster, oldest first, partial runs said', () => {
    const counts = { CRITICAL: 1, HIGH: 2, MEDIUM: 3, LOW: 4, UNKNOWN: 0 };
    const csv = toHistoryCsv([
      { at: '2026-01-01T06:00:00.000Z', clusters: [{ context: 'east', pods: 10, images: 4, findings: counts, breached: 1 }] },
      {
        at: '2026-01-02T06:00:00.000Z',
        partial: true,
        clusters: [
          { context: '=east', pods: 11, images: 5, findings: counts, breached: 0 },
          { context: 'west,1', pods: 3, images: 1, findings: counts, breached: 0 },
        ],
      },
    ]);
    assert.deepEqual(csv.split('\r\n'), [
      'time,context,pods,images,critical,high,medium,low,unknown,breached,partial',
      '2026-01-01T06:00:00.000Z,east,10,4,1,2,3,4,0,1,false',
      "2026-01-02T06:00:00.000Z,'=east,11,5,1,2,3,4,0,0,true",
      '2026-01-02T06:00:00.000Z,"west,1",3,1,1,2,3,4,0,0,true',
      '',
    ]);
    assert.equal(toHistoryCsv([]), 'time,context,pods,images,critical,high,medium,low,unknown,breached,partial\r\n');
  });
});
