// Alerts: which URLs and headers are taken and how they are shown, what a message holds, and the
// delivery (retries, timeouts, redirects) against a local receiver, on a fake clock.

import { after, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DeadlineState, DEFAULT_SLA } from '../../../src/core/cluster/deadlines.js';
import { clusterFindings } from '../../../src/core/cluster/findings.js';
import {
  alertFor,
  checkNotifyUrl,
  findingKey,
  MAX_ENTRIES,
  parseNotifyHeader,
  sendAlerts,
  targetKey,
  type AlertMessage,
} from '../../../src/core/cluster/notify.js';
import type { ClustersReport } from '../../../src/core/cluster/scanClusters.js';
import type { RunningImage } from '../../../src/core/cluster/types.js';
import type { ScanOutcome } from '../../../src/core/index.js';
import { scan, v } from '../../support/cluster.js';
import { startWebhook, type WebhookReceiver } from '../../support/webhook.js';

/** A loopback URL on which nothing listens any more. */
function closedPort(): Promise<string> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(`http://127.0.0.1:${port}`));
    });
  });
}

const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

function image(n: number, placements: [context: string, namespace: string, name: string][]): RunningImage {
  return {
    reference: `registry.example/app${n}@${digest(n)}`,
    digest: digest(n),
    specImages: [`registry.example/app${n}:1`],
    contexts: [...new Set(placements.map(([c]) => c))],
    workloads: placements.map(([context, namespace, name]) => ({
      context,
      namespace,
      kind: 'Deployment',
      name,
      pod: `${name}-1`,
      container: 'app',
      containerType: 'containers' as const,
    })),
  };
}

/** A report of the images with these scans, dated by the state at `now`. */
function reportAt(now: Date, state: DeadlineState, images: RunningImage[], outcomes: Map<string, ScanOutcome>): ClustersReport {
  const contexts = [...new Set(images.flatMap((i) => i.contexts ?? []))];
  return {
    generatedAt: now.toISOString(),
    clusters: contexts.map((context) => ({ context, server: `https://${context}`, pods: 1 })),
    pods: contexts.length,
    images,
    outcomes,
    findings: clusterFindings(images, outcomes, { sla: DEFAULT_SLA, state, now, qualify: contexts.length > 1 }),
    errors: [],
    sla: DEFAULT_SLA,
    cancelled: false,
  };
}

const withRef = (outcome: ScanOutcome, reference: string): ScanOutcome =>
  outcome.ok ? { ok: true, scan: { ...outcome.scan, reference } } : outcome;

describe('alert URLs and headers', () => {
  test('https anywhere, plain http only on loopback; a refusal shows no secret', () => {
    assert.equal(checkNotifyUrl('https://hooks.slack.com/services/T0/B0/XYZ').hostname, 'hooks.slack.com');
    for (const ok of ['http://127.0.0.1:8080/hook', 'http://localhost/x', 'http://[::1]:9/x', 'http://127.3.4.5/'])
      assert.ok(checkNotifyUrl(ok), ok);
    assert.throws(
      () => checkNotifyUrl('http://hooks.example.com/services/T0/B0/s3cret'),
      (error: Error) => {
        assert.match(error.message, /not http:\/\/hooks\.example\.com\/services\/…\/…\/…$/);
        assert.ok(!error.message.includes('s3cret'));
        return true;
      },
    );
    assert.throws(() => checkNotifyUrl('file:///etc/passwd'), /not a file: URL/);
    assert.throws(
      () => checkNotifyUrl('not a url s3cret'),
      (error: Error) => !error.message.includes('s3cret'),
    );
  });

  test('a header is "Name: value"; a bad one is named, its value never shown', () => {
    assert.deepEqual(parseNotifyHeader('Authorization:  Bearer abc:def '), ['Authorization', 'Bearer abc:def']);
    assert.throws(
      () => parseNotifyHeader('Bearer s3cret'),
      (e: Error) => /Name: value/.test(e.message) && !e.message.includes('s3cret'),
    );
    assert.throws(
      () => parseNotifyHeader('Bad Name: s3cret'),
      (e: Error) => !e.message.includes('s3cret'),
    );
    assert.throws(
      () => parseNotifyHeader('X-Token: s3cret\r\nX-Other: 1'),
      (e: Error) => /X-Token/.test(e.message) && !e.message.includes('s3cret'),
    );
    assert.throws(() => parseNotifyHeader('X-Token:'), /X-Token/);
  });

  test('the state knows a receiver by a hash of its URL, not the URL', () => {
    assert.match(targetKey('https://hooks.slack.com/services/T/B/secret'), /^[0-9a-f]{32}$/);
    assert.notEqual(targetKey('https://a.example/1'), targetKey('https://a.example/2'));
  });
});

