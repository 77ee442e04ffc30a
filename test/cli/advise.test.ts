// `shipshape advise` end to end: a folder with a Dockerfile and a manifest, the stand-in Trivy
// with a report per tag (TRIVY_STANDIN_TAG_REPORTS), and a real registry on loopback holding
// several tags of one repository.

import { after, afterEach, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AdviceJson } from '../../src/cli/advise.js';
import { runCli } from '../support/cli.js';
import { freePort, pushImage, startRegistry, type Registry } from '../support/registry.js';
import { imageScans, STAND_IN, standInLog } from '../support/trivy.js';

let registry: Registry;
let root: string;
let host: string;
let log: ReturnType<typeof standInLog> | undefined;
let cacheDir: string | undefined;
const digests: Record<string, string> = {};

const APP_TAGS = ['1.2.3', '1.2.4', '1.2.5', '1.3.0', '2.0.0', '1.2.6-rc1', '1.2.5-alpine'];

function counts(partial: Record<string, number>) {
  return { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0, ...partial };
}

/** A fresh scan cache and invocation log, with the reports of every tag. */
function standIn(extra: Record<string, unknown> = {}): void {
  cacheDir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-advise-cache-'));
  log = standInLog({
    SHIPSHAPE_CACHE_DIR: cacheDir,
    TRIVY_STANDIN_TAG_REPORTS: JSON.stringify({
      [`${host}/team/app:1.2.3`]: { CRITICAL: 2, HIGH: 5, LOW: 1 },
      [`${host}/team/app:1.2.4`]: { CRITICAL: 2, HIGH: 6 },
      [`${host}/team/app:1.2.5`]: { HIGH: 1 },
      [`${host}/team/app:1.3.0`]: { LOW: 2 },
      [`${host}/team/app`]: {},
      [`${host}/team/base:3.0.0`]: { HIGH: 1 },
      [`${host}/team/base:3.0.1`]: { HIGH: 2 },
      [`${host}/team/calm:1.0`]: { LOW: 1 },
      ...extra,
    }),
  });
}

async function advise(args: readonly string[]) {
  return runCli(['advise', '--trivy', STAND_IN, ...args]);
}

