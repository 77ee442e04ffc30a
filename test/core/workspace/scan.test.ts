// scanPaths as the editor runs it: open documents stand for their files (unsaved text wins over
// the disk, for the scanned files and for the env files, kustomizations and charts around them),
// `exclude` leaves files out, and the size limit holds for a document as for a file.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { scanPaths, type ScanReport } from '../../../src/core/index.js';
import { tempTree } from '../../support/tree.js';

const tree = (files: Readonly<Record<string, string>>) => tempTree(files, 'shipshape-scan-');

/** Each finding as `file:line rule reason`, the file relative to the root. */
function findings(report: ScanReport, root: string): string[] {
  return report.files.flatMap(({ file, result }) =>
    result.findings.map(
      (f) => `${path.relative(root, path.resolve(file)).split(path.sep).join('/')}:${f.range.start.line + 1} ${f.rule} ${f.reason ?? ''}`,
    ),
  );
}

const POD =
  'apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  securityContext: {runAsNonRoot: true}\n  containers:\n    - name: web\n      image: nginx:1.27\n';

describe('scanPaths with open documents', () => {
  test("a document's unsaved text is what is analysed, the same as if it were saved", async () => {
    const saved = 'FROM alpine:3.20\nUSER 1000\n';
    const root = await tree({ Dockerfile: 'FROM alpine:latest\n', 'k8s/pod.yaml': POD });
    const withDocument = await scanPaths([root], { documents: new Map([[path.join(root, 'Dockerfile'), saved]]) });
    const onDisk = await tree({ Dockerfile: saved, 'k8s/pod.yaml': POD });
    assert.deepEqual(findings(withDocument, root), findings(await scanPaths([onDisk]), onDisk));
    assert.deepEqual(findings(withDocument, root), [
      'Dockerfile:1 unpinned-image mutable-tag',
      'k8s/pod.yaml:8 unpinned-image mutable-tag',
    ]);
  });

  test('an unsaved .env and an unsaved kustomization are read before the disk', async () => {
    const root = await tree({
      'app/.env': 'TAG=1.0\n',
      'app/compose.yaml': 'services:\n  app:\n    image: registry.lan/app:${TAG}\n    user: "1000"\n',
      'base/pod.yaml': POD,
      'base/kustomization.yaml': 'resources:\n  - pod.yaml\n',
      'prod/kustomization.yaml': 'resources:\n  - ../base\nimages:\n  - name: nginx\n    newTag: "1.27"\n',
    });
    const documents = new Map([
      [path.join(root, 'app/.env'), 'TAG=latest\n'],
      [path.join(root, 'prod/kustomization.yaml'), 'resources:\n  - ../base\nimages:\n  - name: nginx\n    newTag: latest\n'],
    ]);
    const report = await scanPaths([root], { documents });
    const all = findings(report, root);
    assert.ok(all.includes('app/compose.yaml:3 unpinned-image latest'), all.join('\n'));
    assert.ok(all.includes('prod/kustomization.yaml:4 unpinned-image latest'), all.join('\n'));
  });

  test('the size limit holds for a document as for a file', async () => {
    const root = await tree({ Dockerfile: 'FROM alpine:latest\n' });
    const report = await scanPaths([root], {
      maxFileBytes: 64,
      documents: new Map([[path.join(root, 'Dockerfile'), `FROM alpine:latest\n${'# a comment\n'.repeat(10)}`]]),
    });
    assert.deepEqual(report.files, []);
    assert.match(report.skipped[0]!.reason, /^larger than 64 bytes/);
  });
});

describe('scanPaths with exclude', () => {
  test('files in excluded folders are not analysed, and nothing the project decides is placed in them', async () => {
    const root = await tree({
      Dockerfile: 'FROM alpine:latest\nUSER 1000\n',
      'vendor/Dockerfile': 'FROM debian:latest\n',
      'vendor/base/pod.yaml': POD,
      'vendor/base/kustomization.yaml': 'resources:\n  - pod.yaml\n',
      'prod/kustomization.yaml': 'resources:\n  - ../vendor/base\nimages:\n  - name: nginx\n    newTag: latest\n',
    });
    const everything = findings(await scanPaths([root]), root);
    assert.ok(
      everything.some((f) => f.startsWith('vendor/')),
      'without exclude, vendor/ has findings',
    );
    const report = await scanPaths([root], { exclude: ['**/vendor/**'] });
    assert.deepEqual(findings(report, root), ['Dockerfile:1 unpinned-image latest', 'prod/kustomization.yaml:4 unpinned-image latest']);
    assert.ok(!report.files.some((f) => f.file.includes(`${path.sep}vendor${path.sep}`)));
  });

  test('a pattern relative to the scanned folder (`vendor/**`) excludes as `**/vendor/**` does there', async () => {
    const root = await tree({ Dockerfile: 'FROM alpine:latest\nUSER 1000\n', 'vendor/Dockerfile': 'FROM debian:latest\n' });
    const report = await scanPaths([root], { exclude: ['vendor/**'] });
    assert.deepEqual(findings(report, root), ['Dockerfile:1 unpinned-image latest']);
  });

  test('a path given by name is scanned whatever the patterns say', async () => {
    const root = await tree({ 'vendor/Dockerfile': 'FROM debian:latest\n' });
    const report = await scanPaths([path.join(root, 'vendor/Dockerfile')], { exclude: ['**/vendor/**'] });
    assert.equal(report.files.length, 1);
  });
});
