// The real Trivy's tools: the builds of scripts/tools.mjs (two releases), what Shipshape reads of
// `trivy version`, and the database scripts/trivy-db.mjs writes, as Trivy itself reads it.

import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { checkTrivy, MINIMUM_TRIVY_VERSION } from '../../src/core/trivy/runner.js';
import {
  ADVISORIES,
  cleanUp,
  offlineEnv,
  olderTrivy,
  realTrivy,
  runTrivy,
  tempFolder,
  trivyCache,
  vulnerabilitiesOf,
  type TrivyReport,
} from './realTrivy.js';
import { IMAGES_DIR } from './distroImages.js';

const REPO = path.resolve(__dirname, '..', '..');

function node(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, args, { cwd: REPO, encoding: 'utf8', timeout: 30 * 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    ),
  );
}

after(cleanUp);

describe('the Trivy builds', () => {
  test('tools.mjs which prints the built binary of each release, and each says its version', async () => {
    for (const [name, version] of [
      ['trivy', '0.74.0'],
      ['trivy-v0.58', '0.58.2'],
    ] as const) {
      const which = await node(['scripts/tools.mjs', 'which', name]);
      assert.equal(which.code, 0, which.stderr);
      const binary = which.stdout.trim();
      assert.ok(path.isAbsolute(binary) && existsSync(binary), binary);
      const run = await runTrivy(binary, ['version', '--format', 'json'], {});
      assert.equal(run.code, 0, run.stderr);
      assert.equal((JSON.parse(run.stdout) as { Version: string }).Version, version);
    }
  });

  test('Shipshape reads the version of both releases and accepts them: both are at or above the oldest it supports', async () => {
    const newest = await checkTrivy(realTrivy());
    assert.deepEqual(newest, { path: realTrivy(), version: '0.74.0' });
    const older = await checkTrivy(olderTrivy());
    assert.deepEqual(older, { path: olderTrivy(), version: '0.58.2' });
  });

  test('a Trivy older than the oldest supported is refused, and the message says which version is there and which is needed', async () => {
    // The real v0.58.2 against a minimum above it: the version is read from the binary itself.
    const refused = await checkTrivy(olderTrivy(), undefined, '0.60.0');
    assert.ok(!('version' in refused));
    assert.equal(refused.reason, 'too-old');
    assert.match(refused.message, /^Trivy 0\.58\.2 at .+ is too old: Shipshape needs 0\.60\.0 or later\. Upgrade it/);
    assert.ok(refused.message.includes(olderTrivy()));
    // The oldest supported is stated where users read it: the README names the same version as the code.
    assert.match(
      readFileSync(path.join(REPO, 'README.md'), 'utf8'),
      new RegExp(`Trivy ${MINIMUM_TRIVY_VERSION.replace(/\./g, '\\.')} or\\s+later`),
    );
  });
});

