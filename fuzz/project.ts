// Fuzz inputs of several files: kustomizations, charts and Compose env files with hostile patterns
// (regular expressions that backtrack, bases included through ever more overlays, templates that
// include each other, ranges over huge values, quotes never closed), and their check: project
// analysis must end, each root and chart either with its results or with the time budget's error.

import * as path from 'node:path';
import { composeEnvironment, overlayFiles, parseDotenv } from '../src/core/index.js';
import { analyzeProject } from '../src/core/project/index.js';
import type { Random } from './prng.js';

/** A project input: its files (relative paths, `/`), and the one the single-file checks read. */
export interface ProjectMade {
  readonly files: Readonly<Record<string, string>>;
  readonly main: string;
  readonly detail: string;
}

/** Seconds each root or chart of a fuzz input may take: small, so that an input stays within the harness's bound. */
export const FUZZ_TIME_BUDGET = 0.25;
const ROOT = path.resolve('/fuzz-project');
/** The error entry of a root or chart that spent its budget. */
export const BUDGET_ERROR = /^analysis stopped after [0-9.]+ s: /;

function deployment(name: string, image: string): string {
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${JSON.stringify(name)}\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: ${JSON.stringify(image)}\n`;
}

/** Patterns that backtrack for ages in JavaScript, and some RE2 refuses. */
const HOSTILE_PATTERNS = [
  '(a+)+b',
  '(a|a)*b',
  '(a|aa)+$x',
  '([a-z]+)*[0-9]',
  '(.*a){20}',
  '(a*)*b',
  '(?:a?){30}a{30}',
  '(a)\\1',
  '(?=a)a',
  '(?<!b)a',
  'a++',
  '[',
  '(?i)A+',
  '\\pL+\\d',
  '[[:alpha:]]+!',
  'x{1001}',
];

/** Kustomizations with hostile names and targets, and shapes that multiply work. */
export function kustomizeBomb(rng: Random): ProjectMade {
  const variant = rng.pick(['regex-images', 'regex-targets', 'doubling-overlays', 'long-chain', 'many-patches', 'cycle']);
  const long = 'a'.repeat(rng.pick([30, 40, 64, 253]));
  const pattern = () => rng.pick(HOSTILE_PATTERNS);
  const files: Record<string, string> = {};
  switch (variant) {
    case 'regex-images': {
      files['k/d.yaml'] = [deployment(long, `${long}:1`), deployment(`${long}b`, `${long}b:1`)].join('---\n');
      const entries = Array.from({ length: rng.int(1, 6) }, () => `- name: ${JSON.stringify(pattern())}\n  newTag: "2"\n`).join('');
      files['k/kustomization.yaml'] = `resources: [d.yaml]\nimages:\n${entries}`;
      break;
    }
    case 'regex-targets': {
      files['k/d.yaml'] = Array.from({ length: rng.int(1, 20) }, (_, i) => deployment(`${long}${i}`, 'nginx:1')).join('---\n');
      const patches = Array.from({ length: rng.int(1, 6) }, () => {
        const fields = ['name', 'namespace', 'kind', 'group', 'version']
          .filter(() => rng.chance(0.5))
          .map((f) => `${f}: ${JSON.stringify(pattern())}`);
        return `- target: {${fields.join(', ')}}\n  patch: '[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "x:1"}]'\n`;
      }).join('');
      files['k/kustomization.yaml'] = `resources: [d.yaml]\npatches:\n${patches}`;
      break;
    }
    case 'doubling-overlays': {
      const levels = rng.int(8, 40);
      files[`k/l${levels}/d.yaml`] = deployment('web', 'nginx:1');
      files[`k/l${levels}/kustomization.yaml`] = 'resources: [d.yaml]\n';
      for (let i = 0; i < levels; i++) {
        files[`k/l${i}/kustomization.yaml`] = `resources: [../a${i}, ../b${i}]\n`;
        files[`k/a${i}/kustomization.yaml`] = `resources: [../l${i + 1}]\nnamePrefix: a-\n`;
        files[`k/b${i}/kustomization.yaml`] = `resources: [../l${i + 1}]\nnamePrefix: b-\n`;
      }
      break;
    }
    case 'long-chain': {
      const levels = rng.int(50, 200);
      files[`k/c${levels}/d.yaml`] = deployment('web', 'nginx:1');
      files[`k/c${levels}/kustomization.yaml`] = 'resources: [d.yaml]\n';
      for (let i = 0; i < levels; i++) files[`k/c${i}/kustomization.yaml`] = `resources: [../c${i + 1}]\nnameSuffix: -x\n`;
      break;
    }
    case 'many-patches': {
      const objects = rng.pick([100, 300, 1000]);
      files['k/d.yaml'] = Array.from({ length: objects }, (_, i) => deployment(`w${i}`, 'nginx:1')).join('---\n');
      const patch = `- target: {kind: Deployment}\n  patch: |\n    - {op: replace, path: /spec/template/spec/containers/0/image, value: "x:1"}\n`;
      files['k/kustomization.yaml'] = `resources: [d.yaml]\npatches:\n${patch.repeat(rng.pick([10, 100, 500]))}`;
      break;
    }
    default:
      files['k/a/kustomization.yaml'] = 'resources: [../b]\n';
      files['k/b/kustomization.yaml'] = 'resources: [../a, ../b]\ncomponents: [../a]\n';
      files['k/c/kustomization.yaml'] = 'resources: [../a]\n';
  }
  // A plain root beside it: it must still give its image.
  files['plain/d.yaml'] = deployment('plain', 'redis:7');
  files['plain/kustomization.yaml'] = 'resources: [d.yaml]\n';
  const main = Object.keys(files).find((f) => f.endsWith('kustomization.yaml'))!;
  return { files, main, detail: `kustomization ${variant}` };
}

/** Defines that include each other `depth` deep, twice each (2^depth evaluations), or themselves. */
function includes(depth: number): string {
  const defines = Array.from(
    { length: depth },
    (_, i) => `{{- define "x${i}" -}}{{ include "x${i + 1}" . }}{{ template "x${i + 1}" . }}{{- end -}}`,
  );
  defines.push(`{{- define "x${depth}" -}}{{ .Values.tag }}{{- end -}}`);
  defines.push('{{- define "self" -}}{{ include "self" . }}{{- end -}}');
  return defines.join('\n') + '\n';
}

/** Charts whose templates include each other, loop over huge values, or nest deeply. */
export function chartBomb(rng: Random): ProjectMade {
  const variant = rng.pick(['include-bomb', 'self-include', 'huge-range', 'nested-ranges', 'deep-values', 'many-images']);
  const images = rng.int(1, 40);
  // Within helm's 32 includes: each image takes all the steps one evaluation may take.
  const depth = rng.int(10, 31);
  let values = 'tag: "1.0"\n';
  let image = '"nginx:{{ include "x0" . }}"';
  let around = (container: string) => container;
  switch (variant) {
    case 'self-include':
      image = '"nginx:{{ include "self" . }}"';
      break;
    case 'huge-range': {
      values += `items:\n${'  - a\n'.repeat(rng.pick([1000, 10_000]))}`;
      image = '"nginx:{{ range .Values.items }}{{ . }}{{ end }}"';
      break;
    }
    case 'nested-ranges': {
      values += `items: [${Array.from({ length: rng.pick([100, 2000]) }, (_, i) => i).join(', ')}]\n`;
      image = '"nginx:{{ .Values.tag }}"';
      around = (container) =>
        `{{- range .Values.items }}{{- range $.Values.items }}{{- range $.Values.items }}\n${container}{{- end }}{{- end }}{{- end }}\n`;
      break;
    }
    case 'deep-values': {
      const depth = rng.pick([100, 1000]);
      values += `${Array.from({ length: depth }, (_, i) => `${'  '.repeat(i)}k:`).join('\n')} x\n`;
      image = `"nginx:{{ .Values${'.k'.repeat(depth)} }}"`;
      break;
    }
    case 'many-images':
      image = '"nginx:{{ include "x0" . }}{{ include "x0" . }}"';
      break;
  }
  const containers = Array.from({ length: images }, (_, i) => around(`      - name: c${i}\n        image: ${image}\n`)).join('');
  const files: Record<string, string> = {
    'chart/Chart.yaml': 'apiVersion: v2\nname: bomb\nversion: 0.1.0\n',
    'chart/values.yaml': values,
    'chart/templates/_helpers.tpl': includes(depth),
    'chart/templates/deployment.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: bomb\nspec:\n  template:\n    spec:\n      containers:\n${containers}`,
    // A plain chart beside it: it must still give its image.
    'plain-chart/Chart.yaml': 'apiVersion: v2\nname: plain\nversion: 0.1.0\n',
    'plain-chart/values.yaml': 'image: {repository: redis, tag: "7.4"}\n',
    'plain-chart/templates/deployment.yaml': deployment('plain', '{{ .Values.image.repository }}:{{ .Values.image.tag }}'),
  };
  return { files, main: 'chart/templates/deployment.yaml', detail: `chart ${variant}, ${images} images, includes ${depth} deep` };
}

