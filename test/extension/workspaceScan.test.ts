// The editor's workspace scan without the editor: a folder's scan options from its settings and
// open documents, run through the core's scanPaths, give the diagnostics `shipshape scan` gives
// for the same files saved, and the folder's `exclude` and size limit hold.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { scanPaths, type JsonReport } from '../../src/core/index.js';
import { readAnalysisSettings } from '../../src/extension/settings.js';
import { folderScanOptions, reportDiagnostics } from '../../src/extension/workspaceScan.js';
import { runCli } from '../support/cli.js';
import { tempTree } from '../support/tree.js';

const tree = (files: Readonly<Record<string, string>>) => tempTree(files, 'shipshape-workspace-scan-');
const settings = (values: Record<string, unknown> = {}) => readAnalysisSettings((key) => values[key]);

const POD = 'apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27\n';
const FILES = {
  Dockerfile: 'FROM alpine:latest\n',
  'app/.env': 'TAG=1.0\n',
  'app/compose.yaml': 'services:\n  app:\n    image: registry.lan/app:${TAG}\n',
  'base/pod.yaml': POD,
  'base/kustomization.yaml': 'resources:\n  - pod.yaml\n',
  'prod/kustomization.yaml': 'resources:\n  - ../base\nimages:\n  - name: nginx\n    newTag: "1.27"\n',
  'chart/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'chart/values.yaml': 'image:\n  repository: nginx\n  tag: "1.27"\n',
  'chart/templates/deployment.yaml':
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n',
};
/** What the editor holds, unsaved: a Dockerfile, an env file, a kustomization and a chart's values. */
const UNSAVED = {
  Dockerfile: 'FROM alpine:3.20\nUSER 1000\n',
  'app/.env': 'TAG=latest\n',
  'prod/kustomization.yaml': 'resources:\n  - ../base\nimages:\n  - name: nginx\n    newTag: latest\n',
  'chart/values.yaml': 'image:\n  repository: nginx\n  tag: latest\n',
};

/** `file:line rule message` of every finding, the file relative to its root. */
const line = (root: string, file: string, at: number, rule: string | undefined, message: string) =>
  `${path.relative(root, file).split(path.sep).join('/')}:${at} ${rule ?? 'error'} ${message}`;

describe("the editor's workspace scan", () => {
  test('with unsaved documents, it finds what `shipshape scan` finds once they are saved', async () => {
    const root = await tree(FILES);
    const documents = new Map(Object.entries(UNSAVED).map(([name, text]) => [path.join(root, name), text]));
    const folder = settings();
    const report = await scanPaths(
      [root],
      folderScanOptions({ folder: root, settings: folder, envFiles: [], documents, processEnv: process.env }),
    );
    const editor = [...reportDiagnostics(report, folder.analyze)]
      .flatMap(([file, diagnostics]) => diagnostics.map((d) => line(root, file, d.range.start.line + 1, d.code, d.message)))
      .sort();

    const saved = await tree({ ...FILES, ...UNSAVED });
    const run = await runCli(['scan', '--offline', '--fail-on', 'none', '--format', 'json', saved]);
    assert.equal(run.code, 0, run.stderr);
    const cli = (JSON.parse(run.stdout) as JsonReport).findings.map((f) => line(saved, f.file, f.line, f.rule, f.message)).sort();

    assert.deepEqual(editor, cli);
    // The unsaved texts were read: each decides a finding the disk would not give.
    for (const expected of [
      'app/compose.yaml:3 unpinned-image',
      'prod/kustomization.yaml:4 unpinned-image',
      'chart/values.yaml:3 unpinned-image',
    ])
      assert.ok(
        editor.some((d) => d.startsWith(expected) && /latest/.test(d)),
        `${expected} in ${editor.join('\n')}`,
      );
    assert.deepEqual(
      editor.filter((d) => d.startsWith('Dockerfile:')).map((d) => d.split(' ').slice(0, 3).join(' ')),
      ['Dockerfile:1 unpinned-image `alpine:3.20`'],
    );
  });

  test("a folder's exclude and size limit hold", async () => {
    const root = await tree({ ...FILES, 'vendor/Dockerfile': 'FROM debian:latest\n' });
    const folder = settings({ exclude: ['**/vendor/**', '**/chart/**'], 'analysis.maxFileSize': 0.00001 });
    const report = await scanPaths(
      [root],
      folderScanOptions({ folder: root, settings: folder, envFiles: [], documents: new Map(), processEnv: {} }),
    );
    const files = [...reportDiagnostics(report, folder.analyze).keys()].map((f) => path.relative(root, f).split(path.sep).join('/'));
    assert.ok(!files.some((f) => f.startsWith('vendor/') || f.startsWith('chart/')), files.join(', '));
    // 0.00001 MB is 10 bytes: only files that small are read.
    assert.ok(report.skipped.some((s) => s.path.endsWith('Dockerfile') && /^larger than 10 bytes/.test(s.reason)));
  });

  test("a folder's env files are read from the folder, not from where the editor runs", async () => {
    const root = await tree({ ...FILES, 'config/release.env': 'TAG=2.0\n' });
    const folder = settings();
    const report = await scanPaths(
      [root],
      folderScanOptions({ folder: root, settings: folder, envFiles: ['config/release.env'], documents: new Map(), processEnv: {} }),
    );
    const compose = report.files.find((f) => f.file.endsWith('compose.yaml'))!;
    assert.deepEqual(
      compose.result.images.map((i) => i.resolved),
      ['registry.lan/app:2.0'],
    );
  });
});
