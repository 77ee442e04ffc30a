// The Trivy stand-in (test/fixtures/trivy/trivy) that the Trivy integration tests run instead of
// real Trivy. These tests pin down its behaviour, so that the integration tests can rely on it.
//
// How it chooses, by words in the reference's repository name (tag and digest are ignored):
//
//   failure modes          notfound, private, ratelimit, dbfail (exit 1, Trivy's FATAL format),
//                          crash (Go panic, exit 2), garbage (table text, exit 0), hang (never
//                          exits), slow (answers after 2 s), flood (~50 MB of valid JSON, exit 0)
//   goldens                stretch → debian-stretch, debian → debian-buster, fluentd → fluentd-gems,
//                          ubi|redhat → ubi-7-comprehensive, distroless → alpine-distroless,
//                          clean|micro → sl-micro-rancher5.4, skip|empty → alpine-39-skip,
//                          alpine → alpine-310, anything else → docs-reporting-alpine-latest.json
//   per tag                TRIVY_STANDIN_TAG_REPORTS: {"<repository>:<tag>": golden | failure word |
//                          {"CRITICAL": n, "HIGH": n, …, "Fixed": false?}} (see the stand-in's header)

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync, statSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseTrivyReport } from '../../src/core/trivy/parseReport.js';
import type { VulnerabilityCounts } from '../../src/core/trivy/types.js';
import { readCorpus } from './analysis.js';

const TRIVY = path.resolve(__dirname, '..', 'fixtures', 'trivy', 'trivy');

/** The environment without anything that would change the stand-in's behaviour. */
const BASE_ENV: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !key.startsWith('TRIVY_') && key !== 'SHIPSHAPE_CORPUS'),
);

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function trivy(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      TRIVY,
      args,
      { env: { ...BASE_ENV, ...options.env }, cwd: options.cwd, maxBuffer: 256 * 1024 * 1024, timeout: 20_000, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        const signal = error ? ((error as { signal?: NodeJS.Signals | null }).signal ?? null) : null;
        resolve({ code, signal, stdout, stderr });
      },
    );
  });
}

