// GitOps objects as roots: Argo CD Applications and ApplicationSets, Flux HelmReleases and
// Kustomizations over folders of test/corpus/gitops (the repository they name) render what
// `helm template` and `kubectl kustomize` render with the same overrides (the goldens of
// scripts/gitops-goldens.mjs), and what the overrides decide is placed on the object's lines.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { applyEdits, pinEdits } from '../../../src/core/index.js';
import { diskFiles, overlayFiles } from '../../../src/core/project/files.js';
import { editSetImage, fluxEditImages, fluxImageRule, setImageRule } from '../../../src/core/project/gitops/images.js';
import { gitOpsSources, type Written } from '../../../src/core/project/gitops/objects.js';
import { analyzeProject, withProject, type ProjectAnalysis } from '../../../src/core/project/index.js';
import { analyze } from '../../../src/core/index.js';
import { inventoryCsv, inventoryCycloneDx, inventoryOf, inventoryText } from '../../../src/core/output/inventory.js';
import type { ImageRule } from '../../../src/core/project/kustomize/kustomization.js';
import { corpusPath } from '../../support/analysis.js';

const REPOSITORY = corpusPath('gitops');
const GOLDENS = path.resolve(__dirname, 'gitops-goldens');
const FILES = readdirSync(REPOSITORY, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile())
  .map((e) => path.join(e.parentPath, e.name));

let analysis: Promise<ProjectAnalysis> | undefined;
const analysed = () => (analysis ??= analyzeProject(FILES, diskFiles(), {}));

interface GoldenImage {
  readonly reference: string;
  readonly kind: string;
  readonly container?: string;
}
interface Golden {
  readonly file: string;
  readonly sources: readonly { readonly kind: string; readonly name: string; readonly images: readonly GoldenImage[] }[];
}

const line = (i: { kind?: string; container?: string; reference: string }) => `${i.kind ?? '?'} ${i.container ?? ''}=${i.reference}`;

/** The 1-based line of `needle` in an app file (the line a test expects a finding on). */
function lineOf(app: string, needle: string): number {
  const lines = readFileSync(path.join(REPOSITORY, 'apps', app), 'utf8').split('\n');
  const index = lines.findIndex((l) => l.includes(needle));
  assert.notEqual(index, -1, `${needle} is in ${app}`);
  return index + 1;
}

describe('GitOps objects against the real engines', () => {
  const goldens = readdirSync(GOLDENS)
    .filter((n) => n.endsWith('.json'))
    .map((n) => JSON.parse(readFileSync(path.join(GOLDENS, n), 'utf8')) as Golden);

  test('every object of the corpus has a golden', () => {
    const apps = readdirSync(path.join(REPOSITORY, 'apps')).filter((n) => n.endsWith('.yaml'));
    assert.deepEqual(goldens.map((g) => path.basename(g.file)).sort(), apps.sort());
  });

  for (const golden of goldens) {
    test(`${golden.file}: the images helm or kubectl render with the object's overrides`, async () => {
      const { gitops } = await analysed();
      for (const source of golden.sources) {
        const root = gitops.find((r) => r.source.file === path.join(REPOSITORY, golden.file) && r.source.name === source.name);
        assert.ok(root, `${source.kind} ${source.name} is a root`);
        const ours = root.rendered.map((i) =>
          line({ reference: i.reference, kind: i.workload?.kind ?? '?', container: i.workload?.container ?? '' }),
        );
        assert.deepEqual(ours.sort(), source.images.map(line).sort());
        assert.deepEqual(root.errors, []);
      }
    });
  }
});

