// The Kustomize engine against `kubectl kustomize`: the real kustomizations of the corpus (through
// goldens recorded from kubectl, checked against kubectl again where it is installed), which of
// them are roots, each semantic on a small project (checked against kubectl where installed; the
// expected values were checked against kubectl 1.32 / kustomize v5.5.0), and exact ranges.

import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { analyzeKustomizations, renderKustomization } from '../../../src/core/project/kustomize.js';
import { diskFiles, overlayFiles, type ProjectFiles } from '../../../src/core/project/files.js';
import type { KustomizeImage, KustomizeRoot } from '../../../src/core/project/types.js';
import type { Range } from '../../../src/core/types.js';
import { corpusPath, textAt } from '../../support/analysis.js';
import { extractKubernetes, isKubernetesObject } from '../../../src/core/analysis/kubernetes.js';
import { LineIndex } from '../../../src/core/util/lines.js';

const run = promisify(execFile);
const REALWORLD = corpusPath('realworld');
const GOLDENS = path.join(__dirname, 'kustomize-goldens');
const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

/** The kustomize version kubectl carries, or why kubectl cannot be run here. */
const KUBECTL: { version?: string; skip?: string } = (() => {
  try {
    const out = execFileSync('kubectl', ['version', '--client'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60_000,
    });
    return { version: /Kustomize Version:\s*(\S+)/.exec(out)?.[1] ?? 'unknown' };
  } catch {
    return { skip: 'kubectl is not on PATH: the expected values were checked against kubectl 1.32 (kustomize v5.5.0)' };
  }
})();

const temporary: string[] = [];
after(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** Writes a project into a new temporary folder (real files, so that kubectl can render them too). */
function project(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'shipshape-kustomize-'));
  temporary.push(root);
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(root, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return root;
}

/** One line per image: `Kind/[namespace/]name container[ (type)]=reference`. */
function line(kind: string, name: unknown, namespace: unknown, container: unknown, type: string, reference: string): string {
  const where = `${kind}/${typeof namespace === 'string' ? `${namespace}/` : ''}${String(name)}`;
  return `${where} ${String(container)}${type === 'containers' ? '' : ` (${type})`}=${reference}`;
}

function lines(root: KustomizeRoot): string[] {
  return root.images.map((i) =>
    line(i.workload.kind, i.workload.name, i.workload.namespace, i.workload.container, i.workload.containerType ?? '', i.reference),
  );
}

/** The same lines from kubectl's output, read by the single-file analysis of a manifest (as the goldens are). */
function kubectlLines(output: string): string[] {
  const index = new LineIndex(output);
  const found: string[] = [];
  for (const [n, doc] of parseAllDocuments(output).entries()) {
    const object = doc.contents;
    if (!object || !isKubernetesObject(object, doc)) continue;
    for (const image of extractKubernetes(object, doc, output, index, n).images) {
      // A value that is no string (`image: null`) is no image kustomize renders as one.
      if (image.status === 'invalid' && image.raw === '') continue;
      const k = image.kubernetes!;
      found.push(line(k.kind, k.name, k.namespace, k.container, k.containerType ?? '', image.raw));
    }
  }
  return found;
}

