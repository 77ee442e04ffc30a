import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DeadlineState, DEFAULT_SLA, parseSla } from '../../../src/core/cluster/deadlines.js';
import { clusterFindings } from '../../../src/core/cluster/findings.js';
import { collectPod, ownerOf, parseImageId } from '../../../src/core/cluster/pods.js';
import type { RunningImage, Workload } from '../../../src/core/cluster/types.js';
import { toClusterCsv, toClusterJson, toClusterMarkdown } from '../../../src/core/cluster/reports.js';
import type { ScanOutcome, Vulnerability } from '../../../src/core/index.js';
import { readCorpus } from '../../support/analysis.js';

type Entry = { reference: string; digest?: string; specImages: Set<string>; workloads: Workload[] };

function collect(pods: unknown[]): Map<string, Entry> {
  const images = new Map<string, Entry>();
  for (const pod of pods) collectPod(pod as never, images);
  return images;
}

describe('reading pods', () => {
  test('image IDs as runtimes write them', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    assert.deepEqual(parseImageId(`docker-pullable://nginx@${digest}`), { repository: 'nginx', digest });
    assert.deepEqual(parseImageId(`docker.io/istio/base@${digest}`), { repository: 'docker.io/istio/base', digest });
    assert.deepEqual(parseImageId(digest), { digest });
    assert.equal(parseImageId(''), undefined);
    assert.equal(parseImageId('docker://sha256:abc'), undefined);
  });

  test('owners: a ReplicaSet with the pod-template-hash is its Deployment, a Job named by a CronJob is the CronJob', () => {
    const pod = (kind: string, name: string, labels = {}) => ({ metadata: { name: 'p', labels, ownerReferences: [{ kind, name, controller: true }] } });
    assert.deepEqual(ownerOf(pod('ReplicaSet', 'web-7d9f8c6b5', { 'pod-template-hash': '7d9f8c6b5' })), { kind: 'Deployment', name: 'web' });
    assert.deepEqual(ownerOf(pod('ReplicaSet', 'loose')), { kind: 'ReplicaSet', name: 'loose' });
    assert.deepEqual(ownerOf(pod('Job', 'report-28912345')), { kind: 'CronJob', name: 'report' });
    assert.deepEqual(ownerOf(pod('StatefulSet', 'db')), { kind: 'StatefulSet', name: 'db' });
    assert.deepEqual(ownerOf({ metadata: { name: 'bare' } }), { kind: 'Pod', name: 'bare' });
  });

  test('the datadog PodList: spec images paired with imageIDs; pending pods keep their reference', () => {
    const list = JSON.parse(readCorpus('k8s-api/datadog-agent--podlist_1.8-2.json')) as { items: unknown[] };
    const images = collect(list.items);
    const nginx = [...images.values()].find((e) => e.specImages.has('nginx:latest'))!;
    assert.match(nginx.reference, /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    assert.equal(nginx.digest, nginx.reference.split('@')[1]);
    assert.ok([...images.keys()].some((k) => k.startsWith('ref:')), 'a pod without containerStatuses keeps its spec image');
    for (const entry of images.values()) assert.ok(entry.workloads.every((w) => w.namespace && w.pod && w.container));
  });

  test('the k9s sidecar pod: init containers (incl. a native sidecar) with their statuses, one digest for the same image', () => {
    const pod = JSON.parse(readCorpus('k8s-api/k9s--internal-render-testdata-po_sidecar.json'));
    const images = collect([pod]);
    const istio = [...images.values()].filter((e) => e.specImages.has('istio/base'));
    assert.equal(istio.length, 1, 'three containers of one digest are one image');
    assert.match(istio[0]!.reference, /^docker\.io\/istio\/base@sha256:/);
    assert.deepEqual(istio[0]!.workloads.map((w) => w.containerType).sort(), ['containers', 'initContainers', 'initContainers']);
  });

  test('two tags with the same digest are one image; ephemeral containers count', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    const pod = (name: string, image: string) => ({
      metadata: { name, namespace: 'shop' },
      spec: { containers: [{ name: 'app', image }], ephemeralContainers: [{ name: 'debug', image: 'busybox:1.36' }] },
      status: { containerStatuses: [{ name: 'app', imageID: `docker.io/library/redis@${digest}` }] },
    });
    const images = collect([pod('a', 'redis:7'), pod('b', 'redis:7.2')]);
    const redis = images.get(digest)!;
    assert.deepEqual([...redis.specImages].sort(), ['redis:7', 'redis:7.2']);
    assert.equal(redis.workloads.length, 2);
    assert.equal(images.get('ref:busybox:1.36')!.workloads[0]!.containerType, 'ephemeralContainers');
  });
});

