// Custom resources: images wherever an operator keeps them (pod specs at any path, Argo templates'
// containers and scripts, `image` fields), kinds matched with their API group, Flux image
// automation (no image), `status` and metadata ignored, and the bounds of the search.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { AnalysisResult, KubernetesContext } from '../../../src/core/index.js';
import { at, readCorpus, textAt, yaml } from '../../support/analysis.js';

/** One line per image: range, status and the text the range covers. */
function images(text: string, result: AnalysisResult): string[] {
  return result.images.map((i) => `${at(i.range)} ${i.status} ${textAt(text, i.range)}`);
}

/** One line per finding: range, rule/reason, severity and the text the range covers. */
function findings(text: string, result: AnalysisResult): string[] {
  return result.findings.map(
    (f) => `${at(f.range)} ${f.rule}${f.reason !== undefined ? `/${f.reason}` : ''} ${f.severity} ${textAt(text, f.range)}`,
  );
}

function contexts(result: AnalysisResult): Array<KubernetesContext | undefined> {
  return result.images.map((i) => i.kubernetes);
}

/** Every image's raw text is exactly what its range covers, and it is a Kubernetes image. */
function assertExact(text: string, result: AnalysisResult): void {
  for (const image of result.images) {
    assert.equal(image.raw, textAt(text, image.range));
    assert.equal(image.source, 'kubernetes');
  }
}

const NOTHING = { sources: [], images: [], findings: [], errors: [], notes: [] };

// ---------------------------------------------------------------------------------------------
// The corpus: argo-cd's resource customisation test data
// ---------------------------------------------------------------------------------------------

const CORPUS = 'realworld/custom-resources/';

test('corpus: Argo CronWorkflow (spec.workflowSpec.templates[].container; {{…}} in a quoted arg is no Helm template)', () => {
  const text = readCorpus(`${CORPUS}argoproj.io_CronWorkflow_actions_testdata_cronworkflow.yaml`);
  const result = yaml(text);
  assert.deepEqual(result.sources, ['kubernetes']);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.notes, []);
  assert.deepEqual(images(text, result), ['27:19-27:41 image docker/whalesay:latest']);
  assertExact(text, result);
  assert.deepEqual(contexts(result), [
    { kind: 'CronWorkflow', name: 'hello-world', namespace: 'default', document: 0, containerType: 'containers' },
  ]);
  // An Argo template's container is no pod spec: no securityContext applies, no root-user finding.
  assert.deepEqual(findings(text, result), ['27:19-27:41 unpinned-image/latest warning docker/whalesay:latest']);
});

test('corpus: Argo Experiment (spec.templates[].template.spec; the status block is not read)', () => {
  const text = readCorpus(`${CORPUS}argoproj.io_Experiment_testdata_runningExperiment.yaml`);
  const result = yaml(text);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(images(text, result), ['21:23-21:50 image argoproj/rollouts-demo:blue']);
  assertExact(text, result);
  assert.deepEqual(contexts(result), [
    {
      kind: 'Experiment',
      name: 'example-experiment',
      namespace: 'argo-rollouts',
      document: 0,
      container: 'guestbook',
      containerType: 'containers',
    },
  ]);
  assert.deepEqual(findings(text, result), [
    '21:23-21:50 unpinned-image/mutable-tag info argoproj/rollouts-demo:blue',
    '22:21-22:30 root-user/implicit info guestbook',
  ]);
});

test('corpus: Kruise CloneSet (spec.template.spec of a custom kind)', () => {
  const text = readCorpus(`${CORPUS}apps.kruise.io_CloneSet_testdata_healthy.yaml`);
  const result = yaml(text);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(images(text, result), ['21:16-21:28 image nginx:alpine']);
  assertExact(text, result);
  assert.deepEqual(contexts(result), [
    { kind: 'CloneSet', name: 'cloneset-test', namespace: 'kruise', document: 0, container: 'nginx', containerType: 'containers' },
  ]);
  assert.deepEqual(findings(text, result), [
    '20:15-20:20 root-user/implicit info nginx',
    '21:16-21:28 unpinned-image/mutable-tag info nginx:alpine',
  ]);
});

