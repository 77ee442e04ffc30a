// The JSON report: the contract for tools (version 3).

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { scanPaths, toJsonReport, type JsonReport } from '../../../src/core/index.js';
import { BROKEN, COMPOSE, DIGEST, IMAGE_ID, KUBERNETES, MULTI_STAGE, scan, STATUSES, withoutMessage } from '../../support/reports.js';

describe('the JSON report', () => {
  test('has exactly version, analysed, images, findings, errors and skipped', async () => {
    const { root, report } = await scan({
      Dockerfile: 'FROM nginx:1.27\n',
      'notes.yaml': 'a: 1\n',
      'logo.Dockerfile': Buffer.from([0, 1, 2]),
    });
    const json = toJsonReport(report);
    assert.deepEqual(Object.keys(json), ['version', 'analysed', 'images', 'findings', 'errors', 'skipped']);
    assert.equal(json.version, 3);
    // Which files were read and what they hold; which were not, and why.
    assert.deepEqual(json.analysed, [
      { file: path.join(root, 'Dockerfile'), sources: ['dockerfile'] },
      { file: path.join(root, 'notes.yaml'), sources: [] },
    ]);
    assert.deepEqual(json.skipped, [{ file: path.join(root, 'logo.Dockerfile'), reason: 'binary file: skipped' }]);
    // It is plain data: it survives JSON unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
  });

  test('Dockerfile images: location, reference, stage and via; findings with their reference', async () => {
    const { root, report } = await scan({ Dockerfile: MULTI_STAGE });
    const file = path.join(root, 'Dockerfile');
    const json: JsonReport = toJsonReport(report);
    assert.deepEqual(json.images, [
      {
        file,
        line: 1,
        column: 6,
        endLine: 1,
        endColumn: 17,
        raw: 'golang:1.23',
        reference: 'docker.io/library/golang:1.23',
        pinned: false,
        source: 'dockerfile',
        status: 'image',
        name: 'docker.io/library/golang',
        tag: '1.23',
        stage: { index: 0, name: 'build' },
        via: 'from',
      },
      {
        file,
        line: 3,
        column: 6,
        endLine: 3,
        endColumn: 17,
        raw: 'alpine:3.20',
        reference: 'docker.io/library/alpine:3.20',
        pinned: false,
        source: 'dockerfile',
        status: 'image',
        name: 'docker.io/library/alpine',
        tag: '3.20',
        stage: { index: 1 },
        via: 'from',
      },
      {
        file,
        line: 5,
        column: 13,
        endLine: 5,
        endColumn: 25,
        raw: 'busybox:1.36',
        reference: 'docker.io/library/busybox:1.36',
        pinned: false,
        source: 'dockerfile',
        status: 'image',
        name: 'docker.io/library/busybox',
        tag: '1.36',
        stage: { index: 1 },
        via: 'copy-from',
      },
    ]);
    assert.deepEqual(json.findings.map(withoutMessage), [
      {
        rule: 'unpinned-image',
        reason: 'mutable-tag',
        severity: 'info',
        file,
        line: 1,
        column: 6,
        endLine: 1,
        endColumn: 17,
        reference: 'docker.io/library/golang:1.23',
        raw: 'golang:1.23',
      },
      {
        rule: 'unpinned-image',
        reason: 'mutable-tag',
        severity: 'info',
        file,
        line: 3,
        column: 6,
        endLine: 3,
        endColumn: 17,
        reference: 'docker.io/library/alpine:3.20',
        raw: 'alpine:3.20',
      },
      {
        rule: 'unpinned-image',
        reason: 'mutable-tag',
        severity: 'info',
        file,
        line: 5,
        column: 13,
        endLine: 5,
        endColumn: 25,
        reference: 'docker.io/library/busybox:1.36',
        raw: 'busybox:1.36',
      },
    ]);
    for (const finding of json.findings) {
      assert.match(finding.message, new RegExp(`\`${finding.raw!.replace('.', '\\.')}\` is not pinned`));
      // Findings join the images by reference.
      assert.ok(json.images.some((i) => i.reference === finding.reference && i.line === finding.line));
    }
    assert.deepEqual(json.errors, []);
    assert.deepEqual(json.skipped, []);
  });

  test('reference is null when unresolved, invalid, scratch or a stage; an image ID is its own reference', async () => {
    const { root, report } = await scan({ Dockerfile: STATUSES });
    const file = path.join(root, 'Dockerfile');
    const json = toJsonReport(report);
    const problem = json.images.find((i) => i.status === 'invalid')?.problem;
    assert.ok(problem !== undefined && /lowercase/.test(problem), `invalid images say why: ${problem}`);
    assert.deepEqual(json.images, [
      {
        file,
        line: 2,
        column: 6,
        endLine: 2,
        endColumn: 19,
        raw: 'alpine:${TAG}',
        reference: null,
        pinned: false,
        source: 'dockerfile',
        status: 'unresolved',
        stage: { index: 0, name: 'a' },
        via: 'from',
        unresolvedVariables: ['TAG'],
      },
      {
        file,
        line: 3,
        column: 6,
        endLine: 3,
        endColumn: 6 + `nginx:1.27@${DIGEST}`.length,
        raw: `nginx:1.27@${DIGEST}`,
        reference: `docker.io/library/nginx:1.27@${DIGEST}`,
        pinned: true,
        source: 'dockerfile',
        status: 'image',
        name: 'docker.io/library/nginx',
        tag: '1.27',
        digest: DIGEST,
        stage: { index: 1, name: 'b' },
        via: 'from',
      },
      {
        file,
        line: 4,
        column: 6,
        endLine: 4,
        endColumn: 6 + IMAGE_ID.length,
        raw: IMAGE_ID,
        reference: IMAGE_ID,
        pinned: true,
        source: 'dockerfile',
        status: 'id',
        stage: { index: 2, name: 'c' },
        via: 'from',
      },
      {
        file,
        line: 5,
        column: 6,
        endLine: 5,
        endColumn: 13,
        raw: 'Nginx:1',
        reference: null,
        pinned: false,
        source: 'dockerfile',
        status: 'invalid',
        stage: { index: 3, name: 'd' },
        via: 'from',
        problem,
      },
      {
        file,
        line: 6,
        column: 6,
        endLine: 6,
        endColumn: 13,
        raw: 'scratch',
        reference: null,
        pinned: false,
        source: 'dockerfile',
        status: 'scratch',
        stage: { index: 4, name: 'e' },
        via: 'from',
      },
      {
        file,
        line: 7,
        column: 6,
        endLine: 7,
        endColumn: 7,
        raw: 'a',
        reference: null,
        pinned: false,
        source: 'dockerfile',
        status: 'stage',
        stage: { index: 5 },
        via: 'from',
      },
    ]);
    const rules = json.findings.map((f) => `${f.rule}@${f.line}:${f.column}`);
    assert.ok(rules.includes('unresolved-image@2:6'), rules.join());
    assert.ok(rules.includes('invalid-reference@5:6'), rules.join());
    const invalid = json.findings.find((f) => f.rule === 'invalid-reference')!;
    assert.equal(invalid.severity, 'error');
    assert.equal(invalid.reason, undefined, 'a rule without variants has no reason');
    assert.equal(invalid.reference, null);
    assert.equal(invalid.raw, 'Nginx:1');
  });

  test('Kubernetes images: workload (kind, name, namespace, document) and container (name, type)', async () => {
    const { root, report } = await scan({ 'app.yaml': KUBERNETES });
    const file = path.join(root, 'app.yaml');
    const json = toJsonReport(report);
    const workload = { kind: 'Deployment', name: 'web', namespace: 'shop', document: 1 };
    assert.deepEqual(json.images, [
      {
        file,
        line: 18,
        column: 18,
        endLine: 18,
        endColumn: 30,
        raw: 'busybox:1.36',
        reference: 'docker.io/library/busybox:1.36',
        pinned: false,
        source: 'kubernetes',
        status: 'image',
        name: 'docker.io/library/busybox',
        tag: '1.36',
        workload,
        container: { name: 'init', type: 'initContainers' },
      },
      {
        file,
        line: 21,
        column: 19,
        endLine: 21,
        endColumn: 39,
        raw: 'ghcr.io/acme/web:2.1',
        reference: 'ghcr.io/acme/web:2.1',
        pinned: false,
        source: 'kubernetes',
        status: 'image',
        name: 'ghcr.io/acme/web',
        tag: '2.1',
        workload,
        container: { name: 'app', type: 'containers' },
      },
    ]);
    assert.deepEqual(json.findings.map(withoutMessage), [
      {
        rule: 'unpinned-image',
        reason: 'mutable-tag',
        severity: 'info',
        file,
        line: 18,
        column: 18,
        endLine: 18,
        endColumn: 30,
        reference: 'docker.io/library/busybox:1.36',
        raw: 'busybox:1.36',
      },
      {
        rule: 'unpinned-image',
        reason: 'mutable-tag',
        severity: 'info',
        file,
        line: 21,
        column: 19,
        endLine: 21,
        endColumn: 39,
        reference: 'ghcr.io/acme/web:2.1',
        raw: 'ghcr.io/acme/web:2.1',
      },
      {
        rule: 'root-user',
        reason: 'explicit',
        severity: 'warning',
        file,
        line: 23,
        column: 24,
        endLine: 23,
        endColumn: 25,
        reference: 'ghcr.io/acme/web:2.1',
        raw: 'ghcr.io/acme/web:2.1',
      },
    ]);
    assert.match(json.findings[2]!.message, /`app`.*runAsUser: 0/);
  });

  test('Compose images: service, platform, and built services', async () => {
    const { root, report } = await scan({ 'compose.yaml': COMPOSE });
    const file = path.join(root, 'compose.yaml');
    const json = toJsonReport(report);
    assert.deepEqual(json.images, [
      {
        file,
        line: 3,
        column: 12,
        endLine: 3,
        endColumn: 22,
        raw: 'nginx:1.27',
        reference: 'docker.io/library/nginx:1.27',
        pinned: false,
        source: 'compose',
        status: 'image',
        name: 'docker.io/library/nginx',
        tag: '1.27',
        platform: 'linux/arm64',
        service: 'web',
      },
      {
        file,
        line: 7,
        column: 12,
        endLine: 7,
        endColumn: 24,
        raw: 'acme/api:dev',
        reference: 'docker.io/acme/api:dev',
        pinned: false,
        source: 'compose',
        status: 'image',
        name: 'docker.io/acme/api',
        tag: 'dev',
        service: 'api',
        built: true,
      },
    ]);
    // A service that builds its own image is not asked to pin it.
    assert.deepEqual(
      json.findings.map((f) => `${f.rule}@${f.line}`),
      ['unpinned-image@3'],
    );
  });

  test('columns count UTF-16 code units and endColumn is exclusive', async () => {
    const text = 'services: {"😀é": {image: nginx:1.27}}\n';
    const { report } = await scan({ 'compose.yaml': text });
    const [image] = toJsonReport(report).images;
    assert.ok(image);
    const before = 'services: {"😀é": {image: ';
    assert.equal(before.length, 26, '😀 is two UTF-16 code units');
    assert.deepEqual([image.line, image.column, image.endLine, image.endColumn], [1, 27, 1, 37]);
    assert.equal(text.split('\n')[0]!.slice(image.column - 1, image.endColumn - 1), 'nginx:1.27');
  });

  test('every image range covers exactly its raw text (1-based, end exclusive)', async () => {
    const files = { Dockerfile: MULTI_STAGE, 'x.Dockerfile': STATUSES, 'app.yaml': KUBERNETES, 'compose.yaml': COMPOSE };
    const { root, report } = await scan(files);
    const json = toJsonReport(report);
    assert.equal(json.images.length, 13);
    for (const image of json.images) {
      const text = files[path.relative(root, image.file) as keyof typeof files];
      assert.equal(image.line, image.endLine);
      const line = text.split('\n')[image.line - 1]!;
      assert.equal(line.slice(image.column - 1, image.endColumn - 1), image.raw, `${image.file}:${image.line}`);
    }
  });

  test('errors: file, line and message; unreadable paths have no line', async () => {
    const { root, report } = await scan({ 'compose.yaml': BROKEN });
    const missing = path.join(root, 'missing');
    const withMissing = await scanPaths([root, missing]);
    const json = toJsonReport(withMissing);
    assert.equal(json.errors.length, 2);
    const [syntax, io] = json.errors;
    assert.deepEqual(withoutMessage(syntax!), { file: path.join(root, 'compose.yaml'), line: 4 });
    assert.match(syntax!.message, /YAML syntax error in document 1/);
    assert.deepEqual(io, { file: missing, message: 'no such file or folder' });
    assert.deepEqual(toJsonReport(report).errors.map(withoutMessage), [{ file: path.join(root, 'compose.yaml'), line: 4 }]);
  });

  test('skipped: file and reason for binary files, oversized files and templates', async () => {
    const { root, report } = await scan(
      {
        Dockerfile: Buffer.from('FROM nginx\n\0\0'),
        'big.yaml': `services:\n  a:\n    image: nginx\n${'#'.repeat(200)}\n`,
        'chart/deployment.yaml':
          'apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - image: {{ .Values.image }}\n',
      },
      { maxFileBytes: 150 },
    );
    const json = toJsonReport(report);
    assert.deepEqual(json.images, []);
    assert.deepEqual(json.skipped.map((s) => path.relative(root, s.file).split(path.sep).join('/')).sort(), [
      'Dockerfile',
      'big.yaml',
      'chart/deployment.yaml',
    ]);
    const reason = (name: string) => json.skipped.find((s) => s.file === path.join(root, ...name.split('/')))!.reason;
    assert.match(reason('Dockerfile'), /binary/);
    assert.match(reason('big.yaml'), /larger than 150 bytes/);
    assert.match(reason('chart/deployment.yaml'), /template/);
  });
  test('every path is relative to the folder the scan was asked from: files, chart, template, kustomization, origin, errors, reasons', async () => {
    const { root, report } = await scan({
      'chart/Chart.yaml': 'apiVersion: v2\nname: c\nversion: 1.0.0\n',
      'chart/values.yaml': 'image:\n  repository: registry.k8s.io/Foo\n  tag: v0.34.0\n',
      'chart/templates/pod.yaml':
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  containers:\n    - name: a\n      image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n',
      'app/kustomization.yaml': 'resources:\n  - deploy.yaml\n  - gone.yaml\nimages:\n  - {name: nginx, newTag: "1.28"}\n',
      'app/deploy.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - {name: a, image: nginx:1.27}\n',
    });
    const json = toJsonReport(report, { base: root });
    const paths = [
      ...json.analysed.map((a) => a.file),
      ...json.images.flatMap((i) => [i.file, i.chart, i.template?.file, i.kustomization, i.origin?.file]),
      ...json.findings.map((f) => f.file),
      ...json.errors.map((e) => e.file),
      ...json.skipped.map((s) => s.file),
    ].filter((p): p is string => p !== undefined);
    assert.ok(paths.length > 10);
    assert.deepEqual(
      paths.filter((p) => path.isAbsolute(p)),
      [],
    );
    const chart = json.images.find((i) => i.source === 'helm')!;
    assert.deepEqual(
      [chart.file, chart.chart, chart.template?.file],
      [path.join('chart', 'values.yaml'), 'chart', path.join('chart', 'templates', 'pod.yaml')],
    );
    const kustomize = json.images.find((i) => i.source === 'kustomize')!;
    assert.deepEqual([kustomize.kustomization, kustomize.origin?.file], ['app', path.join('app', 'deploy.yaml')]);
    assert.deepEqual(
      json.errors.map((e) => e.file),
      [path.join('app', 'kustomization.yaml')],
    );
    // Nothing of the folder's absolute path is left in any text either.
    assert.ok(!JSON.stringify(json).includes(root), JSON.stringify(json, null, 1));
    // The message names the reference the chart built, not only the value on its line.
    const invalid = json.findings.find((f) => f.rule === 'invalid-reference')!;
    assert.equal(invalid.file, path.join('chart', 'values.yaml'));
    assert.equal(
      invalid.message,
      '`registry.k8s.io/Foo:v0.34.0` (built from `v0.34.0` here) is not a valid image reference: the repository name must be lowercase.',
    );
    // Outside the base folder, a path stays absolute.
    const fromApp = toJsonReport(report, { base: path.join(root, 'app') }).analysed.map((a) => a.file);
    assert.ok(fromApp.includes('deploy.yaml'));
    assert.ok(fromApp.includes(path.join(root, 'chart', 'Chart.yaml')));
  });

  test('one entry per cause: an error or a note several roots repeat is said once, on the file it concerns', async () => {
    const base = 'resources:\n  - deploy.yaml\n  - https://github.com/acme/remote/manifests?ref=v1\npatches:\n  - path: patch.yaml\n';
    const overlay = (name: string) => `resources:\n  - ../base\nnamePrefix: ${name}-\n`;
    const { root, report } = await scan({
      'base/kustomization.yaml': base,
      'base/deploy.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - {name: a, image: nginx:1.27}\n',
      'base/patch.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: absent}\nspec: {}\n',
      'one/kustomization.yaml': overlay('one'),
      'two/kustomization.yaml': overlay('two'),
      'three/kustomization.yaml': overlay('three'),
    });
    const json = toJsonReport(report, { base: root });
    const once = (keys: readonly string[]) => assert.deepEqual([...new Set(keys)], keys);
    // The patch matches nothing because the remote resource is left out: one cause, so no error of its own.
    assert.deepEqual(json.errors, []);
    assert.ok(json.skipped.length > 0, JSON.stringify(json, null, 1));
    once(json.skipped.map((s) => `${s.file} ${s.reason}`));
    // The remote resource is the base's: said there, once, not once per overlay that includes it, with what follows from it.
    const remote = json.skipped.filter((s) => /remote resource/.test(s.reason));
    assert.deepEqual(
      remote.map((s) => s.file),
      [path.join('base', 'kustomization.yaml')],
    );
    assert.match(remote[0]!.reason, /a patch here matches no resource \(Pod\.v1\.\[noGrp\]\/absent/);
  });
});
