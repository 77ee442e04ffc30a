import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { IncrementalYaml, PendingEdits, analyzeYaml, type TextChange } from '../../src/core/yamlAnalysis.js';
import { readCorpus } from '../helpers.js';

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

for (const seed of [42, 7, 2026]) test(`incremental results equal a full analysis after every edit (random edits, seed ${seed})`, () => {
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
  assert.equal(incremental.findings.filter((f) => f.reason === 'latest').length, analyzeYaml(original, {}).findings.filter((f) => f.reason === 'latest').length - 1);
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