for (const name of ['completed', 'created'])
  test(`corpus: batch Job ${name} (a core workload, at its fixed path)`, () => {
    const text = readCorpus(`${CORPUS}batch_Job_actions_testdata_${name}.yaml`);
    const result = yaml(text);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(images(text, result), ['13:18-13:30 image busybox:1.28']);
    assertExact(text, result);
    assert.deepEqual(contexts(result), [
      { kind: 'Job', name: 'test-29228857', document: 0, container: 'hello', containerType: 'containers' },
    ]);
    assert.deepEqual(findings(text, result), [
      '13:18-13:30 unpinned-image/mutable-tag info busybox:1.28',
      '15:17-15:22 root-user/implicit info hello',
    ]);
  });

test('corpus: Flux ImageRepository (spec.image is a repository to watch): no image, no finding', () => {
  const text = readCorpus(`${CORPUS}image.toolkit.fluxcd.io_ImageRepository_testdata_healthy.yaml`);
  assert.deepEqual(yaml(text), { ...NOTHING, sources: ['kubernetes'] });
});

for (const name of ['argoproj.io_CronWorkflow_actions_action_test.yaml', 'batch_Job_actions_action_test.yaml'])
  test(`corpus: ${name} (argo-cd's action test list, no manifest) yields nothing`, () => {
    assert.deepEqual(yaml(readCorpus(`${CORPUS}${name}`)), NOTHING);
  });

// ---------------------------------------------------------------------------------------------
// Where operators keep images
// ---------------------------------------------------------------------------------------------

test('Argo Workflow templates: initContainers, container, sidecars and script; labels, annotations and script text are not read', () => {
  const text = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: ci-
  labels:
    image: not-an-image-latest
  annotations:
    image: "nor-this:latest"
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: build
        template: build
  - name: build
    initContainers:
    - name: fetch
      image: alpine/git:2.45.2
    container:
      image: golang:1.22
      command: [go, build, ./...]
    sidecars:
    - name: dind
      image: docker:27-dind
      securityContext: {privileged: true}
  - name: report
    script:
      image: python:3.12-alpine
      command: [python]
      source: |
        print("image: not-read:latest")
`;
  const result = yaml(text);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(images(text, result), [
    '19:14-19:31 image alpine/git:2.45.2',
    '21:14-21:25 image golang:1.22',
    '25:14-25:28 image docker:27-dind',
    '29:14-29:32 image python:3.12-alpine',
  ]);
  assertExact(text, result);
  const workflow = { kind: 'Workflow', document: 0 };
  assert.deepEqual(contexts(result), [
    { ...workflow, container: 'fetch', containerType: 'initContainers' },
    { ...workflow, containerType: 'containers' },
    { ...workflow, container: 'dind', containerType: 'containers' },
    { ...workflow, containerType: 'containers' },
  ]);
  // Images only: Argo templates are not pod specs, so no root-user finding.
  assert.deepEqual(
    result.findings.map((f) => f.rule),
    ['unpinned-image', 'unpinned-image', 'unpinned-image', 'unpinned-image'],
  );
});

test('KEDA ScaledJob: spec.jobTargetRef.template.spec is a pod spec, with its securityContext', () => {
  const text = `apiVersion: keda.sh/v1alpha1
kind: ScaledJob
metadata:
  name: queue-worker
spec:
  jobTargetRef:
    template:
      spec:
        securityContext:
          runAsNonRoot: true
        containers:
        - name: worker
          image: ghcr.io/acme/worker:2.1.0
          securityContext:
            runAsUser: 0
  triggers:
  - type: rabbitmq
    metadata:
      queueName: jobs
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), ['13:18-13:43 image ghcr.io/acme/worker:2.1.0']);
  assertExact(text, result);
  assert.deepEqual(contexts(result), [
    { kind: 'ScaledJob', name: 'queue-worker', document: 0, container: 'worker', containerType: 'containers' },
  ]);
  assert.deepEqual(findings(text, result), [
    '13:18-13:43 unpinned-image/mutable-tag info ghcr.io/acme/worker:2.1.0',
    '15:24-15:25 root-user/explicit warning 0',
  ]);
});

