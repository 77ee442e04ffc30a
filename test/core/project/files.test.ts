// What project analysis may read: in a workspace the editor does not trust, only the workspace's
// own files, however a kustomization names a folder and wherever a link points.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { confinedFiles, diskFiles, overlayFiles } from '../../../src/core/project/files.js';
import { renderKustomization } from '../../../src/core/project/kustomize.js';
import { tempTree } from '../../support/tree.js';

const DEPLOYMENT =
  'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: "secret-registry.example/app:1"}\n';

test('confined files: inside the folders, read as below; outside (by name or through a link), nothing', async () => {
  const root = await tempTree({
    'ws/kustomization.yaml': 'resources: [../outside, linked]\n',
    'ws/own.yaml': 'kind: ConfigMap\n',
    'outside/kustomization.yaml': 'resources: [d.yaml]\n',
    'outside/d.yaml': DEPLOYMENT,
  });
  await fs.symlink(path.join(root, 'outside'), path.join(root, 'ws', 'linked'));
  const ws = path.join(root, 'ws');
  const files = confinedFiles(diskFiles(), [ws]);
  assert.equal(await files.read(path.join(ws, 'own.yaml')), 'kind: ConfigMap\n');
  assert.ok((await files.list(ws))?.some((e) => e.name === 'own.yaml'));
  assert.equal(await files.read(path.join(root, 'outside', 'd.yaml')), undefined);
  assert.equal(await files.read(path.join(ws, '..', 'outside', 'd.yaml')), undefined);
  assert.equal(await files.read(path.join(ws, 'linked', 'd.yaml')), undefined);
  assert.equal(await files.list(path.join(ws, 'linked')), undefined);

  // The same kustomization: trusted, it renders the folder outside (once: the link names the same objects); confined, it cannot.
  assert.deepEqual(
    (await renderKustomization(ws, diskFiles())).images.map((i) => i.reference),
    ['secret-registry.example/app:1'],
  );
  const confined = await renderKustomization(ws, files);
  assert.deepEqual(confined.images, []);
  assert.ok(confined.errors.length > 0);
});

test('confined files: an open document that is not on disk is judged by its path', async () => {
  const ws = path.resolve('/virtual/ws');
  const files = confinedFiles(
    overlayFiles(
      new Map([
        [path.join(ws, 'new.yaml'), 'a: 1\n'],
        [path.resolve('/virtual/elsewhere.yaml'), 'b: 2\n'],
      ]),
    ),
    [ws],
  );
  assert.equal(await files.read(path.join(ws, 'new.yaml')), 'a: 1\n');
  assert.equal(await files.read(path.resolve('/virtual/elsewhere.yaml')), undefined);
});
