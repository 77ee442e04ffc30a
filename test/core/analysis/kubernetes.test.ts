// Kubernetes manifests: where images are found in every workload kind, the context recorded
// for each, the root-user and unpinned-image rules, options, suppression, and the real
// manifests of the shared corpus.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { AnalysisResult, ContainerType, ImageOccurrence, KubernetesContext } from '../../../src/core/index.js';
import { at, readCorpus, textAt, yaml } from '../../support/analysis.js';
import { countCalls } from '../../support/counting.js';
import { Alias } from 'yaml';

const DIGEST = `sha256:${'a'.repeat(64)}`;

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

function only<T>(items: readonly T[]): T {
  assert.equal(items.length, 1, `expected exactly one item, got ${items.length}`);
  return items[0]!;
}

/** A pod spec body that is not root, so only image findings remain. */
const NON_ROOT = 'securityContext: {runAsNonRoot: true}';

// ---------------------------------------------------------------------------------------------
// Workload kinds
// ---------------------------------------------------------------------------------------------

const TEMPLATE_KINDS: ReadonlyArray<readonly [kind: string, apiVersion: string]> = [
  ['Deployment', 'apps/v1'],
  ['StatefulSet', 'apps/v1'],
  ['DaemonSet', 'apps/v1'],
  ['ReplicaSet', 'apps/v1'],
  ['ReplicationController', 'v1'],
  ['Job', 'batch/v1'],
  // Not a built-in kind: any object with spec.template.spec is a workload.
  ['Rollout', 'argoproj.io/v1alpha1'],
];

for (const [kind, apiVersion] of TEMPLATE_KINDS) {
  test(`${kind}: the image at spec.template.spec.containers, with its workload context`, () => {
    const text = `apiVersion: ${apiVersion}
kind: ${kind}
metadata:
  name: web
  namespace: prod
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx:1.27
`;
    const result = yaml(text);
    assert.deepEqual(result.sources, ['kubernetes']);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(images(text, result), ['11:16-11:26 image nginx:1.27']);
    const image = only(result.images);
    assert.equal(image.source, 'kubernetes');
    assert.equal(image.raw, 'nginx:1.27');
    assert.equal(image.pinned, false);
    assert.deepEqual(image.kubernetes, {
      kind,
      name: 'web',
      namespace: 'prod',
      document: 0,
      container: 'app',
      containerType: 'containers',
    });
    assert.deepEqual(findings(text, result), [
      '10:15-10:18 root-user/implicit info app',
      '11:16-11:26 unpinned-image/mutable-tag info nginx:1.27',
    ]);
  });
}

test('Pod: the pod spec is spec itself', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: single
spec:
  ${NON_ROOT}
  containers:
  - name: app
    image: nginx:1.27
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), ['9:12-9:22 image nginx:1.27']);
  assert.deepEqual(result.images[0]!.kubernetes, {
    kind: 'Pod',
    name: 'single',
    document: 0,
    container: 'app',
    containerType: 'containers',
  });
  assert.deepEqual(findings(text, result), ['9:12-9:22 unpinned-image/mutable-tag info nginx:1.27']);
});

test('PodTemplate: the pod spec is template.spec (no spec at the top)', () => {
  const text = `apiVersion: v1
kind: PodTemplate
metadata:
  name: tpl
template:
  spec:
    ${NON_ROOT}
    containers:
    - name: app
      image: busybox:1.36
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), ['10:14-10:26 image busybox:1.36']);
  assert.deepEqual(result.images[0]!.kubernetes, {
    kind: 'PodTemplate',
    name: 'tpl',
    document: 0,
    container: 'app',
    containerType: 'containers',
  });
});

test('CronJob: the pod spec is spec.jobTemplate.spec.template.spec', () => {
  const text = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: batch
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: backup
            image: ghcr.io/acme/backup:2.1
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), ['15:20-15:43 image ghcr.io/acme/backup:2.1']);
  assert.deepEqual(result.images[0]!.kubernetes, {
    kind: 'CronJob',
    name: 'nightly',
    namespace: 'batch',
    document: 0,
    container: 'backup',
    containerType: 'containers',
  });
  assert.deepEqual(findings(text, result), [
    '14:19-14:25 root-user/implicit info backup',
    '15:20-15:43 unpinned-image/mutable-tag info ghcr.io/acme/backup:2.1',
  ]);
});

test('a CronJob whose image sits at spec.template.spec is not read there', () => {
  // spec.template.spec is not where a CronJob keeps its pod: nothing is found.
  const text = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: wrong
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx:1.27
`;
  const result = yaml(text);
  assert.deepEqual(result.images, []);
  assert.deepEqual(result.findings, []);
  assert.deepEqual(result.sources, ['kubernetes']);
});

test('a custom resource with spec.image: an image without a container, and no root-user finding', () => {
  const text = `apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata:
  name: k8s
  namespace: monitoring
spec:
  image: quay.io/prometheus/prometheus:v3.1.0
  replicas: 2
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), ['7:10-7:46 image quay.io/prometheus/prometheus:v3.1.0']);
  assert.deepEqual(result.images[0]!.kubernetes, { kind: 'Prometheus', name: 'k8s', namespace: 'monitoring', document: 0 });
  assert.deepEqual(findings(text, result), ['7:10-7:46 unpinned-image/mutable-tag info quay.io/prometheus/prometheus:v3.1.0']);
});

test('a built-in workload never reads spec.image', () => {
  const text = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: odd
spec:
  image: nginx:latest
`;
  const result = yaml(text);
  assert.deepEqual(result.images, []);
  assert.deepEqual(result.findings, []);
});

test('kind: List: each item carries its own kind; items without images are ignored', () => {
  const text = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: p1
  spec:
    ${NON_ROOT}
    containers:
    - name: a
      image: redis:7
- apiVersion: v1
  kind: Service
  metadata:
    name: svc
  spec:
    ports:
    - port: 80
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: d1
    namespace: apps
  spec:
    template:
      spec:
        ${NON_ROOT}
        containers:
        - name: b
          image: "nginx"
`;
  const result = yaml(text);
  assert.deepEqual(result.sources, ['kubernetes']);
  assert.deepEqual(images(text, result), ['12:14-12:21 image redis:7', '31:19-31:24 image nginx']);
  assert.deepEqual(
    result.images.map((i) => i.kubernetes),
    [
      { kind: 'Pod', name: 'p1', document: 0, container: 'a', containerType: 'containers' },
      { kind: 'Deployment', name: 'd1', namespace: 'apps', document: 0, container: 'b', containerType: 'containers' },
    ],
  );
  assert.deepEqual(findings(text, result), [
    '12:14-12:21 unpinned-image/mutable-tag info redis:7',
    '31:19-31:24 unpinned-image/untagged warning nginx',
  ]);
});

test('typed lists (PodList, DeploymentList): items have no kind, it is implied by the list kind', () => {
  const text = `apiVersion: v1
kind: PodList
metadata: {}
items:
- metadata:
    name: p1
    namespace: kube-system
  spec:
    ${NON_ROOT}
    containers:
    - name: etcd
      image: quay.io/coreos/etcd:latest
- metadata:
    name: p2
  spec:
    ${NON_ROOT}
    containers:
    - name: web
      image: nginx:1.27
---
apiVersion: apps/v1
kind: DeploymentList
items:
- metadata:
    name: d
  spec:
    template:
      spec:
        ${NON_ROOT}
        containers:
        - name: app
          image: app:2
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), [
    '12:14-12:40 image quay.io/coreos/etcd:latest',
    '19:14-19:24 image nginx:1.27',
    '32:18-32:23 image app:2',
  ]);
  assert.deepEqual(
    result.images.map((i) => i.kubernetes),
    [
      { kind: 'Pod', name: 'p1', namespace: 'kube-system', document: 0, container: 'etcd', containerType: 'containers' },
      { kind: 'Pod', name: 'p2', document: 0, container: 'web', containerType: 'containers' },
      { kind: 'Deployment', name: 'd', document: 1, container: 'app', containerType: 'containers' },
    ],
  );
  assert.deepEqual(findings(text, result), [
    '12:14-12:40 unpinned-image/latest warning quay.io/coreos/etcd:latest',
    '19:14-19:24 unpinned-image/mutable-tag info nginx:1.27',
    '32:18-32:23 unpinned-image/mutable-tag info app:2',
  ]);
});