test('Strimzi StrimziPodSet: every pod of spec.pods[], each with its own pod securityContext', () => {
  const text = `apiVersion: core.strimzi.io/v1beta2
kind: StrimziPodSet
metadata:
  name: my-cluster-kafka
spec:
  selector:
    matchLabels:
      strimzi.io/cluster: my-cluster
  pods:
  - apiVersion: v1
    kind: Pod
    metadata:
      name: my-cluster-kafka-0
    spec:
      containers:
      - name: kafka
        image: quay.io/strimzi/kafka:0.45.0-kafka-3.9.0
  - apiVersion: v1
    kind: Pod
    metadata:
      name: my-cluster-kafka-1
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
      - name: kafka
        image: quay.io/strimzi/kafka:0.45.0-kafka-3.9.0
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), [
    '17:16-17:56 image quay.io/strimzi/kafka:0.45.0-kafka-3.9.0',
    '26:16-26:56 image quay.io/strimzi/kafka:0.45.0-kafka-3.9.0',
  ]);
  assertExact(text, result);
  const kafka = { kind: 'StrimziPodSet', name: 'my-cluster-kafka', document: 0, container: 'kafka', containerType: 'containers' };
  assert.deepEqual(contexts(result), [kafka, kafka]);
  // Only the first pod runs as root: the second one's pod securityContext says otherwise.
  assert.deepEqual(findings(text, result), [
    '16:15-16:20 root-user/implicit info kafka',
    '17:16-17:56 unpinned-image/mutable-tag info quay.io/strimzi/kafka:0.45.0-kafka-3.9.0',
    '26:16-26:56 unpinned-image/mutable-tag info quay.io/strimzi/kafka:0.45.0-kafka-3.9.0',
  ]);
});

test('Grafana operator: spec.deployment.spec.template.spec', () => {
  const text = `apiVersion: grafana.integreatly.org/v1beta1
kind: Grafana
metadata:
  name: grafana
spec:
  config:
    log: {mode: console}
  deployment:
    spec:
      template:
        spec:
          containers:
          - name: grafana
            image: grafana/grafana:11.4.0
            securityContext: {runAsNonRoot: true}
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), ['14:20-14:42 image grafana/grafana:11.4.0']);
  assertExact(text, result);
  assert.deepEqual(contexts(result), [
    { kind: 'Grafana', name: 'grafana', document: 0, container: 'grafana', containerType: 'containers' },
  ]);
  assert.deepEqual(findings(text, result), ['14:20-14:42 unpinned-image/mutable-tag info grafana/grafana:11.4.0']);
});

test('ClickHouse operator: spec.templates.podTemplates[].spec', () => {
  const text = `apiVersion: clickhouse.altinity.com/v1
kind: ClickHouseInstallation
metadata:
  name: analytics
spec:
  defaults:
    templates:
      podTemplate: clickhouse
  templates:
    podTemplates:
    - name: clickhouse
      spec:
        securityContext: {runAsUser: 101}
        containers:
        - name: clickhouse
          image: clickhouse/clickhouse-server:24.8
        - name: log-shipper
          image: fluent/fluent-bit
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), ['16:18-16:51 image clickhouse/clickhouse-server:24.8', '18:18-18:35 image fluent/fluent-bit']);
  assertExact(text, result);
  const installation = { kind: 'ClickHouseInstallation', name: 'analytics', document: 0, containerType: 'containers' };
  assert.deepEqual(contexts(result), [
    { ...installation, container: 'clickhouse' },
    { ...installation, container: 'log-shipper' },
  ]);
  assert.deepEqual(findings(text, result), [
    '16:18-16:51 unpinned-image/mutable-tag info clickhouse/clickhouse-server:24.8',
    '18:18-18:35 unpinned-image/untagged warning fluent/fluent-bit',
  ]);
});

test('Numaflow Pipeline: vertices[].udf.container, source.udsource.container, initContainers and sidecars', () => {
  const text = `apiVersion: numaflow.numaproj.io/v1alpha1
kind: Pipeline
metadata:
  name: word-count
spec:
  vertices:
  - name: in
    source:
      udsource:
        container:
          image: quay.io/numaio/numaflow-go/source-simple:stable
  - name: split
    udf:
      container:
        image: quay.io/numaio/numaflow-go/map-flatmap:stable
    initContainers:
    - name: warm
      image: busybox:1.36
    sidecars:
    - name: cache
      image: redis:7.4
  - name: out
    sink:
      log: {}
    containerTemplate:
      resources: {limits: {memory: 256Mi}}
  edges:
  - {from: in, to: split}
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), [
    '11:18-11:65 image quay.io/numaio/numaflow-go/source-simple:stable',
    '15:16-15:61 image quay.io/numaio/numaflow-go/map-flatmap:stable',
    '18:14-18:26 image busybox:1.36',
    '21:14-21:23 image redis:7.4',
  ]);
  assertExact(text, result);
  const pipeline = { kind: 'Pipeline', name: 'word-count', document: 0 };
  assert.deepEqual(contexts(result), [
    { ...pipeline, containerType: 'containers' },
    { ...pipeline, containerType: 'containers' },
    { ...pipeline, container: 'warm', containerType: 'initContainers' },
    { ...pipeline, container: 'cache', containerType: 'containers' },
  ]);
  assert.ok(result.findings.every((f) => f.rule === 'unpinned-image'));
});

