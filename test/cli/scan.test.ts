// The `shipshape scan` command, driven in-process through `main(argv, io)` on temporary
// folders, and once end to end through the built `dist/cli.js`.

import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { runCli, type Run } from '../support/cli.js';
import type { JsonReport } from '../../src/core/index.js';
import { tempTree } from '../support/tree.js';

const ROOT = path.resolve(__dirname, '..', '..');
const DIGEST = `sha256:${'c'.repeat(64)}`;

// ---------------------------------------------------------------------------------------------
// Helpers

/** Runs the CLI in-process. These tests are about the static rules, so `scan` runs --offline (scanning: cliScan.test.ts). */
async function cli(given: readonly string[], isTTY = false): Promise<Run> {
  const args = given[0] === 'scan' && !given.includes('--offline') ? ['scan', '--offline', ...given.slice(1)] : given;
  return runCli(args, isTTY);
}

async function scanJson(args: readonly string[]): Promise<{ code: number; report: JsonReport; stderr: string }> {
  const run = await cli(['scan', '--format', 'json', ...args]);
  return { code: run.code, report: JSON.parse(run.stdout) as JsonReport, stderr: run.stderr };
}

const tree = (files: Readonly<Record<string, string | Uint8Array>>) => tempTree(files, 'shipshape-cli-');