describe('what an alert says', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const images = [
    image(1, [
      ['east', 'shop', 'web'],
      ['west', 'shop', 'web'],
      ['west', 'shop', 'web'],
    ]),
    image(2, [['west', 'data', 'etl']]),
  ];
  const outcomes = new Map<string, ScanOutcome>([
    [images[0]!.reference, withRef(scan([v('CVE-CRIT', 'CRITICAL', ['1.1']), v('CVE-LOW', 'LOW')]), images[0]!.reference)],
    [images[1]!.reference, withRef(scan([v('CVE-HIGH', 'HIGH'), v('CVE-MED', 'MEDIUM')]), images[1]!.reference)],
  ]);

  test('findings at or above the level, not yet announced, one entry per context, namespace and workload', () => {
    const report = reportAt(now, new DeadlineState(undefined), images, outcomes);
    const alert = alertFor(report, { new: new Set(), breached: new Set() }, 'HIGH');
    assert.ok(alert);
    assert.equal(alert.message.text, 'Shipshape: 2 new vulnerabilities at HIGH or above (1 CRITICAL, 1 HIGH) in east, west.');
    assert.deepEqual(alert.message.new, [
      {
        context: 'east',
        namespace: 'shop',
        workload: 'Deployment/web',
        image: images[0]!.reference,
        digest: digest(1),
        vulnerability: 'CVE-CRIT',
        severity: 'CRITICAL',
        fixedVersion: '1.1',
        deadline: '2026-01-08T00:00:00.000Z',
      },
      {
        context: 'west',
        namespace: 'shop',
        workload: 'Deployment/web',
        image: images[0]!.reference,
        digest: digest(1),
        vulnerability: 'CVE-CRIT',
        severity: 'CRITICAL',
        fixedVersion: '1.1',
        deadline: '2026-01-08T00:00:00.000Z',
      },
      {
        context: 'west',
        namespace: 'data',
        workload: 'Deployment/etl',
        image: images[1]!.reference,
        digest: digest(2),
        vulnerability: 'CVE-HIGH',
        severity: 'HIGH',
        fixedVersion: null,
        deadline: '2026-01-31T00:00:00.000Z',
      },
    ]);
    assert.deepEqual(alert.message.breached, []);
    const critical = report.findings.find((f) => f.id === 'CVE-CRIT')!;
    assert.equal(alertFor(report, { new: new Set([findingKey(critical)]), breached: new Set() }, 'CRITICAL'), undefined, 'nothing new');
    assert.equal(alertFor(report, { new: new Set(), breached: new Set() }, 'MEDIUM')?.keys.new.length, 3);
  });

  test('a finding new and already past its deadline is said once, as breached', () => {
    const state = new DeadlineState(undefined);
    reportAt(new Date('2025-01-01T00:00:00Z'), state, images, outcomes);
    const report = reportAt(now, state, images, outcomes);
    const alert = alertFor(report, { new: new Set(), breached: new Set() }, 'HIGH')!;
    assert.equal(alert.message.text, 'Shipshape: 2 remediation deadlines passed (1 CRITICAL, 1 HIGH) in east, west.');
    assert.deepEqual(alert.message.new, []);
    assert.equal(alert.message.breached.length, 3);
    assert.deepEqual(alert.keys.new.sort(), alert.keys.breached.sort(), 'announced as new too');
  });

  test('context names in the chat line carry no markup; a very large message lists at most MAX_ENTRIES entries', () => {
    const many = image(3, [
      ...Array.from({ length: MAX_ENTRIES + 50 }, (_, i): [string, string, string] => ['<!channel>&*prod*', 'ns', `w${i}`]),
    ]);
    const report = reportAt(
      now,
      new DeadlineState(undefined),
      [many],
      new Map([[many.reference, withRef(scan([v('CVE-CRIT', 'CRITICAL')]), many.reference)]]),
    );
    const alert = alertFor(report, { new: new Set(), breached: new Set() })!;
    assert.equal(alert.message.text, 'Shipshape: 1 new vulnerability at HIGH or above (1 CRITICAL) in !channelprod.');
    assert.equal(alert.message.new.length, MAX_ENTRIES);
    assert.equal(alert.message.omitted, 50);
  });
});

