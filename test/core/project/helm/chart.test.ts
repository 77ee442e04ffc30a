import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeChart, isChartFolder, type ChartOptions } from '../../../../src/core/project/helm/chart.js';
import { diskFiles, overlayFiles } from '../../../../src/core/project/files.js';
import type { ChartImage, ChartProject } from '../../../../src/core/project/types.js';
import type { Range } from '../../../../src/core/types.js';

const CORPUS = path.resolve(__dirname, '..', '..', '..', 'corpus', 'realworld');
const ROOT = path.resolve('/virtual/chart');

function range(startLine: number, startCharacter: number, endLine: number, endCharacter: number): Range {
  return { start: { line: startLine, character: startCharacter }, end: { line: endLine, character: endCharacter } };
}

/** The range of the `nth` occurrence of `needle` in `text`. */
function find(text: string, needle: string, nth = 0): Range {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    assert.notEqual(at, -1, `${needle} (${nth}) is in the text`);
  }
  const position = (offset: number) => {
    const before = text.slice(0, offset).split('\n');
    return { line: before.length - 1, character: before[before.length - 1]!.length };
  };
  return { start: position(at), end: position(at + needle.length) };
}

const CHART = 'apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: "1.16.0"\n';

function deployment(image: string, more = ''): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: {{ include "web.fullname" . }}',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: {{ .Chart.Name }}',
    `          image: ${image}`,
    '          imagePullPolicy: {{ .Values.image.pullPolicy | default "IfNotPresent" }}',
    more,
  ].join('\n');
}

const HELPERS = '{{- define "web.fullname" -}}\n{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}\n{{- end }}\n';

async function analyze(files: Record<string, string>, options: ChartOptions = {}): Promise<ChartProject> {
  const texts = new Map(
    Object.entries({ 'templates/_helpers.tpl': HELPERS, ...files }).map(([name, text]) => [path.join(ROOT, name), text]),
  );
  return analyzeChart(ROOT, overlayFiles(texts), options);
}

/** One image, for charts with one. */
async function only(files: Record<string, string>): Promise<ChartImage> {
  const project = await analyze(files);
  assert.deepEqual(project.errors, []);
  assert.equal(project.images.length, 1, JSON.stringify(project.images));
  return project.images[0]!;
}

const values = (file = 'values.yaml') => path.join(ROOT, file);
const template = (file = 'templates/deployment.yaml') => path.join(ROOT, file);

test('podinfo: the images helm template renders, each where it is decided; the others listed with what switches them off', async () => {
  const folder = path.join(CORPUS, 'podinfo', 'charts', 'podinfo');
  const project = await analyzeChart(folder, diskFiles());
  assert.deepEqual(project.errors, []);
  assert.deepEqual(project.notes, []);
  const file = (name: string) => path.join(folder, name);
  const tag = { file: file('values.yaml'), range: range(10, 7, 10, 13) };
  const literal = (name: string, line: number, end: number, reference: string, container: string): ChartImage => ({
    chart: folder,
    template: { file: file(`templates/tests/${name}.yaml`), range: range(line, 13, line, end), raw: reference },
    // The test pods' names end with randAlphaNum: not given.
    workload: { kind: 'Pod', namespace: 'default', container, containerType: 'containers' },
    reference,
    pin: { kind: 'none', why: 'the image is written in the template; pin it there' },
  });
  const byPlace = (a: ChartImage, b: ChartImage) => (a.template.file < b.template.file ? -1 : a.template.file > b.template.file ? 1 : 0);
  // What `helm template` renders (checked against helm v4.3.2): the deployment and three test pods.
  assert.deepEqual(project.images.filter((i) => i.active !== false).sort(byPlace), [
    {
      chart: folder,
      template: {
        file: file('templates/deployment.yaml'),
        range: range(38, 17, 38, 73),
        raw: '"{{ .Values.image.repository }}:{{ .Values.image.tag }}"',
      },
      workload: {
        kind: 'Deployment',
        name: 'release-name-podinfo',
        namespace: 'default',
        container: 'podinfo',
        containerType: 'containers',
      },
      reference: 'ghcr.io/stefanprodan/podinfo:6.14.1',
      value: { ...tag, key: ['image', 'tag'], raw: '6.14.1' },
      pin: { kind: 'tag', ...tag },
    },
    literal('grpc', 16, 50, 'stefanprodan/grpc_health_probe:v0.3.0', 'grpc-health-probe'),
    literal('jwt', 16, 34, 'giantswarm/tiny-tools', 'tools'),
    literal('service', 16, 35, 'curlimages/curl:7.69.0', 'curl'),
  ]);
  assert.deepEqual(
    project.images
      .filter((i) => i.active === false)
      .sort(byPlace)
      .map((i) => [path.relative(folder, i.template.file), i.template.raw, i.condition, i.pin.kind, i.reference]),
    [
      [
        'templates/hooks/job.yaml',
        '"{{ $.Values.image.repository }}:{{ $.Values.image.tag }}"',
        'and $hookConfig $hookConfig.job $hookConfig.job.enabled',
        'none',
        undefined,
      ],
      [
        'templates/redis/deployment.yaml',
        '"{{ .Values.redis.repository }}:{{ .Values.redis.tag }}"',
        '.Values.redis.enabled',
        'none',
        undefined,
      ],
      ['templates/tests/cache.yaml', 'curlimages/curl:7.69.0', '.Values.cache', 'none', undefined],
      ['templates/tests/fail.yaml', 'alpine:3.11', '.Values.faults.testFail', 'none', undefined],
      ['templates/tests/timeout.yaml', 'alpine:3.11', '.Values.faults.testTimeout', 'none', undefined],
      ['templates/tests/tls.yaml', 'curlimages/curl:7.69.0', '.Values.tls.enabled', 'none', undefined],
    ],
  );
});

