// eol-image on what clusters run: the tags the pod specs write, judged by the files' rule at the
// report's date, in the JSON, Markdown, table, SARIF and HTML (the editor's report page) reports;
// and stale-digest entries (found by stale.ts against a registry) in the SARIF beside them.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DEFAULT_SLA } from '../../../src/core/cluster/deadlines.js';
import { clusterEol } from '../../../src/core/cluster/eol.js';
import { toClusterJson, toClusterMarkdown, toClusterSarif, toClusterTable } from '../../../src/core/cluster/reports.js';
import type { ClusterStale } from '../../../src/core/cluster/stale.js';
import { toClusterHtml } from '../../../src/core/cluster/html.js';
import type { ClustersReport } from '../../../src/core/cluster/scanClusters.js';
import type { RunningImage } from '../../../src/core/cluster/types.js';
import { eolImageFindings } from '../../../src/core/rules/eolImage.js';
import { analyze } from '../../../src/core/index.js';
import { sarifValidator } from '../../support/sarif.js';

const NOW = Date.parse('2026-12-01T00:00:00Z');
const workload = (name: string, context = 'prod') =>
  ({ namespace: 'shop', kind: 'Deployment', name, pod: `${name}-1`, container: 'app', containerType: 'containers', context }) as const;

const RUNNING: RunningImage[] = [
  {
    reference: 'docker.io/library/node@sha256:' + 'a'.repeat(64),
    digest: 'sha256:' + 'a'.repeat(64),
    specImages: ['node:16-bullseye'],
    workloads: [workload('web'), workload('api')],
    contexts: ['prod'],
  },
  {
    reference: 'nginx@sha256:' + 'b'.repeat(64),
    specImages: ['nginx@sha256:' + 'b'.repeat(64)],
    workloads: [workload('edge')],
    contexts: ['prod'],
  },
  { reference: 'registry.lan/team/app:1', specImages: ['registry.lan/team/app:1'], workloads: [workload('app')], contexts: ['prod'] },
];

/** A report of one cluster running RUNNING, with nothing else found in it. */
const BASE_REPORT: ClustersReport = {
  generatedAt: '2026-12-01T00:00:00.000Z',
  clusters: [{ context: 'prod', server: 'https://x', pods: 4 }],
  pods: 4,
  images: RUNNING,
  outcomes: new Map(),
  findings: [],
  errors: [],
  sla: DEFAULT_SLA,
  cancelled: false,
};

describe('eol-image in cluster reports', () => {
  test('a running image past its end of life is flagged with what the files would say of the same tag', () => {
    const eol = clusterEol(RUNNING, { now: NOW });
    assert.deepEqual(
      eol.map((e) => [e.image, e.reason, e.severity, e.workloads]),
      [['node:16-bullseye', 'end-of-life', 'warning', ['shop/Deployment/api', 'shop/Deployment/web']]],
    );
    const [file] = eolImageFindings(analyze('FROM node:16-bullseye\nUSER 1\n', 'dockerfile', {}).images, { now: NOW });
    assert.ok(file);
    assert.equal(eol[0]!.message, file.message);
    assert.equal(eol[0]!.suggestion, file.suggestion);
  });

  test('none without a date, or with the rule off', () => {
    assert.deepEqual(clusterEol(RUNNING, {}), []);
    assert.deepEqual(clusterEol(RUNNING, { now: NOW, rules: { 'eol-image': { enabled: false } } }), []);
  });

  test('the reports list them', () => {
    const eol = clusterEol(RUNNING, { now: NOW });
    const report: ClustersReport = { ...BASE_REPORT, eol };
    assert.deepEqual((toClusterJson(report) as { eol: unknown }).eol, eol);
    assert.match(
      toClusterMarkdown(report),
      /## Past or near their end of life\n\n- warning: .*node:16-bullseye.* \(shop\/Deployment\/api, shop\/Deployment\/web\)/,
    );
    const html = toClusterHtml(report, { cspSource: 'vscode-resource:', styleUri: 'report.css' });
    assert.match(html, /<h2>Past or near their end of life \(1\)<\/h2><ul class="eol"><li class="warning">`node:16-bullseye`: Node\.js 16/);
    assert.match(
      toClusterTable(report),
      /^eol-image warning: `node:16-bullseye`: Node\.js 16 .* \(shop\/Deployment\/api, shop\/Deployment\/web\)$/m,
    );
  });

  test('SARIF has a result for each running image past its end of life and each stale running digest, with its rule', () => {
    const eol = clusterEol(RUNNING, { now: NOW });
    const stale: ClusterStale = {
      image: 'registry.lan/team/app:1',
      digest: 'sha256:' + 'c'.repeat(64),
      current: 'sha256:' + 'd'.repeat(64),
      reason: 'rebuilt',
      severity: 'warning',
      platform: 'linux/amd64',
      message: '`registry.lan/team/app:1` runs a digest its tag no longer points to.',
      workloads: ['shop/Deployment/app'],
      contexts: ['prod'],
    };
    const sarif = toClusterSarif({ ...BASE_REPORT, eol, stale: [stale, { ...stale, reason: 'republished', severity: 'info' }] });
    const valid = sarifValidator();
    assert.ok(valid(sarif), JSON.stringify(valid.errors));
    const [run] = sarif.runs;
    assert.deepEqual(
      run!.results!.map((r) => [r.ruleId, r.level, r.locations![0]!.logicalLocations![0]!.name, r.properties!['reason']]),
      [
        ['eol-image', 'warning', 'node:16-bullseye', 'end-of-life'],
        ['stale-digest', 'warning', 'registry.lan/team/app:1', 'rebuilt'],
        ['stale-digest', 'note', 'registry.lan/team/app:1', 'republished'],
      ],
    );
    assert.match(run!.results![0]!.message.text!, /Node\.js 16.* Runs in shop\/Deployment\/api, shop\/Deployment\/web\.$/);
    assert.equal(run!.results![1]!.properties!['current'], stale.current);
    assert.deepEqual(
      run!.tool.driver.rules!.map((r) => r.id),
      ['vulnerable-image', 'eol-image', 'stale-digest'],
    );
    // Nothing past its end nor stale: no such rule, no such result.
    const [quiet] = toClusterSarif(BASE_REPORT).runs;
    assert.deepEqual(quiet!.results, []);
    assert.deepEqual(
      quiet!.tool.driver.rules!.map((r) => r.id),
      ['vulnerable-image'],
    );
  });
});