// ---------------------------------------------------------------------------------------------
// Containers and context
// ---------------------------------------------------------------------------------------------

test('containers, initContainers and ephemeralContainers each record their containerType', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: debug-me
  namespace: ops
spec:
  ${NON_ROOT}
  containers:
  - name: main
    image: app:1.0
  initContainers:
  - name: migrate
    image: app-migrate:1.0
  ephemeralContainers:
  - name: debugger
    image: busybox:1.36
    targetContainerName: main
`;
  const result = yaml(text);
  const byType = new Map(result.images.map((i) => [i.kubernetes?.containerType, i] as const));
  assert.equal(result.images.length, 3);
  const pod = { kind: 'Pod', name: 'debug-me', namespace: 'ops', document: 0 };
  const check = (type: ContainerType, expected: { at: string; raw: string; context: KubernetesContext }) => {
    const image = byType.get(type);
    assert.ok(image, `no image of type ${type}`);
    assert.equal(at(image.range), expected.at);
    assert.equal(image.raw, expected.raw);
    assert.equal(textAt(text, image.range), expected.raw);
    assert.deepEqual(image.kubernetes, expected.context);
  };
  check('containers', { at: '10:12-10:19', raw: 'app:1.0', context: { ...pod, container: 'main', containerType: 'containers' } });
  check('initContainers', {
    at: '13:12-13:27',
    raw: 'app-migrate:1.0',
    context: { ...pod, container: 'migrate', containerType: 'initContainers' },
  });
  check('ephemeralContainers', {
    at: '16:12-16:24',
    raw: 'busybox:1.36',
    context: { ...pod, container: 'debugger', containerType: 'ephemeralContainers' },
  });
  // Findings come sorted by position, whatever the container type.
  assert.deepEqual(findings(text, result), [
    '10:12-10:19 unpinned-image/mutable-tag info app:1.0',
    '13:12-13:27 unpinned-image/mutable-tag info app-migrate:1.0',
    '16:12-16:24 unpinned-image/mutable-tag info busybox:1.36',
  ]);
});

test('a multi-document file: each image has its own document index, kind, name and namespace', () => {
  const text = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
  namespace: shop
spec:
  template:
    spec:
      ${NON_ROOT}
      containers:
      - name: web
        image: shop/frontend:1.4
---
apiVersion: v1
kind: Service
metadata:
  name: frontend
spec:
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  template:
    spec:
      ${NON_ROOT}
      containers:
      - name: postgres
        image: postgres:16.4
`;
  const result = yaml(text);
  assert.deepEqual(result.sources, ['kubernetes']);
  assert.deepEqual(images(text, result), ['17:16-17:33 image shop/frontend:1.4', '36:16-36:29 image postgres:16.4']);
  assert.deepEqual(
    result.images.map((i) => i.kubernetes),
    [
      { kind: 'Deployment', name: 'frontend', namespace: 'shop', document: 1, container: 'web', containerType: 'containers' },
      { kind: 'StatefulSet', name: 'db', document: 3, container: 'postgres', containerType: 'containers' },
    ],
  );
});

test('a container without a name: no container in the context; root-user points at its first key', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: anon
spec:
  containers:
  - image: nginx:1.27
    ports: [{containerPort: 80}]
`;
  const result = yaml(text);
  assert.deepEqual(result.images[0]!.kubernetes, { kind: 'Pod', name: 'anon', document: 0, containerType: 'containers' });
  assert.deepEqual(findings(text, result), [
    '7:5-7:10 root-user/implicit info image',
    '7:12-7:22 unpinned-image/mutable-tag info nginx:1.27',
  ]);
  assert.match(result.findings[0]!.message, /^This container may run as root/);
});

// ---------------------------------------------------------------------------------------------
// How the image is written
// ---------------------------------------------------------------------------------------------

test('quoted images: the range and raw text exclude the quotes (double and single)', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: q
spec:
  ${NON_ROOT}
  containers:
  - name: a
    image: "nginx:1.27"
  - name: b
    image: 'redis:7.4'
  - name: c
    image: "ghcr.io/acme/api@${DIGEST}"
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), [
    '9:13-9:23 image nginx:1.27',
    '11:13-11:22 image redis:7.4',
    `13:13-13:101 image ghcr.io/acme/api@${DIGEST}`,
  ]);
  assert.deepEqual(
    result.images.map((i) => i.raw),
    ['nginx:1.27', 'redis:7.4', `ghcr.io/acme/api@${DIGEST}`],
  );
  assert.deepEqual(
    result.images.map((i) => i.pinned),
    [false, false, true],
  );
  assert.deepEqual(findings(text, result), [
    '9:13-9:23 unpinned-image/mutable-tag info nginx:1.27',
    '11:13-11:22 unpinned-image/mutable-tag info redis:7.4',
  ]);
});

test('flow-style containers: ranges inside the flow sequence', () => {
  const text = `apiVersion: v1
kind: Pod
metadata: {name: flow}
spec:
  ${NON_ROOT}
  containers: [{name: a, image: "x:1"}, {name: b, image: y}]
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), ['6:34-6:37 image x:1', '6:58-6:59 image y']);
  assert.deepEqual(
    result.images.map((i) => i.kubernetes?.container),
    ['a', 'b'],
  );
  assert.deepEqual(findings(text, result), [
    '6:34-6:37 unpinned-image/mutable-tag info x:1',
    '6:58-6:59 unpinned-image/untagged warning y',
  ]);
});

test('a comment after the value is not part of the image', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: c
spec:
  ${NON_ROOT}
  containers:
  - name: a
    image: nginx:1.27    # the web server
  - name: b
    image: "redis:7.4" # quoted, then a comment
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), ['9:12-9:22 image nginx:1.27', '11:13-11:22 image redis:7.4']);
  assert.deepEqual(
    result.images.map((i) => i.raw),
    ['nginx:1.27', 'redis:7.4'],
  );
});