describe('deadlines', () => {
  test('--sla overrides some severities; a bad value says what is expected', () => {
    assert.deepEqual(parseSla('CRITICAL=3,high=14'), { ...DEFAULT_SLA, CRITICAL: 3, HIGH: 14 });
    assert.throws(() => parseSla('SEVERE=3'), /SEVERITY=DAYS/);
    assert.throws(() => parseSla('CRITICAL=soon'), /SEVERITY=DAYS/);
  });

  test('first-seen dates persist across runs; a damaged state file is ignored', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-state-'));
    const file = path.join(dir, 'deadlines.json');
    const first = new DeadlineState(file);
    await first.load();
    const then = new Date('2026-01-01T00:00:00Z');
    assert.equal(first.firstSeen('sha256:x', 'CVE-1|openssl', then).toISOString(), then.toISOString());
    await first.save();
    const second = new DeadlineState(file);
    await second.load();
    assert.equal(second.firstSeen('sha256:x', 'CVE-1|openssl', new Date()).toISOString(), then.toISOString());
    writeFileSync(file, '{"format":1,"firstSeen":{"a|');
    const warnings: string[] = [];
    const damaged = new DeadlineState(file, { debug() {}, info() {}, warn: (m) => void warnings.push(m), error() {} });
    await damaged.load();
    assert.match(warnings[0]!, /ignoring the deadline state/);
  });
});

describe('findings and reports', () => {
  const v = (id: string, severity: Vulnerability['severity'], fixed: string[] = [], publishedDate?: string): Vulnerability =>
    ({ id, severity, package: 'openssl', installed: '1.0', fixed, status: fixed.length ? 'fixed' : 'affected', ...(publishedDate && { publishedDate }) });
  const images: RunningImage[] = [
    { reference: `docker.io/library/nginx@sha256:${'1'.repeat(64)}`, digest: `sha256:${'1'.repeat(64)}`, specImages: ['nginx:1.27'], workloads: [{ namespace: 'shop', kind: 'Deployment', name: 'web', pod: 'web-1', container: 'web', containerType: 'containers' }] },
  ];
  const scan = (vulnerabilities: Vulnerability[]): ScanOutcome => {
    const counts = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
    for (const x of vulnerabilities) counts[x.severity]++;
    return { ok: true, scan: { reference: images[0]!.reference, vulnerabilities, counts, scannedAt: 0 } };
  };
  const outcomes = new Map([[images[0]!.reference, scan([v('CVE-LOW', 'LOW'), v('CVE-CRIT', 'CRITICAL', ['1.1']), v('CVE-HIGH', 'HIGH', [], '2020-01-01T00:00:00Z')])]]);

  test('ordered by severity then deadline; breached when the deadline has passed', () => {
    const state = new DeadlineState(undefined);
    const seen = new Date('2026-01-01T00:00:00Z');
    clusterFindings(images, outcomes, { sla: DEFAULT_SLA, state, now: seen });
    const later = clusterFindings(images, outcomes, { sla: DEFAULT_SLA, state, now: new Date('2026-01-20T00:00:00Z') });
    assert.deepEqual(later.map((f) => [f.id, f.deadline.slice(0, 10), f.breached]), [
      ['CVE-CRIT', '2026-01-08', true],
      ['CVE-HIGH', '2026-01-31', false],
      ['CVE-LOW', '2026-06-30', false],
    ]);
    const published = clusterFindings(images, outcomes, { sla: DEFAULT_SLA, state, now: new Date('2026-01-20T00:00:00Z'), fromPublished: true });
    assert.equal(published.find((f) => f.id === 'CVE-HIGH')!.breached, true, 'published in 2020: long past');
  });

  test('CSV has the documented columns, quotes what needs it, and defuses formulas', () => {
    const state = new DeadlineState(undefined);
    const findings = clusterFindings(images, outcomes, { sla: DEFAULT_SLA, state, now: new Date('2026-01-01T00:00:00Z') });
    const report = { context: 'kind', server: 'https://x', generatedAt: '2026-01-01T00:00:00.000Z', pods: 1, images, outcomes, findings, errors: [{ image: '=cmd', message: 'a "quoted", message' }], sla: DEFAULT_SLA, cancelled: false };
    const csv = toClusterCsv(report);
    assert.equal(csv.split('\r\n')[0], 'image,digest,namespaces,workloads,vulnerability,severity,package,installed,fixed,first seen,deadline,breached');
    assert.equal(csv.split('\r\n').length, 5);
    const json = toClusterJson(report) as { findings: { id: string; breached: boolean; firstSeen: string }[]; images: { vulnerabilities: object }[] };
    assert.deepEqual(json.findings.map((f) => f.id), ['CVE-CRIT', 'CVE-HIGH', 'CVE-LOW']);
    assert.deepEqual(json.images[0]!.vulnerabilities, { CRITICAL: 1, HIGH: 1, MEDIUM: 0, LOW: 1, UNKNOWN: 0 });
    const markdown = toClusterMarkdown(report);
    assert.match(markdown, /^# Shipshape cluster report: kind/);
    assert.match(markdown, /## Not scanned\n\n- =cmd: a "quoted", message/);
    const hostile = new Map([[images[0]!.reference, scan([{ ...v('CVE-X', 'LOW'), package: '=HYPERLINK("http://x")', installed: '1,2' }])]]);
    const hostileCsv = toClusterCsv({ ...report, findings: clusterFindings(images, hostile, { sla: DEFAULT_SLA, state, now: new Date() }) });
    assert.match(hostileCsv, /,"'=HYPERLINK\(""http:\/\/x""\)","1,2",/);
  });
});