test("podinfo with the values a user deploys with: a values file and --set switch images on, and the value is the user's line", async () => {
  const folder = path.join(CORPUS, 'podinfo', 'charts', 'podinfo');
  const user = path.resolve('/virtual/user-values.yaml');
  const text = 'redis:\n  enabled: true\n  tag: 7.4.0\n';
  const files = overlayFiles(new Map([[user, text]]), diskFiles());
  const project = await analyzeChart(folder, files, { valuesFiles: [user], set: ['image.tag=6.15.0', 'faults.testFail=true'] });
  assert.deepEqual(project.errors, []);
  const active = project.images.filter((i) => i.active !== false);
  assert.deepEqual(active.map((i) => i.reference).sort(), [
    'alpine:3.11',
    'curlimages/curl:7.69.0',
    'docker.io/redis:7.4.0',
    'ghcr.io/stefanprodan/podinfo:6.15.0',
    'giantswarm/tiny-tools',
    'stefanprodan/grpc_health_probe:v0.3.0',
  ]);
  const redis = active.find((i) => i.reference === 'docker.io/redis:7.4.0')!;
  assert.deepEqual(redis.value, { file: user, range: find(text, '7.4.0'), key: ['redis', 'tag'], raw: '7.4.0' });
});

test("argo-cd's single-global-helm: a tag that YAML reads as a number, joined to a repository written in the template", async () => {
  const folder = path.join(CORPUS, 'argo-cd-kustomize-testdata', 'app-parameters', 'single-global-helm');
  const project = await analyzeChart(folder, diskFiles());
  const tag = { file: path.join(folder, 'values.yaml'), range: range(1, 7, 1, 10) };
  assert.deepEqual(project, {
    chart: folder,
    images: [
      {
        chart: folder,
        template: {
          file: path.join(folder, 'templates', 'deployment.yaml'),
          range: range(14, 17, 14, 80),
          raw: 'quay.io/argoprojlabs/argocd-e2e-container:{{.Values.image.tag}}',
        },
        workload: { kind: 'Deployment', name: 'guestbook-ui', container: 'guestbook-ui', containerType: 'containers' },
        reference: 'quay.io/argoprojlabs/argocd-e2e-container:0.1',
        value: { ...tag, key: ['image', 'tag'], raw: '0.1' },
        pin: { kind: 'tag', ...tag },
      },
    ],
    // The container as rendered, on its template line: no securityContext (root-user judges it).
    containers: [
      {
        workload: { kind: 'Deployment', name: 'guestbook-ui', container: 'guestbook-ui', containerType: 'containers' },
        name: 'guestbook-ui',
        image: 'quay.io/argoprojlabs/argocd-e2e-container:0.1',
        place: { file: path.join(folder, 'templates', 'deployment.yaml'), range: range(15, 10, 15, 28) },
      },
    ],
    notes: [],
    errors: [],
  });
});

test('default: the tag falls back to .Chart.AppVersion, so the value is the repository and no tag can be pinned', async () => {
  const valuesText = 'image:\n  repository: nginx\n  tag: ""\n';
  const image = await only({
    'Chart.yaml': CHART,
    'values.yaml': valuesText,
    'templates/deployment.yaml': deployment('"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"'),
  });
  assert.equal(image.reference, 'nginx:1.16.0');
  assert.deepEqual(image.value, { file: values(), range: find(valuesText, 'nginx'), key: ['image', 'repository'], raw: 'nginx' });
  assert.deepEqual(image.pin, { kind: 'none', why: 'the tag comes from .Chart.AppVersion' });
  assert.deepEqual(image.workload, { kind: 'Deployment', name: 'release-name-web', container: 'web', containerType: 'containers' });
  const text = deployment('"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"');
  assert.deepEqual(image.template, {
    file: template(),
    range: find(text, '"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"'),
    raw: '"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"',
  });
});

