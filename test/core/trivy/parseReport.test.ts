import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { parseTrivyReport } from '../../../src/core/trivy/parseReport.js';
import type { ImageScan, TrivySeverity, Vulnerability, VulnerabilityCounts } from '../../../src/core/trivy/types.js';
import { corpusPath, readCorpus } from '../../support/analysis.js';

const NOW = 1_700_000_000_000;

function scanOf(text: string, reference = 'example:1'): ImageScan {
  const parsed = parseTrivyReport(text, reference, NOW);
  assert.ok(parsed.ok, `should parse: ${parsed.ok ? '' : parsed.message}`);
  return parsed.scan;
}

function failureOf(text: string): string {
  const parsed = parseTrivyReport(text, 'example:1', NOW);
  assert.ok(!parsed.ok, 'should be rejected');
  return parsed.message;
}

function counts(partial: Partial<VulnerabilityCounts>): VulnerabilityCounts {
  return { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0, ...partial };
}

/** `SEVERITY id package` per vulnerability, in the order parseTrivyReport returns them. */
function order(scan: ImageScan): string[] {
  return scan.vulnerabilities.map((v) => `${v.severity} ${v.id} ${v.package}`);
}

function only(scan: ImageScan, id: string, pkg?: string): Vulnerability {
  const found = scan.vulnerabilities.filter((v) => v.id === id && (pkg === undefined || v.package === pkg));
  assert.equal(found.length, 1, `exactly one ${id} ${pkg ?? ''}`);
  return found[0]!;
}

function report(body: Record<string, unknown>): string {
  return JSON.stringify({ SchemaVersion: 2, ArtifactName: 'example:1', ArtifactType: 'container_image', ...body });
}

function vuln(fields: Record<string, unknown>): Record<string, unknown> {
  return { PkgName: 'pkg', InstalledVersion: '1.0', Status: 'affected', Severity: 'LOW', ...fields };
}

// ------------------------------------------------------------------------------------------------
// Every JSON file in the corpus's trivy/ folder

interface Expected {
  counts?: Partial<VulnerabilityCounts>;
  digest?: string;
  imageId?: string;
  os?: ImageScan['os'];
  user?: string;
  /** Expected `order(scan)`, when worth spelling out. */
  order?: string[];
  /** The file is JSON but not a Trivy report. */
  rejected?: RegExp;
}

