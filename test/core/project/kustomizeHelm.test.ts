// A kustomization's `helmCharts:` inflated by the Helm engine, against `kubectl kustomize
// --enable-helm` (goldens in kustomize-goldens/helm/, recorded by scripts/kustomize-goldens.mjs,
// whose staleness kustomize.test.ts checks): the images it renders, where each is decided (the
// values line, the kustomization's valuesInline line, or the images: entry that changes it), the
// chart images a scan judges, and what kustomize refuses or does not fetch.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { renderKustomization } from '../../../src/core/project/kustomize.js';
import { analyzeProject } from '../../../src/core/project/index.js';
import { diskFiles, overlayFiles } from '../../../src/core/project/files.js';
import type { KustomizeRoot, Place } from '../../../src/core/project/types.js';
import { pinEdits } from '../../../src/core/edits/pin.js';
import { corpusPath, textAt } from '../../support/analysis.js';

const CORPUS = corpusPath('kustomize');
const GOLDENS = path.join(__dirname, 'kustomize-goldens', 'helm');

interface Golden {
  readonly folder: string;
  readonly renders: boolean;
  readonly images?: readonly Record<string, string>[];
}

const goldens: Golden[] = readdirSync(GOLDENS)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(GOLDENS, f), 'utf8')));

function rendered(root: KustomizeRoot): Record<string, string | undefined>[] {
  return root.images.map((i) => ({
    reference: i.reference,
    kind: i.workload.kind,
    ...(i.workload.name !== undefined && { name: i.workload.name }),
    ...(i.workload.namespace !== undefined && { namespace: i.workload.namespace }),
    ...(i.workload.container !== undefined && { container: i.workload.container }),
    containerType: i.workload.containerType,
  }));
}

/** The text a place covers. */
function covered(place: Place): string {
  return textAt(readFileSync(place.file, 'utf8'), place.range);
}

