// A real Kubernetes control plane for tests (scripts/kube.mjs: etcd, kube-apiserver and
// kube-controller-manager, built from their sources), and what a test needs around it:
//
//   const kube = await startKube();                     // one per test file (before), stopped after
//   await kube.apply(manifestYaml);                     // kubectl apply -f - with the admin kubeconfig
//   await kube.runPods('shop');                         // the kubelet's part: status with the imageID
//   kube.kubeconfig                                     // admin kubeconfig for the CLI under test
//   await kube.stop();
//
// There is no kubelet and no scheduler: pods stay Pending with no status until `runPods` writes
// their container statuses (image and imageID as containerd reports them) through the status
// subresource, as kwok does. Every image resolves to the digest `digestOf(image)` unless the test
// names another (two tags of one digest).

import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

const REPO = path.resolve(__dirname, '..', '..');
const KUBE = path.join(REPO, 'scripts', 'kube.mjs');
const TOOLS = path.join(REPO, 'scripts', 'tools.mjs');

export interface Response {
  status: number;
  body: unknown;
  text: string;
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Kube {
  readonly dir: string;
  /** https://127.0.0.1:PORT */
  readonly url: string;
  /** The admin kubeconfig (context `shipshape`). */
  readonly kubeconfig: string;
  readonly token: string;
  /** The API server's CA, PEM. */
  readonly ca: string;
  /** One request as the admin; JSON bodies in and out. */
  request(method: string, apiPath: string, body?: unknown, contentType?: string): Promise<Response>;
  /** kubectl (the one built with the control plane) with the admin kubeconfig, unless args name another. */
  kubectl(args: readonly string[], input?: string): Promise<Ran>;
  /** `kubectl apply -f -`; throws with kubectl's stderr when it fails. */
  apply(yaml: string): Promise<void>;
  /** Creates a namespace and waits until its default ServiceAccount exists (pods need it). */
  namespace(name: string): Promise<void>;
  /** Waits for `count` pods in a namespace (made by controllers), then writes the status of every pod there that has none. */
  runPods(namespace: string, options?: RunOptions): Promise<Pod[]>;
  /** Every pod of the cluster. */
  pods(): Promise<Pod[]>;
  /** Creates many bare pods at once (and, with `running`, writes their status); resolves when all are there. */
  createPods(pods: readonly PodSpec[], options?: { running?: boolean; concurrency?: number }): Promise<void>;
  /** Stops the control plane and removes its folder. */
  stop(): Promise<void>;
}

export interface RunOptions {
  /** Wait until at least this many pods are there first. */
  count?: number;
  /** The digest an image (as written in the spec) runs from; `digestOf(image)` otherwise. */
  digests?: Record<string, string>;
}

/** A pod to create: its namespace, name and containers. */
export interface PodSpec {
  namespace: string;
  name: string;
  containers: Container[];
  initContainers?: Container[];
}

export interface Container {
  name: string;
  image: string;
}
export interface Pod {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
  };
  spec: { containers: Container[]; initContainers?: Container[]; ephemeralContainers?: Container[] };
  status?: {
    phase?: string;
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    ephemeralContainerStatuses?: ContainerStatus[];
  };
}
export interface ContainerStatus {
  name: string;
  image: string;
  imageID: string;
}

function run(file: string, args: readonly string[], input?: string, env?: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { maxBuffer: 512 * 1024 * 1024, env: env ?? process.env }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr: stderr || (error && typeof error.code !== 'number' ? error.message : '') });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** The path of a tool built by scripts/tools.mjs (building it on first use). */
export async function toolPath(name: string): Promise<string> {
  const result = await run(process.execPath, [TOOLS, 'which', name]);
  if (result.code !== 0) throw new Error(`node scripts/tools.mjs which ${name} failed:\n${result.stderr}`);
  return result.stdout.trim();
}

/** The digest a test image runs from unless a test says otherwise (the same for the same reference). */
export function digestOf(image: string): string {
  const pinned = /@(sha256:[0-9a-f]{64})$/.exec(image);
  return pinned ? pinned[1]! : `sha256:${createHash('sha256').update(`shipshape-kube|${image}`).digest('hex')}`;
}

