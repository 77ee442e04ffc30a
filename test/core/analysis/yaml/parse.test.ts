// YAML streams: documents and their markers, syntax errors confined to their document, YAML that
// is neither a manifest nor a Compose file, templates, line endings, and kinds that hold no image.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { IncrementalYaml, type AnalysisResult } from '../../../../src/core/index.js';
import { at, readCorpus, textAt, yaml } from '../../../support/analysis.js';

function images(text: string, result: AnalysisResult): string[] {
  return result.images.map((i) => `${at(i.range)} ${i.status} ${textAt(text, i.range)}`);
}

function findings(text: string, result: AnalysisResult): string[] {
  return result.findings.map(
    (f) => `${at(f.range)} ${f.rule}${f.reason !== undefined ? `/${f.reason}` : ''} ${f.severity} ${textAt(text, f.range)}`,
  );
}

/** A complete, empty result: what YAML that is not for Shipshape yields. */
const NOTHING = { sources: [], images: [], findings: [], errors: [], notes: [] };

/** A non-root Pod with one image: 10 lines, the image on line 10 at column 12. */
function pod(name: string, image: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  securityContext:
    runAsNonRoot: true
  containers:
  - name: ${name}
    image: ${image}
`;
}

// ---------------------------------------------------------------------------------------------
// Document markers
// ---------------------------------------------------------------------------------------------

test('--- markers with comments, a %YAML directive and ... end markers split documents', () => {
  const text = `%YAML 1.2
--- # the first document
${pod('one', 'nginx:latest')}...
--- # the second document
${pod('two', 'redis')}---   # third, with trailing spaces before the comment
${pod('three', 'alpine:3.20')}`;
  const result = yaml(text);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.sources, ['kubernetes']);
  assert.deepEqual(images(text, result), ['12:12-12:24 image nginx:latest', '24:12-24:17 image redis', '35:12-35:23 image alpine:3.20']);
  assert.deepEqual(
    result.images.map((i) => [i.kubernetes?.name, i.kubernetes?.document]),
    [
      ['one', 0],
      ['two', 1],
      ['three', 2],
    ],
  );
  assert.deepEqual(findings(text, result), [
    '12:12-12:24 unpinned-image/latest warning nginx:latest',
    '24:12-24:17 unpinned-image/untagged warning redis',
    '35:12-35:23 unpinned-image/mutable-tag info alpine:3.20',
  ]);
});

test('a leading --- and a directive before a later document', () => {
  const text = `---
${pod('one', 'nginx:1.27')}...
%YAML 1.2
---
${pod('two', 'nginx:1.26')}`;
  const result = yaml(text);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(images(text, result), ['11:12-11:22 image nginx:1.27', '24:12-24:22 image nginx:1.26']);
  assert.deepEqual(
    result.images.map((i) => i.kubernetes?.document),
    [0, 1],
  );
});

test('empty and comment-only documents are not counted; documents without images are', () => {
  const text = `# A bundle
---
# only a comment in this one
---
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: sa
---
${pod('app', 'nginx:1.27')}`;
  const result = yaml(text);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(images(text, result), ['20:12-20:22 image nginx:1.27']);
  // The ServiceAccount is document 0; the empty ones before it do not count.
  assert.equal(result.images[0]!.kubernetes?.document, 1);
});

test('--- indented inside a block scalar does not split the document', () => {
  const text = `apiVersion: v1
kind: ConfigMap
metadata:
  name: embedded
data:
  bundle.yaml: |
    ---
    image: not-an-image:latest
    ---
---
${pod('app', 'nginx:1.27')}`;
  const result = yaml(text);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(images(text, result), ['20:12-20:22 image nginx:1.27']);
  assert.equal(result.images[0]!.kubernetes?.document, 1);
});

test('a --- glued to other text (---x) is not a document marker', () => {
  const text = `apiVersion: v1
kind: Pod
---x: 1
metadata:
  name: p
spec:
  securityContext: {runAsNonRoot: true}
  containers: [{name: a, image: "nginx:1.27"}]
`;
  const result = yaml(text);
  // Split there, the image would be in a document without apiVersion and kind.
  assert.deepEqual(result.errors, []);
  assert.deepEqual(images(text, result), ['8:34-8:44 image nginx:1.27']);
  assert.deepEqual(result.images[0]!.kubernetes, { kind: 'Pod', name: 'p', document: 0, container: 'a', containerType: 'containers' });
});

// ---------------------------------------------------------------------------------------------
// Syntax errors stay in their document
// ---------------------------------------------------------------------------------------------

test('a syntax error in a middle document: an error on its line, findings before and after it still reported', () => {
  const text = `${pod('one', 'a:latest')}---
apiVersion: v1
kind: Pod
metadata: {name: "broken}
spec:
  containers: [{name: x, image: "d:latest"}]
---
${pod('three', 'c:latest')}`;
  const result = yaml(text);
  assert.ok(result.errors.length >= 1);
  assert.equal(result.errors[0]!.message, 'YAML syntax error in document 2: Missing closing "quote');
  assert.ok(result.errors.every((e) => e.message.startsWith('YAML syntax error in document 2: ')));
  // The unclosed quote is noticed only at the end of the document: the error stays inside it.
  assert.ok(result.errors.every((e) => e.range !== undefined && e.range.start.line >= 11 && e.range.start.line <= 16));
  assert.deepEqual(images(text, result), ['10:12-10:20 image a:latest', '27:12-27:20 image c:latest']);
  assert.deepEqual(
    result.images.map((i) => i.kubernetes?.document),
    [0, 2],
  );
  assert.deepEqual(findings(text, result), [
    '10:12-10:20 unpinned-image/latest warning a:latest',
    '27:12-27:20 unpinned-image/latest warning c:latest',
  ]);
  assert.deepEqual(result.sources, ['kubernetes']);
});

// ---------------------------------------------------------------------------------------------
// Duplicate keys: an error, but the document is still read (the last value counts)
// ---------------------------------------------------------------------------------------------

test('a key written twice in a middle document: an error on its line, and the document is still read', () => {
  // Before, a duplicate key dropped the whole document and its images.
  const text = `${pod('one', 'a:latest')}---
apiVersion: v1
kind: Pod
kind: Pod
metadata:
  name: broken
spec:
  containers: [{name: x, image: "d:latest"}]
---
${pod('three', 'c:latest')}`;
  const result = yaml(text);
  assert.deepEqual(
    result.errors.map((e) => [e.message, e.range && at(e.range)]),
    [['YAML syntax error in document 2: duplicate key `kind` (the last value is used)', '14:1-14:1']],
  );
  assert.equal(text.split('\n')[13], 'kind: Pod');
  assert.deepEqual(images(text, result), ['10:12-10:20 image a:latest', '18:34-18:42 image d:latest', '29:12-29:20 image c:latest']);
  assert.deepEqual(
    result.images.map((i) => i.kubernetes?.document),
    [0, 1, 2],
  );
  assert.deepEqual(findings(text, result), [
    '10:12-10:20 unpinned-image/latest warning a:latest',
    '18:23-18:24 root-user/implicit info x',
    '18:34-18:42 unpinned-image/latest warning d:latest',
    '29:12-29:20 unpinned-image/latest warning c:latest',
  ]);
});

test('a duplicated image: the last value counts, as Kubernetes decodes it; one error per duplicate, at the duplicate', () => {
  const text = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: twice
spec:
  template:
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
      - name: app
        image: nginx:1.26
        image: nginx:1.27
      - {name: side, image: "busybox:1.36", image: 'busybox:1.37'}
`;
  const result = yaml(text);
  assert.deepEqual(
    result.errors.map((e) => [e.message, e.range && at(e.range)]),
    [
      ['YAML syntax error in document 1: duplicate key `image` (the last value is used)', '12:9-12:9'],
      ['YAML syntax error in document 1: duplicate key `image` (the last value is used)', '13:45-13:45'],
    ],
  );
  assert.deepEqual(images(text, result), ['12:16-12:26 image nginx:1.27', '13:53-13:65 image busybox:1.37']);
  assert.deepEqual(findings(text, result), [
    '12:16-12:26 unpinned-image/mutable-tag info nginx:1.27',
    '13:53-13:65 unpinned-image/mutable-tag info busybox:1.37',
  ]);
});

