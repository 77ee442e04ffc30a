// Trivy Operator's VulnerabilityReports instead of rescanning, when the user allows it: its
// published CRD on a real API server (test/support/kube.ts), reports as the operator writes them.

import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../support/cli.js';
import { deployment, digestOf, operatorReport, startKube, type Kube } from '../../support/kube.js';
import { imageScans, STAND_IN, standInLog } from '../../support/trivy.js';

const CRD = path.resolve(
  __dirname,
  '..',
  '..',
  'corpus',
  'crds',
  'trivy-operator--deploy-helm-crds-aquasecurity.github.io_vulnerabilityreports.yaml',
);

describe('shipshape cluster --use-operator-reports', () => {
  const covered = 'registry.example/shop/api-debian:1.0';
  let kube: Kube;
  let dir: string;
  let log: ReturnType<typeof standInLog>;
  before(async () => {
    kube = await startKube();
    await kube.namespace('shop');
    await kube.apply(readFileSync(CRD, 'utf8'));
    await kube.apply(
      deployment('shop', 'api', covered, { replicas: 2 }) +
        deployment('shop', 'web', 'registry.example/shop/web-alpine:2') +
        deployment('shop', 'cart', 'registry.example/shop/cart-ubi:3'),
    );
    const pods = await kube.runPods('shop', { count: 4 });
    await kube.kubectl(['wait', '--for=condition=Established', 'crd/vulnerabilityreports.aquasecurity.github.io']);
    // The operator has scanned the first image only (its ReplicaSet's container).
    const owner = pods.find((p) => p.spec.containers[0]!.image === covered)!.metadata.ownerReferences![0]!;
    const created = await kube.request(
      'POST',
      '/apis/aquasecurity.github.io/v1alpha1/namespaces/shop/vulnerabilityreports',
      operatorReport({
        namespace: 'shop',
        owner: { apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: owner.uid },
        container: 'api',
        artifact: { server: 'registry.example', repository: 'shop/api-debian', tag: '1.0', digest: digestOf(covered) },
        vulnerabilities: [
          {
            vulnerabilityID: 'CVE-2099-0001',
            resource: 'libfoo',
            installedVersion: '1.0',
            fixedVersion: '1.1',
            severity: 'CRITICAL',
            title: 'from the operator',
          },
        ],
      }),
    );
    assert.equal(created.status, 201, created.text);
  });
  after(() => kube?.stop());
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-operator-'));
    log = standInLog({ SHIPSHAPE_CACHE_DIR: dir });
  });
  afterEach(() => {
    log.restore();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (...args: string[]) =>
    runCli([
      'cluster',
      '--kubeconfig',
      kube.kubeconfig,
      '--trivy',
      STAND_IN,
      '--state',
      path.join(dir, 'state.json'),
      '--format',
      'json',
      ...args,
    ]);

  test("the operator's findings are used for the images it scanned; the others are scanned with Trivy", async () => {
    const result = await run('--use-operator-reports');
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { findings: { id: string; severity: string }[]; images: unknown[] };
    assert.ok(report.findings.some((f) => f.id === 'CVE-2099-0001' && f.severity === 'CRITICAL'));
    // With an empty cache: every image but the one the operator covered went to Trivy.
    assert.equal(imageScans(log.invocations()).length, report.images.length - 1);
  });

  test('without the operator installed, it says so and scans everything', async () => {
    const removed = await kube.kubectl(['delete', '-f', CRD, '--wait']);
    assert.equal(removed.code, 0, removed.stderr);
    const result = await run('--use-operator-reports');
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { errors: { message: string }[]; images: unknown[] };
    assert.ok(
      report.errors.some((e) => /Trivy Operator is not installed/.test(e.message)),
      JSON.stringify(report.errors),
    );
    assert.equal(imageScans(log.invocations()).length, report.images.length);
  });
});