describe('scripts/trivy-db.mjs', () => {
  test('writes trivy.db and metadata.json (schema 2, the given time) in DIR/db', async () => {
    const out = tempFolder('trivy-db-out');
    const run = await node(['scripts/trivy-db.mjs', '--advisories', ADVISORIES, '--out', out, '--updated-at', '2026-11-30T12:00:00Z']);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(existsSync(path.join(out, 'db', 'trivy.db')));
    const metadata = JSON.parse(readFileSync(path.join(out, 'db', 'metadata.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(metadata['Version'], 2);
    assert.equal(metadata['UpdatedAt'], '2026-11-30T12:00:00Z');
    assert.equal(metadata['NextUpdate'], '2026-12-01T12:00:00Z');
  });

  test('refuses an advisory it cannot write faithfully, naming the entry', async () => {
    const out = tempFolder('trivy-db-bad');
    const file = path.join(out, 'advisories.json');
    const cases: [object, RegExp][] = [
      [
        { os: 'alpine', release: '3.19', package: 'zlib', id: 'CVE-2023-45853', fixed: '', severity: 'SEVERE', title: '' },
        /advisory 0 \(CVE-2023-45853 alpine zlib\): severity "SEVERE"/,
      ],
      [
        { os: 'gentoo', release: '1', package: 'zlib', id: 'CVE-2023-45853', fixed: '', severity: 'LOW', title: '' },
        /os "gentoo" is not one of alpine, debian/,
      ],
      [
        {
          os: 'debian',
          release: '12',
          package: 'zlib',
          id: 'CVE-2023-45853',
          fixed: '1.3',
          status: 'will_not_fix',
          severity: 'LOW',
          title: '',
        },
        /contradict/,
      ],
      [
        { os: 'debian', release: '12', package: 'zlib', id: 'CVE-2023-45853', fixd: '1.3', severity: 'LOW', title: '' },
        /unknown field "fixd"/,
      ],
    ];
    for (const [advisory, message] of cases) {
      writeFileSync(file, JSON.stringify([advisory]));
      const run = await node(['scripts/trivy-db.mjs', '--advisories', file, '--out', out]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, message);
      assert.ok(!existsSync(path.join(out, 'db', 'trivy.db')) || !existsSync(path.join(out, 'db', 'metadata.json')));
    }
    const usage = await node(['scripts/trivy-db.mjs', '--out', out]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: node scripts\/trivy-db\.mjs --advisories FILE --out DIR/);
  });

  for (const binary of ['trivy', 'trivy-v0.58'] as const) {
    test(`${binary} finds exactly the advisories that apply to each distribution's installed packages, offline`, async () => {
      const trivy = binary === 'trivy' ? realTrivy() : olderTrivy();
      const scan = async (rootfs: string): Promise<TrivyReport> => {
        const run = await runTrivy(
          trivy,
          ['rootfs', '--format', 'json', '--quiet', '--scanners', 'vuln', path.join(IMAGES_DIR, rootfs)],
          offlineEnv(trivyCache()),
        );
        assert.equal(run.code, 0, run.stderr);
        return JSON.parse(run.stdout) as TrivyReport;
      };
      const found = (report: TrivyReport) =>
        vulnerabilitiesOf(report)
          .map((v) =>
            `${v.PkgName} ${v.InstalledVersion} ${v.VulnerabilityID} ${v.Severity} ${v.FixedVersion ?? ''} ${v.Status ?? ''}`.trim(),
          )
          .sort();

      // Alpine 3.19: busybox 1.36.1-r15 (busybox, busybox-binsh, ssl_client) is before every busybox fix,
      // openssl 3.1.4-r5 (libcrypto3, libssl3) before every openssl one.
      const alpine319 = await scan('alpine-3.19');
      assert.equal(alpine319.Metadata?.OS?.Family, 'alpine');
      const busybox = [
        ['CVE-2023-42363', 'MEDIUM', '1.36.1-r17'],
        ['CVE-2023-42364', 'MEDIUM', '1.36.1-r19'],
        ['CVE-2023-42365', 'MEDIUM', '1.36.1-r19'],
        ['CVE-2023-42366', 'MEDIUM', '1.36.1-r16'],
      ];
      const openssl = [
        ['CVE-2024-2511', 'UNKNOWN', '3.1.4-r6'],
        ['CVE-2024-4603', 'UNKNOWN', '3.1.5-r0'],
        ['CVE-2024-4741', 'UNKNOWN', '3.1.6-r0'],
        ['CVE-2024-5535', 'CRITICAL', '3.1.6-r0'],
      ];
      assert.deepEqual(
        found(alpine319),
        [
          ...['busybox', 'busybox-binsh', 'ssl_client'].flatMap((p) =>
            busybox.map(([id, s, f]) => `${p} 1.36.1-r15 ${id} ${s} ${f} fixed`),
          ),
          ...['libcrypto3', 'libssl3'].flatMap((p) => openssl.map(([id, s, f]) => `${p} 3.1.4-r5 ${id} ${s} ${f} fixed`)),
        ].sort(),
      );

      // Alpine 3.20: only openssl 3.3.2-r0 is before a fix; 3.19's advisories are not 3.20's.
      assert.deepEqual(found(await scan('alpine-3.20')), [
        'libcrypto3 3.3.2-r0 CVE-2024-9143 LOW 3.3.2-r1 fixed',
        'libssl3 3.3.2-r0 CVE-2024-9143 LOW 3.3.2-r1 fixed',
      ]);

      // Debian 12: by source package; unfixed entries keep their status, and Debian's own
      // severity wins for util-linux and tar.
      assert.deepEqual(found(await scan('debian-12')), [
        'libicu72 72.1-3 CVE-2025-5222 HIGH 72.1-3+deb12u1 fixed',
        'perl-base 5.36.0-7+deb12u1 CVE-2023-31484 HIGH  affected',
        'tar 1.34+dfsg-1.2+deb12u1 CVE-2005-2541 LOW  affected',
        'util-linux 2.38.1-5+deb12u1 CVE-2022-0563 LOW  affected',
        'zlib1g 1:1.2.13.dfsg-1 CVE-2023-45853 CRITICAL  will_not_fix',
      ]);
    });
  }
});