describe('GitOps overrides in the project analysis', () => {
  const findingsIn = (project: ProjectAnalysis, app: string) =>
    (project.findings.get(path.join(REPOSITORY, 'apps', app)) ?? []).map((f) => `${f.range.start.line + 1} ${f.rule}`);

  test("an Argo CD kustomize.images argument is the image's place, and its finding", async () => {
    const project = await analysed();
    const line = lineOf('guestbook-kustomize.yaml', 'argocd-e2e-container:0.3');
    assert.deepEqual(findingsIn(project, 'guestbook-kustomize.yaml'), [`${line} unpinned-image`]);
    const [image] = project.images.get(path.join(REPOSITORY, 'apps', 'guestbook-kustomize.yaml')) ?? [];
    assert.equal(image?.source, 'kustomize');
    assert.equal(image?.raw, 'quay.io/argoprojlabs/argocd-e2e-container:0.3');
    assert.equal(image?.range.start.line, line - 1);
    assert.match(
      project.findings.get(path.join(REPOSITORY, 'apps', 'guestbook-kustomize.yaml'))![0]!.message,
      /^The Argo CD Application `guestbook` renders/,
    );
  });

  test('a renamed and digest-pinned image of a multi-source Application is placed there, pinned, without a finding', async () => {
    const project = await analysed();
    const file = path.join(REPOSITORY, 'apps', 'guestbook-sources.yaml');
    const [image] = project.images.get(file) ?? [];
    assert.equal(image?.status === 'image' && image.pinned, true);
    assert.equal(image?.range.start.line, lineOf('guestbook-sources.yaml', 'ghcr.io/example/guestbook') - 1);
    assert.deepEqual(findingsIn(project, 'guestbook-sources.yaml'), []);
  });

  test('Argo CD helm parameters, values and valuesObject: each image on the line that sets it', async () => {
    const project = await analysed();
    // The parameter's value sets podinfo's tag; the values block names redis' repository (its tag is values-prod.yaml's).
    assert.deepEqual(findingsIn(project, 'podinfo-helm.yaml'), [
      `${lineOf('podinfo-helm.yaml', 'public.ecr.aws/docker/library/redis')} unpinned-image`,
      `${lineOf('podinfo-helm.yaml', '"6.14.2"')} unpinned-image`,
    ]);
    const redis = project.findings.get(path.join(REPOSITORY, 'apps', 'podinfo-helm.yaml'))![0]!;
    assert.match(
      redis.message,
      /^`redis.repository` \(of the Argo CD Application `podinfo`\) makes the chart's image `public.ecr.aws\/docker\/library\/redis:8.8.0`/,
    );
    assert.match(redis.message, /where its tag is set \(`8.8.0@sha256:…`, \.\.\/charts\/podinfo\/values-prod\.yaml line \d+\)/);
    assert.deepEqual(findingsIn(project, 'podinfo-appset.yaml'), [`${lineOf('podinfo-appset.yaml', 'tag: latest')} unpinned-image`]);
  });

  test("a Flux HelmRelease's values and a Flux Kustomization's images", async () => {
    const project = await analysed();
    assert.deepEqual(findingsIn(project, 'podinfo-helmrelease.yaml'), [
      `${lineOf('podinfo-helmrelease.yaml', 'tag: 8.6.2')} unpinned-image`,
    ]);
    assert.deepEqual(findingsIn(project, 'guestbook-flux.yaml'), [
      `${lineOf('guestbook-flux.yaml', '- name: quay.io/argoprojlabs/argocd-e2e-container')} unpinned-image`,
    ]);
  });

  test("a HelmRelease's valuesFrom: the redis tag on its ConfigMap's line, podinfo's tag on the release's own values", async () => {
    const project = await analysed();
    assert.deepEqual(findingsIn(project, 'podinfo-valuesfrom.yaml'), [
      `${lineOf('podinfo-valuesfrom.yaml', 'tag: 8.6.1')} unpinned-image`,
      `${lineOf('podinfo-valuesfrom.yaml', 'tag: 6.14.0')} unpinned-image`,
    ]);
    // The optional Secret is not in the repository: nothing is said of it.
    assert.deepEqual(
      project.notes.filter((n) => n.file.endsWith('podinfo-valuesfrom.yaml')),
      [],
    );
  });

  test("a chartRef HelmChart is rendered with the release's values; an OCIRepository is one note", async () => {
    const project = await analysed();
    assert.deepEqual(findingsIn(project, 'podinfo-chartref.yaml'), [`${lineOf('podinfo-chartref.yaml', 'tag: 6.12.0')} unpinned-image`]);
    assert.deepEqual(
      project.notes.filter((n) => n.file.endsWith('podinfo-chartref.yaml')).map((n) => n.reason),
      ['HelmRelease podinfo-oci: chartRef OCIRepository podinfo: the chart is not in this repository, not read'],
    );
  });

  test("fileParameters: the tag is the file's text, its finding in that file", async () => {
    const project = await analysed();
    const file = path.join(REPOSITORY, 'env', 'podinfo-tag.txt');
    assert.deepEqual(
      (project.findings.get(file) ?? []).map((f) => `${f.range.start.line + 1}:${f.range.start.character + 1} ${f.rule}`),
      ['1:1 unpinned-image'],
    );
  });

  test('a HelmRelease of a chart from a Helm repository (flux2-kustomize-helm-example) is no root of this repository', async () => {
    const { gitops } = await analysed();
    assert.equal(gitops.filter((r) => r.source.file.includes('flux2-kustomize-helm-example')).length, 0);
    assert.equal(gitopsSourcesOf('flux2-kustomize-helm-example--apps--base--podinfo--release.yaml').length, 0);
  });

  test("pinning an Argo CD argument writes the digest into it, which kustomize reads as the image's digest", async () => {
    const project = await analysed();
    const file = path.join(REPOSITORY, 'apps', 'guestbook-kustomize.yaml');
    const text = readFileSync(file, 'utf8');
    const digest = `sha256:${'b'.repeat(64)}`;
    const { changes, refused } = pinEdits(project.images.get(file) ?? [], () => digest, { file, text });
    assert.deepEqual(refused, []);
    const pinned = applyEdits(
      text,
      changes.map((c) => c.edit),
    );
    assert.match(pinned, new RegExp(`- quay\\.io/argoprojlabs/argocd-e2e-container:0\\.3@${digest}\\n`));
    const [arg] = gitOpsSources(pinned, file)[0]!.setImages;
    const rule = setImageRule(file, arg!);
    assert.ok(!('error' in rule));
    assert.equal(rule.digest, digest);
  });
});