const EXPECTED: Record<string, Expected> = {
  'alpine-310.json.golden': {
    counts: { MEDIUM: 4 },
    imageId: 'sha256:961769676411f082461f9ef46626dd7a2d1e2b2a38e6a44364bcbecf51e66dd4',
    os: { family: 'alpine', name: '3.10.2', eosl: true },
    order: [
      'MEDIUM CVE-2019-1549 libcrypto1.1',
      'MEDIUM CVE-2019-1549 libssl1.1',
      'MEDIUM CVE-2019-1551 libcrypto1.1',
      'MEDIUM CVE-2019-1551 libssl1.1',
    ],
  },
  'alpine-39-skip.json.golden': {
    counts: {},
    imageId: 'sha256:055936d3920576da37aa9bc460d70c5f212028bda1c08c0879aedf03d7a66ea1',
    // `Name: ""` is as good as absent.
    os: { family: 'none', eosl: false },
    order: [],
  },
  'alpine-distroless.json.golden': {
    counts: { MEDIUM: 1 },
    imageId: 'sha256:22848737c0d272ad5d7c7369d8ca830a62929e63e38edcb22085139a6ae0688d',
    os: { family: 'alpine', name: '3.16', eosl: false },
    user: '65532',
    order: ['MEDIUM CVE-2022-24765 git'],
  },
  'debian-buster.json.golden': {
    counts: { CRITICAL: 1, LOW: 1 },
    imageId: 'sha256:c2c03a296d2329a4f3ab72a7bf38b78a8a80108204d326b0139d6af700e152d1',
    os: { family: 'debian', name: '10.1', eosl: false },
    order: ['CRITICAL CVE-2019-18224 libidn2-0', 'LOW CVE-2019-18276 bash'],
  },
  'debian-stretch.json.golden': {
    counts: { MEDIUM: 4, LOW: 1 },
    imageId: 'sha256:f26939cc87ef44a6fc554eedd0a976ab30b5bc2769d65d2e986b6c5f1fd4053d',
    os: { family: 'debian', name: '9.9', eosl: false },
    order: [
      'MEDIUM CVE-2019-5094 e2fslibs',
      'MEDIUM CVE-2019-5094 e2fsprogs',
      'MEDIUM CVE-2019-5094 libcomerr2',
      'MEDIUM CVE-2019-5094 libss2',
      'LOW CVE-2019-18276 bash',
    ],
  },
  'dockerfile.json.golden': { counts: {}, order: [] },
  'docs-reporting-alpine-latest.json': {
    counts: { LOW: 2 },
    digest: 'sha256:1e42bbe2508154c9126d48c2b8a75420c3544343bf86fd041fb7527e017a4b4a',
    imageId: 'sha256:511a44083d3a23416fadc62847c45d14c25cbace86e7a72b2b350436978a0450',
    os: { family: 'alpine', name: '3.20.3', eosl: false },
    order: ['LOW CVE-2024-9143 libcrypto3', 'LOW CVE-2024-9143 libssl3'],
  },
  'fluentd-gems.json.golden': {
    counts: { CRITICAL: 1, HIGH: 1 },
    imageId: 'sha256:5a992077baba51b97f27591a10d54d2f2723dc9c81a3fe419e261023f2554933',
    os: { family: 'debian', name: '10.2', eosl: false },
    order: ['CRITICAL CVE-2019-18224 libidn2-0', 'HIGH CVE-2020-8165 activesupport'],
  },
  'fluentd-multiple-lockfiles.json.golden': {
    counts: { CRITICAL: 1, HIGH: 1, LOW: 1 },
    imageId: 'sha256:5a992077baba51b97f27591a10d54d2f2723dc9c81a3fe419e261023f2554933',
    os: { family: 'debian', name: '10.2', eosl: false },
    order: ['CRITICAL CVE-2019-18224 libidn2-0', 'HIGH CVE-2020-8165 activesupport', 'LOW CVE-2019-18276 bash'],
  },
  'gomod.json.golden': {
    counts: { MEDIUM: 1, UNKNOWN: 4 },
    order: [
      'MEDIUM CVE-2022-23628 github.com/open-policy-agent/opa',
      'UNKNOWN CVE-2021-38561 golang.org/x/text',
      'UNKNOWN GMS-2022-20 github.com/docker/distribution',
      'UNKNOWN GMS-2022-20 github.com/docker/distribution',
      'UNKNOWN GMS-2022-20 github.com/docker/distribution',
    ],
  },
  'helm.json.golden': { counts: {}, order: [] },
  'secrets.json.golden': { counts: {}, order: [] },
  'sl-micro-rancher5.4.json.golden': {
    counts: {},
    imageId: 'sha256:c45ec974938acac29c893b5d273d73e4ebdd7e6a97b6fa861dfbd8dd430b9016',
    os: { family: 'slem', name: '5.4', eosl: false },
    order: [],
  },
  'ubi-7-comprehensive.json.golden': {
    counts: { HIGH: 1, LOW: 1 },
    imageId: 'sha256:6fecccc91c83e11ae4fede6793e9410841221d4779520c2b9e9fb7f7b3830264',
    os: { family: 'redhat', name: '7.7', eosl: false },
    order: ['HIGH CVE-2022-40897 setuptools', 'LOW CVE-2019-18276 bash'],
  },
  'alpine-310.sarif.golden': { rejected: /not a Trivy report/ },
  'fluentd-multiple-lockfiles-short.cdx.json.golden': { rejected: /not a Trivy report/ },
};

const JSON_FILES = readdirSync(corpusPath('trivy'))
  .filter((name) => /\.json$|\.json\.golden$|\.sarif\.golden$/.test(name))
  .sort();

test('every JSON file in the corpus trivy/ folder has an expectation here', () => {
  assert.ok(JSON_FILES.length >= 16, `found ${JSON_FILES.length}`);
  assert.deepEqual(JSON_FILES, Object.keys(EXPECTED).sort());
});