test('a duplicate key beside another syntax error: the document is not read', () => {
  const text = `apiVersion: v1
kind: Pod
kind: Pod
metadata: {name: "broken}
spec:
  containers: [{name: x, image: "d:latest"}]
`;
  const result = yaml(text);
  assert.equal(result.errors[0]!.message, 'YAML syntax error in document 1: duplicate key `kind` (the last value is used)');
  assert.ok(result.errors.length >= 2);
  assert.deepEqual(result.images, []);
  assert.deepEqual(result.findings, []);
});

test('duplicate keys in a Compose file: an error, and the last value is read', () => {
  const text = `services:
  web:
    image: nginx:1.26
    image: nginx:1.27
`;
  const result = yaml(text);
  assert.deepEqual(result.sources, ['compose']);
  assert.deepEqual(
    result.errors.map((e) => [e.message, e.range && at(e.range)]),
    [['YAML syntax error in document 1: duplicate key `image` (the last value is used)', '4:5-4:5']],
  );
  assert.deepEqual(images(text, result), ['4:12-4:22 image nginx:1.27']);
});

test('a duplicate key the message cannot name (quoted with spaces, or empty): still an error, without the name', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  "a key": 1
  "a key": 2
  : x
  : y
spec:
  securityContext: {runAsNonRoot: true}
  containers: [{name: x, image: "d:1"}]
`;
  const result = yaml(text);
  assert.deepEqual(
    result.errors.map((e) => [e.message, e.range && at(e.range)]),
    [
      ['YAML syntax error in document 1: duplicate key (the last value is used)', '5:3-5:3'],
      ['YAML syntax error in document 1: duplicate key (the last value is used)', '7:3-7:3'],
    ],
  );
  assert.deepEqual(images(text, result), ['10:34-10:37 image d:1']);
});

test('a tab used as indentation: the error is on the tab line; the other documents still count', () => {
  const text = `apiVersion: v1
kind: Pod
spec:
\tcontainers:
  - image: broken:latest
---
${pod('two', 'b:latest')}`;
  const result = yaml(text);
  assert.ok(result.errors.length >= 1);
  assert.equal(result.errors[0]!.message, 'YAML syntax error in document 1: Tabs are not allowed as indentation');
  assert.equal(at(result.errors[0]!.range!), '4:1-4:1');
  assert.ok(result.errors.every((e) => e.message.startsWith('YAML syntax error in document 1: ')));
  assert.ok(result.errors.every((e) => e.range !== undefined && e.range.start.line <= 4));
  assert.deepEqual(images(text, result), ['16:12-16:20 image b:latest']);
  assert.equal(result.images[0]!.kubernetes?.document, 1);
  assert.deepEqual(findings(text, result), ['16:12-16:20 unpinned-image/latest warning b:latest']);
});

test('a wrongly indented key in the last document (no final newline)', () => {
  const text = `${pod('one', 'a:1')}---
apiVersion: v1
kind: Pod
metadata:
  name: broken
 spec: bad
  image: x`;
  const result = yaml(text);
  assert.ok(result.errors.length >= 1);
  assert.equal(result.errors[0]!.message, 'YAML syntax error in document 2: All mapping items must start at the same column');
  assert.equal(result.errors[0]!.range?.start.line, 15);
  assert.equal(text.split('\n')[15], ' spec: bad');
  assert.deepEqual(findings(text, result), ['10:12-10:15 unpinned-image/mutable-tag info a:1']);
});

test('a file that is only a broken document: one error, nothing else', () => {
  const text = 'apiVersion: v1\nkind: Pod\nmetadata: {name: "x}\nspec:\n  containers: []\n  image: y\n';
  const result = yaml(text);
  assert.ok(result.errors.length >= 1);
  assert.equal(result.errors[0]!.message, 'YAML syntax error in document 1: Missing closing "quote');
  assert.ok(result.errors.every((e) => e.message.startsWith('YAML syntax error in document 1: ')));
  assert.deepEqual(result.images, []);
  assert.deepEqual(result.findings, []);
  assert.deepEqual(result.sources, []);
});

test('an unclosed flow sequence: the error stays in its own document', () => {
  const text = `${pod('one', 'a:latest')}---
apiVersion: v1
kind: Pod
metadata:
  name: broken
spec:
  containers:
  - name: x
    image: [unclosed
---
${pod('three', 'c:latest')}`;
  const result = yaml(text);
  assert.equal(result.errors.length, 1);
  assert.match(result.errors[0]!.message, /^YAML syntax error in document 2: Flow sequence/);
  // Line 19 holds `image: [unclosed`; line 20 is the next document's `---`.
  assert.equal(result.errors[0]!.range?.start.line, 18);
});

// ---------------------------------------------------------------------------------------------
// YAML that is not for Shipshape
// ---------------------------------------------------------------------------------------------

test('a GitHub Actions workflow (jobs.*.container.image, jobs.*.services) is neither manifest nor Compose: a CI pipeline, known by its shape', () => {
  const text = `name: CI
on: [push]
jobs:
  build:
    runs-on: ubuntu-latest
    container:
      image: node:latest
    services:
      redis:
        image: redis
        ports: ["6379:6379"]
    steps:
      - uses: actions/checkout@v4
      - run: npm test
`;
  const result = yaml(text);
  assert.deepEqual(result.sources, ['ci']);
  assert.deepEqual(
    result.images.map((i) => `${i.range.start.line + 1} ${i.raw}`),
    ['7 node:latest', '10 redis'],
  );
});

test('a GitLab CI file (top-level image:, services: list) yields nothing', () => {
  const text = `image: ruby:latest
services:
  - postgres:latest
  - name: redis:7
    alias: cache
stages: [test]
test:
  image: node
  script: [npm test]
`;
  assert.deepEqual(yaml(text), NOTHING);
});

test('a Helm values.yaml (image: {repository, tag}) yields nothing', () => {
  const text = `replicaCount: 1
image:
  repository: nginx
  tag: latest
  pullPolicy: IfNotPresent
sidecar:
  image: busybox:latest
service:
  type: ClusterIP
`;
  assert.deepEqual(yaml(text), NOTHING);
});

test('an OpenAPI document mentioning images yields nothing', () => {
  const text = `openapi: 3.0.0
info: {title: registry, version: "1"}
paths:
  /images:
    get:
      parameters:
        - name: image
          in: query
          schema: {type: string, example: "nginx:latest"}
      responses:
        '200':
          description: ok
components:
  schemas:
    Container:
      properties:
        image: {type: string}
`;
  assert.deepEqual(yaml(text), NOTHING);
});

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

const TEMPLATE_NOTE = /template.*skipped/;

test('a Helm template with {{- if }} control lines is skipped with a note', () => {
  const text = `{{- if .Values.enabled }}
apiVersion: v1
kind: Pod
metadata:
  name: x
spec:
  containers:
  - name: app
    image: nginx:latest
{{- end }}
`;
  const result = yaml(text);
  assert.deepEqual(result.sources, []);
  assert.deepEqual(result.images, []);
  assert.deepEqual(result.findings, []);
  assert.deepEqual(result.errors, []);
  assert.equal(result.notes.length, 1);
  assert.match(result.notes[0]!, TEMPLATE_NOTE);
});

test('a Helm template with an unquoted image: {{ .Values.image }} is skipped with a note', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: x
spec:
  containers:
  - name: app
    image: {{ .Values.image.repository }}:{{ .Values.image.tag }}
  - name: other
    image: nginx:latest
`;
  const result = yaml(text);
  assert.deepEqual(result.images, []);
  assert.deepEqual(result.findings, []);
  assert.deepEqual(result.errors, []);
  assert.equal(result.notes.length, 1);
  assert.match(result.notes[0]!, TEMPLATE_NOTE);
});

test('a template in a list item (- {{ include … }}) also marks the file as a template', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: x
  labels:
    {{- include "chart.labels" . | nindent 4 }}
spec:
  containers:
  - name: app
    image: nginx:latest
`;
  const result = yaml(text);
  assert.deepEqual(result.findings, []);
  assert.deepEqual(result.errors, []);
  assert.match(result.notes[0]!, TEMPLATE_NOTE);
});

test('a quoted template value in a plain manifest: status template, no finding, a note with its line', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: x
spec:
  securityContext:
    runAsNonRoot: true
  containers:
  - name: app
    image: "{{ .Values.image }}"
  - name: other
    image: nginx:latest
`;
  const result = yaml(text);
  assert.deepEqual(result.sources, ['kubernetes']);
  assert.deepEqual(images(text, result), ['10:13-10:32 template {{ .Values.image }}', '12:12-12:24 image nginx:latest']);
  const template = result.images[0]!;
  assert.equal(template.raw, '{{ .Values.image }}');
  assert.equal(template.pinned, false);
  assert.equal(template.reference, undefined);
  assert.deepEqual(result.notes, ['line 10: `{{ .Values.image }}` is a template value: not checked']);
  assert.deepEqual(findings(text, result), ['12:12-12:24 unpinned-image/latest warning nginx:latest']);
});

