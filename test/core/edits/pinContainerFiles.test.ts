// Pinning images in CI pipelines, dev containers, Quadlet units and Bake files: the edit writes
// the digest after the reference (not over `docker://`), is proved by reading the file again, and
// the file then reads as the image pinned to that digest.

// The readers of dev containers, Quadlet units and Bake files (loaded on first use in the editor).
import '../../../src/core/containers.js';
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { analyze, applyEdits, pinEdits, tagReference, type AnalyzeOptions, type FileKind } from '../../../src/core/index.js';
import { readCorpus } from '../../support/analysis.js';

const DIGEST = `sha256:${'1'.repeat(64)}`;

/** Pins every image of the text it can, and returns the edited text with what was refused. */
function pinAll(text: string, kind: FileKind, options: AnalyzeOptions = {}): { text: string; refused: string[]; pinned: number } {
  const images = analyze(text, kind, options).images;
  const { changes, refused } = pinEdits(images, (i) => (tagReference(i) ? DIGEST : undefined), {
    file: path.resolve('/virtual', options.fileName ?? 'file'),
    text,
  });
  return {
    text: applyEdits(
      text,
      changes.map((c) => c.edit),
    ),
    refused: refused.map((r) => r.why),
    pinned: changes.length,
  };
}

/** Every registry image of the text, after pinning, is pinned to the digest. */
function assertPinned(text: string, kind: FileKind, options: AnalyzeOptions = {}): void {
  const before = analyze(text, kind, options).images.filter((i) => tagReference(i) !== undefined);
  const pinned = pinAll(text, kind, options);
  assert.deepEqual(pinned.refused, []);
  assert.equal(pinned.pinned, new Set(before.map((i) => `${i.range.start.line}:${i.range.start.character}`)).size);
  const after = analyze(pinned.text, kind, options);
  assert.deepEqual(after.errors, []);
  for (const image of before) {
    const again = after.images.find(
      (i) => i.range.start.line === image.range.start.line && i.range.start.character === image.range.start.character,
    );
    assert.equal(again?.reference?.digest, DIGEST, `${image.raw} pinned`);
  }
  assert.ok(!after.findings.some((f) => f.rule === 'unpinned-image'));
}

describe('pinning in CI pipelines and container files', () => {
  test('real pipelines: GitHub Actions, GitLab CI, CircleCI, Woodpecker (an anchor pinned once), Cloud Build', () => {
    assertPinned(readCorpus('ci/github/starter-workflows/rubyonrails.yml'), 'yaml', { fileName: '.github/workflows/rails.yml' });
    assertPinned(readCorpus('ci/gitlab/gitlabhq--Docker.gitlab-ci.yml'), 'yaml', { fileName: '.gitlab-ci.yml' });
    assertPinned(readCorpus('ci/circleci/prometheus--.circleci--config.yml'), 'yaml', { fileName: '.circleci/config.yml' });
    assertPinned(readCorpus('ci/woodpecker/woodpecker--.woodpecker--test.yaml'), 'yaml', { fileName: '.woodpecker/test.yaml' });
    assertPinned(readCorpus('ci/cloudbuild/microservices-demo--cloudbuild.yaml'), 'yaml', { fileName: 'cloudbuild.yaml' });
  });

  test('real pipelines: Bitbucket (anchored steps, {name} images, a service), Azure container resources, Drone steps and services', () => {
    for (const repo of ['DSpace', 'dspace-angular', 'django-uwsgi-template']) {
      assertPinned(readCorpus(`ci/bitbucket/${repo}/bitbucket-pipelines.yml`), 'yaml', { fileName: 'bitbucket-pipelines.yml' });
    }
    assertPinned(readCorpus('ci/azure/rdma-core/buildlib/azure-pipelines.yml'), 'yaml', { fileName: 'buildlib/azure-pipelines.yml' });
    for (const repo of ['synthetic-monitoring-agent', 'DSpace'])
      assertPinned(readCorpus(`ci/drone/${repo}/.drone.yml`), 'yaml', { fileName: '.drone.yml' });
  });

  test('a docker:// step keeps its scheme; an untagged image says which tag was resolved', () => {
    const text = 'on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: docker://alpine\n';
    const pinned = pinAll(text, 'yaml', { fileName: '.github/workflows/a.yml' });
    assert.match(pinned.text, new RegExp(`uses: docker://alpine:latest@${DIGEST}\\n`));
  });

  test('dev containers, Quadlet units and Bake files (HCL and JSON)', () => {
    assertPinned(readCorpus('containers/devcontainer/devcontainers-images--.devcontainer--devcontainer.json'), 'devcontainer');
    assertPinned(readCorpus('containers/quadlet/podman--basic.container'), 'quadlet');
    assertPinned('[Image]\nImage=docker://quay.io/acme/web:1.2\n', 'quadlet');
    assertPinned('target "a" {\n  contexts = { base = "docker-image://node:22" } # x\n}\n', 'bake');
    assertPinned('{"target": {"a": {"contexts": {"base": "docker-image://node:22"}}}}', 'bake');
  });
});

describe('ignoring a rule in container files', () => {
  test('a // comment in JSON with comments and HCL, a # one in a Quadlet unit, none in a JSON Bake file', async () => {
    const { fixesFor } = await import('../../../src/core/index.js');
    const title = (f: { title: string }) => f.title;
    const devcontainer = '{\n  "image": "alpine:3.20"\n}\n';
    const finding = analyze(devcontainer, 'devcontainer').findings[0]!;
    const [fix] = fixesFor(devcontainer, 'devcontainer', finding);
    const fixed = applyEdits(devcontainer, fix!.edits);
    assert.equal(fixed, '{\n  // shipshape-ignore unpinned-image\n  "image": "alpine:3.20"\n}\n');
    assert.deepEqual(analyze(fixed, 'devcontainer').findings, []);
    const unit = '[Container]\nImage=alpine:3.20\n';
    const unitFixed = applyEdits(unit, fixesFor(unit, 'quadlet', analyze(unit, 'quadlet').findings[0]!)[0]!.edits);
    assert.deepEqual(analyze(unitFixed, 'quadlet').findings, []);
    const json = '{"target": {"a": {"contexts": {"b": "docker-image://alpine:3.20"}}}}';
    assert.deepEqual(fixesFor(json, 'bake', analyze(json, 'bake').findings[0]!).map(title), []);
  });
});