test('a golden is recorded for every kustomization folder of test/corpus/kustomize', () => {
  const folders = readdirSync(CORPUS, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  assert.deepEqual(
    goldens.map((g) => g.folder),
    folders,
  );
  assert.ok(goldens.every((g) => g.renders));
  assert.ok(goldens.filter((g) => (g.images?.length ?? 0) > 0).length >= 3, 'most render images');
});

for (const golden of goldens) {
  test(`helmCharts ${golden.folder}: the images kubectl kustomize --enable-helm renders`, async () => {
    const root = await renderKustomization(path.join(CORPUS, golden.folder), diskFiles());
    assert.deepEqual(root.errors, []);
    assert.deepEqual(root.notes, []);
    assert.deepEqual(rendered(root), golden.images);
    for (const chart of root.charts ?? []) assert.deepEqual(chart.errors, [], chart.chart);
  });
}

test('helmCharts: an image is decided where its values set it, or at the images: entry that changes it', async () => {
  const folder = path.join(CORPUS, 'helm-podinfo');
  const root = await renderKustomization(folder, diskFiles());
  const [podinfo, redis] = root.images;
  assert.ok(podinfo && redis);
  // valuesInline's tag, in the kustomization.
  assert.equal(podinfo.decidedAt.by, 'manifest');
  assert.equal(podinfo.decidedAt.file, path.join(folder, 'kustomization.yaml'));
  assert.equal(covered(podinfo.decidedAt), '6.5.0');
  assert.equal(podinfo.decidedAt.range.start.line, 13);
  assert.equal(podinfo.chart, path.join(folder, 'charts', 'podinfo'));
  // The images: entry overrides the tag the chart's values.yaml gives redis.
  assert.equal(redis.decidedAt.by, 'images-entry');
  assert.equal(covered(redis.decidedAt), 'docker.io/redis');
  assert.equal(redis.origin.file, path.join(folder, 'charts', 'podinfo', 'values.yaml'));
  assert.equal(covered(redis.origin), '8.8.0');
  assert.equal(redis.entry?.newTag?.value, '7.2.4-alpine');
  // The chart images the root renders unchanged are the chart's to judge; redis is not among them.
  const [chart] = root.charts ?? [];
  const active = chart?.images.filter((i) => i.active !== false) ?? [];
  assert.deepEqual(
    active.map((i) => [i.reference, i.value && path.relative(folder, i.value.file), i.value?.raw]),
    [['ghcr.io/stefanprodan/podinfo:6.5.0', 'kustomization.yaml', '6.5.0']],
  );
});

test('helmCharts: valuesFile, valuesInline merged under it, additionalValuesFiles over both, each image on its line', async () => {
  const folder = path.join(CORPUS, 'helm-ingress-nginx');
  const root = await renderKustomization(folder, diskFiles());
  const places = root.images.map((i) => [
    i.reference.split('@')[0],
    i.decidedAt.by,
    path.relative(folder, i.decidedAt.file),
    i.decidedAt.range.start.line,
    covered(i.decidedAt),
  ]);
  assert.deepEqual(places, [
    ['registry.k8s.io/ingress-nginx/controller:v1.14.0', 'manifest', 'values.yaml', 2, 'v1.14.0'],
    ['mirror.example.com/defaultbackend-amd64:1.4', 'images-entry', 'kustomization.yaml', 25, 'registry.k8s.io/defaultbackend-amd64'],
    ['registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.6.8', 'manifest', 'webhook.yaml', 4, 'v1.6.8'],
    ['registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.6.8', 'manifest', 'webhook.yaml', 4, 'v1.6.8'],
  ]);
  // The defaultbackend's tag is valuesInline's, which the images: entry keeps.
  assert.equal(covered(root.images[1]!.origin), '1.4');
});

test('helmCharts in a scan: findings on the values lines the kustomization gives, and on the images: entry', async () => {
  const folder = path.join(CORPUS, 'helm-podinfo');
  const file = path.join(folder, 'kustomization.yaml');
  const project = await analyzeProject([file], diskFiles(), {});
  assert.deepEqual(project.errors, []);
  const findings = (project.findings.get(file) ?? [])
    .filter((f) => f.rule === 'unpinned-image')
    .sort((a, b) => a.range.start.line - b.range.start.line);
  assert.deepEqual(
    findings.map((f) => f.range.start.line),
    [13, 17],
  );
  assert.match(
    findings[0]!.message,
    /`image\.tag` \(of the kustomization `helm-podinfo`\) makes the chart's image `ghcr\.io\/stefanprodan\/podinfo:6\.5\.0`/,
  );
  assert.match(findings[1]!.message, /renders `docker\.io\/redis:7\.2\.4-alpine` here/);
  // The chart's values.yaml has no finding for the redis image the entry decides.
  const values = path.join(folder, 'charts', 'podinfo', 'values.yaml');
  assert.deepEqual(
    (project.findings.get(values) ?? []).filter((f) => f.rule !== 'root-user'),
    [],
  );
  // Each image once, where it is decided.
  const images = project.images.get(file) ?? [];
  assert.deepEqual(
    images.map((i) => [i.source, i.range.start.line]),
    [
      ['kustomize', 17],
      ['helm', 13],
    ],
  );
});

test("helmCharts in a scan: root-user is the chart's judgement on what the kustomization keeps, where the chart writes it", async () => {
  const podinfo = path.join(CORPUS, 'helm-podinfo');
  const project = await analyzeProject([path.join(podinfo, 'kustomization.yaml')], diskFiles(), {});
  const rootUser = [...project.findings]
    .flatMap(([file, findings]) =>
      findings.filter((f) => f.rule === 'root-user').map((f) => `${path.relative(podinfo, file)}:${f.range.start.line}`),
    )
    .sort();
  // skipTests leaves the chart's test pods out; the output has no places, so none is judged on a values line.
  assert.deepEqual(rootUser, ['charts/podinfo/templates/deployment.yaml:37', 'charts/podinfo/templates/redis/deployment.yaml:27']);
  // ingress-nginx's templates set runAsNonRoot and runAsUser from its values: nothing to say.
  const nginx = path.join(CORPUS, 'helm-ingress-nginx');
  const other = await analyzeProject([path.join(nginx, 'kustomization.yaml')], diskFiles(), {});
  assert.deepEqual(
    [...other.findings.values()].flat().filter((f) => f.rule === 'root-user' && /controller/.test(f.message)),
    [],
  );
});

test('helmCharts: a chart that is not there is not pulled (a note) when it has a repo, and refused without one', async () => {
  const fs = overlayFiles(
    new Map([
      ['/p/remote/kustomization.yaml', 'helmCharts:\n- name: podinfo\n  repo: https://stefanprodan.github.io/podinfo\n  version: 6.5.0\n'],
      ['/p/missing/kustomization.yaml', 'helmCharts:\n- name: nothing\n'],
      ['/p/outside/kustomization.yaml', 'helmGlobals:\n  chartHome: ../chart\nhelmCharts:\n- name: c\n'],
      ['/p/chart/c/Chart.yaml', 'apiVersion: v2\nname: c\nversion: 1.0.0\n'],
      ['/p/chart/c/values.yaml', 'image: nginx:1.27\n'],
      [
        '/p/chart/c/templates/pod.yaml',
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: {{ .Values.image }}\n',
      ],
    ]),
    diskFiles(),
  );
  const remote = await renderKustomization('/p/remote', fs);
  assert.deepEqual(remote.errors, []);
  assert.deepEqual(remote.notes, [
    '/p/remote/kustomization.yaml: helm chart podinfo (https://stefanprodan.github.io/podinfo) is not pulled (kustomize pulls it into charts/podinfo-6.5.0/podinfo): its images are not listed',
  ]);
  const missing = await renderKustomization('/p/missing', fs);
  assert.match(missing.errors[0]?.message ?? '', /no repo specified for pull, no chart found at '\/p\/missing\/charts\/nothing'/);
  assert.equal(missing.errors[0]?.range?.start.line, 1);
  // kustomize reads the chart anywhere, but its values file only in or below the kustomization's folder.
  const outside = await renderKustomization('/p/outside', fs);
  assert.match(outside.errors[0]?.message ?? '', /security: the valuesFile \/p\/chart\/c\/values\.yaml is not in or below \/p\/outside/);
  assert.deepEqual(outside.images, []);
});

test('helmCharts: releaseName and namespace reach the templates; without releaseName no workload name is made up', async () => {
  const chart = (name: string) => [
    [`/p/${name}/charts/c/Chart.yaml`, 'apiVersion: v2\nname: c\nversion: 1.0.0\n'],
    [`/p/${name}/charts/c/values.yaml`, 'image: nginx:1.27\n'],
    [
      `/p/${name}/charts/c/templates/pod.yaml`,
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}-pod\n  namespace: {{ .Release.Namespace }}\nspec:\n  containers:\n  - name: c\n    image: {{ .Values.image }}\n',
    ],
  ];
  const fs = overlayFiles(
    new Map([
      ...chart('named'),
      ['/p/named/kustomization.yaml', 'helmCharts:\n- name: c\n  releaseName: web\n  namespace: shop\n'],
      ...chart('anonymous'),
      ['/p/anonymous/kustomization.yaml', 'helmCharts:\n- name: c\n'],
    ] as [string, string][]),
    diskFiles(),
  );
  const named = await renderKustomization('/p/named', fs);
  assert.deepEqual(named.images[0]?.workload, {
    kind: 'Pod',
    name: 'web-pod',
    namespace: 'shop',
    container: 'c',
    containerType: 'containers',
  });
  assert.equal(named.images[0]?.decidedAt.file, '/p/named/charts/c/values.yaml');
  assert.deepEqual(named.images[0]?.decidedAt.range, { start: { line: 0, character: 7 }, end: { line: 0, character: 17 } });
  // kubectl 1.32's kustomize (v5.5) does not hand helm the kustomization's namespace: the release's is `default`.
  const release = overlayFiles(
    new Map([
      ['/q/charts/c/Chart.yaml', 'apiVersion: v2\nname: c\nversion: 1.0.0\n'],
      ['/q/charts/c/values.yaml', 'x: 1\n'],
      [
        '/q/charts/c/templates/pod.yaml',
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: "nginx:{{ .Release.Namespace }}-{{ .Release.Name }}"\n',
      ],
      ['/q/kustomization.yaml', 'namespace: shop\nhelmCharts:\n- name: c\n  releaseName: r\n'],
    ]),
    diskFiles(),
  );
  const inShop = await renderKustomization('/q', release);
  assert.deepEqual(
    inShop.images.map((i) => [i.reference, i.workload.namespace]),
    [['nginx:default-r', 'shop']],
  );
  const anonymous = await renderKustomization('/p/anonymous', fs);
  assert.deepEqual(anonymous.errors, []);
  assert.deepEqual(anonymous.images[0]?.workload, { kind: 'Pod', namespace: 'default', container: 'c', containerType: 'containers' });
});