/** containerd's `image` and `imageID` for a spec image that runs from `digest` (docker.io and library/ spelled out). */
export function containerdStatus(specImage: string, digest: string): { image: string; imageID: string } {
  const [name, pinned] = specImage.split('@') as [string, string | undefined];
  const colon = name.lastIndexOf(':');
  const tagged = colon > name.lastIndexOf('/');
  let repository = tagged ? name.slice(0, colon) : name;
  const first = repository.split('/')[0]!;
  if (!repository.includes('/') || !(first.includes('.') || first.includes(':') || first === 'localhost')) {
    repository = `docker.io/${repository.includes('/') ? repository : `library/${repository}`}`;
  }
  const image = pinned ? `${repository}@${pinned}` : `${repository}:${tagged ? name.slice(colon + 1) : 'latest'}`;
  return { image, imageID: `${repository}@${pinned ?? digest}` };
}

/** The status a kubelet would write for a pod whose containers all run (init containers done). */
export function runningStatus(pod: Pod, digests: Record<string, string> = {}): NonNullable<Pod['status']> & Record<string, unknown> {
  const now = new Date().toISOString();
  const status = (c: Container, state: Record<string, unknown>, ready: boolean) => ({
    name: c.name,
    ...containerdStatus(c.image, digests[c.image] ?? digestOf(c.image)),
    containerID: `containerd://${createHash('sha256').update(`${pod.metadata.uid}/${c.name}`).digest('hex')}`,
    ready,
    restartCount: 0,
    started: ready,
    state,
  });
  return {
    phase: 'Running',
    startTime: now,
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
    containerStatuses: pod.spec.containers.map((c) => status(c, { running: { startedAt: now } }, true)),
    ...(pod.spec.initContainers && {
      initContainerStatuses: pod.spec.initContainers.map((c) =>
        status(c, { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } }, false),
      ),
    }),
    ...(pod.spec.ephemeralContainers && {
      ephemeralContainerStatuses: pod.spec.ephemeralContainers.map((c) => status(c, { running: { startedAt: now } }, false)),
    }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` returns something (the controller manager works on its own time). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Starts a control plane in a temporary folder (`node scripts/kube.mjs start`). */
export async function startKube(): Promise<Kube> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-kube-'));
  // Its stderr is the test's: the first run on a machine builds the control plane (tools.mjs says so there).
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [KUBE, 'start', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', () => resolve(null));
    child.on('exit', resolve);
  });
  if (code !== 0) {
    await run(process.execPath, [KUBE, 'stop', dir]);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`node scripts/kube.mjs start ${dir} failed (exit ${code}); its reason is above`);
  }
  const state = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as {
    url: string;
    token: string;
    ca: string;
    kubeconfig: string;
  };
  const ca = readFileSync(state.ca, 'utf8');
  const agent = new https.Agent({ ca, keepAlive: true, maxSockets: 16 });
  const kubectlPath = await toolPath('kubectl');

  const request = (method: string, apiPath: string, body?: unknown, contentType = 'application/json'): Promise<Response> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request(
        `${state.url}${apiPath}`,
        {
          method,
          agent,
          headers: {
            authorization: `Bearer ${state.token}`,
            accept: 'application/json',
            ...(payload !== undefined && { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON: kept as text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, text });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  const kubectl = (args: readonly string[], input?: string) =>
    run(kubectlPath, args.includes('--kubeconfig') ? args : ['--kubeconfig', state.kubeconfig, ...args], input);

  const listPods = async (namespace?: string): Promise<Pod[]> => {
    const res = await request('GET', namespace ? `/api/v1/namespaces/${namespace}/pods` : '/api/v1/pods');
    if (res.status !== 200) throw new Error(`listing pods: ${res.status} ${res.text}`);
    return (res.body as { items: Pod[] }).items;
  };

  return {
    dir,
    url: state.url,
    kubeconfig: state.kubeconfig,
    token: state.token,
    ca,
    request,
    kubectl,
    async apply(yaml) {
      const result = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], yaml);
      if (result.code !== 0) throw new Error(`kubectl apply failed: ${result.stderr}`);
      // A new custom resource is served only once its storage is ready ("storage is (re)initializing"
      // before): wait until each applied definition's resources can be listed.
      for (const doc of parseAllDocuments(yaml)) {
        const crd = doc.toJS() as {
          kind?: string;
          spec?: { group?: string; names?: { plural?: string }; versions?: { name?: string; served?: boolean }[] };
        } | null;
        if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec?.group || !crd.spec.names?.plural) continue;
        const version = crd.spec.versions?.find((v) => v.served !== false)?.name;
        if (!version) continue;
        const url = `/apis/${crd.spec.group}/${version}/${crd.spec.names.plural}`;
        await eventually(`${crd.spec.names.plural} to be served`, async () =>
          (await request('GET', url)).status === 200 ? true : undefined,
        );
      }
    },
    async namespace(name) {
      const created = await request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      if (created.status !== 201 && created.status !== 409)
        throw new Error(`creating namespace ${name}: ${created.status} ${created.text}`);
      await eventually(`the default ServiceAccount of ${name}`, async () =>
        (await request('GET', `/api/v1/namespaces/${name}/serviceaccounts/default`)).status === 200 ? true : undefined,
      );
    },
    async runPods(namespace, options = {}) {
      const pods = await eventually(`${options.count ?? 1} pods in ${namespace}`, async () => {
        const items = await listPods(namespace);
        return items.length >= (options.count ?? 0) ? items : undefined;
      });
      const ran: Pod[] = [];
      for (const pod of pods) {
        if (pod.status?.containerStatuses?.length) {
          ran.push(pod);
          continue;
        }
        const res = await request(
          'PATCH',
          `/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}/status`,
          { status: runningStatus(pod, options.digests) },
          'application/merge-patch+json',
        );
        if (res.status !== 200) throw new Error(`writing the status of ${namespace}/${pod.metadata.name}: ${res.status} ${res.text}`);
        ran.push(res.body as Pod);
      }
      return ran;
    },
    pods: () => listPods(),
    async createPods(specs, options = {}) {
      let next = 0;
      const worker = async () => {
        while (next < specs.length) {
          const spec = specs[next++]!;
          const res = await request('POST', `/api/v1/namespaces/${spec.namespace}/pods`, {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: spec.name },
            spec: { containers: spec.containers, ...(spec.initContainers && { initContainers: spec.initContainers }) },
          });
          if (res.status !== 201) throw new Error(`creating pod ${spec.namespace}/${spec.name}: ${res.status} ${res.text}`);
          if (!options.running) continue;
          const pod = res.body as Pod;
          const patched = await request(
            'PATCH',
            `/api/v1/namespaces/${spec.namespace}/pods/${spec.name}/status`,
            { status: runningStatus(pod) },
            'application/merge-patch+json',
          );
          if (patched.status !== 200)
            throw new Error(`writing the status of ${spec.namespace}/${spec.name}: ${patched.status} ${patched.text}`);
        }
      };
      await Promise.all(Array.from({ length: options.concurrency ?? 12 }, worker));
    },
    async stop() {
      agent.destroy();
      await run(process.execPath, [KUBE, 'stop', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `count` bare pods over `namespaces` namespaces (ns-0, ns-1, …) and `images` distinct images
 * (registry.example/team-N/app-M:TAG from the `firstImage`th on, a third with a sidecar); the same
 * for the same arguments.
 */
export function podSpecs(count: number, images: number, namespaces: number, prefix = 'app', firstImage = 0): PodSpec[] {
  const image = (i: number) => `registry.example/team-${i % 7}/${['api', 'web', 'worker'][i % 3]}-${i}:1.${i % 5}`;
  return Array.from({ length: count }, (_, i) => ({
    namespace: `ns-${i % namespaces}`,
    name: `${prefix}-${String(i).padStart(5, '0')}`,
    containers: [
      { name: 'app', image: image(firstImage + (i % images)) },
      ...(i % 3 === 0 ? [{ name: 'sidecar', image: image(firstImage + ((i * 7 + 3) % images)) }] : []),
    ],
  }));
}

/** One context of writeContexts: a server, its CA, and a token or an exec credential plugin. */
export interface Context {
  name: string;
  server: string;
  ca: string;
  token?: string;
  exec?: { command: string; args: string[] };
}

/** A kubeconfig of several contexts, each with its own server, CA and credential; written (0600) in a temporary folder. */
export function writeContexts(contexts: readonly Context[], current?: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'shipshape-kubeconfig-')), 'config');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: contexts.map((c) => ({
      name: c.name,
      cluster: { server: c.server, 'certificate-authority-data': Buffer.from(c.ca).toString('base64') },
    })),
    users: contexts.map((c) => ({
      name: c.name,
      user: c.exec
        ? { exec: { apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never', ...c.exec } }
        : { token: c.token ?? '' },
    })),
    contexts: contexts.map((c) => ({ name: c.name, context: { cluster: c.name, user: c.name } })),
    'current-context': current ?? contexts[0]!.name,
  };
  writeFileSync(file, stringify(config), { mode: 0o600 });
  return file;
}

/** A Deployment of one container, as YAML for `apply` (label `extra: "yes"` when asked, to delete it later). */
export function deployment(namespace: string, name: string, image: string, options: { replicas?: number; extra?: boolean } = {}): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    `metadata: {name: ${name}, namespace: ${namespace}${options.extra ? ', labels: {extra: "yes"}' : ''}}`,
    'spec:',
    `  replicas: ${options.replicas ?? 1}`,
    `  selector: {matchLabels: {app: ${name}}}`,
    '  template:',
    `    metadata: {labels: {app: ${name}}}`,
    `    spec: {containers: [{name: ${name}, image: ${JSON.stringify(image)}}]}`,
    '---',
    '',
  ].join('\n');
}

/** What Shipshape counts as distinct images in these pods: the digests that run, or the spec image when none is known. */
export function distinctImages(pods: readonly Pod[]): Set<string> {
  const keys = new Set<string>();
  for (const pod of pods) {
    const statuses = [
      ...(pod.status?.containerStatuses ?? []),
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.ephemeralContainerStatuses ?? []),
    ];
    for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? []), ...(pod.spec.ephemeralContainers ?? [])]) {
      const digest = /@(sha256:[0-9a-f]{64})$/.exec(statuses.find((s) => s.name === c.name)?.imageID ?? '')?.[1];
      keys.add(digest ?? `ref:${c.image}`);
    }
  }
  return keys;
}

export interface ReportVulnerability {
  vulnerabilityID: string;
  resource: string;
  installedVersion: string;
  fixedVersion: string;
  severity: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN';
  title: string;
}

/**
 * A VulnerabilityReport as the Trivy Operator writes one for a workload's container (name
 * `<kind>-<name>-<container>`, its labels, owned by the workload); the CRD's schema checks it on create.
 */
export function operatorReport(input: {
  namespace: string;
  owner: { apiVersion: string; kind: string; name: string; uid: string };
  container: string;
  /** registry server, repository, tag and the digest that runs. */
  artifact: { server: string; repository: string; tag: string; digest: string };
  vulnerabilities: readonly ReportVulnerability[];
}): Record<string, unknown> {
  const count = (s: string) => input.vulnerabilities.filter((v) => v.severity === s).length;
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    apiVersion: 'aquasecurity.github.io/v1alpha1',
    kind: 'VulnerabilityReport',
    metadata: {
      name: `${input.owner.kind.toLowerCase()}-${input.owner.name}-${input.container}`,
      namespace: input.namespace,
      labels: {
        'app.kubernetes.io/managed-by': 'trivy-operator',
        'trivy-operator.container.name': input.container,
        'trivy-operator.resource.kind': input.owner.kind,
        'trivy-operator.resource.name': input.owner.name,
        'trivy-operator.resource.namespace': input.namespace,
      },
      ownerReferences: [{ ...input.owner, controller: true, blockOwnerDeletion: false }],
    },
    report: {
      updateTimestamp: now,
      artifact: { repository: input.artifact.repository, tag: input.artifact.tag, digest: input.artifact.digest },
      os: { family: 'debian', name: '12.8' },
      registry: { server: input.artifact.server },
      scanner: { name: 'Trivy', vendor: 'Aqua Security', version: '0.58.1' },
      summary: {
        criticalCount: count('CRITICAL'),
        highCount: count('HIGH'),
        mediumCount: count('MEDIUM'),
        lowCount: count('LOW'),
        unknownCount: count('UNKNOWN'),
        noneCount: 0,
      },
      vulnerabilities: input.vulnerabilities.map((v) => ({
        ...v,
        publishedDate: '2024-11-02T00:00:00Z',
        lastModifiedDate: '2025-01-14T00:00:00Z',
        primaryLink: `https://avd.aquasec.com/nvd/${v.vulnerabilityID.toLowerCase()}`,
        links: [],
        target: '',
      })),
    },
  };
}

/** An https URL on loopback where nothing listens (a port that was free a moment ago): a cluster that is gone. */
export async function unusedUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `https://127.0.0.1:${port}`;
}