describe('shipshape advise', () => {
  before(async () => {
    registry = await startRegistry();
    host = registry.host;
    for (const tag of APP_TAGS) digests[tag] = (await pushImage(registry, 'team/app', tag, { content: `app ${tag}` })).digest;
    for (const tag of ['3.0.0', '3.0.1']) await pushImage(registry, 'team/base', tag, { content: `base ${tag}` });
    await pushImage(registry, 'team/calm', '1.0');
    root = mkdtempSync(path.join(os.tmpdir(), 'shipshape-cli-advise-'));
    writeFileSync(path.join(root, 'Dockerfile'), `FROM ${host}/team/app:1.2.3 AS build\nRUN make\nFROM ${host}/team/base:3.0.0\n`);
    mkdirSync(path.join(root, 'k8s'));
    writeFileSync(
      path.join(root, 'k8s', 'app.yaml'),
      `apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n    - name: app\n      image: ${host}/team/app:1.2.3\n` +
        `    - name: calm\n      image: ${host}/team/calm:1.0\n`,
    );
  });
  after(async () => {
    await registry.stop();
    rmSync(root, { recursive: true, force: true });
  });
  afterEach(() => {
    log?.restore();
    log = undefined;
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  });

  test('JSON: one entry per place of an image with a strictly safer tag, pinned by digest', async () => {
    standIn();
    const run = await advise(['--format', 'json', root]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as AdviceJson;
    assert.deepEqual(Object.keys(report), ['version', 'advice', 'errors']);
    assert.equal(report.version, 1);
    const pinned = `${host}/team/app:1.3.0@${digests['1.3.0']}`;
    assert.deepEqual(
      report.advice.map((a) => ({ ...a, file: path.relative(root, a.file) })),
      [
        {
          file: 'Dockerfile',
          line: 1,
          column: 6,
          reference: `${host}/team/app:1.2.3`,
          suggested: pinned,
          vulnerabilities: { before: counts({ CRITICAL: 2, HIGH: 5, LOW: 1 }), after: counts({ LOW: 2 }) },
        },
        {
          file: path.join('k8s', 'app.yaml'),
          line: 7,
          column: 14,
          reference: `${host}/team/app:1.2.3`,
          suggested: pinned,
          vulnerabilities: { before: counts({ CRITICAL: 2, HIGH: 5, LOW: 1 }), after: counts({ LOW: 2 }) },
        },
      ],
    );
    assert.deepEqual(report.errors, []);
    // The current images once each, and the three newest tags of the same major and variant (no rc, no -alpine, no 2.0.0).
    assert.deepEqual(
      imageScans(log!.invocations())
        .map((i) => i.argv.at(-1))
        .sort(),
      [
        `${host}/team/app:1.2.3`,
        `${host}/team/app:1.2.4`,
        `${host}/team/app:1.2.5`,
        `${host}/team/app:1.3.0`,
        `${host}/team/base:3.0.0`,
        `${host}/team/base:3.0.1`,
        `${host}/team/calm:1.0`,
      ],
    );
  });

  test('text: file:line:col  image -> pinned safer tag (what changes; fixable), and why where there is none', async () => {
    standIn();
    const run = await advise([root]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    const dockerfile = path.join(root, 'Dockerfile');
    assert.deepEqual(lines, [
      `${dockerfile}:1:6  ${host}/team/app:1.2.3 -> ${host}/team/app:1.3.0@${digests['1.3.0']} (2 CRITICAL, 5 HIGH fewer; fixable)`,
      `${dockerfile}:3:6  ${host}/team/base:3.0.0: Compared 1 newer tag (3.0.1); none has fewer HIGH and CRITICAL vulnerabilities without more CRITICAL ones.`,
      `${path.join(root, 'k8s', 'app.yaml')}:7:14  ${host}/team/app:1.2.3 -> ${host}/team/app:1.3.0@${digests['1.3.0']} (2 CRITICAL, 5 HIGH fewer; fixable)`,
      '1 of 2 images with HIGH or CRITICAL vulnerabilities has a safer tag.',
    ]);
    assert.equal(run.stderr, '');
  });

  test('--max-candidates bounds the tags scanned; --allow-major lets a newer major in', async () => {
    standIn();
    const one = await advise(['--format', 'json', '--max-candidates', '1', path.join(root, 'Dockerfile')]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal((JSON.parse(one.stdout) as AdviceJson).advice[0]!.suggested, `${host}/team/app:1.3.0@${digests['1.3.0']}`);
    const appScans = imageScans(log!.invocations()).filter((i) => i.argv.at(-1)!.startsWith(`${host}/team/app:`));
    assert.deepEqual(appScans.map((i) => i.argv.at(-1)).sort(), [`${host}/team/app:1.2.3`, `${host}/team/app:1.3.0`]);
    const major = await advise(['--format', 'json', '--allow-major', path.join(root, 'Dockerfile')]);
    assert.equal((JSON.parse(major.stdout) as AdviceJson).advice[0]!.suggested, `${host}/team/app:2.0.0@${digests['2.0.0']}`);
  });

  test('a registry that cannot list tags is an error entry; the exit status stays 0', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-cli-advise-down-'));
    try {
      // A free loopback port: nothing listens there.
      const down = `127.0.0.1:${await freePort()}`;
      writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${down}/team/gone:1.0.0\n`);
      standIn({ [`${down}/team/gone:1.0.0`]: { CRITICAL: 1 } });
      const run = await advise(['--format', 'json', dir]);
      assert.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout) as AdviceJson;
      assert.deepEqual(report.advice, []);
      assert.equal(report.errors.length, 1);
      assert.equal(report.errors[0]!.line, 1);
      assert.equal(report.errors[0]!.reference, `${down}/team/gone:1.0.0`);
      assert.match(
        report.errors[0]!.message,
        /^Could not list the tags of 127\.0\.0\.1:\d+\/team\/gone: .*the connection at 127\.0\.0\.1:\d+ was refused/,
      );
      const text = await advise([dir]);
      assert.match(text.stderr, /^shipshape: .*Dockerfile:1: Could not list the tags of 127\.0\.0\.1:\d+\/team\/gone/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('Trivy missing: said once, exit 2; usage errors exit 2', async () => {
    standIn();
    const missing = await runCli(['advise', '--trivy', path.join(root, 'no-trivy'), root]);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
    assert.match(missing.stderr, /^shipshape: .*Trivy/);
    assert.equal((await advise(['--format', 'sarif', root])).code, 2);
    assert.equal((await advise(['--max-candidates', '0', root])).code, 2);
    const help = await runCli(['advise', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: shipshape advise/);
    assert.match((await runCli(['--help'])).stdout, /shipshape advise .*\n.*shipshape tags/);
  });

  test('a path that cannot be read: exit 2, said in the report', async () => {
    standIn();
    const run = await advise(['--format', 'json', path.join(root, 'missing')]);
    assert.equal(run.code, 2);
    const report = JSON.parse(run.stdout) as AdviceJson;
    assert.equal(report.errors.length, 1);
    assert.equal(report.errors[0]!.file, path.join(root, 'missing'));
  });
});
