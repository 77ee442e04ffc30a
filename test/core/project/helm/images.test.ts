import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { imageSites, textSpans, type KeyAt } from '../../../../src/core/project/helm/images.js';
import { parseTemplate } from '../../../../src/core/project/helm/parse.js';

function sites(text: string) {
  const show = (at: KeyAt | undefined): string | undefined => at && text.slice(at.valueOffset, text.indexOf('\n', at.valueOffset));
  return imageSites(text, textSpans(parseTemplate(text).root)).sites.map((site) => ({
    image: show(site.image),
    containerType: site.containerType,
    kind: show(site.kind),
    name: show(site.name),
    namespace: show(site.namespace),
    container: show(site.container),
  }));
}

test('container images of every container list, with the keys of their workload and container', () => {
  const text = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: {{ .Release.Name }}-web',
    '  namespace: {{ .Release.Namespace }}',
    'spec:',
    '  template:',
    '    spec:',
    '      initContainers:',
    '      - name: init',
    '        image: busybox',
    '      containers:',
    '        - image: "{{ .Values.image }}"',
    '          {{- if .Values.x }}',
    '          name: web',
    '          {{- end }}',
    '      ephemeralContainers:',
    '        - name: debug',
    '          securityContext:',
    '            runAsUser: 0',
    '          image: alpine',
    '',
  ].join('\n');
  assert.deepEqual(sites(text), [
    {
      image: 'busybox',
      containerType: 'initContainers',
      kind: 'Deployment',
      name: '{{ .Release.Name }}-web',
      namespace: '{{ .Release.Namespace }}',
      container: 'init',
    },
    {
      image: '"{{ .Values.image }}"',
      containerType: 'containers',
      kind: 'Deployment',
      name: '{{ .Release.Name }}-web',
      namespace: '{{ .Release.Namespace }}',
      container: 'web',
    },
    {
      image: 'alpine',
      containerType: 'ephemeralContainers',
      kind: 'Deployment',
      name: '{{ .Release.Name }}-web',
      namespace: '{{ .Release.Namespace }}',
      container: 'debug',
    },
  ]);
});

test('image keys that are not container images are left alone', () => {
  const text = [
    'kind: Pod',
    'metadata:',
    '  annotations:',
    '    image: not-a-container',
    'spec:',
    '  containers:',
    '  - name: script',
    '    command:',
    '    - |',
    '      image: inside-a-block-scalar',
    '    args: {{ printf "image: %s" "in-an-action" }}',
    '    # image: commented',
    '    image:',
    '      repository: a-mapping',
    '  image: pod-level',
    '',
  ].join('\n');
  assert.deepEqual(sites(text), []);
});

test("a custom resource's spec.image is an image; a built-in workload's is not", () => {
  const cr =
    'apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata:\n  name: p\nspec:\n  image: quay.io/prometheus/prometheus\n';
  assert.deepEqual(sites(cr), [
    {
      image: 'quay.io/prometheus/prometheus',
      containerType: undefined,
      kind: 'Prometheus',
      name: 'p',
      namespace: undefined,
      container: undefined,
    },
  ]);
  assert.deepEqual(sites('kind: Deployment\nspec:\n  image: x\n'), []);
});

test('documents are told apart by ---: each image has its own kind and name', () => {
  const text =
    'kind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: c\n    image: one\n---\nkind: Job\nmetadata:\n  name: b\nspec:\n  template:\n    spec:\n      containers:\n      - name: d\n        image: two\n';
  assert.deepEqual(
    sites(text).map((s) => [s.image, s.kind, s.name, s.container]),
    [
      ['one', 'Pod', 'a', 'c'],
      ['two', 'Job', 'b', 'd'],
    ],
  );
});
