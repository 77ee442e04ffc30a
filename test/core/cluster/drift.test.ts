// Drift and links between what runs and what the workspace says: repositories matched by their
// normalised name, drift only for references pinned to another digest.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DEFAULT_SLA } from '../../../src/core/cluster/deadlines.js';
import { driftOf, withWorkspace, workspaceLinks, type WorkspaceFile } from '../../../src/core/cluster/drift.js';
import type { ClustersReport } from '../../../src/core/cluster/scanClusters.js';
import type { RunningImage } from '../../../src/core/cluster/types.js';
import { analyze } from '../../../src/core/index.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const C = `sha256:${'c'.repeat(64)}`;

const running = (reference: string, digest: string | undefined, name: string, namespace = 'shop'): RunningImage => ({
  reference: digest ? `${reference}@${digest}` : reference,
  ...(digest && { digest }),
  specImages: [reference],
  workloads: [{ context: 'prod', namespace, kind: 'Deployment', name, pod: `${name}-1`, container: 'app', containerType: 'containers' }],
  contexts: ['prod'],
});

function report(images: RunningImage[]): ClustersReport {
  return {
    generatedAt: '2026-01-01T00:00:00.000Z',
    clusters: [{ context: 'prod', server: 'https://prod', pods: images.length }],
    pods: images.length,
    images,
    outcomes: new Map(),
    findings: [],
    errors: [],
    sla: DEFAULT_SLA,
    cancelled: false,
  };
}

const files: WorkspaceFile[] = [
  {
    file: 'deploy/app.yaml',
    result: analyze(
      [
        'apiVersion: v1',
        'kind: Pod',
        'metadata:',
        '  name: app',
        'spec:',
        '  containers:',
        `    - name: nginx`,
        `      image: nginx:1.27@${A}`,
        `    - name: api`,
        `      image: registry.example/shop/api@${C}`,
        `    - name: web`,
        `      image: registry.example/shop/web:2`,
        '',
      ].join('\n'),
      'yaml',
    ),
  },
  { file: 'Dockerfile', result: analyze(`FROM docker.io/library/nginx:1.27\nUSER 1000\n`, 'dockerfile') },
];

describe('drift from the workspace', () => {
  test('a reference pinned to one digest while its repository runs at another, matched by normalised name', () => {
    const cluster = report([
      running('docker.io/library/nginx', B, 'front'),
      running('docker.io/library/nginx', A, 'edge', 'ingress'),
      running('registry.example/shop/api', C, 'api'),
      running('registry.example/shop/web:2', undefined, 'web'),
    ]);
    assert.deepEqual(driftOf(cluster, files), [
      {
        file: 'deploy/app.yaml',
        line: 8,
        reference: `docker.io/library/nginx:1.27@${A}`,
        running: [{ context: 'prod', namespace: 'shop', workload: 'Deployment/front', digest: B }],
      },
    ]);
  });

  test('each running image links to where the workspace writes its repository, pinned or not', () => {
    const cluster = report([
      running('docker.io/library/nginx', B, 'front'),
      running('registry.example/shop/web:2', undefined, 'web'),
      running('quay.io/other/thing', B, 'other'),
    ]);
    const links = workspaceLinks(cluster, files);
    assert.deepEqual(links.get(`docker.io/library/nginx@${B}`), [
      { file: 'deploy/app.yaml', line: 8 },
      { file: 'Dockerfile', line: 1 },
    ]);
    assert.deepEqual(links.get('registry.example/shop/web:2'), [{ file: 'deploy/app.yaml', line: 12 }]);
    assert.equal(links.has(`quay.io/other/thing@${B}`), false);
    const joined = withWorkspace(cluster, files);
    assert.deepEqual(
      joined.images.map((i) => i.workspace?.length ?? 0),
      [2, 1, 0],
    );
    assert.equal(joined.drift?.length, 1);
    assert.deepEqual(joined.clusters, [{ context: 'prod', server: 'https://prod', pods: 3 }]);
  });

  test('an image pulled through a mirror is matched by the repository its pods name too', () => {
    const mirrored: RunningImage = { ...running('mirror.example/library/nginx', B, 'front'), specImages: ['nginx:1.27'] };
    assert.deepEqual(
      driftOf(report([mirrored]), files).map((d) => [d.line, d.running.map((r) => r.digest)]),
      [[8, [B]]],
    );
  });
});
