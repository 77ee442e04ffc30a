// Kustomize and Helm in a scan: images placed where they are decided, findings where the fix
// belongs, base-manifest findings that every kustomization settles, and pin edits for each.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { applyEdits, parseReference, pinEdits, scanPaths, tagReference, toJsonReport, type ScanReport } from '../../../src/core/index.js';

/** The report's form of a reference (`docker.io/library/…`). */
function normalise(reference: string): string {
  const parsed = parseReference(reference);
  return parsed.ok ? parsed.reference.normalized : reference;
}
import { corpusPath } from '../../support/analysis.js';
import { tempTree } from '../../support/tree.js';

const tree = (files: Readonly<Record<string, string>>) => tempTree(files, 'shipshape-project-');

const DIGEST = `sha256:${'d'.repeat(64)}`;
const DEPLOYMENT = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata: {name: web}',
  'spec:',
  '  template:',
  '    spec:',
  '      securityContext: {runAsNonRoot: true}',
  '      containers:',
  '        - name: web',
  '          image: nginx:1.27',
  '',
].join('\n');

function findings(report: ScanReport, root: string): string[] {
  return report.files.flatMap((f) =>
    f.result.findings.map((x) => `${path.relative(root, path.resolve(f.file))}:${x.range.start.line + 1} ${x.rule}`),
  );
}