test('printf and quote: the pieces still say which values.yaml scalar the tag is', async () => {
  const valuesText = 'image:\n  registry: docker.io\n  repository: library/nginx\n  tag: 1.25.3\n';
  const image = await only({
    'Chart.yaml': CHART,
    'values.yaml': valuesText,
    'templates/deployment.yaml': deployment(
      '{{ printf "%s/%s:%s" .Values.image.registry .Values.image.repository .Values.image.tag | quote }}',
    ),
  });
  assert.equal(image.reference, 'docker.io/library/nginx:1.25.3');
  assert.equal(image.template.raw, '{{ printf "%s/%s:%s" .Values.image.registry .Values.image.repository .Values.image.tag | quote }}');
  assert.deepEqual(image.value, { file: values(), range: find(valuesText, '1.25.3'), key: ['image', 'tag'], raw: '1.25.3' });
  assert.deepEqual(image.pin, { kind: 'tag', file: values(), range: find(valuesText, '1.25.3') });
});

test('adjacent actions and literal text join into one reference', async () => {
  const image = await only({
    'Chart.yaml': CHART,
    'values.yaml': 'registry: ghcr.io\nimage:\n  name: org/app\n  tag: v2\n',
    'templates/deployment.yaml': deployment('{{ .Values.registry }}/{{ .Values.image.name }}:{{ .Values.image.tag }}  # the app'),
  });
  assert.equal(image.reference, 'ghcr.io/org/app:v2');
  assert.equal(image.template.raw, '{{ .Values.registry }}/{{ .Values.image.name }}:{{ .Values.image.tag }}');
  assert.deepEqual(image.value?.key, ['image', 'tag']);
});

test('an inline digest conditional: the tag without a digest, the digest when set, and the mapping to write it into', async () => {
  const inline =
    '"{{ .Values.image.repository }}{{- if .Values.image.digest }}@{{ .Values.image.digest }}{{- else }}:{{ .Values.image.tag }}{{- end }}"';
  const unset = 'image:\n  repository: nginx\n  tag: "1.25"\n  digest: ""\n  pullPolicy: Always\n';
  const withoutDigest = await only({ 'Chart.yaml': CHART, 'values.yaml': unset, 'templates/deployment.yaml': deployment(inline) });
  assert.equal(withoutDigest.reference, 'nginx:1.25');
  assert.equal(withoutDigest.template.raw, inline);
  assert.deepEqual(withoutDigest.value?.key, ['image', 'tag']);
  // The empty digest is where pinning writes (no second `digest:` key).
  assert.deepEqual(withoutDigest.pin, {
    kind: 'digest',
    file: values(),
    key: ['image'],
    mapping: range(1, 2, 4, 20),
    existing: range(3, 11, 3, 11),
  });

  const digest = `sha256:${'a'.repeat(64)}`;
  const set = `image:\n  repository: nginx\n  tag: "1.25"\n  digest: ${digest}\n`;
  const withDigest = await only({ 'Chart.yaml': CHART, 'values.yaml': set, 'templates/deployment.yaml': deployment(inline) });
  assert.equal(withDigest.reference, `nginx@${digest}`);
  assert.deepEqual(withDigest.value?.key, ['image', 'repository']);
  assert.deepEqual(withDigest.pin, {
    kind: 'digest',
    file: values(),
    key: ['image'],
    mapping: range(1, 2, 3, 81),
    existing: find(set, digest),
  });
});

test('a digest conditional continued on the following lines by trim markers', async () => {
  const image = [
    '{{ .Values.image.repository }}',
    '            {{- if .Values.image.digest }}@{{ .Values.image.digest }}',
    '            {{- else }}:{{ .Values.image.tag }}',
    '            {{- end }}',
  ].join('\n');
  const text = deployment(
    image,
    '          {{- with .Values.resources }}\n          resources: {{ toYaml . | nindent 12 }}\n          {{- end }}\n',
  );
  const result = await only({
    'Chart.yaml': CHART,
    'values.yaml': 'image:\n  repository: nginx\n  tag: "1.25"\n',
    'templates/deployment.yaml': text,
  });
  assert.equal(result.reference, 'nginx:1.25');
  assert.deepEqual(result.template, { file: template(), range: find(text, image), raw: image });
  // The template reads image.digest, which values.yaml does not set yet.
  assert.deepEqual(result.pin, { kind: 'digest', file: values(), key: ['image'], mapping: range(1, 2, 2, 13) });
});

