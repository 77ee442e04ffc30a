// deploy/: the CLI's image definition and the CronJob that runs it in a cluster. They pass
// Shipshape's own rules, the ClusterRole grants exactly what a run needs, the CronJob's arguments
// work against a cluster that enforces that role, and the release step (push, then pin) leaves
// nothing to suppress.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runCli, TEST_DATE } from '../support/cli.js';
import { deployment, eventually, startKube, writeContexts } from '../support/kube.js';
import { pushImage, startRegistry } from '../support/registry.js';
import { STAND_IN } from '../support/trivy.js';
import { startWebhook } from '../support/webhook.js';

const ROOT = path.resolve(__dirname, '..', '..');
const DEPLOY = path.join(ROOT, 'deploy');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const CRD = path.join(ROOT, 'test', 'corpus', 'crds', 'trivy-operator--deploy-helm-crds-aquasecurity.github.io_vulnerabilityreports.yaml');

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
type Doc = { kind: string; metadata: { name: string; namespace?: string }; [key: string]: unknown };

function manifests(): Doc[] {
  return parseAllDocuments(readFileSync(path.join(DEPLOY, 'cronjob.yaml'), 'utf8')).map((d) => d.toJS() as Doc);
}

/** The container's arguments as the kubelet gives them: `$(VAR)` replaced by the variable's value (a Secret's, from `secrets`). */
function expandedArgs(secrets: Record<string, Record<string, string>>): string[] {
  const [container] = podSpec().containers;
  const env: Record<string, string> = {};
  for (const variable of container!.env) {
    const ref = variable.valueFrom?.secretKeyRef;
    const value = ref ? secrets[ref.name]?.[ref.key] : variable.value;
    if (value !== undefined) env[variable.name] = value;
  }
  return container!.args.map((arg) => arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole));
}

function byKind(kind: string): Doc {
  const doc = manifests().find((d) => d.kind === kind);
  assert.ok(doc, `deploy/cronjob.yaml has a ${kind}`);
  return doc;
}

function podSpec(): {
  serviceAccountName: string;
  securityContext: Record<string, unknown>;
  containers: {
    image: string;
    args: string[];
    env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }[];
    securityContext: Record<string, unknown>;
    volumeMounts: { name: string; mountPath: string }[];
  }[];
  volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[];
} {
  const cronJob = byKind('CronJob') as unknown as { spec: { jobTemplate: { spec: { template: { spec: ReturnType<typeof podSpec> } } } } };
  return cronJob.spec.jobTemplate.spec.template.spec;
}

