// The cluster scan through a real `trivy server`: a real control plane whose pods run images of
// the loopback registry (real package databases), scanned by `shipshape cluster --server URL`
// (with the token in TRIVY_TOKEN and `--token-header`), gives the findings of a standalone
// cluster scan of the same cluster with the same database; the token is never printed.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { runCli } from '../support/cli.js';
import { startKube, type Kube } from '../support/kube.js';
import { startRegistry, type Registry } from '../support/registry.js';
import { pushDistroImage } from '../support/distroImages.js';
import {
  cleanUp,
  offlineEnv,
  realTrivy,
  setEnv,
  startTrivyServer,
  tempFolder,
  trivyCache,
  type TrivyServer,
} from '../support/realTrivy.js';

const TOKEN = 'shipshape-cluster-token-9e2b';
const HEADER = 'X-Shipshape-Token';

interface ClusterJson {
  images: {
    reference: string;
    vulnerabilities?: Record<string, number>;
    details?: { id: string; package: string; severity: string; fixed: string[] }[];
  }[];
  findings: { id: string; image: string; severity: string }[];
  errors: { message: string }[];
}

let kube: Kube;
let registry: Registry;
let server: TrivyServer;
let alpine: string;
let debian: string;

/** Each vulnerability of each image, as a sorted list of lines (what both scans must agree on). */
const rows = (report: ClusterJson) =>
  report.images
    .flatMap((i) => (i.details ?? []).map((d) => `${i.reference} ${d.id} ${d.package} ${d.severity} ${d.fixed.join(',')}`))
    .sort();

/** `shipshape cluster --format json` with the real Trivy, a scan cache and state of its own, and `env` for its run. */
async function cluster(args: readonly string[], env: Record<string, string | undefined>) {
  const cache = tempFolder('cluster-cache');
  const undo = setEnv({ ...env, SHIPSHAPE_CACHE_DIR: cache });
  try {
    const run = await runCli([
      'cluster',
      '--kubeconfig',
      kube.kubeconfig,
      '--trivy',
      realTrivy(),
      '--state',
      path.join(cache, 'state.json'),
      '--format',
      'json',
      ...args,
    ]);
    return { ...run, report: (run.stdout.startsWith('{') ? JSON.parse(run.stdout) : undefined) as ClusterJson | undefined };
  } finally {
    undo();
  }
}

before(async () => {
  [kube, registry] = await Promise.all([startKube(), startRegistry()]);
  const [alpineImage, debianImage] = await Promise.all([
    pushDistroImage(registry, 'shipshape/alpine', '3.19', { rootfs: 'alpine-3.19' }),
    pushDistroImage(registry, 'shipshape/debian', '12', { rootfs: 'debian-12', user: '1000' }),
    kube.namespace('shop'),
  ]);
  alpine = `${registry.host}/shipshape/alpine:3.19`;
  debian = `${registry.host}/shipshape/debian:12`;
  await kube.createPods([
    { namespace: 'shop', name: 'web', containers: [{ name: 'web', image: alpine }] },
    { namespace: 'shop', name: 'api', containers: [{ name: 'api', image: debian }], initContainers: [{ name: 'init', image: alpine }] },
  ]);
  // The kubelet's part: each container runs from the digest the registry holds.
  await kube.runPods('shop', { count: 2, digests: { [alpine]: alpineImage.digest, [debian]: debianImage.digest } });
  server = await startTrivyServer(realTrivy(), trivyCache(), { token: TOKEN, tokenHeader: HEADER });
});

after(async () => {
  await server?.stop();
  await Promise.all([registry?.stop(), kube?.stop()]);
  cleanUp();
});

describe('shipshape cluster --server, the real trivy server', () => {
  test('gives the findings of a standalone cluster scan with the same database, and shows no token', async () => {
    // The client has no database: an empty cache, and no download allowed.
    const client = await cluster(['--server', server.url, '--token-header', HEADER], {
      ...offlineEnv(tempFolder('client-cache')),
      TRIVY_TOKEN: TOKEN,
    });
    assert.equal(client.code, 0, client.stderr);
    assert.deepEqual(client.report!.errors, []);
    const standalone = await cluster([], offlineEnv(trivyCache()));
    assert.equal(standalone.code, 0, standalone.stderr);
    assert.deepEqual(standalone.report!.errors, []);

    assert.equal(client.report!.images.length, 2);
    assert.ok(rows(client.report!).some((row) => row.includes('/shipshape/alpine@')));
    assert.ok(rows(client.report!).some((row) => row.includes('/shipshape/debian@')));
    assert.deepEqual(rows(client.report!), rows(standalone.report!));
    // Deadlines run from when each run (with a state of its own) first saw a vulnerability: left out.
    const findings = (report: ClusterJson) => report.findings.map((f) => `${f.image} ${f.id} ${f.severity}`).sort();
    assert.deepEqual(findings(client.report!), findings(standalone.report!));
    assert.ok(!client.stdout.includes(TOKEN) && !client.stderr.includes(TOKEN), 'the run shows no token');
  });

  test('without the token the server refuses: each image says so, with no token shown', async () => {
    const run = await cluster(['--server', server.url, '--token-header', HEADER], {
      ...offlineEnv(tempFolder('client-cache')),
      TRIVY_TOKEN: undefined,
    });
    assert.equal(run.report!.errors.length, 2, run.stderr);
    for (const error of run.report!.errors) assert.match(error.message, /the Trivy server refused the request: check its token/);
    assert.ok(!server.output().includes(TOKEN), 'nor does the server log');
  });

  test('--server and --token-header are checked as for shipshape scan', async () => {
    const url = await runCli(['cluster', '--kubeconfig', kube.kubeconfig, '--server', 'ftp://trivy.internal']);
    assert.equal(url.code, 2);
    assert.match(url.stderr, /--server expects an http:\/\/ or https:\/\/ URL/);
    const header = await runCli(['cluster', '--kubeconfig', kube.kubeconfig, '--server', server.url, '--token-header', 'X Bad: header']);
    assert.equal(header.code, 2);
    assert.match(header.stderr, /--token-header expects an HTTP header name/);
  });
});