for (const name of JSON_FILES) {
  const expected = EXPECTED[name];
  test(`corpus ${name}`, () => {
    assert.ok(expected, `no expectation for ${name}`);
    const text = readCorpus(`trivy/${name}`);
    if (expected.rejected) {
      assert.match(failureOf(text), expected.rejected);
      return;
    }
    const scan = scanOf(text, 'alpine:latest');
    assert.equal(scan.reference, 'alpine:latest');
    assert.equal(scan.scannedAt, NOW);
    assert.deepEqual(scan.counts, counts(expected.counts ?? {}));
    assert.equal(
      scan.vulnerabilities.length,
      Object.values(scan.counts).reduce((a, b) => a + b, 0),
    );
    assert.equal(scan.digest, expected.digest);
    assert.equal(scan.imageId, expected.imageId);
    assert.deepEqual(scan.os, expected.os);
    assert.equal(scan.user, expected.user);
    if (expected.order) assert.deepEqual(order(scan), expected.order);
    for (const v of scan.vulnerabilities) {
      assert.ok(v.id !== '' && v.package !== '' && v.installed !== '', `${v.id} has id, package and installed version`);
      assert.notEqual(v.status, 'unknown', 'every corpus vulnerability has a Status');
      assert.ok(v.target, 'every corpus vulnerability belongs to a Result with a Target');
    }
  });
}

// ------------------------------------------------------------------------------------------------
// Field by field, on the corpus

test('debian-buster: a vulnerability with no FixedVersion has no fixed versions and keeps its status', () => {
  const scan = scanOf(readCorpus('trivy/debian-buster.json.golden'));
  const bash = only(scan, 'CVE-2019-18276', 'bash');
  assert.deepEqual(bash.fixed, []);
  assert.equal(bash.status, 'affected');
  assert.equal(bash.installed, '5.0-4');
  assert.equal(bash.severity, 'LOW');
  const libidn = only(scan, 'CVE-2019-18224');
  assert.deepEqual(libidn, {
    id: 'CVE-2019-18224',
    package: 'libidn2-0',
    installed: '2.0.5-1',
    fixed: ['2.0.5-1+deb10u1'],
    status: 'fixed',
    severity: 'CRITICAL',
    title: libidn.title,
    url: 'https://avd.aquasec.com/nvd/cve-2019-18224',
    target: 'testdata/fixtures/images/debian-buster.tar.gz (debian 10.1)',
    publishedDate: '2019-10-21T17:15:00Z',
  });
  assert.match(libidn.title ?? '', /idn2_to_ascii_4i/);
});

test('fluentd-gems: a comma-separated FixedVersion becomes a list; PkgPath-only gems keep PkgName', () => {
  const scan = scanOf(readCorpus('trivy/fluentd-gems.json.golden'));
  const gem = only(scan, 'CVE-2020-8165');
  assert.deepEqual(gem.fixed, ['6.0.3.1', '5.2.4.3']);
  assert.equal(gem.package, 'activesupport');
  assert.equal(gem.installed, '6.0.2.1');
  assert.equal(gem.target, 'Ruby');
  assert.equal(gem.severity, 'HIGH');
});

test('debian-stretch: end_of_life status; the same CVE for several packages stays separate', () => {
  const scan = scanOf(readCorpus('trivy/debian-stretch.json.golden'));
  assert.equal(only(scan, 'CVE-2019-18276').status, 'end_of_life');
  assert.deepEqual(only(scan, 'CVE-2019-18276').fixed, []);
  assert.equal(scan.vulnerabilities.filter((v) => v.id === 'CVE-2019-5094').length, 4);
  assert.ok(scan.vulnerabilities.filter((v) => v.id === 'CVE-2019-5094').every((v) => v.status === 'fixed' && v.fixed.length === 1));
});

