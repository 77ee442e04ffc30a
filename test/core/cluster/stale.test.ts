// stale-digest on what clusters run, against a real registry (docker-registry on loopback) through
// a real RegistryClient and PinChecker: a running tag made current says nothing; the tag pushed
// again (a rebuild) and the index republished with a platform added are reported with their
// workloads, in the JSON, Markdown, table and HTML reports; a registry that fails is said once.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_SLA } from '../../../src/core/cluster/deadlines.js';
import { toClusterHtml } from '../../../src/core/cluster/html.js';
import { toClusterJson, toClusterMarkdown, toClusterTable } from '../../../src/core/cluster/reports.js';
import type { ClustersReport } from '../../../src/core/cluster/scanClusters.js';
import { clusterStale } from '../../../src/core/cluster/stale.js';
import type { RunningImage } from '../../../src/core/cluster/types.js';
import { RegistryClient } from '../../../src/core/registry/client.js';
import { CredentialStore } from '../../../src/core/registry/credentials.js';
import { PinChecker, staleLookupOf, type StaleLookupFn } from '../../../src/core/registry/staleness.js';
import { freePort, pushImage, pushIndex, startRegistry, type Registry } from '../../support/registry.js';

const NOW = Date.parse('2024-01-31T00:00:00Z');
const workload = (name: string, context = 'prod') =>
  ({ namespace: 'shop', kind: 'Deployment', name, pod: `${name}-1`, container: 'app', containerType: 'containers', context }) as const;

/** A running image: `spec` as the pod spec writes it, running `digest`. */
function running(spec: string, digest: string | undefined, ...workloads: string[]): RunningImage {
  const name = spec.replace(/@.*$/, '').replace(/:[^:/]*$/, '');
  return {
    reference: digest ? `${name}@${digest}` : spec,
    ...(digest && { digest }),
    specImages: [spec],
    workloads: workloads.map((w) => workload(w)),
    contexts: ['prod'],
  };
}