async function kubectl(folder: string): Promise<{ lines: string[] } | { error: string }> {
  try {
    const { stdout } = await run('kubectl', ['kustomize', folder], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    return { lines: kubectlLines(stdout) };
  } catch (error: any) {
    return { error: String(error.stderr ?? error.message) };
  }
}

/**
 * Renders `folder` of a project and checks its images against `expected` (and kubectl against the
 * same, where it is installed). Returns the root for further checks.
 */
async function check(root: string, folder: string, expected: readonly string[]): Promise<KustomizeRoot> {
  const rendered = await renderKustomization(path.join(root, folder), diskFiles());
  assert.deepEqual(rendered.errors, [], 'the engine reports no error');
  assert.deepEqual(lines(rendered), expected);
  if (!KUBECTL.skip) assert.deepEqual(await kubectl(path.join(root, folder)), { lines: expected }, 'kubectl renders the same');
  return rendered;
}

/** Renders a folder kubectl refuses: the engine says why (and renders the rest). */
async function checkRefused(root: string, folder: string, message: RegExp, kubectlMessage: RegExp): Promise<KustomizeRoot> {
  const rendered = await renderKustomization(path.join(root, folder), diskFiles());
  assert.ok(
    rendered.errors.some((e) => message.test(e.message)),
    `an error matches ${message}: ${JSON.stringify(rendered.errors)}`,
  );
  if (!KUBECTL.skip) {
    const result = await kubectl(path.join(root, folder));
    assert.ok('error' in result && kubectlMessage.test(result.error), `kubectl refuses it too: ${JSON.stringify(result)}`);
  }
  return rendered;
}

function deployment(name: string, containers: Record<string, string>, extra = ''): string {
  const list = Object.entries(containers)
    .map(([n, image]) => `      - name: ${n}\n        image: ${image}\n`)
    .join('');
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n${extra}spec:\n  template:\n    spec:\n      containers:\n${list}`;
}

/** The text a range covers in a file. */
function covered(file: string, range: Range): string {
  return textAt(readFileSync(file, 'utf8'), range);
}

// ---------------------------------------------------------------------------------------------
// The real kustomizations of the corpus
// ---------------------------------------------------------------------------------------------

interface Golden {
  readonly folder: string;
  readonly kustomize: string;
  readonly renders: boolean;
  readonly images?: readonly Record<string, string>[];
  readonly error?: string;
}

const goldens: Golden[] = readdirSync(GOLDENS)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(GOLDENS, f), 'utf8')));

test('a golden is recorded for every kustomization folder of the realworld corpus', () => {
  const folders: string[] = [];
  const walk = (dir: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].includes(e.name)))
      folders.push(path.relative(REALWORLD, dir).split(path.sep).join('/'));
    for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name));
  };
  walk(REALWORLD);
  assert.deepEqual(goldens.map((g) => g.folder).sort(), folders.sort());
  assert.ok(goldens.filter((g) => g.renders).length >= 15, 'most of them render');
});

for (const golden of goldens) {
  test(`realworld ${golden.folder}: ${golden.renders ? 'the images kubectl renders' : 'refused, as kubectl refuses it'}`, async () => {
    const root = await renderKustomization(path.join(REALWORLD, golden.folder), diskFiles());
    if (!golden.renders) {
      assert.notEqual(root.errors.length, 0, `kubectl says: ${golden.error}`);
      return;
    }
    assert.deepEqual(root.errors, []);
    assert.deepEqual(
      root.images.map((i) => ({
        reference: i.reference,
        kind: i.workload.kind,
        ...(i.workload.name !== undefined && { name: i.workload.name }),
        ...(i.workload.namespace !== undefined && { namespace: i.workload.namespace }),
        ...(i.workload.container !== undefined && { container: i.workload.container }),
        containerType: i.workload.containerType,
      })),
      golden.images,
    );
  });
}

test('the goldens are what kubectl renders now', { skip: KUBECTL.skip }, async (t) => {
  const recorded = goldens[0]?.kustomize;
  if (KUBECTL.version !== recorded) {
    t.skip(`kubectl carries kustomize ${KUBECTL.version}; the goldens were recorded with ${recorded}`);
    return;
  }
  const script = path.resolve(__dirname, '..', '..', '..', 'scripts', 'kustomize-goldens.mjs');
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, '--check'], { timeout: 600_000 });
  assert.match(stdout, /current/);
});

test('the roots of the realworld corpus: kustomizations no other includes, never a component', async () => {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }))
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else files.push(path.join(dir, e.name));
  };
  walk(REALWORLD);
  const result = await analyzeKustomizations(files, diskFiles());
  assert.deepEqual(
    result.roots.map((r) => path.relative(REALWORLD, r.folder).split(path.sep).join('/')),
    [
      'argo-cd-kustomize-testdata/app-parameters/multi',
      'argo-cd-kustomize-testdata/app-parameters/single-app-only',
      'argo-cd-kustomize-testdata/app-parameters/single-global',
      'argo-cd-kustomize-testdata/kustomization_yaml_components_monorepo/envs/inseng-pdx-egert-sandbox/namespaces/inst-system/apps/hello-world',
      'kubeflow-manifests/applications/jupyter/notebook-controller/upstream/overlays/kubeflow',
      'kubeflow-manifests/applications/jupyter/notebook-controller/upstream/overlays/standalone',
      'kubeflow-manifests/applications/tensorboard/tensorboard-controller/upstream/certmanager',
      'kubeflow-manifests/applications/tensorboard/tensorboard-controller/upstream/overlays/kubeflow',
      'kubeflow-manifests/applications/tensorboard/tensorboard-controller/upstream/overlays/standalone',
      'kubeflow-manifests/applications/tensorboard/tensorboard-controller/upstream/prometheus',
      'kubeflow-manifests/applications/tensorboard/tensorboard-controller/upstream/webhook',
      'kubeflow-manifests/common/oauth2-proxy/overlays/m2m-dex-and-eks',
      'kubeflow-manifests/common/oauth2-proxy/overlays/m2m-dex-and-kind',
      'kubeflow-manifests/common/oauth2-proxy/overlays/m2m-dex-only',
      'microservices-demo/kustomize',
      'microservices-demo/kustomize/tests/memorystore-with-all-components',
      'microservices-demo/kustomize/tests/service-mesh-istio-with-all-components',
      'microservices-demo/kustomize/tests/spanner-with-all-components',
      'podinfo/kustomize',
    ],
  );
  assert.equal(result.kustomizations.length, goldens.length, 'every kustomization file is listed');
  for (const root of result.roots) {
    assert.deepEqual(root.errors, [], root.folder);
    assert.equal(root.file, path.join(root.folder, 'kustomization.yaml'));
  }
  const spanner = result.roots.find((r) => r.folder.endsWith('spanner-with-all-components'))!;
  // The spanner component deletes redis-cart; google-cloud-operations adds the collector.
  assert.equal(spanner.images.length, 14);
  assert.ok(!spanner.images.some((i) => i.workload.name === 'redis-cart'));
  assert.ok(spanner.images.some((i) => i.workload.name === 'opentelemetrycollector'));
});

// ---------------------------------------------------------------------------------------------
// images: entries
// ---------------------------------------------------------------------------------------------

test('images: newName, newTag and digest, alone and together (a new tag or digest replaces both)', async () => {
  const root = project({
    'd.yaml': deployment('web', {
      a: 'a:1',
      b: `b:1@${A}`,
      c: 'c:1',
      d: `d:1@${A}`,
      e: `e@${A}`,
      f: 'f:1',
    }),
    'kustomization.yaml': `resources: [d.yaml]
images:
- name: a
  newName: registry.example.com/a
- name: b
  newTag: "2"
- name: c
  digest: ${B}
- name: d
  newTag: "2"
  digest: ${B}
- name: e
  newName: E
- name: f
  newName: F
  newTag: "3"
  digest: ${B}
`,
  });
  await check(root, '.', [
    'Deployment/web a=registry.example.com/a:1',
    'Deployment/web b=b:2',
    `Deployment/web c=c@${B}`,
    `Deployment/web d=d:2@${B}`,
    `Deployment/web e=E@${A}`,
    `Deployment/web f=F:3@${B}`,
  ]);
});

test('images: tagSuffix extends the tag and drops the digest, once per pass that finds the container', async () => {
  // kustomize's image transformer has two passes (every containers list; then the field specs
  // spec/containers and spec/template/spec/containers): a Deployment's container is in both.
  const root = project({
    'r.yaml': `${deployment('web', { a: 'x:1', b: 'x', c: `x@${A}`, d: `x:1@${A}`, e: 'yy:1' })}---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: cron
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: a
            image: x:1
`,
    'kustomization.yaml': `resources: [r.yaml]
images:
- name: x
  tagSuffix: -s
- name: yy
  newTag: "2"
  tagSuffix: -ignored
`,
  });
  await check(root, '.', [
    'Deployment/web a=x:1-s-s',
    'Deployment/web b=x:-s-s',
    'Deployment/web c=x:-s-s',
    'Deployment/web d=x:1-s-s',
    'Deployment/web e=yy:2',
    'CronJob/cron a=x:1-s',
  ]);
});

test('images: the name matches as kustomize matches it: literally, no Docker Hub normalisation, dots as any character', async () => {
  const root = project({
    'd.yaml': deployment('web', {
      a: 'docker.io/library/nginx:1.2',
      b: 'library/nginx:1.2',
      c: 'nginx:1.2',
      d: 'nginx',
      e: `nginx@${A}`,
      f: `nginx:1.2@${A}`,
      g: 'nginxfoo:1',
      h: 'my/nginx:1',
      i: 'registry.example.com:5000/team/app:1',
      j: 'registry.example.com:5000/team/app',
      k: 'quay.io/org/x:1',
      l: 'quayXio/org/x:1',
    }),
    'kustomization.yaml': `resources: [d.yaml]
images:
- name: nginx
  newTag: T
- name: registry.example.com:5000/team/app
  newTag: T
- name: quay.io/org/x
  newName: Q
`,
  });
  await check(root, '.', [
    'Deployment/web a=docker.io/library/nginx:1.2',
    'Deployment/web b=library/nginx:1.2',
    'Deployment/web c=nginx:T',
    'Deployment/web d=nginx:T',
    'Deployment/web e=nginx:T',
    'Deployment/web f=nginx:T',
    'Deployment/web g=nginxfoo:1',
    'Deployment/web h=my/nginx:1',
    'Deployment/web i=registry.example.com:5000/team/app:T',
    'Deployment/web j=registry.example.com:5000/team/app:T',
    'Deployment/web k=Q:1',
    'Deployment/web l=Q:1',
  ]);
});

test('images: entries apply in order (a later one matches what an earlier one wrote); imageTags after images', async () => {
  const root = project({
    'd.yaml': deployment('web', { a: 'a:1', b: 'b:1' }),
    'kustomization.yaml': `resources: [d.yaml]
images:
- name: a
  newName: c
- name: c
  newTag: "2"
imageTags:
- name: b
  newName: d
- name: b
  newTag: never
`,
  });
  await check(root, '.', ['Deployment/web a=c:2', 'Deployment/web b=d:1']);
});

test("images: which fields are transformed: containers and initContainers anywhere (not in CRDs), never ephemeralContainers; what a root runs is read as a manifest is (custom resources' `image:` too)", async () => {
  const root = project({
    'r.yaml': `apiVersion: v1
kind: Pod
metadata:
  name: pod
spec:
  containers:
  - {name: a, image: "x:1"}
  initContainers:
  - {name: b, image: "x:1"}
  ephemeralContainers:
  - {name: c, image: "x:1"}
---
apiVersion: example.com/v1
kind: Thing
metadata:
  name: thing
spec:
  deep:
    containers:
    - {name: a, image: "x:1"}
  image: "x:1"
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.example.com
spec:
  template:
    spec:
      containers:
      - {name: a, image: "x:1"}
`,
    'kustomization.yaml': 'resources: [r.yaml]\nimages:\n- name: x\n  newTag: "2"\n',
  });
  // A CRD runs nothing; the custom resource's own `image:` is listed, as written (no field spec names it).
  await check(root, '.', [
    'Thing/thing a=x:2',
    'Thing/thing undefined ()=x:1',
    'Pod/pod b (initContainers)=x:2',
    'Pod/pod a=x:2',
    'Pod/pod c (ephemeralContainers)=x:1',
  ]);
});

test('images: a value kustomize reads as a number is refused (quote it), and the rest still renders', async () => {
  const root = project({
    'd.yaml': deployment('web', { a: 'a:1', b: 'b:1' }),
    'kustomization.yaml': 'resources: [d.yaml]\nimages:\n- name: a\n  newTag: 1.20\n- name: b\n  newTag: "1.20"\n',
  });
  const rendered = await checkRefused(root, '.', /newTag must be a string/, /cannot unmarshal number/);
  assert.deepEqual(lines(rendered), ['Deployment/web a=a:1', 'Deployment/web b=b:1.20']);
  assert.deepEqual(rendered.errors[0]!.range, { start: { line: 3, character: 10 }, end: { line: 3, character: 14 } });
});

test('images: a name that is no regular expression is an error (kubectl crashes on it)', async () => {
  const root = project({
    'd.yaml': deployment('web', { a: 'a:1' }),
    'kustomization.yaml': 'resources: [d.yaml]\nimages:\n- name: "a["\n  newTag: "2"\n',
  });
  await checkRefused(root, '.', /no valid regular expression/, /panic|invalid memory address/);
});

// ---------------------------------------------------------------------------------------------
// Names and targets are RE2 expressions, as in kustomize (Go's regexp): linear time, RE2's syntax
// ---------------------------------------------------------------------------------------------

const FORTY_A = 'a'.repeat(40);

test('images: a name that backtracks without end in JavaScript, `(a+)+b`, matches in linear time as in kustomize', async () => {
  const root = project({
    'd.yaml': deployment('web', { x: `${FORTY_A}:1`, y: `${FORTY_A}b:1` }),
    'kustomization.yaml': 'resources: [d.yaml]\nimages:\n- name: "(a+)+b"\n  newTag: "2"\n',
  });
  await check(root, '.', [`Deployment/web x=${FORTY_A}:1`, `Deployment/web y=${FORTY_A}b:2`]);
});

test('patches: a target name `(a+)+b` against 40-character names selects as kustomize does, in linear time', async () => {
  const root = project({
    'd.yaml': [deployment(FORTY_A, { a: 'a:1' }), deployment(`${FORTY_A}b`, { a: 'a:1' })].join('---\n'),
    'kustomization.yaml': `resources: [d.yaml]
patches:
- target: {name: "(a+)+b", namespace: "(d+)+efault", kind: "(D+)+eployment"}
  patch: '[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "patched:1"}]'
`,
  });
  await check(root, '.', [`Deployment/${FORTY_A} a=a:1`, `Deployment/${FORTY_A}b a=patched:1`]);
});

test("patches: targets read RE2's syntax, which JavaScript's lacks (`(?i)`, `\\pL`, `[[:digit:]]`)", async () => {
  const root = project({
    'd.yaml': [deployment('web-1', { a: 'a:1' }), deployment('api-2', { a: 'a:1' })].join('---\n'),
    'kustomization.yaml': `resources: [d.yaml]
patches:
- target: {name: "(?i)WEB-[[:digit:]]", kind: "\\\\pL+"}
  patch: '[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "patched:1"}]'
`,
  });
  await check(root, '.', ['Deployment/api-2 a=a:1', 'Deployment/web-1 a=patched:1']);
});

test('patches: a target RE2 refuses (a backreference, a lookahead) is an error naming the field; the patch is not applied', async () => {
  for (const pattern of ['(w)\\\\1', '(?=w)web']) {
    const root = project({
      'd.yaml': deployment('web', { a: 'a:1' }),
      'kustomization.yaml': `resources: [d.yaml]
patches:
- target: {name: "${pattern}"}
  patch: '[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "patched:1"}]'
`,
    });
    const rendered = await checkRefused(
      root,
      '.',
      /^target\.name: error parsing regexp: .*: kustomize refuses the patch$/,
      /error parsing regexp/,
    );
    assert.deepEqual(lines(rendered), ['Deployment/web a=a:1']);
    assert.equal(rendered.errors.length, 1);
    assert.equal(rendered.errors[0]!.file, path.join(root, 'kustomization.yaml'));
  }
});

test('images: a name RE2 refuses (a backreference) is an error naming the field (kubectl crashes on it); the entry is not applied', async () => {
  const root = project({
    'd.yaml': deployment('web', { a: 'aa:1' }),
    'kustomization.yaml': 'resources: [d.yaml]\nimages:\n- name: "(a)\\\\1"\n  newTag: "2"\n',
  });
  const rendered = await checkRefused(
    root,
    '.',
    /^images: name "\(a\)\\1" is no valid regular expression.*invalid escape sequence/,
    /panic|invalid memory address/,
  );
  assert.deepEqual(lines(rendered), ['Deployment/web a=aa:1']);
  assert.deepEqual(rendered.errors[0]!.range, { start: { line: 2, character: 8 }, end: { line: 2, character: 16 } });
});

// ---------------------------------------------------------------------------------------------
// Overlays and components
// ---------------------------------------------------------------------------------------------

test('overlays: the base renders first, then the overlay; names, namespaces and images stack', async () => {
  const root = project({
    'base/d.yaml': deployment('app', { main: 'registry.example.com/team/app:1.0', side: 'envoy:v1' }),
    'base/kustomization.yaml': 'resources: [d.yaml]\nnamePrefix: b-\nimages:\n- name: envoy\n  newTag: v2\n',
    'mid/kustomization.yaml': `resources: [../base]
namePrefix: m-
namespace: mid
images:
- name: registry.example.com/team/app
  newTag: "2.0"
`,
    'top/kustomization.yaml': `resources: [../mid]
nameSuffix: -t
images:
- name: envoy
  digest: ${B}
- name: registry.example.com/team/app
  newName: registry.example.com/team/app2
`,
  });
  const top = await check(root, 'top', [
    'Deployment/mid/m-b-app-t main=registry.example.com/team/app2:2.0',
    `Deployment/mid/m-b-app-t side=envoy@${B}`,
  ]);
  // The last entry that applied is the top's; the base's newTag was overridden by its digest.
  assert.equal(top.images[1]!.entry?.file, path.join(root, 'top', 'kustomization.yaml'));
  assert.equal(top.images[1]!.decidedAt.by, 'images-entry');
  assert.equal(top.images[1]!.origin.raw, 'envoy:v1');
});

test('bases: (legacy) come after resources', async () => {
  const root = project({
    'one/d.yaml': deployment('one', { a: 'a:1' }),
    'one/kustomization.yaml': 'resources: [d.yaml]\n',
    'two/d.yaml': deployment('two', { a: 'a:1' }),
    'two/kustomization.yaml': 'resources: [d.yaml]\n',
    'ov/kustomization.yaml': 'bases: [../one]\nresources: [../two]\nsortOptions:\n  order: fifo\n',
  });
  await check(root, 'ov', ['Deployment/two a=a:1', 'Deployment/one a=a:1']);
});

test('components: applied after the resources, in the including kustomization, before its own images', async () => {
  const root = project({
    'base/d.yaml': deployment('web', { a: 'a:1' }),
    'base/kustomization.yaml': 'resources: [d.yaml]\n',
    'tag/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
components: [../registry]
resources: [pod.yaml]
images:
- name: a
  newTag: from-component
`,
    'tag/pod.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: extra\nspec:\n  containers:\n  - {name: p, image: "a:0"}\n',
    'registry/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
images:
- name: a
  newName: mirror.example.com/a
`,
    'ov/kustomization.yaml': `resources: [../base]
components: [../tag]
images:
- name: mirror.example.com/a
  digest: ${A}
`,
  });
  // The nested component runs inside tag, before tag's own images: a is renamed, so tag's entry misses it.
  await check(root, 'ov', [`Deployment/web a=mirror.example.com/a@${A}`, `Pod/extra p=mirror.example.com/a@${A}`]);
});

test('components: a Component under resources, or a Kustomization under components, is refused', async () => {
  const root = project({
    'base/kustomization.yaml': 'resources: []\n',
    'comp/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nnamePrefix: c-\n',
    'a/kustomization.yaml': 'resources: [../comp]\n',
    'b/kustomization.yaml': 'components: [../base]\n',
  });
  await checkRefused(root, 'a', /is a Component/, /expected kind != 'Component'/);
  await checkRefused(root, 'b', /is a Kustomization/, /expected kind 'Component'/);
});

// ---------------------------------------------------------------------------------------------
// Patches
// ---------------------------------------------------------------------------------------------

test('patches: an inline strategic-merge patch merges containers by name, its new ones first', async () => {
  const root = project({
    'd.yaml': deployment('web', { a: 'a:1', b: 'b:1', c: 'c:1' }),
    'kustomization.yaml': `resources: [d.yaml]
patches:
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      template:
        spec:
          containers:
          - name: new
            image: new:1
          - name: b
            image: b:2
          - name: c
            $patch: delete
`,
  });
  const rendered = await check(root, '.', ['Deployment/web new=new:1', 'Deployment/web b=b:2', 'Deployment/web a=a:1']);
  const kustomization = path.join(root, 'kustomization.yaml');
  const b = rendered.images[1]!;
  assert.equal(b.decidedAt.by, 'patch');
  assert.equal(b.decidedAt.file, kustomization);
  assert.equal(covered(kustomization, b.decidedAt.range), 'b:2');
  assert.equal(b.origin.file, path.join(root, 'd.yaml'));
  assert.equal(covered(b.origin.file, b.origin.range), 'b:1');
  assert.equal(b.entry, undefined);
  const added = rendered.images[0]!;
  assert.equal(added.decidedAt.by, 'patch');
  assert.equal(covered(kustomization, added.origin.range), 'new:1');
});

test('patches: strategic-merge patch files (multi-document), $patch: delete of a resource, null deleting a field', async () => {
  const root = project({
    'r.yaml': `${deployment('web', { a: 'a:1', b: 'b:1' })}---\n${deployment('gone', { a: 'a:1' })}`,
    'patch.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: gone
$patch: delete
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: a
        image: null
      - name: b
        image: "b:2"
`,
    'kustomization.yaml': 'resources: [r.yaml]\npatchesStrategicMerge:\n- patch.yaml\n',
  });
  const rendered = await check(root, '.', ['Deployment/web b=b:2']);
  const patch = path.join(root, 'patch.yaml');
  assert.equal(rendered.images[0]!.decidedAt.file, patch);
  assert.equal(covered(patch, rendered.images[0]!.decidedAt.range), 'b:2');
});

