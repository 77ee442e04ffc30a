// What runs, seen from the workspace: the CodeLens line of an image, its tooltip, the drift
// message and the places a running image is written.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DEFAULT_SLA } from '../../../src/core/cluster/deadlines.js';
import type { WorkspaceFile } from '../../../src/core/cluster/drift.js';
import type { ClusterFinding } from '../../../src/core/cluster/findings.js';
import { driftText, placesOf, runsAt, runsText, runsTooltip, type RunsHere } from '../../../src/core/cluster/lens.js';
import type { ClustersReport } from '../../../src/core/cluster/scanClusters.js';
import type { RunningImage, RunningWorkload } from '../../../src/core/cluster/types.js';
import { analyze } from '../../../src/core/index.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const C = `sha256:${'c'.repeat(64)}`;
const API = 'registry.example/shop/api';

const pod = (context: string, name: string, index: number, kind = 'Deployment', namespace = 'shop'): RunningWorkload => ({
  context,
  namespace,
  kind,
  name,
  pod: `${name}-${index}`,
  container: 'app',
  containerType: 'containers',
});

const image = (repository: string, digest: string, workloads: RunningWorkload[]): RunningImage => ({
  reference: `${repository}@${digest}`,
  digest,
  specImages: [`${repository}:1.4`],
  workloads,
  contexts: [...new Set(workloads.map((w) => w.context))],
});

const finding = (image: RunningImage, id: string, severity: ClusterFinding['severity'], breached: boolean): ClusterFinding => ({
  id,
  severity,
  image: image.reference,
  package: 'openssl',
  installed: '1.0',
  fixed: [],
  firstSeen: '2026-01-01T00:00:00.000Z',
  deadline: '2026-01-08T00:00:00.000Z',
  breached,
  namespaces: ['shop'],
  workloads: [],
  contexts: image.contexts,
});

function report(images: RunningImage[], findings: ClusterFinding[] = [], contexts = ['prod', 'staging']): ClustersReport {
  return {
    generatedAt: '2026-02-01T00:00:00.000Z',
    clusters: contexts.map((context) => ({ context, server: `https://${context}`, pods: 1 })),
    pods: images.length,
    images,
    outcomes: new Map(),
    findings,
    errors: [],
    sla: DEFAULT_SLA,
    cancelled: false,
  };
}

const manifest: WorkspaceFile = {
  file: 'deploy/api.yaml',
  result: analyze(
    [
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: api',
      'spec:',
      '  containers:',
      '    - name: api',
      `      image: ${API}:1.4@${A}`,
      '    - name: cache',
      '      image: redis:7',
      '',
    ].join('\n'),
    'yaml',
  ),
};
const dockerfile: WorkspaceFile = { file: 'api/Dockerfile', result: analyze(`FROM ${API}:1.3 AS base\nUSER 1000\n`, 'dockerfile') };

/** What runs `API` in both clusters: three pods of deploy/api in prod (digest A), one in staging (digest B). */
const prod = image(API, A, [pod('prod', 'api', 1), pod('prod', 'api', 2), pod('prod', 'api', 3)]);
const staging = image(API, B, [pod('staging', 'api', 1)]);

const here = (overrides: Partial<RunsHere>): RunsHere => ({
  file: 'f',
  line: 1,
  range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
  reference: API,
  images: [`${API}@${A}`],
  contexts: [{ context: 'prod', pods: 3, workloads: [{ namespace: 'shop', kind: 'Deployment', name: 'api' }] }],
  findings: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 },
  breached: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 },
  ...overrides,
});