test('folded and literal block scalars: the range is the value text on its line, not the >- or | indicator', () => {
  // Before, the range started at the indicator and ran to the next line's end.
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: blocks
spec:
  ${NON_ROOT}
  containers:
  - name: folded
    image: >-
      nginx:1.27
  - name: literal
    image: |-
      redis:7.4
  - name: commented
    image: >- # the proxy
      envoyproxy/envoy:v1.32.1

  - name: last
    image: >-
      alpine:3.20
`;
  const result = yaml(text);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(images(text, result), [
    '10:7-10:17 image nginx:1.27',
    '13:7-13:16 image redis:7.4',
    '16:7-16:31 image envoyproxy/envoy:v1.32.1',
    '20:7-20:18 image alpine:3.20',
  ]);
  assert.deepEqual(
    result.images.map((i) => i.raw),
    ['nginx:1.27', 'redis:7.4', 'envoyproxy/envoy:v1.32.1', 'alpine:3.20'],
  );
  assert.deepEqual(findings(text, result), [
    '10:7-10:17 unpinned-image/mutable-tag info nginx:1.27',
    '13:7-13:16 unpinned-image/mutable-tag info redis:7.4',
    '16:7-16:31 unpinned-image/mutable-tag info envoyproxy/envoy:v1.32.1',
    '20:7-20:18 unpinned-image/mutable-tag info alpine:3.20',
  ]);
});

test('block scalars whose value is more than the line: a kept line break or indentation is invalid; several lines are one range', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: blocks
spec:
  ${NON_ROOT}
  containers:
  - name: clipped
    image: |
      busybox:1.36
  - name: indented
    image: >2-
        alpine:3.20
  - name: multi
    image: >-
      registry.example.com/team/
      app:1.0

  - name: crlf
    image: >-
      nginx:1.27
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), [
    // The value is "busybox:1.36\n": the text on the line, but an invalid reference.
    '10:7-10:19 invalid busybox:1.36',
    // The indentation indicator makes two of the spaces part of the value.
    '13:7-13:20 invalid   alpine:3.20',
    // From the first character of the first line to the end of the last.
    '16:7-17:14 invalid registry.example.com/team/\n      app:1.0',
    '21:7-21:17 image nginx:1.27',
  ]);
  // A one-line value is its text as written; a longer one is the value (the folded line breaks are spaces).
  assert.deepEqual(
    result.images.map((i) => i.raw),
    ['busybox:1.36', '  alpine:3.20', 'registry.example.com/team/ app:1.0', 'nginx:1.27'],
  );
});

test('an alias (image: *img): the range is the anchored scalar, and one finding for the shared place', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: shared
spec:
  ${NON_ROOT}
  containers:
  - name: a
    image: &img nginx:latest
  - name: b
    image: *img
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), ['9:17-9:29 image nginx:latest', '9:17-9:29 image nginx:latest']);
  assert.deepEqual(
    result.images.map((i) => i.kubernetes?.container),
    ['a', 'b'],
  );
  assert.deepEqual(findings(text, result), ['9:17-9:29 unpinned-image/latest warning nginx:latest']);
});

test('merge keys (<<: *defaults) supply image and name lookups through the anchor', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: merged
spec:
  ${NON_ROOT}
  containers:
  - &defaults
    name: base
    image: python:3.12
    imagePullPolicy: Always
  - <<: *defaults
    name: worker
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), ['10:12-10:23 image python:3.12', '10:12-10:23 image python:3.12']);
  assert.deepEqual(
    result.images.map((i) => i.kubernetes?.container),
    ['base', 'worker'],
  );
  assert.deepEqual(findings(text, result), ['10:12-10:23 unpinned-image/mutable-tag info python:3.12']);
});

test('a securityContext shared through a merge key is read for the merging container', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: merged
spec:
  containers:
  - name: base
    image: app@${DIGEST}
    securityContext: &sc
      runAsNonRoot: true
      runAsUser: 1000
  - name: other
    image: app@${DIGEST}
    securityContext:
      <<: *sc
`;
  const result = yaml(text);
  assert.deepEqual(result.findings, []);
});

test('a runAsUser: 0 shared by two containers through a merge key is one finding at that place', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: merged
spec:
  containers:
  - &defaults
    name: base
    image: app@${DIGEST}
    securityContext: {runAsUser: 0}
  - <<: *defaults
    name: other
`;
  const result = yaml(text);
  assert.deepEqual(findings(text, result), ['10:34-10:35 root-user/explicit warning 0']);
});

test('an image that is empty, null or not a string is an invalid-reference error', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: bad
spec:
  ${NON_ROOT}
  containers:
  - name: empty
    image:
  - name: nulled
    image: null
  - name: number
    image: 42
  - name: quoted-empty
    image: ""
  - name: float
    image: 1.5
`;
  const result = yaml(text);
  assert.deepEqual(
    result.images.map((i) => [at(i.range), i.status, i.raw, i.problem]),
    [
      ['9:11-9:11', 'invalid', '', 'the image is empty'],
      ['11:12-11:16', 'invalid', '', 'the image is empty'],
      ['13:12-13:14', 'invalid', '', 'the image must be a string'],
      ['15:13-15:13', 'invalid', '', 'the image reference is empty'],
      ['17:12-17:15', 'invalid', '', 'the image must be a string'],
    ],
  );
  assert.deepEqual(findings(text, result), [
    '9:11-9:11 invalid-reference error ',
    '11:12-11:16 invalid-reference error null',
    '13:12-13:14 invalid-reference error 42',
    '15:13-15:13 invalid-reference error ',
    '17:12-17:15 invalid-reference error 1.5',
  ]);
  assert.equal(result.findings[0]!.message, 'The image is not a valid image reference: the image is empty.');
  assert.equal(result.findings[2]!.message, 'The image is not a valid image reference: the image must be a string.');
});

test('an image string that does not parse is invalid, with the reason', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: bad
spec:
  ${NON_ROOT}
  containers:
  - name: a
    image: Nginx:1.27
`;
  const result = yaml(text);
  const image = only(result.images);
  assert.equal(image.status, 'invalid');
  assert.equal(image.problem, 'the repository name must be lowercase');
  assert.deepEqual(findings(text, result), ['9:12-9:22 invalid-reference error Nginx:1.27']);
  assert.equal(result.findings[0]!.message, '`Nginx:1.27` is not a valid image reference: the repository name must be lowercase.');
  assert.equal(result.findings[0]!.raw, 'Nginx:1.27');
});

test('CRLF line endings: ranges are still exact, across documents', () => {
  const text = [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: p',
    'spec:',
    '  containers:',
    '  - name: a',
    '    image: nginx:1.27',
    '  - name: b',
    '    image: "redis"  # note',
    '---',
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: q',
    'spec:',
    '  containers:',
    '  - name: c',
    '    image: alpine:latest',
    '',
  ].join('\r\n');
  const result = yaml(text);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(images(text, result), ['8:12-8:22 image nginx:1.27', '10:13-10:18 image redis', '19:12-19:25 image alpine:latest']);
  assert.deepEqual(
    result.images.map((i) => i.raw),
    ['nginx:1.27', 'redis', 'alpine:latest'],
  );
  assert.deepEqual(
    result.images.map((i) => i.kubernetes?.document),
    [0, 0, 1],
  );
  assert.deepEqual(findings(text, result), [
    '7:11-7:12 root-user/implicit info a',
    '8:12-8:22 unpinned-image/mutable-tag info nginx:1.27',
    '9:11-9:12 root-user/implicit info b',
    '10:13-10:18 unpinned-image/untagged warning redis',
    '18:11-18:12 root-user/implicit info c',
    '19:12-19:25 unpinned-image/latest warning alpine:latest',
  ]);
});

test('a JSON manifest (no BOM) is read as YAML, on one line', () => {
  const text = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":"nginx:1.27"}]}}';
  const result = yaml(text);
  assert.deepEqual(result.sources, ['kubernetes']);
  assert.deepEqual(images(text, result), ['1:100-1:110 image nginx:1.27']);
  assert.deepEqual(result.images[0]!.kubernetes, { kind: 'Pod', name: 'p', document: 0, container: 'a', containerType: 'containers' });
  assert.deepEqual(rulesOf(result), ['root-user/implicit', 'unpinned-image/mutable-tag']);
  assert.equal(result.findings[0]!.range.start.line, 0);
});

test('a multi-line JSON manifest: exact ranges, pod-level runAsUser 0', () => {
  const text = `{
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "metadata": {"name": "d", "namespace": "prod"},
  "spec": {"template": {"spec": {
    "securityContext": {"runAsUser": 0},
    "containers": [{"name": "a", "image": "nginx:latest"}]
  }}}
}`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), ['7:44-7:56 image nginx:latest']);
  assert.deepEqual(result.images[0]!.kubernetes, {
    kind: 'Deployment',
    name: 'd',
    namespace: 'prod',
    document: 0,
    container: 'a',
    containerType: 'containers',
  });
  assert.deepEqual(rulesOf(result), ['root-user/explicit', 'unpinned-image/latest']);
  assert.equal(result.findings[0]!.range.start.line, 6);
});

function rulesOf(result: AnalysisResult): string[] {
  return result.findings.map((f) => (f.reason !== undefined ? `${f.rule}/${f.reason}` : f.rule));
}

// ---------------------------------------------------------------------------------------------
// root-user
// ---------------------------------------------------------------------------------------------

/** A Pod with one pinned container, so only root-user findings can appear. */
function rootPod(podContext: string, containerContext: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
${podContext}  containers:
  - name: app
    image: nginx@${DIGEST}
${containerContext}`;
}

