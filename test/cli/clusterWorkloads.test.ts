// `shipshape cluster` against a real control plane (test/support/kube.ts): workloads made by the
// controller manager with their real owner references, bare pods with init and ephemeral
// containers, two tags of one digest, the Trivy Operator's CRD and reports, deploy/cronjob.yaml's
// ServiceAccount under real RBAC, and 5,000 pods read through real pagination.

import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/cli.js';
import { digestOf, eventually, operatorReport, startKube, writeContexts, type Kube, type Pod } from '../support/kube.js';
import { imageScans, STAND_IN, standInLog } from '../support/trivy.js';

const ROOT = path.resolve(__dirname, '..', '..');
const CRD = path.join(ROOT, 'test', 'corpus', 'crds', 'trivy-operator--deploy-helm-crds-aquasecurity.github.io_vulnerabilityreports.yaml');

interface JsonReport {
  pods: number;
  images: {
    reference: string;
    digest?: string;
    specImages: string[];
    workloads: { namespace: string; kind: string; name: string; pod: string; container: string; containerType: string }[];
    vulnerabilities?: Record<string, number>;
  }[];
  findings: { id: string; image: string; severity: string }[];
  errors: { context?: string; namespace?: string; message: string }[];
}

const WEB = 'registry.example/shop/web-debian:1.0';
/** The same image under another tag: it runs from the same digest. */
const WEB_LATEST = 'registry.example/shop/web-debian:latest';

const WORKLOADS = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "${WEB}"}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-canary, namespace: shop}
spec:
  selector: {matchLabels: {app: web-canary}}
  template:
    metadata: {labels: {app: web-canary}}
    spec: {containers: [{name: web, image: "${WEB_LATEST}"}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      initContainers: [{name: init-perms, image: "busybox:1.36"}]
      containers: [{name: postgres, image: "postgres:16.4"}]
---
apiVersion: v1
kind: Pod
metadata: {name: toolbox, namespace: shop}
spec: {containers: [{name: tools, image: "registry.example/shop/tools:1"}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ops}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      tolerations: [{operator: Exists}]
      containers: [{name: agent, image: "registry.example/ops/agent-ubi:7"}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: batch}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: "registry.example/batch/migrate:2"}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: batch}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: report, image: "registry.example/batch/report-alpine:3"}]