describe('what runs at each image line', () => {
  test('the contexts running a line’s repository, pods and workloads, its vulnerabilities counted once', () => {
    const cluster = report(
      [prod, staging, image('docker.io/library/postgres', C, [pod('prod', 'db', 1, 'StatefulSet')])],
      // The same vulnerability in both digests is one; the LOW in staging only is counted too.
      [finding(prod, 'CVE-1', 'CRITICAL', true), finding(staging, 'CVE-1', 'CRITICAL', false), finding(staging, 'CVE-2', 'LOW', false)],
    );
    const runs = runsAt(cluster, [manifest, dockerfile]);
    assert.deepEqual(
      runs.map((r) => [r.file, r.line, r.reference]),
      [
        ['deploy/api.yaml', 8, `${API}:1.4@${A}`],
        ['api/Dockerfile', 1, `${API}:1.3`],
      ],
      'redis runs nowhere: its line has nothing',
    );
    const api = runs[0]!;
    assert.deepEqual(api.range, { start: { line: 7, character: 13 }, end: { line: 7, character: 13 + `${API}:1.4@${A}`.length } });
    assert.deepEqual(api.images, [prod.reference, staging.reference]);
    assert.deepEqual(api.contexts, [
      { context: 'prod', pods: 3, workloads: [{ namespace: 'shop', kind: 'Deployment', name: 'api' }] },
      { context: 'staging', pods: 1, workloads: [{ namespace: 'shop', kind: 'Deployment', name: 'api' }] },
    ]);
    assert.deepEqual(api.findings, { CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 1, UNKNOWN: 0 });
    assert.deepEqual(api.breached, { CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 });
    assert.equal(runsText(api), 'runs in prod: 3 pods (deploy/api) · staging: 1 pod (deploy/api) · 1 CRITICAL past its deadline');
  });

  test('contexts in the order of the report’s clusters, whatever the order of the images', () => {
    const runs = runsAt(report([staging, prod]), [manifest]);
    assert.deepEqual(
      runs[0]!.contexts.map((c) => c.context),
      ['prod', 'staging'],
    );
  });

  test('a report of one cluster reads the same', () => {
    const single = report([image(API, A, [pod('prod', 'api', 1)])], [], ['prod']);
    assert.equal(runsText(runsAt(single, [manifest])[0]!), 'runs in prod: 1 pod (deploy/api)');
  });
});

describe('the CodeLens line', () => {
  test('no vulnerability: only where it runs', () => {
    assert.equal(runsText(here({})), 'runs in prod: 3 pods (deploy/api)');
  });

  test('CRITICAL within their deadline are counted; breached ones of every severity are said apart', () => {
    assert.equal(
      runsText(here({ findings: { CRITICAL: 2, HIGH: 4, MEDIUM: 0, LOW: 0, UNKNOWN: 0 } })),
      'runs in prod: 3 pods (deploy/api) · 2 CRITICAL',
    );
    assert.equal(
      runsText(
        here({
          findings: { CRITICAL: 3, HIGH: 4, MEDIUM: 0, LOW: 0, UNKNOWN: 0 },
          breached: { CRITICAL: 1, HIGH: 2, MEDIUM: 0, LOW: 0, UNKNOWN: 0 },
        }),
      ),
      'runs in prod: 3 pods (deploy/api) · 3 CRITICAL · 1 CRITICAL, 2 HIGH past their deadlines',
    );
    assert.equal(
      runsText(
        here({
          findings: { CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 0, UNKNOWN: 0 },
          breached: { CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 0, UNKNOWN: 0 },
        }),
      ),
      'runs in prod: 3 pods (deploy/api) · 1 HIGH past its deadline',
    );
  });

  test('workloads by kubectl’s short names, two named and the rest counted', () => {
    const workloads = [
      { namespace: 'shop', kind: 'StatefulSet', name: 'db' },
      { namespace: 'shop', kind: 'Rollout', name: 'api' },
      { namespace: 'shop', kind: 'CronJob', name: 'backup' },
      { namespace: 'www', kind: 'CronJob', name: 'backup' },
    ];
    assert.equal(runsText(here({ contexts: [{ context: 'prod', pods: 1, workloads }] })), 'runs in prod: 1 pod (sts/db, rollout/api, +1)');
  });

  test('more than three contexts are summarised', () => {
    const contexts = ['prod', 'staging', 'dev', 'qa', 'perf'].map((context, i) => ({
      context,
      pods: i + 1,
      workloads: [{ namespace: 'shop', kind: 'Deployment', name: 'api' }],
    }));
    assert.equal(runsText(here({ contexts })), 'runs in 5 clusters: 15 pods (prod, staging, dev, +2)');
  });

  test('names from the kubeconfig and the cluster are made printable', () => {
    const text = runsText(
      here({ contexts: [{ context: 'prod\u001b[2J\nfake', pods: 1, workloads: [{ namespace: 'a', kind: 'Pod', name: 'x\u202e' }] }] }),
    );
    assert.equal(text, 'runs in prod\\u001b[2J\\u000afake: 1 pod (pod/x\\u202e)');
  });

  test('the tooltip names every namespace and workload, the images and the counts', () => {
    const tooltip = runsTooltip(
      here({
        contexts: [
          { context: 'prod', pods: 3, workloads: [{ namespace: 'shop', kind: 'Deployment', name: 'api' }] },
          { context: 'staging', pods: 1, workloads: [{ namespace: 'www', kind: 'Deployment', name: 'api' }] },
        ],
        images: [`${API}@${A}`, `${API}@${B}`],
        findings: { CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 1, UNKNOWN: 0 },
        breached: { CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 },
      }),
    );
    assert.equal(
      tooltip,
      [
        'prod: 3 pods in shop/Deployment/api',
        'staging: 1 pod in www/Deployment/api',
        `Images: ${API}@${A}, ${API}@${B}`,
        'Vulnerabilities: 1 CRITICAL, 1 LOW; past their deadline: 1 CRITICAL',
      ].join('\n'),
    );
  });
});

