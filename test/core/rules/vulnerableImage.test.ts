import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { overlayFiles } from '../../../src/core/project/files.js';
import { analyzeProject } from '../../../src/core/project/index.js';
import {
  analyze,
  countsText,
  scanVerdicts,
  trivyProblemIn,
  vulnerabilityFinding,
  worstSeverity,
  type ImageScan,
  type ScanOutcome,
  type Vulnerability,
} from '../../../src/core/index.js';

function vulnerability(
  id: string,
  severity: Vulnerability['severity'],
  fixed: string[] = [],
  status = fixed.length ? 'fixed' : 'affected',
): Vulnerability {
  return { id, severity, package: `pkg-${id}`, installed: '1.0', fixed, status };
}

function scan(vulnerabilities: Vulnerability[], extra: Partial<ImageScan> = {}): ImageScan {
  const counts = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
  for (const v of vulnerabilities) counts[v.severity]++;
  return { reference: 'nginx:1.27', vulnerabilities, counts, scannedAt: 0, ...extra };
}

const image = analyze('FROM nginx:1.27\nUSER 1\n', 'dockerfile').images[0]!;

test('one finding on the reference: counts, fixable share and the worst vulnerability', () => {
  const finding = vulnerabilityFinding(
    image,
    scan([vulnerability('CVE-1', 'HIGH', ['1.1']), vulnerability('CVE-2', 'LOW'), vulnerability('CVE-3', 'LOW')]),
    {},
  )!;
  assert.equal(finding.rule, 'vulnerable-image');
  assert.equal(finding.reason, 'high');
  assert.equal(finding.severity, 'warning');
  assert.deepEqual(finding.range, image.range);
  assert.equal(finding.reference, 'docker.io/library/nginx:1.27');
  assert.equal(finding.raw, 'nginx:1.27');
  assert.equal(
    finding.message,
    '`nginx:1.27` has 3 known vulnerabilities (1 HIGH, 2 LOW; 1 with a fix). Worst: CVE-1 in pkg-CVE-1 1.0, fixed in 1.1.',
  );
});

test('the severity follows the worst vulnerability and can be configured per level', () => {
  const critical = scan([vulnerability('CVE-9', 'CRITICAL')]);
  assert.equal(vulnerabilityFinding(image, critical, {})!.severity, 'error');
  assert.equal(vulnerabilityFinding(image, scan([vulnerability('CVE-9', 'MEDIUM')]), {})!.severity, 'info');
  assert.equal(
    vulnerabilityFinding(image, critical, { rules: { 'vulnerable-image': { severity: { critical: 'warning' } } } })!.severity,
    'warning',
  );
  assert.equal(vulnerabilityFinding(image, critical, { rules: { 'vulnerable-image': { enabled: false } } }), undefined);
});

test('no vulnerabilities, no finding; an end-of-life OS is said', () => {
  assert.equal(vulnerabilityFinding(image, scan([]), {}), undefined);
  const eol = vulnerabilityFinding(
    image,
    scan([vulnerability('CVE-5', 'LOW', [], 'end_of_life')], { os: { family: 'debian', name: '9', eosl: true } }),
    {},
  )!;
  assert.match(eol.message, /no fix \(end of life\)\. Its OS \(debian 9\) is end of life/);
});

test('counts read worst first, and the worst severity is known', () => {
  const s = scan([vulnerability('A', 'LOW'), vulnerability('B', 'CRITICAL'), vulnerability('C', 'LOW')]);
  assert.equal(countsText(s), '1 CRITICAL, 2 LOW');
  assert.equal(worstSeverity(s), 'CRITICAL');
  assert.equal(worstSeverity(scan([])), undefined);
});

test("a base image's own user refines the implicit root-user of a Dockerfile", () => {
  // A base that is not on the documented non-root list: only its scan can tell.
  const text = 'FROM gcr.io/acme/static:2\nCOPY app /app\n';
  const users = (user: string) => ({ imageUsers: new Map([['gcr.io/acme/static:2', { user, from: 'trivy' as const }]]) });
  assert.deepEqual(
    analyze(text, 'dockerfile').findings.map((f) => f.rule),
    ['root-user', 'unpinned-image'],
  );
  assert.deepEqual(
    analyze(text, 'dockerfile', users('65532')).findings.map((f) => f.rule),
    ['unpinned-image'],
  );
  assert.deepEqual(
    analyze(text, 'dockerfile', users('nonroot:nonroot')).findings.map((f) => f.rule),
    ['unpinned-image'],
  );
  // Root by name or UID, or no user at all, keeps the finding.
  for (const user of ['root', '0', '0:0', '']) {
    assert.ok(
      analyze(text, 'dockerfile', users(user)).findings.some((f) => f.rule === 'root-user'),
      JSON.stringify(user),
    );
  }
  // Only the final stage's chain matters; an explicit USER root is never overridden by the image.
  assert.ok(
    analyze('FROM gcr.io/distroless/static:nonroot\nUSER root\n', 'dockerfile', users('65532')).findings.some(
      (f) => f.rule === 'root-user',
    ),
  );
});

