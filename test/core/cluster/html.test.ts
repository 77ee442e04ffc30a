// The cluster report page (webview) and Markdown: the chart and breach list are right, and
// hostile cluster data (image names, package names, URLs) cannot inject markup or links.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DeadlineState, DEFAULT_SLA } from '../../../src/core/cluster/deadlines.js';
import { clusterFindings } from '../../../src/core/cluster/findings.js';
import { toClusterHtml } from '../../../src/core/cluster/html.js';
import type { RunningImage } from '../../../src/core/cluster/types.js';
import { toClusterMarkdown } from '../../../src/core/cluster/reports.js';
import type { ClustersReport } from '../../../src/core/cluster/scanClusters.js';
import type { RunSummary } from '../../../src/core/cluster/deadlines.js';
import type { ScanOutcome, Vulnerability } from '../../../src/core/index.js';

const HOSTILE = '<img src=x onerror=alert(1)>|`evil`';
const digest = `sha256:${'2'.repeat(64)}`;

function report(overrides: Partial<ClustersReport> = {}): ClustersReport {
  const images: RunningImage[] = [
    {
      reference: `registry.example/app${HOSTILE}@${digest}`,
      digest,
      specImages: ['app:1'],
      workloads: [
        {
          context: `prod${HOSTILE}`,
          namespace: 'shop',
          kind: 'Deployment',
          name: `web${HOSTILE}`,
          pod: 'web-1',
          container: 'web',
          containerType: 'containers',
        },
      ],
      contexts: [`prod${HOSTILE}`],
    },
  ];
  const v = (id: string, severity: Vulnerability['severity'], url?: string, publishedDate?: string): Vulnerability => ({
    id,
    severity,
    package: `openssl${HOSTILE}`,
    installed: '1.0',
    fixed: ['1.1'],
    status: 'fixed',
    ...(url && { url }),
    ...(publishedDate && { publishedDate }),
  });
  const vulnerabilities = [
    v('CVE-2024-0001', 'CRITICAL', 'https://avd.aquasec.com/nvd/cve-2024-0001', '2020-01-01T00:00:00Z'),
    v('CVE-2024-0002', 'CRITICAL', 'javascript:alert(1)', '2020-01-01T00:00:00Z'),
    v('CVE-2024-0003', 'HIGH', 'https://avd.aquasec.com/nvd/cve-2024-0003'),
    v('CVE-2024-0004', 'LOW'),
    v('CVE-2024-0005', 'LOW'),
  ];
  const counts = { CRITICAL: 2, HIGH: 1, MEDIUM: 0, LOW: 2, UNKNOWN: 0 };
  const outcomes = new Map<string, ScanOutcome>([
    [images[0]!.reference, { ok: true, scan: { reference: images[0]!.reference, vulnerabilities, counts, scannedAt: 0 } }],
  ]);
  const now = new Date('2026-06-01T00:00:00Z');
  const findings = clusterFindings(images, outcomes, { sla: DEFAULT_SLA, state: new DeadlineState(undefined), now, fromPublished: true });
  return {
    generatedAt: now.toISOString(),
    clusters: [{ context: `prod${HOSTILE}`, server: 'https://k8s.example:6443', pods: 3 }],
    pods: 3,
    images,
    outcomes,
    findings,
    errors: [{ image: `other${HOSTILE}`, message: `scan failed ${HOSTILE}` }],
    sla: DEFAULT_SLA,
    cancelled: false,
    ...overrides,
  };
}

const options = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/report.css',
};

describe('the cluster report page', () => {
  test('counts read as words: one pod, one image, one finding of a severity, in the singular', () => {
    const html = toClusterHtml(report({ pods: 1 }), options);
    assert.match(html, /1 pod · 1 distinct image · 5 findings · /);
    assert.match(html, /<title>1 HIGH finding<\/title>/);
    assert.match(html, /<title>2 CRITICAL findings<\/title>/);
    assert.doesNotMatch(html, /\b1 (pods|distinct images|findings|HIGH findings)\b/);
  });

  test('a strict content security policy: no script, styles only from the extension', () => {
    const html = toClusterHtml(report(), options);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    assert.ok(csp);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'none'/);
    assert.match(csp, new RegExp(`style-src ${options.cspSource.replace(/[.+]/g, '\\$&')}(;|$)`));
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /\sstyle=/i, 'no inline styles (the policy would block them)');
    assert.match(html, /<link rel="stylesheet" href="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/media\/report\.css">/);
  });

  test('the chart counts findings per severity and the breached part of each', () => {
    const html = toClusterHtml(report(), options);
    const bars = [...html.matchAll(/data-severity="(\w+)" data-total="(\d+)" data-breached="(\d+)"/g)].map((m) => [
      m[1],
      Number(m[2]),
      Number(m[3]),
    ]);
    // From publication in 2020, the two CRITICAL are long past their 7 days; the others (no date) are not.
    assert.deepEqual(bars, [
      ['CRITICAL', 2, 2],
      ['HIGH', 1, 0],
      ['MEDIUM', 0, 0],
      ['LOW', 2, 0],
      ['UNKNOWN', 0, 0],
    ]);
  });

  test('the breach list holds exactly the breached findings, with their deadlines', () => {
    const html = toClusterHtml(report(), options);
    assert.match(html, /<h2>Past their deadline \(2\)<\/h2>/);
    const rows = [...html.matchAll(/<tr><td>(?:<a href="[^"]*">)?(CVE-[\d-]+)/g)].map((m) => m[1]);
    assert.deepEqual(rows, ['CVE-2024-0001', 'CVE-2024-0002']);
    assert.match(html, /<td class="deadline">2020-01-08<\/td>/);
    const none = toClusterHtml(report({ findings: [] }), options);
    assert.match(none, /None: every finding is within its deadline/);
  });

  test('hostile names are text, not markup; only https links', () => {
    const html = toClusterHtml(report(), options);
    assert.doesNotMatch(html, /<img/);
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;|`evil`'));
    assert.match(html, /<a href="https:\/\/avd\.aquasec\.com\/nvd\/cve-2024-0001">CVE-2024-0001<\/a>/);
    assert.doesNotMatch(html, /javascript:/);
    assert.match(html, /<title>Shipshape: prod&lt;img/);
  });

  test('a cancelled scan says the report is partial', () => {
    assert.doesNotMatch(toClusterHtml(report(), options), /partial/);
    assert.match(toClusterHtml(report({ cancelled: true }), options), /The scan was cancelled: this report is partial/);
  });
});