describe('Kustomize in a scan', () => {
  test("an overlay that pins by digest settles the base manifest's unpinned-image; the image is reported where the digest is", async () => {
    const root = await tree({
      'base/deployment.yaml': DEPLOYMENT,
      'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
      'prod/kustomization.yaml': `resources:\n  - ../base\nimages:\n  - name: nginx\n    newTag: "1.27.3"\n    digest: ${DIGEST}\n`,
    });
    const report = await scanPaths([root]);
    assert.deepEqual(findings(report, root), []);
    const json = toJsonReport(report);
    const kustomized = json.images.filter((i) => i.source === 'kustomize');
    assert.deepEqual(
      kustomized.map((i) => [path.relative(root, i.file), i.line, i.reference, i.kustomization, i.decidedBy, i.pinned, i.workload?.name]),
      [['prod/kustomization.yaml', 4, `docker.io/library/nginx:1.27.3@${DIGEST}`, path.join(root, 'prod'), 'images-entry', true, 'web']],
    );
    assert.deepEqual(kustomized[0]!.origin, { file: path.join(root, 'base', 'deployment.yaml'), line: 10, column: 18, raw: 'nginx:1.27' });
  });

  test('an images: entry that renders an unpinned image is the finding, in the kustomization; the base line has one only while some root renders it as written', async () => {
    const root = await tree({
      'base/deployment.yaml': DEPLOYMENT,
      'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
      'staging/kustomization.yaml': 'resources:\n  - ../base\nimages:\n  - name: nginx\n    newTag: "1.28"\n',
      'prod/kustomization.yaml': `resources:\n  - ../base\nimages:\n  - {name: nginx, digest: ${DIGEST}}\n`,
    });
    const report = await scanPaths([root]);
    // Every root changes the base's image: its line is no image any rendering uses, so it has no finding;
    // staging's entry decides an unpinned one, and the finding is there.
    assert.deepEqual(findings(report, root), ['staging/kustomization.yaml:4 unpinned-image']);
    const staging = report.files.find((f) => f.file.endsWith(path.join('staging', 'kustomization.yaml')))!;
    assert.match(
      staging.result.findings[0]!.message,
      /^The kustomization `staging` renders `nginx:1\.28` here, which is not pinned: the tag `1\.28` can be moved/,
    );
    assert.equal(staging.result.findings[0]!.reference, 'docker.io/library/nginx:1.28');
    // A root that renders the base's image as written keeps the base line's finding.
    await fs.mkdir(path.join(root, 'plain'));
    await fs.writeFile(path.join(root, 'plain', 'kustomization.yaml'), 'resources:\n  - ../base\n');
    assert.deepEqual(findings(await scanPaths([root]), root), [
      'base/deployment.yaml:10 unpinned-image',
      'staging/kustomization.yaml:4 unpinned-image',
    ]);
    // Without a root that changes it, the base manifest's own finding stays.
    const alone = await tree({ 'base/deployment.yaml': DEPLOYMENT, 'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n' });
    assert.deepEqual(findings(await scanPaths([alone]), alone), ['base/deployment.yaml:10 unpinned-image']);
  });

  test('root-user is decided on what the roots render, where the fix belongs; patch files are no manifests of their own', async () => {
    const bare = DEPLOYMENT.replace('      securityContext: {runAsNonRoot: true}\n', '');
    const patch = (spec: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n${spec}`;
    const root = await tree({
      'base/deployment.yaml': bare,
      'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
      'sidecar/kustomization.yaml': 'resources:\n  - ../base\npatches:\n  - path: sc.yaml\n  - path: sidecar.yaml\n',
      'sidecar/sc.yaml': patch('      securityContext: {runAsUser: 1000, runAsNonRoot: true}\n'),
      'sidecar/sidecar.yaml': patch('      containers:\n        - name: log\n          image: busybox:1.36\n'),
      'root/kustomization.yaml': 'resources:\n  - ../base\npatches:\n  - path: root.yaml\n',
      'root/root.yaml': patch('      securityContext:\n        runAsUser: 0\n'),
    });
    const report = await scanPaths([root]);
    // Alone, base/deployment.yaml:9 would be implicit root and sidecar.yaml:7 too (as if a manifest). Rendered:
    // sidecar runs both containers as 1000, and root.yaml makes the pod root, so the finding is at its runAsUser.
    assert.deepEqual(findings(report, root).sort(), [
      'base/deployment.yaml:9 unpinned-image',
      'root/root.yaml:8 root-user',
      'sidecar/sidecar.yaml:9 unpinned-image',
    ]);
    const sidecar = report.files.find((f) => f.file.endsWith(path.join('sidecar', 'sidecar.yaml')))!;
    assert.deepEqual(
      sidecar.result.images.map((i) => [i.source, i.raw]),
      [['kustomize', 'busybox:1.36']],
    );
    const rootFile = report.files.find((f) => f.file.endsWith(path.join('root', 'root.yaml')))!;
    assert.equal(rootFile.result.findings[0]!.reason, 'explicit');
  });

  test('root-user on what renders: runAsNonRoot: false from a JSON 6902 patch is found at the patch value', async () => {
    const root = await tree({
      'base/deployment.yaml': DEPLOYMENT,
      'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
      'off/kustomization.yaml':
        'resources:\n  - ../base\npatches:\n  - target: {kind: Deployment}\n    patch: |-\n      - op: replace\n        path: /spec/template/spec/securityContext/runAsNonRoot\n        value: false\n',
    });
    const report = await scanPaths([root]);
    assert.deepEqual(findings(report, root).sort(), ['base/deployment.yaml:10 unpinned-image', 'off/kustomization.yaml:8 root-user']);
  });

  test('pinning writes digest: into the images: entry (block and flow), and replaces an old one', async () => {
    const root = await tree({
      'base/deployment.yaml': DEPLOYMENT.replace('nginx:1.27', 'nginx:1.27').concat(
        '---\n',
        DEPLOYMENT.replace('name: web}', 'name: api}').replace('nginx:1.27', 'redis:7'),
      ),
      'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
      'prod/kustomization.yaml':
        'resources:\n  - ../base\nimages:\n  - name: nginx # the web server\n    newTag: "1.28"\n  - {name: redis, newTag: "7.2"}\n',
    });
    const report = await scanPaths([root]);
    const file = report.files.find((f) => f.file.endsWith(path.join('prod', 'kustomization.yaml')))!;
    const text = await fs.readFile(path.resolve(file.file), 'utf8');
    const images = file.result.images.filter((i) => i.source === 'kustomize');
    assert.deepEqual(images.map((i) => tagReference(i)).sort(), ['nginx:1.28', 'redis:7.2']);
    const { changes } = pinEdits(images, () => DIGEST, { file: path.resolve(file.file), text });
    const pinned = applyEdits(
      text,
      changes.map((c) => c.edit),
    );
    assert.equal(
      pinned,
      `resources:\n  - ../base\nimages:\n  - name: nginx # the web server\n    newTag: "1.28"\n    digest: ${DIGEST}\n  - {name: redis, newTag: "7.2", digest: ${DIGEST}}\n`,
    );
    const other = `sha256:${'e'.repeat(64)}`;
    await fs.writeFile(path.resolve(file.file), pinned);
    const again = (await scanPaths([root])).files.find((f) => f.file === file.file)!;
    const { changes: moved } = pinEdits(
      again.result.images.filter((i) => i.source === 'kustomize'),
      () => other,
      { file: path.resolve(file.file), text: pinned },
    );
    assert.deepEqual(
      moved.map((c) => c.previous),
      [DIGEST, DIGEST],
    );
    assert.equal(
      applyEdits(
        pinned,
        moved.map((c) => c.edit),
      ),
      pinned.replaceAll(DIGEST, other),
    );
  });

  test('the real repositories: each root of microservices-demo is reported with the images kubectl renders', async () => {
    const report = await scanPaths([corpusPath('realworld/microservices-demo/kustomize')]);
    const json = toJsonReport(report);
    const byRoot = new Map<string, string[]>();
    for (const image of json.images.filter((i) => i.source === 'kustomize')) {
      const root = path.relative(corpusPath('realworld'), image.kustomization!);
      byRoot.set(root, [...(byRoot.get(root) ?? []), image.reference!]);
    }
    // The roots, each with the images `kubectl kustomize` renders (its recorded output).
    const goldens = path.join(__dirname, 'kustomize-goldens');
    assert.deepEqual([...byRoot.keys()].sort(), [
      'microservices-demo/kustomize',
      'microservices-demo/kustomize/tests/memorystore-with-all-components',
      'microservices-demo/kustomize/tests/service-mesh-istio-with-all-components',
      'microservices-demo/kustomize/tests/spanner-with-all-components',
    ]);
    for (const [root, references] of byRoot) {
      const golden = JSON.parse(await fs.readFile(path.join(goldens, `${root.replaceAll('/', '__')}.json`), 'utf8')) as {
        images: { reference: string }[];
      };
      assert.deepEqual(references.sort(), golden.images.map((i) => normalise(i.reference)).sort(), root);
    }
    // Nothing changes these images: the base manifests' own findings are the ones to fix.
    assert.ok(json.findings.some((f) => f.file.endsWith('base/adservice.yaml') && f.rule === 'unpinned-image'));
    assert.ok(!json.findings.some((f) => f.file.endsWith('kustomization.yaml')));
  });
});