test('ubi-7: will_not_fix status; Python packages found by path', () => {
  const scan = scanOf(readCorpus('trivy/ubi-7-comprehensive.json.golden'));
  assert.equal(only(scan, 'CVE-2019-18276').status, 'will_not_fix');
  assert.deepEqual(only(scan, 'CVE-2019-18276').fixed, []);
  const setuptools = only(scan, 'CVE-2022-40897');
  assert.equal(setuptools.target, 'Python');
  assert.deepEqual(setuptools.fixed, ['65.5.1']);
  assert.equal(setuptools.installed, '0.9.8');
});

test('gomod: UNKNOWN severity, non-CVE IDs, missing PrimaryURL / Title / PublishedDate', () => {
  const scan = scanOf(readCorpus('trivy/gomod.json.golden'));
  const gms = scan.vulnerabilities.filter((v) => v.id === 'GMS-2022-20');
  assert.deepEqual(
    gms.map((v) => v.target),
    ['go.mod', 'submod/go.mod', 'submod2/go.mod'],
  );
  assert.ok(gms.every((v) => v.severity === 'UNKNOWN' && v.url === undefined && v.publishedDate === undefined && v.title !== undefined));
  const text = only(scan, 'CVE-2021-38561');
  assert.equal(text.severity, 'UNKNOWN');
  assert.equal(text.title, undefined);
  assert.ok(!('title' in text), 'absent optional fields are left out, not set to undefined');
  assert.equal(text.url, 'https://avd.aquasec.com/nvd/cve-2021-38561');
});

test('alpine-39-skip: no Results key means no vulnerabilities, and the OS block is still read', () => {
  const text = readCorpus('trivy/alpine-39-skip.json.golden');
  assert.ok(!('Results' in JSON.parse(text)));
  const scan = scanOf(text);
  assert.deepEqual(scan.vulnerabilities, []);
  assert.deepEqual(scan.counts, counts({}));
});

test('repository scans without Metadata have no digest, image ID, OS or user', () => {
  for (const name of ['secrets.json.golden', 'helm.json.golden', 'dockerfile.json.golden', 'gomod.json.golden']) {
    const scan = scanOf(readCorpus(`trivy/${name}`));
    assert.ok(!('digest' in scan) && !('imageId' in scan) && !('os' in scan) && !('user' in scan), name);
  }
});

test('docs example: the digest comes from RepoDigests, matched against Docker Hub spellings', () => {
  const text = readCorpus('trivy/docs-reporting-alpine-latest.json');
  const digest = 'sha256:1e42bbe2508154c9126d48c2b8a75420c3544343bf86fd041fb7527e017a4b4a';
  for (const reference of [
    'alpine:latest',
    'alpine',
    'docker.io/library/alpine:3.20',
    'index.docker.io/library/alpine:latest',
    'ghcr.io/other/thing:1',
    'not a reference',
  ]) {
    assert.equal(scanOf(text, reference).digest, digest, reference);
  }
});

// ------------------------------------------------------------------------------------------------
// Constructed reports

test('RepoDigests: the entry for the scanned repository wins over the first one', () => {
  const a = `sha256:${'a'.repeat(64)}`;
  const b = `sha256:${'b'.repeat(64)}`;
  const c = `sha256:${'c'.repeat(64)}`;
  const text = report({
    Metadata: { RepoDigests: [`ghcr.io/acme/app@${a}`, `docker.io/library/alpine@${b}`, `index.docker.io/bitnami/redis@${c}`] },
  });
  assert.equal(scanOf(text, 'alpine:3.20').digest, b);
  assert.equal(scanOf(text, 'index.docker.io/library/alpine').digest, b);
  assert.equal(scanOf(text, `alpine@${c}`).digest, b, 'the repository decides, not the digest in the reference');
  assert.equal(scanOf(text, 'bitnami/redis:7').digest, c);
  assert.equal(scanOf(text, 'ghcr.io/acme/app:1').digest, a);
  assert.equal(scanOf(text, 'quay.io/unrelated/x:1').digest, a, 'no match: the first entry');
  assert.equal(scanOf(text, 'Not/A Reference').digest, a);
});

