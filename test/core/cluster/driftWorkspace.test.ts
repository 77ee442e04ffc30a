// Drift from what the repository pins, read through the cluster entry alone (the editor's
// dist/cluster.js has its own `analyze`): dev containers, Quadlet units, Bake files and CI
// pipelines are read there too, so a digest they pin that a cluster runs at another is drift.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { driftOf, scanPaths, type ClustersReport } from '../../../src/core/cluster/index.js';
import { DEFAULT_SLA } from '../../../src/core/cluster/deadlines.js';
import type { RunningImage } from '../../../src/core/cluster/types.js';
import { tempTree } from '../../support/tree.js';

const PINNED = `sha256:${'a'.repeat(64)}`;
const RUNNING = `sha256:${'b'.repeat(64)}`;

const running = (reference: string, name: string): RunningImage => ({
  reference: `${reference}@${RUNNING}`,
  digest: RUNNING,
  specImages: [reference],
  workloads: [
    { context: 'prod', namespace: 'shop', kind: 'Deployment', name, pod: `${name}-1`, container: 'app', containerType: 'containers' },
  ],
  contexts: ['prod'],
});

test('pins in dev containers, Quadlet units, Bake files and CI pipelines are compared with what runs', async () => {
  const root = await tempTree({
    '.devcontainer/devcontainer.json': `{\n  // comments and trailing commas, as dev containers allow\n  "image": "mcr.microsoft.com/devcontainers/base:bookworm@${PINNED}",\n}\n`,
    'deploy/web.container': `[Container]\nImage=docker.io/library/nginx:1.27@${PINNED}\n`,
    'docker-bake.hcl': `target "app" {\n  contexts = {\n    base = "docker-image://redis:7.4@${PINNED}"\n  }\n}\n`,
    '.gitlab-ci.yml': `test:\n  image: python:3.12@${PINNED}\n  script: [pytest]\n`,
  });
  const workspace = await scanPaths([root]);
  const report: ClustersReport = {
    generatedAt: '2026-01-01T00:00:00.000Z',
    clusters: [{ context: 'prod', server: 'https://prod', pods: 4 }],
    pods: 4,
    images: [
      running('mcr.microsoft.com/devcontainers/base:bookworm', 'dev'),
      running('nginx:1.27', 'web'),
      running('redis:7.4', 'cache'),
      running('python:3.12', 'tests'),
    ],
    outcomes: new Map(),
    findings: [],
    errors: [],
    sla: DEFAULT_SLA,
    cancelled: false,
  };
  const drift = driftOf(report, workspace.files).map((d) => `${path.relative(root, path.resolve(d.file))}:${d.line} ${d.reference}`);
  assert.deepEqual(drift.sort(), [
    `.devcontainer/devcontainer.json:3 mcr.microsoft.com/devcontainers/base:bookworm@${PINNED}`,
    `.gitlab-ci.yml:2 docker.io/library/python:3.12@${PINNED}`,
    `deploy/web.container:2 docker.io/library/nginx:1.27@${PINNED}`,
    `docker-bake.hcl:3 docker.io/library/redis:7.4@${PINNED}`,
  ]);
});