/** Compose env files: quotes never closed over many lines, nested defaults, escapes, long lines. */
export function dotenvBomb(rng: Random): ProjectMade {
  const variant = rng.pick(['unclosed-quote', 'nested-defaults', 'escapes', 'long-line', 'many-lines', 'chained']);
  const lines = rng.pick([1000, 20_000, 100_000]);
  let env: string;
  switch (variant) {
    case 'unclosed-quote':
      env = `A=1\nB=${rng.pick(['"', "'"])}start\n${`${rng.pick(['x', '\\', '\\"', "'", '#'])}${'y'.repeat(rng.int(0, 40))}\n`.repeat(lines)}`;
      break;
    case 'nested-defaults': {
      const depth = rng.pick([100, 1000, 20_000]);
      env = `TAG=${'${X:-'.repeat(depth)}1${'}'.repeat(rng.chance(0.5) ? depth : 0)}\n`;
      break;
    }
    case 'escapes':
      env = `A="${'\\'.repeat(rng.pick([1001, 100_001]))}"\nB="${'\\n\\t\\$'.repeat(10_000)}"\n`;
      break;
    case 'long-line':
      env = `A=${'x'.repeat(rng.pick([100_000, 1_000_000]))} # comment\n`;
      break;
    case 'many-lines':
      env = Array.from({ length: lines }, (_, i) => `export V${i}=\${V${Math.max(0, i - 1)}}`).join('\n');
      break;
    default: {
      const n = rng.int(10, 40);
      env = ['A0=ab', ...Array.from({ length: n }, (_, i) => `A${i + 1}=\${A${i}}\${A${i}}`)].join('\n') + '\n';
    }
  }
  const files = {
    'app/.env': env,
    'app/compose.yaml': 'services:\n  web:\n    image: "nginx:${TAG:-1}"\n',
  };
  return { files, main: 'app/.env', detail: `env file ${variant}` };
}