test('RepoDigests: only valid sha256 digests count; anything else is ignored', () => {
  const good = `sha256:${'0123456789abcdef'.repeat(4)}`;
  const text = report({
    Metadata: {
      RepoDigests: [
        'alpine@sha256:abc',
        `alpine@sha512:${'a'.repeat(128)}`,
        `alpine@sha256:${'A'.repeat(64)}`,
        `alpine@sha256:${'a'.repeat(65)}`,
        'alpine',
        42,
        null,
        { digest: good },
        `other@${good}`,
      ],
    },
  });
  assert.equal(scanOf(text, 'alpine').digest, good);
  assert.equal(scanOf(report({ Metadata: { RepoDigests: ['alpine@sha256:abc'] } }), 'alpine').digest, undefined);
  assert.equal(scanOf(report({ Metadata: { RepoDigests: `alpine@${good}` } }), 'alpine').digest, undefined, 'a string instead of an array');
  assert.equal(scanOf(report({ Metadata: { RepoDigests: [] } }), 'alpine').digest, undefined);
});

test('vulnerabilities are sorted by severity, then ID, then package; counts include zeros', () => {
  const text = report({
    Results: [
      {
        Target: 'one',
        Vulnerabilities: [
          vuln({ VulnerabilityID: 'CVE-2024-2', PkgName: 'b', Severity: 'LOW' }),
          vuln({ VulnerabilityID: 'CVE-2024-9', PkgName: 'a', Severity: 'CRITICAL' }),
          vuln({ VulnerabilityID: 'CVE-2024-1', PkgName: 'z', Severity: 'UNKNOWN' }),
        ],
      },
      {
        Target: 'two',
        Vulnerabilities: [
          vuln({ VulnerabilityID: 'CVE-2024-2', PkgName: 'a', Severity: 'LOW' }),
          vuln({ VulnerabilityID: 'CVE-2024-10', PkgName: 'a', Severity: 'CRITICAL' }),
          vuln({ VulnerabilityID: 'GHSA-xxxx', PkgName: 'a', Severity: 'HIGH' }),
        ],
      },
    ],
  });
  const scan = scanOf(text);
  assert.deepEqual(order(scan), [
    'CRITICAL CVE-2024-10 a',
    'CRITICAL CVE-2024-9 a',
    'HIGH GHSA-xxxx a',
    'LOW CVE-2024-2 a',
    'LOW CVE-2024-2 b',
    'UNKNOWN CVE-2024-1 z',
  ]);
  assert.deepEqual(scan.counts, { CRITICAL: 2, HIGH: 1, MEDIUM: 0, LOW: 2, UNKNOWN: 1 });
  assert.deepEqual(
    scan.vulnerabilities.map((v) => v.target),
    ['two', 'one', 'two', 'two', 'one', 'one'],
  );
});

test('severity is upper-cased; anything outside the five is UNKNOWN', () => {
  const severities: Array<[unknown, TrivySeverity]> = [
    ['critical', 'CRITICAL'],
    ['High', 'HIGH'],
    [' medium ', 'MEDIUM'],
    ['SEVERE', 'UNKNOWN'],
    ['', 'UNKNOWN'],
    [3, 'UNKNOWN'],
    [null, 'UNKNOWN'],
    [undefined, 'UNKNOWN'],
  ];
  const text = report({
    Results: [
      { Target: 't', Vulnerabilities: severities.map(([severity], i) => vuln({ VulnerabilityID: `CVE-${i}`, Severity: severity })) },
    ],
  });
  const scan = scanOf(text);
  for (const [i, [given, wanted]] of severities.entries()) {
    assert.equal(only(scan, `CVE-${i}`).severity, wanted, JSON.stringify(given));
  }
});

test('FixedVersion: comma lists, stray spaces and empty parts; an array is accepted too', () => {
  const cases: Array<[unknown, string[]]> = [
    ['1.2.3', ['1.2.3']],
    ['6.0.3.1, 5.2.4.3', ['6.0.3.1', '5.2.4.3']],
    [' 1.0 ,, 2.0 , ', ['1.0', '2.0']],
    ['', []],
    [undefined, []],
    [null, []],
    [
      ['1.0', ' 2.0, 3.0 ', 4, null, {}],
      ['1.0', '2.0', '3.0', '4'],
    ],
    [7, ['7']],
    [{ version: '1' }, []],
    [true, []],
  ];
  const text = report({
    Results: [{ Target: 't', Vulnerabilities: cases.map(([fixed], i) => vuln({ VulnerabilityID: `CVE-${i}`, FixedVersion: fixed })) }],
  });
  const scan = scanOf(text);
  for (const [i, [given, wanted]] of cases.entries()) assert.deepEqual(only(scan, `CVE-${i}`).fixed, wanted, JSON.stringify(given));
});