test('scan verdicts: a finding per vulnerable image, failures per image; an unusable Trivy is no image failure', () => {
  const images = analyze('FROM nginx:1.27 AS a\nFROM alpine:3.20 AS b\nFROM gone:1 AS c\nFROM redis:7\nUSER 1\n', 'dockerfile').images;
  const outcomes = new Map<string, ScanOutcome>([
    ['nginx:1.27', { ok: true, scan: scan([vulnerability('CVE-1', 'CRITICAL')]) }],
    ['alpine:3.20', { ok: true, scan: scan([]) }],
    ['gone:1', { ok: false, failure: { reference: 'gone:1', reason: 'not-found', message: 'gone:1 was not found' } }],
    ['redis:7', { ok: false, failure: { reference: 'redis:7', reason: 'not-installed', message: 'Trivy was not found' } }],
  ]);
  const verdicts = scanVerdicts(images, (image) => outcomes.get(image.raw), {});
  assert.deepEqual(
    verdicts.findings.map((f) => [f.raw, f.reference, f.severity]),
    [['nginx:1.27', 'docker.io/library/nginx:1.27', 'error']],
  );
  assert.deepEqual(
    verdicts.failures.map((f) => [f.image.raw, f.failure.reason]),
    [['gone:1', 'not-found']],
  );
  assert.deepEqual(trivyProblemIn(outcomes.values())?.reason, 'not-installed');
  assert.equal(trivyProblemIn([...outcomes.values()].slice(0, 3)), undefined);
  assert.deepEqual(
    scanVerdicts(images, () => undefined, {}),
    { findings: [], failures: [] },
    'nothing scanned, nothing said',
  );
});

test('a chart or kustomization image is named by the reference it renders, not the tag written on its line; a variable by both', async () => {
  const root = path.resolve('/virtual/vulnerable');
  const texts = new Map(
    Object.entries({
      'chart/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
      'chart/values.yaml': 'image:\n  repository: registry.example/team/web\n  tag: "1.27"\n',
      'chart/templates/deployment.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n',
      'app/kustomization.yaml':
        'resources: [deployment.yaml]\nimages:\n  - name: nginx\n    newName: registry.example/mirror/nginx\n    newTag: "1.27"\n',
      'app/deployment.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: nginx\n',
    }).map(([name, text]) => [path.join(root, name), text]),
  );
  const project = await analyzeProject([...texts.keys()], overlayFiles(texts), {});
  const messages = [...project.images.values()]
    .flat()
    .map((image) => vulnerabilityFinding(image, scan([vulnerability('CVE-1', 'HIGH'), vulnerability('CVE-2', 'LOW')]), {})!.message);
  assert.deepEqual(messages.map((m) => m.slice(0, m.indexOf(' has '))).sort(), [
    '`registry.example/mirror/nginx:1.27`',
    '`registry.example/team/web:1.27`',
  ]);
  const dockerfile = analyze('ARG BASE=alpine:3.20\nFROM $BASE\nUSER 1\n', 'dockerfile').images[0]!;
  assert.match(
    vulnerabilityFinding(dockerfile, scan([vulnerability('CVE-1', 'HIGH')]), {})!.message,
    /^`\$BASE` \(`alpine:3.20`\) has 1 known/,
  );
});

test('an image whose OS Trivy says has reached its end of life gets eol-image, unless its tag already told it', () => {
  const eosl = scan([], { os: { family: 'alpine', name: '3.10.2', eosl: true } });
  const outcome: ScanOutcome = { ok: true, scan: eosl };
  const app = analyze('FROM registry.example.com/team/app:2.4\nUSER 1\n', 'dockerfile');
  const verdicts = scanVerdicts(app.images, () => outcome, {});
  assert.deepEqual(
    verdicts.findings.map((f) => [f.rule, f.severity, f.range.start.line]),
    [['eol-image', 'warning', 0]],
    'no vulnerability, but an OS past its end',
  );
  assert.equal(
    verdicts.findings[0]!.message,
    "`registry.example.com/team/app:2.4`: its OS, alpine 3.10.2, has reached its end of life, as Trivy's scan of the image says: no more fixes, security ones included. Move to an image built on a supported release.",
  );
  // Supported, switched off, or already told by the tag (alpine:3.10 is in the end-of-life data): nothing more.
  assert.deepEqual(
    scanVerdicts(app.images, () => ({ ok: true, scan: scan([], { os: { family: 'alpine', name: '3.21', eosl: false } }) }), {}).findings,
    [],
  );
  assert.deepEqual(scanVerdicts(app.images, () => outcome, { rules: { 'eol-image': { enabled: false } } }).findings, []);
  const told = analyze('FROM alpine:3.10\nUSER 1\n', 'dockerfile', { now: Date.parse('2026-12-07') });
  assert.ok(told.findings.some((f) => f.rule === 'eol-image'));
  assert.deepEqual(scanVerdicts(told.images, () => outcome, {}, told.findings).findings, []);
});
