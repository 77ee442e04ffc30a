// stale-digest against a real registry (docker-registry on loopback): a pin made current, the tag
// pushed again (a rebuild), and an index republished with one platform added; `scan` reports each,
// the quick fix and `pin --write` move the pin, `--offline` asks nothing.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyEdits, fixesFor, scanPaths, type JsonReport } from '../../src/core/index.js';
import { cliStaleLookup } from '../../src/cli/scan.js';
import { runCli } from '../support/cli.js';
import { fault, pushImage, pushIndex, startFaultServer, startRegistry, type FaultServer, type Registry } from '../support/registry.js';

describe('stale-digest: pins checked against their tags', () => {
  let registry: Registry;
  let front: FaultServer;
  let root: string;
  let old: { app: string; multi: string };
  let now: { app: string; multi: string };

  before(async () => {
    registry = await startRegistry();
    // Every request passes this proxy, so that a run's requests can be counted.
    front = await startFaultServer(fault.proxy(registry.url));
    root = mkdtempSync(path.join(os.tmpdir(), 'shipshape-stale-'));
    const fresh = await pushImage(registry, 'team/fresh', '1', { content: 'fresh' });
    const app = await pushImage(registry, 'team/app', '1', { content: 'first build' });
    const multi = await pushIndex(registry, 'team/multi', '1', ['linux/amd64']);
    old = { app: app.digest, multi: multi.digest };
    writeFileSync(path.join(root, 'fresh.Dockerfile'), `FROM ${front.host}/team/fresh:1@${fresh.digest}\nUSER 1\n`);
    writeFileSync(path.join(root, 'Dockerfile'), `FROM ${front.host}/team/app:1@${app.digest} AS build\nUSER 1\n`);
    writeFileSync(
      path.join(root, 'deploy.yaml'),
      [
        'apiVersion: v1',
        'kind: Pod',
        'metadata: {name: web}',
        'spec:',
        '  securityContext: {runAsUser: 1000}',
        '  containers:',
        `    - {name: web, image: "${front.host}/team/multi:1@${multi.digest}"}`,
        '',
      ].join('\n'),
    );
    // The tag pushed again with other content (a rebuild); the index again with arm64 added.
    now = {
      app: (await pushImage(registry, 'team/app', '1', { content: 'second build' })).digest,
      multi: (await pushIndex(registry, 'team/multi', '1', ['linux/amd64', 'linux/arm64'])).digest,
    };
  });
  after(async () => {
    await front.stop();
    await registry.stop();
    rmSync(root, { recursive: true, force: true });
  });

  async function scan(extra: readonly string[] = []): Promise<{ report: JsonReport; requests: number }> {
    const start = front.requests().length;
    const run = await runCli([
      'scan',
      '--format',
      'json',
      '--fail-on',
      'none',
      '--no-registry',
      '--trivy',
      '/nonexistent/trivy',
      ...extra,
      root,
    ]);
    return { report: JSON.parse(run.stdout) as JsonReport, requests: front.requests().length - start };
  }

  const stale = (report: JsonReport) =>
    report.findings.filter((f) => f.rule === 'stale-digest').map((f) => `${path.basename(f.file)}:${f.line} ${f.reason} ${f.severity}`);

  test('scan: a current pin says nothing, a rebuild is a warning, a republished index information', async () => {
    assert.notEqual(now.app, old.app);
    assert.notEqual(now.multi, old.multi);
    const { report } = await scan();
    assert.deepEqual(stale(report).sort(), ['Dockerfile:1 rebuilt warning', 'deploy.yaml:7 republished info']);
    const messages = report.findings.filter((f) => f.rule === 'stale-digest').map((f) => f.message);
    // The harness builds its images with `created: 2024-01-01T00:00:00Z`.
    assert.ok(messages.some((m) => /no longer points to.*`1` now points to `sha256:.*built 2024-01-01\)/.test(m)));
    assert.ok(messages.some((m) => /republished index that still holds the pinned linux\/amd64 image/.test(m)));
  });

  test('--offline asks the registry nothing and says nothing of pins', async () => {
    const { report, requests } = await scan(['--offline']);
    assert.deepEqual(stale(report), []);
    assert.equal(requests, 0);
  });

  test('one HEAD per pin that has not moved', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-stale-fresh-'));
    try {
      writeFileSync(path.join(dir, 'Dockerfile'), readFileSync(path.join(root, 'fresh.Dockerfile'), 'utf8'));
      const start = front.requests().length;
      const run = await runCli(['scan', '--format', 'json', '--fail-on', 'none', '--no-registry', '--trivy', '/nonexistent/trivy', dir]);
      assert.deepEqual(stale(JSON.parse(run.stdout) as JsonReport), []);
      const asked = front.requests().slice(start);
      assert.deepEqual(
        asked.map((r) => r.method),
        ['HEAD'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the quick fix "Update to the current digest" writes the digest the tag points to now', async () => {
    const report = await scanPaths([path.join(root, 'Dockerfile'), path.join(root, 'deploy.yaml')], {
      analyze: { now: Date.now() },
      staleDigests: cliStaleLookup({ insecureRegistries: [] }),
    });
    for (const { file, kind, result } of report.files) {
      const text = readFileSync(file, 'utf8');
      const finding = result.findings.find((f) => f.rule === 'stale-digest');
      assert.ok(finding, `${file} has a stale pin`);
      const fix = fixesFor(text, kind, finding).find((f) => f.title === 'Update to the current digest');
      assert.ok(fix);
      const expected = path.basename(file) === 'Dockerfile' ? [old.app, now.app] : [old.multi, now.multi];
      assert.equal(applyEdits(text, fix.edits), text.replace(expected[0]!, expected[1]!));
    }
  });

  test("a kustomization's images: entry with newTag and digest is checked, reported at its digest: line, which the quick fix moves", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-stale-kustomize-'));
    try {
      writeFileSync(
        path.join(dir, 'kustomization.yaml'),
        [
          'resources: [pod.yaml]',
          'images:',
          '  - name: app',
          `    newName: ${front.host}/team/app`,
          '    newTag: "1"',
          `    digest: ${old.app}`,
          '',
        ].join('\n'),
      );
      writeFileSync(
        path.join(dir, 'pod.yaml'),
        [
          'apiVersion: v1',
          'kind: Pod',
          'metadata: {name: p}',
          'spec:',
          '  securityContext: {runAsUser: 1}',
          '  containers:',
          '    - {name: a, image: app}',
          '',
        ].join('\n'),
      );
      const run = await runCli(['scan', '--format', 'json', '--fail-on', 'none', '--no-registry', '--trivy', '/nonexistent/trivy', dir]);
      assert.deepEqual(stale(JSON.parse(run.stdout) as JsonReport), ['kustomization.yaml:6 rebuilt warning']);
      // The quick fix writes the current digest into the entry's digest: line.
      const scanned = await scanPaths([dir], { analyze: {}, staleDigests: cliStaleLookup({ insecureRegistries: [] }) });
      const kustomization = path.join(dir, 'kustomization.yaml');
      const entry = scanned.files.find((f) => f.file === kustomization);
      const finding = entry?.result.findings.find((f) => f.rule === 'stale-digest');
      assert.ok(entry && finding);
      const text = readFileSync(kustomization, 'utf8');
      const fix = fixesFor(text, entry.kind, finding).find((f) => f.title === 'Update to the current digest');
      assert.ok(fix, 'the quick fix is offered');
      assert.equal(applyEdits(text, fix.edits), text.replace(old.app, now.app));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a chart's digest and sha values are checked where the values write them", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-stale-chart-'));
    try {
      const chart = path.join(dir, 'chart');
      mkdirSync(path.join(chart, 'templates'), { recursive: true });
      writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: web\nversion: 0.1.0\n');
      writeFileSync(
        path.join(chart, 'values.yaml'),
        [
          'image:',
          `  repository: ${front.host}/team/app`,
          '  tag: "1"',
          `  digest: ${old.app}`,
          'sidecar:',
          `  repository: ${front.host}/team/multi`,
          '  tag: "1"',
          `  sha: ${old.multi.slice('sha256:'.length)}`,
          '',
        ].join('\n'),
      );
      writeFileSync(
        path.join(chart, 'templates', 'deployment.yaml'),
        [
          'apiVersion: apps/v1',
          'kind: Deployment',
          'metadata: {name: web}',
          'spec:',
          '  template:',
          '    spec:',
          '      securityContext: {runAsUser: 1000}',
          '      containers:',
          '        - name: web',
          '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}@{{ .Values.image.digest }}"',
          '        - name: sidecar',
          '          image: "{{ .Values.sidecar.repository }}:{{ .Values.sidecar.tag }}@sha256:{{ .Values.sidecar.sha }}"',
          '',
        ].join('\n'),
      );
      const run = await runCli(['scan', '--format', 'json', '--fail-on', 'none', '--no-registry', '--trivy', '/nonexistent/trivy', dir]);
      const report = JSON.parse(run.stdout) as JsonReport;
      assert.deepEqual(
        report.findings
          .filter((f) => f.rule === 'stale-digest')
          .map((f) => `${path.relative(dir, f.file)}:${f.line} ${f.reason}`)
          .sort(),
        ['chart/values.yaml:4 rebuilt', 'chart/values.yaml:8 republished'],
      );
      // The quick fix writes the current digest into values.yaml, where the old one is.
      const scanned = await scanPaths([dir], { analyze: {}, staleDigests: cliStaleLookup({ insecureRegistries: [] }) });
      const values = path.join(chart, 'values.yaml');
      const text = readFileSync(values, 'utf8');
      const entry = scanned.files.find((f) => f.file === values);
      assert.ok(entry, 'values.yaml is in the report');
      let fixed = text;
      for (const finding of entry.result.findings.filter((f) => f.rule === 'stale-digest')) {
        const fix = fixesFor(text, entry.kind, finding).find((f) => f.title === 'Update to the current digest');
        assert.ok(fix, finding.message);
        fixed = applyEdits(fixed, fix.edits);
      }
      const hex = (digest: string) => digest.slice('sha256:'.length);
      assert.equal(fixed, text.replace(old.app, now.app).replace(hex(old.multi), hex(now.multi)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('pin --write --style digest writes the digest alone and keeps the tag in a comment', async () => {
    const copy = mkdtempSync(path.join(os.tmpdir(), 'shipshape-pin-style-'));
    try {
      writeFileSync(path.join(copy, 'Dockerfile'), `FROM --platform=linux/amd64 ${front.host}/team/app:1 AS build\nUSER 1\n`);
      const pinned = await runCli(['pin', '--write', '--style', 'digest', copy]);
      assert.equal(pinned.code, 0, pinned.stderr);
      assert.equal(
        readFileSync(path.join(copy, 'Dockerfile'), 'utf8'),
        `# ${front.host}/team/app:1\nFROM --platform=linux/amd64 ${front.host}/team/app@${now.app} AS build\nUSER 1\n`,
      );
      const refused = await runCli(['pin', '--style', 'both', copy]);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /--style: expected tag-and-digest or digest/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  test('pin --write moves the stale pins, and the next scan finds none', async () => {
    const copy = mkdtempSync(path.join(os.tmpdir(), 'shipshape-stale-pin-'));
    try {
      for (const name of ['Dockerfile', 'deploy.yaml']) writeFileSync(path.join(copy, name), readFileSync(path.join(root, name), 'utf8'));
      const pinned = await runCli(['pin', '--write', copy]);
      assert.equal(pinned.code, 0, pinned.stderr);
      assert.ok(readFileSync(path.join(copy, 'Dockerfile'), 'utf8').includes(now.app));
      assert.ok(readFileSync(path.join(copy, 'deploy.yaml'), 'utf8').includes(now.multi));
      const run = await runCli(['scan', '--format', 'json', '--fail-on', 'none', '--no-registry', '--trivy', '/nonexistent/trivy', copy]);
      assert.deepEqual(stale(JSON.parse(run.stdout) as JsonReport), []);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