test('package falls back to PkgID, then PkgPath; status falls back to unknown', () => {
  const text = report({
    Results: [
      {
        Target: 't',
        Vulnerabilities: [
          { VulnerabilityID: 'CVE-1', PkgID: 'openssl@3.0', InstalledVersion: '3.0', Severity: 'HIGH' },
          { VulnerabilityID: 'CVE-2', PkgPath: 'usr/lib/app.jar', Severity: 'HIGH', Status: '' },
          { VulnerabilityID: 'CVE-3', PkgName: '', PkgID: 'x@1', PkgPath: 'p', Severity: 'HIGH' },
          { VulnerabilityID: 'CVE-4' },
        ],
      },
    ],
  });
  const scan = scanOf(text);
  assert.equal(only(scan, 'CVE-1').package, 'openssl@3.0');
  assert.equal(only(scan, 'CVE-2').package, 'usr/lib/app.jar');
  assert.equal(only(scan, 'CVE-3').package, 'x@1');
  assert.deepEqual(only(scan, 'CVE-4'), {
    id: 'CVE-4',
    package: '',
    installed: '',
    fixed: [],
    status: 'unknown',
    severity: 'UNKNOWN',
    target: 't',
  });
  assert.equal(only(scan, 'CVE-1').status, 'unknown');
  assert.equal(only(scan, 'CVE-2').status, 'unknown');
});

test('entries without a VulnerabilityID are skipped; non-object entries too', () => {
  const text = report({
    Results: [
      {
        Target: 't',
        Vulnerabilities: [
          vuln({}),
          vuln({ VulnerabilityID: '' }),
          vuln({ VulnerabilityID: null }),
          vuln({ VulnerabilityID: { id: 'CVE-1' } }),
          null,
          'CVE-2024-1',
          42,
          [vuln({ VulnerabilityID: 'CVE-nested' })],
          vuln({ VulnerabilityID: 'CVE-kept' }),
        ],
      },
    ],
  });
  assert.deepEqual(order(scanOf(text)), ['LOW CVE-kept pkg']);
});

test('vulnerabilities from every Result class are collected; a Result without Target gives none', () => {
  const text = report({
    Results: [
      { Target: 'os', Class: 'os-pkgs', Vulnerabilities: [vuln({ VulnerabilityID: 'CVE-a' })] },
      { Target: 'Java', Class: 'lang-pkgs', Vulnerabilities: [vuln({ VulnerabilityID: 'CVE-b' })] },
      { Class: 'custom', Vulnerabilities: [vuln({ VulnerabilityID: 'CVE-c' })] },
      { Target: 'secret', Class: 'secret', Secrets: [{ RuleID: 'aws-access-key-id', Severity: 'CRITICAL' }] },
      { Target: 'cfg', Class: 'config', Misconfigurations: [{ ID: 'DS-0002', Severity: 'HIGH', Status: 'FAIL' }] },
    ],
  });
  const scan = scanOf(text);
  assert.deepEqual(
    scan.vulnerabilities.map((v) => [v.id, v.target]),
    [
      ['CVE-a', 'os'],
      ['CVE-b', 'Java'],
      ['CVE-c', undefined],
    ],
  );
  assert.ok(!('target' in only(scan, 'CVE-c')));
  assert.deepEqual(scan.counts, counts({ LOW: 3 }), 'secrets and misconfigurations are not vulnerabilities');
});