test('patches: lists of kinds the schema does not know (custom resources, old API versions) are replaced, not merged', async () => {
  const thing = (name: string, apiVersion: string, kind: string) =>
    `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: "a:1"}\n      - {name: b, image: "b:1"}\n`;
  const root = project({
    'r.yaml': `${thing('rollout', 'argoproj.io/v1alpha1', 'Rollout')}---\n${thing('old', 'apps/v1beta2', 'Deployment')}---\n${thing('new', 'apps/v1', 'Deployment')}`,
    'kustomization.yaml': `resources: [r.yaml]
patches:
- target:
    name: rollout|old|new
  patch: |-
    kind: Any
    metadata:
      name: any
    spec:
      template:
        spec:
          containers:
          - {name: c, image: "c:1"}
`,
  });
  await check(root, '.', [
    'Deployment/new c=c:1',
    'Deployment/new a=a:1',
    'Deployment/new b=b:1',
    'Deployment/old c=c:1',
    'Rollout/rollout c=c:1',
  ]);
});

test('patches: a JSON 6902 replace of /spec/template/spec/containers/0/image, inline and from a file', async () => {
  const root = project({
    'd.yaml': `${deployment('web', { a: 'a:1', b: 'b:1' })}---\n${deployment('api', { a: 'a:1' })}`,
    'ops.json': '[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "from-file:1"}]\n',
    'kustomization.yaml': `resources: [d.yaml]
namePrefix: p-
patches:
- target:
    kind: Deployment
    name: web
  patch: |-
    - op: replace
      path: /spec/template/spec/containers/0/image
      value: inline:1
    - op: add
      path: /spec/template/spec/containers/-
      value:
        name: added
        image: added:1
patchesJson6902:
- target:
    group: apps
    version: v1
    kind: Deployment
    name: p-api
  path: ops.json
`,
  });
  const rendered = await check(root, '.', [
    'Deployment/p-api a=from-file:1',
    'Deployment/p-web a=inline:1',
    'Deployment/p-web b=b:1',
    'Deployment/p-web added=added:1',
  ]);
  const kustomization = path.join(root, 'kustomization.yaml');
  const [api, web] = rendered.images;
  assert.equal(api!.decidedAt.by, 'patch');
  assert.equal(covered(path.join(root, 'ops.json'), api!.decidedAt.range), 'from-file:1');
  assert.equal(covered(path.join(root, 'd.yaml'), api!.origin.range), 'a:1');
  assert.equal(covered(kustomization, web!.decidedAt.range), 'inline:1');
  assert.equal(web!.origin.raw, 'a:1');
});

