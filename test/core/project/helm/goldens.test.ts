// The Helm engine against the real `helm template`: every chart of test/corpus/charts (with its
// defaults and with the values files scripts/helm-goldens.mjs names) gives the active images helm
// renders, as the goldens recorded from helm say; and the goldens are what helm renders now.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { analyzeChart } from '../../../../src/core/project/helm/chart.js';
import { diskFiles } from '../../../../src/core/project/files.js';
import type { ChartImage } from '../../../../src/core/project/types.js';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const GOLDENS = path.join(ROOT, 'test', 'core', 'project', 'helm-goldens');
const CHARTS = path.join(ROOT, 'test', 'corpus', 'charts');

interface GoldenImage {
  readonly reference: string;
  readonly kind: string;
  readonly name?: string;
  readonly container?: string;
  readonly containerType?: string;
}

interface Golden {
  readonly chart: string;
  readonly values: readonly string[];
  readonly renders: boolean;
  readonly images?: readonly GoldenImage[];
}

/** One line per image: `Kind/name container (type)=reference`, sorted. */
function lines(images: readonly (GoldenImage | undefined)[]): string[] {
  return images
    .filter((i) => i !== undefined)
    .map((i) => `${i.kind}/${i.name ?? ''} ${i.container ?? ''}${i.containerType ? ` (${i.containerType})` : ''}=${i.reference}`)
    .sort();
}

function active(image: ChartImage): GoldenImage | undefined {
  if (image.active === false) return undefined;
  const w = image.workload;
  return {
    reference: image.reference ?? `unresolved: ${image.unresolved ?? ''}`,
    kind: w?.kind ?? '?',
    ...(w?.name !== undefined && { name: w.name }),
    ...(w?.container !== undefined && { container: w.container }),
    ...(w?.containerType !== undefined && { containerType: w.containerType }),
  };
}

const goldens = readdirSync(GOLDENS)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => ({ name, golden: JSON.parse(readFileSync(path.join(GOLDENS, name), 'utf8')) as Golden }));

test('every chart of the corpus has goldens, with its defaults and with named values files', () => {
  assert.ok(goldens.length >= 20, `${goldens.length} goldens`);
  for (const chart of [
    'kube-prometheus-stack',
    'grafana',
    'redis',
    'postgresql',
    'ingress-nginx',
    'cert-manager',
    'argo-cd',
    'istio/base',
    'istio/istio-discovery',
    'istio/gateway',
  ])
    assert.ok(
      goldens.some(({ golden }) => golden.chart === chart && golden.values.length === 0 && golden.renders),
      chart,
    );
});

for (const { name, golden } of goldens) {
  test(`${name}: Shipshape's active images are the ones helm template renders`, async () => {
    const chart = path.join(CHARTS, golden.chart);
    // No time budget: what is compared is the images, on a machine that may be loaded (the bench measures the time).
    const project = await analyzeChart(chart, diskFiles(), {
      valuesFiles: golden.values.map((v) => path.join(chart, v)),
      timeBudget: Number.POSITIVE_INFINITY,
    });
    if (!golden.renders) {
      // helm fails (a `fail` or `required`, in NOTES.txt for opentelemetry-collector's defaults): so does Shipshape, with no active image.
      assert.ok(
        project.errors.some((e) => e.message.startsWith('helm template fails')),
        JSON.stringify(project.errors),
      );
      assert.deepEqual(
        project.images.filter((i) => i.active !== false),
        [],
      );
      return;
    }
    assert.deepEqual(project.errors, []);
    assert.deepEqual(lines(project.images.map(active)), lines(golden.images ?? []));
  });
}

/** The helm scripts/tools.mjs builds; a failure to build it fails the test (CI builds it the same way). */
function helmPath(): string {
  try {
    return execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'tools.mjs'), 'which', 'helm'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30 * 60_000,
    }).trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`the real helm is needed to check the goldens: node scripts/tools.mjs which helm failed:\n${stderr}`, {
      cause: error,
    });
  }
}

test('the goldens are what the real helm renders now', { timeout: 40 * 60_000 }, async () => {
  assert.ok(helmPath().endsWith('helm'));
  const script = path.join(ROOT, 'scripts', 'helm-goldens.mjs');
  const { stdout } = await run(process.execPath, [script, '--check'], { timeout: 20 * 60_000, maxBuffer: 16 * 1024 * 1024 });
  assert.match(stdout, /helm goldens are current/);
});