test('Go templates inside a block scalar of a plain manifest do not make it a Helm template', () => {
  const text = `apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-notifications-cm
data:
  template.app-created: |
    message: |
      {{if eq .serviceType "slack"}}:white_check_mark:{{end}} Application {{.app.metadata.name}} has been created.
---
${pod('app', 'nginx:latest')}`;
  const result = yaml(text);
  assert.deepEqual(result.notes, []);
  assert.deepEqual(findings(text, result), ['19:12-19:24 unpinned-image/latest warning nginx:latest']);
});

test('{{ … }} inside a quoted value (Argo Workflows parameters) does not make the file a template; unquoted after a quoted key does', () => {
  const text = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: hello
spec:
  templates:
  - name: say
    container:
      image: "{{inputs.parameters.image}}"
      args: ["echo: {{inputs.parameters.message}}", 'it''s: {{workflow.name}}']
      command:
        - "\\U0001F553 Scheduled on: {{workflow.scheduledTime}}"
  - name: run
    container:
      image: busybox:latest
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), ['9:15-9:42 template {{inputs.parameters.image}}', '15:14-15:28 image busybox:latest']);
  assert.deepEqual(result.notes, ['line 9: `{{inputs.parameters.image}}` is a template value: not checked']);
  const helm = `apiVersion: v1
kind: Pod
metadata:
  "name": {{ .Release.Name }}
spec:
  containers: [{name: app, image: nginx:latest}]
`;
  assert.match(yaml(helm).notes[0]!, TEMPLATE_NOTE);
});