test('root-user: runAsUser: 0 in the container is explicit, on the 0', () => {
  const text = rootPod('', '    securityContext:\n      runAsUser: 0\n');
  const result = yaml(text);
  assert.deepEqual(findings(text, result), ['10:18-10:19 root-user/explicit warning 0']);
  const finding = only(result.findings);
  assert.equal(finding.raw, `nginx@${DIGEST}`);
  assert.equal(
    finding.message,
    'Container `app` runs as root (`runAsUser: 0`). Set `runAsUser` to a non-zero UID and `runAsNonRoot: true`.',
  );
});

test('root-user: runAsUser: 0 inherited from the pod is explicit, on the container name', () => {
  const text = rootPod('  securityContext:\n    runAsUser: 0\n', '');
  const result = yaml(text);
  assert.deepEqual(findings(text, result), ['9:11-9:14 root-user/explicit warning app']);
  assert.match(result.findings[0]!.message, /`runAsUser: 0` from the pod securityContext/);
});

test('root-user: pod-level runAsUser: 0 gives one finding per container that inherits it', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  securityContext:
    runAsUser: 0 # root on purpose
  containers:
  - name: a
    image: a@${DIGEST}
  - name: b
    image: b@${DIGEST}
    securityContext:
      runAsUser: 1000
  - name: c
    image: c@${DIGEST}
`;
  const result = yaml(text);
  assert.deepEqual(findings(text, result), ['9:11-9:12 root-user/explicit warning a', '15:11-15:12 root-user/explicit warning c']);
});

test('root-user: a non-zero runAsUser is no finding', () => {
  assert.deepEqual(yaml(rootPod('', '    securityContext:\n      runAsUser: 1000\n')).findings, []);
  assert.deepEqual(yaml(rootPod('  securityContext:\n    runAsUser: 65534\n', '')).findings, []);
});

test('root-user: runAsNonRoot: true is no finding (pod or container level)', () => {
  assert.deepEqual(yaml(rootPod('  securityContext:\n    runAsNonRoot: true\n', '')).findings, []);
  assert.deepEqual(yaml(rootPod('', '    securityContext:\n      runAsNonRoot: true\n')).findings, []);
});

test('root-user: nothing set is implicit, on the container name', () => {
  const text = rootPod('', '');
  const result = yaml(text);
  assert.deepEqual(findings(text, result), ['7:11-7:14 root-user/implicit info app']);
  assert.equal(
    result.findings[0]!.message,
    "Container `app` may run as root: neither `runAsUser` nor `runAsNonRoot: true` is set, so the image's user applies. " +
      'Set `securityContext.runAsNonRoot: true` (and a non-zero `runAsUser`).',
  );
});

test('root-user: an empty securityContext is the same as none', () => {
  const text = rootPod('  securityContext: {}\n', '    securityContext: {}\n');
  assert.deepEqual(findings(text, yaml(text)), ['8:11-8:14 root-user/implicit info app']);
});

test('root-user: runAsNonRoot: false and no runAsUser is implicit', () => {
  const text = rootPod('  securityContext:\n    runAsNonRoot: false\n', '');
  const result = yaml(text);
  assert.deepEqual(findings(text, result), ['9:11-9:14 root-user/implicit info app']);
  assert.match(result.findings[0]!.message, /`runAsNonRoot` is false and no `runAsUser` is set/);
});

test('root-user: runAsNonRoot: false with a non-zero runAsUser is no finding', () => {
  assert.deepEqual(yaml(rootPod('  securityContext:\n    runAsNonRoot: false\n    runAsUser: 1000\n', '')).findings, []);
});

test('root-user: the container runAsUser: 1000 overrides the pod runAsUser: 0', () => {
  const text = rootPod('  securityContext:\n    runAsUser: 0\n', '    securityContext:\n      runAsUser: 1000\n');
  assert.deepEqual(yaml(text).findings, []);
});

test('root-user: the container runAsUser: 0 overrides the pod runAsNonRoot: true (explicit)', () => {
  const text = rootPod('  securityContext:\n    runAsNonRoot: true\n', '    securityContext:\n      runAsUser: 0   # needs root\n');
  const result = yaml(text);
  assert.deepEqual(findings(text, result), ['12:18-12:19 root-user/explicit warning 0']);
});

test('root-user: the container runAsNonRoot: false overrides the pod runAsNonRoot: true (implicit)', () => {
  const text = rootPod('  securityContext:\n    runAsNonRoot: true\n', '    securityContext:\n      runAsNonRoot: false\n');
  assert.deepEqual(findings(text, yaml(text)), ['9:11-9:14 root-user/implicit info app']);
});

test('root-user: checked for init and ephemeral containers too', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  initContainers:
  - name: init
    image: a@${DIGEST}
  ephemeralContainers:
  - name: dbg
    image: b@${DIGEST}
    securityContext: {runAsUser: 0}
`;
  assert.deepEqual(findings(text, yaml(text)), ['7:11-7:15 root-user/implicit info init', '12:34-12:35 root-user/explicit warning 0']);
});

test('root-user: the range of a quoted container name excludes the quotes, like image ranges', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: "app"
    image: a@${DIGEST}
  - name: 'web'
    image: b@${DIGEST}
`;
  assert.deepEqual(findings(text, yaml(text)), ['7:12-7:15 root-user/implicit info app', '9:12-9:15 root-user/implicit info web']);
});

// ---------------------------------------------------------------------------------------------
// unpinned-image, severities and options
// ---------------------------------------------------------------------------------------------

const UNPINNED = `apiVersion: v1
kind: Pod
metadata:
  name: tags
spec:
  ${NON_ROOT}
  containers:
  - name: latest
    image: nginx:latest
  - name: untagged
    image: nginx
  - name: mutable
    image: nginx:1.27
  - name: tag-and-digest
    image: nginx:1.27@${DIGEST}
  - name: digest
    image: nginx@${DIGEST}
  - name: registry-port
    image: registry.local:5000/team/app
`;

test('unpinned-image: latest, untagged and mutable-tag; digests (with or without a tag) are not flagged', () => {
  const result = yaml(UNPINNED);
  assert.deepEqual(
    result.images.map((i) => [i.raw, i.pinned]),
    [
      ['nginx:latest', false],
      ['nginx', false],
      ['nginx:1.27', false],
      [`nginx:1.27@${DIGEST}`, true],
      [`nginx@${DIGEST}`, true],
      ['registry.local:5000/team/app', false],
    ],
  );
  assert.deepEqual(findings(UNPINNED, result), [
    '9:12-9:24 unpinned-image/latest warning nginx:latest',
    '11:12-11:17 unpinned-image/untagged warning nginx',
    '13:12-13:22 unpinned-image/mutable-tag info nginx:1.27',
    '19:12-19:40 unpinned-image/untagged warning registry.local:5000/team/app',
  ]);
  assert.deepEqual(
    result.findings.map((f) => f.raw),
    ['nginx:latest', 'nginx', 'nginx:1.27', 'registry.local:5000/team/app'],
  );
  assert.equal(
    result.findings[0]!.message,
    '`nginx:latest` uses `latest`, which moves with every release. Pin a version and its digest (`nginx:<version>@sha256:…`).',
  );
  assert.equal(
    result.findings[1]!.message,
    '`nginx` has no tag, so it means `nginx:latest`, which moves with every release. Pin it to a digest (`nginx:<version>@sha256:…`).',
  );
  assert.equal(
    result.findings[2]!.message,
    '`nginx:1.27` is not pinned: the tag `1.27` can be moved to other content. Pin it to its digest (`nginx:1.27@sha256:…`).',
  );
});

test('severity per variant: only the configured variant changes', () => {
  const result = yaml(UNPINNED, { rules: { 'unpinned-image': { severity: { 'mutable-tag': 'error' } } } });
  assert.deepEqual(
    result.findings.map((f) => `${f.reason}:${f.severity}`),
    ['latest:warning', 'untagged:warning', 'mutable-tag:error', 'untagged:warning'],
  );
});

test('one severity string applies to every variant of the rule, and to no other rule', () => {
  const text = UNPINNED.replace(`  ${NON_ROOT}\n`, '');
  const result = yaml(text, { rules: { 'unpinned-image': { severity: 'error' } } });
  assert.deepEqual(
    result.findings.filter((f) => f.rule === 'unpinned-image').map((f) => f.severity),
    ['error', 'error', 'error', 'error'],
  );
  const root = result.findings.filter((f) => f.rule === 'root-user');
  assert.equal(root.length, 6);
  assert.ok(root.every((f) => f.severity === 'info'));
});

test('root-user severities can be configured per variant', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: a
    image: a@${DIGEST}
  - name: b
    image: b@${DIGEST}
    securityContext: {runAsUser: 0}
`;
  const result = yaml(text, { rules: { 'root-user': { severity: { implicit: 'error', explicit: 'info' } } } });
  assert.deepEqual(findings(text, result), ['7:11-7:12 root-user/implicit error a', '11:34-11:35 root-user/explicit info 0']);
});

