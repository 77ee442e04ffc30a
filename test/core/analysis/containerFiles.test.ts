// Dev containers, Quadlet units and Bake files: each image at the exact range of its text, the
// forms each format allows, and the files they have their tools read.

// The readers of dev containers, Quadlet units and Bake files (loaded on first use in the editor).
import '../../../src/core/containers.js';
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, fileKindOf, type AnalysisResult, type FileKind } from '../../../src/core/index.js';
import { at, corpusPath, readCorpus } from '../../support/analysis.js';
import { scanPaths } from '../../../src/core/workspace/scan.js';

const places = (result: AnalysisResult) => result.images.map((i) => `${at(i.range)} ${i.status} ${i.raw}`);

function assertExact(text: string, result: AnalysisResult): void {
  const lines = text.split('\n');
  for (const image of result.images) {
    const { start, end } = image.range;
    assert.equal(start.line, end.line);
    assert.equal(lines[start.line]!.slice(start.character, end.character), image.raw, `${at(image.range)} covers ${image.raw}`);
  }
}

const run = (text: string, kind: FileKind) => analyze(text, kind);

describe('file kinds', () => {
  test('dev containers, Quadlet units and Bake files are known by their names', () => {
    assert.equal(fileKindOf('/repo/.devcontainer/devcontainer.json'), 'devcontainer');
    assert.equal(fileKindOf('C:\\repo\\.devcontainer\\python\\devcontainer.json'), 'devcontainer');
    assert.equal(fileKindOf('/repo/.devcontainer.json'), 'devcontainer');
    assert.equal(fileKindOf('/repo/devcontainer.json'), undefined);
    assert.equal(fileKindOf('web.container'), 'quadlet');
    assert.equal(fileKindOf('/etc/containers/systemd/base.image'), 'quadlet');
    assert.equal(fileKindOf('app.build'), undefined);
    assert.equal(fileKindOf('docker-bake.hcl'), 'bake');
    assert.equal(fileKindOf('docker-bake.override.json'), 'bake');
    assert.equal(fileKindOf('bake.hcl'), undefined);
  });
});

describe('dev containers', () => {
  test("devcontainers/images' own dev container: its image", () => {
    const text = readCorpus('containers/devcontainer/devcontainers-images--.devcontainer--devcontainer.json');
    const result = run(text, 'devcontainer');
    assert.deepEqual(places(result), ['2:15-2:67 image mcr.microsoft.com/devcontainers/javascript-node:3-22']);
    assertExact(text, result);
    assert.deepEqual(result.sources, ['devcontainer']);
    assert.deepEqual(
      result.findings.map((f) => `${f.rule}/${f.reason}`),
      ['unpinned-image/mutable-tag'],
    );
  });

  test('base-debian: a build with comments, its Dockerfile named for the scan', () => {
    const text = readCorpus('containers/devcontainer/base-debian/.devcontainer/devcontainer.json');
    const result = run(text, 'devcontainer');
    assert.deepEqual(result.images, []);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(
      result.uses?.map((u) => `${u.kind} ${u.path} ${at(u.range)}`),
      ['dockerfile ./Dockerfile 3:18-3:30'],
    );
  });

  test('JSON with comments and trailing commas, variables, build args, the legacy dockerFile, Compose files', () => {
    const text = [
      '{',
      '  // the image the container runs',
      '  "image": "ghcr.io/acme/dev:${localEnv:DEV_TAG}",',
      '  "dockerFile": "Dockerfile.dev",',
      '  "dockerComposeFile": ["../compose.yaml", "compose.dev.yaml",],',
      '  "service": "app",',
      '}',
      '',
    ].join('\n');
    const result = run(text, 'devcontainer');
    assert.deepEqual(places(result), ['3:13-3:49 unresolved ghcr.io/acme/dev:${localEnv:DEV_TAG}']);
    assertExact(text, result);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(
      result.uses?.map((u) => `${u.kind} ${u.path}${u.kind === 'compose' ? ` ${u.service}` : ''}`),
      ['dockerfile Dockerfile.dev', 'compose ../compose.yaml app', 'compose compose.dev.yaml app'],
    );
    const built = run(
      '{"build": {"dockerfile": "Dockerfile", "context": "..", "args": {"VARIANT": "3.12", "HOST": "${localEnv:X}"}, "target": "dev"}}',
      'devcontainer',
    );
    assert.deepEqual(built.uses, [
      { kind: 'dockerfile', path: 'Dockerfile', args: { VARIANT: '3.12' }, target: 'dev', range: built.uses![0]!.range },
    ]);
  });

  test('an escaped string keeps its whole range; a syntax error is reported; // shipshape-ignore silences', () => {
    const escaped = run('{"image": "alpine\\u003a3.20"}', 'devcontainer');
    assert.deepEqual(places(escaped), ['1:11-1:29 image alpine:3.20']);
    const broken = run('{"image": "alpine:3.20"', 'devcontainer');
    assert.match(broken.errors[0]!.message, /^JSON syntax error: /);
    const silenced = run('{\n  // shipshape-ignore unpinned-image\n  "image": "alpine:3.20"\n}', 'devcontainer');
    assert.equal(silenced.images.length, 1);
    assert.deepEqual(silenced.findings, []);
  });

  test('the scan analyses the Dockerfile a dev container builds, with its build args, when only the configuration is given', async () => {
    const report = await scanPaths([corpusPath('containers/devcontainer/base-debian/.devcontainer/devcontainer.json')]);
    assert.deepEqual(
      report.files.map((f) => `${f.kind} ${f.file.split(/[\\/]/).slice(-2).join('/')}`),
      ['devcontainer .devcontainer/devcontainer.json', 'dockerfile .devcontainer/Dockerfile'],
    );
    const dockerfile = report.files[1]!.result;
    assert.deepEqual(
      dockerfile.images.map((i) => `${i.range.start.line + 1} ${i.resolved}`),
      ['3 buildpack-deps:trixie-curl'],
    );
    assert.deepEqual(report.projectErrors, []);
  });
});