// kubectl kustomize --enable-helm renders the same project (written to disk): prod-web nginx:1.27, prod-job busybox:1.37.
test('helmCharts in a base: an overlay patches and renames what the chart renders; a patched image is decided by the patch', async () => {
  const fs = overlayFiles(
    new Map([
      ['/r/base/charts/c/Chart.yaml', 'apiVersion: v2\nname: c\nversion: 1.0.0\n'],
      ['/r/base/charts/c/values.yaml', 'web: nginx:1.27\njob: busybox:1.36\n'],
      [
        '/r/base/charts/c/templates/pods.yaml',
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: {{ .Values.web }}\n---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: job\nspec:\n  template:\n    spec:\n      containers:\n      - name: job\n        image: {{ .Values.job }}\n',
      ],
      ['/r/base/kustomization.yaml', 'helmCharts:\n- name: c\n  releaseName: r\n'],
      [
        '/r/overlay/kustomization.yaml',
        'resources: [../base]\nnamePrefix: prod-\npatches:\n- target: {kind: Job}\n  patch: |\n    - op: replace\n      path: /spec/template/spec/containers/0/image\n      value: busybox:1.37\n',
      ],
    ]),
    diskFiles(),
  );
  const root = await renderKustomization('/r/overlay', fs);
  assert.deepEqual(root.errors, []);
  assert.deepEqual(
    root.images.map((i) => [i.reference, i.workload.name, i.decidedAt.by, i.decidedAt.file, i.decidedAt.range.start.line]),
    [
      ['nginx:1.27', 'prod-web', 'manifest', '/r/base/charts/c/values.yaml', 0],
      ['busybox:1.37', 'prod-job', 'patch', '/r/overlay/kustomization.yaml', 7],
    ],
  );
  // The chart images the overlay leaves as they are: only nginx; busybox:1.36 is no image it runs.
  assert.deepEqual(
    root.charts?.flatMap((c) => c.images.map((i) => i.reference)),
    ['nginx:1.27'],
  );
});

