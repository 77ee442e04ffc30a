// `shipshape scan` on each folder of real repositories (test/corpus/realworld), read as a user
// reads its output: every image found once, where it is decided, and nothing noisy.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { JsonReport } from '../../src/core/index.js';
import { runCli } from '../support/cli.js';
import { corpusPath } from '../support/analysis.js';

async function scan(folder: string): Promise<JsonReport> {
  const run = await runCli(['scan', '--offline', '--fail-on', 'none', '--format', 'json', corpusPath(`realworld/${folder}`)]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as JsonReport;
}

const relative = (folder: string, file: string) =>
  path
    .relative(corpusPath(`realworld/${folder}`), file)
    .split(path.sep)
    .join('/');

describe('real repositories', () => {
  test('awesome-compose: every service image, resolved, nothing unresolved, no env problem', async () => {
    const report = await scan('awesome-compose');
    assert.deepEqual(
      report.images.map((i) => [relative('awesome-compose', i.file), i.line, i.service, i.reference]),
      [
        ['pihole-cloudflared-DoH/compose.yaml', 4, 'cloudflared', 'docker.io/visibilityspots/cloudflared'],
        ['pihole-cloudflared-DoH/compose.yaml', 20, 'pihole', 'docker.io/pihole/pihole:latest'],
        ['plex/compose.yaml', 3, 'plex', 'docker.io/linuxserver/plex'],
        ['postgresql-pgadmin/compose.yaml', 4, 'postgres', 'docker.io/library/postgres:latest'],
        ['postgresql-pgadmin/compose.yaml', 15, 'pgadmin', 'docker.io/dpage/pgadmin4:latest'],
        ['wireguard/compose.yaml', 4, 'wireguard', 'docker.io/linuxserver/wireguard'],
      ],
    );
    assert.deepEqual(report.errors, []);
    assert.ok(report.findings.every((f) => f.rule === 'unpinned-image'));
  });

  test('custom resources: the Argo, Kruise and batch images, the Flux repository not at all, the action tests nothing', async () => {
    const report = await scan('custom-resources');
    assert.deepEqual(
      report.images.map((i) => [relative('custom-resources', i.file), i.raw]),
      [
        ['apps.kruise.io_CloneSet_testdata_healthy.yaml', 'nginx:alpine'],
        ['argoproj.io_CronWorkflow_actions_testdata_cronworkflow.yaml', 'docker/whalesay:latest'],
        ['argoproj.io_Experiment_testdata_runningExperiment.yaml', 'argoproj/rollouts-demo:blue'],
        ['batch_Job_actions_testdata_completed.yaml', 'busybox:1.28'],
        ['batch_Job_actions_testdata_created.yaml', 'busybox:1.28'],
      ],
    );
    assert.deepEqual(report.errors, []);
  });

  test('podinfo: the chart by its values, its test templates, the plain kustomization, the Dockerfile', async () => {
    const report = await scan('podinfo');
    const bySource = (source: string) =>
      report.images.filter((i) => i.source === source).map((i) => `${relative('podinfo', i.file)}:${i.line} ${i.reference}`);
    assert.deepEqual(bySource('kustomize'), ['kustomize/deployment.yaml:26 ghcr.io/stefanprodan/podinfo:6.14.1']);
    // redis.enabled is false: helm template renders no redis, so its tag makes no image.
    assert.deepEqual(
      bySource('helm').filter((i) => i.includes('values.yaml')),
      ['charts/podinfo/values.yaml:11 ghcr.io/stefanprodan/podinfo:6.14.1'],
    );
    // Seven test images in the templates: the three helm renders, and four the values switch off.
    const tests = report.images.filter((i) => i.source === 'helm' && relative('podinfo', i.file).includes('templates/tests/'));
    assert.deepEqual([tests.filter((i) => i.active !== false).length, tests.filter((i) => i.active === false).length], [3, 4]);
    assert.deepEqual(bySource('dockerfile'), [
      'Dockerfile:1 docker.io/library/golang:1.26-alpine',
      'Dockerfile:21 docker.io/library/alpine:3.24',
    ]);
    assert.deepEqual(report.errors, []);
    assert.deepEqual(
      report.skipped.filter((s) => /template/.test(s.reason)),
      [],
      'no chart template is skipped',
    );
  });

  test('argo-cd kustomize test data: overlays of overlays and a chart; only the deliberately broken file is an error', async () => {
    const report = await scan('argo-cd-kustomize-testdata');
    assert.deepEqual(
      report.errors.map((e) => relative('argo-cd-kustomize-testdata', e.file)),
      ['app-parameters/multi/.argocd-source-broken.yaml'],
    );
    const kustomize = report.images.filter((i) => i.source === 'kustomize');
    assert.deepEqual(kustomize.map((i) => [path.basename(i.kustomization!), i.decidedBy, i.reference]).sort(), [
      ['hello-world', 'manifest', 'docker.io/library/nginx:1.16.0'],
      ['multi', 'images-entry', 'quay.io/argoprojlabs/argocd-e2e-container:0.1'],
      ['single-app-only', 'images-entry', 'quay.io/argoprojlabs/argocd-e2e-container:0.1'],
      ['single-global', 'images-entry', 'quay.io/argoprojlabs/argocd-e2e-container:0.1'],
    ]);
    assert.ok(report.images.some((i) => i.source === 'helm' && i.reference === 'quay.io/argoprojlabs/argocd-e2e-container:0.1'));
  });

  test('microservices-demo: every root, and components alone are no roots', async () => {
    const report = await scan('microservices-demo');
    const roots = [
      ...new Set(report.images.filter((i) => i.source === 'kustomize').map((i) => relative('microservices-demo', i.kustomization!))),
    ];
    assert.deepEqual(roots.sort(), [
      'kustomize',
      'kustomize/tests/memorystore-with-all-components',
      'kustomize/tests/service-mesh-istio-with-all-components',
      'kustomize/tests/spanner-with-all-components',
    ]);
    assert.deepEqual(report.errors, []);
  });
  test('istio: the Grafana addon is a manifest (its dashboards hold {{ … }}), its image is checked; `image: auto` is a placeholder', async () => {
    const report = await scan('istio');
    assert.deepEqual(
      report.images.map((i) => [relative('istio', i.file), i.line, i.status, i.reference]),
      [
        ['pkg/config/analysis/analyzers/testdata/image-auto.yaml', 49, 'unresolved', null],
        ['pkg/config/analysis/analyzers/testdata/image-auto.yaml', 71, 'unresolved', null],
        ['pkg/config/analysis/analyzers/testdata/image-auto.yaml', 85, 'image', 'docker.io/library/ubuntu'],
        ['samples/addons/grafana.yaml', 143, 'image', 'docker.io/grafana/grafana:12.0.1'],
      ],
    );
    assert.deepEqual(report.skipped, []);
    assert.deepEqual(report.errors, []);
    assert.ok(report.findings.every((f) => f.severity !== 'error'));
  });

  test('kubeflow KServe: the cluster resources (prompt templates in quoted values) are a manifest: all 25 images checked', async () => {
    const report = await scan('kubeflow-manifests');
    // The folder also holds the Jupyter, Tensorboard and oauth2-proxy overlays (the Kustomize tests'): KServe's files here.
    const kserve = (file: string) => relative('kubeflow-manifests', file).startsWith('applications/kserve/');
    const images = report.images.filter((i) => kserve(i.file));
    assert.equal(images.length, 25);
    assert.ok(images.every((i) => i.status === 'image' && i.source === 'kubernetes'));
    assert.ok(images.some((i) => i.reference === 'ghcr.io/llm-d/llm-d-inference-scheduler:v0.2.0'));
    assert.deepEqual(
      report.skipped.filter((s) => kserve(s.file)),
      [],
    );
    assert.deepEqual(report.errors, []);
  });

  test('GKE samples: envsubst placeholders are unresolved (info), never invalid-reference errors', async () => {
    const report = await scan('kubernetes-engine-samples');
    assert.deepEqual(
      report.images.map((i) => [relative('kubernetes-engine-samples', i.file), i.status, i.unresolvedVariables]),
      [
        [
          'ai-ml/infw-gw/examples/getting-started/inference-pool-variables.yaml',
          'unresolved',
          ['${EXTENSION_IMAGE:-us-central1-docker.pkg.dev/k8s-staging-images/gateway-api-inference-extension/epp:main}'],
        ],
        ['ai-ml/llm-finetuning-gemma/finetune.yaml', 'unresolved', ['$IMAGE_URL']],
        ['observability/distributed-tracing/frontend-deployment.yaml', 'unresolved', ['$PROJECT_ID']],
        ['quickstarts/languages/deployment.yaml', 'unresolved', ['$LOCATION', '$GCLOUD_PROJECT']],
      ],
    );
    assert.deepEqual(
      report.findings.filter((f) => f.rule !== 'root-user').map((f) => `${f.rule} ${f.severity}`),
      ['unresolved-image info', 'unresolved-image info', 'unresolved-image info', 'unresolved-image info'],
    );
    // A badly indented manifest (the parser reports 37 errors in it): one entry, its first error.
    assert.deepEqual(
      report.errors.map((e) => [relative('kubernetes-engine-samples', e.file), e.line, e.message]),
      [
        [
          'ai-ml/infw-gw/examples/getting-started/vllm-llama3-8b-instruct.yaml',
          16,
          'YAML syntax error in document 1: Nested mappings are not allowed in compact mappings',
        ],
      ],
    );
  });
});