test('a kind of Kubernetes itself in another group is a custom resource: a Volcano Job (batch.volcano.sh)', () => {
  const text = `apiVersion: batch.volcano.sh/v1alpha1
kind: Job
metadata:
  name: training
spec:
  tasks:
  - name: worker
    replicas: 2
    template:
      spec:
        securityContext: {runAsNonRoot: true}
        containers:
        - name: trainer
          image: ghcr.io/acme/trainer:0.3
`;
  const result = yaml(text);
  // batch/v1 Job keeps its pod at spec.template.spec only; this one is searched.
  assert.deepEqual(images(text, result), ['14:18-14:42 image ghcr.io/acme/trainer:0.3']);
  assert.deepEqual(contexts(result), [{ kind: 'Job', name: 'training', document: 0, container: 'trainer', containerType: 'containers' }]);
});

// ---------------------------------------------------------------------------------------------
// Kinds with their API group
// ---------------------------------------------------------------------------------------------

test('a Knative Service (serving.knative.dev) is searched; a core v1 Service holds no image, whatever it says', () => {
  const text = `apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: hello
spec:
  template:
    spec:
      containers:
      - image: ghcr.io/knative/helloworld-go:latest
        env:
        - {name: TARGET, value: World}
---
apiVersion: v1
kind: Service
metadata:
  name: hello-core
spec:
  image: nginx:latest
  ports: [{port: 80}]
`;
  const result = yaml(text);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(images(text, result), ['9:16-9:52 image ghcr.io/knative/helloworld-go:latest']);
  assert.deepEqual(contexts(result), [{ kind: 'Service', name: 'hello', document: 0, containerType: 'containers' }]);
  // A Knative Service runs its containers in pods: the root-user rule applies.
  assert.deepEqual(findings(text, result), [
    '9:9-9:14 root-user/implicit info image',
    '9:16-9:52 unpinned-image/latest warning ghcr.io/knative/helloworld-go:latest',
  ]);
});

test('the group is read from a quoted apiVersion, in JSON, and for the items of a List', () => {
  const knative = `apiVersion: "serving.knative.dev/v1"
kind: "Service"
metadata: {name: quoted}
spec: {template: {spec: {containers: [{name: app, image: "ghcr.io/acme/app:1"}]}}}
`;
  assert.deepEqual(
    yaml(knative).images.map((i) => i.raw),
    ['ghcr.io/acme/app:1'],
  );
  const json = JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'core' }, spec: { image: 'not-read:1' } },
      { apiVersion: 'serving.knative.dev/v1', kind: 'Service', spec: { template: { spec: { containers: [{ image: 'read:1' }] } } } },
      { apiVersion: 'v1', kind: 'ConfigMap', data: { image: 'not-read:2' } },
    ],
  });
  const result = yaml(json);
  assert.deepEqual(
    result.images.map((i) => [i.raw, i.kubernetes?.kind]),
    [['read:1', 'Service']],
  );
});

test('a kind or apiVersion written twice at the top: the last one counts, so the document is parsed, not skipped', () => {
  const text = `apiVersion: v1
kind: Service
kind: Pod
metadata:
  name: p
spec:
  securityContext: {runAsNonRoot: true}
  containers:
  - name: app
    image: redis:7
---
apiVersion: v1
kind: Service
apiVersion: serving.knative.dev/v1
spec: {template: {spec: {containers: [{name: k, image: "ghcr.io/acme/k:1"}]}}}
`;
  const result = yaml(text);
  assert.deepEqual(
    result.errors.map((e) => [e.message, at(e.range!)]),
    [
      ['YAML syntax error in document 1: duplicate key `kind` (the last value is used)', '3:1-3:1'],
      ['YAML syntax error in document 2: duplicate key `apiVersion` (the last value is used)', '14:1-14:1'],
    ],
  );
  assert.deepEqual(images(text, result), ['10:12-10:19 image redis:7', '15:57-15:73 image ghcr.io/acme/k:1']);
  assert.deepEqual(
    contexts(result).map((c) => c?.kind),
    ['Pod', 'Service'],
  );
});