test('template syntax in a comment does not make the file a template', () => {
  const text = `# Rendered from the chart; the source line was:
#   image: {{ .Values.image }}
${pod('app', 'nginx:latest')}`;
  const result = yaml(text);
  assert.deepEqual(result.notes, []);
  assert.deepEqual(findings(text, result), ['12:12-12:24 unpinned-image/latest warning nginx:latest']);
});

test('{{ … }} in a quoted value over several lines (a Grafana dashboard in a ConfigMap) does not make the file a template', () => {
  const text = `apiVersion: v1
kind: ConfigMap
metadata:
  name: dashboards
data:
  mesh.json: "{\\"legendFormat\\":\\"{{
    destination_workload }}.{{ destination_workload_namespace }}\\"}"
  other.json: '{"a": "x",
    "b": {{ b }}}'
---
${pod('grafana', 'docker.io/grafana/grafana:12.0.1')}`;
  const result = yaml(text);
  assert.deepEqual(result.notes, []);
  assert.deepEqual(findings(text, result), ['20:12-20:44 unpinned-image/mutable-tag info docker.io/grafana/grafana:12.0.1']);
});

test('a file is a template when only a template engine makes YAML of it: it does not parse, or a {{ … }} reads as a mapping', () => {
  // Parses, but `name: {{ .Release.Name }}` is a mapping in a mapping to the parser.
  const parses = `apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}
spec:
  containers:
  - {name: app, image: nginx:latest}
`;
  assert.match(yaml(parses).notes[0]!, TEMPLATE_NOTE);
  // A plain value with {{ inside is the value's text: the manifest is read, the value is a template value.
  const plain = pod('app', 'nginx:{{ .Values.tag }}');
  assert.deepEqual(yaml(plain).notes, ['line 10: `nginx:{{ .Values.tag }}` is a template value: not checked']);
});

