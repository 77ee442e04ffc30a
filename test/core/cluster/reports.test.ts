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
} from '../../../src/core/cluster/reports.js';
import { VERSION } from '../../../src/core/index.js';
import { images, outcomes, scan, v } from '../../support/cluster.js';

describe('cluster reports', () => {
  test('CSV has the documented columns, quotes what needs it, and defuses formulas', () => {
    const state = new DeadlineState(undefined);
    const findings = clusterFindings(images, outcomes, { sla: DEFAULT_SLA, state, now: new Date('2026-01-01T00:00:00Z') });
    const report = {
      context: 'kind',
      server: 'https://x',
      generatedAt: '2026-01-01T00:00:00.000Z',
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
      'image,digest,namespaces,workloads,vulnerability,severity,package,installed,fixed,first seen,deadline,breached',
    );
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
    const report = {
      context: 'kind',
      server: 'https://x',
      generatedAt: '2026-01-01T00:00:00.000Z',
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
      /^Cluster kind \(https:\/\/x\): 1 pods, 1 distinct images, 3 findings, 0 past their deadline\./,
    );
    const sarif = JSON.parse(renderClusterReport(report, 'sarif')) as ReturnType<typeof toClusterSarif>;
    // The build's own version (SHIPSHAPE_VERSION), not a number written into the code.
    assert.equal(sarif.runs[0]!.tool.driver.version, VERSION);
    assert.equal(toClusterSarif(report, '9.9.9').runs[0]!.tool.driver.version, '9.9.9');
  });
});