// ---------------------------------------------------------------------------------------------
// Flux image automation
// ---------------------------------------------------------------------------------------------

test('Flux ImageRepository, ImagePolicy and ImageUpdateAutomation: no image, no unpinned-image warning', () => {
  const text = `apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImageRepository
metadata:
  name: podinfo
spec:
  image: ghcr.io/stefanprodan/podinfo
  interval: 5m
---
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata:
  name: podinfo
spec:
  imageRepositoryRef: {name: podinfo}
  policy:
    semver: {range: 6.x}
---
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImageUpdateAutomation
metadata:
  name: flux-system
spec:
  update: {path: ./clusters, strategy: Setters}
  git:
    commit:
      messageTemplate: 'image: updated'
`;
  assert.deepEqual(yaml(text), { ...NOTHING, sources: ['kubernetes'] });
  // Parsed rather than skipped before parsing (in JSON, or in a List), the answer is the same.
  const list = JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [{ apiVersion: 'image.toolkit.fluxcd.io/v1beta2', kind: 'ImageRepository', spec: { image: 'ghcr.io/stefanprodan/podinfo' } }],
  });
  assert.deepEqual(yaml(list), { ...NOTHING, sources: ['kubernetes'] });
});

test('an ImageRepository of another group is an ordinary custom resource', () => {
  const text = `apiVersion: example.com/v1
kind: ImageRepository
metadata: {name: mirror}
spec:
  image: ghcr.io/acme/mirror:1.0
`;
  assert.deepEqual(images(text, yaml(text)), ['5:10-5:33 image ghcr.io/acme/mirror:1.0']);
});

// ---------------------------------------------------------------------------------------------
// What is not read
// ---------------------------------------------------------------------------------------------

test('a custom resource: status, empty images and image mappings are not read; spec.image is, without a container', () => {
  const text = `apiVersion: example.com/v1
kind: Runner
metadata:
  name: build
spec:
  image: ghcr.io/acme/runner:1.2.3
  cache:
    image: ""
    size: 10Gi
  registry:
    image: {repository: registry, tag: "2"}
status:
  image: ghcr.io/acme/runner:1.2.2
  history:
  - image: ghcr.io/acme/runner:1.2.1
  containers:
  - name: runner
    image: ghcr.io/acme/runner:1.2.1
`;
  const result = yaml(text);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(images(text, result), ['6:10-6:35 image ghcr.io/acme/runner:1.2.3']);
  assert.deepEqual(contexts(result), [{ kind: 'Runner', name: 'build', document: 0 }]);
  assert.deepEqual(findings(text, result), ['6:10-6:35 unpinned-image/mutable-tag info ghcr.io/acme/runner:1.2.3']);
});

test('containers without an image in a custom resource are patches onto the operator’s own: no root-user finding', () => {
  const text = `apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata:
  name: k8s
spec:
  image: quay.io/prometheus/prometheus:v3.1.0
  securityContext: {runAsNonRoot: true}
  containers:
  - name: prometheus
    livenessProbe: {timeoutSeconds: 5}
  - name: config-reloader
    resources: {limits: {memory: 64Mi}}
  - name: oauth-proxy
    image: quay.io/oauth2-proxy/oauth2-proxy:v7.7.1
    securityContext: {runAsUser: 0}
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), [
    '14:12-14:52 image quay.io/oauth2-proxy/oauth2-proxy:v7.7.1',
    '6:10-6:46 image quay.io/prometheus/prometheus:v3.1.0',
  ]);
  assert.deepEqual(contexts(result), [
    { kind: 'Prometheus', name: 'k8s', document: 0, container: 'oauth-proxy', containerType: 'containers' },
    { kind: 'Prometheus', name: 'k8s', document: 0 },
  ]);
  // The added container runs as root (its own runAsUser: 0); the patches are no containers at all.
  assert.deepEqual(
    result.findings.filter((f) => f.rule === 'root-user').map((f) => `${at(f.range)} ${f.reason}`),
    ['15:34-15:35 explicit'],
  );
});

test('Kyverno policies match images with patterns, which are no references: nothing is read', () => {
  const text = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: disallow-latest-tag
spec:
  rules:
  - name: validate-image-tag
    match:
      any:
      - resources: {kinds: [Pod]}
    validate:
      pattern:
        spec:
          containers:
          - image: "!*:latest"
`;
  assert.deepEqual(yaml(text), { ...NOTHING, sources: ['kubernetes'] });
});