test('enabled: false switches a rule off, leaving the others', () => {
  const noUnpinned = yaml(UNPINNED, { rules: { 'unpinned-image': { enabled: false } } });
  assert.deepEqual(noUnpinned.findings, []);
  assert.equal(noUnpinned.images.length, 6);

  const text = rootPod('', '');
  const unpinnedText = text.replace(`nginx@${DIGEST}`, 'nginx:latest');
  assert.deepEqual(rulesOf(yaml(unpinnedText, { rules: { 'root-user': { enabled: false } } })), ['unpinned-image/latest']);
  assert.deepEqual(rulesOf(yaml(unpinnedText, { rules: { 'unpinned-image': { enabled: false } } })), ['root-user/implicit']);
  assert.deepEqual(yaml(unpinnedText, { rules: { 'unpinned-image': { enabled: false }, 'root-user': { enabled: false } } }).findings, []);
});

test('invalid-reference can be switched off too', () => {
  const text = rootPod('  securityContext: {runAsNonRoot: true}\n', '').replace(`nginx@${DIGEST}`, 'Bad:Image');
  assert.deepEqual(rulesOf(yaml(text)), ['invalid-reference']);
  assert.deepEqual(yaml(text, { rules: { 'invalid-reference': { enabled: false } } }).findings, []);
});

// ---------------------------------------------------------------------------------------------
// Suppression
// ---------------------------------------------------------------------------------------------