test('include and template of helpers in _helpers.tpl, with . and $', async () => {
  const helpers = `${HELPERS}{{- define "web.image" -}}\n{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}\n{{ printf "%s:%s" .Values.image.repository $tag }}\n{{- end }}\n`;
  const project = await analyze({
    'Chart.yaml': CHART,
    'values.yaml': 'image:\n  repository: nginx\n  tag: 1.25.3\n',
    'templates/_helpers.tpl': helpers,
    'templates/deployment.yaml': deployment(
      '{{ include "web.image" . }}',
      '        - name: sidecar\n          image: "{{ template "web.image" $ }}-alpine"\n',
    ),
  });
  assert.deepEqual(
    project.images.map((i) => [i.template.raw, i.reference, i.workload?.container, i.pin.kind === 'none' ? i.pin.why : i.pin.kind]),
    [
      ['{{ include "web.image" . }}', 'nginx:1.25.3', 'web', 'values.image.tag feeds 2 images'],
      ['"{{ template "web.image" $ }}-alpine"', 'nginx:1.25.3-alpine', 'sidecar', 'the reference ends with text written in the template'],
    ],
  );
});

test("Bitnami's common.images.image without the common chart: global.imageRegistry over registry, the digest over the tag", async () => {
  const call = '{{ include "common.images.image" (dict "imageRoot" .Values.image "global" .Values.global) }}';
  const tagged =
    'global:\n  imageRegistry: mirror.example.com\nimage:\n  registry: docker.io\n  repository: bitnami/nginx\n  tag: 1.25.3-debian-12-r0\n  digest: ""\n';
  const image = await only({ 'Chart.yaml': CHART, 'values.yaml': tagged, 'templates/deployment.yaml': deployment(call) });
  assert.equal(image.reference, 'mirror.example.com/bitnami/nginx:1.25.3-debian-12-r0');
  assert.deepEqual(image.value, {
    file: values(),
    range: find(tagged, '1.25.3-debian-12-r0'),
    key: ['image', 'tag'],
    raw: '1.25.3-debian-12-r0',
  });
  assert.deepEqual(image.pin, {
    kind: 'digest',
    file: values(),
    key: ['image'],
    mapping: range(3, 2, 6, 12),
    existing: range(6, 11, 6, 11),
  });

  const digest = `sha256:${'b'.repeat(64)}`;
  const pinned = `image:\n  registry: docker.io\n  repository: bitnami/nginx\n  tag: 1.25.3\n  digest: "${digest}"\n`;
  const withDigest = await only({ 'Chart.yaml': CHART, 'values.yaml': pinned, 'templates/deployment.yaml': deployment(call) });
  assert.equal(withDigest.reference, `docker.io/bitnami/nginx@${digest}`);
  assert.deepEqual(withDigest.pin, {
    kind: 'digest',
    file: values(),
    key: ['image'],
    mapping: range(1, 2, 4, 83),
    existing: find(pinned, digest),
  });

  // The newer helper takes the chart, for its appVersion when there is no tag.
  const withChart = await only({
    'Chart.yaml': CHART,
    'values.yaml': 'image:\n  registry: docker.io\n  repository: bitnami/nginx\n',
    'templates/deployment.yaml': deployment(
      '{{ include "common.images.image" (dict "imageRoot" .Values.image "global" .Values.global "chart" .Chart) }}',
    ),
  });
  assert.equal(withChart.reference, 'docker.io/bitnami/nginx:1.16.0');
});

test("a chart's own common.images.image is the one used", async () => {
  const own = '{{- define "common.images.image" -}}{{ .imageRoot.repository }}:own-{{ .imageRoot.tag }}{{- end -}}';
  const image = await only({
    'Chart.yaml': CHART,
    'values.yaml': 'image:\n  repository: nginx\n  tag: "1"\n',
    'templates/_images.tpl': own,
    'templates/deployment.yaml': deployment('{{ include "common.images.image" (dict "imageRoot" .Values.image) }}'),
  });
  assert.equal(image.reference, 'nginx:own-1');
});

