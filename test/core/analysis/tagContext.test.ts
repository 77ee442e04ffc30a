// Where tag completion applies: the repository a tag belongs to, what is typed, and what a chosen
// tag replaces, in FROM lines, image: fields, kustomization newTag: and chart values tag:.

// The readers of dev containers, Quadlet units and Bake files (loaded on first use in the editor).
import '../../../src/core/containers.js';
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { tagContext, type TagContext } from '../../../src/core/analysis/tagContext.js';
import type { FileKind } from '../../../src/core/types.js';

/** The context at the `|` in `text` (removed). */
function at(kind: FileKind, file: string, text: string): TagContext | undefined {
  const cursor = text.indexOf('|');
  const clean = text.replace('|', '');
  const before = clean.slice(0, cursor).split('\n');
  const lines = clean.split('\n');
  return tagContext(kind, file, { count: lines.length, at: (n) => lines[n]! }, before.length - 1, before.at(-1)!.length);
}

describe('tag completion context', () => {
  test('FROM: after the colon, with flags and a stage name; the tag and any digest after it are replaced', () => {
    const context = at('dockerfile', 'Dockerfile', 'FROM --platform=$BUILDPLATFORM node:22-al|pine3.20@sha256:abc AS build\n');
    assert.deepEqual(context, {
      repository: 'node',
      current: '22-alpine3.20',
      typed: '22-al',
      line: 0,
      start: 'FROM --platform=$BUILDPLATFORM node:'.length,
      end: 'FROM --platform=$BUILDPLATFORM node:22-alpine3.20@sha256:abc'.length,
      digestAllowed: true,
      where: 'dockerfile',
    });
    assert.equal(at('dockerfile', 'Dockerfile', 'from ghcr.io/acme/api:|')?.repository, 'ghcr.io/acme/api');
    assert.equal(at('dockerfile', 'Dockerfile', 'FROM localhost:5000/team/app:1|')?.repository, 'localhost:5000/team/app');
  });

  test('nothing before the colon, in a port, after a digest, in a variable, or outside FROM', () => {
    for (const text of [
      'FROM node|',
      'FROM localhost:50|',
      'FROM node@sha256:ab|',
      'FROM node:${TAG|',
      'FROM $BASE:1|',
      'RUN echo node:2|',
      'FROM node:22 AS b|',
    ])
      assert.equal(at('dockerfile', 'Dockerfile', text), undefined, text);
  });

  test('image: in manifests and Compose files, quoted or in a list item', () => {
    assert.deepEqual(at('yaml', 'deploy.yaml', 'spec:\n  containers:\n    - image: "nginx:1.2|7"\n'), {
      repository: 'nginx',
      current: '1.27',
      typed: '1.2',
      line: 2,
      start: '    - image: "nginx:'.length,
      end: '    - image: "nginx:1.27'.length,
      digestAllowed: true,
      where: 'image',
    });
    assert.equal(at('yaml', 'compose.yaml', 'services:\n  web:\n    image: redis:|\n')?.repository, 'redis');
    assert.equal(at('yaml', 'deploy.yaml', 'metadata:\n  name: nginx:1|\n'), undefined);
  });

  test('a kustomization newTag: takes its entry’s newName, else its name; not outside kustomization.yaml', () => {
    const kustomization = [
      'images:',
      '  - name: nginx',
      '    newTag: 1.2|',
      '  - name: redis',
      '    newName: ghcr.io/acme/redis',
      '    newTag: "7|"',
      '',
    ].join('\n');
    assert.equal(at('yaml', '/k/kustomization.yaml', kustomization)?.repository, 'nginx');
    const second = kustomization.replace('|', '').replace('"7"', '"7|"');
    const context = at('yaml', '/k/kustomization.yaml', second)!;
    assert.deepEqual(
      [context.repository, context.typed, context.digestAllowed, context.where],
      ['ghcr.io/acme/redis', '7', false, 'kustomize'],
    );
    // newName after newTag in the same entry, and the next entry not mistaken for this one.
    const after = ['images:', '  - name: a', '    newTag: 1|', '    newName: b.example/x', '  - name: c', ''].join('\n');
    assert.equal(at('yaml', 'kustomization.yml', after)?.repository, 'b.example/x');
    assert.equal(at('yaml', 'deploy.yaml', kustomization), undefined);
  });

  test('chart values tag: takes its repository and registry; only in values files', () => {
    const values = ['image:', '  registry: docker.io', '  repository: bitnami/nginx', '  tag: 1.2|', '  pullPolicy: IfNotPresent', ''].join(
      '\n',
    );
    const context = at('yaml', '/chart/values.yaml', values)!;
    assert.deepEqual(
      [context.repository, context.typed, context.digestAllowed, context.where],
      ['docker.io/bitnami/nginx', '1.2', false, 'chart-values'],
    );
    const nested = ['api:', '  image:', '    repository: ghcr.io/acme/api', '    tag: ""', '  worker:', '    tag: 2|', ''].join('\n');
    assert.equal(at('yaml', 'values-prod.yaml', nested), undefined, 'a tag without a repository beside it');
    assert.equal(at('yaml', 'values.yaml', nested.replace('|', '').replace('tag: ""', 'tag: "|"'))?.repository, 'ghcr.io/acme/api');
    assert.equal(at('yaml', 'deploy.yaml', values), undefined);
  });

  test('a repository on a registry with a port is completed in newTag: and tag:; one that already carries a tag is not', () => {
    const kustomization = ['images:', '  - name: 127.0.0.1:5000/team/api', '    newTag: 1.1|', ''].join('\n');
    assert.equal(at('yaml', 'kustomization.yaml', kustomization)?.repository, '127.0.0.1:5000/team/api');
    const values = ['image:', '  repository: registry.example:8443/acme/api', '  tag: 2|', ''].join('\n');
    assert.equal(at('yaml', 'values.yaml', values)?.repository, 'registry.example:8443/acme/api');
    const tagged = ['images:', '  - name: 127.0.0.1:5000/team/api', '    newName: ghcr.io/acme/api:1.0', '    newTag: 1|', ''].join('\n');
    assert.equal(at('yaml', 'kustomization.yaml', tagged), undefined);
  });

  test('CI pipelines: a job container, a docker:// step, GitLab services and Cloud Build steps, by the file name', () => {
    const workflow = '.github/workflows/ci.yml';
    assert.deepEqual(
      [at('yaml', workflow, '    container: node:2|')?.repository, at('yaml', workflow, '      - uses: docker://alpine:3.|')?.repository],
      ['node', 'alpine'],
    );
    assert.equal(at('yaml', '.gitlab-ci.yml', '  services:\n    - docker:2|')?.repository, 'docker');
    assert.equal(at('yaml', '.gitlab-ci.yml', '    - name: postgres:1|')?.repository, 'postgres');
    assert.equal(at('yaml', 'cloudbuild.yaml', '  - name: gcr.io/cloud-builders/docker:2|')?.repository, 'gcr.io/cloud-builders/docker');
    // A list item or a name elsewhere is not an image.
    assert.equal(at('yaml', 'values.yaml', '    - docker:2|'), undefined);
    assert.equal(at('yaml', 'deploy.yaml', '  - name: web:2|'), undefined);
    assert.equal(at('yaml', '.gitlab-ci.yml', '    - docker run x:|'), undefined);
  });

  test('dev containers, Quadlet units and Bake contexts', () => {
    assert.equal(
      at('devcontainer', '.devcontainer/devcontainer.json', '  "image": "mcr.microsoft.com/devcontainers/base:bo|"')?.typed,
      'bo',
    );
    assert.equal(at('quadlet', 'web.container', 'Image=docker.io/library/nginx:1.2|')?.repository, 'docker.io/library/nginx');
    assert.equal(at('bake', 'docker-bake.hcl', '    base = "docker-image://alpine:3|"')?.repository, 'alpine');
    assert.equal(at('quadlet', 'web.container', 'Label=a:b|'), undefined);
  });
});