describe('delivering alerts', () => {
  let hook: WebhookReceiver;
  let dir: string;
  const images = [image(1, [['prod', 'shop', 'web']])];
  const outcomes = new Map<string, ScanOutcome>([
    [images[0]!.reference, withRef(scan([v('CVE-CRIT', 'CRITICAL', ['1.1']), v('CVE-HIGH', 'HIGH')]), images[0]!.reference)],
  ]);
  before(async () => {
    hook = await startWebhook();
  });
  beforeEach(() => {
    hook.clear();
    hook.failNext(0);
    hook.setDelay(0);
    hook.setRedirect(undefined);
    dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-notify-'));
  });
  after(async () => {
    await hook.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const quick = { retryDelaysMs: [10, 10], timeoutMs: 2000 };
  const bodies = () => hook.accepted().map((d) => d.body as AlertMessage);

  test('on a fake clock: new findings at once, a passed deadline once, then nothing; the state file holds no URL', async () => {
    const file = path.join(dir, 'state.json');
    const url = `${hook.url}/hook/s3cret-path`;
    const at = async (iso: string) => {
      const state = new DeadlineState(file);
      await state.load();
      const now = new Date(iso);
      const report = reportAt(now, state, images, outcomes);
      await state.save();
      return sendAlerts(report, { ...quick, targets: [{ url }], state: new DeadlineState(file), now, severity: 'CRITICAL' });
    };
    assert.deepEqual((await at('2026-01-01T00:00:00Z')).results, [{ url: `${hook.url}/hook/…`, sent: true, new: 1, breached: 0 }]);
    assert.deepEqual((await at('2026-01-05T00:00:00Z')).results[0]!.sent, false, 'nothing new within the deadline');
    const passed = await at('2026-01-09T00:00:00Z');
    assert.deepEqual(passed.results[0], { url: `${hook.url}/hook/…`, sent: true, new: 0, breached: 1 });
    assert.equal((await at('2026-01-10T00:00:00Z')).results[0]!.sent, false, 'a breach is announced once');
    assert.deepEqual(
      bodies().map((b) => [b.new.map((e) => e.vulnerability), b.breached.map((e) => e.vulnerability)]),
      [
        [['CVE-CRIT'], []],
        [[], ['CVE-CRIT']],
      ],
    );
    assert.equal(bodies()[1]!.text, 'Shipshape: 1 remediation deadline passed (1 CRITICAL) in prod.');
    const saved = readFileSync(file, 'utf8');
    assert.ok(!saved.includes('s3cret') && !saved.includes(hook.url), 'the state keeps a hash of the URL');
    assert.ok(saved.includes(targetKey(url)));
  });

  test('each receiver is told on its own: one that fails is told next time, the other is not told again', async () => {
    const file = path.join(dir, 'state.json');
    const targets = [{ url: `${hook.url}/a` }, { url: `${hook.url}/b`, headers: { 'X-Token': 'tok' } }];
    const now = new Date('2026-01-01T00:00:00Z');
    const state = new DeadlineState(file);
    const report = reportAt(now, state, images, outcomes);
    hook.failNext(3, 500);
    const first = await sendAlerts(report, { ...quick, targets: [targets[0]!], state, now });
    assert.deepEqual(first.errors, [
      {
        notify: `${hook.url}/a`,
        message: 'the alert was not delivered: the receiver answered 500 (3 attempts); the next run sends it again',
      },
    ]);
    const second = await sendAlerts(report, { ...quick, targets, state: new DeadlineState(file), now });
    assert.deepEqual(
      second.results.map((r) => r.sent),
      [true, true],
    );
    assert.deepEqual(
      hook.accepted().map((d) => [d.url, d.headers['x-token']]),
      [
        ['/a', undefined],
        ['/b', 'tok'],
      ],
    );
    const third = await sendAlerts(report, { ...quick, targets, state: new DeadlineState(file), now });
    assert.deepEqual(
      third.results.map((r) => r.sent),
      [false, false],
    );
  });

  test('credentials in the URL become Basic authorisation; a 429 asking to wait too long, a 4xx and a refused connection are errors', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const state = () => new DeadlineState(undefined);
    const report = reportAt(now, state(), images, outcomes);
    const withUser = new URL(hook.url);
    withUser.username = 'bot';
    withUser.password = 'p@ss';
    await sendAlerts(report, { ...quick, targets: [{ url: `${withUser.href}x` }], state: state(), now });
    assert.equal(hook.accepted()[0]!.headers['authorization'], `Basic ${Buffer.from('bot:p@ss').toString('base64')}`);

    hook.failNext(1, 429, '3600');
    const waiting = await sendAlerts(report, { ...quick, targets: [{ url: hook.url }], state: state(), now });
    assert.match(waiting.errors[0]!.message, /answered 429, asking to wait 3600 s \(1 attempt\)/);
    hook.failNext(1, 404);
    const missing = await sendAlerts(report, { ...quick, targets: [{ url: hook.url }], state: state(), now });
    assert.match(missing.errors[0]!.message, /the receiver answered 404;/);
    const closed = await sendAlerts(report, { ...quick, targets: [{ url: `${await closedPort()}/x` }], state: state(), now });
    assert.match(closed.errors[0]!.message, /the request failed \(ECONNREFUSED\) \(3 attempts\)/);
  });
});