function json(run: Run): any {
  assert.equal(run.code, 0, `exit 0 expected; stderr: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function counts(partial: Partial<VulnerabilityCounts>): VulnerabilityCounts {
  return { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0, ...partial };
}

function scanOf(run: Run, reference: string) {
  assert.equal(run.code, 0, `exit 0 expected; stderr: ${run.stderr}`);
  const parsed = parseTrivyReport(run.stdout, reference, 0);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  return parsed.scan;
}

function tempDir(): string {
  return realpathSync(mkdtempSync(path.join(tmpdir(), 'shipshape-trivy-')));
}

function logLines(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

// ------------------------------------------------------------------------------------------------
// Version

test('it is an executable script', () => {
  assert.ok(statSync(TRIVY).mode & 0o111, 'chmod +x');
  assert.match(readFileSync(TRIVY, 'utf8'), /^#!\/usr\/bin\/env node\n/);
});

test('trivy --version prints Trivy-style text', async () => {
  const run = await trivy(['--version']);
  assert.equal(run.code, 0);
  assert.match(run.stdout, /^Version: 0\.58\.1\nVulnerability DB:\n {2}Version: 2\n/);
  assert.equal(run.stderr, '');
  assert.match((await trivy(['-v'])).stdout, /^Version: 0\.58\.1$/m);
  assert.match((await trivy(['version'])).stdout, /^Version: 0\.58\.1$/m);
});

test('trivy version --format json prints the JSON shape real Trivy prints', async () => {
  for (const args of [
    ['version', '--format', 'json'],
    ['version', '-f', 'json'],
    ['version', '--format=json'],
  ]) {
    const info = json(await trivy(args));
    assert.deepEqual(Object.keys(info), ['Version', 'VulnerabilityDB'], args.join(' '));
    assert.equal(info.Version, '0.58.1');
    assert.equal(info.VulnerabilityDB.Version, 2);
    for (const key of ['NextUpdate', 'UpdatedAt', 'DownloadedAt']) {
      assert.match(info.VulnerabilityDB[key], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, key);
    }
  }
});

test('TRIVY_STANDIN_VERSION overrides the version', async () => {
  const env = { TRIVY_STANDIN_VERSION: '0.45.0' };
  assert.equal(json(await trivy(['version', '--format', 'json'], { env })).Version, '0.45.0');
  assert.match((await trivy(['--version'], { env })).stdout, /^Version: 0\.45\.0$/m);
  assert.equal(json(await trivy(['image', '-q', '-f', 'json', 'alpine:3.10'], { env })).Trivy.Version, '0.45.0');
});

// ------------------------------------------------------------------------------------------------
// Flags

test('flags: --flag value, --flag=value, -f value, -fvalue, -qf json, global flags before the command', async () => {
  const forms = [
    ['image', '--format', 'json', 'alpine:3.10'],
    ['image', '--format=json', 'alpine:3.10'],
    ['image', '-f', 'json', 'alpine:3.10'],
    ['image', '-fjson', 'alpine:3.10'],
    ['image', '-f=json', 'alpine:3.10'],
    ['image', '-qf', 'json', 'alpine:3.10'],
    ['image', 'alpine:3.10', '--format', 'json'],
    ['--quiet', '--cache-dir', '/tmp/cache', '--timeout', '5m0s', 'image', '--format', 'json', 'alpine:3.10'],
    ['--format', 'json', 'image', 'alpine:3.10'],
    ['i', '-f', 'json', 'alpine:3.10'],
    [
      'image',
      '--format=json',
      '--quiet',
      '--list-all-pkgs=false',
      '--skip-db-update',
      '--skip-version-check',
      '--disable-telemetry',
      '--scanners',
      'vuln',
      '--platform=linux/arm64',
      '--image-src',
      'remote',
      '--server',
      'http://localhost:4954',
      '--token',
      's3cret',
      '--ignorefile',
      '/dev/null',
      '--cache-dir=/tmp/c',
      '--timeout',
      '90s',
      'alpine:3.10',
    ],
  ];
  const runs = await Promise.all(forms.map((args) => trivy(args)));
  for (const [i, run] of runs.entries()) assert.equal(json(run).ArtifactName, 'alpine:3.10', forms[i]!.join(' '));
});

test('-- ends the flags: what follows is the reference even if it starts with -', async () => {
  const run = await trivy(['image', '-f', 'json', '--', '-q']);
  assert.equal(json(run).ArtifactName, '-q');
  assert.match(run.stderr, /\tINFO\t/, '-q after -- is not --quiet');
  const weird = await trivy(['image', '--format', 'json', '--quiet', '--', '--ignore-unfixed']);
  assert.equal(json(weird).ArtifactName, '--ignore-unfixed');
});

test("an unknown flag is an error (exit 1) with cobra's message", async () => {
  const cases = [
    [['image', '--xyz', 'alpine'], 'Error: unknown flag: --xyz'],
    [['image', '--xyz=1', 'alpine'], 'Error: unknown flag: --xyz'],
    [['--xyz', 'image', 'alpine'], 'Error: unknown flag: --xyz'],
    [['image', '-x', 'alpine'], "Error: unknown shorthand flag: 'x' in -x"],
    [['image', '-f', 'json', 'alpine', '--format'], 'Error: flag needs an argument: --format'],
    [['image', 'alpine', '-f'], "Error: flag needs an argument: 'f' in -f"],
    [['image', '--quiet=maybe', 'alpine'], 'Error: invalid argument "maybe" for "--quiet" flag'],
    [
      ['image', '-f', 'json', '--timeout', 'soon', 'alpine'],
      'Error: invalid argument "soon" for "--timeout" flag: time: invalid duration "soon"',
    ],
    [['image', '-f', 'json', '--severity', 'HIGH,SEVERE', 'alpine'], 'SEVERE not in [UNKNOWN LOW MEDIUM HIGH CRITICAL]'],
  ] as const;
  const runs = await Promise.all(cases.map(([args]) => trivy(args)));
  for (const [i, [args, message]] of cases.entries()) {
    const run = runs[i]!;
    assert.equal(run.code, 1, args.join(' '));
    assert.ok(run.stderr.includes(message), `${args.join(' ')}: ${run.stderr}`);
    assert.equal(run.stdout, '');
  }
});

test('a missing or extra reference is an error (exit 1)', async () => {
  const missing = await trivy(['image', '--format', 'json']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /"trivy image" requires at least 1 argument/);
  const dashdash = await trivy(['image', '--format', 'json', '--']);
  assert.equal(dashdash.code, 1);
  const two = await trivy(['image', '--format', 'json', 'alpine', 'debian']);
  assert.equal(two.code, 1);
  assert.match(two.stderr, /accepts at most 1 arg\(s\), received 2/);
});

test('only --format json is supported; table (the default), sarif, … fail with exit 1', async () => {
  for (const args of [
    ['image', 'alpine'],
    ['image', '-f', 'table', 'alpine'],
    ['image', '--format', 'sarif', 'alpine'],
  ]) {
    const run = await trivy(args);
    assert.equal(run.code, 1, args.join(' '));
    assert.match(run.stderr, /\tFATAL\t.*only supports --format json/);
    assert.equal(run.stdout, '');
  }
});

test('other commands are refused with exit 1', async () => {
  assert.equal((await trivy(['fs', '.'])).code, 1);
  const unknown = await trivy(['frobnicate']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknown command "frobnicate" for "trivy"/);
});

// ------------------------------------------------------------------------------------------------
// Output

test('without --quiet there are INFO lines on stderr; with it, stderr is empty', async () => {
  const loud = await trivy(['image', '-f', 'json', 'debian:10']);
  assert.equal(loud.code, 0);
  assert.match(loud.stderr, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)\tINFO\t/m);
  const quiet = await trivy(['image', '-f', 'json', '--quiet', 'debian:10']);
  assert.equal(quiet.stderr, '');
  assert.equal(quiet.stdout, loud.stdout);
});

test('--output FILE writes the report there and nothing to stdout', async () => {
  const dir = tempDir();
  try {
    for (const flag of [
      ['--output', path.join(dir, 'a.json')],
      ['-o', path.join(dir, 'b.json')],
      [`--output=${path.join(dir, 'c.json')}`],
    ]) {
      const run = await trivy(['image', '-q', '-f', 'json', ...flag, 'ghcr.io/acme/distroless-app:1.0']);
      assert.equal(run.code, 0);
      assert.equal(run.stdout, '');
      const file = flag.length === 2 ? flag[1]! : flag[0]!.slice('--output='.length);
      const parsed = parseTrivyReport(readFileSync(file, 'utf8'), 'ghcr.io/acme/distroless-app:1.0', 0);
      assert.ok(parsed.ok);
      assert.equal(parsed.scan.user, '65532');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ArtifactName, RepoTags, RepoDigests, Reference and the OS Target are rewritten for the reference', async () => {
  const ref = 'registry.example.com:5000/team/debian-base:10.1';
  const report = json(await trivy(['image', '-q', '-f', 'json', ref]));
  assert.equal(report.ArtifactName, ref);
  assert.deepEqual(report.Metadata.RepoTags, [ref]);
  assert.deepEqual(report.Metadata.RepoDigests, [`registry.example.com:5000/team/debian-base@sha256:${sha256Hex(ref)}`]);
  assert.equal(report.Metadata.Reference, ref);
  assert.equal(report.Results[0].Target, `${ref} (debian 10.1)`);
});

test('digests are deterministic: same reference, same digest; a digest in the reference is kept', async () => {
  const first = json(await trivy(['image', '-q', '-f', 'json', 'nginx:1.27']));
  const again = json(await trivy(['image', '-q', '-f', 'json', 'nginx:1.27']));
  const other = json(await trivy(['image', '-q', '-f', 'json', 'nginx:1.28']));
  assert.deepEqual(first.Metadata.RepoDigests, [`nginx@sha256:${sha256Hex('nginx:1.27')}`]);
  assert.deepEqual(again.Metadata.RepoDigests, first.Metadata.RepoDigests);
  assert.notDeepEqual(other.Metadata.RepoDigests, first.Metadata.RepoDigests);

  const digest = `sha256:${'ab'.repeat(32)}`;
  const pinned = json(await trivy(['image', '-q', '-f', 'json', `nginx:1.27@${digest}`]));
  assert.equal(pinned.ArtifactName, `nginx:1.27@${digest}`);
  assert.deepEqual(pinned.Metadata.RepoTags, ['nginx:1.27']);
  assert.deepEqual(pinned.Metadata.RepoDigests, [`nginx@${digest}`]);
  const digestOnly = json(await trivy(['image', '-q', '-f', 'json', `ghcr.io/a/b@${digest}`]));
  assert.deepEqual(digestOnly.Metadata.RepoDigests, [`ghcr.io/a/b@${digest}`]);
});

test('each golden, chosen by the repository name, parses into the expected ImageScan', async () => {
  const cases: Array<[string, Partial<VulnerabilityCounts>, { user?: string; eosl?: boolean; family?: string }]> = [
    ['debian:10', { CRITICAL: 1, LOW: 1 }, { family: 'debian' }],
    ['ghcr.io/acme/debian-stretch:9', { MEDIUM: 4, LOW: 1 }, { family: 'debian' }],
    ['fluent/fluentd:v1.16', { CRITICAL: 1, HIGH: 1 }, { family: 'debian' }],
    ['registry.access.redhat.com/ubi7:7.7', { HIGH: 1, LOW: 1 }, { family: 'redhat' }],
    ['gcr.io/distroless/static:nonroot', { MEDIUM: 1 }, { user: '65532', family: 'alpine' }],
    ['example.com/clean-image:1', {}, { family: 'slem' }],
    ['registry.suse.com/suse/sl-micro:5.4', {}, { family: 'slem' }],
    ['example.com/empty:1', {}, { family: 'none' }],
    ['alpine:3.10', { MEDIUM: 4 }, { eosl: true, family: 'alpine' }],
    ['nginx:1.27', { LOW: 2 }, { family: 'alpine' }],
    ['node:alpine', { LOW: 2 }, { family: 'alpine' }],
  ];
  const runs = await Promise.all(cases.map(([ref]) => trivy(['image', '--quiet', '--format', 'json', ref])));
  for (const [i, [ref, expected, extra]] of cases.entries()) {
    const scan = scanOf(runs[i]!, ref);
    assert.deepEqual(scan.counts, counts(expected), ref);
    assert.equal(scan.user, extra.user, ref);
    assert.equal(scan.os?.family, extra.family, ref);
    assert.equal(scan.os?.eosl, extra.eosl ?? false, ref);
    const withoutDigest = ref.replace(/@.*$/, '');
    assert.equal(scan.digest, `sha256:${sha256Hex(withoutDigest)}`, `${ref}: the digest is the RepoDigests entry`);
  }
});

test('the skip golden has no Results at all; the stand-in keeps it that way', async () => {
  const report = json(await trivy(['image', '-q', '-f', 'json', 'example.com/skip:1']));
  assert.ok(!('Results' in report));
});

test('Docker Hub spellings: the RepoDigests entry matches the scanned reference however it is spelled', async () => {
  for (const ref of ['alpine:3.10', 'docker.io/library/alpine:3.10', 'index.docker.io/library/alpine:3.10']) {
    const scan = scanOf(await trivy(['image', '-q', '-f', 'json', ref]), ref);
    assert.equal(scan.digest, `sha256:${sha256Hex(ref)}`);
    assert.equal(scan.reference, ref);
  }
});

test('the parsed stand-in report equals the parsed golden apart from digest and targets', async () => {
  const ref = 'fluent/fluentd:v1.16';
  const fromStandIn = scanOf(await trivy(['image', '-q', '-f', 'json', ref]), ref);
  const golden = parseTrivyReport(readCorpus('trivy/fluentd-gems.json.golden'), ref, 0);
  assert.ok(golden.ok);
  const strip = (v: { target?: string }) => ({ ...v, target: v.target?.replace(/^.* \(/, '(') });
  assert.deepEqual(fromStandIn.vulnerabilities.map(strip), golden.scan.vulnerabilities.map(strip));
  assert.equal(fromStandIn.vulnerabilities[0]!.target, `${ref} (debian 10.2)`);
  assert.equal(fromStandIn.imageId, golden.scan.imageId);
  assert.deepEqual(fromStandIn.os, golden.scan.os);
});

// ------------------------------------------------------------------------------------------------
// Filters

test('--severity keeps only the listed severities, in any case and with -s', async () => {
  const critical = scanOf(await trivy(['image', '-q', '-f', 'json', '--severity', 'CRITICAL', 'debian:10']), 'debian:10');
  assert.deepEqual(critical.counts, counts({ CRITICAL: 1 }));
  const low = scanOf(await trivy(['image', '-q', '-f', 'json', '-s', 'low', 'debian:10']), 'debian:10');
  assert.deepEqual(low.counts, counts({ LOW: 1 }));
  const both = scanOf(await trivy(['image', '-q', '-f', 'json', '--severity=HIGH,CRITICAL', 'fluent/fluentd:1']), 'x');
  assert.deepEqual(both.counts, counts({ CRITICAL: 1, HIGH: 1 }));
});

test('an emptied Result loses its Vulnerabilities key, as Trivy omits empty fields', async () => {
  const report = json(await trivy(['image', '-q', '-f', 'json', '--severity', 'HIGH,CRITICAL', 'alpine:3.10']));
  assert.equal(report.Results.length, 1);
  assert.ok(!('Vulnerabilities' in report.Results[0]));
  assert.deepEqual(scanOf({ code: 0, signal: null, stdout: JSON.stringify(report), stderr: '' }, 'alpine:3.10').counts, counts({}));
});

test('--ignore-unfixed drops vulnerabilities without a fix (affected, will_not_fix, end_of_life)', async () => {
  const buster = scanOf(await trivy(['image', '-q', '-f', 'json', '--ignore-unfixed', 'debian:10']), 'debian:10');
  assert.deepEqual(
    buster.vulnerabilities.map((v) => `${v.id} ${v.status}`),
    ['CVE-2019-18224 fixed'],
  );
  const ubi = scanOf(await trivy(['image', '-q', '-f', 'json', '--ignore-unfixed', 'redhat/ubi7:7.7']), 'x');
  assert.deepEqual(
    ubi.vulnerabilities.map((v) => `${v.id} ${v.status}`),
    ['CVE-2022-40897 fixed'],
  );
  const stretch = scanOf(await trivy(['image', '-q', '-f', 'json', '--ignore-unfixed=true', 'debian-stretch:9']), 'x');
  assert.deepEqual(stretch.counts, counts({ MEDIUM: 4 }));
  const off = scanOf(await trivy(['image', '-q', '-f', 'json', '--ignore-unfixed=false', 'debian:10']), 'x');
  assert.deepEqual(off.counts, counts({ CRITICAL: 1, LOW: 1 }));
  const combined = scanOf(await trivy(['image', '-q', '-f', 'json', '--ignore-unfixed', '-s', 'LOW', 'debian:10']), 'x');
  assert.deepEqual(combined.counts, counts({}));
});

test('--exit-code N applies only when something is found; --exit-on-eol N when the OS is end-of-life', async () => {
  const found = await trivy(['image', '-q', '-f', 'json', '--exit-code', '3', 'debian:10']);
  assert.equal(found.code, 3);
  assert.ok(JSON.parse(found.stdout).Results, 'the report is complete even so');
  assert.equal((await trivy(['image', '-q', '-f', 'json', '--exit-code', '3', 'example.com/clean:1'])).code, 0);
  assert.equal((await trivy(['image', '-q', '-f', 'json', '--exit-code', '3', '-s', 'CRITICAL', 'alpine:3.10'])).code, 0);
  assert.equal((await trivy(['image', '-q', '-f', 'json', '--exit-code', '3', '--exit-on-eol', '4', 'alpine:3.10'])).code, 4);
});

// ------------------------------------------------------------------------------------------------
// Failure modes

test("failure modes: exit status and Trivy's own words on stderr, even with --quiet", async () => {
  const cases: Array<[string, number, RegExp]> = [
    [
      'example.com/notfound:2.0',
      1,
      /remote error: GET https:\/\/example\.com\/v2\/notfound\/manifests\/2\.0: MANIFEST_UNKNOWN: manifest unknown; unknown tag=2\.0$/,
    ],
    [
      'notfound',
      1,
      /GET https:\/\/index\.docker\.io\/v2\/library\/notfound\/manifests\/latest: MANIFEST_UNKNOWN: manifest unknown; unknown tag=latest$/,
    ],
    ['acme/private-app:1', 1, /UNAUTHORIZED: authentication required/],
    ['ratelimit:1', 1, /TOOMANYREQUESTS: You have reached your pull rate limit/],
    ['dbfail:1', 1, /init error: DB error: failed to download vulnerability DB: /],
  ];
  const variants = cases.flatMap(([ref, code, pattern]) => [[], ['--quiet']].map((quiet) => ({ ref, code, pattern, quiet })));
  const runs = await Promise.all(variants.map(({ ref, quiet }) => trivy(['image', ...quiet, '--format', 'json', ref])));
  for (const [i, { ref, code, pattern, quiet }] of variants.entries()) {
    const run = runs[i]!;
    assert.equal(run.code, code, ref);
    assert.equal(run.stdout, '', ref);
    assert.match(run.stderr.trimEnd(), pattern, ref);
    assert.match(run.stderr, /^\d{4}-\d\d-\d\dT[\d:]+(Z|[+-]\d\d:\d\d)\tFATAL\tFatal error\trun error: /m, ref);
    if (quiet.length) assert.doesNotMatch(run.stderr, /\tINFO\t/, `${ref}: --quiet`);
    else assert.match(run.stderr, /\tINFO\t/, `${ref}: INFO lines without --quiet`);
  }
});

test('not found: one error per image source, in --image-src order', async () => {
  const run = await trivy(['image', '-q', '-f', 'json', '--image-src', 'docker,remote', 'notfound:1']);
  assert.match(
    run.stderr,
    /unable to find the specified image "notfound:1" in \["docker" "remote"\]: 2 errors occurred:\n\t\* docker error: .*\n\t\* remote error: .*MANIFEST_UNKNOWN/,
  );
  const remoteOnly = await trivy(['image', '-q', '-f', 'json', '--image-src=remote', 'notfound:1']);
  assert.match(remoteOnly.stderr, /1 error occurred:\n\t\* remote error: /);
});

test('dbfail with --skip-db-update says it cannot skip on the first run', async () => {
  const run = await trivy(['image', '-q', '-f', 'json', '--skip-db-update', 'dbfail:1']);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /init error: DB error: failed to download vulnerability DB: --skip-db-update cannot be specified on the first run/,
  );
});

test('crash: a Go panic with a goroutine trace, exit 2', async () => {
  const run = await trivy(['image', '-q', '-f', 'json', 'crash:1']);
  assert.equal(run.code, 2);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^panic: runtime error: invalid memory address or nil pointer dereference\n\[signal SIGSEGV/m);
  assert.match(run.stderr, /goroutine 1 \[running\]:\n/);
  assert.match(run.stderr, /main\.main\(\)\n\t\/.*main\.go:\d+/);
});

test('garbage: non-JSON text on stdout, exit 0, rejected by parseTrivyReport', async () => {
  const run = await trivy(['image', '-q', '-f', 'json', 'garbage:1']);
  assert.equal(run.code, 0);
  assert.ok(run.stdout.length > 0);
  assert.throws(() => JSON.parse(run.stdout));
  const parsed = parseTrivyReport(run.stdout, 'garbage:1', 0);
  assert.ok(!parsed.ok);
  assert.match(parsed.message, /not JSON/);
});

test('hang: never answers until killed; the log keeps end: null', async () => {
  const dir = tempDir();
  try {
    const log = path.join(dir, 'log.jsonl');
    const child = spawn(TRIVY, ['image', '-q', '-f', 'json', 'example.com/hang:1'], {
      env: { ...BASE_ENV, TRIVY_STANDIN_LOG: log },
      stdio: 'pipe',
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('exit', (code, signal) => resolve([code, signal])),
    );
    // Until the stand-in has started (slow on a loaded machine), then a little longer.
    for (let i = 0; i < 200 && !(existsSync(log) && logLines(log).length > 0); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(child.exitCode, null, 'still running 500 ms after it started');
    child.kill('SIGTERM');
    const [code, signal] = await exited;
    assert.equal(code, null);
    assert.equal(signal, 'SIGTERM');
    assert.equal(stdout, '');
    const lines = logLines(log);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.pid, child.pid);
    assert.equal(lines[0]!.end, null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hang ignores --timeout (it stands for a stuck process)', async () => {
  const child = spawn(TRIVY, ['image', '-q', '-f', 'json', '--timeout', '100ms', 'hang:1'], { env: BASE_ENV, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(child.exitCode, null);
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
});

test('slow: answers after 2 s; --timeout shorter than that fails like Trivy (exit 1, deadline exceeded)', async () => {
  const ended: string[] = [];
  const [slow, timedOut] = await Promise.all([
    trivy(['image', '-q', '-f', 'json', 'slow-registry.example.com/app:1']).then((run) => (ended.push('slow'), run)),
    trivy(['image', '-q', '-f', 'json', '--timeout', '300ms', 'slow:1']).then((run) => (ended.push('timed out'), run)),
  ]);
  // The one stopped by its 300 ms deadline ends first: the slow answer waits longer than that.
  assert.deepEqual(ended, ['timed out', 'slow']);
  assert.equal(json(slow).ArtifactName, 'slow-registry.example.com/app:1');
  // Stopped by its own --timeout (the message says so), not by the slow answer's end.
  assert.equal(timedOut.code, 1);
  assert.match(timedOut.stderr, /FATAL\tFatal error\t.*context deadline exceeded/);
});

test('flood: ~50 MB of valid JSON on stdout, exit 0', async () => {
  const child = spawn(TRIVY, ['image', '-q', '-f', 'json', 'flood:1'], { env: BASE_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let bytes = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    bytes += chunk.length;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(code, 0);
  assert.ok(bytes > 10 * 1024 * 1024, `${bytes} bytes`);
  assert.ok(bytes < 80 * 1024 * 1024, `${bytes} bytes`);
  const scan = parseTrivyReport(Buffer.concat(chunks).toString('utf8'), 'flood:1', 0);
  assert.ok(scan.ok, scan.ok ? '' : scan.message);
  assert.deepEqual(scan.scan.counts, counts({ LOW: 2 }));
});

// ------------------------------------------------------------------------------------------------
// Delay and invocation log

test('TRIVY_STANDIN_DELAY_MS delays every image scan; the log shows argv, cwd, pid, start and end', async () => {
  const dir = tempDir();
  try {
    const log = path.join(dir, 'log.jsonl');
    const env = { TRIVY_STANDIN_DELAY_MS: '1500', TRIVY_STANDIN_LOG: log };
    const refs = ['alpine:3.10', 'debian:10', 'nginx:1'];
    const runs = await Promise.all(refs.map((ref) => trivy(['image', '-q', '-f', 'json', ref], { env, cwd: dir })));
    for (const run of runs) assert.equal(run.code, 0);
    const lines = logLines(log);
    assert.equal(lines.length, 6);
    const starts = lines.filter((l) => 'argv' in l);
    const ends = lines.filter((l) => !('argv' in l));
    assert.equal(starts.length, 3);
    assert.deepEqual(starts.map((l) => (l.argv as string[]).at(-1)).sort(), [...refs].sort());
    for (const start of starts) {
      assert.deepEqual(Object.keys(start), ['argv', 'cwd', 'pid', 'origin', 'start', 'end']);
      assert.ok((start.origin as number) <= (start.start as number), 'the process started before its script ran');
      assert.deepEqual((start.argv as string[]).slice(0, 3), ['image', '-q', '-f']);
      assert.equal(start.cwd, dir);
      assert.equal(start.end, null);
      const end = ends.find((l) => l.pid === start.pid);
      assert.ok(end, 'every run logged its end');
      assert.equal(typeof end.end, 'number');
      // The delay counts from the process's own start.
      assert.ok((end.end as number) - (start.origin as number) >= 1490);
    }
    // All three ran at the same time: each started before any finished. (The delay is long
    // enough for Node's start-up on a loaded machine; the processes' own start times count.)
    const lastStart = Math.max(...starts.map((l) => l.origin as number));
    const firstEnd = Math.min(...ends.map((l) => l.end as number));
    assert.ok(lastStart < firstEnd, 'the runs overlapped');

    // `--version` and a scan started together: the version, not delayed, ends first (the order
    // of the two ends, not a duration, which a loaded machine stretches).
    await Promise.all([trivy(['--version'], { env }), trivy(['image', '-q', '-f', 'json', 'alpine:3.10'], { env })]);
    const all = logLines(log);
    assert.equal(all.length, 10, 'every invocation is logged, not only scans');
    const versionStart = all.slice(6).find((l) => JSON.stringify(l.argv) === '["--version"]');
    assert.ok(versionStart, 'the version run is logged');
    const endOf = (pid: unknown) => all.find((l) => !('argv' in l) && l.pid === pid)!.end as number;
    const scanStart = all.slice(6).find((l) => 'argv' in l && l !== versionStart)!;
    assert.ok(endOf(versionStart.pid) < endOf(scanStart.pid), 'the delay is for image scans only');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('failed runs are logged with their end too', async () => {
  const dir = tempDir();
  try {
    const log = path.join(dir, 'log.jsonl');
    await trivy(['image', '--nope', 'alpine'], { env: { TRIVY_STANDIN_LOG: log } });
    await trivy(['image', '-q', '-f', 'json', 'crash:1'], { env: { TRIVY_STANDIN_LOG: log } });
    const lines = logLines(log);
    assert.equal(lines.length, 4);
    assert.deepEqual(
      lines.filter((l) => !('argv' in l)).map((l) => l.code),
      [1, 2],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ------------------------------------------------------------------------------------------------
// Corpus location

test('SHIPSHAPE_CORPUS points the stand-in at another corpus', async () => {
  const dir = tempDir();
  try {
    mkdirSync(path.join(dir, 'trivy'));
    const golden = JSON.parse(readCorpus('trivy/docs-reporting-alpine-latest.json'));
    golden.Results[0].Vulnerabilities = [
      { VulnerabilityID: 'CVE-0000-0001', PkgName: 'custom', InstalledVersion: '1', Severity: 'CRITICAL', Status: 'affected' },
    ];
    writeFileSync(path.join(dir, 'trivy', 'docs-reporting-alpine-latest.json'), JSON.stringify(golden));
    const scan = scanOf(await trivy(['image', '-q', '-f', 'json', 'nginx:1'], { env: { SHIPSHAPE_CORPUS: dir } }), 'nginx:1');
    assert.deepEqual(
      scan.vulnerabilities.map((v) => v.id),
      ['CVE-0000-0001'],
    );
    // The trivy/ folder itself works too.
    const direct = scanOf(
      await trivy(['image', '-q', '-f', 'json', 'nginx:1'], { env: { SHIPSHAPE_CORPUS: path.join(dir, 'trivy') } }),
      'nginx:1',
    );
    assert.deepEqual(direct.counts, counts({ CRITICAL: 1 }));

    const missing = await trivy(['image', '-q', '-f', 'json', 'nginx:1'], { env: { SHIPSHAPE_CORPUS: path.join(dir, 'nowhere') } });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /FATAL.*corpus/);
    assert.ok(!existsSync(path.join(dir, 'nowhere')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ------------------------------------------------------------------------------------------------
// Per-tag reports (TRIVY_STANDIN_TAG_REPORTS)

/** The stand-in with a report per tag. */
function tagReports(table: Record<string, unknown>): NodeJS.ProcessEnv {
  return { TRIVY_STANDIN_TAG_REPORTS: JSON.stringify(table) };
}

test('TRIVY_STANDIN_TAG_REPORTS: counts give a report with that many vulnerabilities, per tag', async () => {
  const env = tagReports({ 'nginx:1.27.1': { CRITICAL: 2, HIGH: 5, LOW: 1 }, 'nginx:1.27.3': { HIGH: 1 }, 'nginx:1.27.4': {} });
  const [old, fixed, clean, other] = await Promise.all(
    ['nginx:1.27.1', 'nginx:1.27.3', 'nginx:1.27.4', 'nginx:1.26.0'].map((ref) => trivy(['image', '-q', '-f', 'json', ref], { env })),
  );
  assert.deepEqual(scanOf(old!, 'nginx:1.27.1').counts, counts({ CRITICAL: 2, HIGH: 5, LOW: 1 }));
  assert.deepEqual(scanOf(fixed!, 'nginx:1.27.3').counts, counts({ HIGH: 1 }));
  assert.deepEqual(scanOf(clean!, 'nginx:1.27.4').counts, counts({}));
  assert.equal(json(clean!).Results[0].Vulnerabilities, undefined, 'Trivy omits an empty list');
  // A tag without an entry keeps the golden its name chooses.
  assert.deepEqual(scanOf(other!, 'nginx:1.26.0').counts, counts({ LOW: 2 }));
  // The same vulnerability IDs for the same severity and position, so that tags share what they both count.
  const ids = (run: Run) => scanOf(run, '').vulnerabilities.map((v) => `${v.severity} ${v.id}`);
  assert.deepEqual(ids(fixed!), ['HIGH CVE-2024-20001']);
  assert.ok(ids(old!).includes('HIGH CVE-2024-20001'));
  assert.deepEqual(
    ids(old!).filter((id) => id.startsWith('CRITICAL')),
    ['CRITICAL CVE-2024-10001', 'CRITICAL CVE-2024-10002'],
  );
});

test("TRIVY_STANDIN_TAG_REPORTS: synthesised vulnerabilities have Trivy's own fields, on the golden's OS", async () => {
  const report = json(await trivy(['image', '-q', '-f', 'json', 'debian:12.1'], { env: tagReports({ 'debian:12.1': { CRITICAL: 1 } }) }));
  assert.equal(report.ArtifactName, 'debian:12.1');
  assert.deepEqual(report.Metadata.OS, { Family: 'debian', Name: '10.1' }, 'the metadata of the golden the name chooses');
  assert.deepEqual(report.Metadata.RepoTags, ['debian:12.1']);
  assert.equal(report.Results.length, 1);
  const [result] = report.Results;
  assert.equal(result.Target, 'debian:12.1 (debian 10.1)');
  assert.equal(result.Class, 'os-pkgs');
  assert.equal(result.Type, 'debian');
  const [vulnerability] = result.Vulnerabilities;
  const real = JSON.parse(readCorpus('trivy/alpine-310.json.golden')).Results[0].Vulnerabilities[0];
  const unknownKeys = Object.keys(vulnerability).filter((key) => !(key in real));
  assert.deepEqual(unknownKeys, [], 'no field real Trivy does not write');
  for (const key of [
    'VulnerabilityID',
    'PkgID',
    'PkgName',
    'InstalledVersion',
    'FixedVersion',
    'Status',
    'Severity',
    'PrimaryURL',
    'Title',
  ]) {
    assert.ok(key in vulnerability, key);
  }
  assert.equal(vulnerability.VulnerabilityID, 'CVE-2024-10001');
  assert.equal(vulnerability.Severity, 'CRITICAL');
  assert.equal(vulnerability.Status, 'fixed');
  assert.equal(vulnerability.DataSource.ID, 'debian');
  assert.match(vulnerability.PkgIdentifier.PURL, /^pkg:deb\/debian\/\w+@/);
  const scan = scanOf({ code: 0, signal: null, stdout: JSON.stringify(report), stderr: '' }, 'debian:12.1');
  assert.deepEqual(scan.vulnerabilities[0]!.fixed, [vulnerability.FixedVersion]);
});

test('TRIVY_STANDIN_TAG_REPORTS: "Fixed": false, --severity and --ignore-unfixed filter as for goldens', async () => {
  const env = tagReports({ 'acme/app:1': { CRITICAL: 1, HIGH: 2, Fixed: false }, 'acme/app:2': { CRITICAL: 1, HIGH: 2, LOW: 3 } });
  const unfixed = json(await trivy(['image', '-q', '-f', 'json', 'acme/app:1'], { env }));
  for (const v of unfixed.Results[0].Vulnerabilities) {
    assert.equal(v.Status, 'affected');
    assert.equal('FixedVersion' in v, false);
  }
  assert.equal(
    json(await trivy(['image', '-q', '-f', 'json', '--ignore-unfixed', 'acme/app:1'], { env })).Results[0].Vulnerabilities,
    undefined,
  );
  const severe = await trivy(['image', '-q', '-f', 'json', '--severity', 'HIGH,CRITICAL', 'acme/app:2'], { env });
  assert.deepEqual(scanOf(severe, 'acme/app:2').counts, counts({ CRITICAL: 1, HIGH: 2 }));
});

test('TRIVY_STANDIN_TAG_REPORTS: keys read like references; digest, then tag, then repository', async () => {
  const digest = `sha256:${'c'.repeat(64)}`;
  const env = tagReports({
    'docker.io/library/nginx:1.27.1': { HIGH: 1 }, // matches `nginx:1.27.1`
    'nginx:latest': { HIGH: 2 }, // matches `nginx` (no tag)
    [`nginx@${digest}`]: { HIGH: 3 },
    'localhost:5000/team/app:1.0': { HIGH: 4 },
    'localhost:5000/team/app': { HIGH: 5 }, // every other tag of the repository
  });
  const high = async (ref: string) => scanOf(await trivy(['image', '-q', '-f', 'json', ref], { env }), ref).counts.HIGH;
  assert.equal(await high('nginx:1.27.1'), 1);
  assert.equal(await high('index.docker.io/library/nginx:1.27.1'), 1);
  assert.equal(await high('nginx'), 2);
  assert.equal(await high(`nginx:1.27.1@${digest}`), 3, 'a digest entry wins over the tag');
  assert.equal(await high('localhost:5000/team/app:1.0'), 4);
  assert.equal(await high('localhost:5000/team/app:2.0'), 5);
  assert.equal(await high('localhost:5001/team/app:1.0'), 0, 'another registry is another repository');
});

test('TRIVY_STANDIN_TAG_REPORTS: a golden name, or a failure word, as a tag report', async () => {
  const env = tagReports({ 'team/app:1': 'debian-buster.json.golden', 'team/app:2': 'notfound', 'team/app:3': 'crash' });
  const golden = scanOf(await trivy(['image', '-q', '-f', 'json', 'team/app:1'], { env }), 'team/app:1');
  assert.deepEqual(golden.counts, counts({ CRITICAL: 1, LOW: 1 }));
  const notFound = await trivy(['image', '-q', '-f', 'json', 'team/app:2'], { env });
  assert.equal(notFound.code, 1);
  assert.match(notFound.stderr, /MANIFEST_UNKNOWN: manifest unknown; unknown tag=2$/m);
  assert.equal((await trivy(['image', '-q', '-f', 'json', 'team/app:3'], { env })).code, 2);
  // The words of the name still apply to tags without an entry.
  assert.equal((await trivy(['image', '-q', '-f', 'json', 'team/notfound:1'], { env })).code, 1);
});

test('TRIVY_STANDIN_TAG_REPORTS that cannot be read: FATAL, exit 1, saying what is wrong', async () => {
  const cases: Array<[string, RegExp]> = [
    ['{not json', /TRIVY_STANDIN_TAG_REPORTS is not JSON/],
    ['[1]', /must be a JSON object/],
    ['{"nginx:1": {"SEVERE": 1}}', /has "SEVERE"; counts are CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN/],
    ['{"nginx:1": {"HIGH": -1}}', /HIGH must be a whole number/],
    ['{"nginx:1": 7}', /must be a golden's file name, a failure word or counts/],
  ];
  for (const [value, pattern] of cases) {
    const run = await trivy(['image', '-q', '-f', 'json', 'nginx:1'], { env: { TRIVY_STANDIN_TAG_REPORTS: value } });
    assert.equal(run.code, 1, value);
    assert.match(run.stderr, /\tFATAL\tFatal error\t/, value);
    assert.match(run.stderr, pattern, value);
  }
  // Only image scans read it.
  assert.equal((await trivy(['--version'], { env: { TRIVY_STANDIN_TAG_REPORTS: '{not json' } })).code, 0);
});