function suppressionPod(containers: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: s
spec:
  containers:
${containers}`;
}

test('suppression: # shipshape-ignore <rule> on the line above silences that rule on the next line', () => {
  const text = suppressionPod(`  - name: app
    # shipshape-ignore unpinned-image
    image: nginx:latest
`);
  assert.deepEqual(findings(text, yaml(text)), ['7:11-7:14 root-user/implicit info app']);
});

test('suppression: # shipshape-ignore <rule> at the end of the same line', () => {
  const text = suppressionPod(`  - name: app
    image: nginx:latest # shipshape-ignore unpinned-image
`);
  assert.deepEqual(findings(text, yaml(text)), ['7:11-7:14 root-user/implicit info app']);
});

test('suppression: a comma-separated list of rules, followed by an explanation', () => {
  const text = suppressionPod(`  - name: app # shipshape-ignore unpinned-image,root-user
    image: nginx:latest # shipshape-ignore unpinned-image, root-user because the base is internal
  - name: other
    image: redis:latest
`);
  assert.deepEqual(findings(text, yaml(text)), [
    '9:11-9:16 root-user/implicit info other',
    '10:12-10:24 unpinned-image/latest warning redis:latest',
  ]);
});

test('suppression: `rule:` then a reason silences that rule only; a misspelt rule silences nothing', () => {
  const text = suppressionPod(`  - name: app # shipshape-ignore root-user: it drops privileges itself
    image: nginx:latest # shipshape-ignore unpined-image (typo)
  - name: b # shipshape-ignore root-user, unpinned-image: both known
    image: redis:latest # shipshape-ignore unpinned-image. reviewed
`);
  assert.deepEqual(findings(text, yaml(text)), ['8:12-8:24 unpinned-image/latest warning nginx:latest']);
});

test('suppression: a bare # shipshape-ignore silences every rule on its line', () => {
  const text = suppressionPod(`  - name: app  # shipshape-ignore
    image: nginx:latest  # shipshape-ignore
  - name: b
    # shipshape-ignore
    image: Bad:Image
`);
  assert.deepEqual(findings(text, yaml(text)), ['9:11-9:12 root-user/implicit info b']);
});

test('suppression: a comment naming a different rule does not silence', () => {
  const text = suppressionPod(`  - name: app  # shipshape-ignore unpinned-image
    image: nginx:latest  # shipshape-ignore root-user
`);
  assert.deepEqual(findings(text, yaml(text)), [
    '7:11-7:14 root-user/implicit info app',
    '8:12-8:24 unpinned-image/latest warning nginx:latest',
  ]);
});

test('suppression: only the very next line; a blank line in between breaks it', () => {
  const text = suppressionPod(`  - name: app
    # shipshape-ignore unpinned-image

    image: nginx:latest
`);
  assert.deepEqual(rulesOf(yaml(text)), ['root-user/implicit', 'unpinned-image/latest']);
});

test('suppression: the explicit root-user finding is silenced on its runAsUser line', () => {
  const text = suppressionPod(`  - name: app
    image: nginx@${DIGEST}
    securityContext:
      runAsUser: 0 # shipshape-ignore root-user
`);
  assert.deepEqual(yaml(text).findings, []);
});

test('suppression works in CRLF files', () => {
  const text = [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: s',
    'spec:',
    '  securityContext:',
    '    runAsNonRoot: true',
    '  containers:',
    '  - name: a',
    '    # shipshape-ignore unpinned-image',
    '    image: nginx:latest',
    '  - name: b',
    '    image: nginx:latest # shipshape-ignore',
    '',
  ].join('\r\n');
  assert.deepEqual(yaml(text).findings, []);
});

// ---------------------------------------------------------------------------------------------
// The shared corpus: real manifests
// ---------------------------------------------------------------------------------------------

interface ExpectedImage {
  /** 1-based line; the image starts at `column` (1-based). */
  readonly line: number;
  readonly column: number;
  readonly raw: string;
  readonly context: KubernetesContext;
}

/** Checks the images against expectations, in order of position, with exact ranges. */
function assertImages(text: string, result: AnalysisResult, expected: readonly ExpectedImage[]): void {
  const actual = [...result.images].sort((a, b) => a.range.start.line - b.range.start.line);
  assert.deepEqual(
    actual.map((i: ImageOccurrence) => ({ at: at(i.range), text: textAt(text, i.range), raw: i.raw, context: i.kubernetes })),
    expected.map((e) => ({
      at: `${e.line}:${e.column}-${e.line}:${e.column + e.raw.length}`,
      text: e.raw,
      raw: e.raw,
      context: e.context,
    })),
  );
  for (const image of result.images) assert.equal(image.source, 'kubernetes');
}

/** `line rule/reason severity`, with 1-based lines. */
function findingLines(result: AnalysisResult): string[] {
  return result.findings.map((f) => `${f.range.start.line + 1} ${f.rule}/${f.reason} ${f.severity}`);
}

/** Root-user findings on a container name: the line and the name (quotes, as in JSON, removed). */
function rootNames(text: string, result: AnalysisResult): string[] {
  return result.findings
    .filter((f) => f.rule === 'root-user')
    .map((f) => `${f.range.start.line + 1} ${f.reason} ${textAt(text, f.range).replace(/^"(.*)"$/, '$1')}`);
}

function lineOf(text: string, line: number): string {
  return text.split('\n')[line - 1]!.replace(/\r$/, '');
}

test('corpus: microservices-demo loadgenerator (initContainer with digest, untagged main, non-root pod)', () => {
  const text = readCorpus('k8s/microservices-demo--kubernetes-manifests--loadgenerator.yaml');
  const result = yaml(text);
  assert.deepEqual(result.sources, ['kubernetes']);
  assert.deepEqual(result.errors, []);
  const workload = { kind: 'Deployment', name: 'loadgenerator', document: 0 };
  const busybox = 'busybox:1.38.0@sha256:fd8d9aa63ba2f0982b5304e1ee8d3b90a210bc1ffb5314d980eb6962f1a9715d';
  assertImages(text, result, [
    { line: 67, column: 16, raw: busybox, context: { ...workload, container: 'frontend-check', containerType: 'initContainers' } },
    { line: 80, column: 16, raw: 'loadgenerator', context: { ...workload, container: 'main', containerType: 'containers' } },
  ]);
  assert.equal(lineOf(text, 67), `        image: ${busybox}`);
  assert.equal(lineOf(text, 80), '        image: loadgenerator');
  const pinned = result.images.find((i) => i.raw === busybox)!;
  assert.equal(pinned.pinned, true);
  assert.equal(pinned.reference?.tag, '1.38.0');
  // The pod securityContext has runAsNonRoot: true and runAsUser: 1000: no root-user finding.
  assert.deepEqual(findingLines(result), ['80 unpinned-image/untagged warning']);
});

test('corpus: microservices-demo cartservice (two Deployments: untagged cartservice, redis:alpine)', () => {
  const text = readCorpus('k8s/microservices-demo--kubernetes-manifests--cartservice.yaml');
  const result = yaml(text);
  assert.deepEqual(result.errors, []);
  assertImages(text, result, [
    {
      line: 46,
      column: 16,
      raw: 'cartservice',
      context: { kind: 'Deployment', name: 'cartservice', document: 0, container: 'server', containerType: 'containers' },
    },
    {
      line: 118,
      column: 16,
      raw: 'redis:alpine',
      context: { kind: 'Deployment', name: 'redis-cart', document: 3, container: 'redis', containerType: 'containers' },
    },
  ]);
  assert.deepEqual(findingLines(result), ['46 unpinned-image/untagged warning', '118 unpinned-image/mutable-tag info']);
});

test('corpus: argo-cd install.yaml (59 documents, every argocd:latest, dex, redis)', () => {
  const text = readCorpus('k8s/argo-cd--manifests--install.yaml');
  // 59 documents: 58 separators, no leading one.
  assert.equal(text.split('\n').filter((l) => l === '---').length, 58);
  assert.ok(!text.startsWith('---'));
  const result = yaml(text);
  assert.deepEqual(result.sources, ['kubernetes']);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.notes, []);

  // `grep -n 'image: quay.io/argoproj/argocd:latest'` finds these 8 lines.
  const argocdLines = text.split('\n').flatMap((l, i) => (/^\s+image: quay\.io\/argoproj\/argocd:latest$/.test(l) ? [i + 1] : []));
  assert.deepEqual(argocdLines, [32364, 32536, 32656, 32771, 33110, 33167, 33661, 34172]);

  const argocd = 'quay.io/argoproj/argocd:latest';
  const deployment = (document: number, name: string) => ({ kind: 'Deployment', name, document });
  assertImages(text, result, [
    {
      line: 32364,
      column: 16,
      raw: argocd,
      context: {
        ...deployment(45, 'argocd-applicationset-controller'),
        container: 'argocd-applicationset-controller',
        containerType: 'containers',
      },
    },
    {
      line: 32506,
      column: 16,
      raw: 'ghcr.io/dexidp/dex:v2.45.1',
      context: { ...deployment(46, 'argocd-dex-server'), container: 'dex', containerType: 'containers' },
    },
    {
      line: 32536,
      column: 16,
      raw: argocd,
      context: { ...deployment(46, 'argocd-dex-server'), container: 'copyutil', containerType: 'initContainers' },
    },
    {
      line: 32656,
      column: 16,
      raw: argocd,
      context: {
        ...deployment(47, 'argocd-notifications-controller'),
        container: 'argocd-notifications-controller',
        containerType: 'containers',
      },
    },
    {
      line: 32755,
      column: 16,
      raw: 'public.ecr.aws/docker/library/redis:8.10.1-alpine',
      context: { ...deployment(48, 'argocd-redis'), container: 'redis', containerType: 'containers' },
    },
    {
      line: 32771,
      column: 16,
      raw: argocd,
      context: { ...deployment(48, 'argocd-redis'), container: 'secret-init', containerType: 'initContainers' },
    },
    {
      line: 33110,
      column: 16,
      raw: argocd,
      context: { ...deployment(49, 'argocd-repo-server'), container: 'argocd-repo-server', containerType: 'containers' },
    },
    {
      line: 33167,
      column: 16,
      raw: argocd,
      context: { ...deployment(49, 'argocd-repo-server'), container: 'copyutil', containerType: 'initContainers' },
    },
    {
      line: 33661,
      column: 16,
      raw: argocd,
      context: { ...deployment(50, 'argocd-server'), container: 'argocd-server', containerType: 'containers' },
    },
    {
      line: 34172,
      column: 16,
      raw: argocd,
      context: {
        kind: 'StatefulSet',
        name: 'argocd-application-controller',
        document: 51,
        container: 'argocd-application-controller',
        containerType: 'containers',
      },
    },
  ]);

  // Every container has runAsNonRoot: true (own or pod securityContext): no root-user finding.
  assert.deepEqual(findingLines(result), [
    '32364 unpinned-image/latest warning',
    '32506 unpinned-image/mutable-tag info',
    '32536 unpinned-image/latest warning',
    '32656 unpinned-image/latest warning',
    '32755 unpinned-image/mutable-tag info',
    '32771 unpinned-image/latest warning',
    '33110 unpinned-image/latest warning',
    '33167 unpinned-image/latest warning',
    '33661 unpinned-image/latest warning',
    '34172 unpinned-image/latest warning',
  ]);
  assert.equal(result.findings.filter((f) => f.raw === argocd).length, argocdLines.length);
});

test('corpus: argo-cd CronJob healthy.yaml (jobTemplate path, status block)', () => {
  const text = readCorpus('k8s/argo-cd--resource_customizations--batch--CronJob--testdata--healthy.yaml');
  const result = yaml(text);
  assertImages(text, result, [
    {
      line: 20,
      column: 22,
      raw: 'busybox:1.28',
      context: { kind: 'CronJob', name: 'hello', namespace: 'test-cronjob', document: 0, container: 'hello', containerType: 'containers' },
    },
  ]);
  assert.deepEqual(findings(text, result), [
    '20:22-20:34 unpinned-image/mutable-tag info busybox:1.28',
    '22:21-22:26 root-user/implicit info hello',
  ]);
});

test('corpus: argo-cd job-succeeded.yaml (a Job read back from a cluster, alpine:latest)', () => {
  const text = readCorpus('k8s/argo-cd--gitops-engine--pkg--health--testdata--job-succeeded.yaml');
  const result = yaml(text);
  assertImages(text, result, [
    {
      line: 32,
      column: 16,
      raw: 'alpine:latest',
      context: {
        kind: 'Job',
        name: 'succeed',
        namespace: 'argoci-workflows',
        document: 0,
        container: 'succeed',
        containerType: 'containers',
      },
    },
  ]);
  // securityContext: {} at pod level, none on the container.
  assert.deepEqual(findings(text, result), [
    '32:16-32:29 unpinned-image/latest warning alpine:latest',
    '34:15-34:22 root-user/implicit info succeed',
  ]);
});

test('corpus: argo-cd pod-imagepullbackoff.yaml (status images are not spec images)', () => {
  const text = readCorpus('k8s/argo-cd--gitops-engine--pkg--health--testdata--pod-imagepullbackoff.yaml');
  const result = yaml(text);
  assertImages(text, result, [
    {
      line: 23,
      column: 14,
      raw: 'gcr.io/heptio-images/ks-guestbook-demo:0.3',
      context: {
        kind: 'Pod',
        name: 'guestbook-ui-errimagepullbackoff-66cfffb669-45w2j',
        namespace: 'default',
        document: 0,
        container: 'errimagepullbackoff',
        containerType: 'containers',
      },
    },
  ]);
  assert.equal(lineOf(text, 72), '    - image: gcr.io/heptio-images/ks-guestbook-demo:0.3'); // containerStatuses: not reported
  assert.deepEqual(findings(text, result), [
    '23:14-23:56 unpinned-image/mutable-tag info gcr.io/heptio-images/ks-guestbook-demo:0.3',
    '25:13-25:32 root-user/implicit info errimagepullbackoff',
  ]);
});

test('corpus: kube-prometheus Prometheus (a custom resource with spec.image)', () => {
  const text = readCorpus('k8s/kube-prometheus--manifests--prometheus-prometheus.yaml');
  const result = yaml(text);
  assertImages(text, result, [
    {
      line: 21,
      column: 10,
      raw: 'quay.io/prometheus/prometheus:v3.13.2',
      context: { kind: 'Prometheus', name: 'k8s', namespace: 'monitoring', document: 0 },
    },
  ]);
  // No container: no root-user finding, whatever spec.securityContext says.
  assert.deepEqual(findings(text, result), ['21:10-21:47 unpinned-image/mutable-tag info quay.io/prometheus/prometheus:v3.13.2']);
});

test('corpus: kube-prometheus node-exporter DaemonSet (pod runAsNonRoot, container runAsUser 65532)', () => {
  const text = readCorpus('k8s/kube-prometheus--manifests--nodeExporter-daemonset.yaml');
  const result = yaml(text);
  const workload = { kind: 'DaemonSet', name: 'node-exporter', namespace: 'monitoring', document: 0 };
  assertImages(text, result, [
    {
      line: 41,
      column: 16,
      raw: 'quay.io/prometheus/node-exporter:v1.12.1',
      context: { ...workload, container: 'node-exporter', containerType: 'containers' },
    },
    {
      line: 76,
      column: 16,
      raw: 'quay.io/brancz/kube-rbac-proxy:v0.22.1',
      context: { ...workload, container: 'kube-rbac-proxy', containerType: 'containers' },
    },
  ]);
  assert.deepEqual(findingLines(result), ['41 unpinned-image/mutable-tag info', '76 unpinned-image/mutable-tag info']);
});

test('corpus: kube-prometheus kube-state-metrics (three containers, each non-root)', () => {
  const text = readCorpus('k8s/kube-prometheus--manifests--kubeStateMetrics-deployment.yaml');
  const result = yaml(text);
  const workload = { kind: 'Deployment', name: 'kube-state-metrics', namespace: 'monitoring', document: 0 };
  const proxy = 'quay.io/brancz/kube-rbac-proxy:v0.22.1';
  assertImages(text, result, [
    {
      line: 35,
      column: 16,
      raw: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.19.1',
      context: { ...workload, container: 'kube-state-metrics', containerType: 'containers' },
    },
    { line: 59, column: 16, raw: proxy, context: { ...workload, container: 'kube-rbac-proxy-main', containerType: 'containers' } },
    { line: 86, column: 16, raw: proxy, context: { ...workload, container: 'kube-rbac-proxy-self', containerType: 'containers' } },
  ]);
  // The same image written twice is two places, so two findings.
  assert.deepEqual(findingLines(result), [
    '35 unpinned-image/mutable-tag info',
    '59 unpinned-image/mutable-tag info',
    '86 unpinned-image/mutable-tag info',
  ]);
});

test('corpus: kubernetes/examples cassandra StatefulSet (+ a StorageClass document)', () => {
  const text = readCorpus('k8s/kubernetes-examples--databases--cassandra--cassandra-statefulset.yaml');
  const result = yaml(text);
  assertImages(text, result, [
    {
      line: 21,
      column: 16,
      raw: 'gcr.io/google-samples/cassandra:v14',
      context: { kind: 'StatefulSet', name: 'cassandra', document: 0, container: 'cassandra', containerType: 'containers' },
    },
  ]);
  // The container securityContext only adds a capability.
  assert.deepEqual(findings(text, result), [
    '20:15-20:24 root-user/implicit info cassandra',
    '21:16-21:51 unpinned-image/mutable-tag info gcr.io/google-samples/cassandra:v14',
  ]);
});

test('corpus: kubernetes/examples cockroachdb (StatefulSet is the 4th document, with an initContainer)', () => {
  const text = readCorpus('k8s/kubernetes-examples--_archived--cockroachdb--cockroachdb-statefulset.yaml');
  const result = yaml(text);
  const workload = { kind: 'StatefulSet', name: 'cockroachdb', document: 3 };
  assertImages(text, result, [
    {
      line: 101,
      column: 16,
      raw: 'cockroachdb/cockroach-k8s-init:0.2',
      context: { ...workload, container: 'bootstrap', containerType: 'initContainers' },
    },
    {
      line: 128,
      column: 16,
      raw: 'cockroachdb/cockroach:v1.1.0',
      context: { ...workload, container: 'cockroachdb', containerType: 'containers' },
    },
  ]);
  assert.deepEqual(findings(text, result), [
    '100:15-100:24 root-user/implicit info bootstrap',
    '101:16-101:50 unpinned-image/mutable-tag info cockroachdb/cockroach-k8s-init:0.2',
    '127:15-127:26 root-user/implicit info cockroachdb',
    '128:16-128:44 unpinned-image/mutable-tag info cockroachdb/cockroach:v1.1.0',
  ]);
});

test('corpus: kubernetes/examples javaweb (a bare Pod with an initContainer, image before name)', () => {
  const text = readCorpus('k8s/kubernetes-examples--_archived--javaweb-tomcat-sidecar--javaweb.yaml');
  const result = yaml(text);
  assertImages(text, result, [
    {
      line: 7,
      column: 14,
      raw: 'resouer/sample:v1',
      context: { kind: 'Pod', name: 'javaweb', document: 0, container: 'war', containerType: 'initContainers' },
    },
    {
      line: 14,
      column: 14,
      raw: 'resouer/mytomcat:7.0',
      context: { kind: 'Pod', name: 'javaweb', document: 0, container: 'tomcat', containerType: 'containers' },
    },
  ]);
  assert.deepEqual(findings(text, result), [
    '7:14-7:31 unpinned-image/mutable-tag info resouer/sample:v1',
    '8:13-8:16 root-user/implicit info war',
    '14:14-14:34 unpinned-image/mutable-tag info resouer/mytomcat:7.0',
    '15:13-15:19 root-user/implicit info tomcat',
  ]);
});

test('corpus: trivy test_nginx.yaml (the minimal nginx:1.14.2 Deployment)', () => {
  const text = readCorpus('k8s/trivy--integration--testdata--fixtures--k8s--test_nginx.yaml');
  const result = yaml(text);
  assertImages(text, result, [
    {
      line: 19,
      column: 16,
      raw: 'nginx:1.14.2',
      context: { kind: 'Deployment', name: 'nginx-deployment', document: 0, container: 'nginx', containerType: 'containers' },
    },
  ]);
  assert.deepEqual(findings(text, result), [
    '18:15-18:20 root-user/implicit info nginx',
    '19:16-19:28 unpinned-image/mutable-tag info nginx:1.14.2',
  ]);
});

test('corpus: datadog PodList JSON (items without kind; status images ignored)', () => {
  const text = readCorpus('k8s-api/datadog-agent--podlist_1.8-2.json');
  const result = yaml(text);
  assert.deepEqual(result.sources, ['kubernetes']);
  assert.deepEqual(result.errors, []);
  const pod = (name: string, namespace: string, container: string) =>
    ({ kind: 'Pod', name, namespace, document: 0, container, containerType: 'containers' }) as const;
  const hyperkube = 'gcr.io/google_containers/hyperkube:v1.8.3';
  assertImages(text, result, [
    { line: 35, column: 23, raw: 'quay.io/coreos/etcd:latest', context: pod('kube-apiserver-my-node-name', 'kube-system', 'etcd') },
    { line: 43, column: 23, raw: hyperkube, context: pod('kube-apiserver-my-node-name', 'kube-system', 'kube-apiserver') },
    { line: 131, column: 23, raw: hyperkube, context: pod('kube-controller-manager', 'kube-system', 'kube-controller-manager') },
    { line: 279, column: 23, raw: hyperkube, context: pod('kube-proxy-rnd5q', 'kube-system', 'kube-proxy') },
    { line: 422, column: 23, raw: hyperkube, context: pod('kube-scheduler-bpnn6', 'kube-system', 'kube-scheduler') },
    { line: 587, column: 23, raw: 'nginx:latest', context: pod('nginx-99d8b564-4r4vq', 'default', 'nginx') },
    { line: 722, column: 23, raw: 'redis', context: pod('redis-75586d7d7c-jrm7j', 'default', 'redis') },
    // The last pod is written with status first and metadata last.
    {
      line: 867,
      column: 29,
      raw: 'gcr.io/google_containers/kube-proxy:v1.9.2-gke.1',
      context: pod('kube-proxy-gke-haissam-default-pool-be5066f1-wnvn', 'kube-system', 'kube-proxy'),
    },
  ]);
  // containerStatuses[].image lines are not spec images.
  for (const line of [228, 371, 536, 672, 781]) {
    assert.match(lineOf(text, line), /^\s+"image": "/);
    assert.ok(!result.images.some((i) => i.range.start.line === line - 1), `status image on line ${line} reported`);
  }
  assert.deepEqual(
    result.findings.filter((f) => f.rule === 'unpinned-image').map((f) => `${f.range.start.line + 1} ${f.reason} ${f.severity}`),
    [
      '35 latest warning',
      '43 mutable-tag info',
      '131 mutable-tag info',
      '279 mutable-tag info',
      '422 mutable-tag info',
      '587 latest warning',
      '722 untagged warning',
      '867 mutable-tag info',
    ],
  );
  // Every pod has securityContext: {} and containers set at most `privileged`.
  assert.deepEqual(rootNames(text, result), [
    '34 implicit etcd',
    '42 implicit kube-apiserver',
    '130 implicit kube-controller-manager',
    '278 implicit kube-proxy',
    '421 implicit kube-scheduler',
    '586 implicit nginx',
    '721 implicit redis',
    '866 implicit kube-proxy',
  ]);
  // The control plane's images come from gcr.io/google_containers, frozen since 2023.
  assert.deepEqual(
    result.findings.filter((f) => f.rule === 'deprecated-registry').map((f) => `${f.range.start.line + 1} ${f.reason}`),
    ['43 frozen', '131 frozen', '279 frozen', '422 frozen', '867 frozen'],
  );
  assert.equal(result.findings.length, 21);
});

test('corpus: k9s po_sidecar JSON (CRLF, no final newline, native sidecar initContainer)', () => {
  const text = readCorpus('k8s-api/k9s--internal-render-testdata-po_sidecar.json');
  assert.ok(text.includes('\r\n'));
  assert.ok(!text.endsWith('\n'));
  const result = yaml(text);
  assert.deepEqual(result.errors, []);
  const pod = { kind: 'Pod', name: 'sleep', namespace: 'default', document: 0 };
  assertImages(text, result, [
    { line: 18, column: 27, raw: 'istio/base', context: { ...pod, container: 'sleep', containerType: 'containers' } },
    { line: 50, column: 27, raw: 'istio/base', context: { ...pod, container: 'init', containerType: 'initContainers' } },
    { line: 78, column: 27, raw: 'istio/base', context: { ...pod, container: 'sidecar', containerType: 'initContainers' } },
  ]);
  // The status images (docker.io/istio/base:latest) are not reported.
  assert.ok(!result.images.some((i) => i.raw.startsWith('docker.io/')));
  assert.deepEqual(
    result.findings.filter((f) => f.rule === 'unpinned-image').map((f) => `${f.range.start.line + 1} ${f.reason} ${f.severity}`),
    ['18 untagged warning', '50 untagged warning', '78 untagged warning'],
  );
  assert.deepEqual(rootNames(text, result), ['20 implicit sleep', '52 implicit init', '80 implicit sidecar']);
});

test('an anchor defined again: each alias names the latest one before it', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: re-anchored
spec:
  ${NON_ROOT}
  containers:
  - {name: a, image: &img "nginx:1.27"}
  - {name: b, image: *img}
  - {name: c, image: &img "redis:7"}
  - {name: d, image: *img}
`;
  const result = yaml(text);
  assert.deepEqual(
    result.images.map((i) => `${i.kubernetes?.container} ${i.raw} ${i.range.start.line + 1}`),
    ['a nginx:1.27 8', 'b nginx:1.27 8', 'c redis:7 10', 'd redis:7 10'],
  );
});