export interface ProjectCheck {
  readonly images: number;
  readonly errors: number;
  /** Roots and charts that spent their budget. */
  readonly stopped: number;
}

/**
 * Runs project analysis (and the env file readers) over an input's files: it must end, and each
 * root and chart must give its results or the budget's error entry. Throws when it does not.
 */
export async function checkProject(
  files: Readonly<Record<string, string>>,
  operation: (name: string) => void = () => {},
  clock?: () => number,
): Promise<ProjectCheck> {
  const texts = new Map(Object.entries(files).map(([name, text]) => [path.join(ROOT, ...name.split('/')), text]));
  const fs = overlayFiles(texts);
  for (const [file, text] of texts) {
    if (path.basename(file) !== '.env') continue;
    operation('env file');
    parseDotenv(text, (name) => (name === 'X' ? undefined : 'v'));
    await composeEnvironment(path.dirname(file), { processEnv: { X: 'x' } }, fs);
  }
  operation('project');
  const analysis = await analyzeProject([...texts.keys()], fs, {}, { timeBudget: FUZZ_TIME_BUDGET, ...(clock && { clock }) });
  const stopped = analysis.errors.filter((e) => BUDGET_ERROR.test(e.message)).length;
  // A root or chart that spent its budget says so and gives nothing; the others give their images.
  for (const root of analysis.kustomize.roots) {
    const spent = root.errors.some((e) => BUDGET_ERROR.test(e.message));
    if (spent && root.images.length > 0) throw new Error(`${root.folder}: images listed although its analysis was stopped`);
  }
  for (const chart of analysis.charts) {
    const spent = chart.errors.some((e) => BUDGET_ERROR.test(e.message));
    if (spent && chart.images.length > 0) throw new Error(`${chart.chart}: images listed although its analysis was stopped`);
  }
  const plain = [
    ...analysis.kustomize.roots.filter((r) => r.folder.endsWith(`${path.sep}plain`)),
    ...analysis.charts.filter((c) => c.chart.endsWith(`${path.sep}plain-chart`)),
  ];
  for (const each of plain) {
    const spent = each.errors.some((e) => BUDGET_ERROR.test(e.message));
    if (!spent && each.images.length !== 1)
      throw new Error(`the plain root or chart beside the hostile one gave ${each.images.length} images`);
  }
  return { images: [...analysis.images.values()].flat().length, errors: analysis.errors.length, stopped };
}