function gitopsSourcesOf(name: string) {
  const file = path.join(REPOSITORY, name);
  return gitOpsSources(readFileSync(file, 'utf8'), file);
}

describe('image edits as the tools make them', () => {
  const written = (value: string): Written => ({
    value,
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: value.length } },
    start: 0,
    end: value.length,
  });
  const rule = (value: string) => {
    const made = setImageRule('/app.yaml', written(value));
    assert.ok(!('error' in made), value);
    return made;
  };
  const short = (rules: readonly ImageRule[]) =>
    rules.map((r) => [r.name, r.newName ?? '', r.newTag ?? '', r.digest ?? ''].join(' ').trim());

  test('kustomize edit set image reads name=new:tag@digest, name:tag and name@digest, and refuses a bare name', () => {
    assert.deepEqual(short([rule('a=b.io/c:1@sha256:x'), rule('nginx:1.27'), rule('localhost:5000/x@sha256:y')]), [
      'a b.io/c 1 sha256:x',
      'nginx  1.27',
      'localhost:5000/x   sha256:y',
    ]);
    const refused = setImageRule('/app.yaml', written('nginx'));
    assert.ok('error' in refused);
    assert.match(refused.error, /sets nothing/);
  });

  test('kustomize edit set image replaces the entry of its name, keeps `*` fields from it, and sorts by name', () => {
    const existing = [rule('zeta=registry/zeta:2'), rule('nginx=mirror/nginx:1.0')];
    assert.deepEqual(short(editSetImage(existing, [rule('nginx:1.27')])), ['nginx  1.27', 'zeta registry/zeta 2']);
    assert.deepEqual(short(editSetImage(existing, [rule('nginx=*:1.28')])), ['nginx mirror/nginx 1.28', 'zeta registry/zeta 2']);
    assert.deepEqual(short(editSetImage([], [rule('nginx=*:*')])), ['nginx']);
  });

  test("Flux's spec.images replace the entry of the same name in place, or are appended", () => {
    const flux = (name: string, newTag: string) =>
      fluxImageRule('/k.yaml', { name: written(name), newTag: written(newTag), range: written(name).range });
    const existing = [rule('zeta=registry/zeta:2'), rule('nginx=mirror/nginx:1.0')];
    assert.deepEqual(short(fluxEditImages(existing, [flux('nginx', '1.29'), flux('alpine', '3.20')])), [
      'zeta registry/zeta 2',
      'nginx  1.29',
      'alpine  3.20',
    ]);
  });
});