test('a broken file whose only {{ is in a comment is reported as broken, not skipped as a template', () => {
  const text = `# image: {{ .Values.image }}
apiVersion: v1
kind: Pod
 metadata:
  name: x
`;
  const result = yaml(text);
  assert.deepEqual(result.notes, []);
  assert.ok(result.errors.length > 0);
});

// ---------------------------------------------------------------------------------------------
// Line endings
// ---------------------------------------------------------------------------------------------

test('LF, CRLF and CR-only line endings give the same images, findings and ranges', () => {
  const lf = readCorpus('k8s/microservices-demo--kubernetes-manifests--loadgenerator.yaml');
  const expected = yaml(lf);
  assert.ok(expected.images.length > 0 && expected.findings.length > 0);
  const view = (result: AnalysisResult) => ({
    images: result.images.map((i) => `${at(i.range)} ${i.status} ${i.raw}`),
    findings: result.findings.map((f) => `${at(f.range)} ${f.rule}`),
    errors: result.errors,
  });
  for (const ending of ['\r\n', '\r']) {
    const text = lf.replace(/\n/g, ending);
    assert.deepEqual(view(yaml(text)), view(expected), JSON.stringify(ending));
    // Ranges count a lone CR as a line break, as editors do.
    const lines = text.split(/\r\n|\r|\n/);
    for (const image of yaml(text).images) {
      const { start, end } = image.range;
      assert.equal(lines[start.line]!.slice(start.character, end.character), image.raw);
    }
    const incremental = new IncrementalYaml({});
    assert.deepEqual(view(incremental.update(text)), view(expected), `incremental ${JSON.stringify(ending)}`);
  }
});