test('aliases, merge keys and a duplicate image key in a custom resource: read as Kubernetes reads them', () => {
  const text = `apiVersion: example.com/v1
kind: Pipeline
metadata: {name: p}
x-defaults: &defaults
  image: ghcr.io/acme/base:1
spec:
  steps:
  - <<: *defaults
    name: first
  - <<: *defaults
    image: ghcr.io/acme/override:2
  - image: ghcr.io/acme/old:1
    image: ghcr.io/acme/new:2
`;
  const result = yaml(text);
  assert.deepEqual(
    result.errors.map((e) => [e.message, at(e.range!)]),
    [['YAML syntax error in document 1: duplicate key `image` (the last value is used)', '13:5-13:5']],
  );
  // The anchored image where it is written and where it is merged, then the override and the last value.
  assert.deepEqual(images(text, result), [
    '5:10-5:29 image ghcr.io/acme/base:1',
    '5:10-5:29 image ghcr.io/acme/base:1',
    '11:12-11:35 image ghcr.io/acme/override:2',
    '13:12-13:30 image ghcr.io/acme/new:2',
  ]);
  // One finding per place written.
  assert.deepEqual(
    result.findings.map((f) => at(f.range)),
    ['5:10-5:29', '11:12-11:35', '13:12-13:30'],
  );
});

// ---------------------------------------------------------------------------------------------
// Bounds
// ---------------------------------------------------------------------------------------------

test('the search of a custom resource is bounded in depth: an image 100 levels down is not read, one 20 down is', () => {
  const nest = (levels: number, image: string) =>
    `${Array.from({ length: levels }, (_, i) => `${'  '.repeat(i + 1)}l${i}:`).join('\n')}\n${'  '.repeat(levels + 1)}image: ${image}\n`;
  const text = `apiVersion: example.com/v1\nkind: Deep\nspec:\n${nest(20, 'shallow:1')}---\napiVersion: example.com/v1\nkind: Deep\nspec:\n${nest(100, 'deep:1')}`;
  const result = yaml(text);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(
    result.images.map((i) => i.raw),
    ['shallow:1'],
  );
});