describe('Quadlet units', () => {
  test("podman's test units: a .container's and an .image's Image=, other sections ignored", () => {
    for (const [file, line] of [
      ['podman--basic.container', 24],
      ['podman--dependent.container', 11],
      ['podman--basic.image', 8],
    ] as const) {
      const text = readCorpus(`containers/quadlet/${file}`);
      const result = run(text, 'quadlet');
      assert.deepEqual(places(result), [`${line}:7-${line}:26 image localhost/imagename`], file);
      assertExact(text, result);
    }
  });

  test('docker:// transport, unit references, other transports, specifiers, the last Image= of a section, comments', () => {
    const text = [
      '[Unit]',
      'Description=Image=not/this',
      '[Container]',
      '# Image=commented/out:1',
      'Image=docker://quay.io/acme/web:1.2',
      '; shipshape-ignore unpinned-image',
      'Image = docker.io/library/nginx:1.27',
      '[Service]',
      'Restart=always',
      '',
    ].join('\n');
    const result = run(text, 'quadlet');
    assert.deepEqual(places(result), ['7:9-7:37 image docker.io/library/nginx:1.27']);
    assertExact(text, result);
    assert.deepEqual(result.findings, []);
    assert.deepEqual(places(run('[Container]\nImage=web.image\n', 'quadlet')), []);
    assert.deepEqual(places(run('[Container]\nImage=app.build\n', 'quadlet')), []);
    assert.deepEqual(places(run('[Container]\nImage=oci-archive:/tmp/app.tar\n', 'quadlet')), []);
    const transport = run('[Image]\nImage=docker://quay.io/acme/web:1.2\n', 'quadlet');
    assert.deepEqual(places(transport), ['2:16-2:36 image quay.io/acme/web:1.2']);
    const specifier = run('[Container]\nImage=registry.example/%i:1\n', 'quadlet');
    assert.deepEqual(places(specifier), ['2:7-2:28 unresolved registry.example/%i:1']);
    assert.deepEqual(specifier.images[0]!.unresolvedVariables, ['%i']);
  });
});

describe('Bake files', () => {
  test("buildx's own docker-bake.hcl: each target's Dockerfile through inherits, with args and target", () => {
    const result = run(readCorpus('containers/bake/buildx--docker-bake.hcl'), 'bake');
    assert.deepEqual(result.images, []);
    const uses = result.uses ?? [];
    assert.ok(uses.length >= 5, `${uses.length} Dockerfiles`);
    const lint = uses.find((u) => u.kind === 'dockerfile' && u.range.start.line === 38);
    assert.deepEqual(lint && { path: lint.path, args: lint.kind === 'dockerfile' && lint.args }, {
      path: './hack/dockerfiles/lint.Dockerfile',
      args: { GOLANGCI_FROM_SOURCE: 'true' },
    });
    // lint-gopls inherits lint's Dockerfile and builds its own target.
    assert.ok(uses.some((u) => u.kind === 'dockerfile' && u.target === 'gopls-analyze' && u.path === './hack/dockerfiles/lint.Dockerfile'));
  });

  test('HCL: docker-image:// contexts, variables, comments, expressions left alone', () => {
    const text = [
      'variable "NODE" { default = "22" }',
      'variable "TAG" {}',
      '# a comment',
      'target "app" {',
      '  context = "app"',
      '  dockerfile = "Containerfile" // beside it',
      '  contexts = {',
      '    base = "docker-image://node:${NODE}-alpine"',
      '    "tools" = "docker-image://ghcr.io/acme/tools:${TAG}"',
      '    src = "../src"',
      '    other = "target:base"',
      '  }',
      '  /* shipshape-ignore unpinned-image */',
      '  platforms = TAG != "" ? ["linux/amd64"] : []',
      '}',
      'target "pinned" {',
      '  contexts = { alpine = "docker-image://alpine:3.20@sha256:' + 'a'.repeat(64) + '" }',
      '}',
      '',
    ].join('\n');
    const result = run(text, 'bake');
    assert.deepEqual(places(result), [
      '8:28-8:47 image node:${NODE}-alpine',
      '9:31-9:56 unresolved ghcr.io/acme/tools:${TAG}',
      `17:41-17:${41 + 'alpine:3.20@sha256:'.length + 64} image alpine:3.20@sha256:${'a'.repeat(64)}`,
    ]);
    assertExact(text, result);
    assert.equal(result.images[0]!.resolved, 'node:22-alpine');
    assert.deepEqual(result.images[0]!.container, { field: 'contexts.base', target: 'app' });
    assert.deepEqual(
      result.uses?.map((u) => u.path),
      ['app/Containerfile'],
    );
  });

  test('JSON: the same fields', () => {
    const text = [
      '{',
      '  "variable": {"V": {"default": "3.20"}},',
      '  "target": {',
      '    "app": {',
      '      "dockerfile": "Dockerfile",',
      '      "contexts": {"alpine": "docker-image://alpine:${V}"}',
      '    }',
      '  }',
      '}',
      '',
    ].join('\n');
    const result = run(text, 'bake');
    assert.deepEqual(places(result), ['6:46-6:57 image alpine:${V}']);
    assertExact(text, result);
    assert.equal(result.images[0]!.resolved, 'alpine:3.20');
    assert.deepEqual(
      result.uses?.map((u) => u.path),
      ['Dockerfile'],
    );
  });
});
