// Proves the test Kubernetes API server (test/k8s/apiServer.ts): kubectl reads pods through it
// (tables, JSON, paging), it answers 401/403/404/410 with the real Status objects, pages with real
// continue tokens over a consistent snapshot, serves owners and Trivy Operator's reports, and the
// generated and corpus pods look like what a kubelet reports. kubectl runs with execFile (never a
// synchronous call: the server lives in this process); its tests are skipped when it is missing.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  corpusPods,
  decodeContinue,
  execPlugin,
  failingExecPlugin,
  generatePods,
  kubeletImageStatus,
  parseImage,
  startApiServer,
  unreachableServer,
  vulnerabilityReport,
  vulnerabilityReportsFor,
  writeKubeconfig,
  type ApiServer,
  type ApiServerOptions,
  type ContainerStatus,
  type KubeObject,
  type Pod,
} from './apiServer.js';

const KUBECTL = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
})();
const needsKubectl = { skip: KUBECTL ? false : 'kubectl is not installed' };

const USER = 'system:serviceaccount:shipshape:scanner';
const INCONSISTENT =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use ' +
  'the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent ' +
  'list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

/** A GET through node's https with the server's CA (no gzip asked for, so the body is plain). */
function get(
  server: ApiServer,
  pathAndQuery: string,
  init: { token?: string | null; accept?: string; port?: number } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Accept: init.accept ?? 'application/json' };
    const token = init.token === undefined ? server.token : init.token;
    if (token !== null) headers['Authorization'] = `Bearer ${token}`;
    const req = https.request(
      {
        host: '127.0.0.1',
        port: init.port ?? server.port,
        path: pathAndQuery,
        method: 'GET',
        headers,
        ca: server.caPem,
        servername: 'localhost',
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function kubectl(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      args,
      { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, timeout: 120_000, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** kubectl with this kubeconfig and a discovery cache of its own. */
function kubectlFor(kubeconfig: string): (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }> {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'shipshape-kubectl-cache-'));
  cleanups.push(() => rmSync(cache, { recursive: true, force: true }));
  return (args) => kubectl(['--kubeconfig', kubeconfig, '--cache-dir', cache, ...args]);
}

const cleanups: (() => void | Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function start(options: ApiServerOptions): Promise<ApiServer> {
  const server = await startApiServer(options);
  cleanups.push(() => server.stop());
  return server;
}

const keyOf = (pod: { metadata?: { namespace?: string; name?: string } }) => `${pod.metadata?.namespace}/${pod.metadata?.name}`;
/** The list order of etcd keys: byte order of `namespace/name`. */
const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

async function listAll(server: ApiServer, basePath: string, limit: number): Promise<{ pages: Answer[]; items: KubeObject[] }> {
  const pages: Answer[] = [];
  const items: KubeObject[] = [];
  let cont = '';
  do {
    const answer = await get(server, `${basePath}?limit=${limit}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
    assert.equal(answer.status, 200, answer.text);
    pages.push(answer);
    items.push(...answer.json.items);
    cont = answer.json.metadata.continue ?? '';
  } while (cont);
  return { pages, items };
}

const REPORT_VULNS = [
  {
    vulnerabilityID: 'CVE-2024-6119',
    resource: 'libssl3',
    installedVersion: '3.0.13-1~deb12u1',
    fixedVersion: '3.0.14-1~deb12u2',
    severity: 'HIGH' as const,
    title: 'openssl: Possible denial of service in X.509 name checks',
  },
  {
    vulnerabilityID: 'CVE-2023-45853',
    resource: 'zlib1g',
    installedVersion: '1:1.2.13.dfsg-1',
    severity: 'CRITICAL' as const,
    title: 'zlib: integer overflow and resultant heap-based buffer overflow in zipOpenNewFileInZip4_6',
  },
  { vulnerabilityID: 'CVE-2011-3374', resource: 'apt', installedVersion: '2.6.1', severity: 'LOW' as const },
];

// ---------------------------------------------------------------------------------------------

describe('kubectl against the server', () => {
  let server: ApiServer;
  let pods: Pod[];
  let run: ReturnType<typeof kubectlFor>;

  before(async () => {
    pods = [
      ...generatePods({ count: 60, distinctImages: 25, namespaces: ['default', 'payments', 'monitoring'], seed: 7 }),
      ...corpusPods(),
    ];
    server = await start({
      pods,
      forbiddenNamespaces: ['restricted'],
      vulnerabilityReports: vulnerabilityReportsFor(pods, (image) =>
        image.includes('nginx') || image.includes('redis') ? REPORT_VULNS : undefined,
      ),
    });
    run = kubectlFor(writeKubeconfig(server, { contexts: [{ name: 'expired', token: 'not-the-token' }] }));
  });

  test('get pods -A -o json returns every pod, as the server holds them', needsKubectl, async () => {
    server.clearRequests();
    const { code, stdout, stderr } = await run(['get', 'pods', '-A', '-o', 'json']);
    assert.equal(code, 0, stderr);
    const list = JSON.parse(stdout) as { kind: string; items: Pod[] };
    assert.equal(list.kind, 'List');
    assert.deepEqual(list.items.map(keyOf), pods.map(keyOf).sort(byKey));
    const sleep = list.items.find((p) => p.metadata.name === 'sleep')!;
    assert.equal(
      sleep.status?.containerStatuses?.[0]?.imageID,
      'docker.io/istio/base@sha256:61673929bc39a86dca7d978b27fc632d3e590bc59cd8b2f386408751d007c91e',
    );
    const listCalls = server.requests().filter((r) => r.path === '/api/v1/pods');
    assert.deepEqual(
      listCalls.map((r) => r.query),
      [{ limit: '500' }],
      'kubectl pages by 500 by default',
    );
    assert.ok(listCalls.every((r) => r.auth && r.user === USER && r.status === 200));
  });

  test('get pods -A prints the server-side table, with discovery first', needsKubectl, async () => {
    server.clearRequests();
    const { code, stdout, stderr } = await kubectlFor(writeKubeconfig(server))(['get', 'pods', '-A']); // a new discovery cache
    assert.equal(code, 0, stderr);
    const lines = stdout.trim().split('\n');
    assert.deepEqual(lines[0]!.split(/\s+/), ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.equal(lines.length, pods.length + 1);
    const sleep = lines.find((l) => /^default\s+sleep\s/.test(l))!.split(/\s+/);
    assert.deepEqual(sleep.slice(0, 5), ['default', 'sleep', '2/2', 'Running', '0'], 'a native sidecar counts as a container');
    const apiserver = lines.find((l) => l.includes('kube-apiserver-my-node-name'))!.split(/\s+/);
    assert.deepEqual(apiserver.slice(2), ['0/2', 'Pending', '0', '<unknown>'], 'creationTimestamp: null is an unknown age');
    const seen = server.requests();
    const discovery = seen.filter((r) => r.path === '/api' || r.path === '/apis');
    assert.equal(discovery.length, 2);
    assert.ok(
      discovery.every((r) => r.accept.startsWith('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList')),
      'aggregated discovery',
    );
    const list = seen.find((r) => r.path === '/api/v1/pods')!;
    assert.match(list.accept, /^application\/json;as=Table;v=v1;g=meta\.k8s\.io/);
  });

  test('get pods -A --chunk-size 7 pages with limit and continue', needsKubectl, async () => {
    server.clearRequests();
    const { code, stdout, stderr } = await run(['get', 'pods', '-A', '--chunk-size', '7']);
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trim().split('\n').length, pods.length + 1);
    const calls = server.requests().filter((r) => r.path === '/api/v1/pods');
    assert.equal(calls.length, Math.ceil(pods.length / 7));
    assert.ok(calls.every((r) => r.query['limit'] === '7'));
    assert.equal(calls[0]!.query['continue'], undefined);
    assert.ok(
      calls.slice(1).every((r) => r.query['continue']),
      'every later page continues',
    );
    const first = decodeContinue(calls[1]!.query['continue']!);
    assert.equal(first.start, `${pods.map(keyOf).sort(byKey)[6]}\u0000`, 'the token starts just after the 7th key');
  });

  test('a wrong token is Unauthorized for kubectl too', needsKubectl, async () => {
    const { code, stderr } = await run(['--context', 'expired', 'get', 'pods', '-A']);
    assert.notEqual(code, 0);
    assert.match(stderr, /You must be logged in to the server \(Unauthorized\)/);
  });

  test('a forbidden namespace is Forbidden, with the RBAC message', needsKubectl, async () => {
    const { code, stderr } = await run(['get', 'pods', '-n', 'restricted']);
    assert.notEqual(code, 0);
    assert.match(
      stderr,
      /Error from server \(Forbidden\): pods is forbidden: User "system:serviceaccount:shipshape:scanner" cannot list resource "pods" in API group "" in the namespace "restricted"/,
    );
  });

  test('get vulnerabilityreports -A uses the CRD columns', needsKubectl, async () => {
    const { code, stdout, stderr } = await run(['get', 'vulnerabilityreports', '-A', '-o', 'wide']);
    assert.equal(code, 0, stderr);
    const lines = stdout.trim().split('\n');
    assert.deepEqual(lines[0]!.split(/\s+/), [
      'NAMESPACE',
      'NAME',
      'REPOSITORY',
      'TAG',
      'SCANNER',
      'AGE',
      'CRITICAL',
      'HIGH',
      'MEDIUM',
      'LOW',
      'UNKNOWN',
    ]);
    assert.ok(
      lines.some((l) =>
        /^default\s+replicaset-redis-75586d7d7c-redis\s+library\/redis\s+latest\s+Trivy\s+\S+\s+1\s+1\s+0\s+1\s+0$/.test(l),
      ),
      stdout,
    );
  });

  test('get replicasets -o json: the owners made from the pods', needsKubectl, async () => {
    const { code, stdout, stderr } = await run(['get', 'replicasets', '-n', 'default', '-o', 'json']);
    assert.equal(code, 0, stderr);
    const names = (JSON.parse(stdout) as { items: KubeObject[] }).items.map((i) => i.metadata?.name);
    assert.ok(names.includes('nginx-99d8b564') && names.includes('redis-75586d7d7c'), names.join(' '));
  });
});

describe('legacy discovery', () => {
  test('kubectl falls back to /api/v1 and /apis/{group}/{version} when aggregated discovery is off', needsKubectl, async () => {
    const server = await start({
      pods: generatePods({ count: 10, distinctImages: 5, namespaces: 2, seed: 3 }),
      aggregatedDiscovery: false,
    });
    const { code, stdout, stderr } = await kubectlFor(writeKubeconfig(server))(['get', 'pods', '-A']);
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trim().split('\n').length, 11);
    const paths = new Set(server.requests().map((r) => r.path));
    for (const p of ['/api', '/apis', '/api/v1', '/apis/apps/v1', '/apis/batch/v1', '/apis/aquasecurity.github.io/v1alpha1'])
      assert.ok(paths.has(p), `${p} was asked for`);
  });

  test('the legacy documents: APIVersions, APIGroupList, APIResourceList', async () => {
    const server = await start({ aggregatedDiscovery: false });
    const aggregatedAccept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
    const api = await get(server, '/api', { accept: aggregatedAccept });
    assert.equal(api.json.kind, 'APIVersions');
    assert.deepEqual(api.json.versions, ['v1']);
    const groups = await get(server, '/apis', { accept: aggregatedAccept });
    assert.equal(groups.json.kind, 'APIGroupList');
    assert.deepEqual(
      groups.json.groups.map((g: { name: string }) => g.name),
      ['apps', 'batch', 'aquasecurity.github.io'],
    );
    assert.deepEqual(groups.json.groups[0].preferredVersion, { groupVersion: 'apps/v1', version: 'v1' });
    const core = await get(server, '/api/v1');
    const podsResource = core.json.resources.find((r: { name: string }) => r.name === 'pods');
    assert.deepEqual(
      { ...podsResource, verbs: undefined },
      {
        name: 'pods',
        singularName: 'pod',
        namespaced: true,
        kind: 'Pod',
        verbs: undefined,
        shortNames: ['po'],
        categories: ['all'],
        storageVersionHash: 'xPOwRZ+Yhw8=',
      },
    );
  });
});

describe('authentication and RBAC', () => {
  let server: ApiServer;
  before(async () => {
    server = await start({
      pods: generatePods({ count: 20, distinctImages: 8, namespaces: ['default', 'payments', 'restricted'], seed: 11 }),
      forbiddenNamespaces: ['restricted'],
    });
  });

  test('no token, or a wrong one: 401 with the Status object, and the token is never recorded', async () => {
    const expected = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    };
    server.clearRequests();
    for (const token of [null, 'wrong-token']) {
      for (const p of ['/api/v1/pods', '/version', '/api']) {
        const answer = await get(server, p, { token });
        assert.equal(answer.status, 401);
        assert.deepEqual(answer.json, expected);
      }
    }
    await get(server, '/api/v1/pods');
    const seen = server.requests();
    assert.deepEqual(
      seen.map((r) => [r.auth, r.user, r.status]),
      [...Array(3).fill([false, null, 401]), ...Array(3).fill([true, null, 401]), [true, USER, 200]],
    );
    assert.ok(!JSON.stringify(seen).includes(server.token));
  });

  test('a forbidden namespace: 403 with the real message and details', async () => {
    const answer = await get(server, '/api/v1/namespaces/restricted/pods?limit=500');
    assert.equal(answer.status, 403);
    assert.deepEqual(answer.json, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'pods is forbidden: User "system:serviceaccount:shipshape:scanner" cannot list resource "pods" in API group "" in the namespace "restricted"',
      reason: 'Forbidden',
      details: { kind: 'pods' },
      code: 403,
    });
    const rs = await get(server, '/apis/apps/v1/namespaces/restricted/replicasets/anything');
    assert.equal(
      rs.json.message,
      'replicasets.apps "anything" is forbidden: User "system:serviceaccount:shipshape:scanner" cannot get resource "replicasets" in API group ' +
        '"apps" in the namespace "restricted"',
    );
    assert.deepEqual(rs.json.details, { name: 'anything', group: 'apps', kind: 'replicasets' });
    assert.equal((await get(server, '/api/v1/namespaces/payments/pods')).status, 200);
  });

  test('cluster-wide listing forbidden: a client falls back to the namespaces it may read', async () => {
    const narrow = await start({
      pods: generatePods({ count: 20, distinctImages: 8, namespaces: ['default', 'payments', 'restricted'], seed: 11 }),
      clusterWideForbidden: true,
      forbiddenNamespaces: ['restricted'],
    });
    const all = await get(narrow, '/api/v1/pods');
    assert.equal(all.status, 403);
    assert.equal(
      all.json.message,
      'pods is forbidden: User "system:serviceaccount:shipshape:scanner" cannot list resource "pods" in API group "" at the cluster scope',
    );
    const namespaces = await get(narrow, '/api/v1/namespaces');
    assert.equal(namespaces.status, 200);
    assert.equal(namespaces.json.kind, 'NamespaceList');
    const names: string[] = namespaces.json.items.map((n: KubeObject) => n.metadata?.name);
    assert.deepEqual(names, ['default', 'kube-node-lease', 'kube-public', 'kube-system', 'payments', 'restricted']);
    let read = 0;
    const refused: string[] = [];
    for (const ns of names) {
      const answer = await get(narrow, `/api/v1/namespaces/${ns}/pods`);
      if (answer.status === 200) read += answer.json.items.length;
      else refused.push(`${ns}:${answer.status}`);
    }
    assert.deepEqual(refused, ['restricted:403']);
    assert.equal(read, narrow.pods().filter((p) => p.metadata.namespace !== 'restricted').length);
    const noNamespaces = await start({ clusterWideForbidden: true, namespacesForbidden: true });
    assert.equal(
      (await get(noNamespaces, '/api/v1/namespaces')).json.message,
      'namespaces is forbidden: User "system:serviceaccount:shipshape:scanner" cannot list resource "namespaces" in API group "" at the cluster scope',
    );
  });

  test('writes are refused, as for a read-only scanner', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/api/v1/namespaces/default/pods',
          method: 'POST',
          headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
          ca: server.caPem,
          servername: 'localhost',
        },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    assert.equal(answer.status, 403);
    assert.match(answer.body, /cannot create resource \\"pods\\" in API group \\"\\" in the namespace \\"default\\"/);
  });

  test('anonymous auth: /version is public, the rest is forbidden to system:anonymous', async () => {
    const anonymous = await start({ anonymousAuth: true });
    const version = await get(anonymous, '/version', { token: null });
    assert.equal(version.status, 200);
    assert.equal(version.json.gitVersion, 'v1.32.4');
    const api = await get(anonymous, '/api', { token: null });
    assert.equal(api.status, 403);
    assert.equal(api.json.message, 'forbidden: User "system:anonymous" cannot get path "/api"');
    const pods = await get(anonymous, '/api/v1/pods', { token: null });
    assert.equal(
      pods.json.message,
      'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" at the cluster scope',
    );
    assert.equal((await get(anonymous, '/api/v1/pods', { token: 'wrong' })).status, 401, 'wrong credentials are still 401');
  });
});

describe('lists, paging and continue tokens', () => {
  let server: ApiServer;
  let pods: Pod[];
  before(async () => {
    pods = generatePods({ count: 40, distinctImages: 12, namespaces: ['default', 'a', 'a-b', 'kube-system'], seed: 5 });
    server = await start({ pods });
  });

  test('a PodList as the API returns it: no kind on items, key order, the list resourceVersion', async () => {
    const answer = await get(server, '/api/v1/pods');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'application/json');
    assert.equal(answer.json.kind, 'PodList');
    assert.equal(answer.json.apiVersion, 'v1');
    assert.deepEqual(Object.keys(answer.json.metadata), ['resourceVersion']);
    assert.equal(answer.json.metadata.resourceVersion, server.resourceVersion());
    assert.ok(answer.json.items.every((p: KubeObject) => !('kind' in p) && !('apiVersion' in p)));
    const keys = answer.json.items.map(keyOf);
    assert.deepEqual(keys, [...keys].sort(byKey));
    const firstA = keys.findIndex((k: string) => k.startsWith('a/'));
    const firstAB = keys.findIndex((k: string) => k.startsWith('a-b/'));
    if (firstA >= 0 && firstAB >= 0) assert.ok(firstAB < firstA, 'etcd order: "a-b/…" before "a/…"');
    const one = await get(server, `/api/v1/namespaces/${pods[0]!.metadata.namespace}/pods/${pods[0]!.metadata.name}`);
    assert.equal(one.json.kind, 'Pod');
    assert.equal(one.json.apiVersion, 'v1');
    const missing = await get(server, '/api/v1/namespaces/default/pods/nope');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', kind: 'pods' },
      code: 404,
    });
  });

  test('limit and continue: real tokens, remainingItemCount, every pod once', async () => {
    const { pages, items } = await listAll(server, '/api/v1/pods', 6);
    assert.equal(pages.length, Math.ceil(pods.length / 6));
    assert.deepEqual(items.map(keyOf), pods.map(keyOf).sort(byKey));
    pages.forEach((page, i) => {
      const meta = page.json.metadata;
      assert.equal(meta.resourceVersion, server.resourceVersion());
      if (i < pages.length - 1) {
        assert.equal(meta.remainingItemCount, pods.length - 6 * (i + 1));
        assert.match(meta.continue, /^[A-Za-z0-9_-]+$/, 'base64url without padding');
        const token = JSON.parse(Buffer.from(meta.continue, 'base64url').toString('utf8'));
        assert.deepEqual(Object.keys(token), ['v', 'rv', 'start']);
        assert.equal(token.v, 'meta.k8s.io/v1');
        assert.equal(token.rv, Number(server.resourceVersion()));
        assert.equal(token.start, `${keyOf(page.json.items[5])}\u0000`);
      } else {
        assert.deepEqual(Object.keys(meta), ['resourceVersion']);
      }
    });
    const ns = pods[0]!.metadata.namespace!;
    const inNs = await listAll(server, `/api/v1/namespaces/${ns}/pods`, 2);
    assert.deepEqual(
      inNs.items.map(keyOf),
      pods
        .filter((p) => p.metadata.namespace === ns)
        .map(keyOf)
        .sort(byKey),
    );
    const token = decodeContinue(inNs.pages[0]!.json.metadata.continue);
    assert.equal(token.start, `${inNs.items[1]!.metadata!.name}\u0000`, 'namespaced keys are relative to the namespace');
  });

  test('the pages of one list are one snapshot, even when the pods change in between', async () => {
    const local = await start({ pods });
    const first = await get(local, '/api/v1/pods?limit=10');
    const before = first.json.metadata.resourceVersion;
    local.setPods(pods.slice(0, 5));
    assert.ok(Number(local.resourceVersion()) > Number(before));
    let cont = first.json.metadata.continue;
    const items = [...first.json.items];
    while (cont) {
      const page = await get(local, `/api/v1/pods?limit=10&continue=${cont}`);
      assert.equal(page.json.metadata.resourceVersion, before);
      items.push(...page.json.items);
      cont = page.json.metadata.continue;
    }
    assert.equal(items.length, pods.length);
    assert.equal((await get(local, '/api/v1/pods')).json.items.length, 5);
  });

  test('an expired continue token: 410 Expired, and the inconsistent token continues from the latest state', async () => {
    const local = await start({ pods });
    const first = await get(local, '/api/v1/pods?limit=10');
    local.expireContinueTokens();
    const expired = await get(local, `/api/v1/pods?limit=10&continue=${first.json.metadata.continue}`);
    assert.equal(expired.status, 410);
    assert.equal(expired.json.kind, 'Status');
    assert.equal(expired.json.status, 'Failure');
    assert.equal(expired.json.reason, 'Expired');
    assert.equal(expired.json.code, 410);
    assert.equal(expired.json.message, INCONSISTENT);
    const next = decodeContinue(expired.json.metadata.continue);
    assert.equal(next.rv, -1);
    assert.equal(next.start, decodeContinue(first.json.metadata.continue).start);
    const rest = await get(local, `/api/v1/pods?limit=100&continue=${expired.json.metadata.continue}`);
    assert.equal(rest.status, 200);
    assert.equal(rest.json.metadata.resourceVersion, local.resourceVersion());
    assert.deepEqual([...first.json.items, ...rest.json.items].map(keyOf), pods.map(keyOf).sort(byKey));
    // A new list works at once.
    assert.equal((await listAll(local, '/api/v1/pods', 15)).items.length, pods.length);
  });

  test('expireContinueAfterMs, and the 410 without a new token', async () => {
    const immediate = await start({ pods, expireContinueAfterMs: 0 });
    const first = await get(immediate, '/api/v1/pods?limit=10');
    assert.equal((await get(immediate, `/api/v1/pods?limit=10&continue=${first.json.metadata.continue}`)).status, 410);
    const later = await start({ pods, expireContinueAfterMs: 60_000 });
    assert.equal((await listAll(later, '/api/v1/pods', 10)).items.length, pods.length, 'young tokens still work');
    const plain = await start({ pods, expireContinueAfterMs: 0, inconsistentContinue: false });
    const page = await get(plain, '/api/v1/pods?limit=10');
    const expired = await get(plain, `/api/v1/pods?limit=10&continue=${page.json.metadata.continue}`);
    assert.deepEqual(expired.json, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
      reason: 'Expired',
      code: 410,
    });
  });

  test('bad continue tokens and resourceVersion rules are 400s as the API server words them', async () => {
    const garbage = await get(server, '/api/v1/pods?limit=5&continue=not+a+token');
    assert.equal(garbage.status, 400);
    assert.equal(garbage.json.reason, 'BadRequest');
    assert.match(garbage.json.message, /^invalid continue token: continue key is not valid: illegal base64 data at input byte/);
    const traversal = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: 5, start: '../secrets/x' })).toString('base64url');
    assert.equal(
      (await get(server, `/api/v1/namespaces/default/pods?continue=${traversal}`)).json.message,
      'invalid continue token: continue key is not valid: ../secrets/x',
    );
    const first = await get(server, '/api/v1/pods?limit=5');
    const both = await get(server, `/api/v1/pods?limit=5&continue=${first.json.metadata.continue}&resourceVersion=12`);
    assert.equal(both.json.message, 'specifying resource version is not allowed when using continue');
  });

  test('resourceVersion=0 is served from the watch cache: the limit is ignored', async () => {
    const answer = await get(server, '/api/v1/pods?limit=5&resourceVersion=0');
    assert.equal(answer.json.items.length, pods.length);
    assert.equal(answer.json.metadata.continue, undefined);
  });

  test('label and field selectors; no remainingItemCount with a selector', async () => {
    const phase = await get(server, '/api/v1/pods?fieldSelector=status.phase%3DPending');
    assert.deepEqual(
      phase.json.items.map(keyOf),
      pods
        .filter((p) => p.status?.phase === 'Pending')
        .map(keyOf)
        .sort(byKey),
    );
    const app = pods[0]!.metadata.labels!['app'] ?? pods[0]!.metadata.labels!['job-name']!;
    const labelKey = pods[0]!.metadata.labels!['app'] ? 'app' : 'job-name';
    const labelled = await get(server, `/api/v1/pods?labelSelector=${encodeURIComponent(`${labelKey}=${app}`)}&limit=1`);
    assert.equal(labelled.json.items[0].metadata.labels[labelKey], app);
    assert.equal(labelled.json.metadata.remainingItemCount, undefined);
    const unsupported = await get(server, '/api/v1/pods?fieldSelector=spec.containers.image%3Dnginx');
    assert.equal(unsupported.status, 400);
    assert.equal(unsupported.json.message, 'field label not supported: spec.containers.image');
  });

  test('the Table kubectl asks for: pod columns and PartialObjectMetadata rows', async () => {
    const corpus = await start({ pods: corpusPods() });
    const answer = await get(corpus, '/api/v1/namespaces/default/pods?limit=2', {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    assert.equal(answer.headers['content-type'], 'application/json;as=Table;v=v1;g=meta.k8s.io');
    assert.equal(answer.json.kind, 'Table');
    assert.equal(answer.json.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(
      answer.json.columnDefinitions.map((c: { name: string; priority: number }) => `${c.name}:${c.priority}`),
      ['Name:0', 'Ready:0', 'Status:0', 'Restarts:0', 'Age:0', 'IP:1', 'Node:1', 'Nominated Node:1', 'Readiness Gates:1'],
    );
    assert.equal(answer.json.metadata.remainingItemCount, 1);
    const row = answer.json.rows[0];
    assert.equal(row.object.kind, 'PartialObjectMetadata');
    assert.equal(row.object.metadata.name, 'nginx-99d8b564-4r4vq');
    assert.deepEqual(
      row.cells.filter((_: unknown, i: number) => i !== 4),
      ['nginx-99d8b564-4r4vq', '1/1', 'Running', '0', '192.168.128.141', 'my-node-name', '<none>', '<none>'],
      'podIP without podIPs (k8s 1.8) is still printed',
    );
    assert.equal(row.cells[4], '8y');
    const sleep = await get(corpus, '/api/v1/namespaces/default/pods/sleep', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    assert.deepEqual(
      sleep.json.rows[0].cells.filter((_: unknown, i: number) => i !== 4),
      ['sleep', '2/2', 'Running', '0', '10.244.0.8', 'kind-control-plane', '<none>', '<none>'],
    );
  });

  test('large lists are gzipped when the client accepts it', async () => {
    const big = await start({ pods: generatePods({ count: 300, distinctImages: 40, namespaces: 4, seed: 9 }) });
    const answer = await new Promise<{ encoding: string | undefined; length: number }>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: big.port,
          path: '/api/v1/pods',
          headers: { Authorization: `Bearer ${big.token}`, 'Accept-Encoding': 'gzip' },
          ca: big.caPem,
          servername: 'localhost',
        },
        (res) => {
          let length = 0;
          res.on('data', (c: Buffer) => (length += c.length));
          res.on('end', () => resolve({ encoding: res.headers['content-encoding'], length }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(answer.encoding, 'gzip');
    const plain = await get(big, '/api/v1/pods');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.ok(answer.length < plain.text.length / 3);
  });
});

describe('discovery and versions', () => {
  test('aggregated discovery lists pods, namespaces, the workload groups and, with the operator, its CRD', async () => {
    const server = await start({});
    const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
    const core = await get(server, '/api', { accept });
    assert.equal(core.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    assert.equal(core.json.kind, 'APIGroupDiscoveryList');
    const resources = core.json.items[0].versions[0].resources;
    assert.deepEqual(
      resources.map((r: { resource: string }) => r.resource),
      ['pods', 'namespaces'],
    );
    assert.deepEqual(resources[0].responseKind, { group: '', version: 'v1', kind: 'Pod' });
    const groups = await get(server, '/apis', { accept });
    assert.deepEqual(
      groups.json.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ['apps', 'batch', 'aquasecurity.github.io'],
    );
    const version = await get(server, '/version');
    assert.equal(version.json.major, '1');
    assert.equal(version.json.minor, '32');
    assert.equal((await get(server, '/openapi/v2')).status, 404);
    assert.equal((await get(server, '/openapi/v3')).status, 404);
  });

  test('without the operator its URLs are 404 with the NotFound Status, and discovery omits it', async () => {
    const server = await start({ operator: false });
    for (const p of [
      '/apis/aquasecurity.github.io/v1alpha1/vulnerabilityreports',
      '/apis/aquasecurity.github.io/v1alpha1/namespaces/default/vulnerabilityreports',
      '/apis/aquasecurity.github.io/v1alpha1',
    ]) {
      const answer = await get(server, p);
      assert.equal(answer.status, 404);
      assert.deepEqual(answer.json, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'the server could not find the requested resource',
        reason: 'NotFound',
        details: {},
        code: 404,
      });
    }
    const groups = await get(server, '/apis');
    assert.deepEqual(
      groups.json.groups.map((g: { name: string }) => g.name),
      ['apps', 'batch'],
    );
  });
});

describe('owners and Trivy Operator reports', () => {
  let server: ApiServer;
  let pods: Pod[];
  before(async () => {
    pods = generatePods({ count: 400, distinctImages: 60, namespaces: 5, seed: 21 });
    const reports = vulnerabilityReportsFor(pods, (image) => (parseImage(image).path.startsWith('library/') ? REPORT_VULNS : undefined));
    server = await start({ pods, vulnerabilityReports: reports });
  });

  test('a pod → its ReplicaSet → its Deployment; a Job → its CronJob', async () => {
    const deployed = pods.find((p) => p.metadata.labels?.['pod-template-hash'])!;
    const rsName = deployed.metadata.ownerReferences![0]!.name;
    const rs = await get(server, `/apis/apps/v1/namespaces/${deployed.metadata.namespace}/replicasets/${rsName}`);
    assert.equal(rs.status, 200);
    assert.equal(rs.json.kind, 'ReplicaSet');
    assert.equal(rs.json.apiVersion, 'apps/v1');
    assert.equal(rs.json.metadata.uid, deployed.metadata.ownerReferences![0]!.uid);
    const owner = rs.json.metadata.ownerReferences[0];
    assert.equal(owner.kind, 'Deployment');
    assert.equal(`${owner.name}-${deployed.metadata.labels!['pod-template-hash']}`, rsName);
    const deployment = await get(server, `/apis/apps/v1/namespaces/${deployed.metadata.namespace}/deployments/${owner.name}`);
    assert.equal(deployment.json.metadata.uid, owner.uid);

    const scheduled = pods.find(
      (p) => p.metadata.ownerReferences?.[0]?.kind === 'Job' && /-\d{8}$/.test(p.metadata.ownerReferences[0].name),
    )!;
    const job = await get(
      server,
      `/apis/batch/v1/namespaces/${scheduled.metadata.namespace}/jobs/${scheduled.metadata.ownerReferences![0]!.name}`,
    );
    assert.equal(job.json.metadata.ownerReferences[0].kind, 'CronJob');
    const bareJob = pods.find(
      (p) => p.metadata.ownerReferences?.[0]?.kind === 'Job' && !/-\d{8}$/.test(p.metadata.ownerReferences[0].name),
    );
    if (bareJob)
      assert.equal(
        (await get(server, `/apis/batch/v1/namespaces/${bareJob.metadata.namespace}/jobs/${bareJob.metadata.ownerReferences![0]!.name}`))
          .json.metadata.ownerReferences,
        undefined,
      );
    for (const kind of ['StatefulSet', 'DaemonSet']) {
      const pod = pods.find((p) => p.metadata.ownerReferences?.[0]?.kind === kind)!;
      const answer = await get(
        server,
        `/apis/apps/v1/namespaces/${pod.metadata.namespace}/${kind.toLowerCase()}s/${pod.metadata.ownerReferences![0]!.name}`,
      );
      assert.equal(answer.json.kind, kind);
    }
    const missing = await get(server, '/apis/apps/v1/namespaces/default/replicasets/nope');
    assert.equal(missing.json.message, 'replicasets.apps "nope" not found');
  });

  test('VulnerabilityReportList in the CRD shape, at cluster scope and per namespace', async () => {
    const all = await get(server, '/apis/aquasecurity.github.io/v1alpha1/vulnerabilityreports');
    assert.equal(all.status, 200);
    assert.equal(all.json.kind, 'VulnerabilityReportList');
    assert.equal(all.json.apiVersion, 'aquasecurity.github.io/v1alpha1');
    assert.ok(all.json.items.length > 0);
    for (const item of all.json.items) {
      assert.equal(item.kind, 'VulnerabilityReport', 'custom resources keep kind on list items');
      const labels = item.metadata.labels;
      assert.equal(
        item.metadata.name,
        `${labels['trivy-operator.resource.kind'].toLowerCase()}-${labels['trivy-operator.resource.name']}-${labels['trivy-operator.container.name']}`,
      );
      assert.equal(labels['trivy-operator.resource.namespace'], item.metadata.namespace);
      assert.equal(item.report.registry.server, 'index.docker.io');
      assert.match(item.report.artifact.repository, /^library\//);
      assert.deepEqual(item.report.summary, { criticalCount: 1, highCount: 1, mediumCount: 0, lowCount: 1, unknownCount: 0, noneCount: 0 });
      const v = item.report.vulnerabilities[0];
      assert.deepEqual(
        Object.keys(v).filter((k) =>
          ['vulnerabilityID', 'resource', 'installedVersion', 'fixedVersion', 'severity', 'title', 'primaryLink'].includes(k),
        ).length,
        7,
      );
    }
    const withDigest = all.json.items.filter((i: { report: { artifact: { digest?: string } } }) => i.report.artifact.digest);
    assert.ok(withDigest.length > 0, 'the digest comes from the pods’ imageIDs');
    const ns = all.json.items[0].metadata.namespace;
    const inNs = await get(server, `/apis/aquasecurity.github.io/v1alpha1/namespaces/${ns}/vulnerabilityreports`);
    assert.deepEqual(
      inNs.json.items.map((i: KubeObject) => i.metadata?.name),
      all.json.items.filter((i: KubeObject) => i.metadata?.namespace === ns).map((i: KubeObject) => i.metadata?.name),
    );
  });

  test('vulnerabilityReport for a non-Docker-Hub image pinned by digest', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const report = vulnerabilityReport({
      namespace: 'payments',
      owner: { kind: 'StatefulSet', name: 'ledger' },
      container: 'ledger',
      image: `ghcr.io/acme/ledger@${digest}`,
      vulnerabilities: REPORT_VULNS,
    }) as { metadata: { name: string }; report: { artifact: Record<string, string>; registry: { server: string } } };
    assert.equal(report.metadata.name, 'statefulset-ledger-ledger');
    assert.deepEqual(report.report.artifact, { repository: 'acme/ledger', digest });
    assert.equal(report.report.registry.server, 'ghcr.io');
  });
});

describe('pods: the corpus and generated ones', () => {
  test('the corpus pods, read in place, are served', async () => {
    const corpus = corpusPods();
    assert.deepEqual(corpus.map(keyOf).sort(byKey), [
      'default/nginx-99d8b564-4r4vq',
      'default/redis-75586d7d7c-jrm7j',
      'default/sleep',
      'kube-system/kube-apiserver-my-node-name',
      'kube-system/kube-controller-manager',
      'kube-system/kube-proxy-gke-haissam-default-pool-be5066f1-wnvn',
      'kube-system/kube-proxy-rnd5q',
      'kube-system/kube-scheduler-bpnn6',
    ]);
    const server = await start({ pods: corpus });
    const list = await get(server, '/api/v1/pods');
    assert.deepEqual(list.json.items.map(keyOf), corpus.map(keyOf).sort(byKey));
    const sleep = list.json.items.find((p: Pod) => p.metadata.name === 'sleep');
    assert.equal(sleep.kind, undefined, 'the k9s Pod file has kind: Pod; as a list item it has none');
    assert.equal(sleep.spec.initContainers[1].restartPolicy, 'Always');
    const daemon = await get(server, '/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy');
    assert.equal(daemon.json.kind, 'DaemonSet', 'owners come from the corpus pods too');
  });

  test('kubeletImageStatus reproduces what the corpus kubelets reported', () => {
    const corpus = corpusPods();
    let checked = 0;
    for (const pod of corpus) {
      const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
        const s = statuses.find((x) => x.name === c.name);
        if (!s?.imageID) continue;
        const runtime = s.containerID?.startsWith('docker://') ? 'docker' : 'containerd';
        const digest = /sha256:[0-9a-f]{64}$/.exec(s.imageID)![0];
        assert.deepEqual(
          kubeletImageStatus(c.image!, runtime, digest),
          { image: s.image, imageID: s.imageID },
          `${pod.metadata.name}/${c.name}`,
        );
        checked++;
      }
    }
    assert.equal(checked, 8);
  });

  test('generatePods is deterministic for a seed and varies with it', () => {
    const options = { count: 150, distinctImages: 40, namespaces: 6, seed: 99 };
    assert.deepEqual(generatePods(options), generatePods(options));
    assert.notDeepEqual(generatePods(options), generatePods({ ...options, seed: 100 }));
    assert.deepEqual(generatePods({ ...options, seed: 'abc' }), generatePods({ ...options, seed: 'abc' }));
  });

  test('generated pods look like a real cluster, with spec images paired with imageIDs', () => {
    const pods = generatePods({ count: 2000, distinctImages: 200, namespaces: 8, seed: 1 });
    assert.equal(pods.length, 2000);
    assert.equal(new Set(pods.map(keyOf)).size, 2000, 'unique names');
    const specImages = new Set<string>();
    const digestsBySpecAndNode = new Map<string, string>();
    const digestsBySpec = new Map<string, Set<string>>();
    let containerd = 0;
    let docker = 0;
    let waitingWithoutImageId = 0;
    for (const pod of pods) {
      const statuses: ContainerStatus[] = [
        ...(pod.status?.containerStatuses ?? []),
        ...(pod.status?.initContainerStatuses ?? []),
        ...(pod.status?.ephemeralContainerStatuses ?? []),
      ];
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])]) {
        specImages.add(c.image!);
        const s = statuses.find((x) => x.name === c.name);
        if (!s) continue;
        if (!s.imageID) {
          waitingWithoutImageId++;
          assert.equal(s.image, c.image, 'a container not yet pulled reports the spec image');
          assert.ok(s.state?.waiting, 'and is waiting');
          continue;
        }
        const runtime = s.containerID!.startsWith('docker://') ? 'docker' : 'containerd';
        if (runtime === 'docker') {
          docker++;
          assert.match(s.imageID, /^docker-pullable:\/\/[^@]+@sha256:[0-9a-f]{64}$/);
        } else {
          containerd++;
          assert.match(s.imageID, /^[a-z0-9.-]+(:\d+)?\/[^@]+@sha256:[0-9a-f]{64}$/);
        }
        const digest = s.imageID.slice(s.imageID.indexOf('@') + 1);
        assert.deepEqual(kubeletImageStatus(c.image!, runtime, digest), { image: s.image, imageID: s.imageID }, `${keyOf(pod)} ${c.name}`);
        const pinned = parseImage(c.image!).digest;
        if (pinned) assert.equal(digest, pinned, 'a pinned image runs its digest');
        const nodeKey = `${c.image}|${pod.spec?.nodeName}`;
        assert.equal(digestsBySpecAndNode.get(nodeKey) ?? digest, digest, 'one node, one digest per image');
        digestsBySpecAndNode.set(nodeKey, digest);
        if (!digestsBySpec.has(c.image!)) digestsBySpec.set(c.image!, new Set());
        digestsBySpec.get(c.image!)!.add(digest);
      }
    }
    assert.equal(specImages.size, 200, 'distinctImages spec strings');
    assert.ok(containerd > docker && docker > 0, `both runtimes (${containerd} containerd, ${docker} docker)`);
    assert.ok(waitingWithoutImageId > 0, 'some ImagePullBackOff containers');
    for (const [image, digests] of digestsBySpec) {
      const p = parseImage(image);
      if (digests.size > 1)
        assert.ok(!p.digest && (p.tag === undefined || p.tag === 'latest'), `only a mutable tag runs two digests (${image})`);
    }
    assert.ok(
      [...digestsBySpec.values()].some((d) => d.size > 1),
      'a moved latest tag',
    );

    const pending = pods.filter((p) => p.status?.phase === 'Pending' && !p.status.containerStatuses);
    assert.ok(pending.length > 0 && pending.every((p) => !p.spec?.nodeName), 'unschedulable Pending pods without container statuses');
    assert.ok(
      pods.some((p) => p.spec?.ephemeralContainers?.length && p.status?.ephemeralContainerStatuses?.length),
      'an ephemeral container',
    );
    assert.ok(
      pods.some((p) => p.spec?.initContainers?.length),
      'init containers',
    );
    assert.ok(
      pods.some((p) => p.spec?.initContainers?.some((c) => c.restartPolicy === 'Always')),
      'a native sidecar',
    );
    assert.ok(
      pods.some((p) => p.status?.phase === 'Succeeded'),
      'completed Job pods',
    );
    assert.ok(
      pods.some((p) => p.status?.containerStatuses?.some((s) => s.state?.waiting?.reason === 'CrashLoopBackOff')),
      'a crash loop',
    );
    const kinds = new Set(pods.map((p) => p.metadata.ownerReferences?.[0]?.kind ?? 'none'));
    assert.deepEqual([...kinds].sort(), ['DaemonSet', 'Job', 'ReplicaSet', 'StatefulSet', 'none']);
    for (const pod of pods.filter((p) => p.metadata.labels?.['pod-template-hash'])) {
      assert.equal(pod.metadata.name!.slice(0, pod.metadata.name!.lastIndexOf('-')), pod.metadata.ownerReferences![0]!.name);
      assert.ok(pod.metadata.ownerReferences![0]!.name.endsWith(`-${pod.metadata.labels!['pod-template-hash']}`));
    }
  });
});

describe('5,000 pods and 300 images', () => {
  let server: ApiServer;
  let pods: Pod[];
  before(async () => {
    pods = generatePods({ count: 5000, distinctImages: 300, namespaces: 12, seed: 2024 });
    server = await start({ pods });
  });

  test('listed in pages of 500 through the API', async () => {
    const { pages, items } = await listAll(server, '/api/v1/pods', 500);
    assert.equal(pages.length, 10);
    assert.equal(new Set(items.map(keyOf)).size, 5000);
    const images = new Set(
      items.flatMap((p) =>
        ((p as Pod).spec?.containers ?? [])
          .concat((p as Pod).spec?.initContainers ?? [], (p as Pod).spec?.ephemeralContainers ?? [])
          .map((c) => c.image),
      ),
    );
    assert.equal(images.size, 300);
  });

  test('kubectl get pods -A lists them all', needsKubectl, async () => {
    server.clearRequests();
    const { code, stdout, stderr } = await kubectlFor(writeKubeconfig(server))(['get', 'pods', '-A', '--no-headers']);
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trim().split('\n').length, 5000);
    assert.equal(server.requests().filter((r) => r.path === '/api/v1/pods').length, 10);
  });
});

describe('kubeconfig', () => {
  test('the file: YAML with the CA data, the server and the token; extra contexts', async () => {
    const server = await start({});
    const down = await unreachableServer();
    const file = writeKubeconfig(server, {
      contexts: [
        { name: 'unreachable', server: down },
        { name: 'expired', token: 'expired-token' },
        { name: 'sso', exec: failingExecPlugin('error: SSO session expired') },
        { name: 'plugin', exec: execPlugin(server.token) },
      ],
      namespace: 'payments',
    });
    assert.equal(readFileSync(file, 'utf8').trimStart()[0] !== '{', true, 'YAML, not JSON');
    const config = parseYaml(readFileSync(file, 'utf8'));
    assert.equal(config['current-context'], 'shipshape-test');
    const main = config.clusters.find((c: { name: string }) => c.name === 'shipshape-test').cluster;
    assert.equal(main.server, server.url);
    assert.equal(Buffer.from(main['certificate-authority-data'], 'base64').toString('utf8'), readFileSync(server.caFile, 'utf8'));
    assert.equal(config.users.find((u: { name: string }) => u.name === 'shipshape-test').user.token, server.token);
    assert.equal(config.contexts.find((c: { name: string }) => c.name === 'shipshape-test').context.namespace, 'payments');
    assert.equal(config.users.find((u: { name: string }) => u.name === 'sso').user.exec.apiVersion, 'client.authentication.k8s.io/v1');
    if (!KUBECTL) return;
    const run = kubectlFor(file);
    const unreachable = await run(['--context', 'unreachable', 'get', 'pods', '-A']);
    assert.notEqual(unreachable.code, 0);
    assert.match(unreachable.stderr, /connection refused/);
    const expired = await run(['--context', 'expired', 'get', 'pods', '-A']);
    // Discovery answered 401 first (nothing cached): client-go's own words, not the Status message.
    assert.match(expired.stderr, /You must be logged in to the server \(the server has asked for the client to provide credentials\)/);
    const sso = await run(['--context', 'sso', 'get', 'pods', '-A']);
    assert.notEqual(sso.code, 0);
    assert.match(sso.stderr, /SSO session expired/);
    assert.match(sso.stderr, /getting credentials: exec: executable .* failed with exit code 1/);
    const plugin = await run(['--context', 'plugin', 'get', 'pods', '-A']);
    assert.equal(plugin.code, 0, plugin.stderr);
  });
});

describe('stop()', () => {
  test('leaves nothing listening and removes its folder', async () => {
    const server = await startApiServer({ pods: generatePods({ count: 5, distinctImages: 3, namespaces: 1, seed: 1 }) });
    const file = writeKubeconfig(server);
    // A keep-alive connection open while stopping.
    const agent = new https.Agent({ keepAlive: true, ca: server.caPem });
    await new Promise<void>((resolve, reject) => {
      https
        .get(
          {
            host: '127.0.0.1',
            port: server.port,
            path: '/version',
            headers: { Authorization: `Bearer ${server.token}` },
            agent,
            servername: 'localhost',
          },
          (res) => {
            res.resume();
            res.on('end', resolve);
          },
        )
        .on('error', reject);
    });
    await server.stop();
    agent.destroy();
    assert.ok(!existsSync(server.caFile) && !existsSync(file) && !existsSync(path.dirname(file)));
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1');
      socket.on('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    assert.equal(refused, 'ECONNREFUSED');
    await server.stop(); // twice is fine
  });
});
