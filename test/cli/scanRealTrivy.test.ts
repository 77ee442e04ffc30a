// `shipshape scan` through the real Trivy (built from its sources by scripts/tools.mjs), with our
// own database, on images of real distributions pushed to the loopback registry: every answer is
// compared with Trivy's own, `trivy image --format json` run directly on the same image.

import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../support/cli.js';
import type { JsonReport } from '../../src/core/index.js';

type JsonImage = JsonReport['images'][number];
import { fault, freePort, sleep, startFaultServer, startRegistry, type FaultServer, type Registry } from '../support/registry.js';
import { pushDistroImage, pushDistroIndex } from '../support/distroImages.js';
import {
  cleanUp,
  countsOf,
  offlineEnv,
  olderTrivy,
  realTrivy,
  setEnv,
  tempFolder,
  trivyCache,
  trivyImage,
  vulnerabilitiesOf,
  type TrivyReport,
} from '../support/realTrivy.js';

let registry: Registry;
let workspace: string;
let cache: string;
let restoreEnv: () => void;
/** `127.0.0.1:PORT/shipshape` */
let repo: string;

/** Shipshape's JSON report of `args` (the scan cache is off: every run asks Trivy). */
async function shipshape(args: readonly string[], trivy = realTrivy()): Promise<{ code: number; report: JsonReport; stderr: string }> {
  const run = await runCli(['scan', '--format', 'json', '--no-cache', '--fail-on', 'none', '--trivy', trivy, ...args]);
  return { code: run.code, report: JSON.parse(run.stdout) as JsonReport, stderr: run.stderr };
}

const imageIn = (report: JsonReport, raw: string): JsonImage => {
  const image = report.images.find((i) => i.raw === raw && i.vulnerabilities);
  assert.ok(image, `${raw} was scanned: ${JSON.stringify(report.errors)}`);
  return image;
};

/** What both reports are compared on: each vulnerability's id, package, installed and fixed versions, severity. */
const rowsOfShipshape = (image: JsonImage) =>
  image.details!.map((d) => `${d.id} ${d.package} ${d.installed} ${d.severity} fixed:${d.fixed.join(',')} ${d.status}`).sort();
const rowsOfTrivy = (report: TrivyReport) =>
  vulnerabilitiesOf(report)
    .map((v) => `${v.VulnerabilityID} ${v.PkgName} ${v.InstalledVersion} ${v.Severity} fixed:${v.FixedVersion ?? ''} ${v.Status}`)
    .sort();

/** Trivy's own answer for an image of the loopback registry, offline, with our database. */
const direct = (reference: string, extra: readonly string[] = [], trivy = realTrivy()) =>
  trivyImage(trivy, reference, offlineEnv(cache), ['--list-all-pkgs=false', ...extra]);

before(async () => {
  registry = await startRegistry();
  repo = `${registry.host}/shipshape`;
  await Promise.all([
    pushDistroImage(registry, 'shipshape/alpine', '3.19', { rootfs: 'alpine-3.19' }),
    pushDistroImage(registry, 'shipshape/alpine', '3.20', { rootfs: 'alpine-3.20', user: '65532' }),
    pushDistroImage(registry, 'shipshape/debian', '12', { rootfs: 'debian-12', user: '1000:1000' }),
    pushDistroIndex(registry, 'shipshape/multi', '1', { 'linux/amd64': 'alpine-3.19', 'linux/arm64': 'alpine-3.20' }),
  ]);
  workspace = tempFolder('real-trivy-workspace');
  writeFileSync(path.join(workspace, 'Dockerfile'), `FROM ${repo}/alpine:3.19\nRUN true\n`);
  mkdirSync(path.join(workspace, 'arm'));
  writeFileSync(path.join(workspace, 'arm', 'Dockerfile'), `FROM --platform=linux/arm64 ${repo}/multi:1\n`);
  mkdirSync(path.join(workspace, 'k8s'));
  writeFileSync(
    path.join(workspace, 'k8s', 'app.yaml'),
    [
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: app}',
      'spec:',
      '  containers:',
      `    - {name: app, image: "${repo}/debian:12"}`,
      `    - {name: sidecar, image: "${repo}/alpine:3.20"}`,
      '',
    ].join('\n'),
  );
});

after(async () => {
  await registry?.stop();
  cleanUp();
});

beforeEach(() => {
  cache = trivyCache();
  restoreEnv = setEnv({ ...offlineEnv(cache), SHIPSHAPE_CACHE_DIR: tempFolder('shipshape-cache') });
});
afterEach(() => restoreEnv());

