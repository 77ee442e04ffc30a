// The time budget of project analysis: a kustomization root or a chart that takes longer is an
// error entry, and the other roots and charts still give their images. Time is counted, not
// measured: the clock given to the analysis moves one millisecond each time it is read, so a
// budget of N seconds is N thousand looks at the clock, whatever the machine's speed.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Budget, BudgetSpent } from '../../../src/core/project/budget.js';
import { overlayFiles } from '../../../src/core/project/files.js';
import { analyzeProject } from '../../../src/core/project/index.js';

const ROOT = path.resolve('/virtual/budget');

/** A clock that moves 1 ms at each reading. */
function countingClock(): () => number {
  let now = 0;
  return () => ++now;
}

function files(tree: Readonly<Record<string, string>>): { paths: string[]; fs: ReturnType<typeof overlayFiles> } {
  const texts = new Map(Object.entries(tree).map(([name, text]) => [path.join(ROOT, ...name.split('/')), text]));
  return { paths: [...texts.keys()], fs: overlayFiles(texts) };
}

function deployment(name: string, image: string): string {
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: ${image}\n`;
}

/**
 * A base included through `levels` pairs of overlays, each pair prefixing the names differently:
 * the root renders 2^levels copies of it (kubectl too would take forever).
 */
function doublingOverlays(levels: number): Record<string, string> {
  const tree: Record<string, string> = { [`bomb/l${levels}/d.yaml`]: deployment('web', 'nginx:1.27') };
  tree[`bomb/l${levels}/kustomization.yaml`] = 'resources: [d.yaml]\n';
  for (let i = 0; i < levels; i++) {
    tree[`bomb/l${i}/kustomization.yaml`] = `resources: [../a${i}, ../b${i}]\n`;
    tree[`bomb/a${i}/kustomization.yaml`] = `resources: [../l${i + 1}]\nnamePrefix: a-\n`;
    tree[`bomb/b${i}/kustomization.yaml`] = `resources: [../l${i + 1}]\nnamePrefix: b-\n`;
  }
  return tree;
}

/** Defines that each include the next one twice, `depth` deep, used by `images` image lines. */
function includeBomb(depth: number, images: number): Record<string, string> {
  const defines = Array.from(
    { length: depth },
    (_, i) => `{{- define "x${i}" -}}{{ include "x${i + 1}" . }}{{ include "x${i + 1}" . }}{{- end -}}`,
  );
  defines.push(`{{- define "x${depth}" -}}1{{- end -}}`);
  const containers = Array.from({ length: images }, (_, i) => `      - name: c${i}\n        image: "nginx:{{ include "x0" . }}"\n`).join(
    '',
  );
  return {
    'slow-chart/Chart.yaml': 'apiVersion: v2\nname: slow\nversion: 0.1.0\n',
    'slow-chart/values.yaml': '{}\n',
    'slow-chart/templates/_helpers.tpl': defines.join('\n') + '\n',
    'slow-chart/templates/deployment.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: slow\nspec:\n  template:\n    spec:\n      containers:\n${containers}`,
  };
}

const QUICK_CHART = {
  'quick-chart/Chart.yaml': 'apiVersion: v2\nname: quick\nversion: 0.1.0\n',
  'quick-chart/values.yaml': 'image:\n  repository: redis\n  tag: "7.4"\n',
  'quick-chart/templates/deployment.yaml': deployment('quick', '"{{ .Values.image.repository }}:{{ .Values.image.tag }}"'),
};

const QUICK_ROOT = {
  'quick/d.yaml': deployment('web', 'httpd:2.4'),
  'quick/kustomization.yaml': 'resources: [d.yaml]\nimages:\n- name: httpd\n  newTag: "2.4.62"\n',
};

function references(analysis: Awaited<ReturnType<typeof analyzeProject>>): string[] {
  return [...analysis.images.values()].flat().map((i) => i.raw);
}

test('a kustomization root that spends its time budget is an error entry; the other roots still give their images', async () => {
  const { paths, fs } = files({ ...doublingOverlays(30), ...QUICK_ROOT });
  const analysis = await analyzeProject(paths, fs, {}, { timeBudget: 2, clock: countingClock() });
  const bomb = path.join(ROOT, 'bomb', 'l0', 'kustomization.yaml');
  assert.deepEqual(
    analysis.errors.filter((e) => e.file === bomb).map((e) => e.message.split(':')[0]),
    ['analysis stopped after 2 s'],
    JSON.stringify(analysis.errors),
  );
  assert.deepEqual(
    analysis.kustomize.roots.map((r) => [path.relative(ROOT, r.folder), r.images.map((i) => i.reference)]),
    [
      ['bomb/l0', []],
      ['quick', ['httpd:2.4.62']],
    ],
  );
});

test('a chart whose templates include each other without end spends its budget: an error entry; the other charts still give their images', async () => {
  // 30 deep: within helm's 32 includes, so each image takes all the steps one evaluation may take.
  const { paths, fs } = files({ ...includeBomb(30, 30), ...QUICK_CHART });
  const analysis = await analyzeProject(paths, fs, {}, { timeBudget: 0.5, clock: countingClock() });
  const chart = path.join(ROOT, 'slow-chart', 'Chart.yaml');
  const errors = analysis.errors.filter((e) => e.file === chart);
  assert.equal(errors.length, 1, JSON.stringify(analysis.errors));
  assert.match(errors[0]!.message, /^analysis stopped after 0.5 s: this chart takes longer than its time budget/);
  assert.deepEqual(
    analysis.charts.map((c) => [path.relative(ROOT, c.chart), c.images.map((i) => i.reference)]),
    [
      ['quick-chart', ['redis:7.4']],
      ['slow-chart', []],
    ],
  );
  assert.deepEqual(references(analysis), ['7.4'], 'the quick chart image is placed on its values.yaml tag');
});

test('a long analysis lets the event loop run, even over files held in memory (the editor stays responsive)', async () => {
  const { paths, fs } = files(doublingOverlays(30));
  let turns = 0;
  let done = false;
  const tick = (): void => {
    turns++;
    if (!done) setImmediate(tick);
  };
  setImmediate(tick);
  await analyzeProject(paths, fs, {}, { timeBudget: 5, clock: countingClock() });
  done = true;
  // 5000 looks at the clock, a turn every 25 of them: many turns, not one at the end.
  assert.ok(turns >= 50, `the event loop ran ${turns} times during the analysis`);
});

test('the time budget is checked where it enters: a number of seconds above 0', async () => {
  for (const timeBudget of [0, -1, Number.NaN]) {
    await assert.rejects(analyzeProject([], overlayFiles(new Map()), {}, { timeBudget }), /timeBudget must be a number of seconds above 0/);
  }
  const budget = Budget.start({ timeBudget: 1, clock: countingClock() });
  assert.throws(() => {
    for (let i = 0; i < 2000; i++) budget.check();
  }, BudgetSpent);
});

test('time a budget sets aside (a chart a kustomization inflates, on its own budget) is not counted', async () => {
  let now = 0;
  const budget = Budget.start({ timeBudget: 1, clock: () => now });
  await budget.aside(() => {
    now += 5000;
    return Promise.resolve();
  });
  budget.check();
  now += 1001;
  assert.throws(() => budget.check(), BudgetSpent);
});
