// `shipshape cluster` and stale-digest, against a real control plane (test/support/kube.ts) and a
// real registry on loopback behind a counting proxy: a pod runs the tag's digest; the tag pushed
// again makes it stale, in the table and the JSON; --no-registry and --disable stale-digest ask
// the registry nothing.

import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/cli.js';
import { startKube, type Kube } from '../support/kube.js';
import { fault, pushImage, startFaultServer, startRegistry, type FaultServer, type Registry } from '../support/registry.js';
import { STAND_IN } from '../support/trivy.js';

interface ClusterJson {
  version: number;
  stale?: { image: string; digest: string; current: string; reason: string; severity: string; message: string; workloads: string[] }[];
  errors: { message: string }[];
}

describe('shipshape cluster: running tags checked against the registry', () => {
  let kube: Kube;
  let registry: Registry;
  let front: FaultServer;
  let dir: string;
  let image: string;
  let running: string;
  const saved = process.env['SHIPSHAPE_CACHE_DIR'];

  before(async () => {
    [kube, registry] = await Promise.all([startKube(), startRegistry()]);
    // Every request passes this proxy, so that a run's requests can be counted.
    front = await startFaultServer(fault.proxy(registry.url));
    running = (await pushImage(registry, 'team/app', '1', { content: 'first build' })).digest;
    image = `${front.host}/team/app:1`;
    await kube.namespace('stale');
    await kube.apply(
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: app, namespace: stale}',
        'spec:',
        '  selector: {matchLabels: {app: app}}',
        '  template:',
        '    metadata: {labels: {app: app}}',
        `    spec: {containers: [{name: app, image: "${image}"}]}`,
        '',
      ].join('\n'),
    );
    await kube.runPods('stale', { count: 1, digests: { [image]: running } });
  });
  after(async () => {
    await kube?.stop();
    await front?.stop();
    await registry?.stop();
  });
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-cluster-stale-'));
    process.env['SHIPSHAPE_CACHE_DIR'] = dir;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env['SHIPSHAPE_CACHE_DIR'];
    else process.env['SHIPSHAPE_CACHE_DIR'] = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  /** A run over the namespace, with the registry requests it made. */
  async function cluster(...args: string[]) {
    const start = front.requests().length;
    const run = await runCli([
      'cluster',
      '--kubeconfig',
      kube.kubeconfig,
      '--namespace',
      'stale',
      '--trivy',
      STAND_IN,
      '--state',
      path.join(dir, 'state.json'),
      ...args,
    ]);
    assert.equal(run.code, 0, run.stderr);
    return { ...run, requests: front.requests().slice(start) };
  }

  test('the tag still points to what runs: nothing reported, one HEAD asked', async () => {
    const { stdout, stderr, requests } = await cluster('--format', 'json');
    const report = JSON.parse(stdout) as ClusterJson;
    assert.equal(report.version, 2);
    assert.equal(report.stale, undefined);
    assert.deepEqual(report.errors, []);
    assert.equal(stderr, '');
    assert.deepEqual(
      requests.map((r) => `${r.method} ${r.url}`),
      ['HEAD /v2/team/app/manifests/1'],
    );
  });

  describe('after the tag is pushed again', () => {
    let current: string;
    before(async () => {
      current = (await pushImage(registry, 'team/app', '1', { content: 'second build' })).digest;
    });

    test('the JSON reports it stale: a rebuild, with the running and current digests and the workload', async () => {
      assert.notEqual(current, running);
      const { stdout } = await cluster('--format', 'json');
      const report = JSON.parse(stdout) as ClusterJson;
      assert.deepEqual(
        report.stale?.map((s) => [s.image, s.digest, s.current, s.reason, s.severity, s.workloads]),
        [[image, running, current, 'rebuilt', 'warning', ['stale/Deployment/app']]],
      );
      // The harness builds its images with `created: 2024-01-01T00:00:00Z`.
      assert.match(
        report.stale[0]!.message,
        /`1` now points to `sha256:.*\(built 2024-01-01, \d+ days ago\), a rebuild the running pods miss/,
      );
    });

    test('the table says it too', async () => {
      const { stdout } = await cluster();
      assert.match(
        stdout,
        new RegExp(`^stale-digest warning: \`${image.replace(/\./g, '\\.')}\` runs \`sha256:.*\\(stale/Deployment/app\\)$`, 'm'),
      );
    });

    test('--no-registry and --disable stale-digest ask the registry nothing and report nothing stale', async () => {
      for (const off of [['--no-registry'], ['--disable', 'stale-digest']]) {
        const { stdout, requests } = await cluster('--format', 'json', ...off);
        assert.equal((JSON.parse(stdout) as ClusterJson).stale, undefined, off.join(' '));
        assert.deepEqual(requests, [], off.join(' '));
      }
    });
  });

  test('a registry out of reach is said once; the run goes on and reports the rest', async () => {
    await kube.namespace('gone');
    // A loopback port nothing listens on (the proxy stopped): connections are refused at once.
    const closed = await startFaultServer(fault.respond(200));
    const host = closed.host;
    await closed.stop();
    await kube.apply(
      ['a', 'b']
        .map((name) =>
          [
            'apiVersion: v1',
            'kind: Pod',
            `metadata: {name: ${name}, namespace: gone}`,
            `spec: {containers: [{name: app, image: "${host}/team/${name}:1"}]}`,
            '',
          ].join('\n'),
        )
        .join('---\n'),
    );
    await kube.runPods('gone', { count: 2 });
    const run = await runCli([
      'cluster',
      '--kubeconfig',
      kube.kubeconfig,
      '--namespace',
      'gone',
      '--trivy',
      STAND_IN,
      '--state',
      path.join(dir, 'state.json'),
      '--format',
      'json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as ClusterJson & { images: { vulnerabilities?: unknown }[] };
    assert.equal(report.images.length, 2);
    assert.ok(
      report.images.every((i) => i.vulnerabilities),
      'both images were scanned',
    );
    const said = report.errors.filter((e) => e.message.includes(host));
    assert.equal(said.length, 1, JSON.stringify(report.errors));
    assert.match(
      said[0]!.message,
      /^the tags of 2 images of 127\.0\.0\.1:\d+ could not be checked against what runs \(--no-registry does not ask\): /,
    );
    assert.equal(run.stderr.split('\n').filter((l) => l.includes(host)).length, 1, run.stderr);
  });
});
