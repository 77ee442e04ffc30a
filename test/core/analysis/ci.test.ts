// CI pipelines: every image a job runs, at the exact range of its text, found by the file's name
// (and a GitHub workflow or a Drone pipeline by its shape); run-time expressions are unresolved.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, type AnalysisResult } from '../../../src/core/index.js';
import { readdirSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { at, corpusPath, readCorpus } from '../../support/analysis.js';
import { extractCi } from '../../../src/core/analysis/ci/extract.js';
import { LineIndex } from '../../../src/core/util/lines.js';

const ci = (text: string, fileName: string): AnalysisResult => analyze(text, 'yaml', { fileName });

/** Each image as `line:col-line:col status raw`, in file order. */
const places = (result: Pick<AnalysisResult, 'images'>) => result.images.map((i) => `${at(i.range)} ${i.status} ${i.raw}`);

/** The text a range covers, to check that a range is exactly the image. */
function textAt(text: string, range: AnalysisResult['images'][number]['range']): string {
  const lines = text.split('\n');
  return range.start.line === range.end.line ? lines[range.start.line]!.slice(range.start.character, range.end.character) : '';
}

function assertExact(text: string, result: AnalysisResult): void {
  for (const image of result.images) assert.equal(textAt(text, image.range), image.raw, `${at(image.range)} covers ${image.raw}`);
}

describe('CI pipelines from public repositories', () => {
  test('GitHub Actions starter workflows: a job container as {image} and a service image', () => {
    const erlang = readCorpus('ci/github/starter-workflows/erlang.yml');
    const result = ci(erlang, '.github/workflows/erlang.yml');
    assert.deepEqual(places(result), ['19:14-19:27 image erlang:22.0.7']);
    assert.deepEqual(result.sources, ['ci']);
    assert.deepEqual(result.images[0]!.ci, { system: 'github-actions', job: 'build', field: 'container' });
    assert.deepEqual(
      result.findings.map((f) => `${f.rule}/${f.reason}`),
      ['unpinned-image/mutable-tag'],
    );
    const rails = readCorpus('ci/github/starter-workflows/rubyonrails.yml');
    const services = ci(rails, '.github/workflows/rubyonrails.yml');
    assert.deepEqual(places(services), ['18:16-18:34 image postgres:11-alpine']);
    assertExact(rails, services);
    const crystal = ci(readCorpus('ci/github/starter-workflows/crystal.yml'), '.github/workflows/crystal.yml');
    assert.deepEqual(places(crystal), ['15:14-15:33 image crystallang/crystal']);
    assert.deepEqual(
      crystal.findings.map((f) => `${f.rule}/${f.reason}`),
      ['unpinned-image/untagged'],
    );
  });

  test("GitLab's Docker template: job images and services, each at its line", () => {
    const text = readCorpus('ci/gitlab/gitlabhq--Docker.gitlab-ci.yml');
    const result = ci(text, '.gitlab-ci.yml');
    assert.deepEqual(places(result), [
      '3:10-3:23 image docker:latest',
      '6:7-6:18 image docker:dind',
      '17:10-17:23 image docker:latest',
      '20:7-20:18 image docker:dind',
    ]);
    assertExact(text, result);
    assert.deepEqual(
      result.images.map((i) => `${i.ci?.job} ${i.ci?.field}`),
      ['build-master image', 'build-master services', 'build image', 'build services'],
    );
  });

  test("Prometheus' CircleCI config: an executor's docker image (an orb job's image parameter is not read)", () => {
    const text = readCorpus('ci/circleci/prometheus--.circleci--config.yml');
    const result = ci(text, '.circleci/config.yml');
    assert.deepEqual(places(result), ['14:14-14:39 image circleci/golang:1.15-node']);
    assertExact(text, result);
  });

  test("Woodpecker's own test pipeline: an anchored image is one place, steps and services as mappings", () => {
    const text = readCorpus('ci/woodpecker/woodpecker--.woodpecker--test.yaml');
    const result = ci(text, '.woodpecker/test.yaml');
    assert.deepEqual(places(result), [
      '2:20-2:41 image docker.io/golang:1.25',
      '130:12-130:55 image docker.io/woodpeckerci/plugin-codecov:2.1.6',
      '146:12-146:33 image docker.io/postgres:18',
      '154:12-154:33 image docker.io/mysql:9.4.0',
    ]);
    assertExact(text, result);
    // The anchor's finding is reported once, where the image is written.
    assert.equal(result.findings.filter((f) => f.range.start.line === 1).length, 1);
  });

  test("Online Boutique's Cloud Build file: a step's name is its image", () => {
    const text = readCorpus('ci/cloudbuild/microservices-demo--cloudbuild.yaml');
    const result = ci(text, 'cloudbuild.yaml');
    assert.deepEqual(places(result), ['30:10-30:45 image gcr.io/k8s-skaffold/skaffold:v2.0.1']);
    assertExact(text, result);
  });
});

/**
 * Where a line scan of the text (not the YAML reader) finds each image, as `places` writes them: every
 * line `key: value` for the given keys (a trailing comment and quotes left out), an expression with
 * `$` unresolved. A key with no value is a mapping: its image is the `name:` on the next line when
 * `mapName` is set (Bitbucket's `image: {name}`), or found by the scan of its own `image:` line.
 */
function writtenAt(
  text: string,
  keys: readonly string[],
  options: { mapName?: boolean; skip?: (value: string, line: string) => boolean } = {},
): string[] {
  const lines = text.split('\n');
  const field = new RegExp(`^(\\s*(?:-\\s+)?(?:${keys.join('|')}):[ \\t]*)(.*)$`);
  const found: string[] = [];
  lines.forEach((line, index) => {
    const match = field.exec(line);
    if (!match) return;
    let value = match[2]!.replace(/\s+#.*$/, '').trimEnd();
    let column = match[1]!.length;
    let at = index;
    if (value === '') {
      if (!options.mapName) return;
      const next = /^(\s*name:[ \t]*)(\S.*)$/.exec(lines[index + 1] ?? '');
      if (!next) return;
      [at, column, value] = [index + 1, next[1]!.length, next[2]!.replace(/\s+#.*$/, '').trimEnd()];
    }
    if (/^(["']).*\1$/.test(value)) [column, value] = [column + 1, value.slice(1, -1)];
    if (options.skip?.(value, line)) return;
    const status = value.includes('$') ? 'unresolved' : 'image';
    found.push(`${at + 1}:${column + 1}-${at + 1}:${column + 1 + value.length} ${status} ${value}`);
  });
  return found;
}

describe('Bitbucket Pipelines, Azure Pipelines and Drone from public repositories: each image where a line scan finds it', () => {
  test("DSpace-CRIS's pipeline: the top image, step images in definitions.steps anchors used by many pipelines, pipes that are not images", () => {
    const text = readCorpus('ci/bitbucket/DSpace/bitbucket-pipelines.yml');
    const result = ci(text, 'bitbucket-pipelines.yml');
    assert.deepEqual(places(result), writtenAt(text, ['image']));
    assertExact(text, result);
    // Read by hand: 11 image lines; each anchored step is one place whatever the pipelines that use it.
    assert.equal(result.images.length, 11);
    assert.deepEqual(places(result).slice(0, 2), [
      '1:8-1:39 image maven:3.9.11-eclipse-temurin-21',
      '138:16-138:41 image atlassian/default-image:4',
    ]);
    assert.deepEqual(result.images[1]!.ci, {
      system: 'bitbucket-pipelines',
      job: 'Build and Push Docker Image to ECR',
      field: 'step.image',
    });
    // `pipe: atlassian/aws-ecr-push-image:2.5.0` is a pipe, not an image reference.
    assert.ok(!result.images.some((i) => i.raw.includes('aws-ecr-push-image')));
    assert.deepEqual(result.errors, []);
  });

  test("DSpace-CRIS Angular's pipeline: step images as {name, run-as-user} and as strings", () => {
    const text = readCorpus('ci/bitbucket/dspace-angular/bitbucket-pipelines.yml');
    const result = ci(text, 'bitbucket-pipelines.yml');
    assert.deepEqual(places(result), writtenAt(text, ['image'], { mapName: true }));
    assertExact(text, result);
    assert.equal(result.images.length, 16);
    const browsers = 'cypress/browsers:node-22.21.0-chrome-141.0.7390.107-1-ff-144.0-edge-141.0.3537.92-1';
    assert.deepEqual(
      places(result).filter((p) => p.includes('cypress')),
      [`65:17-65:100 image ${browsers}`, `81:17-81:100 image ${browsers}`, `99:17-99:100 image ${browsers}`],
    );
  });

  test("20tab's Django template: the top image and a service's image in definitions.services", () => {
    const text = readCorpus('ci/bitbucket/django-uwsgi-template/bitbucket-pipelines.yml');
    const result = ci(text, 'bitbucket-pipelines.yml');
    assert.deepEqual(places(result), ['1:8-1:18 image python:3.7', '19:14-19:25 image postgres:12']);
    assert.deepEqual(places(result), writtenAt(text, ['image']));
    assert.deepEqual(result.images[1]!.ci, { system: 'bitbucket-pipelines', job: 'postgres', field: 'definitions.services.image' });
  });

  test("rdma-core's pipeline: container resources, jobs that name them by alias, and a matrix's $[ variables['CONTAINER'] ]", () => {
    const text = readCorpus('ci/azure/rdma-core/buildlib/azure-pipelines.yml');
    const result = ci(text, 'buildlib/azure-pipelines.yml');
    const aliases = new Set([...text.matchAll(/^\s*- container:\s*(\S+)/gm)].map((m) => m[1]!));
    // A `- container: alias` line defines a resource; a `container: alias` line uses one: neither is an image.
    const expected = writtenAt(text, ['image', 'container'], {
      skip: (value, line) => aliases.has(value) || /^\s*- container:/.test(line),
    });
    assert.deepEqual(places(result), expected);
    assertExact(text, result);
    // Read by hand: ten resources, two jobs whose container is the matrix's variable.
    assert.equal(result.images.filter((i) => i.status === 'image').length, 10);
    assert.deepEqual(
      result.images.filter((i) => i.status === 'unresolved').map((i) => `${at(i.range)} ${i.ci?.job} ${i.unresolvedVariables?.join()}`),
      ["194:20-194:47 RPM_Distros $[ variables['CONTAINER'] ]", "228:20-228:47 DEB_Distros $[ variables['CONTAINER'] ]"],
    );
    const message = result.findings.find((f) => f.rule === 'unresolved-image')!.message;
    assert.match(message, /holds `\$\[ variables\['CONTAINER'\] \]`, which Azure Pipelines fills in/);
    assert.ok(!result.findings.some((f) => f.rule === 'invalid-reference'));
  });

  test("curl's .azure-pipelines.yml: a stage's job container as {image: $(container_img)}", () => {
    const text = readCorpus('ci/azure/curl/.azure-pipelines.yml');
    const result = ci(text, '.azure-pipelines.yml');
    assert.deepEqual(places(result), ['267:14-267:30 unresolved $(container_img)']);
    assert.deepEqual(places(result), writtenAt(text, ['image', 'container']));
    assert.deepEqual(result.images[0]!.ci, { system: 'azure-pipelines', job: 'windows', field: 'container' });
    assert.deepEqual(result.images[0]!.unresolvedVariables, ['$(container_img)']);
    assert.ok(!result.findings.some((f) => f.rule === 'invalid-reference'));
  });

  test("Synthetic Monitoring agent's Drone file: two pipelines with steps and services, then secret and signature documents", () => {
    const text = readCorpus('ci/drone/synthetic-monitoring-agent/.drone.yml');
    const result = ci(text, '.drone.yml');
    assert.deepEqual(places(result), writtenAt(text, ['image']));
    assertExact(text, result);
    assert.equal(result.images.length, 26);
    assert.deepEqual(
      result.images.filter((i) => i.ci?.field === 'services.image').map((i) => `${at(i.range)} ${i.raw}`),
      ['215:10-215:32 jrei/systemd-debian:12', '221:10-221:31 jrei/systemd-centos:8'],
    );
    // The `kind: secret` documents are Drone's, not Kubernetes objects.
    assert.deepEqual(result.sources, ['ci']);
    assert.deepEqual(result.errors, []);
  });

  test("DSpace-CRIS's Drone file: a step in each of two pipelines, and known by its shape under another name", () => {
    const text = readCorpus('ci/drone/DSpace/.drone.yml');
    const result = ci(text, '.drone.yml');
    assert.deepEqual(places(result), ['8:10-8:28 image maven:3.6.3-jdk-11', '21:10-21:28 image maven:3.6.3-jdk-11']);
    assert.deepEqual(places(result), writtenAt(text, ['image']));
    assert.deepEqual(places(analyze(text, 'yaml')), places(result));
  });
});

describe('CI pipelines: what is skipped before parsing', () => {
  test('each of the 53 starter CI workflows gives the images a full parse finds (those without an image word are not parsed)', () => {
    const files = readdirSync(corpusPath('ci/github/starter-workflows')).filter((f) => f.endsWith('.yml'));
    assert.equal(files.length, 53);
    let withImages = 0;
    for (const file of files) {
      const text = readCorpus(`ci/github/starter-workflows/${file}`);
      const doc = parseDocument(text, { merge: true, uniqueKeys: false });
      const full = doc.contents ? extractCi('github-actions', doc.contents, doc, text, new LineIndex(text)) : [];
      const analysed = ci(text, `.github/workflows/${file}`).images;
      assert.deepEqual(places({ images: analysed }), places({ images: full }), file);
      if (full.length > 0) withImages++;
    }
    assert.equal(withImages, 3);
  });
});

describe('CI pipelines: the forms each system allows', () => {
  test('GitHub Actions: container as a string, services, docker:// steps, expressions unresolved', () => {
    const text = [
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    container: node:22 # the job runs here',
      '    services:',
      '      redis:',
      '        image: "redis:7"',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '      - uses: docker://alpine:3.20',
      "      - uses: 'docker://ghcr.io/acme/tool@sha256:" + 'a'.repeat(64) + "'",
      '  matrix:',
      '    runs-on: ubuntu-latest',
      '    strategy: {matrix: {image: [a, b]}}',
      '    container:',
      '      image: ${{ matrix.image }}',
      '',
    ].join('\n');
    const result = ci(text, '.github/workflows/ci.yml');
    assert.deepEqual(places(result), [
      '5:16-5:23 image node:22',
      '8:17-8:24 image redis:7',
      '11:24-11:35 image alpine:3.20',
      `12:25-12:${25 + 'ghcr.io/acme/tool@sha256:'.length + 64} image ghcr.io/acme/tool@sha256:${'a'.repeat(64)}`,
      '17:14-17:33 unresolved ${{ matrix.image }}',
    ]);
    assertExact(text, result);
    const unresolved = result.findings.find((f) => f.rule === 'unresolved-image')!;
    assert.match(unresolved.message, /holds `\$\{\{ matrix\.image \}\}`, which GitHub Actions fills in when the workflow runs/);
    assert.ok(!result.findings.some((f) => f.rule === 'invalid-reference'));
  });

  test('a GitHub workflow outside .github/workflows is known by its shape; an action by runs.image', () => {
    const workflow = 'on: [push]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    container: golang:1.23\n';
    assert.deepEqual(places(analyze(workflow, 'yaml')), ['5:16-5:27 image golang:1.23']);
    const action = "name: x\nruns:\n  using: docker\n  image: 'docker://debian:12'\n";
    assert.deepEqual(places(ci(action, 'tools/action.yml')), ['4:20-4:29 image debian:12']);
    // An action built from its Dockerfile names no image.
    assert.deepEqual(places(ci('runs:\n  using: docker\n  image: Dockerfile\n', 'action.yaml')), []);
  });

  test('GitLab CI: {name} maps, default:, hidden jobs, anchors, variables of the file and predefined ones', () => {
    const text = [
      'variables:',
      '  PY: "3.12"',
      '  BASE: {value: "registry.example/base:1", description: "x"}',
      'image: python:$PY-slim',
      'default:',
      '  services:',
      '    - name: postgres:16',
      '      alias: db',
      '    - redis:7  # cache',
      '.tpl: &tpl',
      '  image:',
      '    name: $BASE',
      '    entrypoint: [""]',
      'job-a:',
      '  <<: *tpl',
      '  script: [echo]',
      'job-b:',
      '  image: $CI_REGISTRY_IMAGE/builder:${CI_COMMIT_SHA}',
      '  script: [echo]',
      'job-c:',
      '  variables: {PY: "3.13"}',
      '  image: python:${PY}',
      '  script: [echo]',
      '',
    ].join('\n');
    const result = ci(text, 'ci/.gitlab-ci.yml');
    assert.deepEqual(places(result), [
      '4:8-4:23 image python:$PY-slim',
      '7:13-7:24 image postgres:16',
      '9:7-9:14 image redis:7',
      '12:11-12:16 image $BASE',
      '18:10-18:53 unresolved $CI_REGISTRY_IMAGE/builder:${CI_COMMIT_SHA}',
      '22:10-22:22 image python:${PY}',
    ]);
    assertExact(text, result);
    assert.deepEqual(
      result.images.map((i) => i.resolved ?? null),
      ['python:3.12-slim', 'postgres:16', 'redis:7', 'registry.example/base:1', null, 'python:3.13'],
    );
    assert.deepEqual(result.images[4]!.unresolvedVariables, ['$CI_REGISTRY_IMAGE', '${CI_COMMIT_SHA}']);
    assert.match(result.findings.find((f) => f.rule === 'unresolved-image')!.message, /GitLab CI fills in when the pipeline runs/);
  });

  test('Bitbucket Pipelines: the top image as {name}, step images in parallel groups and definitions, docker:// pipes', () => {
    const text = [
      'image:',
      '  name: atlassian/default-image:4',
      'definitions:',
      '  services:',
      '    db:',
      '      image: mysql:8.4',
      '  steps:',
      '    - step: &build',
      '        name: Build',
      '        image: node:22',
      '        script:',
      '          - npm ci',
      '          - pipe: docker://acme/scan-pipe:1.2.0',
      '            variables: {A: b}',
      '          - pipe: atlassian/aws-s3-deploy:1.1.0',
      'pipelines:',
      '  default:',
      '    - step: *build',
      '    - parallel:',
      '        - step:',
      '            image: golang:1.23',
      '            script: [go test]',
      '',
    ].join('\n');
    const result = ci(text, 'bitbucket-pipelines.yml');
    assert.deepEqual(places(result), [
      '2:9-2:34 image atlassian/default-image:4',
      '6:14-6:23 image mysql:8.4',
      '10:16-10:23 image node:22',
      '13:28-13:48 image acme/scan-pipe:1.2.0',
      '21:20-21:31 image golang:1.23',
    ]);
    assertExact(text, result);
  });

  test('CircleCI: primary and service containers in jobs, executors and inline orbs; parameters unresolved', () => {
    const text = [
      'version: 2.1',
      'orbs:',
      '  inline:',
      '    executors:',
      '      tiny: {docker: [{image: "busybox:1.36"}]}',
      'jobs:',
      '  test:',
      '    parameters: {tag: {type: string, default: "3.12"}}',
      '    docker:',
      '      - image: cimg/python:<< parameters.tag >>',
      '      - image: cimg/postgres:16.3',
      '        environment: {POSTGRES_USER: x}',
      '    machine:',
      '      image: ubuntu-2204:2024.01.1',
      '',
    ].join('\n');
    const result = ci(text, '.circleci/config.yml');
    assert.deepEqual(places(result), [
      '5:32-5:44 image busybox:1.36',
      '10:16-10:48 unresolved cimg/python:<< parameters.tag >>',
      '11:16-11:34 image cimg/postgres:16.3',
    ]);
    assertExact(text, result);
    assert.match(result.findings.find((f) => f.rule === 'unresolved-image')!.message, /CircleCI fills in/);
  });

  test('Cloud Build: substitutions written in the file are applied; built-in ones are unresolved', () => {
    const text = [
      'substitutions:',
      '  _NODE: "22"',
      'steps:',
      "  - name: 'node:${_NODE}'",
      '    entrypoint: npm',
      '  - name: gcr.io/$PROJECT_ID/deployer',
      '  - name: gcr.io/cloud-builders/docker',
      'images: [gcr.io/$PROJECT_ID/app]',
      '',
    ].join('\n');
    const result = ci(text, 'deploy/cloudbuild.yaml');
    assert.deepEqual(places(result), [
      '4:12-4:25 image node:${_NODE}',
      '6:11-6:38 unresolved gcr.io/$PROJECT_ID/deployer',
      '7:11-7:39 image gcr.io/cloud-builders/docker',
    ]);
    assertExact(text, result);
    assert.equal(result.images[0]!.resolved, 'node:22');
  });

  test('Azure Pipelines: container resources, job containers, and a container that names a resource', () => {
    const text = [
      'resources:',
      '  containers:',
      '    - container: py',
      '      image: python:3.12',
      'pool: {vmImage: ubuntu-latest}',
      'container: $[ variables.image ]',
      'stages:',
      '  - stage: build',
      '    jobs:',
      '      - job: a',
      '        container: py',
      '      - job: b',
      '        container: ubuntu:22.04',
      '      - job: c',
      '        container:',
      '          image: mcr.microsoft.com/dotnet/sdk:8.0',
      '          options: --user 0',
      '',
    ].join('\n');
    const result = ci(text, 'azure-pipelines.yml');
    assert.deepEqual(places(result), [
      '4:14-4:25 image python:3.12',
      '6:12-6:32 unresolved $[ variables.image ]',
      '13:20-13:32 image ubuntu:22.04',
      '16:18-16:50 image mcr.microsoft.com/dotnet/sdk:8.0',
    ]);
    assertExact(text, result);
  });

  test('Drone: steps and services of each pipeline document; a secret document holds none', () => {
    const text = [
      'kind: pipeline',
      'type: docker',
      'name: default',
      'steps:',
      '  - name: test',
      '    image: golang:1.23',
      '    commands: [go test ./...]',
      '  - name: publish',
      '    image: plugins/docker:${DRONE_TAG}',
      'services:',
      '  - name: cache',
      '    image: redis',
      '---',
      'kind: secret',
      'name: token',
      'get: {path: secret/data/x, name: token}',
      '',
    ].join('\n');
    const result = ci(text, '.drone.yml');
    assert.deepEqual(places(result), [
      '6:12-6:23 image golang:1.23',
      '9:12-9:39 unresolved plugins/docker:${DRONE_TAG}',
      '12:12-12:17 image redis',
    ]);
    assertExact(text, result);
    // Known by its shape too.
    assert.equal(analyze(text, 'yaml').images.length, 3);
  });

  test("Bitbucket's, Azure's and Drone's run-time expressions are unresolved, never invalid", () => {
    const bitbucket =
      'image: $REGISTRY/builder:$BITBUCKET_BUILD_NUMBER\npipelines:\n  default:\n    - step:\n        image: {name: "acme/ci:${BITBUCKET_BRANCH}"}\n';
    const azure = [
      'parameters: [{name: image, default: "node:22"}]',
      'variables: {tag: "3.12"}',
      'container: ${{ parameters.image }}',
      'jobs:',
      '  - job: a',
      '    container: {image: "python:$(tag)"}',
      '  - deployment: b',
      '    container: "python:${{ variables.tag }}"',
      '',
    ].join('\n');
    const drone = 'kind: pipeline\nsteps:\n  - name: a\n    image: golang:${GO_VERSION}\n';
    for (const [text, fileName, raws] of [
      [bitbucket, 'bitbucket-pipelines.yml', ['$REGISTRY/builder:$BITBUCKET_BUILD_NUMBER', 'acme/ci:${BITBUCKET_BRANCH}']],
      [azure, 'azure-pipelines.yml', ['${{ parameters.image }}', 'python:$(tag)', 'python:${{ variables.tag }}']],
      [drone, '.drone.yml', ['golang:${GO_VERSION}']],
    ] as const) {
      const result = ci(text, fileName);
      assert.deepEqual(
        result.images.map((i) => `${i.status} ${i.raw}`),
        raws.map((raw) => `unresolved ${raw}`),
        fileName,
      );
      assertExact(text, result);
      assert.deepEqual(
        result.findings.map((f) => f.rule),
        raws.map(() => 'unresolved-image'),
        fileName,
      );
    }
  });

  test('a file named like no pipeline, and a Kubernetes manifest named like one, are read as before', () => {
    const compose = 'services:\n  web:\n    image: nginx:1.27\n';
    assert.deepEqual(analyze(compose, 'yaml', { fileName: 'compose.yaml' }).sources, ['compose']);
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: nginx:1.27}]\n';
    assert.deepEqual(ci(pod, '.github/workflows/pod.yml').sources, ['kubernetes']);
    // A plain YAML file with `jobs:` but no `on:` is no workflow.
    assert.deepEqual(analyze('jobs:\n  a:\n    container: node:22\n', 'yaml').images, []);
  });

  test('# shipshape-ignore silences a CI image', () => {
    const text = 'build:\n  # shipshape-ignore unpinned-image\n  image: docker:latest\n  script: [x]\n';
    const result = ci(text, '.gitlab-ci.yml');
    assert.equal(result.images.length, 1);
    assert.deepEqual(result.findings, []);
  });
});