// ---------------------------------------------------------------------------------------------
// Kinds without images
// ---------------------------------------------------------------------------------------------

test('kinds that hold no image (CRD, ConfigMap, Secret, Service, …) produce nothing, even with an image key', () => {
  const text = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.example.com
spec:
  image: not-read:latest
  versions:
  - name: v1
    schema:
      openAPIV3Schema:
        properties:
          image: {type: string, default: "nginx:latest"}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
data:
  image: nginx:latest
---
apiVersion: v1
kind: Secret
metadata:
  name: s
stringData:
  image: nginx:latest
---
apiVersion: v1
kind: Service
metadata:
  name: svc
spec:
  ports: [{port: 80}]
`;
  const result = yaml(text);
  assert.deepEqual(result, { ...NOTHING, sources: ['kubernetes'] });
});

test('a JSON ConfigMap with an image in its data produces nothing', () => {
  const text = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"image": "nginx:latest"}}';
  const result = yaml(text);
  assert.deepEqual(result.images, []);
  assert.deepEqual(result.findings, []);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.sources, ['kubernetes']);
});

test('kinds are matched with their API group: a ConfigMap or Secret of another group is read', () => {
  const text = `apiVersion: example.com/v1
kind: ConfigMap
metadata:
  name: odd
spec:
  image: ghcr.io/acme/odd:1
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: core
data:
  image: nginx:latest
---
apiVersion: secrets.example.com/v1
kind: Secret
spec:
  image: ghcr.io/acme/vault-agent:2
`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), ['6:10-6:28 image ghcr.io/acme/odd:1', '18:10-18:36 image ghcr.io/acme/vault-agent:2']);
  assert.deepEqual(
    result.images.map((i) => [i.kubernetes?.kind, i.kubernetes?.document]),
    [
      ['ConfigMap', 0],
      ['Secret', 2],
    ],
  );
});

test('skipped documents still count in the document index', () => {
  const text = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: a.example.com
spec:
  image: not-read
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
---
${pod('app', 'nginx:1.27')}`;
  const result = yaml(text);
  assert.deepEqual(images(text, result), ['22:12-22:22 image nginx:1.27']);
  assert.equal(result.images[0]!.kubernetes?.document, 2);
});