`;

describe('shipshape cluster against a real API server', () => {
  let kube: Kube;
  let cache: string;
  const saved = process.env['SHIPSHAPE_CACHE_DIR'];
  before(async () => {
    kube = await startKube();
    await Promise.all(['shop', 'ops', 'batch'].map((ns) => kube.namespace(ns)));
    // A node for the DaemonSet: its controller makes one pod per node (there is no kubelet behind it).
    const node = await kube.request('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } });
    assert.equal(node.status, 201, node.text);
    await kube.apply(readFileSync(CRD, 'utf8'));
    await kube.apply(WORKLOADS);
    // An ephemeral container, as `kubectl debug` adds one (through the pod's ephemeralcontainers subresource).
    const debug = await kube.kubectl(['-n', 'shop', 'debug', 'toolbox', '--image=busybox:1.36', '--container=debugger']);
    assert.equal(debug.code, 0, debug.stderr);
    await kube.runPods('shop', { count: 5, digests: { [WEB_LATEST]: digestOf(WEB) } });
    await kube.runPods('ops', { count: 1 });
    // The CronJob's first Job starts at the next minute.
    await kube.runPods('batch', { count: 2 });
    await kube.kubectl(['wait', '--for=condition=Established', 'crd/vulnerabilityreports.aquasecurity.github.io']);
  });
  after(() => kube?.stop());
  beforeEach(() => {
    cache = mkdtempSync(path.join(os.tmpdir(), 'shipshape-kube-cli-'));
    process.env['SHIPSHAPE_CACHE_DIR'] = cache;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env['SHIPSHAPE_CACHE_DIR'];
    else process.env['SHIPSHAPE_CACHE_DIR'] = saved;
    rmSync(cache, { recursive: true, force: true });
  });

  const cluster = async (kubeconfig: string, ...args: string[]) => {
    const run = await runCli([
      'cluster',
      '--kubeconfig',
      kubeconfig,
      '--trivy',
      STAND_IN,
      '--no-registry',
      '--state',
      path.join(cache, 'state.json'),
      ...args,
    ]);
    return { ...run, report: run.stdout.startsWith('{') ? (JSON.parse(run.stdout) as JsonReport) : undefined };
  };
  const workloadsOf = (report: JsonReport, image: string) =>
    report.images
      .filter((i) => i.specImages.includes(image))
      .flatMap((i) => i.workloads.map((w) => `${w.namespace}/${w.kind}/${w.name}/${w.containerType}`))
      .sort();

  test('every workload kind is named from the owner references the controller manager wrote', async () => {
    const { code, stderr, report } = await cluster(kube.kubeconfig, '--format', 'json');
    assert.equal(code, 0, stderr);
    assert.deepEqual(report!.errors, []);
    assert.equal(report!.pods, (await kube.pods()).length);
    assert.deepEqual(workloadsOf(report!, WEB), [
      'shop/Deployment/web-canary/containers',
      'shop/Deployment/web/containers',
      'shop/Deployment/web/containers',
    ]);
    assert.deepEqual(workloadsOf(report!, 'postgres:16.4'), ['shop/StatefulSet/db/containers']);
    assert.deepEqual(workloadsOf(report!, 'registry.example/ops/agent-ubi:7'), ['ops/DaemonSet/agent/containers']);
    assert.deepEqual(workloadsOf(report!, 'registry.example/batch/migrate:2'), ['batch/Job/migrate/containers']);
    assert.deepEqual(workloadsOf(report!, 'registry.example/batch/report-alpine:3'), ['batch/CronJob/nightly/containers']);
    assert.deepEqual(workloadsOf(report!, 'registry.example/shop/tools:1'), ['shop/Pod/toolbox/containers']);
  });

  test('init and ephemeral containers are listed; their image is one entry with both workloads', async () => {
    const { report } = await cluster(kube.kubeconfig, '--format', 'json');
    assert.deepEqual(workloadsOf(report!, 'busybox:1.36'), ['shop/Pod/toolbox/ephemeralContainers', 'shop/StatefulSet/db/initContainers']);
    const busybox = report!.images.filter((i) => i.specImages.includes('busybox:1.36'));
    assert.equal(busybox.length, 1);
    assert.equal(busybox[0]!.reference, `docker.io/library/busybox@${digestOf('busybox:1.36')}`);
  });

  test('two tags of one digest are one image, scanned once', async () => {
    const log = standInLog();
    try {
      const { report } = await cluster(kube.kubeconfig, '--format', 'json');
      const web = report!.images.filter((i) => i.digest === digestOf(WEB));
      assert.equal(web.length, 1);
      assert.deepEqual(web[0]!.specImages, [WEB, WEB_LATEST]);
      assert.equal(imageScans(log.invocations()).filter((i) => i.argv.some((a) => a.includes(digestOf(WEB)))).length, 1);
      assert.equal(imageScans(log.invocations()).length, report!.images.length, 'one scan per distinct digest');
    } finally {
      log.restore();
    }
  });

  test("the Trivy Operator's VulnerabilityReports (its published CRD) stand in for a scan of the digest they name", async () => {
    const pods = (await kube.pods()).filter((p: Pod) => p.metadata.namespace === 'shop' && p.metadata.name.startsWith('web-'));
    const rsName = pods.find((p) => p.spec.containers[0]!.image === WEB)!.metadata.ownerReferences![0]!.name;
    const rs = (await kube.request('GET', `/apis/apps/v1/namespaces/shop/replicasets/${rsName}`)).body as { metadata: { uid: string } };
    const report = operatorReport({
      namespace: 'shop',
      owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid: rs.metadata.uid },
      container: 'web',
      artifact: { server: 'registry.example', repository: 'shop/web-debian', tag: '1.0', digest: digestOf(WEB) },
      vulnerabilities: [
        {
          vulnerabilityID: 'CVE-2099-0007',
          resource: 'libfoo',
          installedVersion: '1.0',
          fixedVersion: '1.1',
          severity: 'CRITICAL',
          title: 'from the operator',
        },
      ],
    });
    const created = await kube.request('POST', '/apis/aquasecurity.github.io/v1alpha1/namespaces/shop/vulnerabilityreports', report);
    assert.equal(created.status, 201, created.text);
    // The CRD's schema is enforced: a report without its summary is refused.
    const invalid = structuredClone(report) as { metadata: { name: string }; report: Record<string, unknown> };
    invalid.metadata.name = 'invalid';
    delete invalid.report['summary'];
    const refused = await kube.request('POST', '/apis/aquasecurity.github.io/v1alpha1/namespaces/shop/vulnerabilityreports', invalid);
    assert.equal(refused.status, 422);
    assert.match(refused.text, /report\.summary: Required value/);

    const log = standInLog();
    try {
      const { code, stderr, report: json } = await cluster(kube.kubeconfig, '--use-operator-reports', '--format', 'json');
      assert.equal(code, 0, stderr);
      const web = json!.images.find((i) => i.digest === digestOf(WEB))!;
      assert.deepEqual(
        json!.findings.filter((f) => f.image === web.reference).map((f) => f.id),
        ['CVE-2099-0007'],
      );
      const scanned = imageScans(log.invocations()).flatMap((i) => i.argv);
      assert.ok(!scanned.some((a) => a.includes(digestOf(WEB))), 'the digest the operator scanned is not scanned again');
      assert.equal(imageScans(log.invocations()).length, json!.images.length - 1);
    } finally {
      log.restore();
    }
  });

  test("deploy/cronjob.yaml's ServiceAccount: what its role allows works; a namespace it may not list is an error entry", async () => {
    const applied = await kube.kubectl(['apply', '-f', path.join(ROOT, 'deploy', 'cronjob.yaml')]);
    assert.equal(applied.code, 0, applied.stderr);
    const token = await eventually('a token of shipshape-scanner', async () => {
      const created = await kube.kubectl(['-n', 'shipshape', 'create', 'token', 'shipshape-scanner']);
      return created.code === 0 ? created.stdout.trim() : undefined;
    });
    const config = writeContexts([{ name: 'scanner', server: kube.url, ca: kube.ca, token }]);
    try {
      const admin = (await cluster(kube.kubeconfig, '--format', 'json')).report!;
      const allowed = await cluster(config, '--use-operator-reports', '--format', 'json');
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.deepEqual(allowed.report!.errors, [], 'pods and the operator reports are readable');
      assert.equal(allowed.report!.pods, admin.pods);

      // Bound in `shop` only, as a namespaced install does: `batch` is forbidden.
      await kube.kubectl(['delete', 'clusterrolebinding', 'shipshape-scanner']);
      await kube.kubectl([
        '-n',
        'shop',
        'create',
        'rolebinding',
        'shipshape-scanner',
        '--clusterrole=shipshape-scanner',
        '--serviceaccount=shipshape:shipshape-scanner',
      ]);
      const partial = await eventually('the narrower binding', async () => {
        const run = await cluster(config, '--namespace', 'shop', '--namespace', 'batch', '--format', 'json');
        return run.report?.errors.length ? run : undefined;
      });
      assert.equal(partial.code, 0, partial.stderr);
      const { report } = partial;
      assert.deepEqual(
        report!.errors.map((e) => e.namespace),
        ['batch'],
      );
      assert.match(
        report!.errors[0]!.message,
        /pods is forbidden: User "system:serviceaccount:shipshape:shipshape-scanner" cannot list resource "pods" in API group "" in the namespace "batch"/,
      );
      assert.ok(report!.images.length > 0 && report!.images.every((i) => i.workloads.every((w) => w.namespace === 'shop')));
      const everywhere = await cluster(config, '--format', 'json');
      assert.equal(everywhere.code, 2, 'it may list neither all pods nor the namespaces');
      assert.match(everywhere.stderr, /may not list pods or namespaces \(403\)/);
    } finally {
      rmSync(path.dirname(config), { recursive: true, force: true });
    }
  });

  test('5,000 pods are read through real pagination (continue tokens of the API server)', async () => {
    const namespace = 'bulk';
    await kube.namespace(namespace);
    const total = 5000;
    const images = 40;
    await kube.createPods(
      Array.from({ length: total }, (_, i) => ({
        namespace,
        name: `bulk-${String(i).padStart(5, '0')}`,
        containers: [{ name: 'app', image: `registry.example/bulk/app-${i % images}:1` }],
      })),
    );
    const before = (await kube.pods()).length;
    const { code, stderr, report } = await cluster(kube.kubeconfig, '--format', 'json');
    assert.equal(code, 0, stderr);
    assert.equal(report!.pods, before);
    const bulk = report!.images.filter((i) => i.workloads.some((w) => w.namespace === namespace));
    assert.equal(bulk.length, images);
    assert.equal(
      bulk.reduce((n, i) => n + i.workloads.length, 0),
      total,
    );
    // The server pages: a list with a limit ends its page with a continue token.
    const page = (await kube.request('GET', '/api/v1/pods?limit=500')).body as { items: unknown[]; metadata: { continue?: string } };
    assert.equal(page.items.length, 500);
    assert.ok(page.metadata.continue);
  });
});