test('patches: a patch that matches nothing, or does not apply, is an error', async () => {
  const root = project({
    'base/d.yaml': deployment('web', { a: 'a:1' }),
    'base/kustomization.yaml': 'resources: [d.yaml]\n',
    'a/kustomization.yaml': `resources: [../base]
patches:
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: nothing
`,
    'b/kustomization.yaml': `resources: [../base]
patches:
- target: {kind: Deployment}
  patch: '[{"op": "replace", "path": "/spec/template/spec/containers/3/image", "value": "x"}]'
`,
  });
  const a = await checkRefused(root, 'a', /no resource matches strategic merge patch Deployment\.v1\.apps\/nothing/, /no matches for Id/);
  assert.deepEqual(lines(a), ['Deployment/web a=a:1']);
  await checkRefused(root, 'b', /does not apply/, /replace operation does not apply/);
});

test('patches: in an overlay, a patch names a resource by its original name or its name in the base', async () => {
  const root = project({
    'base/d.yaml': `${deployment('web', { a: 'a:1' })}---\n${deployment('api', { a: 'a:1' }, '  namespace: other\n')}`,
    'base/kustomization.yaml': 'resources: [d.yaml]\nnamePrefix: b-\nnamespace: bns\n',
    'ov/kustomization.yaml': `resources: [../base]
nameSuffix: -o
patches:
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: b-web
      namespace: bns
    spec:
      template:
        spec:
          containers:
          - {name: a, image: "by-base-name:1"}
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
      namespace: other
    spec:
      template:
        spec:
          containers:
          - {name: a, image: "by-original-name:1"}
`,
  });
  await check(root, 'ov', ['Deployment/bns/b-api-o a=by-original-name:1', 'Deployment/bns/b-web-o a=by-base-name:1']);
});

