// `shipshape images`: the inventory of a folder in each format, and --chart --annotate (--check).

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/cli.js';
import { corpusPath } from '../support/analysis.js';

describe('shipshape images', () => {
  test('lists the images of CI pipelines and container files with their places, in each format', async () => {
    const text = await runCli(['images', corpusPath('ci/gitlab'), corpusPath('containers/quadlet')]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /docker\.io\/library\/docker:latest \(not pinned\)\n {2}\S*gitlabhq--Docker\.gitlab-ci\.yml:3:10 {2}ci:gitlab-ci\n {2}\S*:17:10 {2}ci:gitlab-ci\n/,
    );
    assert.match(text.stdout, /localhost\/imagename \(not pinned\)\n(?: {2}\S+ {2}quadlet\n){3}/);
    const json = JSON.parse((await runCli(['images', '--format', 'json', corpusPath('ci/gitlab')])).stdout);
    assert.deepEqual(
      json.images.map((i: { reference: string }) => i.reference),
      ['docker.io/library/docker:latest', 'docker.io/library/docker:dind'],
    );
    const csv = await runCli(['images', '--format', 'csv', corpusPath('ci/gitlab')]);
    assert.equal(csv.stdout.trimEnd().split('\r\n').length, 5);
    const bom = JSON.parse((await runCli(['images', '--format', 'cyclonedx', corpusPath('ci/gitlab')])).stdout);
    assert.equal(bom.specVersion, '1.6');
    assert.equal(bom.components[0].evidence.occurrences.length, 2);
    const wrong = await runCli(['images', '--format', 'xml']);
    assert.equal(wrong.code, 2);
  });

  test('an image an Argo CD or Flux object makes names that object', async () => {
    const csv = await runCli(['images', '--format', 'csv', corpusPath('gitops')]);
    assert.equal(csv.code, 0, csv.stderr);
    const rows = csv.stdout.trimEnd().split('\r\n');
    assert.equal(rows[0]!.split(',').at(-1), 'gitops');
    assert.ok(
      rows.some((row) =>
        /argocd-e2e-container:0\.3,.*apps\/guestbook-kustomize\.yaml,.*,kustomize,.*,Application argocd\/guestbook$/.test(row),
      ),
    );
    assert.ok(
      rows.some((row) => /redis:8\.6\.1,.*apps\/podinfo-valuesfrom\.yaml,.*,helm,8\.6\.1,HelmRelease podinfo\/podinfo-from$/.test(row)),
    );
  });

  test('--chart --annotate writes the images the chart renders; --check then passes, and fails after a change', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-annotate-'));
    try {
      cpSync(corpusPath('realworld/podinfo/charts/podinfo'), path.join(dir, 'podinfo'), { recursive: true });
      const chart = path.join(dir, 'podinfo');
      const before = await runCli(['images', '--chart', chart, '--annotate', '--check']);
      assert.equal(before.code, 1);
      assert.match(before.stdout, /\+ podinfo ghcr\.io\/stefanprodan\/podinfo:/);
      const original = readFileSync(path.join(chart, 'Chart.yaml'), 'utf8');
      const written = await runCli(['images', '--chart', chart, '--annotate']);
      assert.equal(written.code, 0, written.stderr);
      const after = readFileSync(path.join(chart, 'Chart.yaml'), 'utf8');
      assert.ok(after.startsWith(original), 'the rest of Chart.yaml is kept');
      assert.match(after, /artifacthub\.io\/images: \|\n {4}- name: /);
      assert.equal((await runCli(['images', '--chart', chart, '--annotate', '--check'])).code, 0);
      const values = path.join(chart, 'values.yaml');
      const changed = readFileSync(values, 'utf8').replace(/tag: 6\.\d+\.\d+/, 'tag: 9.9.9');
      await import('node:fs').then((fs) => fs.writeFileSync(values, changed));
      const stale = await runCli(['images', '--chart', chart, '--annotate', '--check']);
      assert.equal(stale.code, 1);
      assert.match(stale.stdout, /\+ podinfo ghcr\.io\/stefanprodan\/podinfo:9\.9\.9/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