test("subcharts: values from the parent's key over their own, globals, aliases; a packaged one that cannot be read is noted", async () => {
  const parentValues =
    'global:\n  imageRegistry: mirror.local\nredis:\n  image:\n    tag: 7.2.4\ncache:\n  image:\n    repository: bitnami/valkey\n';
  const subValues = 'image:\n  registry: docker.io\n  repository: bitnami/redis\n  tag: 7.0.0\n';
  const statefulSet =
    'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {{ .Release.Name }}-{{ .Chart.Name }}\nspec:\n  template:\n    spec:\n      containers:\n      - name: redis\n        image: {{ include "common.images.image" (dict "imageRoot" .Values.image "global" .Values.global) }}\n';
  const project = await analyze({
    'Chart.yaml': `${CHART}dependencies:\n  - name: redis\n    version: 1.0.0\n  - name: redis\n    alias: cache\n    version: 1.0.0\n  - name: postgresql\n    version: 12.0.0\n`,
    'values.yaml': parentValues,
    // The parent sees the values of its dependencies, their defaults included.
    'templates/deployment.yaml': deployment('"docker.io/bitnami/redis-exporter:{{ .Values.redis.image.tag }}"'),
    'charts/redis/Chart.yaml': 'apiVersion: v2\nname: redis\nversion: 1.0.0\nappVersion: 7.0.0\n',
    'charts/redis/values.yaml': subValues,
    'charts/redis/templates/statefulset.yaml': statefulSet,
    'charts/postgresql-12.0.0.tgz': 'not read',
  });
  assert.deepEqual(project.errors, []);
  // Given as text (an open document), it has no bytes to unpack.
  assert.deepEqual(project.notes, ['charts/postgresql-12.0.0.tgz: the packaged subchart cannot be read']);
  const sub = path.join(ROOT, 'charts', 'redis');
  assert.deepEqual(
    project.images
      .map((i) => [i.chart, i.reference, i.workload?.name, i.value && [path.relative(ROOT, i.value.file), i.value.key.join('.')]])
      .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    [
      [ROOT, 'docker.io/bitnami/redis-exporter:7.2.4', 'release-name-web', ['values.yaml', 'redis.image.tag']],
      [sub, 'mirror.local/bitnami/redis:7.2.4', 'release-name-redis', ['values.yaml', 'redis.image.tag']],
      [sub, 'mirror.local/bitnami/valkey:7.0.0', 'release-name-cache', ['charts/redis/values.yaml', 'image.tag']],
    ],
  );
  // The digest goes into the parent's mapping for the subchart, which overrides the subchart's own.
  assert.deepEqual(project.images.find((i) => i.reference?.includes('valkey'))!.pin, {
    kind: 'digest',
    file: values(),
    key: ['cache', 'image'],
    mapping: find(parentValues, 'repository: bitnami/valkey'),
  });
});

test('unresolved: a value that is not there, a nil lookup result; tpl and the default cluster version are rendered as helm renders them', async () => {
  const cases: [string, string, string][] = [
    ['image:\n  repository: nginx\n', '"{{ .Values.image.repository }}:{{ .Values.image.tag }}"', '.Values.image.tag'],
    ['x: 1\n', '{{ .Values.image.repository }}', '.Values.image.repository'],
    ['x: 1\n', '{{ (lookup "v1" "ConfigMap" "ns" "images").data.web }}', '(lookup "v1" "ConfigMap" "ns" "images").data.web'],
  ];
  for (const [valuesText, expression, part] of cases) {
    const image = await only({ 'Chart.yaml': CHART, 'values.yaml': valuesText, 'templates/deployment.yaml': deployment(expression) });
    assert.deepEqual(
      { reference: image.reference, unresolved: image.unresolved, value: image.value, pin: image.pin, raw: image.template.raw },
      {
        reference: undefined,
        unresolved: part,
        value: undefined,
        pin: { kind: 'none', why: 'the image could not be resolved' },
        raw: expression,
      },
    );
  }
  const tpl = await only({
    'Chart.yaml': CHART,
    'values.yaml': 'image:\n  repository: "{{ .Values.registry }}/nginx"\nregistry: r.io\n',
    'templates/deployment.yaml': deployment('{{ tpl .Values.image.repository . }}'),
  });
  assert.equal(tpl.reference, 'r.io/nginx');
  // helm template's Kubernetes version is v1.37.0 unless --kube-version says otherwise.
  const version = await only({
    'Chart.yaml': CHART,
    'values.yaml': 'x: 1\n',
    'templates/deployment.yaml': deployment(
      '"nginx:{{ if semverCompare ">=1.25-0" .Capabilities.KubeVersion.Version }}1.25{{ else }}1.24{{ end }}"',
    ),
  });
  assert.equal(version.reference, 'nginx:1.25');
  // A value still holding template text is not an image reference.
  const templated = await only({
    'Chart.yaml': CHART,
    'values.yaml': 'image: "{{ .Values.x }}"\n',
    'templates/deployment.yaml': deployment('{{ .Values.image }}'),
  });
  assert.deepEqual([templated.reference, templated.unresolved], [undefined, '{{ .Values.x }}']);
});