describe('the last runs on the report page', () => {
  const counts = (critical: number, high: number) => ({ CRITICAL: critical, HIGH: high, MEDIUM: 0, LOW: 1, UNKNOWN: 0 });
  const history: RunSummary[] = [
    { at: '2026-05-30T06:00:00.000Z', clusters: [{ context: `prod${HOSTILE}`, pods: 3, images: 1, findings: counts(1, 1), breached: 0 }] },
    {
      at: '2026-05-31T06:00:00.000Z',
      partial: true,
      clusters: [
        { context: `prod${HOSTILE}`, pods: 3, images: 1, findings: counts(2, 1), breached: 1 },
        { context: 'elsewhere', pods: 9, images: 9, findings: counts(50, 50), breached: 9 },
      ],
    },
    { at: '2026-06-01T00:00:00.000Z', clusters: [{ context: 'elsewhere', pods: 9, images: 9, findings: counts(50, 50), breached: 9 }] },
  ];

  test("an inline chart of this report's clusters in each run: counts, breaches and partial runs; no script, no inline style", () => {
    const html = toClusterHtml(report({ history }), options);
    assert.match(html, /<h2>Last runs<\/h2>\n<svg class="chart history" role="img" aria-label="Findings in the last 2 runs"/);
    const runs = [...html.matchAll(/<g class="run( partial)?" data-at="([^"]+)" data-total="(\d+)" data-breached="(\d+)"/g)].map((m) => [
      m[2],
      Number(m[3]),
      Number(m[4]),
      m[1] === ' partial',
    ]);
    assert.deepEqual(runs, [
      ['2026-05-30T06:00:00.000Z', 3, 0, false],
      ['2026-05-31T06:00:00.000Z', 4, 1, true],
    ]);
    assert.match(
      html,
      /<title>2026-05-31 06:00 UTC: 2 CRITICAL, 1 HIGH, 0 MEDIUM, 1 LOW, 0 UNKNOWN; 1 past their deadline \(partial run\)<\/title>/,
    );
    assert.match(html, /<polyline class="breached" points="\d+,\d+ \d+,\d+"/);
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /\sstyle=/i);
    assert.doesNotMatch(toClusterHtml(report(), options), /Last runs/, 'no history, no chart');
    // The options' history wins over the report's.
    assert.match(toClusterHtml(report({ history }), { ...options, history: history.slice(0, 1) }), /Findings in the last 1 runs/);
  });

  test('everything read from the state file is escaped', () => {
    const hostile: RunSummary[] = [{ ...history[0]!, at: `2026-05-30T06:00:00.000Z"><script>alert(1)</script>` }];
    const html = toClusterHtml(report({ history: hostile }), options);
    assert.doesNotMatch(html, /<script/i);
    assert.match(html, /data-at="2026-05-30T06:00:00\.000Z&quot;&gt;&lt;script&gt;/);
  });

  test('several clusters: each named with its server, one not read says why', () => {
    const single = report();
    const several: ClustersReport = {
      generatedAt: single.generatedAt,
      clusters: [
        { context: `prod${HOSTILE}`, server: 'https://prod', pods: 3 },
        { context: 'gone', server: 'https://gone', pods: 0, error: `unreachable ${HOSTILE}` },
      ],
      pods: 3,
      images: single.images.map((i) => ({ ...i, contexts: [`prod${HOSTILE}`] })),
      outcomes: single.outcomes,
      findings: single.findings,
      errors: [{ context: 'gone', message: `unreachable ${HOSTILE}` }],
      sla: DEFAULT_SLA,
      cancelled: false,
    };
    const html = toClusterHtml(several, options);
    assert.match(html, /<h1>Clusters <span class="context">prod&lt;img src=x onerror=alert\(1\)&gt;\|`evil`, gone<\/span><\/h1>/);
    assert.match(html, /<li><span class="context">gone<\/span> https:\/\/gone: not read \(unreachable &lt;img/);
    assert.match(html, /<li>cluster gone: unreachable &lt;img/);
    assert.doesNotMatch(html, /<img/);
  });
});

describe('the Markdown report with hostile cluster data', () => {
  test('no table cell is broken, no HTML or link is made', () => {
    const markdown = toClusterMarkdown(report());
    assert.doesNotMatch(markdown, /(?<!\\)<img/, 'every < is escaped');
    assert.ok(markdown.includes('\\<img src=x onerror=alert\\(1\\)\\>'));
    assert.doesNotMatch(markdown, /\]\(javascript:/);
    assert.match(markdown, /\[CVE-2024-0001\]\(https:\/\/avd\.aquasec\.com\/nvd\/cve-2024-0001\)/);
    const breachRows = markdown.split('\n').filter((l) => l.startsWith('| CVE-') || l.startsWith('| [CVE-'));
    assert.equal(breachRows.length, 2);
    for (const row of breachRows) {
      // Seven columns: eight unescaped pipes.
      assert.equal(row.match(/(?<!\\)\|/g)!.length, 8, row);
    }
  });
});