describe('Helm charts in a scan', () => {
  test('podinfo: the tag in values.yaml is the finding; the test images are found in their templates; images helm does not render are listed inactive, without findings; nothing is skipped as a template', async () => {
    const chart = corpusPath('realworld/podinfo/charts/podinfo');
    const report = await scanPaths([chart]);
    const json = toJsonReport(report);
    const helm = json.images.filter((i) => i.source === 'helm');
    const values = helm.filter((i) => i.file.endsWith('values.yaml'));
    // redis.enabled is false: helm template renders no redis, so its tag is no image of this chart.
    assert.deepEqual(
      values.map((i) => [i.line, i.raw, i.reference, i.valueKey?.join('.')]),
      [[11, '6.14.1', 'ghcr.io/stefanprodan/podinfo:6.14.1', 'image.tag']],
    );
    // Relative to the folder the scan was run from, as every path in the report.
    assert.ok(helm.every((i) => i.chart === path.relative(process.cwd(), chart)));
    assert.ok(helm.some((i) => i.file.endsWith(path.join('tests', 'service.yaml')) && i.reference === 'docker.io/curlimages/curl:7.69.0'));
    const fail = helm.find((i) => i.file.endsWith(path.join('tests', 'fail.yaml')))!;
    assert.deepEqual([fail.active, fail.condition, fail.reference], [false, '.Values.faults.testFail', null]);
    assert.deepEqual(
      json.findings.filter((f) => f.file.endsWith('values.yaml')).map((f) => [f.line, f.rule, f.reference]),
      [[11, 'unpinned-image', 'ghcr.io/stefanprodan/podinfo:6.14.1']],
    );
    assert.ok(!json.findings.some((f) => f.file.endsWith(path.join('tests', 'fail.yaml'))));
    assert.ok(!json.findings.some((f) => f.file.endsWith(path.join('redis', 'deployment.yaml'))));
    assert.deepEqual(
      json.skipped.filter((s) => /template/.test(s.reason)),
      [],
    );
  });

  const ROOT_CHART = {
    'Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
    'values.yaml': 'image: nginx@sha256:' + 'a'.repeat(64) + '\npodSecurityContext: {}\nsecurityContext:\n  runAsUser: 1000\n',
    'templates/deployment.yaml': [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: {{ .Release.Name }}',
      'spec:',
      '  template:',
      '    spec:',
      '      securityContext:',
      '        {{- toYaml .Values.podSecurityContext | nindent 8 }}',
      '      containers:',
      '        - name: {{ .Chart.Name }}',
      '          image: {{ .Values.image }}',
      '          securityContext:',
      '            {{- toYaml .Values.securityContext | nindent 12 }}',
      '        - name: sidecar',
      '          image: {{ .Values.image }}',
      '',
    ].join('\n'),
  };
  const rootUsers = (report: ScanReport, root: string) =>
    report.files.flatMap((f) =>
      f.result.findings
        .filter((x) => x.rule === 'root-user')
        .map((x) => [path.relative(root, path.resolve(f.file)), x.range.start.line + 1, x.reason, x.message.replace(/[:.(].*$/, '')]),
    );

  test('root-user on what helm renders: a container without runAsUser or runAsNonRoot is implicit root on its template line; one that sets a user is not', async () => {
    const root = await tree(ROOT_CHART);
    const report = await scanPaths([root]);
    assert.deepEqual(rootUsers(report, root), [['templates/deployment.yaml', 15, 'implicit', 'Container `sidecar` may run as root']]);
  });

  test("root-user from the values: runAsUser 0 (written with toYaml) and runAsNonRoot false in the user's values file are found on those values lines", async () => {
    const root = await tree({
      ...ROOT_CHART,
      'values.yaml': ROOT_CHART['values.yaml'].replace('runAsUser: 1000', 'runAsUser: 0'),
      'prod.yaml': 'podSecurityContext:\n  runAsNonRoot: false\n',
    });
    const report = await scanPaths([root], { analyze: { helm: { valuesFiles: [path.join(root, 'prod.yaml')] } } });
    assert.deepEqual(rootUsers(report, root), [
      ['prod.yaml', 2, 'implicit', 'Container `sidecar` may run as root'],
      ['values.yaml', 4, 'explicit', 'Container `web` runs as root '],
    ]);
  });

  test('root-user on the corpus charts as helm template renders them: bitnami redis and postgresql set runAsUser 1001 in values (none); podinfo sets none (implicit, on the container lines of its templates)', async () => {
    for (const chart of ['charts/redis', 'charts/postgresql']) {
      const root = corpusPath(chart);
      assert.deepEqual(rootUsers(await scanPaths([root]), root), [], chart);
    }
    const podinfo = corpusPath('realworld/podinfo/charts/podinfo');
    assert.deepEqual(
      rootUsers(await scanPaths([podinfo]), podinfo).map(([file, line, reason]) => [file, line, reason]),
      [
        ['templates/deployment.yaml', 38, 'implicit'],
        ['templates/tests/grpc.yaml', 16, 'implicit'],
        ['templates/tests/jwt.yaml', 16, 'implicit'],
        ['templates/tests/service.yaml', 16, 'implicit'],
      ],
    );
  });

  test('a chart template that needs no rendering is judged once, not by its own analysis and again as rendered', async () => {
    const root = await tree({
      ...ROOT_CHART,
      'templates/deployment.yaml': DEPLOYMENT.replace('      securityContext: {runAsNonRoot: true}\n', ''),
    });
    assert.deepEqual(rootUsers(await scanPaths([root]), root), [
      ['templates/deployment.yaml', 8, 'implicit', 'Container `web` may run as root'],
    ]);
  });

  test("a parent's override: each subchart image is found on the line that decides it, and the finding says where its digest goes", async () => {
    const root = path.resolve(__dirname, '..', '..', 'fixtures', 'charts', 'parent-override');
    const report = await scanPaths([root]);
    assert.deepEqual(
      report.files.flatMap((f) =>
        f.result.findings.map((x) => [
          path.relative(root, path.resolve(f.file)),
          x.range.start.line + 1,
          x.reference,
          x.message.replace(/^.*\. /, ''),
        ]),
      ),
      [
        [
          'charts/sub/values.yaml',
          3,
          'registry.example/mirror/nginx:1.0',
          "The chart reads a digest, which the parent's values decide: set `digest: sha256:…` under `other.image` in ../../values.yaml.",
        ],
        ['values.yaml', 2, 'docker.io/library/nginx:1.27', 'The chart reads a digest: set `digest: sha256:…` beside it.'],
      ],
    );
  });

  test('pinning a chart: digest: where the chart reads one, the tag where it feeds one image, nothing otherwise', async () => {
    const root = await tree({
      'Chart.yaml': 'apiVersion: v2\nname: app\nversion: 1.0.0\nappVersion: "2.0"\n',
      'values.yaml':
        'web:\n  repository: nginx\n  tag: "1.27"\n  digest: ""\napi:\n  repository: ghcr.io/acme/api\n  tag: 3.1.0\nworker:\n  repository: ghcr.io/acme/worker\n',
      'templates/web.yaml': [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: web}',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '        - name: web',
        '          image: "{{ .Values.web.repository }}:{{ .Values.web.tag }}{{ if .Values.web.digest }}@{{ .Values.web.digest }}{{ end }}"',
        '        - name: api',
        '          image: "{{ .Values.api.repository }}:{{ .Values.api.tag }}"',
        '        - name: worker',
        '          image: "{{ .Values.worker.repository }}:{{ .Chart.AppVersion }}"',
        '',
      ].join('\n'),
    });
    const report = await scanPaths([root]);
    const valuesFile = report.files.find((f) => f.file.endsWith('values.yaml'))!;
    const templateFile = report.files.find((f) => f.file.endsWith('web.yaml'))!;
    const images = [...valuesFile.result.images, ...templateFile.result.images].filter((i) => i.source === 'helm');
    assert.deepEqual(
      images.map((i) => [i.resolved, i.helm.pin.kind]),
      [
        ['nginx:1.27', 'digest'],
        ['ghcr.io/acme/api:3.1.0', 'tag'],
        ['ghcr.io/acme/worker:2.0', 'none'],
      ],
    );
    const text = await fs.readFile(path.resolve(valuesFile.file), 'utf8');
    const { changes, refused } = pinEdits(
      valuesFile.result.images.filter((i) => i.source === 'helm'),
      () => DIGEST,
      { file: path.resolve(valuesFile.file), text },
    );
    assert.deepEqual(
      refused.map((r) => [r.image.resolved, r.why]),
      [['ghcr.io/acme/worker:2.0', 'the tag comes from .Chart.AppVersion']],
    );
    assert.equal(
      applyEdits(
        text,
        changes.map((c) => c.edit),
      ),
      `web:\n  repository: nginx\n  tag: "1.27"\n  digest: "${DIGEST}"\napi:\n  repository: ghcr.io/acme/api\n  tag: 3.1.0@${DIGEST}\nworker:\n  repository: ghcr.io/acme/worker\n`,
    );
    const worker = report.files.flatMap((f) => f.result.findings).find((f) => f.reference === 'ghcr.io/acme/worker:2.0');
    assert.ok(worker, 'the worker image is reported');
  });

  test("pinning a chart that reads a sha (kube-prometheus-stack's template): the hex digest goes into sha:, and the dead sha branch makes no finding", async () => {
    const root = await tree({
      'Chart.yaml': 'apiVersion: v2\nname: app\nversion: 1.0.0\nappVersion: v0.93.1\n',
      'values.yaml':
        'prometheusOperator:\n  image:\n    registry: quay.io\n    repository: prometheus-operator/prometheus-operator\n    tag: ""\n    sha: ""\n',
      'templates/deployment.yaml': [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: operator}',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '        - name: operator',
        '          {{- $registry := .Values.prometheusOperator.image.registry }}',
        '          {{- if .Values.prometheusOperator.image.sha }}',
        '          image: "{{ $registry }}/{{ .Values.prometheusOperator.image.repository }}:{{ .Values.prometheusOperator.image.tag | default .Chart.AppVersion }}@sha256:{{ .Values.prometheusOperator.image.sha }}"',
        '          {{- else }}',
        '          image: "{{ $registry }}/{{ .Values.prometheusOperator.image.repository }}:{{ .Values.prometheusOperator.image.tag | default .Chart.AppVersion }}"',
        '          {{- end }}',
        '',
      ].join('\n'),
    });
    const report = await scanPaths([root]);
    assert.deepEqual(
      report.files.flatMap((f) =>
        f.result.findings
          .filter((finding) => finding.rule !== 'root-user')
          .map((finding) => [path.basename(f.file), finding.rule, finding.message.includes('sha:')]),
      ),
      [['values.yaml', 'unpinned-image', true]],
    );
    const valuesFile = report.files.find((f) => f.file.endsWith('values.yaml'))!;
    const images = valuesFile.result.images.filter((i) => i.source === 'helm');
    assert.deepEqual(
      images.map((i) => [i.resolved, i.helm.pin.kind, i.helm.pin.kind === 'digest' && i.helm.pin.field]),
      [['quay.io/prometheus-operator/prometheus-operator:v0.93.1', 'digest', 'sha']],
    );
    const text = await fs.readFile(path.resolve(valuesFile.file), 'utf8');
    const { changes, refused } = pinEdits(images, () => DIGEST, { file: path.resolve(valuesFile.file), text });
    assert.deepEqual(refused, []);
    assert.equal(
      applyEdits(
        text,
        changes.map((c) => c.edit),
      ),
      text.replace('sha: ""', `sha: "${DIGEST.replace('sha256:', '')}"`),
    );
  });

  test("a chart image that cannot be made is named once; a placeholder the chart writes (Istio's `auto`) is said as one", async () => {
    const root = await tree({
      'Chart.yaml': 'apiVersion: v2\nname: gateway\nversion: 1.0.0\n',
      'values.yaml': 'image: auto\n',
      'templates/deployment.yaml': [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: {{ .Release.Name }}}',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '        - name: istio-proxy',
        '          image: {{ .Values.image }}',
        '        - name: extra',
        '          image: {{ .Values.extra.image | required "set extra.image" }}',
        '',
      ].join('\n'),
    });
    const findings = (await scanPaths([root])).files.flatMap((f) => f.result.findings).filter((f) => f.rule === 'unresolved-image');
    assert.deepEqual(
      findings.map((f) => f.message).sort(),
      [
        "`auto` is a placeholder, which Istio's injector replaces with its proxy image when the pod is created, so the image is unknown here.",
        'The chart\'s image `{{ .Values.extra.image | required "set extra.image" }}` could not be resolved against its values.yaml, so it is not checked.',
      ].sort(),
    );
  });
});