test('required and fail stop the chart as they stop helm template: an error, and no active image', async () => {
  const project = await analyze({
    'Chart.yaml': CHART,
    'values.yaml': 'image: {}\n',
    'templates/deployment.yaml': deployment('{{ required "set image.repository" .Values.image.repository }}'),
  });
  assert.deepEqual(project.errors, [
    { file: template(), message: 'helm template fails: set image.repository (required "set image.repository" .Values.image.repository)' },
  ]);
  assert.deepEqual(
    project.images.map((i) => [i.active, i.condition]),
    [[false, 'helm template fails: set image.repository']],
  );
});

test('pins: a tag feeding two images, a number helm reads differently, a changed tag, a tag written in the template', async () => {
  const valuesText = 'image:\n  tag: "2.0"\nold: 1.10\nv: v3.1\nrepo: nginx\n';
  const project = await analyze({
    'Chart.yaml': CHART,
    'values.yaml': valuesText,
    'templates/deployment.yaml': deployment(
      '"nginx:{{ .Values.image.tag }}"',
      [
        '        - name: b',
        '          image: "busybox:{{ .Values.image.tag }}"',
        '        - name: c',
        '          image: "alpine:{{ .Values.old }}"',
        '        - name: d',
        '          image: "envoy:{{ trimPrefix "v" .Values.v }}"',
        '        - name: e',
        '          image: "{{ .Values.repo }}:1.25"',
        '',
      ].join('\n'),
    ),
  });
  assert.deepEqual(
    project.images.map((i) => [i.reference, i.pin.kind === 'none' ? i.pin.why : i.pin.kind]),
    [
      ['nginx:2.0', 'values.image.tag feeds 2 images'],
      ['busybox:2.0', 'values.image.tag feeds 2 images'],
      ['alpine:1.1', 'helm reads values.old as 1.1 (it is written 1.10): quote it first'],
      ['envoy:3.1', 'the template changes values.v before using it'],
      ['nginx:1.25', 'the reference ends with text written in the template'],
    ],
  );
  assert.deepEqual(project.images[3]!.value, { file: values(), range: find(valuesText, 'v3.1'), key: ['v'], raw: 'v3.1' });
  assert.deepEqual(project.images[4]!.value?.key, ['repo']);
});

test('with, range and variables around the image; a custom resource; an image in a range over nothing is listed inactive', async () => {
  const valuesText =
    'sidecar:\n  image: envoyproxy/envoy:v1.29.0\nextra:\n  - name: one\n    image: busybox:1.36\n  - name: two\n    image: alpine:3.19\nnone: []\nimage:\n  repository: nginx\n  tag: "1.25"\n';
  const pod = [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: pod',
    'spec:',
    '  containers:',
    '    {{- with .Values.sidecar }}',
    '    - name: sidecar',
    '      image: {{ .image | quote }}',
    '    {{- end }}',
    '    {{- range .Values.extra }}',
    '    - name: {{ .name }}',
    '      image: {{ .image }}',
    '    {{- end }}',
    '    {{- range $c := .Values.none }}',
    '    - name: x',
    '      image: {{ $c.image }}',
    '    {{- end }}',
    '    {{- $repo := .Values.image.repository }}',
    '    - name: main',
    '      image: "{{ $repo }}:{{ .Values.image.tag }}"',
    '---',
    'apiVersion: monitoring.coreos.com/v1',
    'kind: Prometheus',
    'metadata:',
    '  name: prom',
    'spec:',
    '  image: "quay.io/prometheus/prometheus:v2.51.0"',
    '',
  ].join('\n');
  const project = await analyze({ 'Chart.yaml': CHART, 'values.yaml': valuesText, 'templates/pod.yaml': pod });
  assert.deepEqual(project.notes, []);
  assert.deepEqual(
    project.images.filter((i) => i.active === false).map((i) => [i.template.raw, i.condition]),
    [['{{ $c.image }}', '.Values.none has items']],
  );
  assert.deepEqual(
    project.images.filter((i) => i.active !== false).map((i) => [i.reference, i.workload, i.value?.key.join('.'), i.pin.kind]),
    [
      ['envoyproxy/envoy:v1.29.0', { kind: 'Pod', name: 'pod', container: 'sidecar', containerType: 'containers' }, 'sidecar.image', 'tag'],
      ['busybox:1.36', { kind: 'Pod', name: 'pod', container: 'one', containerType: 'containers' }, 'extra.0.image', 'tag'],
      ['alpine:3.19', { kind: 'Pod', name: 'pod', container: 'two', containerType: 'containers' }, 'extra.1.image', 'tag'],
      ['nginx:1.25', { kind: 'Pod', name: 'pod', container: 'main', containerType: 'containers' }, 'image.tag', 'tag'],
      ['quay.io/prometheus/prometheus:v2.51.0', { kind: 'Prometheus', name: 'prom' }, undefined, 'none'],
    ],
  );
  // Each item of the range is its own image, at the one place in the template.
  assert.deepEqual(project.images[1]!.template.range, project.images[2]!.template.range);
  assert.deepEqual(project.images[1]!.value?.range, find(valuesText, 'busybox:1.36'));
});