test('patches: targets select by regular expressions, labels and annotations', async () => {
  const root = project({
    'd.yaml': [
      deployment('web-1', { a: 'a:1' }, '  labels:\n    tier: front\n'),
      deployment('web-2', { a: 'a:1' }, '  labels:\n    tier: back\n'),
      deployment('api', { a: 'a:1' }, '  annotations:\n    team: x\n'),
    ].join('---\n'),
    'kustomization.yaml': `resources: [d.yaml]
patches:
- target: {kind: Deploy.*, name: web-.*, labelSelector: "tier in (front)"}
  patch: '[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "front:1"}]'
- target: {annotationSelector: team=x}
  patch: '[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "team:1"}]'
`,
  });
  await check(root, '.', ['Deployment/api a=team:1', 'Deployment/web-1 a=front:1', 'Deployment/web-2 a=a:1']);
});

// ---------------------------------------------------------------------------------------------
// Names, order, refusals
// ---------------------------------------------------------------------------------------------

test('namePrefix, nameSuffix and namespace: the rendered names (cluster-scoped kinds keep theirs), in kubectl order', async () => {
  const root = project({
    'r.yaml': `apiVersion: batch/v1
kind: CronJob
metadata:
  name: cron
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - {name: a, image: "a:1"}
---
${deployment('web', { a: 'a:1' })}---
apiVersion: v1
kind: Pod
metadata:
  name: pod
spec:
  containers:
  - {name: a, image: "a:1"}
`,
    'kustomization.yaml': 'resources: [r.yaml]\nnamePrefix: p-\nnameSuffix: -s\nnamespace: ns\n',
    'fifo/kustomization.yaml': 'resources: [r.yaml]\nsortOptions:\n  order: fifo\n',
  });
  writeFileSync(path.join(root, 'fifo', 'r.yaml'), readFileSync(path.join(root, 'r.yaml')));
  await check(root, '.', ['Deployment/ns/p-web-s a=a:1', 'CronJob/ns/p-cron-s a=a:1', 'Pod/ns/p-pod-s a=a:1']);
  await check(root, 'fifo', ['CronJob/cron a=a:1', 'Deployment/web a=a:1', 'Pod/pod a=a:1']);
});

test('kind: List is read as its items; YAML anchors and merge keys are followed', async () => {
  const root = project({
    'r.yaml': `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: listed}
  spec:
    containers:
    - {name: a, image: "a:1"}
---
x-common: &common
  image: "b:1"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: anchored
spec:
  template:
    spec:
      containers:
      - <<: *common
        name: b
      - name: c
        image: &shared "c:1"
      - name: d
        image: *shared
`,
    'kustomization.yaml': 'resources: [r.yaml]\nimages:\n- name: c\n  newTag: "2"\n',
  });
  await check(root, '.', ['Deployment/anchored b=b:1', 'Deployment/anchored c=c:2', 'Deployment/anchored d=c:2', 'Pod/listed a=a:1']);
});

test('remote resources are noted, not fetched; the local ones still render', async () => {
  const root = project({
    'd.yaml': deployment('web', { a: 'a:1' }),
    'kustomization.yaml': `resources:
- d.yaml
- https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v5.0.0
- github.com/example/repo/deploy?ref=main
- git::https://example.com/repo.git
`,
  });
  const rendered = await renderKustomization(root, diskFiles());
  assert.deepEqual(rendered.errors, []);
  assert.deepEqual(lines(rendered), ['Deployment/web a=a:1']);
  assert.equal(rendered.notes.length, 3);
  assert.ok(rendered.notes.every((n) => /remote resource .* is not fetched/.test(n)));
});