describe('the drift message', () => {
  test('the repository, the digest running instead, and where: context, namespace, workload', () => {
    assert.equal(
      driftText({
        file: 'deploy/api.yaml',
        line: 8,
        reference: `${API}:1.4@${A}`,
        running: [{ context: 'staging', namespace: 'shop', workload: 'Deployment/api', digest: B }],
      }),
      `${API} runs at another digest than the one pinned here: ${B} in staging (namespace shop: Deployment/api).`,
    );
  });

  test('places grouped by digest and by context and namespace; a long list is cut with what is left', () => {
    const running = [
      { context: 'staging', namespace: 'shop', workload: 'Deployment/api', digest: B },
      { context: 'staging', namespace: 'shop', workload: 'Deployment/worker', digest: B },
      { context: 'dev', namespace: 'shop', workload: 'Deployment/api', digest: B },
      { context: 'dev', namespace: 'a', workload: 'Deployment/api', digest: B },
      { context: 'dev', namespace: 'b', workload: 'Deployment/api', digest: B },
      { context: '', namespace: 'shop', workload: 'Deployment/api', digest: C },
      ...['d', 'e', 'f'].map((x) => ({ context: 'qa', namespace: 'shop', workload: 'Deployment/api', digest: `sha256:${x.repeat(64)}` })),
    ];
    assert.equal(
      driftText({ file: 'f', line: 1, reference: `${API}@${A}`, running }),
      `${API} runs at another digest than the one pinned here: ` +
        `${B} in staging (namespace shop: Deployment/api, Deployment/worker), dev (namespace shop: Deployment/api), dev (namespace a: ` +
        `Deployment/api) and 1 more place; ${C} in namespace shop: Deployment/api; sha256:${'d'.repeat(64)} in qa (namespace shop: ` +
        `Deployment/api) and 2 more digests.`,
    );
  });
});

describe('where a running image is written', () => {
  test('every place the workspace writes its repository, pinned or not, with its range', () => {
    const cluster = report([prod, staging]);
    assert.deepEqual(placesOf(cluster, staging.reference, [manifest, dockerfile]), [
      {
        file: 'deploy/api.yaml',
        line: 8,
        range: { start: { line: 7, character: 13 }, end: { line: 7, character: 13 + `${API}:1.4@${A}`.length } },
        raw: `${API}:1.4@${A}`,
      },
      {
        file: 'api/Dockerfile',
        line: 1,
        range: { start: { line: 0, character: 5 }, end: { line: 0, character: 5 + `${API}:1.3`.length } },
        raw: `${API}:1.3`,
      },
    ]);
  });

  test('an image the report does not hold, or whose repository the workspace does not write, has no place', () => {
    const cluster = report([prod, image('docker.io/library/postgres', C, [pod('prod', 'db', 1)])]);
    assert.deepEqual(placesOf(cluster, 'quay.io/nothing@' + C, [manifest]), []);
    assert.deepEqual(placesOf(cluster, `docker.io/library/postgres@${C}`, [manifest, dockerfile]), []);
  });
});