describe('deploy/', () => {
  let dir: string;
  const saved = process.env['SHIPSHAPE_CACHE_DIR'];
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-deploy-'));
    process.env['SHIPSHAPE_CACHE_DIR'] = dir;
  });
  after(() => {
    if (saved === undefined) delete process.env['SHIPSHAPE_CACHE_DIR'];
    else process.env['SHIPSHAPE_CACHE_DIR'] = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  test("the image definition and the manifests pass Shipshape's own rules", async () => {
    const run = await runCli(['scan', '--offline', '--fail-on', 'info', '--format', 'json', DEPLOY]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout) as { findings: unknown[]; images: { raw: string; file: string }[] };
    assert.deepEqual(report.findings, []);
    const images = report.images.map((i) => `${path.basename(i.file)} ${i.raw}`).sort();
    assert.equal(images.length, 2);
    assert.match(images[0]!, /^Dockerfile node:20\.20\.2-alpine@sha256:[0-9a-f]{64}$/);
    assert.match(images[1]!, /^cronjob\.yaml ghcr\.io\/shipshape-dev\/shipshape:0\.1\.0$/);
    // The Dockerfile's final user is a non-root number (so that runAsNonRoot can verify it).
    assert.match(readFileSync(path.join(DEPLOY, 'Dockerfile'), 'utf8'), /^USER 1000:1000$/m);
  });

  test('the image needs only dist/cli.js, dist/k8s.js and dist/undici.js: they run on their own, without node_modules', () => {
    assert.ok(existsSync(CLI), 'run `npm run build` first');
    const alone = path.join(dir, 'opt');
    rmSync(alone, { recursive: true, force: true });
    mkdirSync(alone);
    copyFileSync(CLI, path.join(alone, 'cli.js'));
    copyFileSync(path.join(path.dirname(CLI), 'k8s.js'), path.join(alone, 'k8s.js'));
    copyFileSync(path.join(path.dirname(CLI), 'undici.js'), path.join(alone, 'undici.js'));
    const dockerfile = readFileSync(path.join(DEPLOY, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /^COPY --chmod=0555 dist\/cli\.js dist\/k8s\.js dist\/undici\.js \/opt\/shipshape\/$/m);
    assert.match(dockerfile, /^ENTRYPOINT \["node", "\/opt\/shipshape\/cli\.js"\]$/m);
    const run = spawnSync(process.execPath, [path.join(alone, 'cli.js'), 'scan', '--offline', path.join(DEPLOY, 'Dockerfile')], {
      cwd: alone,
      encoding: 'utf8',
      // At the tests' fixed date, as runCli: this is about the bundle, not the calendar (node:20 has ended since).
      env: { PATH: process.env['PATH'] ?? '', HOME: dir, SHIPSHAPE_DATE: TEST_DATE },
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /No findings: 1 file and 1 image checked/);
    // Behind a proxy, the proxy support loads from undici.js beside it.
    const proxied = spawnSync(process.execPath, [path.join(alone, 'cli.js'), 'scan', '--offline', path.join(DEPLOY, 'Dockerfile')], {
      cwd: alone,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', HOME: dir, HTTPS_PROXY: 'http://proxy.example:3128', SHIPSHAPE_DATE: TEST_DATE },
    });
    assert.equal(proxied.status, 0, proxied.stderr);
    const help = spawnSync(process.execPath, [path.join(alone, 'cli.js'), 'cluster', '--help'], { cwd: alone, encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: shipshape cluster/);
    // The cluster command loads the Kubernetes client from k8s.js beside it.
    const cluster = spawnSync(process.execPath, [path.join(alone, 'cli.js'), 'cluster', '--kubeconfig', path.join(alone, 'missing.yaml')], {
      cwd: alone,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', HOME: dir },
    });
    assert.equal(cluster.status, 2, cluster.stderr);
    assert.match(cluster.stderr, /Could not read the kubeconfig/);
  });

  test("a read-only ClusterRole (pods and VulnerabilityReports: get, list) bound to the CronJob's ServiceAccount", () => {
    const role = byKind('ClusterRole') as unknown as { metadata: { name: string }; rules: Rule[] };
    assert.deepEqual(
      role.rules.map((r) => [r.apiGroups, r.resources, [...r.verbs].sort()]),
      [
        [[''], ['pods'], ['get', 'list']],
        [['aquasecurity.github.io'], ['vulnerabilityreports'], ['get', 'list']],
      ],
    );
    const binding = byKind('ClusterRoleBinding') as unknown as {
      roleRef: { kind: string; name: string };
      subjects: { kind: string; name: string; namespace: string }[];
    };
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    const account = byKind('ServiceAccount');
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: account.metadata.name, namespace: account.metadata.namespace }]);
    assert.equal(podSpec().serviceAccountName, account.metadata.name);
  });

  test('the CronJob runs non-root on a read-only root filesystem, with the cache and state on a volume', () => {
    const spec = podSpec();
    assert.equal(spec.securityContext['runAsNonRoot'], true);
    const [container] = spec.containers;
    assert.equal(container!.securityContext['readOnlyRootFilesystem'], true);
    assert.equal(container!.securityContext['allowPrivilegeEscalation'], false);
    const cache = container!.volumeMounts.find((m) => m.mountPath === '/var/cache/shipshape');
    assert.ok(cache);
    const claim = spec.volumes.find((v) => v.name === cache.name)?.persistentVolumeClaim?.claimName;
    assert.equal(claim, byKind('PersistentVolumeClaim').metadata.name);
    for (const arg of ['--state=/var/cache/shipshape/deadlines.json', '--output=/var/cache/shipshape/report.json'])
      assert.ok(container!.args.includes(arg), arg);
  });

  test('the webhook URL comes from a Secret through an environment variable, never written in the manifest', () => {
    const [container] = podSpec().containers;
    const notify = container!.args.indexOf('--notify');
    assert.ok(notify >= 0, 'the CronJob sends alerts');
    assert.equal(container!.args[notify + 1], '$(SHIPSHAPE_WEBHOOK)');
    const variable = container!.env.find((e) => e.name === 'SHIPSHAPE_WEBHOOK');
    assert.deepEqual(variable, { name: 'SHIPSHAPE_WEBHOOK', valueFrom: { secretKeyRef: { name: 'shipshape-webhook', key: 'url' } } });
    assert.doesNotMatch(
      readFileSync(path.join(DEPLOY, 'cronjob.yaml'), 'utf8').replace(/^\s*#.*$/gm, ''),
      /https?:\/\//,
      'no URL outside the comments',
    );
    assert.deepEqual(
      manifests().filter((d) => d.kind === 'Secret'),
      [],
      'the Secret is made by the operator, not shipped',
    );
  });

  test("the CronJob's arguments work against a real API server, with a token of its ServiceAccount (only that ClusterRole)", async () => {
    const kube = await startKube();
    const hook = await startWebhook();
    let config: string | undefined;
    try {
      const applied = await kube.kubectl(['apply', '-f', path.join(DEPLOY, 'cronjob.yaml')]);
      assert.equal(applied.code, 0, applied.stderr);
      await kube.apply(readFileSync(CRD, 'utf8'));
      await Promise.all(['shop', 'payments'].map((ns) => kube.namespace(ns)));
      await kube.apply(
        deployment('shop', 'api', 'registry.example/shop/api-debian:1.0') +
          deployment('payments', 'pay', 'registry.example/payments/pay-alpine:2'),
      );
      await kube.runPods('shop', { count: 1 });
      await kube.runPods('payments', { count: 1 });
      const token = await eventually('a token of shipshape-scanner', async () => {
        const created = await kube.kubectl(['-n', 'shipshape', 'create', 'token', 'shipshape-scanner']);
        return created.code === 0 ? created.stdout.trim() : undefined;
      });
      config = writeContexts([{ name: 'in-cluster', server: kube.url, ca: kube.ca, token }]);
      const secret = `${hook.url}/services/T0/B0/s3cr3t-token`;
      const args = expandedArgs({ 'shipshape-webhook': { url: secret } }).map((arg) => arg.replace('/var/cache/shipshape', dir));
      // --no-registry: the pods' registry (registry.example) is not there to ask whether their tags moved.
      const run = await runCli([...args, '--kubeconfig', config, '--trivy', STAND_IN, '--no-registry']);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(!run.stdout.includes('s3cr3t') && !run.stderr.includes('s3cr3t'), 'the webhook URL is not printed');
      assert.equal(hook.accepted().length, 1, 'the alert was posted');
      assert.match((hook.accepted()[0]!.body as { text: string }).text, /^Shipshape: /);
      const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as {
        images: unknown[];
        errors: { message: string }[];
      };
      assert.equal(report.images.length, 2);
      // Nothing outside the role was needed: a refusal (pods or the operator's reports) would be an error entry.
      assert.deepEqual(report.errors, []);
      assert.ok(existsSync(path.join(dir, 'deadlines.json')));
    } finally {
      if (config) rmSync(path.dirname(config), { recursive: true, force: true });
      await Promise.all([kube.stop(), hook.stop()]);
    }
  });

  test('after the image is pushed, `shipshape pin --write` pins the CronJob and nothing is left to suppress', async () => {
    const registry = await startRegistry();
    try {
      const pushed = await pushImage(registry, 'shipshape-dev/shipshape', '0.1.0');
      const text = readFileSync(path.join(DEPLOY, 'cronjob.yaml'), 'utf8')
        .replace('ghcr.io/shipshape-dev/shipshape:0.1.0', `${registry.host}/shipshape-dev/shipshape:0.1.0`)
        .replace(/ # shipshape-ignore .*$/m, '');
      const file = path.join(dir, 'cronjob.yaml');
      writeFileSync(file, text);
      assert.equal((await runCli(['scan', '--offline', '--fail-on', 'info', file])).code, 1, 'unpinned before the release step');
      const pinned = await runCli(['pin', '--write', file]);
      assert.equal(pinned.code, 0, pinned.stderr);
      assert.ok(readFileSync(file, 'utf8').includes(`image: ${registry.host}/shipshape-dev/shipshape:0.1.0@${pushed.digest}`));
      const after = await runCli(['scan', '--offline', '--fail-on', 'info', file]);
      assert.equal(after.code, 0, after.stdout);
    } finally {
      await registry.stop();
    }
  });
});