test('merge keys naming the same mapping many times over (a merge bomb) are each searched once', () => {
  // 7 levels of 6 merges each: 6^7 (280 000) paths to the same few mappings, each alias resolved
  // by walking the whole document: this took minutes, and a few more levels for ever.
  const levels = ['m0: &m0 {image: "nginx:1", securityContext: {runAsUser: 0}}'];
  for (let i = 1; i <= 7; i++)
    levels.push(
      `m${i}: &m${i} {<<: [${Array(6)
        .fill(`*m${i - 1}`)
        .join(', ')}]}`,
    );
  const text = `apiVersion: v1
kind: Pod
${levels.join('\n')}
metadata: {<<: *m7, name: bomb}
spec:
  <<: *m7
  securityContext: {<<: *m7}
  containers:
  - <<: *m7
    name: c
`;
  // `Alias.resolve` walks the whole document: each of the 280 000 paths did. The aliases are found in one walk.
  const { result, calls } = countCalls(Alias.prototype, 'resolve', () => yaml(text));
  assert.equal(calls, 0);
  // What the merges supply is still found: the image, and runAsUser 0 through the pod's securityContext.
  assert.deepEqual(images(text, result), ['3:18-3:25 image nginx:1']);
  assert.deepEqual(
    findings(text, result).map((f) => f.split(' ')[1]),
    ['unpinned-image/mutable-tag', 'root-user/explicit'],
  );
});