const CHART = 'apiVersion: v2\nname: web\nversion: 1.0.0\n';
const VALUES = 'image:\n  repository: nginx\n  tag: "1.27"\n';
const TEMPLATE = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata: {name: web}',
  'spec:',
  '  template:',
  '    spec:',
  '      containers:',
  '        - name: web',
  '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"',
  '',
].join('\n');
const repo = (files: Record<string, string>) => new Map(Object.entries(files).map(([name, text]) => [path.join('/repo', name), text]));
const app = (source: string) =>
  ['apiVersion: argoproj.io/v1alpha1', 'kind: Application', 'metadata: {name: web}', 'spec:', source].join('\n') + '\n';

describe('GitOps sources read as the tools read them, and no further', () => {
  test("multi-source `$ref/…` valueFiles are read from the repository's root, each image on the line that sets it", async () => {
    const texts = repo({
      'chart/Chart.yaml': CHART,
      'chart/values.yaml': VALUES,
      'chart/templates/deployment.yaml': TEMPLATE,
      'env/prod.yaml': 'image:\n  tag: "1.28"\n',
      'apps/web.yaml': app(
        [
          '  sources:',
          '    - repoURL: https://example.com/repo.git',
          '      path: chart',
          '      helm:',
          '        valueFiles: [$values/env/prod.yaml]',
          '    - repoURL: https://example.com/repo.git',
          '      ref: values',
        ].join('\n'),
      ),
    });
    const project = await analyzeProject([...texts.keys()], overlayFiles(texts), {});
    const [root] = project.gitops;
    assert.deepEqual(
      root?.chart?.images.map((i) => [i.reference, i.value?.file, i.value && i.value.range.start.line + 1]),
      [['nginx:1.28', '/repo/env/prod.yaml', 2]],
    );
  });

  test('a path or a values file outside the repository is not read; a templated path is not guessed', async () => {
    const texts = repo({
      'chart/Chart.yaml': CHART,
      'chart/values.yaml': VALUES,
      'chart/templates/deployment.yaml': TEMPLATE,
      'apps/escape.yaml': app('  source:\n    path: ../../outside\n    kustomize:\n      images: [nginx:1.29]\n'),
      'apps/templated.yaml': app('  source:\n    path: "{{path}}"\n    kustomize:\n      images: [nginx:1.29]\n'),
      'apps/values.yaml': app('  source:\n    path: chart\n    helm:\n      valueFiles: [../../../etc/values.yaml]\n'),
    });
    texts.set('/outside/kustomization.yaml', 'resources: []\n');
    texts.set('/etc/values.yaml', 'image:\n  tag: "6.6.6"\n');
    const project = await analyzeProject(
      [...texts.keys()].filter((f) => f.startsWith('/repo/')),
      overlayFiles(texts),
      {},
    );
    assert.deepEqual(
      project.gitops.map((r) => path.basename(r.source.file)),
      ['values.yaml'],
    );
    assert.deepEqual(project.gitops[0]!.chart?.images, []);
    assert.ok(project.notes.some((n) => /valueFiles \.\.\/\.\.\/\.\.\/etc\/values\.yaml: not a file of this repository/.test(n.reason)));
  });
});