test('values of the wrong type do not crash: numbers become text, other things are ignored', () => {
  const text = JSON.stringify({
    SchemaVersion: '2',
    ArtifactName: 17,
    Metadata: { OS: { Family: 12, Name: 3.1, EOSL: 'true' }, ImageID: ['sha256:x'], RepoDigests: {}, ImageConfig: { config: { User: 0 } } },
    Results: [
      {
        Target: 404,
        Vulnerabilities: [
          {
            VulnerabilityID: 123,
            PkgName: ['a'],
            PkgID: 9,
            InstalledVersion: false,
            FixedVersion: 2,
            Status: { s: 1 },
            Severity: ['HIGH'],
            Title: {},
            PrimaryURL: 5,
            PublishedDate: null,
          },
        ],
      },
      { Target: 't', Vulnerabilities: { VulnerabilityID: 'CVE-as-object' } },
      { Target: 't', Vulnerabilities: 'none' },
    ],
  });
  const scan = scanOf(text);
  assert.deepEqual(scan.os, { family: '12', name: '3.1', eosl: false }, 'EOSL must be the boolean true');
  assert.equal(scan.imageId, undefined);
  assert.equal(scan.digest, undefined);
  assert.equal(scan.user, '0', 'a numeric User is still a user (root)');
  assert.deepEqual(scan.vulnerabilities, [
    { id: '123', package: '9', installed: '', fixed: ['2'], status: 'unknown', severity: 'UNKNOWN', url: '5', target: '404' },
  ]);
});

test('wrong shapes at the top: Results or Metadata of the wrong type give an empty scan', () => {
  for (const body of [
    { Results: null },
    { Results: {} },
    { Results: 'x' },
    { Results: [null, 1, 'x', [], {}] },
    { Metadata: null },
    { Metadata: [] },
    { Metadata: 'x' },
    { Metadata: { OS: 'alpine', ImageConfig: 'x' } },
    { Metadata: { OS: { Name: '3.20' }, ImageConfig: { config: 'x' } } },
    { Metadata: { ImageConfig: { config: { User: '' } } } },
    { Metadata: { ImageConfig: { config: { User: null } } } },
  ]) {
    const scan = scanOf(report(body));
    assert.deepEqual(scan.vulnerabilities, [], JSON.stringify(body));
    assert.equal(scan.os, undefined, JSON.stringify(body));
    assert.equal(scan.user, undefined, JSON.stringify(body));
  }
});

test('user comes from ImageConfig.config.User; empty means none', () => {
  assert.equal(scanOf(report({ Metadata: { ImageConfig: { config: { User: 'nobody:nogroup' } } } })).user, 'nobody:nogroup');
  assert.equal(scanOf(report({ Metadata: { ImageConfig: { config: { User: '' } } } })).user, undefined);
  assert.equal(scanOf(report({ Metadata: { ImageConfig: { User: 'wrong-level' } } })).user, undefined);
});

test('keys inherited through __proto__ are not read', () => {
  const text =
    '{"SchemaVersion":2,"Metadata":{"__proto__":{"OS":{"Family":"evil"}},"constructor":{"x":1}},"Results":[{"__proto__":{"Vulnerabilities":[{"VulnerabilityID":"CVE-evil"}]}}]}';
  const scan = scanOf(text);
  assert.equal(scan.os, undefined);
  assert.deepEqual(scan.vulnerabilities, []);
});

test('a minimal object with any of the report keys is a report', () => {
  for (const text of ['{"SchemaVersion":2}', '{"ArtifactName":"x"}', '{"Results":[]}', '{"Metadata":{}}']) {
    const scan = scanOf(text);
    assert.deepEqual(scan.counts, counts({}), text);
  }
});

test('a UTF-8 byte-order mark and surrounding whitespace are tolerated', () => {
  const scan = scanOf(`\uFEFF\n  ${readCorpus('trivy/debian-buster.json.golden')}\n\n`);
  assert.deepEqual(scan.counts, counts({ CRITICAL: 1, LOW: 1 }));
});

// ------------------------------------------------------------------------------------------------
// Not reports

test('empty output is rejected', () => {
  assert.match(failureOf(''), /empty/);
  assert.match(failureOf('  \n\t'), /empty/);
});

