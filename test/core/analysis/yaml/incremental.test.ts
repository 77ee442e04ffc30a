import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyzeChunk, analyzeYaml } from '../../../../src/core/analysis/yaml/analyze.js';
import { IncrementalYaml, PendingEdits, patchImageEdit, type TextChange } from '../../../../src/core/analysis/yaml/incremental.js';
import { readCorpus } from '../../../support/analysis.js';

function apply(text: string, change: TextChange): string {
  return text.slice(0, change.rangeOffset) + change.text + text.slice(change.rangeOffset + change.rangeLength);
}

/** A small deterministic generator, so failures can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const BASE = [
  'apiVersion: v1',
  'kind: Pod',
  'metadata: {name: a}',
  'spec:',
  '  containers:',
  '    - name: web',
  '      image: nginx:1.27',
  '---',
  'apiVersion: v1',
  'kind: ConfigMap',
  'data: {x: "1"}',
  '---',
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata: {name: b}',
  'spec:',
  '  template:',
  '    spec:',
  '      securityContext: {runAsNonRoot: true}',
  '      containers:',
  '        - name: api',
  '          image: "ghcr.io/x/api:latest"',
  '',
].join('\n');

const INSERTS = ['\n---\n', 'x', '\n', '', '---', 'image: redis\n', ' ', '#', 'kind: Pod\n', '"', ':', '\n  - name: z\n    image: z:1\n'];

for (const seed of [42, 7, 2026])
  test(`incremental results equal a full analysis after every edit (random edits, seed ${seed})`, () => {
    const next = random(seed);
    let text = BASE;
    const state = new IncrementalYaml({});
    state.update(text);
    for (let step = 0; step < 300; step++) {
      const offset = Math.floor(next() * (text.length + 1));
      const length = Math.min(text.length - offset, Math.floor(next() * 6));
      const change = { rangeOffset: offset, rangeLength: length, text: INSERTS[Math.floor(next() * INSERTS.length)]! };
      text = apply(text, change);
      assert.deepEqual(state.update(text, [change]), analyzeYaml(text, {}), `step ${step}: ${JSON.stringify(change)}`);
    }
  });

test('an edit in one workload of argo-cd install.yaml matches a full analysis', () => {
  const original = readCorpus('k8s/argo-cd--manifests--install.yaml');
  const state = new IncrementalYaml({});
  state.update(original);
  const at = original.indexOf('image: quay.io/argoproj/argocd:latest');
  const change = { rangeOffset: at + 'image: quay.io/argoproj/argocd:'.length, rangeLength: 'latest'.length, text: 'v3.2.0' };
  const edited = apply(original, change);
  const incremental = state.update(edited, [change]);
  assert.deepEqual(incremental, analyzeYaml(edited, {}));
  assert.equal(
    incremental.findings.filter((f) => f.reason === 'latest').length,
    analyzeYaml(original, {}).findings.filter((f) => f.reason === 'latest').length - 1,
  );
});

test('several changes in one event are handled together', () => {
  const state = new IncrementalYaml({});
  state.update(BASE);
  // Two edits, described against the text before the event, given in descending order as editors do.
  const second = { rangeOffset: BASE.indexOf('latest'), rangeLength: 6, text: '2.0' };
  const first = { rangeOffset: BASE.indexOf('1.27'), rangeLength: 4, text: 'latest' };
  const text = apply(apply(BASE, second), first);
  assert.deepEqual(state.update(text, [second, first]), analyzeYaml(text, {}));
});

test('edits of several events folded by PendingEdits give the same result as a full analysis', () => {
  const next = random(99);
  let text = BASE;
  const state = new IncrementalYaml({});
  state.update(text);
  const pending = new PendingEdits();
  for (let step = 0; step < 300; step++) {
    const offset = Math.floor(next() * (text.length + 1));
    const length = Math.min(text.length - offset, Math.floor(next() * 6));
    const change = { rangeOffset: offset, rangeLength: length, text: INSERTS[Math.floor(next() * INSERTS.length)]! };
    text = apply(text, change);
    pending.add([change]);
    if (next() < 0.3) assert.deepEqual(state.update(text, pending.take()), analyzeYaml(text, {}), `step ${step}`);
  }
});

test('typing in an image reference is applied without parsing, and matches a full analysis', () => {
  let text = BASE;
  const state = new IncrementalYaml({});
  state.update(text);
  const steps: [string, string][] = [
    ['nginx:1.27', 'nginx:1.28'],
    ['nginx:1.28', 'nginx:latest'],
    ['nginx:latest', `nginx:1.28@sha256:${'c'.repeat(64)}`],
    ['ghcr.io/x/api:latest', 'ghcr.io/x/api:2'],
    ['ghcr.io/x/api:2', 'Ghcr.io/X/api:2'],
    ['nginx:1.28', '12345'],
    ['12345', 'true'],
  ];
  for (const [from, to] of steps) {
    const at = text.indexOf(from);
    const change = { rangeOffset: at, rangeLength: from.length, text: to };
    text = apply(text, change);
    assert.deepEqual(state.update(text, [change]), analyzeYaml(text, {}), `${from} -> ${to}`);
  }
  // The patch applies to the first three edits (valid references typed in place) and refuses
  // values that would read as another type.
  const chunk = 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: a\n      image: nginx:1.27\n';
  const result = analyzeChunk(chunk, {});
  const at = chunk.indexOf('1.27');
  const edited = chunk.replace('1.27', 'latest');
  const patched = patchImageEdit(chunk, edited, result, at, at + 4, {});
  assert.ok(patched);
  assert.deepEqual(patched.findings, analyzeChunk(edited, {}).findings);
  assert.equal(patchImageEdit(chunk, chunk.replace('nginx:1.27', '12'), result, at - 6, at + 4, {}), undefined);
  assert.equal(patchImageEdit(chunk, chunk.replace('1.27', '1.27 # x'), result, at, at + 4, {}), undefined);
});

test('random edits inside image references (the no-parse path) match a full analysis', () => {
  const next = random(5);
  let text =
    BASE.replace('      securityContext: {runAsNonRoot: true}\n', '') +
    '---\nkind: List\napiVersion: v1\nitems:\n  - {apiVersion: v1, kind: Pod, metadata: {name: f}, spec: {containers: [{name: f, image: ' +
    '"busybox:1", securityContext: {runAsUser: 0}}]}}\n';
  const state = new IncrementalYaml({});
  state.update(text);
  const chars = ['a', '1', ':', '.', '@', '-', '/', '', ' ', '#', '"', 'x', '{', '\n', 'latest', '0'];
  for (let step = 0; step < 400; step++) {
    const images = analyzeYaml(text, {}).images;
    const lineStarts = [0, ...[...text.matchAll(/\n/g)].map((m) => m.index + 1)];
    let offset = Math.floor(next() * text.length);
    if (images.length > 0) {
      const image = images[Math.floor(next() * images.length)]!;
      const start = lineStarts[image.range.start.line]! + image.range.start.character;
      const end = lineStarts[image.range.end.line]! + image.range.end.character;
      offset = start + Math.floor(next() * (end - start + 1));
    }
    const length = Math.min(text.length - offset, next() < 0.5 ? 0 : 1);
    const change = { rangeOffset: offset, rangeLength: length, text: chars[Math.floor(next() * chars.length)]! };
    text = apply(text, change);
    assert.deepEqual(state.update(text, [change]), analyzeYaml(text, {}), `step ${step}: ${JSON.stringify(change)}`);
  }
});

test('an edit in a document nested too deeply to read: the same single error as a full analysis', () => {
  // The parser caught its own stack overflows, so the errors depended on the stack left, which
  // is less inside an incremental update than in a full analysis.
  const deep = `{"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"image": ${'['.repeat(1000)}"x"${']'.repeat(1000)}}]}}\n`;
  const text = `${BASE}---\n${deep}`;
  const state = new IncrementalYaml({});
  assert.deepEqual(state.update(text), analyzeYaml(text, {}));
  const change = { rangeOffset: text.indexOf('"x"') + 1, rangeLength: 1, text: 'yz' };
  const edited = apply(text, change);
  const result = state.update(edited, [change]);
  assert.deepEqual(result, analyzeYaml(edited, {}));
  assert.deepEqual(
    result.errors.map((e) => e.message),
    ['YAML syntax error in document 4: collections are nested more than 256 levels deep: not read'],
  );
  assert.deepEqual(
    result.images.map((i) => i.raw),
    ['nginx:1.27', 'ghcr.io/x/api:latest'],
  );
});

test('typing in the image of one of two identical List items changes that container only', () => {
  // Containers were matched by workload (kind, name, container), which two items can share:
  // the other item's root-user finding took the edited image.
  const item =
    '- apiVersion: v1\n  kind: Pod\n  metadata: {name: same}\n  spec:\n    containers:\n    - name: app\n      image: nginx:1.27\n';
  const text = `apiVersion: v1\nkind: List\nitems:\n${item}${item}`;
  const state = new IncrementalYaml({});
  state.update(text);
  const change = { rangeOffset: text.indexOf('nginx:1.27') + 'nginx:1.'.length, rangeLength: 2, text: '28' };
  const edited = apply(text, change);
  const result = state.update(edited, [change]);
  assert.deepEqual(result, analyzeYaml(edited, {}));
  assert.deepEqual(
    result.findings.filter((f) => f.rule === 'root-user').map((f) => f.raw),
    ['nginx:1.28', 'nginx:1.27'],
  );
});

test('typing in a block scalar image (image: |) is parsed again, not patched: its value keeps a line break', () => {
  // The range covers the text on the line only, but the value is `busybox:1.36\n` (invalid): a
  // patch would classify the text without the line break, and disagree with a full analysis.
  const chunk =
    'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: |\n      busybox:1.36\n  - name: b\n    image: >-\n      nginx:1.27\n';
  const result = analyzeChunk(chunk, {});
  assert.deepEqual(
    result.images.map((i) => [i.raw, i.status]),
    [
      ['busybox:1.36', 'invalid'],
      ['nginx:1.27', 'image'],
    ],
  );
  for (const [from, to] of [
    ['1.36', '1.37'],
    ['1.27', '1.28'],
  ] as const) {
    const at = chunk.indexOf(from);
    const edited = chunk.replace(from, to);
    assert.equal(patchImageEdit(chunk, edited, result, at, at + from.length, {}), undefined, from);
    const state = new IncrementalYaml({});
    state.update(chunk);
    assert.deepEqual(state.update(edited, [{ rangeOffset: at, rangeLength: from.length, text: to }]), analyzeYaml(edited, {}));
  }
});

test('edits in custom resources and in a document with a duplicate key match a full analysis', () => {
  const next = random(11);
  let text = [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: Workflow',
    'spec:',
    '  templates:',
    '  - name: a',
    '    container: {image: "golang:1.22"}',
    '    sidecars:',
    '    - {name: s, image: redis:7}',
    '  - name: b',
    '    script:',
    '      image: python:3.12',
    '---',
    'apiVersion: serving.knative.dev/v1',
    'kind: Service',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '      - image: ghcr.io/acme/app:1',
    '        image: ghcr.io/acme/app:2',
    '---',
    'apiVersion: v1',
    'kind: Service',
    'spec: {image: nginx:latest}',
    '',
  ].join('\n');
  const state = new IncrementalYaml({});
  assert.deepEqual(state.update(text), analyzeYaml(text, {}));
  const inserts = ['1', ':', 'x', ' ', '\n', 'image: a:1\n', 'kind: Pod\n', 'serving.knative.dev/', '-', '"', 'status:\n  '];
  for (let step = 0; step < 300; step++) {
    const offset = Math.floor(next() * (text.length + 1));
    const length = Math.min(text.length - offset, Math.floor(next() * 4));
    const change = { rangeOffset: offset, rangeLength: length, text: inserts[Math.floor(next() * inserts.length)]! };
    text = apply(text, change);
    assert.deepEqual(state.update(text, [change]), analyzeYaml(text, {}), `step ${step}: ${JSON.stringify(change)}`);
  }
});