test('a remote base left out: the patches that match nothing because of it are part of its one note, not errors of each root', async () => {
  const patch = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: controller\nspec:\n  replicas: 2\n';
  const root = project({
    'base/d.yaml': deployment('web', { a: 'a:1' }),
    'base/patch.yaml': patch,
    'base/kustomization.yaml': `resources:
- d.yaml
- https://github.com/example/controller/manifests/base?ref=v1
patches:
- path: patch.yaml
`,
    'a/kustomization.yaml': 'resources: [../base]\n',
    'b/kustomization.yaml':
      'resources: [../base]\npatches:\n- patch: |-\n    kind: Deployment\n    apiVersion: apps/v1\n    metadata: {name: other}\n',
    'c/kustomization.yaml': 'resources: [../a]\nimages: [{name: a, newTag: "2"}]\n',
  });
  const files = ['base', 'a', 'b', 'c'].map((f) => path.join(root, f, 'kustomization.yaml'));
  const result = await analyzeKustomizations(files, diskFiles());
  const base = path.join(root, 'base', 'kustomization.yaml');
  for (const r of result.roots) {
    assert.deepEqual(r.errors, [], r.folder);
    const notes = r.notes.filter((n) => n.startsWith(base));
    assert.equal(notes.length, 1, notes.join('\n'));
    assert.match(
      notes[0]!,
      /remote resource .* is not fetched: its images are not listed; a patch here matches no resource \(Deployment\.v1\.apps\/controller\.\[noNs\]\)/,
    );
  }
  // b's own patch matches nothing either: with a remote resource below, that too is said once, in b.
  const b = result.roots.find((r) => r.folder.endsWith(`${path.sep}b`))!;
  assert.ok(
    b.notes.some(
      (n) =>
        n.startsWith(path.join(root, 'b', 'kustomization.yaml')) &&
        /a remote resource below is not fetched: a patch here matches no resource/.test(n),
    ),
  );
  // Without the remote resource, the same patch is kubectl's error.
  const local = project({
    'd.yaml': deployment('web', { a: 'a:1' }),
    'patch.yaml': patch,
    'kustomization.yaml': 'resources: [d.yaml]\npatches:\n- path: patch.yaml\n',
  });
  await checkRefused(local, '.', /no resource matches strategic merge patch/, /no matches for Id/);
});

test('a missing resource and a manifest that does not parse are errors at their place; the rest renders', async () => {
  const root = project({
    'd.yaml': deployment('web', { a: 'a:1' }),
    'broken.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: indent\n',
    'kustomization.yaml': 'resources:\n- d.yaml\n- missing.yaml\n- broken.yaml\n',
  });
  const rendered = await checkRefused(root, '.', /missing\.yaml: no such file or folder/, /no such file or directory/);
  assert.deepEqual(lines(rendered), ['Deployment/web a=a:1']);
  const missing = rendered.errors.find((e) => /missing/.test(e.message))!;
  assert.equal(missing.file, path.join(root, 'kustomization.yaml'));
  assert.equal(covered(missing.file, missing.range!), 'missing.yaml');
  const broken = rendered.errors.find((e) => /does not parse/.test(e.message))!;
  assert.equal(broken.file, path.join(root, 'broken.yaml'));
});

test('include cycles (and including a folder that holds the kustomization) are errors, not endless', async () => {
  const root = project({
    'a/kustomization.yaml': 'resources: [../b]\n',
    'b/kustomization.yaml': 'resources: [../a]\n',
    'self/kustomization.yaml': 'resources: [.]\n',
    'parent/kustomization.yaml': 'resources: [child]\n',
    'parent/child/kustomization.yaml': 'resources: [..]\n',
  });
  await checkRefused(root, 'a', /cycle/, /cycle detected/);
  await checkRefused(root, 'self', /cycle/, /cycle detected/);
  // Including a folder that holds the one being rendered is refused even before it loops.
  await checkRefused(root, 'parent/child', /cycle: .* holds/, /cycle detected/);
});