test('the search of a custom resource is bounded in size: at most 1,000 images, and an alias bomb stops quickly', () => {
  const items = Array.from({ length: 2000 }, (_, i) => `  - image: r/i:${i}`).join('\n');
  const huge = `apiVersion: example.com/v1\nkind: Huge\nspec:\n${items}\n`;
  const result = yaml(huge);
  assert.ok(result.images.length > 900 && result.images.length <= 1000, `${result.images.length} images`);
  assert.deepEqual(
    result.images.slice(0, 2).map((i) => i.raw),
    ['r/i:0', 'r/i:1'],
  );
  // Each level names the one before it ten times: 10^8 uses of the image without the bound.
  const bomb = [
    'a0: &a0 {image: "x:1"}',
    ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`),
  ];
  const text = `apiVersion: example.com/v1\nkind: Bomb\n${bomb.join('\n')}\nspec: *a8\n`;
  const bombed = yaml(text);
  // The bound: at most 1000 images however many uses the aliases make (10^8 without it, hours of work).
  assert.ok(bombed.images.length > 0 && bombed.images.length <= 1000, `${bombed.images.length} images`);
  // One place written, one finding.
  assert.deepEqual(
    bombed.findings.map((f) => at(f.range)),
    ['3:18-3:21'],
  );
});

test('Tekton and OpenShift placeholders in an image are unresolved (filled in by another tool), not invalid', () => {
  const text = [
    'apiVersion: tekton.dev/v1',
    'kind: Task',
    'metadata: {name: build}',
    'spec:',
    '  steps:',
    '    - name: build',
    '      image: $(params.builder-image)',
    '    - name: push',
    '      image: registry.lan/${IMAGE_NAME}:latest',
    '',
  ].join('\n');
  const result = yaml(text);
  assert.deepEqual(
    result.images.map((i) => [i.status, i.unresolvedVariables]),
    [
      ['unresolved', ['$(params.builder-image)']],
      ['unresolved', ['${IMAGE_NAME}']],
    ],
  );
  assert.deepEqual(
    result.findings.map((f) => f.rule),
    ['unresolved-image', 'unresolved-image'],
  );
  // The value is the placeholder: said once, not "`$(params.builder-image)` holds `$(params.builder-image)`".
  assert.match(
    result.findings[0]!.message,
    /^`\$\(params\.builder-image\)` is a placeholder, which a tool fills in before the resource is applied/,
  );
  assert.match(result.findings[1]!.message, /^`registry\.lan\/\$\{IMAGE_NAME\}:latest` holds `\$\{IMAGE_NAME\}`, which a tool fills in/);
});

test('envsubst placeholders ($VAR, ${VAR}, ${VAR:-default}) in a manifest are unresolved-image (info), never invalid-reference', () => {
  const images = [
    '$VLLM_IMAGE',
    'us-central1-docker.pkg.dev/$PROJECT_ID/repo/app:latest',
    '$LOCATION-docker.pkg.dev/$GCLOUD_PROJECT/hello:1',
    '${EXT:-registry.k8s.io/epp:main}',
    '${IMAGE_URI}',
  ];
  const text = [
    'apiVersion: v1',
    'kind: Pod',
    'metadata: {name: p}',
    'spec:',
    '  containers:',
    ...images.map((image, i) => `    - {name: c${i}, image: "${image}"}`),
    '',
  ].join('\n');
  const result = yaml(text);
  assert.deepEqual(
    result.images.map((i) => [i.status, i.unresolvedVariables]),
    [
      ['unresolved', ['$VLLM_IMAGE']],
      ['unresolved', ['$PROJECT_ID']],
      ['unresolved', ['$LOCATION', '$GCLOUD_PROJECT']],
      ['unresolved', ['${EXT:-registry.k8s.io/epp:main}']],
      ['unresolved', ['${IMAGE_URI}']],
    ],
  );
  const unresolved = result.findings.filter((f) => f.rule !== 'root-user');
  assert.deepEqual(
    unresolved.map((f) => `${f.rule} ${f.severity}`),
    images.map(() => 'unresolved-image info'),
  );
  assert.equal(
    unresolved[2]!.message,
    '`$LOCATION-docker.pkg.dev/$GCLOUD_PROJECT/hello:1` holds `$LOCATION`, `$GCLOUD_PROJECT`, which a tool fills in before the resource is applied (envsubst, a shell, Tekton, an OpenShift template), so the image is unknown here.',
  );
});

test("placeholders that are no images (Istio's `image: auto`, ko's `ko://`, a scaffold's `IMAGE_URL`) are unresolved with who fills them in, not docker.io/library/auto", () => {
  const text = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: {name: istio-ingressgateway}',
    'spec:',
    '  template:',
    '    metadata:',
    '      annotations: {inject.istio.io/templates: gateway}',
    '      labels: {sidecar.istio.io/inject: "true"}',
    '    spec:',
    '      containers:',
    '        - name: istio-proxy',
    '          image: auto',
    '        - name: controller',
    '          image: ko://knative.dev/serving/cmd/controller',
    '        - name: automatic',
    '          image: autoscaler:1.0',
    '        - name: manager',
    '          image: IMAGE_URL',
    '        - name: mixed',
    '          image: Nginx:1.27',
    '',
  ].join('\n');
  const result = yaml(text);
  assert.deepEqual(
    result.images.map((i) => [i.raw, i.status, i.reference?.normalized]),
    [
      ['auto', 'unresolved', undefined],
      ['ko://knative.dev/serving/cmd/controller', 'unresolved', undefined],
      ['autoscaler:1.0', 'image', 'docker.io/library/autoscaler:1.0'],
      ['IMAGE_URL', 'unresolved', undefined],
      // Capitals in a name that is otherwise an image: a mistake, not a placeholder.
      ['Nginx:1.27', 'invalid', undefined],
    ],
  );
  const messages = result.findings.filter((f) => f.rule === 'unresolved-image').map((f) => f.message);
  assert.deepEqual(messages, [
    "`auto` is a placeholder, which Istio's injector replaces with its proxy image when the pod is created, so the image is unknown here.",
    '`ko://knative.dev/serving/cmd/controller` is a placeholder, which `ko resolve` replaces with the image it builds from that Go package, so the image is unknown here.',
    '`IMAGE_URL` is a placeholder, which you (or a build script) replace with a real image before the manifest is applied: a repository name is never in capitals, so the image is unknown here.',
  ]);
  assert.ok(result.findings.some((f) => f.rule === 'invalid-reference' && f.message.startsWith('`Nginx:1.27`')));
});