/** A Flux HelmRelease of the chart folder of `repo`, in namespace `apps`, with `spec` lines after its chart. */
const release = (spec: string[], namespace = 'apps') =>
  [
    'apiVersion: helm.toolkit.fluxcd.io/v2',
    'kind: HelmRelease',
    `metadata: {name: web, namespace: ${namespace}}`,
    'spec:',
    '  chart:',
    '    spec:',
    '      chart: ./chart',
    '      sourceRef: {kind: GitRepository, name: flux-system}',
    ...spec,
  ].join('\n') + '\n';
const configMap = (name: string, data: string[], namespace = 'apps') =>
  ['apiVersion: v1', 'kind: ConfigMap', `metadata: {name: ${name}, namespace: ${namespace}}`, 'data:', ...data].join('\n') + '\n';
const secret = (name: string, data: string[]) =>
  ['apiVersion: v1', 'kind: Secret', `metadata: {name: ${name}, namespace: apps}`, ...data].join('\n') + '\n';
const chartFiles = { 'chart/Chart.yaml': CHART, 'chart/values.yaml': VALUES, 'chart/templates/deployment.yaml': TEMPLATE };

/** The project of these files under /repo (the repository's root). */
async function projectOf(files: Record<string, string>) {
  const texts = repo(files);
  return analyzeProject([...texts.keys()], overlayFiles(texts), {}, { root: '/repo' });
}

/** Each image the object decides: its reference, and the file, line and column (1-based) it is placed on. */
const placed = (project: ProjectAnalysis) =>
  project.gitops.flatMap((r) =>
    (r.chart?.images ?? []).map((i) => [
      i.reference,
      i.value && `${path.relative('/repo', i.value.file)}:${i.value.range.start.line + 1}:${i.value.range.start.character + 1}`,
    ]),
  );

/** The 1-based line and column of `needle` in a text. */
function at(text: string, needle: string): string {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  assert.notEqual(line, -1, needle);
  return `${line + 1}:${lines[line]!.indexOf(needle) + 1}`;
}