test("helmCharts: pinning writes where the kustomization decides: valuesInline's tag, the images: entry, its values file's digest", async () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  const pins = async (folder: string, files: readonly string[]) => {
    const absolute = files.map((f) => path.join(CORPUS, folder, f));
    const project = await analyzeProject(absolute, diskFiles(), {});
    return absolute.flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const { changes, refused } = pinEdits(project.images.get(file) ?? [], () => digest, { file, text });
      assert.deepEqual(refused, [], file);
      return changes.map((c) => `${path.basename(c.file)}:${c.edit.range.start.line} ${c.edit.newText.trim()}`);
    });
  };
  assert.deepEqual(await pins('helm-podinfo', ['kustomization.yaml']), [
    `kustomization.yaml:18 digest: ${digest}`,
    `kustomization.yaml:13 6.5.0@${digest}`,
  ]);
  // The values file sets `digest: ""` under the chart's image mapping: the digest goes there, not into the chart.
  const nginx = path.join(CORPUS, 'helm-ingress-nginx');
  const project = await analyzeProject([path.join(nginx, 'kustomization.yaml')], diskFiles(), {});
  const [finding] = (project.findings.get(path.join(nginx, 'values.yaml')) ?? []).filter((f) => f.rule === 'unpinned-image');
  assert.match(finding?.message ?? '', /The chart reads a digest: set `digest: sha256:…` beside it\./);
  assert.deepEqual(await pins('helm-ingress-nginx', ['kustomization.yaml', 'values.yaml', 'webhook.yaml']), [
    `kustomization.yaml:26 digest: ${digest}`,
    `values.yaml:3 ${digest}`,
    `webhook.yaml:5 ${digest}`,
  ]);
});