// ---------------------------------------------------------------------------------------------
// Nesting
// ---------------------------------------------------------------------------------------------

const TOO_DEEP = 'YAML syntax error in document 1: collections are nested more than 256 levels deep: not read';

/** The same text analysed with little stack left, as a deep caller (or an incremental update) would. */
function withDeepStack(text: string, frames: number): AnalysisResult {
  const down = (n: number): AnalysisResult => (n === 0 ? yaml(text) : down(n - 1));
  return down(frames);
}

test('collections nested more than 256 levels deep: one error for the document, never an exception or a stack-dependent result', () => {
  const texts = {
    'block mappings': `image:\n${Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i + 1)}a:`).join('\n')} x\n`,
    'sequences of mappings, dedented at the end': `${Array.from({ length: 1200 }, (_, i) => `${' '.repeat(2 * i)}- image:`).join('\n')} x\nafter: 1\n`,
    'compact sequences': `${'- '.repeat(5000)}image\nafter: 1\n`,
    'flow sequences': `image: ${'['.repeat(5000)}x${']'.repeat(5000)}\n`,
    'unclosed flow mappings': `image: ${'{a: '.repeat(3000)}x\n`,
    JSON: `{"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"image": ${'['.repeat(2000)}${']'.repeat(2000)}}]}}`,
  };
  for (const [name, text] of Object.entries(texts)) {
    const result = yaml(text);
    assert.deepEqual(
      result.errors.map((e) => e.message),
      [TOO_DEEP],
      name,
    );
    assert.deepEqual(result.errors[0]!.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, name);
    // The yaml parser caught its own stack overflows: how many errors, and where, depended on the stack left.
    assert.deepEqual(withDeepStack(text, 3000), result, name);
  }
});

test('a document nested just within the limit is read; a deep one does not hide the other documents', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const within = `${pod('app', 'nginx:1.27')}    args: ${nested(250)}\n`;
  assert.deepEqual(yaml(within).errors, []);
  assert.deepEqual(images(within, yaml(within)), ['10:12-10:22 image nginx:1.27']);
  const text = `${pod('one', 'nginx:1.27')}---\n${pod('two', 'redis:7')}    args: ${nested(300)}\n---\n${pod('three', 'busybox:1')}`;
  const result = yaml(text);
  assert.deepEqual(
    result.errors.map((e) => [e.message.replace(/document \d/, 'document N'), at(e.range!)]),
    [[TOO_DEEP.replace('document 1', 'document N'), '11:1-11:1']],
  );
  assert.match(result.errors[0]!.message, /document 2:/);
  assert.deepEqual(
    result.images.map((i) => i.raw),
    ['nginx:1.27', 'busybox:1'],
  );
});

test('an indentation alone (a deep block scalar, long flow lines) is no reason to refuse a document', () => {
  const script = Array.from({ length: 30 }, (_, i) => `${' '.repeat(300)}echo ${i} [[[[[[`).join('\n');
  const text = `${pod('app', 'nginx:1.27')}    command:\n    - |\n${script}\n`;
  const result = yaml(text);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(
    result.images.map((i) => i.raw),
    ['nginx:1.27'],
  );
});