describe('Flux valuesFrom: ConfigMaps and Secrets of the repository', () => {
  const values = configMap('web-values', ['  values.yaml: |', '    image:', '      repository: registry.example/web', '      tag: "1.0"']);

  test("a ConfigMap's values.yaml block: the image is placed exactly inside the block scalar, with its finding", async () => {
    const project = await projectOf({
      ...chartFiles,
      'apps/web/values.yaml': values,
      'apps/web/release.yaml': release(['  valuesFrom:', '    - kind: ConfigMap', '      name: web-values']),
    });
    assert.deepEqual(placed(project), [['registry.example/web:1.0', `apps/web/values.yaml:${at(values, '1.0')}`]]);
    const findings = project.findings.get('/repo/apps/web/values.yaml') ?? [];
    assert.deepEqual(
      findings.map((f) => [f.rule, f.range.start.line + 1]),
      [['unpinned-image', Number(at(values, '1.0').split(':')[0])]],
    );
    assert.match(findings[0]!.message, /^`image\.tag` \(of the Flux HelmRelease `web`\) makes the chart's image/);
    assert.deepEqual(project.notes, []);
  });

  test("given only the files that name GitOps groups (the editor's), the ConfigMap beside the HelmRelease is found", async () => {
    const texts = repo({
      ...chartFiles,
      'apps/web/values.yaml': values,
      'apps/web/release.yaml': release(['  valuesFrom:', '    - kind: ConfigMap', '      name: web-values']),
    });
    const project = await analyzeProject(
      ['/repo/chart/Chart.yaml', '/repo/apps/web/release.yaml'],
      overlayFiles(texts),
      {},
      { root: '/repo' },
    );
    assert.deepEqual(placed(project), [['registry.example/web:1.0', `apps/web/values.yaml:${at(values, '1.0')}`]]);
  });

  test('entries merge in order, a targetPath sets one value, and spec.values is over them all', async () => {
    const tag = configMap('web-tag', ['  tag: "2.0"']);
    const files = {
      ...chartFiles,
      'apps/web/values.yaml': values,
      'apps/web/tag.yaml': tag,
    };
    const refs = [
      '  valuesFrom:',
      '    - {kind: ConfigMap, name: web-values}',
      '    - {kind: ConfigMap, name: web-tag, valuesKey: tag, targetPath: image.tag}',
    ];
    const fromTag = await projectOf({ ...files, 'apps/web/release.yaml': release(refs) });
    assert.deepEqual(placed(fromTag), [['registry.example/web:2.0', `apps/web/tag.yaml:${at(tag, '2.0')}`]]);
    const over = release([...refs, '  values:', '    image:', '      tag: "3.0"']);
    const fromValues = await projectOf({ ...files, 'apps/web/release.yaml': over });
    assert.deepEqual(placed(fromValues), [['registry.example/web:3.0', `apps/web/release.yaml:${at(over, '3.0')}`]]);
  });

  test('a ConfigMap that is not in the repository is one note, not an error; optional, it is silent', async () => {
    const required = await projectOf({
      ...chartFiles,
      'apps/web/release.yaml': release(['  valuesFrom:', '    - {kind: ConfigMap, name: elsewhere}', '  values: {image: {tag: "1.29"}}']),
    });
    assert.deepEqual(
      required.notes.map((n) => n.reason),
      [
        'HelmRelease web: valuesFrom ConfigMap elsewhere: not a manifest of this repository (made by a generator or in the cluster?): the images it sets are not listed',
      ],
    );
    assert.deepEqual(required.errors, []);
    assert.deepEqual(
      placed(required).map(([reference]) => reference),
      ['nginx:1.29'],
    );
    const optional = await projectOf({
      ...chartFiles,
      'apps/web/release.yaml': release([
        '  valuesFrom:',
        '    - {kind: ConfigMap, name: elsewhere, optional: true}',
        '  values: {image: {tag: "1.29"}}',
      ]),
    });
    assert.deepEqual(optional.notes, []);
  });

  test("a ConfigMap of another namespace is not the HelmRelease's", async () => {
    const project = await projectOf({
      ...chartFiles,
      'apps/web/values.yaml': configMap('web-values', ['  values.yaml: |', '    image: {tag: "6.6.6"}'], 'other'),
      'apps/web/release.yaml': release(['  valuesFrom:', '    - {kind: ConfigMap, name: web-values}']),
    });
    assert.deepEqual(placed(project), []);
    assert.match(project.notes[0]?.reason ?? '', /valuesFrom ConfigMap web-values: not a manifest of this repository/);
  });

  test("a Secret's stringData is read at its place; its base64 data at the key's value, never pinned there, never quoted", async () => {
    const string = secret('web-secret', ['stringData:', '  values.yaml: |', '    image:', '      tag: "1.30"']);
    const fromString = await projectOf({
      ...chartFiles,
      'apps/web/secret.yaml': string,
      'apps/web/release.yaml': release(['  valuesFrom:', '    - {kind: Secret, name: web-secret}']),
    });
    assert.deepEqual(placed(fromString), [['nginx:1.30', `apps/web/secret.yaml:${at(string, '1.30')}`]]);

    const encoded = Buffer.from('image:\n  tag: "1.31"\n').toString('base64');
    const data = secret('web-secret', ['data:', `  values.yaml: ${encoded}`]);
    const fromData = await projectOf({
      ...chartFiles,
      'apps/web/secret.yaml': data,
      'apps/web/release.yaml': release(['  valuesFrom:', '    - {kind: Secret, name: web-secret}']),
    });
    assert.deepEqual(placed(fromData), [['nginx:1.31', `apps/web/secret.yaml:${at(data, encoded)}`]]);
    const [image] = fromData.gitops[0]!.chart!.images;
    assert.equal(image?.pin.kind, 'none');
    assert.match(image?.pin.kind === 'none' ? image.pin.why : '', /base64 in the Secret `web-secret`/);

    const garbage = Buffer.from('password: [hunter2').toString('base64');
    const broken = await projectOf({
      ...chartFiles,
      'apps/web/secret.yaml': secret('web-secret', [
        'data:',
        `  values.yaml: ${garbage}`,
        `  tag: ${Buffer.from('hunter2,x').toString('base64')}`,
      ]),
      'apps/web/release.yaml': release([
        '  valuesFrom:',
        '    - {kind: Secret, name: web-secret}',
        '    - {kind: Secret, name: web-secret, valuesKey: tag, targetPath: image.tag}',
      ]),
    });
    assert.equal(broken.errors.length, 2);
    const said = JSON.stringify([broken.errors, broken.notes]);
    assert.doesNotMatch(said, /hunter2/);
    assert.doesNotMatch(said, new RegExp(garbage.slice(0, 12)));
  });

  test('a SOPS-encrypted Secret is one note, not read', async () => {
    const project = await projectOf({
      ...chartFiles,
      'apps/web/secret.yaml': secret('web-secret', [
        'stringData:',
        '  values.yaml: ENC[AES256_GCM,data:abc=,type:str]',
        'sops:',
        '  version: 3.9.0',
      ]),
      'apps/web/release.yaml': release(['  valuesFrom:', '    - {kind: Secret, name: web-secret}', '  values: {image: {tag: "1.29"}}']),
    });
    assert.deepEqual(
      project.notes.map((n) => n.reason),
      ['HelmRelease web: valuesFrom Secret web-secret: encrypted with SOPS, not read: the images it sets are not listed'],
    );
    assert.deepEqual(project.errors, []);
  });
});

describe('Flux chartRef', () => {
  const byRef = (kind: string) =>
    [
      'apiVersion: helm.toolkit.fluxcd.io/v2',
      'kind: HelmRelease',
      'metadata: {name: web, namespace: apps}',
      'spec:',
      `  chartRef: {kind: ${kind}, name: web}`,
      '  values:',
      '    image:',
      '      tag: "1.29"',
    ].join('\n') + '\n';
  const helmChart = (sourceKind: string) =>
    [
      'apiVersion: source.toolkit.fluxcd.io/v1',
      'kind: HelmChart',
      'metadata: {name: web, namespace: apps}',
      'spec:',
      '  chart: ./chart',
      `  sourceRef: {kind: ${sourceKind}, name: flux-system}`,
    ].join('\n') + '\n';

  test("a HelmChart of a GitRepository path renders that chart with the HelmRelease's values", async () => {
    const text = byRef('HelmChart');
    const project = await projectOf({ ...chartFiles, 'apps/chart.yaml': helmChart('GitRepository'), 'apps/release.yaml': text });
    assert.deepEqual(placed(project), [['nginx:1.29', `apps/release.yaml:${at(text, '1.29')}`]]);
    assert.deepEqual([project.notes, project.errors], [[], []]);
  });

  test('an OCIRepository is one note (the chart is not in the repository), not an error; a HelmRepository chart is silent', async () => {
    const oci = await projectOf({ ...chartFiles, 'apps/release.yaml': byRef('OCIRepository') });
    assert.deepEqual(oci.gitops, []);
    assert.deepEqual(
      oci.notes.map((n) => `${path.relative('/repo', n.file)}: ${n.reason}`),
      ['apps/release.yaml: HelmRelease web: chartRef OCIRepository web: the chart is not in this repository, not read'],
    );
    assert.deepEqual(oci.errors, []);
    const helmRepository = await projectOf({
      ...chartFiles,
      'apps/chart.yaml': helmChart('HelmRepository'),
      'apps/release.yaml': byRef('HelmChart'),
    });
    assert.deepEqual([helmRepository.gitops, helmRepository.notes], [[], []]);
  });
});

describe('Argo CD fileParameters and multi-source values', () => {
  test("fileParameters set the file's text at the name, as --set-file, placed in that file", async () => {
    const project = await projectOf({
      ...chartFiles,
      'chart/tag.txt': '1.32',
      'apps/web.yaml': app('  source:\n    path: chart\n    helm:\n      fileParameters:\n        - {name: image.tag, path: tag.txt}\n'),
    });
    assert.deepEqual(placed(project), [['nginx:1.32', 'chart/tag.txt:1:1']]);
    const outside = await projectOf({
      ...chartFiles,
      'apps/web.yaml': app(
        '  source:\n    path: chart\n    helm:\n      fileParameters:\n        - {name: image.tag, path: ../../../etc/tag}\n',
      ),
    });
    assert.deepEqual(
      outside.notes.map((n) => n.reason),
      ['Application web: fileParameters image.tag: ../../../etc/tag is not a file of this repository, not read'],
    );
  });

  test('a `$ref` source of another repository is not read from this one; of the same (written another way) it is', async () => {
    const sources = (refURL: string) =>
      app(
        [
          '  sources:',
          '    - repoURL: https://github.com/example/gitops.git',
          '      path: chart',
          '      helm:',
          '        valueFiles: [$values/env/prod.yaml]',
          `    - repoURL: ${refURL}`,
          '      ref: values',
        ].join('\n'),
      );
    const files = { ...chartFiles, 'env/prod.yaml': 'image:\n  tag: "1.28"\n' };
    const other = await projectOf({ ...files, 'apps/web.yaml': sources('https://user:token@github.com/example/values') });
    assert.deepEqual(placed(other), []);
    assert.deepEqual(
      other.notes.map((n) => n.reason),
      [
        'Application web: valueFiles $values/env/prod.yaml: the source with ref: values is another repository (https://github.com/example/values), not read',
      ],
    );
    const same = await projectOf({ ...files, 'apps/web.yaml': sources('git@GitHub.com:example/gitops') });
    assert.deepEqual(placed(same), [['nginx:1.28', 'env/prod.yaml:2:9']]);
  });
});

describe('reports name the GitOps object', () => {
  test('the inventory says which Application or HelmRelease makes an image, in each format', async () => {
    const project = await analysed();
    const report = {
      files: FILES.filter((f) => f.endsWith('.yaml')).map((file) => ({
        file: path.relative(REPOSITORY, file),
        kind: 'yaml' as const,
        result: withProject(file, analyze(readFileSync(file, 'utf8'), 'yaml', { fileName: file }), project),
      })),
    };
    const images = inventoryOf(report);
    const objects = (reference: RegExp) =>
      images.filter((i) => reference.test(i.reference)).flatMap((i) => i.places.map((p) => `${p.file} ${p.source} ${p.gitops ?? '-'}`));
    assert.deepEqual(objects(/argocd-e2e-container:0\.3$/), ['apps/guestbook-kustomize.yaml kustomize Application argocd/guestbook']);
    assert.deepEqual(objects(/podinfo:6\.14\.2$/), ['apps/podinfo-helm.yaml helm Application podinfo']);
    assert.deepEqual(objects(/redis:8\.6\.2$/), ['apps/podinfo-helmrelease.yaml helm HelmRelease podinfo/podinfo']);
    // The overlay's own manifest names no object.
    assert.ok(images.some((i) => i.places.some((p) => p.file.startsWith('guestbook/') && p.gitops === undefined)));
    assert.match(inventoryText(images), /apps\/podinfo-helm\.yaml:\d+:\d+ {2}helm \(Application podinfo\)\n/);
    assert.match(inventoryCsv(images), /,helm,"?[^\r\n]*"?,Application podinfo\r\n/);
    const bom = JSON.parse(inventoryCycloneDx(images)) as {
      components: { properties: { name: string; value: string }[]; evidence: { occurrences: { additionalContext: string }[] } }[];
    };
    const redis = bom.components.find((c) => c.properties.some((p) => p.value.endsWith('redis:8.6.2')));
    assert.ok(redis?.properties.some((p) => p.name === 'shipshape:gitops' && p.value === 'HelmRelease podinfo/podinfo'));
    assert.ok(redis?.evidence.occurrences.some((o) => o.additionalContext === 'helm (HelmRelease podinfo/podinfo)'));
  });
});