test('an image inside a define is found where it is included, listed inactive where it is not; a template that does not parse is an error; notes are not read', async () => {
  const project = await analyze({
    'Chart.yaml': CHART,
    'values.yaml': 'x: 1\n',
    'templates/_containers.tpl': '{{- define "web.container" }}\n- name: web\n  image: nginx\n{{- end }}\n',
    'templates/deployment.yaml': deployment('nginx:{{ if }}'),
    'templates/job.yaml':
      'apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      containers:\n{{ include "web.container" . | indent 8 }}\n',
    'templates/inline.yaml': '{{- define "inline.container" }}\nkind: Pod\nspec:\n  containers:\n  - image: busybox\n{{- end }}\n',
    'templates/NOTES.txt': 'containers:\n- image: not-a-manifest\n',
  });
  assert.deepEqual(
    project.images.map((i) => [
      path.relative(ROOT, i.template.file),
      i.template.range.start.line,
      i.reference,
      i.active,
      i.condition,
      i.workload,
    ]),
    [
      ['templates/_containers.tpl', 2, 'nginx', undefined, undefined, { kind: 'Job', container: 'web', containerType: 'containers' }],
      ['templates/inline.yaml', 4, undefined, false, 'define "inline.container" is included', undefined],
    ],
  );
  assert.deepEqual(project.notes, []);
  assert.deepEqual(project.errors, [{ file: template(), range: range(9, 23, 9, 23), message: 'template: missing value for command' }]);
});

test('a folder without Chart.yaml is no chart', async () => {
  const files = overlayFiles(new Map([[path.join(ROOT, 'Chart.yaml'), CHART]]));
  assert.equal(await isChartFolder(ROOT, files), true);
  assert.equal(await isChartFolder(path.join(ROOT, 'templates'), files), false);
  const project = await analyzeChart(path.join(ROOT, 'elsewhere'), files);
  assert.deepEqual(project, {
    chart: path.join(ROOT, 'elsewhere'),
    images: [],
    notes: [],
    errors: [{ file: path.join(ROOT, 'elsewhere', 'Chart.yaml'), message: 'Chart.yaml cannot be read' }],
  });
});

test('hostile charts end: includes that recurse, strings that double, loops that do not end', async () => {
  // Without a time budget, so that the engine's own bounds decide (the budget has its own tests).
  const project = await analyze(
    {
      'Chart.yaml': CHART,
      'templates/_loop.tpl': '{{- define "loop" }}{{ include "loop" . }}{{ end }}',
      'templates/deployment.yaml': deployment(
        '{{ include "loop" . }}',
        ['        - name: b', `          image: {{ $x := "ab" }}{{ range 64 }}{{ $x = printf "%s%s" $x $x }}{{ end }}{{ $x }}`, ''].join(
          '\n',
        ),
      ),
      'templates/forever.yaml': deployment('{{ range 100000 }}{{ range 100000 }}x{{ end }}{{ end }}'),
    },
    { timeBudget: Number.POSITIVE_INFINITY },
  );
  assert.deepEqual(project.images.map((i) => [path.basename(i.template.file), i.unresolved]).sort(), [
    ['deployment.yaml', '(a string is too long)'],
    ['deployment.yaml', 'include "loop" .'],
    // A template that does not end is not rendered: its image is not known.
    ['forever.yaml', '(the template takes too long to evaluate)'],
  ]);
});