/** A path under `root`, written with `/`, for comparing report entries. */
function under(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

/** The files that images were reported in, in report order, relative to `root`. */
function imageFiles(report: JsonReport, root: string): string[] {
  return [...new Set(report.images.map((i) => under(root, i.file)))];
}

function findingSummary(report: JsonReport): string[] {
  return report.findings.map((f) => `${f.rule}${f.reason ? `/${f.reason}` : ''}:${f.severity}`);
}

/** `text` as a literal inside a RegExp. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A Kubernetes Deployment with one container. */
function deployment(image: string, extra = ''): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: web',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: app',
    `          image: ${image}`,
    extra,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

describe('walking folders', () => {
  test('recognises Dockerfiles, Containerfiles, YAML and Kubernetes JSON by name, and nothing else', async () => {
    const root = await tree({
      Dockerfile: 'FROM nginx:1.27\n',
      Containerfile: 'FROM alpine:3.20\n',
      'lower/dockerfile': 'FROM busybox:1.36\n',
      'x.Dockerfile': 'FROM redis:7\n',
      'Dockerfile.prod': 'FROM node:20\n',
      'Dockerfile.dockerignore': 'FROM ignored:1\n',
      'compose.yml': 'services:\n  db:\n    image: postgres:16\n',
      'k8s/pod.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: httpd:2.4\n',
      'k8s/pod.json': JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'j' },
        spec: { containers: [{ name: 'c', image: 'memcached:1.6' }] },
      }),
      'package.json': JSON.stringify({ name: 'app', image: 'ignored:2', kind: 'module' }),
      'notes.txt': 'FROM ignored:3\n',
      'README.md': '    image: ignored:4\n',
    });
    const { code, report } = await scanJson(['--fail-on', 'none', root]);
    assert.equal(code, 0);
    // Folders are walked in a stable (sorted) order.
    assert.deepEqual(imageFiles(report, root), [
      'Containerfile',
      'Dockerfile',
      'Dockerfile.prod',
      'compose.yml',
      'k8s/pod.json',
      'k8s/pod.yaml',
      'lower/dockerfile',
      'x.Dockerfile',
    ]);
    assert.deepEqual(
      report.images.map((i) => i.raw),
      ['alpine:3.20', 'nginx:1.27', 'node:20', 'postgres:16', 'memcached:1.6', 'httpd:2.4', 'busybox:1.36', 'redis:7'],
    );
    assert.deepEqual(
      report.images.map((i) => i.source),
      ['dockerfile', 'dockerfile', 'dockerfile', 'compose', 'kubernetes', 'kubernetes', 'dockerfile', 'dockerfile'],
    );
    assert.ok(!report.images.some((i) => i.raw.startsWith('ignored')));
    // Files that are simply not Shipshape's business are not noted while walking.
    assert.deepEqual(report.skipped, []);
    assert.deepEqual(report.errors, []);
  });

  test('skips .git and node_modules folders at any depth, but not folders merely named like them', async () => {
    const root = await tree({
      '.git/Dockerfile': 'FROM evil:1\n',
      'node_modules/pkg/Dockerfile': 'FROM evil:2\n',
      'app/node_modules/dep/deploy.yaml': deployment('evil:3'),
      'app/Dockerfile': 'FROM nginx:1.27\n',
      'node_modules_backup/Dockerfile': 'FROM alpine:3.20\n',
      '.github/compose.yaml': 'services:\n  ci:\n    image: redis:7\n',
    });
    const { report } = await scanJson(['--fail-on', 'none', root]);
    assert.deepEqual(imageFiles(report, root), ['.github/compose.yaml', 'app/Dockerfile', 'node_modules_backup/Dockerfile']);
    assert.ok(!report.images.some((i) => i.raw.startsWith('evil')));
    assert.deepEqual(report.skipped, []);
  });

  test('binary files and files over --max-file-size are skipped with a note (text and JSON)', async () => {
    const big = `services:\n  web:\n    image: nginx:latest\n${'# padding padding\n'.repeat(100)}`;
    assert.ok(Buffer.byteLength(big) > 1024);
    const exact = `services:\n  web:\n    image: redis:7\n`;
    const exactly1K = exact + '#'.repeat(1024 - Buffer.byteLength(exact) - 1) + '\n';
    assert.equal(Buffer.byteLength(exactly1K), 1024);
    const root = await tree({
      Dockerfile: Buffer.concat([Buffer.from('FROM nginx:latest\n'), Buffer.from([0, 1, 2, 0]), Buffer.from('\n')]),
      'big.yaml': big,
      'exact.yaml': exactly1K,
    });
    const binary = path.join(root, 'Dockerfile');
    const oversized = path.join(root, 'big.yaml');

    const json = await scanJson(['--max-file-size', '1K', root]);
    assert.deepEqual(imageFiles(json.report, root), ['exact.yaml'], 'a file of exactly the limit is still read');
    assert.equal(json.report.skipped.length, 2);
    const binaryNote = json.report.skipped.find((s) => s.file === binary);
    const bigNote = json.report.skipped.find((s) => s.file === oversized);
    assert.ok(binaryNote, 'the binary file is listed in skipped');
    assert.match(binaryNote.reason, /binary/);
    assert.ok(bigNote, 'the oversized file is listed in skipped');
    assert.match(bigNote.reason, /larger than 1\.0 KiB/);
    // Nothing at or above warning was analysed: the `latest` images were in skipped files.
    assert.equal(json.code, 0);

    // The same limit, as people write it.
    for (const size of ['1KB', '1kib', '1024', '0.5K']) {
      const same = await scanJson(['--max-file-size', size, root]);
      assert.equal(same.report.skipped.length, size === '0.5K' ? 3 : 2, size);
    }

    const text = await cli(['scan', '--max-file-size', '1K', root]);
    const lines = text.stdout.split('\n');
    assert.ok(
      lines.some((l) => l.startsWith(`note: ${binary}: `) && /binary/.test(l)),
      text.stdout,
    );
    assert.ok(
      lines.some((l) => l.startsWith(`note: ${oversized}: `) && /larger than/.test(l)),
      text.stdout,
    );

    // Without the option the default limit (10M) reads the large file.
    const full = await scanJson([root]);
    assert.deepEqual(imageFiles(full.report, root), ['big.yaml', 'exact.yaml']);
    assert.equal(full.code, 1);
  });

  test('a file given explicitly that is not recognised is noted as skipped; recognised ones are read', async () => {
    const root = await tree({
      'README.md': 'FROM nginx:latest\n',
      'Dockerfile.dockerignore': 'FROM nginx:latest\n',
      'build/Dockerfile': 'FROM alpine:3.20\n',
    });
    const readme = path.join(root, 'README.md');
    const ignore = path.join(root, 'Dockerfile.dockerignore');
    const dockerfile = path.join(root, 'build', 'Dockerfile');
    const { report } = await scanJson([readme, ignore, dockerfile]);
    assert.deepEqual(
      report.skipped.map((s) => s.file),
      [readme, ignore],
    );
    for (const skipped of report.skipped) assert.match(skipped.reason, /not a Dockerfile/);
    assert.deepEqual(
      report.images.map((i) => [i.file, i.raw]),
      [[dockerfile, 'alpine:3.20']],
    );

    const text = await cli(['scan', readme]);
    assert.match(text.stdout, new RegExp(`^note: ${escape(readme)}: not a Dockerfile`, 'm'));
  });

  test('a JSON file given explicitly that is not a Kubernetes object is noted as skipped', async () => {
    const root = await tree({ 'package.json': '{"name":"app"}\n' });
    const file = path.join(root, 'package.json');
    const { report } = await scanJson([file]);
    assert.deepEqual(
      report.skipped.map((s) => s.file),
      [file],
    );
  });

  test('a path that does not exist: exit 2 and a message on stderr naming it', async () => {
    const root = await tree({ Dockerfile: 'FROM nginx:1.27@' + DIGEST + '\nUSER 1000\n' });
    const missing = path.join(root, 'no-such-folder');
    const run = await cli(['scan', missing]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^shipshape: /);
    assert.ok(run.stderr.includes(missing), run.stderr);
    assert.match(run.stderr, /no such file/);

    // Alongside a good path, still 2, and the good path is still scanned.
    const both = await scanJson([root, missing]);
    assert.equal(both.code, 2);
    assert.deepEqual(
      both.report.images.map((i) => i.raw),
      [`nginx:1.27@${DIGEST}`],
    );
    assert.deepEqual(both.report.errors, [{ file: missing, message: 'no such file or folder' }]);
    assert.ok(both.stderr.includes(missing));
  });
});