test('non-JSON output is rejected with a short, escaped preview', () => {
  const garbage = '\u001b[1mReport Summary\u001b[0m\n\n┌──────┐\n│ alpine │\r\n\u0000\u0007' + 'x'.repeat(500);
  const message = failureOf(garbage);
  assert.match(message, /not JSON/);
  assert.ok(message.includes('\\u001b[1mReport Summary\\u001b[0m\\n\\n┌'), message);
  assert.doesNotMatch(message, /[\u0000-\u001f\u007f]/, 'no raw control characters');
  assert.ok(message.length < 250, `short: ${message.length}`);
  assert.ok(message.endsWith('…'), 'says it was cut');
  assert.ok(!failureOf('oops').endsWith('…'));
  assert.match(failureOf('oops'), /"oops"/);
});

test('the preview never cuts a surrogate pair in half', () => {
  const message = failureOf('x'.repeat(79) + '😀' + 'y'.repeat(10));
  assert.ok(message.includes('x😀'), message);
  assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(message));
});

test('JSON that is not an object is rejected: null, arrays, numbers, strings, booleans', () => {
  assert.match(failureOf('null'), /null/);
  assert.match(failureOf('[]'), /array/);
  assert.match(failureOf(readCorpus('trivy/gomod.json.golden').replace(/^/, '[').concat(']')), /array/);
  assert.match(failureOf('42'), /number/);
  assert.match(failureOf('"a string"'), /string/);
  assert.match(failureOf('true'), /boolean/);
});

test('an object without any Trivy report key is rejected', () => {
  assert.match(failureOf('{}'), /not a Trivy report/);
  assert.match(failureOf('{"Version":"0.58.1","VulnerabilityDB":{"Version":2}}'), /not a Trivy report/);
  assert.match(failureOf('{"SchemaVersion":null,"Results":null}'), /not a Trivy report/);
});

test('truncated output (a report cut off mid-way) is rejected', () => {
  const text = readCorpus('trivy/debian-buster.json.golden');
  assert.match(failureOf(text.slice(0, text.length / 2)), /not JSON/);
});

test('deeply nested JSON does not throw', () => {
  const parsed = parseTrivyReport('['.repeat(200_000) + ']'.repeat(200_000), 'x', NOW);
  assert.equal(typeof parsed.ok, 'boolean');
});

test('a 5 MB report parses', () => {
  const vulnerabilities: Array<Record<string, unknown>> = [];
  const severities = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];
  for (let i = 0; i < 12_000; i++) {
    vulnerabilities.push({
      VulnerabilityID: `CVE-2024-${String(i).padStart(5, '0')}`,
      PkgID: `pkg-${i % 700}@1.${i % 9}`,
      PkgName: `pkg-${i % 700}`,
      InstalledVersion: `1.${i % 9}`,
      FixedVersion: i % 3 === 0 ? undefined : `1.${(i % 9) + 1}, 2.0`,
      Status: i % 3 === 0 ? 'affected' : 'fixed',
      Severity: severities[i % 5],
      Title: `Problem ${i}`,
      Description: 'd'.repeat(200),
      PrimaryURL: `https://avd.aquasec.com/nvd/cve-2024-${i}`,
      References: [`https://example.com/${i}/a`, `https://example.com/${i}/b`],
    });
  }
  const text = report({
    Metadata: { OS: { Family: 'debian', Name: '12.5' } },
    Results: [{ Target: 'big (debian 12.5)', Class: 'os-pkgs', Vulnerabilities: vulnerabilities }],
  });
  assert.ok(text.length > 5_000_000, `${text.length} characters`);
  const scan = scanOf(text);
  assert.equal(scan.vulnerabilities.length, 12_000);
  assert.deepEqual(scan.counts, { CRITICAL: 2400, HIGH: 2400, MEDIUM: 2400, LOW: 2400, UNKNOWN: 2400 });
  assert.equal(scan.vulnerabilities[0]!.id, 'CVE-2024-00000');
  assert.equal(scan.vulnerabilities.at(-1)!.severity, 'UNKNOWN');
  assert.deepEqual(scan.vulnerabilities[1]!.fixed, ['1.6', '2.0']);
});

test('a 5 MB non-JSON output is rejected with a short message', () => {
  const message = failureOf('garbage line\n'.repeat(400_000));
  assert.ok(message.length < 250);
});