test("a parent's override decides its subchart's image, and the pin goes into the parent's mapping; a disabled dependency renders nothing", async () => {
  const root = path.resolve(__dirname, '..', '..', '..', 'fixtures', 'charts', 'parent-override');
  const parentValues = path.join(root, 'values.yaml');
  const project = await analyzeChart(root, diskFiles());
  assert.deepEqual(project.errors, []);
  assert.deepEqual(project.notes, ['charts/extra: not rendered (as extra): its condition or tags disable it']);
  const text = await fs.readFile(parentValues, 'utf8');
  const [sub, other, ...rest] = project.images;
  // The disabled dependency's image is listed, inactive, with what disables it.
  assert.deepEqual(
    rest.map((i) => [path.relative(root, i.template.file), i.active, i.condition]),
    [[path.join('charts', 'extra', 'templates', 'pod.yaml'), false, "the chart's condition extra.enabled is false"]],
  );
  // helm template: the parent's tag over the subchart's; its digest: "" is no place to write (the parent's mapping wins).
  assert.equal(sub!.reference, 'nginx:1.27');
  assert.deepEqual([sub!.value?.file, sub!.value?.key], [parentValues, ['sub', 'image', 'tag']]);
  assert.deepEqual(sub!.pin, { kind: 'digest', file: parentValues, key: ['sub', 'image'], mapping: find(text, '{tag: "1.27"}') });
  // The alias: the parent sets the repository, the subchart's values.yaml the tag; the digest still goes to the parent.
  assert.equal(other!.reference, 'registry.example/mirror/nginx:1.0');
  assert.deepEqual([other!.value?.file, other!.value?.key], [path.join(root, 'charts', 'sub', 'values.yaml'), ['image', 'tag']]);
  assert.deepEqual(other!.pin, {
    kind: 'digest',
    file: parentValues,
    key: ['other', 'image'],
    mapping: find(text, 'repository: registry.example/mirror/nginx'),
  });
});

test('conditions and tags: the first condition path holding a boolean decides, over the tags', async () => {
  const sub = 'apiVersion: v2\nname: db\nversion: 1.0.0\n';
  const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: db}\nspec:\n  containers:\n    - name: db\n      image: "{{ .Values.image }}"\n';
  const cases: [string, string, boolean][] = [
    ['condition: db.enabled', 'db: {enabled: true}\n', true],
    // The subchart's own default (false), which the parent's values hold once coalesced.
    ['condition: db.enabled', 'x: 1\n', false],
    ['condition: "missing.enabled,db.skip"', 'db: {skip: false}\n', false],
    // A path holding no boolean is passed over.
    ['condition: "db.image,db.go"', 'db: {go: true}\n', true],
    ['tags: [backend]', 'tags: {backend: false}\n', false],
    ['tags: [backend, cache]', 'tags: {backend: false, cache: true}\n', true],
    ['tags: [backend]\n    condition: db.go', 'tags: {backend: false}\ndb: {go: true}\n', true],
  ];
  for (const [fields, parentValues, rendered] of cases) {
    const project = await analyze({
      'Chart.yaml': `${CHART}dependencies:\n  - name: db\n    version: 1.0.0\n    ${fields}\n`,
      'values.yaml': parentValues,
      'charts/db/Chart.yaml': sub,
      'charts/db/values.yaml': 'image: postgres:16\nenabled: false\n',
      'charts/db/templates/pod.yaml': pod,
    });
    assert.deepEqual(project.errors, []);
    assert.equal(project.images.length, 1);
    assert.equal(project.images[0]!.active !== false, rendered, `${fields} with ${JSON.stringify(parentValues)}`);
  }
});

test('packaged subcharts (charts/*.tgz) are read as helm reads them; nothing is pinned inside one; a broken one is an error', async () => {
  const root = path.resolve(__dirname, '..', '..', '..', 'corpus', 'charts', 'packaged');
  const project = await analyzeChart(root, diskFiles(), { set: ['cache.enabled=true'] });
  assert.deepEqual(project.errors, []);
  const [sub, cache] = project.images;
  assert.equal(project.images.length, 2);
  assert.deepEqual([sub!.reference, sub!.value?.file, sub!.pin.kind], ['nginx:1.27', path.join(root, 'values.yaml'), 'digest']);
  assert.equal(cache!.reference, 'docker.io/library/redis:7.4.2');
  const archive = path.join(root, 'charts', 'cache-2.1.0.tgz');
  assert.equal(cache!.template.file, path.join(archive, 'templates', 'statefulset.yaml'));
  assert.equal(cache!.value?.file, path.join(archive, 'values.yaml'));
  assert.deepEqual(cache!.pin, {
    kind: 'none',
    why: "the value is inside the packaged subchart charts/cache-2.1.0.tgz; override it in the parent's values",
  });

  const broken = await fs.mkdtemp(path.join(os.tmpdir(), 'shipshape-tgz-'));
  try {
    await fs.mkdir(path.join(broken, 'charts'));
    await fs.writeFile(path.join(broken, 'Chart.yaml'), CHART);
    await fs.writeFile(path.join(broken, 'charts', 'bad-1.0.0.tgz'), 'not an archive');
    const refused = await analyzeChart(broken, diskFiles());
    assert.deepEqual(refused.errors, [
      {
        file: path.join(broken, 'charts', 'bad-1.0.0.tgz'),
        message: 'the packaged subchart is not read: the archive is not gzip-compressed',
      },
    ]);
  } finally {
    await fs.rm(broken, { recursive: true, force: true });
  }
});