test('kubectl refusals: two kustomization files in a folder, an unknown field, a file outside the folder, no field, a duplicate resource', async () => {
  const root = project({
    'two/kustomization.yaml': 'resources: []\n',
    'two/kustomization.yml': 'resources: []\n',
    'unknown/kustomization.yaml': 'resources: []\nimage:\n- name: x\n',
    'dup/d.yaml': deployment('web', { a: 'a:1' }),
    'dup/kustomization.yaml': 'resources: [d.yaml, d.yaml]\n',
    'outside/kustomization.yaml': 'resources: [../dup/d.yaml]\n',
    'empty/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamePrefix: ""\n',
  });
  await checkRefused(root, 'empty', /is empty/, /kustomization.yaml is empty/);
  await checkRefused(root, 'two', /more than one kustomization file/, /multiple kustomization files/);
  await checkRefused(root, 'unknown', /unknown field "image"/, /unknown field \\?"image/);
  await checkRefused(root, 'outside', /is not in or below/, /security; file .* is not in or below/);
  const dup = await checkRefused(root, 'dup', /already registered id/, /already registered id/);
  assert.deepEqual(lines(dup), ['Deployment/web a=a:1']);
});

test('a remote helm chart, configurations and replacements writing images are noted as not supported', async () => {
  const root = project({
    'd.yaml': deployment('web', { a: 'a:1' }),
    'kustomization.yaml': `resources: [d.yaml]
helmCharts:
- name: podinfo
  repo: https://stefanprodan.github.io/podinfo
configurations: [config.yaml]
replacements:
- source: {kind: Deployment, name: web, fieldPath: metadata.name}
  targets:
  - select: {kind: Deployment}
    fieldPaths: [spec.template.spec.containers.0.image]
`,
  });
  const rendered = await renderKustomization(root, diskFiles());
  assert.deepEqual(lines(rendered), ['Deployment/web a=a:1']);
  assert.equal(rendered.notes.length, 3, rendered.notes.join('\n'));
  assert.match(rendered.notes.join('\n'), /helm chart podinfo \(https:\/\/stefanprodan\.github\.io\/podinfo\) is not pulled/);
  assert.match(rendered.notes.join('\n'), /configurations .* not read/);
  assert.match(rendered.notes.join('\n'), /replacements that write image fields are not applied/);
});

// ---------------------------------------------------------------------------------------------
// Ranges
// ---------------------------------------------------------------------------------------------

test('ranges: decidedAt at the images entry name, entry fields at their values, origin at the manifest image', async () => {
  const root = project({
    'base/d.yaml': deployment('web', { a: '"nginx:1.27"', b: 'redis:7' }),
    'base/kustomization.yaml': 'resources: [d.yaml]\n',
    'kustomization.yaml': `resources: [base]
images:
  - name: nginx
    newName: mirror.example.com/nginx
    newTag: "1.28"
  - name: "redis"
    digest: ${A}
`,
  });
  const rendered = await check(root, '.', ['Deployment/web a=mirror.example.com/nginx:1.28', `Deployment/web b=redis@${A}`]);
  const kustomization = path.join(root, 'kustomization.yaml');
  const manifest = path.join(root, 'base', 'd.yaml');
  const [nginx, redis] = rendered.images as [KustomizeImage, KustomizeImage];
  assert.equal(nginx.decidedAt.by, 'images-entry');
  assert.equal(nginx.decidedAt.file, kustomization);
  assert.equal(covered(kustomization, nginx.decidedAt.range), 'nginx');
  assert.deepEqual(nginx.decidedAt.range, { start: { line: 2, character: 10 }, end: { line: 2, character: 15 } });
  assert.equal(nginx.origin.file, manifest);
  assert.equal(nginx.origin.raw, 'nginx:1.27');
  assert.equal(covered(manifest, nginx.origin.range), 'nginx:1.27');
  const entry = nginx.entry!;
  assert.equal(entry.file, kustomization);
  assert.equal(entry.name.value, 'nginx');
  assert.equal(covered(kustomization, entry.newName!.range), 'mirror.example.com/nginx');
  assert.equal(covered(kustomization, entry.newTag!.range), '1.28');
  assert.equal(entry.digest, undefined);
  assert.equal(covered(kustomization, entry.range), 'name: nginx\n    newName: mirror.example.com/nginx\n    newTag: "1.28"');
  assert.equal(covered(kustomization, redis.decidedAt.range), 'redis');
  assert.equal(covered(kustomization, redis.entry!.digest!.range), A);
  assert.deepEqual(nginx.workload, { kind: 'Deployment', name: 'web', container: 'a', containerType: 'containers' });
});

test('ranges: an unchanged image is decided where the manifest writes it', async () => {
  const root = project({
    'd.yaml': `# a comment\n${deployment('web', { a: "'nginx:1.27'" })}`,
    'kustomization.yaml': 'resources: [d.yaml]\n',
  });
  const rendered = await check(root, '.', ['Deployment/web a=nginx:1.27']);
  const image = rendered.images[0]!;
  const manifest = path.join(root, 'd.yaml');
  assert.equal(image.decidedAt.by, 'manifest');
  assert.deepEqual(image.decidedAt.range, image.origin.range);
  assert.deepEqual(image.origin.range, { start: { line: 10, character: 16 }, end: { line: 10, character: 26 } });
  assert.equal(covered(manifest, image.origin.range), 'nginx:1.27');
  assert.equal(image.entry, undefined);
});

test('ranges: a patch after an images entry decides; an images entry after a patch decides', async () => {
  const root = project({
    'base/d.yaml': deployment('web', { a: 'a:1', b: 'b:1' }),
    'base/kustomization.yaml': 'resources: [d.yaml]\nimages:\n- name: a\n  newTag: "2"\n',
    'kustomization.yaml': `resources: [base]
patches:
- patch: |
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      template:
        spec:
          containers:
          - name: a
            image: patched:1
          - name: b
            image: b:2
images:
- name: b
  newTag: "3"
`,
  });
  const rendered = await check(root, '.', ['Deployment/web a=patched:1', 'Deployment/web b=b:3']);
  const kustomization = path.join(root, 'kustomization.yaml');
  const [a, b] = rendered.images as [KustomizeImage, KustomizeImage];
  assert.equal(a.decidedAt.by, 'patch');
  assert.equal(a.entry, undefined, 'the base entry no longer decides');
  assert.equal(covered(kustomization, a.decidedAt.range), 'patched:1');
  assert.equal(covered(path.join(root, 'base', 'd.yaml'), a.origin.range), 'a:1');
  assert.equal(b.decidedAt.by, 'images-entry');
  assert.equal(covered(kustomization, b.decidedAt.range), 'b');
  assert.equal(b.origin.raw, 'b:1');
});

// ---------------------------------------------------------------------------------------------
// Roots, and what is read
// ---------------------------------------------------------------------------------------------

test('roots: not included by another kustomization found, never a Component; every kustomization is listed', async () => {
  const texts = new Map<string, string>([
    ['/p/base/kustomization.yaml', 'resources: [d.yaml]\n'],
    ['/p/base/d.yaml', deployment('web', { a: 'a:1' })],
    ['/p/overlays/prod/kustomization.yaml', 'resources: [../../base]\ncomponents: [../../comp]\n'],
    ['/p/overlays/dev/Kustomization', 'bases: [../../base]\n'],
    ['/p/comp/kustomization.yml', 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages:\n- name: a\n  newTag: "2"\n'],
    ['/p/lonely-comp/kustomization.yaml', 'kind: Component\n'],
  ]);
  const fs = overlayFiles(texts);
  const result = await analyzeKustomizations(
    [...texts.keys()].map((f) => path.resolve(f)),
    fs,
  );
  assert.deepEqual(
    result.roots.map((r) => [r.folder, r.file, lines(r)]),
    [
      [path.resolve('/p/overlays/prod'), path.resolve('/p/overlays/prod/kustomization.yaml'), ['Deployment/web a=a:2']],
      [path.resolve('/p/overlays/dev'), path.resolve('/p/overlays/dev/Kustomization'), ['Deployment/web a=a:1']],
    ],
  );
  assert.deepEqual(
    result.kustomizations,
    [
      '/p/base/kustomization.yaml',
      '/p/comp/kustomization.yml',
      '/p/lonely-comp/kustomization.yaml',
      '/p/overlays/dev/Kustomization',
      '/p/overlays/prod/kustomization.yaml',
    ].map((f) => path.resolve(f)),
  );
});

test('reads are bounded: a project that refers to more files than the limit is stopped with an error', async () => {
  const many = Array.from({ length: 6000 }, (_, i) => `- r${i}.yaml`).join('\n');
  let reads = 0;
  const fs: ProjectFiles = {
    read(file) {
      reads++;
      if (file.endsWith('kustomization.yaml')) return Promise.resolve(`resources:\n${many}\n`);
      return Promise.resolve(file.endsWith('.yaml') ? 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' : undefined);
    },
    list(folder) {
      return Promise.resolve(folder === path.resolve('/big') ? [{ name: 'kustomization.yaml', folder: false }] : undefined);
    },
  };
  // Reading 5000 files takes seconds on a busy machine: the time budget is not what this is about.
  const result = await analyzeKustomizations([path.resolve('/big/kustomization.yaml')], fs, { timeBudget: Infinity });
  assert.equal(result.roots.length, 1);
  assert.match(result.roots[0]!.errors.map((e) => e.message).join('\n'), /more than 5000 files/);
  assert.ok(reads <= 5000, `${reads} reads`);
});

// ---------------------------------------------------------------------------------------------
// Field names and JSON 6902 as kustomize has them
// ---------------------------------------------------------------------------------------------

test('field names match case-insensitively, as kustomize decodes them (`patchesJSON6902`, `NewTag`, `Target.Kind`)', async () => {
  const root = project({
    'd.yaml': deployment('web', { a: 'a:1', b: 'b:1' }),
    'kustomization.yaml': `RESOURCES: [d.yaml]
Images: [{NAME: b, NewTag: "2"}]
patchesJSON6902:
- Target: {Kind: Deployment, NAME: web}
  Patch: |-
    - {op: replace, path: /spec/template/spec/containers/0/image, value: "z:1"}
`,
  });
  await check(root, '.', ['Deployment/web a=z:1', 'Deployment/web b=b:2']);
});

test('field names: of two keys naming one field, the later in byte order wins (`images` over `IMAGES`)', async () => {
  const root = project({
    'd.yaml': deployment('web', { a: 'a:1', b: 'b:1' }),
    'kustomization.yaml': 'resources: [d.yaml]\nimages: [{name: a, newTag: "2"}]\nIMAGES: [{name: b, newTag: "3"}]\n',
  });
  await check(root, '.', ['Deployment/web a=a:2', 'Deployment/web b=b:1']);
});

test('field names: an unknown field in an images entry, a patch or its target is refused, as kubectl refuses it', async () => {
  const root = project({
    'd.yaml': deployment('web', { a: 'a:1' }),
    'image/kustomization.yaml': 'resources: [../d.yaml]\nimages: [{name: a, newTag: "2", tag: "3"}]\n',
    'patch/kustomization.yaml': 'resources: [../d.yaml]\npatches:\n- target: {kind: Deployment}\n  patch: "[]"\n  bar: 1\n',
    'target/kustomization.yaml': 'resources: [../d.yaml]\npatches:\n- target: {kind: Deployment, foo: x}\n  patch: "[]"\n',
  });
  // kubectl reads d.yaml from a parent folder only when the folder is no kustomization's own: copy it in.
  for (const folder of ['image', 'patch', 'target']) {
    writeFileSync(path.join(root, folder, 'd.yaml'), deployment('web', { a: 'a:1' }));
    const k = path.join(root, folder, 'kustomization.yaml');
    writeFileSync(k, readFileSync(k, 'utf8').replace('../d.yaml', 'd.yaml'));
  }
  await checkRefused(root, 'image', /unknown field "tag" in an images entry/, /unknown field \\?"tag/);
  await checkRefused(root, 'patch', /unknown field "bar" in an entry of patches/, /unknown field \\?"bar/);
  await checkRefused(root, 'target', /unknown field "foo" in a patch target/, /unknown field \\?"foo/);
});

/** A kustomization applying `ops` (a YAML list of JSON 6902 operations) to a Deployment with containers a and b. */
function jsonPatchProject(ops: string): string {
  return project({
    'd.yaml': deployment('web', { a: 'a:1', b: 'b:1' }),
    'kustomization.yaml': `resources: [d.yaml]\npatches:\n- target: {kind: Deployment}\n  patch: |-\n${ops
      .trim()
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n')}\n`,
  });
}

test('JSON 6902: replace of a missing key sets it (kubeflow m2m overlays rely on it); under a missing parent it is an error', async () => {
  await check(
    jsonPatchProject(
      '- {op: replace, path: /spec/template/spec/containers/1/image, value: "c:1"}\n- {op: replace, path: /spec/nothing, value: x}',
    ),
    '.',
    ['Deployment/web a=a:1', 'Deployment/web b=c:1'],
  );
  // A container without an image gets one.
  const added = jsonPatchProject(
    '- {op: remove, path: /spec/template/spec/containers/0/image}\n- {op: replace, path: /spec/template/spec/containers/0/image, value: "n:1"}',
  );
  await check(added, '.', ['Deployment/web a=n:1', 'Deployment/web b=b:1']);
  await checkRefused(
    jsonPatchProject('- {op: replace, path: /spec/nothing/deeper, value: x}'),
    '.',
    /does not apply/,
    /replace operation does not apply: doc is missing path/,
  );
  await checkRefused(
    jsonPatchProject('- {op: replace, path: /spec/template/spec/containers/2, value: {name: c, image: "c:1"}}'),
    '.',
    /does not apply/,
    /replace operation does not apply: doc is missing key/,
  );
});

test('JSON 6902: indices as Go reads them: negative from the end, `+1` and `01`; add at -1 appends', async () => {
  await check(jsonPatchProject('- {op: replace, path: /spec/template/spec/containers/-1/image, value: "z:1"}'), '.', [
    'Deployment/web a=a:1',
    'Deployment/web b=z:1',
  ]);
  await check(jsonPatchProject('- {op: replace, path: /spec/template/spec/containers/+1/image, value: "z:1"}'), '.', [
    'Deployment/web a=a:1',
    'Deployment/web b=z:1',
  ]);
  await check(jsonPatchProject('- {op: add, path: /spec/template/spec/containers/01/image, value: "z:1"}'), '.', [
    'Deployment/web a=a:1',
    'Deployment/web b=z:1',
  ]);
  await check(jsonPatchProject('- {op: add, path: /spec/template/spec/containers/-1, value: {name: c, image: "c:1"}}'), '.', [
    'Deployment/web a=a:1',
    'Deployment/web b=b:1',
    'Deployment/web c=c:1',
  ]);
  await check(jsonPatchProject('- {op: remove, path: /spec/template/spec/containers/-1}'), '.', ['Deployment/web a=a:1']);
});

test('JSON 6902: test of a missing key against null passes; replace without a value writes null (no image then)', async () => {
  await check(
    jsonPatchProject('- {op: test, path: /spec/nothing, value: null}\n- {op: replace, path: /spec/template/spec/containers/0/image}'),
    '.',
    ['Deployment/web b=b:1'],
  );
  await checkRefused(
    jsonPatchProject('- {op: remove, path: /spec/nothing}'),
    '.',
    /does not apply.*nonexistent key/,
    /Unable to remove nonexistent key/,
  );
});

test('JSON 6902: a patch that starts with `[` is read as JSON, so YAML flow syntax there is refused', async () => {
  const root = project({
    'd.yaml': deployment('web', { a: 'a:1' }),
    'kustomization.yaml': `resources: [d.yaml]\npatches:\n- target: {kind: Deployment}\n  patch: "[{op: replace, path: /spec/template/spec/containers/0/image, value: z}]"\n`,
  });
  await checkRefused(root, '.', /starts with `\[` but is no JSON/, /unable to parse SM or JSON patch/);
});