describe('shipshape scan against trivy image, the real Trivy', () => {
  test('counts by severity, the worst vulnerability and the fixed-in versions are Trivy’s own', async () => {
    const { report } = await shipshape(['--no-registry', workspace]);
    for (const raw of [`${repo}/alpine:3.19`, `${repo}/alpine:3.20`, `${repo}/debian:12`]) {
      const trivy = await direct(raw);
      const image = imageIn(report, raw);
      assert.deepEqual(image.vulnerabilities, countsOf(trivy), raw);
      assert.deepEqual(rowsOfShipshape(image), rowsOfTrivy(trivy), raw);
      assert.equal(image.os?.family, trivy.Metadata?.OS?.Family);
    }
    // The worst one is named where the image is written.
    const alpine = report.findings.find((f) => f.rule === 'vulnerable-image' && f.raw === `${repo}/alpine:3.19`)!;
    assert.equal(alpine.severity, 'error');
    assert.match(alpine.message, /has 20 known vulnerabilities \(2 CRITICAL, 12 MEDIUM, 6 UNKNOWN; 20 with a fix\)/);
    assert.match(alpine.message, /Worst: CVE-2024-5535 in libcrypto3 3\.1\.4-r5, fixed in 3\.1\.6-r0/);
    const debian = report.findings.find((f) => f.rule === 'vulnerable-image' && f.raw === `${repo}/debian:12`)!;
    assert.match(debian.message, /CVE-2023-45853 in zlib1g/);
    // An OS Trivy's own table says has reached its end of life is eol-image, whatever the tag says;
    // exactly where Trivy's report says EOSL.
    let ended = 0;
    for (const raw of [`${repo}/alpine:3.19`, `${repo}/alpine:3.20`, `${repo}/debian:12`]) {
      const eol = report.findings.find((f) => f.rule === 'eol-image' && f.raw === raw);
      assert.equal(eol !== undefined, (await direct(raw)).Metadata?.OS?.EOSL === true, raw);
      if (eol) ended++;
      if (eol) assert.match(eol.message, /its OS, alpine 3\.\d+\.\d+, has reached its end of life, as Trivy's scan of the image says/);
    }
    // Alpine 3.19 ended on 2025-11-01 by Trivy's table.
    assert.ok(ended > 0, 'not vacuous: at least one image has an ended OS');
  });

  test('--severity and --ignore-unfixed give what Trivy gives with the same flags', async () => {
    const raw = `${repo}/debian:12`;
    const severe = await shipshape(['--no-registry', '--severity', 'HIGH,CRITICAL', path.join(workspace, 'k8s')]);
    const trivySevere = await direct(raw, ['--severity', 'HIGH,CRITICAL']);
    assert.deepEqual(rowsOfShipshape(imageIn(severe.report, raw)), rowsOfTrivy(trivySevere));
    assert.equal(vulnerabilitiesOf(trivySevere).length, 3, 'zlib, icu and perl');

    const fixedOnly = await shipshape(['--no-registry', '--ignore-unfixed', path.join(workspace, 'k8s')]);
    const trivyFixed = await direct(raw, ['--ignore-unfixed']);
    assert.deepEqual(rowsOfShipshape(imageIn(fixedOnly.report, raw)), rowsOfTrivy(trivyFixed));
    assert.deepEqual(
      vulnerabilitiesOf(trivyFixed).map((v) => v.VulnerabilityID),
      ['CVE-2025-5222'],
    );
  });

  test('a .trivyignore and a .trivyignore.yaml of the current folder leave out what Trivy leaves out', async () => {
    const cwd = process.cwd();
    const folder = tempFolder('ignore');
    writeFileSync(path.join(folder, 'Dockerfile'), `FROM ${repo}/alpine:3.19\n`);
    process.chdir(folder);
    try {
      writeFileSync(path.join(folder, '.trivyignore'), '# accepted until the rebuild\nCVE-2024-5535\nCVE-2023-42366\n');
      const plain = await shipshape(['--no-registry', 'Dockerfile']);
      const trivyPlain = await direct(`${repo}/alpine:3.19`, ['--ignorefile', path.join(folder, '.trivyignore')]);
      assert.deepEqual(rowsOfShipshape(imageIn(plain.report, `${repo}/alpine:3.19`)), rowsOfTrivy(trivyPlain));
      assert.ok(!rowsOfTrivy(trivyPlain).some((r) => /CVE-2024-5535|CVE-2023-42366/.test(r)));
      rmSync(path.join(folder, '.trivyignore'));

      // The YAML form can ignore by package: busybox-binsh only.
      writeFileSync(
        path.join(folder, '.trivyignore.yaml'),
        'vulnerabilities:\n  - id: CVE-2023-42363\n    purls:\n      - "pkg:apk/alpine/busybox-binsh@1.36.1-r15?arch=x86_64&distro=3.19.1"\n',
      );
      const yaml = await shipshape(['--no-registry', 'Dockerfile']);
      const trivyYaml = await direct(`${repo}/alpine:3.19`, ['--ignorefile', path.join(folder, '.trivyignore.yaml')]);
      assert.deepEqual(rowsOfShipshape(imageIn(yaml.report, `${repo}/alpine:3.19`)), rowsOfTrivy(trivyYaml));
      assert.deepEqual(
        rowsOfTrivy(trivyYaml)
          .filter((r) => r.startsWith('CVE-2023-42363'))
          .map((r) => r.split(' ')[1]),
        ['busybox', 'ssl_client'],
      );
    } finally {
      process.chdir(cwd);
    }
  });

  test('FROM --platform picks the image of a multi-platform index, as trivy --platform does', async () => {
    const { report } = await shipshape(['--no-registry', path.join(workspace, 'arm')]);
    const image = imageIn(report, `${repo}/multi:1`);
    assert.equal(image.platform, 'linux/arm64');
    const arm = await direct(`${repo}/multi:1`, ['--platform', 'linux/arm64']);
    assert.deepEqual(rowsOfShipshape(image), rowsOfTrivy(arm));
    assert.equal(arm.Metadata?.OS?.Name, '3.20.3', 'the arm64 image is the Alpine 3.20 one');
    const amd = await direct(`${repo}/multi:1`, ['--platform', 'linux/amd64']);
    assert.equal(amd.Metadata?.OS?.Name, '3.19.1');
  });

  test("the user Trivy reads from the image's configuration settles root-user where the file sets none", async () => {
    const { report } = await shipshape(['--no-registry', path.join(workspace, 'k8s')]);
    const trivyAlpine = await direct(`${repo}/alpine:3.20`);
    assert.equal(trivyAlpine.Metadata?.ImageConfig?.config?.User, '65532');
    assert.equal(imageIn(report, `${repo}/alpine:3.20`).user, '65532');
    assert.equal(imageIn(report, `${repo}/debian:12`).user, '1000:1000');
    const rootUser = report.findings.filter((f) => f.rule === 'root-user');
    assert.deepEqual(rootUser, [], 'both containers run as their images’ non-root users');
    // The Dockerfile's base (Alpine 3.19) sets no user: its implicit root stays, now confirmed by Trivy.
    const dockerfile = await shipshape(['--no-registry', path.join(workspace, 'Dockerfile')]);
    const implicit = dockerfile.report.findings.find((f) => f.rule === 'root-user');
    assert.ok(implicit, 'the implicit root-user of the Dockerfile stays');
  });

  test('the older release (v0.58.2) gives the same answer through Shipshape as directly', async () => {
    const { report } = await shipshape(['--no-registry', path.join(workspace, 'k8s')], olderTrivy());
    for (const raw of [`${repo}/alpine:3.20`, `${repo}/debian:12`]) {
      const trivy = await direct(raw, [], olderTrivy());
      assert.deepEqual(rowsOfShipshape(imageIn(report, raw)), rowsOfTrivy(trivy), raw);
    }
  });
});

describe('several Trivy processes at once', () => {
  test('two scans at once with one cache folder both succeed, even when one holds on past Trivy’s 5 s cache lock', async () => {
    // The registry answers one image's layer slowly, so that its scan lasts well over 5 s: with
    // Trivy's file cache, the other process would wait for the lock 5 s and then give up.
    const slow = await startFaultServer(async (request) => {
      if (request.url.startsWith('/v2/shipshape/alpine/blobs/')) await sleep(8000);
      // The other image is asked for a little later, once the slow scan has opened its cache.
      if (request.url.startsWith('/v2/shipshape/debian/manifests/')) await sleep(2000);
      return fault.proxy(registry.url);
    });
    try {
      const host = new URL(slow.url).host;
      const folder = tempFolder('two-at-once');
      writeFileSync(path.join(folder, 'Dockerfile'), `FROM ${host}/shipshape/alpine:3.20 AS slow\nFROM ${host}/shipshape/debian:12\n`);
      const { report } = await shipshape(['--no-registry', '--concurrency', '2', folder]);
      assert.deepEqual(report.errors, []);
      assert.deepEqual(imageIn(report, `${host}/shipshape/alpine:3.20`).vulnerabilities, countsOf(await direct(`${repo}/alpine:3.20`)));
      assert.deepEqual(imageIn(report, `${host}/shipshape/debian:12`).vulnerabilities, countsOf(await direct(`${repo}/debian:12`)));
    } finally {
      await slow.stop();
    }
  });
});

describe('what a failing scan says, with the real Trivy', () => {
  test('an image that is not in its registry: not found, naming the image', async () => {
    const folder = tempFolder('missing-image');
    writeFileSync(path.join(folder, 'Dockerfile'), `FROM ${repo}/nothere:1.0\n`);
    const { report } = await shipshape(['--no-registry', folder]);
    const error = report.errors.find((e) => e.reference === `${repo}/nothere:1.0`);
    assert.ok(error, JSON.stringify(report.errors));
    assert.match(
      error.message,
      new RegExp(`Trivy could not scan ${repo.replace(/\./g, '\\.')}/nothere:1\\.0: the image was not found in its registry`),
    );
  });

  test('a registry that is down: the message says it could not be reached', async () => {
    const port = await freePort();
    const folder = tempFolder('registry-down');
    writeFileSync(path.join(folder, 'Dockerfile'), `FROM 127.0.0.1:${port}/team/app:1.0\n`);
    const { report } = await shipshape(['--no-registry', '--timeout', '60', folder]);
    const error = report.errors.find((e) => e.reference === `127.0.0.1:${port}/team/app:1.0`);
    assert.ok(error, JSON.stringify(report.errors));
    assert.match(error.message, /the registry could not be reached/);
    assert.match(error.message, /connection refused/);
  });

  test('a missing database: the message says so and how to get one', async () => {
    const empty = tempFolder('empty-trivy-cache');
    const undo = setEnv({ TRIVY_CACHE_DIR: empty });
    try {
      const { report } = await shipshape(['--no-registry', path.join(workspace, 'Dockerfile')]);
      const error = report.errors.find((e) => e.reference === `${repo}/alpine:3.19`);
      assert.ok(error, JSON.stringify(report.errors));
      assert.match(error.message, /Trivy has no vulnerability database in its cache and was told not to download one/);
      assert.match(error.message, /trivy image --download-db-only/);
    } finally {
      undo();
    }
  });

  test('a damaged database: Trivy exits non-zero; the message gives its reason and what to do', async () => {
    const damaged = tempFolder('damaged-trivy-cache');
    mkdirSync(path.join(damaged, 'db'));
    writeFileSync(path.join(damaged, 'db', 'metadata.json'), readFileSync(path.join(cache, 'db', 'metadata.json')));
    writeFileSync(path.join(damaged, 'db', 'trivy.db'), Buffer.alloc(65536, 'not a bbolt file '));
    const undo = setEnv({ TRIVY_CACHE_DIR: damaged });
    try {
      const run = await runCli([
        'scan',
        '--format',
        'sarif',
        '--no-cache',
        '--no-registry',
        '--trivy',
        realTrivy(),
        path.join(workspace, 'Dockerfile'),
      ]);
      const sarif = JSON.parse(run.stdout) as {
        runs: { invocations: { toolExecutionNotifications: { message: { text: string } }[] }[] }[];
      };
      const [notification] = sarif.runs[0]!.invocations[0]!.toolExecutionNotifications;
      assert.ok(notification);
      assert.match(notification.message.text, /vulnerability database in its cache is damaged: run `trivy clean --vuln-db`/);
      assert.match(notification.message.text, /Trivy said: .*invalid database/);
    } finally {
      undo();
    }
  });

  test('a registry marked insecure gets --insecure: without it Trivy refuses plain HTTP, with it the scan succeeds', async () => {
    // 127.0.0.2 is loopback, but not a name Trivy takes for a local registry: it wants HTTPS there.
    let proxy: FaultServer | undefined;
    try {
      proxy = await startFaultServer(fault.proxy(registry.url), { host: '127.0.0.2' });
      const host = new URL(proxy.url).host;
      const folder = tempFolder('insecure');
      writeFileSync(path.join(folder, 'Dockerfile'), `FROM ${host}/shipshape/alpine:3.20\n`);
      const refused = await shipshape(['--no-registry', folder]);
      const refusal = refused.report.errors.find((e) => e.reference === `${host}/shipshape/alpine:3.20`);
      assert.ok(refusal, 'plain HTTP is refused');
      assert.match(refusal.message, /the registry answers over plain HTTP: .*--insecure-registry HOST/);
      const allowed = await shipshape(['--no-registry', '--insecure-registry', host, folder]);
      assert.deepEqual(allowed.report.errors, []);
      assert.deepEqual(
        imageIn(allowed.report, `${host}/shipshape/alpine:3.20`).vulnerabilities,
        countsOf(await direct(`${repo}/alpine:3.20`)),
      );
    } finally {
      await proxy?.stop();
    }
  });
});
