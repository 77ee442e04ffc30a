// `shipshape scan` on Compose projects: the project's `.env`, `--env-file`, `--env` and the
// environment; services that build their image; skipped files said once per reason.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { JsonReport } from '../../src/core/index.js';
import { runCli } from '../support/cli.js';
import { tempTree } from '../support/tree.js';

const tree = (files: Readonly<Record<string, string>>) => tempTree(files, 'shipshape-compose-');

async function json(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<JsonReport & { code: number; stderr: string }> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    const run = await runCli(['scan', '--offline', '--format', 'json', '--fail-on', 'none', ...args]);
    return { ...(JSON.parse(run.stdout) as JsonReport), code: run.code, stderr: run.stderr };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const PROJECT = {
  'compose.yaml': 'services:\n  app:\n    image: ${REGISTRY}/shop/app:${APP_TAG}\n  db:\n    image: postgres:${PG_VERSION:-16}\n',
  '.env': '# the images of this project\nREGISTRY=registry.lan:5000\nAPP_TAG=2.1 # released\n',
  'prod.env': 'REGISTRY=prod.lan\nAPP_TAG=3.0\n',
};

describe('Compose variables', () => {
  test("the project's .env resolves the images; findings name the resolved reference and the text as written", async () => {
    const root = await tree(PROJECT);
    const report = await json([root], { REGISTRY: undefined, APP_TAG: undefined, PG_VERSION: undefined });
    assert.deepEqual(
      report.images.map((i) => i.reference),
      ['registry.lan:5000/shop/app:2.1', 'docker.io/library/postgres:16'],
    );
    assert.deepEqual(
      report.findings.map((f) => [f.rule, f.reference, f.raw]),
      [
        ['unpinned-image', 'registry.lan:5000/shop/app:2.1', '${REGISTRY}/shop/app:${APP_TAG}'],
        ['unpinned-image', 'docker.io/library/postgres:16', 'postgres:${PG_VERSION:-16}'],
      ],
    );
  });

  test('the environment wins over .env; --env wins over both; --env-file replaces .env', async () => {
    const root = await tree(PROJECT);
    const clean = { REGISTRY: undefined, APP_TAG: undefined, PG_VERSION: undefined };
    assert.equal((await json([root], { ...clean, APP_TAG: '2.2' })).images[0]!.reference, 'registry.lan:5000/shop/app:2.2');
    assert.equal(
      (await json(['--env', 'APP_TAG=9', root], { ...clean, APP_TAG: '2.2' })).images[0]!.reference,
      'registry.lan:5000/shop/app:9',
    );
    assert.equal((await json(['--env-file', path.join(root, 'prod.env'), root], clean)).images[0]!.reference, 'prod.lan/shop/app:3.0');
  });

  test('without the variables the images are unresolved; a missing --env-file is an error entry', async () => {
    const root = await tree({ 'compose.yaml': PROJECT['compose.yaml'] });
    const report = await json(['--env-file', path.join(root, 'gone.env'), root], { REGISTRY: undefined, APP_TAG: undefined });
    assert.deepEqual(
      report.findings.map((f) => f.rule),
      ['unresolved-image', 'unpinned-image'],
    );
    assert.deepEqual(
      report.errors.map((e) => e.file),
      [path.join(root, 'gone.env')],
    );
    const usage = await runCli(['scan', '--offline', '--env', 'NOEQUALS', root]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--env expects NAME=VALUE, not "NOEQUALS"/);
  });
});

describe('Compose services that build their image', () => {
  const FILES = {
    'compose.yaml': [
      'services:',
      '  api:',
      '    build: {context: ./api, dockerfile: Dockerfile.prod}',
      '    image: ${REGISTRY}/api:${TAG}',
      '  worker:',
      '    build: ./worker',
      '  admin:',
      '    build: ./worker',
      '    user: "1000"',
      '',
    ].join('\n'),
    'api/Dockerfile.prod': `FROM node:22@sha256:${'a'.repeat(64)}\nUSER node\n`,
    'worker/Dockerfile': `FROM python:3.12@sha256:${'b'.repeat(64)}\nCMD ["python"]\n`,
  };

  test("no unpinned or unresolved image for what is built; a service without user takes its Dockerfile's root verdict", async () => {
    const root = await tree(FILES);
    const report = await json([path.join(root, 'compose.yaml')], { REGISTRY: undefined, TAG: undefined });
    const compose = path.join(root, 'compose.yaml');
    assert.deepEqual(
      report.findings.map((f) => [path.relative(root, f.file), f.line, f.rule, f.reason]),
      [
        ['compose.yaml', 6, 'root-user', 'implicit'],
        ['worker/Dockerfile', 1, 'root-user', 'implicit'],
      ],
    );
    const verdict = report.findings.find((f) => f.file === compose)!;
    assert.match(verdict.message, /^Service `worker` is built from `worker\/Dockerfile`, whose final stage sets no USER/);
    // The built Dockerfiles are analysed as usual, though only the Compose file was given.
    assert.deepEqual(report.analysed.map((a) => path.relative(root, a.file)).sort(), [
      'api/Dockerfile.prod',
      'compose.yaml',
      'worker/Dockerfile',
    ]);
  });

  test("build.target decides the stage whose USER counts, not the Dockerfile's final stage", async () => {
    const digest = `@sha256:${'c'.repeat(64)}`;
    const root = await tree({
      'compose.yaml': [
        'services:',
        '  app:',
        '    build: {context: ., target: App}',
        '  debug:',
        '    build: {context: .}',
        '  tools:',
        '    build:',
        '      context: .',
        '      target: ${TOOLS_STAGE:-tools}',
        '',
      ].join('\n'),
      // `app` runs as 1000; `tools` and the final `debug` stage run as root.
      Dockerfile: `FROM node:22${digest} AS app\nUSER 1000\nFROM node:22${digest} AS tools\nUSER root\nFROM app AS debug\nUSER 0\n`,
    });
    const report = await json([path.join(root, 'compose.yaml')], { TOOLS_STAGE: undefined });
    const compose = report.findings.filter((f) => f.file === path.join(root, 'compose.yaml'));
    assert.deepEqual(
      compose.map((f) => [f.line, f.rule, f.reason]),
      [
        [5, 'root-user', 'explicit'],
        [8, 'root-user', 'explicit'],
      ],
    );
    assert.match(compose[0]!.message, /whose final stage runs as root \(line 6\)/);
    assert.match(compose[1]!.message, /^Service `tools` is built from `Dockerfile`, whose stage `tools` runs as root \(line 4\)/);
  });

  test('a Dockerfile that cannot be read is said on the service', async () => {
    const root = await tree({ 'compose.yaml': 'services:\n  api:\n    build: ./missing\n' });
    const report = await json([root]);
    assert.match(report.errors[0]!.message, /^service `api` builds `missing\/Dockerfile`, which could not be read$/);
    assert.equal(report.errors[0]!.line, 3);
  });
});

describe('skipped files in the text report', () => {
  test('one line per reason; --verbose lists each file', async () => {
    const files: Record<string, string> = { Dockerfile: `FROM nginx@sha256:${'a'.repeat(64)}\nUSER 1\n` };
    for (let i = 0; i < 3; i++) files[`templates/t${i}.yaml`] = 'spec:\n{{- if .Values.x }}\n  image: {{ .Values.image }}\n{{- end }}\n';
    const root = await tree(files);
    const quiet = await runCli(['scan', '--offline', root]);
    const notes = quiet.stdout.split('\n').filter((l) => l.startsWith('note:'));
    assert.equal(notes.length, 1, quiet.stdout);
    assert.match(
      notes[0]!,
      /^note: 3 skipped: templates \(Helm or similar `\{\{ … \}\}` syntax\), e\.g\. .*t0\.yaml \(--verbose lists them\)$/,
    );
    const verbose = await runCli(['scan', '--offline', '--verbose', root]);
    assert.equal(verbose.stdout.split('\n').filter((l) => l.startsWith('note:')).length, 3);
  });
});