// ---------------------------------------------------------------------------------------------

describe('usage', () => {
  const cases: readonly (readonly [string, readonly string[], RegExp])[] = [
    ['an unknown option', ['--bogus'], /--bogus/],
    ['a bad --format', ['--format', 'xml'], /--format.*"xml"/],
    ['a bad --fail-on', ['--fail-on', 'critical'], /--fail-on.*"critical"/],
    ['a --build-arg without =', ['--build-arg', 'VERSION'], /--build-arg.*"VERSION"/],
    ['a --build-arg without a name', ['--build-arg', '=1.27'], /--build-arg.*"=1\.27"/],
    ['a malformed --severity', ['--severity', 'loud'], /--severity.*"loud"/],
    ['a --severity with an unknown level', ['--severity', 'root-user=fatal'], /"fatal"/],
    ['a --severity with an unknown rule', ['--severity', 'no-such-rule=error'], /unknown rule "no-such-rule"/],
    ['a --severity with an unknown variant', ['--severity', 'root-user:latest=error'], /root-user.*"latest"/],
    ['an unknown rule in --disable', ['--disable', 'no-such-rule'], /--disable.*unknown rule "no-such-rule"/],
    ['a bad --max-file-size', ['--max-file-size', '1G'], /--max-file-size.*"1G"/],
  ];
  for (const [what, args, message] of cases) {
    test(`${what}: exit 2 and a message naming the problem`, async () => {
      const root = await tree({ Dockerfile: 'FROM nginx:latest\n' });
      const run = await cli(['scan', ...args, root]);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /^shipshape: /);
      assert.match(run.stderr, message);
      assert.match(run.stderr, /Usage: shipshape scan/);
      assert.equal(run.stdout, '', 'no report is written');
    });
  }

  test('an unknown command: exit 2', async () => {
    const run = await cli(['frobnicate']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown command "frobnicate"/);
  });

  test('--help (before or after scan) prints the usage and exits 0', async () => {
    for (const args of [['--help'], ['-h'], ['scan', '--help'], ['scan', '-h']]) {
      const run = await cli(args);
      assert.equal(run.code, 0, args.join(' '));
      assert.match(run.stdout, /^Usage: shipshape scan \[options\] \[PATH\.\.\.\]/);
      for (const option of ['--format', '--output', '--build-arg', '--fail-on', '--disable', '--severity', '--max-file-size']) {
        assert.ok(run.stdout.includes(option), `usage mentions ${option}`);
      }
      assert.equal(run.stderr, '');
    }
  });

  test('--version prints a version and exits 0', async () => {
    const run = await cli(['--version']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^\d+\.\d+\.\d+\S*\n$/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('exit codes', () => {
  test('FROM nginx:1.27 gives two info findings: only --fail-on info fails', async () => {
    const root = await tree({ Dockerfile: 'FROM nginx:1.27\n' });
    const { report } = await scanJson(['--fail-on', 'none', root]);
    assert.deepEqual(findingSummary(report), ['root-user/implicit:info', 'unpinned-image/mutable-tag:info']);
    const expected: Record<string, number> = { error: 0, warning: 0, info: 1, none: 0 };
    for (const [level, code] of Object.entries(expected)) {
      assert.equal((await cli(['scan', '--fail-on', level, root])).code, code, `--fail-on ${level}`);
    }
    assert.equal((await cli(['scan', root])).code, 0, 'the default is --fail-on warning');
  });

  test('FROM nginx:latest gives a warning: --fail-on warning and info fail', async () => {
    const root = await tree({ Dockerfile: 'FROM nginx:latest\n' });
    const { report } = await scanJson(['--fail-on', 'none', root]);
    assert.deepEqual(findingSummary(report), ['root-user/implicit:info', 'unpinned-image/latest:warning']);
    const expected: Record<string, number> = { error: 0, warning: 1, info: 1, none: 0 };
    for (const [level, code] of Object.entries(expected)) {
      assert.equal((await cli(['scan', '--fail-on', level, root])).code, code, `--fail-on ${level}`);
    }
    assert.equal((await cli(['scan', root])).code, 1, 'the default is --fail-on warning');
  });

  test('an invalid reference is an error: --fail-on error fails', async () => {
    const root = await tree({ Dockerfile: 'FROM Nginx:1\nUSER 1000\n' });
    const { report } = await scanJson(['--fail-on', 'none', root]);
    assert.deepEqual(findingSummary(report), ['invalid-reference:error']);
    assert.equal((await cli(['scan', '--fail-on', 'error', root])).code, 1);
    assert.equal((await cli(['scan', '--fail-on', 'none', root])).code, 0);
  });

  test('nothing to report: 0 even with --fail-on info', async () => {
    const root = await tree({ Dockerfile: `FROM nginx:1.27@${DIGEST}\nUSER 1000\n` });
    const run = await cli(['scan', '--fail-on', 'info', root]);
    assert.equal(run.code, 0);
    assert.equal(run.stderr, '');
  });

  test('a YAML syntax error fails with 1 even without findings', async () => {
    const root = await tree({ 'compose.yaml': `services:\n  web:\n    image: nginx@${DIGEST}\n    image: redis@${DIGEST}\n` });
    const { report } = await scanJson([root]);
    assert.deepEqual(report.findings, []);
    assert.equal(report.errors.length, 1);
    assert.equal((await cli(['scan', root])).code, 1);
    assert.equal((await cli(['scan', '--fail-on', 'error', root])).code, 1);
  });
});

// ---------------------------------------------------------------------------------------------

describe('options', () => {
  test("--values and --set render a chart with the values it is deployed with: images switched on, the value found in the user's file", async () => {
    const root = await tree({
      'chart/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 1.0.0\n',
      'chart/values.yaml': 'image:\n  repository: nginx\n  tag: "1.27"\nsidecar:\n  enabled: false\n  image: busybox:1.36\n',
      'chart/templates/deployment.yaml': [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: web}',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '        - name: web',
        '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"',
        '        {{- if .Values.sidecar.enabled }}',
        '        - name: sidecar',
        '          image: {{ .Values.sidecar.image }}',
        '        {{- end }}',
        '',
      ].join('\n'),
      'deploy/prod.yaml': 'image:\n  tag: "1.28"\n',
    });
    const active = (report: JsonReport) =>
      report.images.filter((i) => i.source === 'helm' && i.active !== false).map((i) => [under(root, i.file), i.reference]);
    const plain = await scanJson(['--fail-on', 'none', path.join(root, 'chart')]);
    assert.deepEqual(active(plain.report), [['chart/values.yaml', 'docker.io/library/nginx:1.27']]);
    assert.deepEqual(
      plain.report.images.filter((i) => i.active === false).map((i) => [i.raw, i.condition]),
      [['{{ .Values.sidecar.image }}', '.Values.sidecar.enabled']],
    );
    const deployed = await scanJson([
      '--fail-on',
      'none',
      '--values',
      path.join(root, 'deploy', 'prod.yaml'),
      '--set',
      'sidecar.enabled=true',
      path.join(root, 'chart'),
    ]);
    assert.deepEqual(active(deployed.report).sort(), [
      ['chart/values.yaml', 'docker.io/library/busybox:1.36'],
      ['deploy/prod.yaml', 'docker.io/library/nginx:1.28'],
    ]);
    assert.ok(deployed.report.findings.some((f) => under(root, f.file) === 'deploy/prod.yaml' && f.rule === 'unpinned-image'));
  });

  test('--build-arg changes what an ARG resolves to', async () => {
    const root = await tree({
      Dockerfile: 'ARG VERSION=1.25\nFROM nginx:${VERSION}\nUSER 1000\n',
      'tool.Dockerfile': 'ARG TAG\nFROM alpine:${TAG}\nUSER 1000\n',
    });
    const plain = await scanJson(['--fail-on', 'none', root]);
    assert.deepEqual(
      plain.report.images.map((i) => [i.raw, i.reference, i.status]),
      [
        ['nginx:${VERSION}', 'docker.io/library/nginx:1.25', 'image'],
        ['alpine:${TAG}', null, 'unresolved'],
      ],
    );
    assert.deepEqual(findingSummary(plain.report), ['unpinned-image/mutable-tag:info', 'unresolved-image:info']);

    const set = await scanJson(['--fail-on', 'none', '--build-arg', 'VERSION=1.27', '--build-arg', 'TAG=3.20', root]);
    assert.deepEqual(
      set.report.images.map((i) => [i.raw, i.reference, i.status]),
      [
        ['nginx:${VERSION}', 'docker.io/library/nginx:1.27', 'image'],
        ['alpine:${TAG}', 'docker.io/library/alpine:3.20', 'image'],
      ],
    );
    assert.deepEqual(findingSummary(set.report), ['unpinned-image/mutable-tag:info', 'unpinned-image/mutable-tag:info']);
  });

  test('--build-arg keeps everything after the first = in the value', async () => {
    const root = await tree({ Dockerfile: 'ARG IMAGE=busybox\nFROM ${IMAGE}\nUSER 1000\n' });
    const { report } = await scanJson(['--fail-on', 'none', '--build-arg', `IMAGE=nginx@${DIGEST}`, root]);
    assert.equal(report.images[0]!.reference, `docker.io/library/nginx@${DIGEST}`);
    assert.equal(report.images[0]!.pinned, true);
  });

  test('--disable root-user removes root-user findings and keeps the others', async () => {
    const root = await tree({ Dockerfile: 'FROM nginx:latest\nUSER root\n', 'k8s.yaml': deployment('redis:7') });
    const before = await scanJson(['--fail-on', 'none', root]);
    assert.ok(before.report.findings.some((f) => f.rule === 'root-user'));
    const { report } = await scanJson(['--fail-on', 'none', '--disable', 'root-user', root]);
    assert.deepEqual(findingSummary(report), ['unpinned-image/latest:warning', 'unpinned-image/mutable-tag:info']);
    // Disabling every rule that fires leaves nothing to fail on.
    const none = await cli(['scan', '--fail-on', 'info', '--disable', 'root-user', '--disable', 'unpinned-image', root]);
    assert.equal(none.code, 0);
  });

  test('--severity RULE:VARIANT=LEVEL changes that variant only', async () => {
    const root = await tree({ Dockerfile: 'FROM nginx:latest AS base\nFROM nginx:1.27\n' });
    const { code, report } = await scanJson(['--fail-on', 'error', '--severity', 'unpinned-image:mutable-tag=error', root]);
    assert.deepEqual(findingSummary(report), [
      'unpinned-image/latest:warning',
      'root-user/implicit:info',
      'unpinned-image/mutable-tag:error',
    ]);
    assert.equal(code, 1, 'the raised finding now fails --fail-on error');
  });

  test('--severity RULE=LEVEL changes every variant of the rule', async () => {
    const root = await tree({ Dockerfile: 'FROM nginx:latest\n' });
    const { report } = await scanJson(['--fail-on', 'none', '--severity', 'root-user=error', '--severity', 'unpinned-image=info', root]);
    assert.deepEqual(findingSummary(report), ['root-user/implicit:error', 'unpinned-image/latest:info']);
  });

  test('--severity for a variant refines an earlier rule-wide --severity', async () => {
    const root = await tree({ Dockerfile: 'FROM nginx:latest AS base\nFROM nginx:1.27\nUSER 1000\n' });
    const { report } = await scanJson([
      '--fail-on',
      'none',
      '--severity',
      'unpinned-image=error',
      '--severity',
      'unpinned-image:latest=info',
      root,
    ]);
    assert.deepEqual(findingSummary(report), ['unpinned-image/latest:info', 'unpinned-image/mutable-tag:error']);
  });

  test('--output FILE writes the report there and nothing to stdout', async () => {
    const root = await tree({ Dockerfile: 'FROM nginx:latest\n' });
    const out = await tempTree({}, 'shipshape-out-');
    const file = path.join(out, 'report.json');
    const run = await cli(['scan', '--format', 'json', '--output', file, root], true);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, '');
    assert.equal(run.code, 1, 'the exit code still reflects the findings');
    const written = JSON.parse(await fs.readFile(file, 'utf8')) as JsonReport;
    assert.equal(written.version, 3);
    assert.deepEqual(
      written.images.map((i) => i.raw),
      ['nginx:latest'],
    );
    assert.deepEqual(await fs.readdir(out), ['report.json'], 'no temporary file is left beside it');

    // A text report written to a file has no colour codes, even from a terminal.
    const textFile = path.join(out, 'report.txt');
    const text = await cli(['scan', '-o', textFile, root], true);
    assert.equal(text.stdout, '');
    const written2 = await fs.readFile(textFile, 'utf8');
    assert.match(written2, /unpinned-image/);
    assert.ok(!written2.includes('\x1b'), 'no ANSI codes in a file');
  });

  test('--output to a path that cannot be written: exit 2 and a message on stderr', async () => {
    const root = await tree({ Dockerfile: 'FROM nginx:latest\n', 'out/keep': '' });
    const run = await cli(['scan', '--output', path.join(root, 'out'), path.join(root, 'Dockerfile')]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^shipshape: /);
    assert.equal(run.stdout, '');
  });

  test('--output to a path that cannot be written leaves no temporary file behind', async () => {
    const root = await tree({ Dockerfile: 'FROM nginx:latest\n', 'out/keep': '' });
    await cli(['scan', '--output', path.join(root, 'out'), path.join(root, 'Dockerfile')]);
    assert.deepEqual((await fs.readdir(root)).sort(), ['Dockerfile', 'out']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('YAML syntax errors', () => {
  test('a broken document is an error with its line; other documents and files are still analysed', async () => {
    const lines = [
      'apiVersion: v1', //                 1
      'kind: Pod', //                      2
      'metadata:', //                      3
      '  name: first', //                  4
      'spec:', //                          5
      '  containers:', //                  6
      '    - name: a', //                  7
      '      image: nginx:1.27', //        8
      '---', //                            9
      'apiVersion: v1', //                10
      'kind: Pod', //                     11
      'metadata:', //                     12
      '  name: broken', //                13
      '  name: twice', //                 14  duplicate key
      'spec:', //                         15
      '  containers:', //                 16
      '    - name: b', //                 17
      '      image: busybox:1.36', //     18
      '---', //                           19
      'apiVersion: v1', //                20
      'kind: Pod', //                     21
      'metadata:', //                     22
      '  name: third', //                 23
      'spec:', //                         24
      '  containers:', //                 25
      '    - name: c', //                 26
      '      image: redis:latest', //     27
      '',
    ];
    const root = await tree({ 'pods.yaml': lines.join('\n'), Dockerfile: 'FROM alpine:latest\n' });
    const pods = path.join(root, 'pods.yaml');
    const { code, report } = await scanJson([root]);
    assert.equal(code, 1);
    assert.equal(report.errors.length, 1);
    const error = report.errors[0]!;
    assert.equal(error.file, pods);
    assert.equal(error.line, 14);
    assert.match(error.message, /document 2/);
    assert.deepEqual(
      report.images.map((i) => [under(root, i.file), i.raw, i.line, i.workload?.document ?? null]),
      [
        ['Dockerfile', 'alpine:latest', 1, null],
        ['pods.yaml', 'nginx:1.27', 8, 0],
        // A duplicate key is an error, and the document is still read as Kubernetes reads it.
        ['pods.yaml', 'busybox:1.36', 18, 1],
        ['pods.yaml', 'redis:latest', 27, 2],
      ],
    );
    assert.ok(report.findings.some((f) => f.file === pods && f.line === 27 && f.rule === 'unpinned-image'));
    assert.ok(report.findings.some((f) => f.file === pods && f.line === 8 && f.rule === 'unpinned-image'));
    assert.ok(report.findings.some((f) => under(root, f.file) === 'Dockerfile' && f.reason === 'latest'));
  });
});

// ---------------------------------------------------------------------------------------------

describe('the text format', () => {
  async function fixture(): Promise<string> {
    return tree({
      Dockerfile: 'FROM nginx:latest\n',
      'k8s.yaml': deployment(`nginx:1.27@${DIGEST}`, '          securityContext:\n            runAsNonRoot: true\n'),
      'svc/compose.yaml': 'services:\n  cache:\n    image: redis\n',
    });
  }

  test('groups findings by file, each line starting with file:line:col as given, then a summary', async () => {
    const root = await fixture();
    const given = path.relative(process.cwd(), root) || '.';
    const dockerfile = path.join(given, 'Dockerfile');
    const compose = path.join(given, 'svc', 'compose.yaml');
    const run = await cli(['scan', given]);
    assert.equal(run.code, 1);
    assert.ok(run.stdout.endsWith('\n'));
    const lines = run.stdout.slice(0, -1).split('\n');
    // Group headers: the files with findings, as given, in walk order; a clean file has none.
    assert.equal(lines[0], dockerfile);
    const composeHeader = lines.indexOf(compose);
    assert.ok(composeHeader > 0, run.stdout);
    assert.equal(lines[composeHeader - 1], '', 'groups are separated by a blank line');
    assert.ok(!run.stdout.includes('k8s.yaml'), 'a file without findings is not listed');

    const findingLines = lines.filter((l) => /^\s+\S+:\d+:\d+\s/.test(l));
    assert.deepEqual(
      findingLines.map((l) => /^\s+(\S+:\d+:\d+)\s+(error|warning|info)\s+(\S+)/.exec(l)?.slice(1).join(' ')),
      [`${dockerfile}:1:1 info root-user`, `${dockerfile}:1:6 warning unpinned-image`, `${compose}:3:12 warning unpinned-image`],
    );
    // Each finding line sits under its own file's header.
    for (const line of findingLines) {
      const header = lines
        .slice(0, lines.indexOf(line))
        .filter((l) => l !== '' && !/^\s/.test(l))
        .pop();
      assert.ok(line.trimStart().startsWith(`${header}:`), `${line} under ${header}`);
    }
    assert.equal(lines.at(-1), '3 findings (0 error, 2 warning, 1 info) in 2 of 3 files; 3 images checked.');
    assert.ok(!run.stdout.includes('\x1b'), 'no ANSI colour codes when stdout is not a terminal');
  });

  test('uses colour on a terminal', async () => {
    const root = await fixture();
    const run = await cli(['scan', root], true);
    assert.match(run.stdout, /\x1b\[\d+m/);
    // Stripped of colour, it is the same report.
    const plain = await cli(['scan', root], false);
    assert.equal(run.stdout.replace(/\x1b\[\d+m/g, ''), plain.stdout);
  });

  test('a clean scan says so, with totals', async () => {
    const root = await tree({ Dockerfile: `FROM nginx:1.27@${DIGEST}\nUSER 1000\n` });
    const run = await cli(['scan', root]);
    assert.equal(run.code, 0);
    assert.equal(run.stdout, 'No findings: 1 file and 1 image checked.\n');
  });
});

// ---------------------------------------------------------------------------------------------

describe('the built binary', () => {
  const CLI = path.join(ROOT, 'dist', 'cli.js');
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
    bin?: Record<string, string>;
  };

  before(() => {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
  });

  test('starts with a node shebang, and package.json bin.shipshape points to it', () => {
    assert.ok(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n'));
    const bin = pkg.bin?.shipshape;
    assert.ok(bin, 'package.json has bin.shipshape');
    assert.equal(path.resolve(ROOT, bin), CLI);
    if (process.platform !== 'win32') assert.ok((statSync(CLI).mode & 0o111) !== 0, 'dist/cli.js is executable');
  });

  test('scan --format json: exit code and a parsable report', async () => {
    const root = await tree({ Dockerfile: 'FROM nginx:latest\n', 'clean/Dockerfile': `FROM nginx:1.27@${DIGEST}\nUSER 1000\n` });
    const run = spawnSync(process.execPath, [CLI, 'scan', '--offline', '--format', 'json', root], { encoding: 'utf8' });
    assert.equal(run.status, 1, run.stderr);
    const report = JSON.parse(run.stdout) as JsonReport;
    assert.equal(report.version, 3);
    assert.deepEqual(
      report.images.map((i) => [under(root, i.file), i.reference, i.pinned]),
      [
        ['Dockerfile', 'docker.io/library/nginx:latest', false],
        ['clean/Dockerfile', `docker.io/library/nginx:1.27@${DIGEST}`, true],
      ],
    );
    assert.deepEqual(findingSummary(report), ['root-user/implicit:info', 'unpinned-image/latest:warning']);

    const clean = spawnSync(process.execPath, [CLI, 'scan', '--offline', '--format', 'json', path.join(root, 'clean')], {
      encoding: 'utf8',
    });
    assert.equal(clean.status, 0, clean.stderr);
    assert.deepEqual((JSON.parse(clean.stdout) as JsonReport).findings, []);

    const missing = spawnSync(process.execPath, [CLI, 'scan', '--offline', path.join(root, 'missing')], { encoding: 'utf8' });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no such file/);
  });

  test(
    'runs through its shebang and reports the package version',
    { skip: process.platform === 'win32' && 'no shebangs on Windows' },
    () => {
      const out = execFileSync(CLI, ['--version'], { encoding: 'utf8' });
      assert.equal(out, `${pkg.version}\n`);
    },
  );
});

describe('terminal safety', () => {
  test('control characters from file names and contents never reach the terminal: they are shown escaped', async () => {
    const evilName = 'pods\x1b]0;owned\x07.yaml';
    const root = await tree({
      [`k8s/${evilName}`]:
        'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: "nginx\\e[2J:1"\n    - name: d\n      ' +
        'image: "nginx:latest\\u202e"\n',
    });
    for (const args of [
      ['scan', '--offline', root],
      ['pin', root],
    ]) {
      const run = await cli(args);
      const out = run.stdout + run.stderr;

      assert.doesNotMatch(out, /[\x00-\x08\x0b-\x1f\x7f\u202e]/, `${args[0]}: ${JSON.stringify(out)}`);
      if (args[0] === 'scan')
        assert.ok(out.includes('pods\\u001b]0;owned\\u0007.yaml'), `scan names the file, escaped: ${JSON.stringify(out)}`);
    }
  });
});