describe('stale-digest on running images', () => {
  let registry: Registry;
  let configDir: string;
  let images: RunningImage[];
  let lookup: StaleLookupFn;
  const asked: string[][] = [];

  before(async () => {
    registry = await startRegistry();
    configDir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-cluster-stale-'));
    writeFileSync(path.join(configDir, 'config.json'), '{}');
    const host = registry.host;
    const fresh = await pushImage(registry, 'team/fresh', '1', { content: 'fresh' });
    const app = await pushImage(registry, 'team/app', '1', { content: 'first build' });
    const multi = await pushIndex(registry, 'team/multi', '1', ['linux/amd64']);
    images = [
      running(`${host}/team/fresh:1`, fresh.digest, 'fresh'),
      running(`${host}/team/app:1`, app.digest, 'web', 'api'),
      // The spec pins the digest too: the tag is still checked against what runs.
      running(`${host}/team/multi:1@${multi.digest}`, multi.digest, 'edge'),
      // No tag to follow, and no digest known: nothing to ask.
      running(`${host}/team/app@${app.digest}`, app.digest, 'bydigest'),
      running(`${host}/team/app:1`, undefined, 'pending'),
    ];
    const client = new RegistryClient({ credentials: new CredentialStore({ configDir }), minRetryDelayMs: 10 });
    const checks = staleLookupOf(new PinChecker(client));
    lookup = (questions, signal) => {
      asked.push(questions.map((q) => q.reference));
      return checks(questions, signal);
    };
  });
  after(async () => {
    await registry?.stop();
    rmSync(configDir, { recursive: true, force: true });
  });

  test('tags that still point to what runs: nothing reported, each name:tag@digest asked once', async () => {
    asked.length = 0;
    const { stale, errors } = await clusterStale(images, lookup, { analyze: { now: NOW } });
    assert.deepEqual(stale, []);
    assert.deepEqual(errors, []);
    const host = registry.host;
    assert.deepEqual(asked.flat().sort(), [
      `${host}/team/app:1@${images[1]!.digest}`,
      `${host}/team/fresh:1@${images[0]!.digest}`,
      `${host}/team/multi:1@${images[2]!.digest}`,
    ]);
  });

  describe('after the tags moved', () => {
    let now: { app: string; multi: string };
    let report: ClustersReport;
    before(async () => {
      // The tag pushed again with other content (a rebuild); the index again with arm64 added.
      now = {
        app: (await pushImage(registry, 'team/app', '1', { content: 'second build' })).digest,
        multi: (await pushIndex(registry, 'team/multi', '1', ['linux/amd64', 'linux/arm64'])).digest,
      };
      // A fresh checker: the one above keeps its answers for its life (a CLI run).
      const client = new RegistryClient({ credentials: new CredentialStore({ configDir }), minRetryDelayMs: 10 });
      lookup = staleLookupOf(new PinChecker(client));
    });

    test('a rebuild is a warning, a republished index information, each with its workloads and the current image', async () => {
      const { stale, errors } = await clusterStale(images, lookup, { analyze: { now: NOW } });
      assert.deepEqual(errors, []);
      assert.deepEqual(
        stale.map((s) => [s.image, s.reason, s.severity, s.digest, s.current, s.platform, s.workloads]),
        [
          [
            `${registry.host}/team/app:1`,
            'rebuilt',
            'warning',
            images[1]!.digest,
            now.app,
            'linux/amd64',
            ['shop/Deployment/api', 'shop/Deployment/web'],
          ],
          [
            `${registry.host}/team/multi:1@${images[2]!.digest}`,
            'republished',
            'info',
            images[2]!.digest,
            now.multi,
            'linux/amd64',
            ['shop/Deployment/edge'],
          ],
        ],
      );
      // The harness builds its images with `created: 2024-01-01T00:00:00Z`.
      assert.equal(stale[0]!.created, '2024-01-01T00:00:00Z');
      assert.match(
        stale[0]!.message,
        /runs `sha256:.*which its tag no longer points to: `1` now points to `sha256:.*\(built 2024-01-01, 30 days ago\), a rebuild/,
      );
      assert.match(
        stale[1]!.message,
        /republished index that still holds the running linux\/amd64 image.*nothing changed for this platform/,
      );
      report = {
        generatedAt: '2024-01-31T00:00:00.000Z',
        clusters: [{ context: 'prod', server: 'https://x', pods: 5 }],
        pods: 5,
        images,
        outcomes: new Map(),
        findings: [],
        errors,
        sla: DEFAULT_SLA,
        cancelled: false,
        stale,
      };
    });

    test('the reports list them: JSON (version 2) `stale`, Markdown, table and the HTML page', () => {
      assert.ok(report, 'the test before made the report');
      const json = toClusterJson(report) as { version: number; stale?: { image: string; reason: string; current: string }[] };
      assert.equal(json.version, 2);
      assert.deepEqual(
        json.stale?.map((s) => [s.image.replace(/@.*$/, ''), s.reason, s.current]),
        [
          [`${registry.host}/team/app:1`, 'rebuilt', now.app],
          [`${registry.host}/team/multi:1`, 'republished', now.multi],
        ],
      );
      const markdown = toClusterMarkdown(report);
      assert.match(
        markdown,
        /## Running a digest their tag no longer points to\n\n- warning: .*team\/app:1.*a rebuild.*\(shop\/Deployment\/api, shop\/Deployment\/web\)/,
      );
      assert.match(toClusterTable(report), /^stale-digest info: .*team\/multi:1.*republished index.*\(shop\/Deployment\/edge\)$/m);
      const html = toClusterHtml(report, { cspSource: 'vscode-resource:', styleUri: 'style.css' });
      assert.match(html, /<h2>Running a digest their tag no longer points to \(2\)<\/h2><ul class="stale"><li class="warning">/);
      // Without stale images, no field and no section.
      const { stale: _stale, ...none } = report;
      assert.equal('stale' in toClusterJson(none), false);
      assert.doesNotMatch(toClusterMarkdown(none), /no longer points to/);
    });

    test("the rule's severities are the settings'; with the rule off nothing is asked", async () => {
      const { stale } = await clusterStale(images, lookup, {
        analyze: { now: NOW, rules: { 'stale-digest': { severity: { rebuilt: 'error' } } } },
      });
      assert.deepEqual(
        stale.map((s) => s.severity),
        ['error', 'info'],
      );
      let calls = 0;
      const counted: StaleLookupFn = (questions, signal) => {
        calls++;
        return lookup(questions, signal);
      };
      const off = await clusterStale(images, counted, { analyze: { rules: { 'stale-digest': { enabled: false } } } });
      assert.deepEqual(off, { stale: [], errors: [] });
      assert.equal(calls, 0);
    });

    test('several clusters: workloads are named with their context', async () => {
      const { stale } = await clusterStale(images, lookup, { qualify: true });
      assert.deepEqual(stale[0]!.workloads, ['prod/shop/Deployment/api', 'prod/shop/Deployment/web']);
      // No date given: the image's own date alone.
      assert.match(stale[0]!.message, /\(built 2024-01-01\)/);
    });
  });

  test('a registry out of reach is said once for all its images, the others still answered; a cancelled check is no error', async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const client = new RegistryClient({ credentials: new CredentialStore({ configDir }), minRetryDelayMs: 10, retries: 1 });
    const checks = staleLookupOf(new PinChecker(client));
    const digest = `sha256:${'c'.repeat(64)}`;
    const moved = await pushImage(registry, 'team/moving', '1', { content: 'one' });
    await pushImage(registry, 'team/moving', '1', { content: 'two' });
    const { stale, errors } = await clusterStale(
      [
        running(`${closed}/team/a:1`, digest, 'a'),
        running(`${closed}/team/b:2`, digest, 'b'),
        running(`${registry.host}/team/moving:1`, moved.digest, 'moving'),
      ],
      checks,
    );
    assert.deepEqual(
      stale.map((s) => s.image),
      [`${registry.host}/team/moving:1`],
    );
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(
      errors[0]!.message,
      new RegExp(`^the tags of 2 images of ${closed.replace('.', '\\.')} could not be checked against what runs`),
    );
    const controller = new AbortController();
    controller.abort();
    const cancelled = await clusterStale([running(`${closed}/team/c:3`, digest, 'c')], checks, { signal: controller.signal });
    assert.deepEqual(cancelled, { stale: [], errors: [] });
  });

  test('credentials refused: said for the image, without the password', async () => {
    const locked = await startRegistry({ auth: 'basic', users: { alice: 's3cret-pw' } });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-cluster-stale-auth-'));
    try {
      const pushed = await pushImage(locked, 'private/app', '1');
      writeFileSync(
        path.join(dir, 'config.json'),
        JSON.stringify({ auths: { [locked.host]: { auth: Buffer.from('alice:not-it-pw').toString('base64') } } }),
      );
      const lines: string[] = [];
      const push = (m: string) => void lines.push(m);
      const logger = { debug: push, info: push, warn: push, error: push };
      const client = new RegistryClient({ credentials: new CredentialStore({ configDir: dir, logger }), logger, minRetryDelayMs: 10 });
      const { stale, errors } = await clusterStale(
        [running(`${locked.host}/private/app:1`, pushed.digest, 'app')],
        staleLookupOf(new PinChecker(client)),
      );
      assert.deepEqual(stale, []);
      assert.equal(errors.length, 1);
      assert.match(errors[0]!.message, /^the running .*private\/app:1@sha256:.* could not be checked against its tag: .*docker login/);
      assert.ok(
        ![...lines, errors[0]!.message].some(
          (l) => l.includes('not-it-pw') || l.includes(Buffer.from('alice:not-it-pw').toString('base64')),
        ),
      );
    } finally {
      await locked.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
