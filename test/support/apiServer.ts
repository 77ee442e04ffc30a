// A Kubernetes API server for tests, in the test's own process: HTTPS on loopback with its own CA,
// bearer-token authentication, RBAC denials, and the read side of the API that a cluster reader
// and kubectl use, answered the way kube-apiserver 1.32 answers (bodies, Status objects, paging):
//
//   const server = await startApiServer({ pods: generatePods({ count: 200, distinctImages: 40, namespaces: 5, seed: 1 }) });
//   const kubeconfig = writeKubeconfig(server);                 // YAML, CA data + token
//   … kubectl --kubeconfig <file> get pods -A, or the cluster reader …
//   server.requests();                                          // what came: method, path, query, auth (never the token)
//   await server.stop();
//
// What it serves (GET only; any other method is refused by RBAC, as for a read-only scanner):
// - discovery: /version, /api, /apis (aggregated discovery apidiscovery.k8s.io/v2 or v2beta1 when
//   the Accept header asks for it, as kubectl ≥ 1.30 does; the legacy APIVersions / APIGroupList
//   otherwise), /api/v1, /apis/{group}, /apis/{group}/{version}; /openapi/* answers 404 (kubectl
//   get does not need it);
// - v1 pods and namespaces; apps/v1 deployments, replicasets, statefulsets, daemonsets; batch/v1
//   jobs and cronjobs (the owners are made from the pods' ownerReferences, see workloadsFor);
//   aquasecurity.github.io/v1alpha1 vulnerabilityreports (Trivy Operator's CRD) unless
//   `operator: false`. Lists at cluster scope and per namespace, single objects by name.
// - lists as etcd3 serves them: items in key order (/registry/pods/<ns>/<name>, so byte order of
//   "ns/name"), `limit` and `continue` with the real token format (base64url of
//   {"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"}), `remainingItemCount` when no selector is
//   given, a consistent snapshot across the pages of one list, `resourceVersion=0` served "from the
//   watch cache" (the limit is ignored, as 1.32 does), labelSelector and fieldSelector, and the
//   server-side Table (Accept: application/json;as=Table;v=v1;g=meta.k8s.io) with the real pod
//   columns, so that `kubectl get pods -A` prints what it prints against a real cluster.
// - large responses gzipped when the client accepts it (over 128 KiB, as the API server does).
//
// Continue tokens expire like etcd compaction: `expireContinueTokens()` compacts the history (every
// token issued so far answers 410 Expired, with an inconsistent-continue token in
// metadata.continue, rv -1, that continues from the latest state), and `expireContinueAfterMs`
// makes a token answer 410 once it is older than that (0: every continue is expired).
//
// Never run a client of this server with a *synchronous* child_process call (execFileSync,
// spawnSync): the server runs in the test's own process and would never answer. Use execFile.

import { execFile } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzip } from 'node:zlib';
import { stringify as toYaml } from 'yaml';
import { parseImageId } from '../../src/core/cluster/pods.js';

const REPO = path.resolve(__dirname, '..', '..');
/** The corpus's real Kubernetes API objects (test/corpus/k8s-api). */
export const K8S_CORPUS = path.resolve(REPO, 'test', 'corpus', 'k8s-api');

// ---------------------------------------------------------------------------------------------
// Types

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

/** Any API object; list items of built-in kinds carry no kind/apiVersion. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [key: string]: unknown;
}

export interface Container {
  name: string;
  image?: string;
  restartPolicy?: string;
  targetContainerName?: string;
  [key: string]: unknown;
}

export interface ContainerState {
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
  terminated?: {
    exitCode: number;
    signal?: number;
    reason?: string;
    message?: string;
    startedAt?: string;
    finishedAt?: string;
    containerID?: string;
  };
}

export interface ContainerStatus {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  restartCount: number;
  started?: boolean;
  state?: ContainerState;
  lastState?: ContainerState;
  [key: string]: unknown;
}

export interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
}

export interface Pod extends KubeObject {
  metadata: ObjectMeta;
  spec?: {
    containers?: Container[];
    initContainers?: Container[];
    ephemeralContainers?: Container[];
    nodeName?: string;
    readinessGates?: { conditionType: string }[];
    [key: string]: unknown;
  };
  status?: {
    phase?: string;
    reason?: string;
    conditions?: PodCondition[];
    hostIP?: string;
    podIP?: string;
    podIPs?: { ip: string }[];
    nominatedNodeName?: string;
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    ephemeralContainerStatuses?: ContainerStatus[];
    [key: string]: unknown;
  };
}

export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN';

export interface ApiServerOptions {
  /** The bearer token the server accepts. Default: a random one (ApiServer.token). */
  token?: string;
  /** The user that token authenticates as. Default `system:serviceaccount:shipshape:scanner`. */
  user?: string;
  pods?: readonly Pod[];
  /** Extra namespaces; the namespaces of the pods, `default`, `kube-system`, `kube-public` and `kube-node-lease` always exist. */
  namespaces?: readonly string[];
  /** Owner objects (Deployments, ReplicaSets, …) to serve instead of the ones made from the pods (same namespace/name wins). */
  workloads?: readonly KubeObject[];
  /** RBAC: the user may read nothing in these namespaces (403 Forbidden). */
  forbiddenNamespaces?: readonly string[];
  /** RBAC: listing a namespaced resource across all namespaces (`/api/v1/pods`) is forbidden. */
  clusterWideForbidden?: boolean;
  /** RBAC: listing or getting namespaces is forbidden too. */
  namespacesForbidden?: boolean;
  /** Any other RBAC rule: return false to deny. */
  authorize?: (attributes: Attributes) => boolean;
  /** Whether Trivy Operator's CRD is installed (default true); false: its URLs are 404. */
  operator?: boolean;
  vulnerabilityReports?: readonly KubeObject[];
  /** A continue token older than this answers 410 Expired (0: every continue does). */
  expireContinueAfterMs?: number;
  /** Whether a 410 for an expired continue token carries a new token (rv -1) in metadata.continue, as etcd3 storage does. Default true. */
  inconsistentContinue?: boolean;
  /**
   * Requests without credentials are `system:anonymous` (403 for anything but /version, /healthz…)
   * instead of 401, as with --anonymous-auth=true. Default false.
   */
  anonymousAuth?: boolean;
  /** Whether /api and /apis answer aggregated discovery when asked (default true, as since 1.30); false: only the legacy documents, as before 1.26. */
  aggregatedDiscovery?: boolean;
  /** Milliseconds every answer waits. */
  latencyMs?: number;
  /**
   * Faults, decided per request (`seen` counts the requests to that path so far, from 1):
   * `drop` closes the connection without an answer, `truncate` sends the headers and half the
   * body and closes, `hang` never answers (until the server stops), `error` answers 500.
   */
  fault?: (request: { path: string; query: Record<string, string>; seen: number }) => 'drop' | 'truncate' | 'hang' | 'error' | undefined;
  /** Fields of /version to change. */
  version?: Partial<VersionInfo>;
}

/** What RBAC is asked about. */
export interface Attributes {
  readonly user: string;
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly namespace: string;
  readonly name: string;
  readonly path: string;
  readonly isResourceRequest: boolean;
}

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

/** A request the server saw. Credentials are never recorded: only whether some came, and who they authenticated. */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  /** Whether an Authorization header came. */
  readonly auth: boolean;
  /** The authenticated user; null when the credentials were missing or wrong. */
  readonly user: string | null;
  readonly status: number;
  readonly accept: string;
  readonly userAgent: string;
  readonly time: number;
}

export interface ApiServer {
  /** `https://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** The CA certificate (PEM file) that signed the server's certificate. */
  readonly caFile: string;
  readonly caPem: string;
  readonly token: string;
  readonly user: string;
  requests(): ApiRequest[];
  clearRequests(): void;
  /** Replaces every pod (a new resourceVersion; the owners and namespaces follow the pods). */
  setPods(pods: readonly Pod[]): void;
  setVulnerabilityReports(reports: readonly KubeObject[]): void;
  /** The current pods, in list order (copies, as list items: without kind/apiVersion). */
  pods(): Pod[];
  /** The current list resourceVersion. */
  resourceVersion(): string;
  /** Compacts the history: every continue token issued so far answers 410 Expired. */
  expireContinueTokens(): void;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Cleanup: servers do not keep the test process alive; their folders go when it exits.

const liveDirs = new Set<string>();
let exitHooked = false;

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  });
}

function run(file: string, args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8', timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** A loopback URL on which nothing listens (a port that was free a moment ago), for an "unreachable" context. */
export function unreachableServer(): Promise<string> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(`https://127.0.0.1:${port}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// TLS: a CA and a server certificate for 127.0.0.1 / localhost, made with openssl.

interface TlsMaterial {
  caFile: string;
  caPem: string;
  keyPem: string;
  certPem: string;
}

async function makeCertificates(dir: string): Promise<TlsMaterial> {
  const file = (name: string) => path.join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256'];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-days',
    '2',
    '-subj',
    '/CN=shipshape-test-kubernetes-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
  ]);
  await run('openssl', [
    'req',
    '-new',
    ...ec,
    '-subj',
    '/CN=kube-apiserver',
    '-keyout',
    file('apiserver.key'),
    '-out',
    file('apiserver.csr'),
  ]);
  writeFileSync(
    file('apiserver.ext'),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
      '',
    ].join('\n'),
  );
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    file('apiserver.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-days',
    '2',
    '-sha256',
    '-extfile',
    file('apiserver.ext'),
    '-out',
    file('apiserver.crt'),
  ]);
  rmSync(file('ca.key'));
  rmSync(file('apiserver.csr'));
  return {
    caFile: file('ca.crt'),
    caPem: readFileSync(file('ca.crt'), 'utf8'),
    keyPem: readFileSync(file('apiserver.key'), 'utf8'),
    certPem: readFileSync(file('apiserver.crt'), 'utf8'),
  };
}

// ---------------------------------------------------------------------------------------------
// Resources

interface ResourceDef {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly storageVersionHash?: string;
  readonly subresources?: readonly { name: string; kind: string; group?: string; version?: string; verbs: readonly string[] }[];
  /** Custom resources keep kind/apiVersion on list items (they are stored unstructured). */
  readonly custom?: boolean;
  /** For fieldSelector: the fields beyond metadata.name / metadata.namespace. */
  readonly fields?: Readonly<Record<string, (o: KubeObject) => string>>;
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;
const STATUS_VERBS = ['get', 'patch', 'update'] as const;

const str = (value: unknown): string =>
  typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
const podSpec = (o: KubeObject): Record<string, unknown> => (o['spec'] as Record<string, unknown> | undefined) ?? {};
const podStatus = (o: KubeObject): Record<string, unknown> => (o['status'] as Record<string, unknown> | undefined) ?? {};

const RESOURCES: readonly ResourceDef[] = [
  {
    group: '',
    version: 'v1',
    resource: 'pods',
    singular: 'pod',
    kind: 'Pod',
    namespaced: true,
    verbs: VERBS,
    shortNames: ['po'],
    categories: ['all'],
    storageVersionHash: 'xPOwRZ+Yhw8=',
    subresources: [
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'binding', kind: 'Binding', verbs: ['create'] },
      { name: 'ephemeralcontainers', kind: 'Pod', verbs: STATUS_VERBS },
      { name: 'eviction', kind: 'Eviction', group: 'policy', verbs: ['create'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      { name: 'proxy', kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
      { name: 'resize', kind: 'Pod', verbs: STATUS_VERBS },
      { name: 'status', kind: 'Pod', verbs: STATUS_VERBS },
    ],
    fields: {
      'spec.nodeName': (o) => str(podSpec(o)['nodeName']),
      'spec.restartPolicy': (o) => str(podSpec(o)['restartPolicy']),
      'spec.schedulerName': (o) => str(podSpec(o)['schedulerName']),
      'spec.serviceAccountName': (o) => str(podSpec(o)['serviceAccountName']),
      'spec.hostNetwork': (o) => String(podSpec(o)['hostNetwork'] === true),
      'status.phase': (o) => str(podStatus(o)['phase']),
      'status.podIP': (o) => str(podStatus(o)['podIP']),
      'status.nominatedNodeName': (o) => str(podStatus(o)['nominatedNodeName']),
    },
  },
  {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ns'],
    storageVersionHash: 'Q3oi5N2YM8M=',
    subresources: [
      { name: 'finalize', kind: 'Namespace', verbs: ['update'] },
      { name: 'status', kind: 'Namespace', verbs: STATUS_VERBS },
    ],
    fields: { 'status.phase': (o) => str(podStatus(o)['phase']) },
  },
  {
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    namespaced: true,
    verbs: VERBS,
    shortNames: ['deploy'],
    categories: ['all'],
    storageVersionHash: '8aSe+NMegvE=',
    subresources: [
      { name: 'scale', kind: 'Scale', group: 'autoscaling', verbs: STATUS_VERBS },
      { name: 'status', kind: 'Deployment', verbs: STATUS_VERBS },
    ],
  },
  {
    group: 'apps',
    version: 'v1',
    resource: 'replicasets',
    singular: 'replicaset',
    kind: 'ReplicaSet',
    namespaced: true,
    verbs: VERBS,
    shortNames: ['rs'],
    categories: ['all'],
    storageVersionHash: 'P1RzHs8/mWQ=',
    subresources: [
      { name: 'scale', kind: 'Scale', group: 'autoscaling', verbs: STATUS_VERBS },
      { name: 'status', kind: 'ReplicaSet', verbs: STATUS_VERBS },
    ],
  },
  {
    group: 'apps',
    version: 'v1',
    resource: 'statefulsets',
    singular: 'statefulset',
    kind: 'StatefulSet',
    namespaced: true,
    verbs: VERBS,
    shortNames: ['sts'],
    categories: ['all'],
    storageVersionHash: 'H+vl74LkKdo=',
    subresources: [
      { name: 'scale', kind: 'Scale', group: 'autoscaling', verbs: STATUS_VERBS },
      { name: 'status', kind: 'StatefulSet', verbs: STATUS_VERBS },
    ],
  },
  {
    group: 'apps',
    version: 'v1',
    resource: 'daemonsets',
    singular: 'daemonset',
    kind: 'DaemonSet',
    namespaced: true,
    verbs: VERBS,
    shortNames: ['ds'],
    categories: ['all'],
    storageVersionHash: 'dd7pWHUlMKQ=',
    subresources: [{ name: 'status', kind: 'DaemonSet', verbs: STATUS_VERBS }],
  },
  {
    group: 'batch',
    version: 'v1',
    resource: 'cronjobs',
    singular: 'cronjob',
    kind: 'CronJob',
    namespaced: true,
    verbs: VERBS,
    shortNames: ['cj'],
    categories: ['all'],
    storageVersionHash: 'sd5LIXh4Fjs=',
    subresources: [{ name: 'status', kind: 'CronJob', verbs: STATUS_VERBS }],
  },
  {
    group: 'batch',
    version: 'v1',
    resource: 'jobs',
    singular: 'job',
    kind: 'Job',
    namespaced: true,
    verbs: VERBS,
    categories: ['all'],
    storageVersionHash: 'mudhfqk/qZY=',
    subresources: [{ name: 'status', kind: 'Job', verbs: STATUS_VERBS }],
  },
  {
    group: 'aquasecurity.github.io',
    version: 'v1alpha1',
    resource: 'vulnerabilityreports',
    singular: 'vulnerabilityreport',
    kind: 'VulnerabilityReport',
    namespaced: true,
    verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
    shortNames: ['vuln', 'vulns'],
    storageVersionHash: 'Yl7GLw4yNZQ=',
    custom: true,
  },
];

const OPERATOR_GROUP = 'aquasecurity.github.io';
const groupVersion = (def: { group: string; version: string }): string => (def.group ? `${def.group}/${def.version}` : def.version);
/** `pods`, `replicasets.apps`: how API errors name a resource. */
const qualified = (def: { group: string; resource: string }): string => (def.group ? `${def.resource}.${def.group}` : def.resource);

// ---------------------------------------------------------------------------------------------
// Status objects, as the API server writes them (field order included)

interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: { continue?: string };
  status: 'Failure';
  message: string;
  reason?: string;
  details?: Record<string, unknown>;
  code: number;
}

function statusBody(
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
  metadata: { continue?: string } = {},
): StatusBody {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata,
    status: 'Failure',
    message,
    ...(reason && { reason }),
    ...(details && { details }),
    code,
  };
}

function forbiddenStatus(attributes: Attributes, def: ResourceDef | undefined): StatusBody {
  // k8s.io/apiserver/pkg/endpoints/handlers/responsewriters.forbiddenMessage, then apierrors.NewForbidden.
  let reasonText: string;
  if (!attributes.isResourceRequest) reasonText = `User "${attributes.user}" cannot ${attributes.verb} path "${attributes.path}"`;
  else if (attributes.namespace)
    reasonText =
      `User "${attributes.user}" cannot ${attributes.verb} resource "${attributes.resource}" in API group "${attributes.group}" in the ` +
      `namespace "${attributes.namespace}"`;
  else
    reasonText =
      `User "${attributes.user}" cannot ${attributes.verb} resource "${attributes.resource}" in API group "${attributes.group}" at the ` +
      `cluster scope`;
  if (!attributes.isResourceRequest || !def) return statusBody(403, 'Forbidden', `forbidden: ${reasonText}`, {});
  const what = qualified(def);
  const message = attributes.name ? `${what} "${attributes.name}" is forbidden: ${reasonText}` : `${what} is forbidden: ${reasonText}`;
  return statusBody(403, 'Forbidden', message, {
    ...(attributes.name && { name: attributes.name }),
    ...(def.group && { group: def.group }),
    kind: def.resource,
  });
}

const UNAUTHORIZED = statusBody(401, 'Unauthorized', 'Unauthorized');
const NOT_FOUND_PATH = statusBody(404, 'NotFound', 'the server could not find the requested resource', {});

const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.';
const INCONSISTENT_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use ' +
  'the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent ' +
  'list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';
const LIST_EXPIRED = 'The resourceVersion for the provided list is too old.';

class ApiError extends Error {
  constructor(readonly body: StatusBody) {
    super(body.message);
  }
}

const badRequest = (message: string): ApiError => new ApiError(statusBody(400, 'BadRequest', message));

// ---------------------------------------------------------------------------------------------
// Continue tokens: k8s.io/apiserver/pkg/storage/continue.go

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

export function encodeContinue(start: string, resourceVersion: number): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: resourceVersion, start })).toString('base64url');
}

/** Decodes a token (the relative start key and its rv); throws the API server's 400 when it is not valid. */
export function decodeContinue(token: string): { start: string; rv: number } {
  const invalid = (why: string) => badRequest(`invalid continue token: continue key is not valid${why ? `: ${why}` : ''}`);
  const bad = /[^A-Za-z0-9_-]/.exec(token);
  if (bad) throw invalid(`illegal base64 data at input byte ${bad.index}`);
  if (token.length % 4 === 1) throw invalid(`illegal base64 data at input byte ${token.length - 1}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch (error) {
    throw invalid((error as Error).message);
  }
  const c = (parsed ?? {}) as Partial<ContinueToken>;
  if (c.v !== 'meta.k8s.io/v1') throw invalid(`server does not recognize this encoded version ${str(c.v)}`);
  if (typeof c.rv !== 'number' || c.rv === 0) throw invalid('incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof c.start !== 'string' || c.start === '') throw invalid('encoded start key empty (version meta.k8s.io/v1)');
  const key = c.start.startsWith('/') ? c.start : `/${c.start}`;
  if (cleanPath(key) !== key) throw invalid(c.start);
  return { start: key.slice(1), rv: c.rv };
}

/** Go's path.Clean, for the continue key's traversal check. */
function cleanPath(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

// ---------------------------------------------------------------------------------------------
// The store: immutable snapshots, one per resourceVersion, so that the pages of a list stay consistent.

interface Stored {
  /** `ns/name`, or `name` for cluster-scoped objects: the etcd key under /registry/<resource>/. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  /** As served in a list (built-in kinds without kind/apiVersion). */
  readonly object: KubeObject;
  readonly json: string;
}

interface Snapshot {
  readonly rv: number;
  readonly resources: ReadonlyMap<string, readonly Stored[]>;
}

const resourceKey = (def: { group: string; resource: string }): string => `${def.group}/${def.resource}`;

function storeObjects(def: ResourceDef, objects: readonly KubeObject[]): Stored[] {
  const stored: Stored[] = [];
  const seen = new Set<string>();
  for (const original of objects) {
    const name = original.metadata?.name;
    if (!name) throw new Error(`a ${def.kind} without metadata.name`);
    let namespace = '';
    if (def.namespaced) {
      namespace = original.metadata?.namespace ?? '';
      if (!namespace) throw new Error(`${def.kind} ${name} has no metadata.namespace`);
    }
    const object: KubeObject = def.custom ? { apiVersion: groupVersion(def), kind: def.kind, ...stripKind(original) } : stripKind(original);
    const key = def.namespaced ? `${namespace}/${name}` : name;
    if (seen.has(key)) throw new Error(`two ${def.resource} named ${key}: the API server keeps one object per name`);
    seen.add(key);
    stored.push({ key, namespace, name, object, json: JSON.stringify(object) });
  }
  return stored.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function stripKind(object: KubeObject): KubeObject {
  if (!('kind' in object) && !('apiVersion' in object)) return object;
  const { kind: _kind, apiVersion: _apiVersion, ...rest } = object;
  return rest;
}

/** First index in [lo, hi) whose key is >= key. */
function lowerBound(items: readonly Stored[], key: string, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (items[mid]!.key < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ---------------------------------------------------------------------------------------------
// Owners made from the pods, as the controllers name them

const DEFAULT_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

function stableUid(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The workload objects behind pods, from their controller ownerReferences: a ReplicaSet (owned by
 * a Deployment when the pods carry `pod-template-hash` and the ReplicaSet is `<deployment>-<hash>`),
 * StatefulSet, DaemonSet, Job (owned by a CronJob when it is `<cronjob>-<minutes since the epoch>`),
 * and the Deployments and CronJobs themselves. Objects are whole, with kind and apiVersion.
 */
export function workloadsFor(pods: readonly Pod[]): KubeObject[] {
  const out = new Map<string, KubeObject>();
  const add = (object: KubeObject) => {
    const key = `${object.kind}/${object.metadata?.namespace}/${object.metadata?.name}`;
    if (!out.has(key)) out.set(key, object);
  };
  const counts = new Map<string, number>();
  for (const pod of pods) {
    const owner = pod.metadata.ownerReferences?.find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
    if (owner)
      counts.set(
        `${owner.kind}/${pod.metadata.namespace}/${owner.name}`,
        (counts.get(`${owner.kind}/${pod.metadata.namespace}/${owner.name}`) ?? 0) + 1,
      );
  }
  const done = new Set<string>();
  for (const pod of pods) {
    const namespace = pod.metadata.namespace ?? 'default';
    const owner = pod.metadata.ownerReferences?.find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
    if (!owner || done.has(`${owner.kind}/${namespace}/${owner.name}`)) continue;
    done.add(`${owner.kind}/${namespace}/${owner.name}`);
    const created = pod.metadata.creationTimestamp ?? '2024-01-01T00:00:00Z';
    const labels = { ...(pod.metadata.labels ?? {}) };
    const template = { metadata: { labels }, spec: templateSpec(pod) };
    const replicas = counts.get(`${owner.kind}/${namespace}/${owner.name}`) ?? 1;
    const base = (kind: string, apiVersion: string, name: string, uid: string, ownerRefs?: OwnerReference[]): KubeObject => ({
      apiVersion,
      kind,
      metadata: {
        name,
        namespace,
        uid,
        resourceVersion: '1',
        generation: 1,
        creationTimestamp: created,
        labels,
        ...(ownerRefs && { ownerReferences: ownerRefs }),
      },
    });
    const selector = {
      matchLabels: Object.fromEntries(
        Object.entries(labels).filter(
          ([k]) =>
            !/^(pod-template-hash|controller-revision-hash|pod-template-generation|statefulset\.kubernetes\.io\/pod-name|apps\.kubernetes\.io\/pod-index|batch\.kubernetes\.io\/job-completion-index)$/.test(
              k,
            ),
        ),
      ),
    };
    switch (owner.kind) {
      case 'ReplicaSet': {
        const hash = pod.metadata.labels?.['pod-template-hash'];
        let ownerRefs: OwnerReference[] | undefined;
        if (hash && owner.name.endsWith(`-${hash}`)) {
          const deployment = owner.name.slice(0, -hash.length - 1);
          const uid = stableUid(`Deployment/${namespace}/${deployment}`);
          ownerRefs = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment, uid, controller: true, blockOwnerDeletion: true }];
          const { 'pod-template-hash': _hash, ...deploymentLabels } = labels;
          add({
            ...base('Deployment', 'apps/v1', deployment, uid),
            metadata: {
              name: deployment,
              namespace,
              uid,
              resourceVersion: '1',
              generation: 1,
              creationTimestamp: created,
              labels: deploymentLabels,
              annotations: { 'deployment.kubernetes.io/revision': '1' },
            },
            spec: {
              replicas,
              selector,
              template: { metadata: { labels: deploymentLabels }, spec: templateSpec(pod) },
              strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
              revisionHistoryLimit: 10,
              progressDeadlineSeconds: 600,
            },
            status: { observedGeneration: 1, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas },
          });
        }
        const rs = base('ReplicaSet', 'apps/v1', owner.name, owner.uid, ownerRefs);
        rs.metadata!.annotations = {
          'deployment.kubernetes.io/desired-replicas': String(replicas),
          'deployment.kubernetes.io/max-replicas': String(replicas + Math.ceil(replicas / 4)),
          'deployment.kubernetes.io/revision': '1',
        };
        add({
          ...rs,
          spec: { replicas, selector: { matchLabels: labels }, template },
          status: { replicas, fullyLabeledReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas, observedGeneration: 1 },
        });
        break;
      }
      case 'StatefulSet':
        add({
          ...base('StatefulSet', 'apps/v1', owner.name, owner.uid),
          spec: {
            replicas,
            selector,
            serviceName: owner.name,
            template,
            podManagementPolicy: 'OrderedReady',
            updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
          },
          status: {
            replicas,
            readyReplicas: replicas,
            currentReplicas: replicas,
            updatedReplicas: replicas,
            availableReplicas: replicas,
            observedGeneration: 1,
          },
        });
        break;
      case 'DaemonSet':
        add({
          ...base('DaemonSet', 'apps/v1', owner.name, owner.uid),
          spec: { selector, template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } },
          status: {
            currentNumberScheduled: replicas,
            desiredNumberScheduled: replicas,
            numberAvailable: replicas,
            numberMisscheduled: 0,
            numberReady: replicas,
            observedGeneration: 1,
            updatedNumberScheduled: replicas,
          },
        });
        break;
      case 'Job': {
        const cron = /^(.+)-(\d{8,10})$/.exec(owner.name);
        let ownerRefs: OwnerReference[] | undefined;
        if (cron) {
          const cronJob = cron[1]!;
          const uid = stableUid(`CronJob/${namespace}/${cronJob}`);
          ownerRefs = [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cronJob, uid, controller: true, blockOwnerDeletion: true }];
          add({
            ...base('CronJob', 'batch/v1', cronJob, uid),
            metadata: { name: cronJob, namespace, uid, resourceVersion: '1', generation: 1, creationTimestamp: created },
            spec: {
              schedule: '0 * * * *',
              concurrencyPolicy: 'Allow',
              suspend: false,
              successfulJobsHistoryLimit: 3,
              failedJobsHistoryLimit: 1,
              jobTemplate: {
                metadata: { creationTimestamp: null },
                spec: { template: { metadata: { creationTimestamp: null }, spec: templateSpec(pod) } },
              },
            },
            status: { lastScheduleTime: created },
          });
        }
        add({
          ...base('Job', 'batch/v1', owner.name, owner.uid, ownerRefs),
          spec: { parallelism: 1, completions: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, template },
          status: {
            ...(pod.status?.phase === 'Succeeded' ? { succeeded: replicas, completionTime: created } : { active: replicas }),
            startTime: created,
          },
        });
        break;
      }
      default:
        break;
    }
  }
  return [...out.values()];
}

function templateSpec(pod: Pod): Record<string, unknown> {
  const { nodeName: _node, ephemeralContainers: _ephemeral, ...spec } = pod.spec ?? {};
  return spec;
}

function namespaceObject(name: string, created: string): KubeObject {
  return {
    metadata: {
      name,
      uid: stableUid(`Namespace/${name}`),
      resourceVersion: '1',
      creationTimestamp: created,
      labels: { 'kubernetes.io/metadata.name': name },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

// ---------------------------------------------------------------------------------------------
// Selectors

type Matcher = (object: KubeObject, stored: Stored) => boolean;

function parseLabelSelector(text: string): Matcher | null {
  if (!text.trim()) return null;
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  const tests: ((labels: Record<string, string>) => boolean)[] = [];
  for (const raw of terms) {
    const term = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(term))) {
      const [, key, op, value] = m as unknown as [string, string, string, string];
      tests.push(op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value);
    } else if ((m = /^([\w./-]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term))) {
      const [, key, op, list] = m as unknown as [string, string, string, string];
      const values = new Set(list.split(',').map((v) => v.trim()));
      tests.push(op === 'in' ? (l) => l[key] !== undefined && values.has(l[key]) : (l) => l[key] === undefined || !values.has(l[key]));
    } else if ((m = /^!([\w./-]+)$/.exec(term))) {
      const key = m[1]!;
      tests.push((l) => !(key in l));
    } else if ((m = /^([\w./-]+)$/.exec(term))) {
      const key = m[1]!;
      tests.push((l) => key in l);
    } else {
      throw badRequest(`unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }
  return (object) => {
    const labels = object.metadata?.labels ?? {};
    return tests.every((t) => t(labels));
  };
}

function parseFieldSelector(text: string, def: ResourceDef): Matcher | null {
  if (!text.trim()) return null;
  const tests: Matcher[] = [];
  for (const raw of text.split(',')) {
    const m = /^\s*([\w.]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(raw);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${raw}'`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    let get: (o: KubeObject, s: Stored) => string;
    if (field === 'metadata.name') get = (_o, s) => s.name;
    else if (field === 'metadata.namespace' && def.namespaced) get = (_o, s) => s.namespace;
    else if (def.fields?.[field]) get = def.fields[field]!;
    else throw badRequest(`field label not supported: ${field}`);
    tests.push(op === '!=' ? (o, s) => get(o, s) !== value : (o, s) => get(o, s) === value);
  }
  return (o, s) => tests.every((t) => t(o, s));
}

// ---------------------------------------------------------------------------------------------
// Tables: the server-side printing kubectl asks for (pkg/printers/internalversion)

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    return days === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${days}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function since(timestamp: unknown): string {
  if (typeof timestamp !== 'string' || !timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(Date.now() - t);
}

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

const col = (name: string, type: string, description: string, priority = 0, format = ''): Column => ({
  name,
  type,
  format,
  description,
  priority,
});
const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the ' +
  'generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be ' +
  'updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const CREATED_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before ' +
  'order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. ' +
  'Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

const POD_COLUMNS: Column[] = [
  col('Name', 'string', NAME_DESCRIPTION, 0, 'name'),
  col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
  col('Status', 'string', 'The aggregate status of the containers in this pod.'),
  col(
    'Restarts',
    'string',
    'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
  ),
  col('Age', 'string', CREATED_DESCRIPTION),
  col('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
  col(
    'Node',
    'string',
    'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in ' +
      'schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be ' +
      'used to express a desire for the pod to be scheduled on a specific node. ' +
      'https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename',
    1,
  ),
  col(
    'Nominated Node',
    'string',
    'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims ' +
      'receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide ' +
      'to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a ' +
      'higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.',
    1,
  ),
  col(
    'Readiness Gates',
    'string',
    'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions ' +
      'specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates',
    1,
  ),
];

interface Row {
  cells: unknown[];
  conditions?: { type: string; status: string; reason: string; message: string }[];
}

/** printPod of pkg/printers/internalversion/printers.go (1.32). */
export function podRow(pod: Pod): Row {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = (spec.containers ?? []).length;
  let readyContainers = 0;
  let lastRestart = 0;
  let lastRestartableInitRestart = 0;
  const phase = status.phase ?? '';
  let reason = status.reason || phase;
  for (const condition of status.conditions ?? [])
    if (condition.type === 'PodScheduled' && condition.reason === 'SchedulingGated') reason = 'SchedulingGated';
  const row: Row = { cells: [] };
  if (phase === 'Succeeded')
    row.conditions = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
  if (phase === 'Failed') row.conditions = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

  const initContainers = new Map((spec.initContainers ?? []).map((c) => [c.name, c]));
  const restartable = (c: Container | undefined) => c?.restartPolicy === 'Always';
  for (const c of spec.initContainers ?? []) if (restartable(c)) totalContainers++;
  const finished = (s: ContainerStatus) => {
    const t = s.lastState?.terminated?.finishedAt;
    return t ? Date.parse(t) || 0 : 0;
  };

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i]!;
    restarts += c.restartCount ?? 0;
    lastRestart = Math.max(lastRestart, finished(c));
    if (restartable(initContainers.get(c.name))) {
      restartableInitRestarts += c.restartCount ?? 0;
      lastRestartableInitRestart = Math.max(lastRestartableInitRestart, finished(c));
    }
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (restartable(initContainers.get(c.name)) && c.started) {
      if (c.ready) readyContainers++;
      continue;
    }
    if (terminated)
      reason = terminated.reason
        ? `Init:${terminated.reason}`
        : terminated.signal
          ? `Init:Signal:${terminated.signal}`
          : `Init:ExitCode:${terminated.exitCode}`;
    else if (waiting?.reason && waiting.reason !== 'PodInitializing') reason = `Init:${waiting.reason}`;
    else reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    initializing = true;
    break;
  }

  const conditionTrue = (type: string) => (status.conditions ?? []).some((c) => c.type === type && c.status === 'True');
  if (!initializing || conditionTrue('Initialized')) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      restarts += c.restartCount ?? 0;
      lastRestart = Math.max(lastRestart, finished(c));
      const waiting = c.state?.waiting;
      const terminated = c.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated?.reason) reason = terminated.reason;
      else if (terminated) reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = conditionTrue('Ready') ? 'Running' : 'NotReady';
  }
  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  const restartsText =
    restarts !== 0 && lastRestart > 0 ? `${restarts} (${humanDuration(Date.now() - lastRestart)} ago)` : String(restarts);
  // The internal type's podIPs (conversion from v1 fills it from podIP when only that is set).
  const podIP = status.podIPs?.[0]?.ip || status.podIP || '<none>';
  const gates = spec.readinessGates ?? [];
  const gatesText = gates.length ? `${gates.filter((g) => conditionTrue(g.conditionType)).length}/${gates.length}` : '<none>';
  row.cells = [
    pod.metadata.name ?? '',
    `${readyContainers}/${totalContainers}`,
    reason,
    restartsText,
    since(pod.metadata.creationTimestamp),
    podIP,
    spec.nodeName || '<none>',
    status.nominatedNodeName || '<none>',
    gatesText,
  ];
  return row;
}

const VULN_COLUMNS: { column: Column; get: (o: KubeObject) => unknown; date?: boolean }[] = (() => {
  const report = (o: KubeObject) =>
    (o['report'] ?? {}) as {
      artifact?: { repository?: string; tag?: string };
      scanner?: { name?: string };
      summary?: Record<string, number>;
    };
  const count = (field: string) => (o: KubeObject) => report(o).summary?.[field] ?? null;
  return [
    { column: col('Repository', 'string', 'The name of image repository'), get: (o) => report(o).artifact?.repository ?? null },
    { column: col('Tag', 'string', 'The name of image tag'), get: (o) => report(o).artifact?.tag ?? null },
    { column: col('Scanner', 'string', 'The name of the vulnerability scanner'), get: (o) => report(o).scanner?.name ?? null },
    { column: col('Age', 'date', 'The age of the report'), get: (o) => o.metadata?.creationTimestamp ?? null, date: true },
    { column: col('Critical', 'integer', 'The number of critical vulnerabilities', 1), get: count('criticalCount') },
    { column: col('High', 'integer', 'The number of high vulnerabilities', 1), get: count('highCount') },
    { column: col('Medium', 'integer', 'The number of medium vulnerabilities', 1), get: count('mediumCount') },
    { column: col('Low', 'integer', 'The number of low vulnerabilities', 1), get: count('lowCount') },
    { column: col('Unknown', 'integer', 'The number of unknown vulnerabilities', 1), get: count('unknownCount') },
  ];
})();

function tableOf(def: ResourceDef, items: readonly Stored[]): { columns: Column[]; rows: Row[] } {
  switch (def.resource) {
    case 'pods':
      return { columns: POD_COLUMNS, rows: items.map((s) => podRow(s.object as Pod)) };
    case 'namespaces':
      return {
        columns: [
          col('Name', 'string', NAME_DESCRIPTION, 0, 'name'),
          col('Status', 'string', 'The status of the namespace'),
          col('Age', 'string', CREATED_DESCRIPTION),
        ],
        rows: items.map((s) => ({ cells: [s.name, str(podStatus(s.object)['phase']), since(s.object.metadata?.creationTimestamp)] })),
      };
    case 'vulnerabilityreports':
      return {
        columns: [col('Name', 'string', NAME_DESCRIPTION, 0, 'name'), ...VULN_COLUMNS.map((c) => c.column)],
        rows: items.map((s) => ({ cells: [s.name, ...VULN_COLUMNS.map((c) => (c.date ? since(c.get(s.object)) : c.get(s.object)))] })),
      };
    default:
      // The default table convertor (no printer registered here for the workload kinds).
      return {
        columns: [col('Name', 'string', NAME_DESCRIPTION, 0, 'name'), col('Created At', 'date', CREATED_DESCRIPTION)],
        rows: items.map((s) => ({ cells: [s.name, s.object.metadata?.creationTimestamp ?? null] })),
      };
  }
}

// ---------------------------------------------------------------------------------------------
// Content negotiation

type Representation =
  | { as: 'object' }
  | { as: 'table'; version: 'v1' | 'v1beta1' }
  | { as: 'metadata'; version: 'v1' | 'v1beta1' }
  | { as: 'discovery'; version: 'v2' | 'v2beta1' };

function negotiate(accept: string | undefined, allowed: 'resource' | 'discovery' | 'plain'): Representation | null {
  if (!accept?.trim()) return { as: 'object' };
  for (const clause of accept.split(',')) {
    const [type = '', ...paramParts] = clause.split(';').map((p) => p.trim());
    const params: Record<string, string> = {};
    for (const p of paramParts) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    }
    if (params['q'] === '0') continue;
    const jsonish = type === 'application/json' || type === '*/*' || type === 'application/*';
    if (!jsonish) continue;
    if (params['as'] === undefined) return { as: 'object' };
    if (allowed === 'resource' && params['g'] === 'meta.k8s.io' && (params['v'] === 'v1' || params['v'] === 'v1beta1')) {
      if (params['as'] === 'Table') return { as: 'table', version: params['v'] };
      if (params['as'] === 'PartialObjectMetadataList' || params['as'] === 'PartialObjectMetadata')
        return { as: 'metadata', version: params['v'] };
    }
    if (
      allowed === 'discovery' &&
      params['as'] === 'APIGroupDiscoveryList' &&
      params['g'] === 'apidiscovery.k8s.io' &&
      (params['v'] === 'v2' || params['v'] === 'v2beta1')
    )
      return { as: 'discovery', version: params['v'] };
  }
  return null;
}

const NOT_ACCEPTABLE = statusBody(
  406,
  'NotAcceptable',
  'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
);

// ---------------------------------------------------------------------------------------------
// The server

interface RequestInfo {
  isResource: boolean;
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

const DEFAULT_USER = 'system:serviceaccount:shipshape:scanner';
const GZIP_THRESHOLD = 128 * 1024;
const MAX_SNAPSHOTS = 20;
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  hookExit();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-k8s-'));
  liveDirs.add(dir);
  let tls: TlsMaterial;
  try {
    tls = await makeCertificates(dir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
    throw error;
  }

  const token = options.token ?? randomBytes(24).toString('base64url');
  const user = options.user ?? DEFAULT_USER;
  const operator = options.operator ?? true;
  const forbiddenNamespaces = new Set(options.forbiddenNamespaces ?? []);
  const version: VersionInfo = {
    major: '1',
    minor: '32',
    gitVersion: 'v1.32.4',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-04-22T00:00:00Z',
    goVersion: 'go1.23.8',
    compiler: 'gc',
    platform: 'linux/amd64',
    ...options.version,
  };
  const served = RESOURCES.filter((d) => operator || d.group !== OPERATOR_GROUP);
  const defs = new Map(served.map((d) => [`${d.group}/${d.version}/${d.resource}`, d]));
  const flowSchema = randomUUID();
  const priorityLevel = randomUUID();
  const created = new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

  // State
  let currentPods: readonly Pod[] = options.pods ?? [];
  let currentReports: readonly KubeObject[] = options.vulnerabilityReports ?? [];
  const snapshots: Snapshot[] = [];
  let compactedBelow = 0;
  const tokenIssued = new Map<string, number>();
  const seen: { -readonly [K in keyof ApiRequest]: ApiRequest[K] }[] = [];
  const faultCounts = new Map<string, number>();
  const hung = new Set<http.ServerResponse>();

  const maxObjectRv = (objects: readonly KubeObject[]) =>
    objects.reduce((max, o) => Math.max(max, Number(o.metadata?.resourceVersion) || 0), 0);
  const latest = (): Snapshot => snapshots[snapshots.length - 1]!;

  function rebuild(): void {
    const previous = snapshots.length ? latest().rv : 0;
    const rv = Math.max(previous + 1, maxObjectRv(currentPods) + 1, maxObjectRv(currentReports) + 1, 1000);
    const resources = new Map<string, readonly Stored[]>();
    const pods = currentPods.map((p) => (p.metadata.namespace ? p : { ...p, metadata: { ...p.metadata, namespace: 'default' } }));
    resources.set(resourceKey({ group: '', resource: 'pods' }), storeObjects(RESOURCES[0]!, pods));
    const namespaces = new Set([
      ...DEFAULT_NAMESPACES,
      ...(options.namespaces ?? []),
      ...forbiddenNamespaces,
      ...pods.map((p) => p.metadata.namespace!),
    ]);
    resources.set(
      resourceKey({ group: '', resource: 'namespaces' }),
      storeObjects(
        RESOURCES[1]!,
        [...namespaces].map((n) => namespaceObject(n, created)),
      ),
    );
    const workloads = new Map<string, KubeObject>();
    for (const w of [...workloadsFor(pods), ...(options.workloads ?? [])])
      workloads.set(`${w.kind}/${w.metadata?.namespace}/${w.metadata?.name}`, w);
    for (const def of RESOURCES) {
      if (def.group !== 'apps' && def.group !== 'batch') continue;
      resources.set(
        resourceKey(def),
        storeObjects(
          def,
          [...workloads.values()].filter((w) => w.kind === def.kind),
        ),
      );
    }
    const vulnDef = RESOURCES.find((d) => d.resource === 'vulnerabilityreports')!;
    resources.set(resourceKey(vulnDef), storeObjects(vulnDef, currentReports));
    snapshots.push({ rv, resources });
    // etcd compacts its history: keep the last MAX_SNAPSHOTS states (older continue tokens answer 410).
    if (snapshots.length > MAX_SNAPSHOTS) {
      snapshots.splice(0, snapshots.length - MAX_SNAPSHOTS);
      compactedBelow = snapshots[0]!.rv;
    }
  }
  rebuild();

  function snapshotAt(rv: number): Snapshot | undefined {
    for (let i = snapshots.length - 1; i >= 0; i--) if (snapshots[i]!.rv <= rv) return snapshots[i];
    return undefined;
  }

  function issue(token: string): string {
    tokenIssued.set(token, Date.now());
    return token;
  }

  // -------------------------------------------------------------------------------------------
  // Lists

  function list(
    def: ResourceDef,
    namespace: string,
    query: URLSearchParams,
    representation: Representation,
  ): { body: unknown; json?: string } {
    const cont = query.get('continue') ?? '';
    const rvParam = query.get('resourceVersion') ?? '';
    const rvMatch = query.get('resourceVersionMatch') ?? '';
    const limitText = query.get('limit') ?? '';
    let limit = 0;
    if (limitText) {
      if (!/^-?\d+$/.test(limitText)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(limitText)}: invalid syntax`);
      limit = Math.max(0, Number(limitText));
    }
    const labels = parseLabelSelector(query.get('labelSelector') ?? '');
    const fields = parseFieldSelector(query.get('fieldSelector') ?? '', def);
    if (rvMatch && rvMatch !== 'Exact' && rvMatch !== 'NotOlderThan')
      throw invalidListOptions(`resourceVersionMatch: Unsupported value: "${rvMatch}": supported values: "Exact", "NotOlderThan"`);
    if (rvMatch && cont)
      throw invalidListOptions('resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided');
    if (rvMatch && !rvParam)
      throw invalidListOptions('resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (rvMatch === 'Exact' && rvParam === '0')
      throw invalidListOptions('resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"');

    const prefix = def.namespaced && namespace ? `${namespace}/` : '';
    let snapshot = latest();
    let startKey = prefix;
    if (cont) {
      if (rvParam && rvParam !== '0') throw badRequest('specifying resource version is not allowed when using continue');
      const decoded = decodeContinue(cont);
      startKey = prefix + decoded.start;
      if (decoded.rv > 0) {
        const issuedAt = tokenIssued.get(cont);
        const timedOut =
          options.expireContinueAfterMs !== undefined && issuedAt !== undefined && Date.now() - issuedAt >= options.expireContinueAfterMs;
        if (decoded.rv < compactedBelow || timedOut) {
          if (options.inconsistentContinue === false) throw new ApiError(statusBody(410, 'Expired', CONTINUE_EXPIRED));
          throw new ApiError(
            statusBody(410, 'Expired', INCONSISTENT_CONTINUE, undefined, { continue: issue(encodeContinue(decoded.start, -1)) }),
          );
        }
        if (decoded.rv > latest().rv) throw new ApiError(statusBody(500, '', 'etcdserver: mvcc: required revision is a future revision'));
        snapshot = snapshotAt(decoded.rv) ?? latest();
      }
    } else if (rvParam === '0' && rvMatch !== 'Exact') {
      // Served from the watch cache, which (in 1.32) ignores the limit.
      limit = 0;
    } else if (rvParam) {
      if (!/^\d+$/.test(rvParam))
        throw badRequest(`invalid resource version: strconv.ParseUint: parsing ${JSON.stringify(rvParam)}: invalid syntax`);
      const wanted = Number(rvParam);
      if (wanted > latest().rv) {
        throw new ApiError(
          statusBody(504, 'Timeout', `Too large resource version: ${wanted}, current: ${latest().rv}`, {
            causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
            retryAfterSeconds: 1,
          }),
        );
      }
      // Exact (explicitly, or the legacy meaning of resourceVersion with a limit): that snapshot.
      if (rvMatch === 'Exact' || (limit > 0 && !rvMatch)) {
        if (wanted < compactedBelow) throw new ApiError(statusBody(410, 'Expired', LIST_EXPIRED));
        snapshot = snapshotAt(wanted) ?? latest();
      }
    }

    const items = snapshot.resources.get(resourceKey(def)) ?? [];
    let lo = 0;
    let hi = items.length;
    if (prefix) {
      lo = lowerBound(items, prefix, 0, items.length);
      hi = lowerBound(items, `${namespace}0`, lo, items.length); // '0' is the character after '/'
    }
    let i = lowerBound(items, startKey, lo, hi);
    const start = i;
    const out: Stored[] = [];
    while (i < hi && (limit === 0 || out.length < limit)) {
      const s = items[i]!;
      if ((!labels || labels(s.object, s)) && (!fields || fields(s.object, s))) out.push(s);
      i++;
    }
    const metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number } = { resourceVersion: String(snapshot.rv) };
    if (limit > 0 && i < hi && out.length === limit) {
      const last = items[i - 1]!;
      metadata.continue = issue(encodeContinue(`${last.key.slice(prefix.length)}\u0000`, snapshot.rv));
      if (!labels && !fields) metadata.remainingItemCount = hi - start - limit;
    }

    if (representation.as === 'table') {
      const includeObject = query.get('includeObject') ?? 'Metadata';
      const { columns, rows } = tableOf(def, out);
      const objects = out.map((s) =>
        includeObject === 'Object'
          ? { apiVersion: groupVersion(def), kind: def.kind, ...s.object }
          : includeObject === 'None'
            ? undefined
            : { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${representation.version}`, metadata: s.object.metadata ?? {} },
      );
      return {
        body: {
          kind: 'Table',
          apiVersion: `meta.k8s.io/${representation.version}`,
          metadata,
          columnDefinitions: columns,
          rows: rows.map((r, n) => ({ ...r, ...(objects[n] !== undefined && { object: objects[n] }) })),
        },
      };
    }
    if (representation.as === 'metadata') {
      return {
        body: {
          kind: 'PartialObjectMetadataList',
          apiVersion: `meta.k8s.io/${representation.version}`,
          metadata,
          items: out.map((s) => ({
            kind: 'PartialObjectMetadata',
            apiVersion: `meta.k8s.io/${representation.version}`,
            metadata: s.object.metadata ?? {},
          })),
        },
      };
    }
    // The list, written by hand around the stored JSON of each item (5,000 pods without re-serialising them).
    const head = JSON.stringify({ kind: `${def.kind}List`, apiVersion: groupVersion(def), metadata });
    return { body: undefined, json: `${head.slice(0, -1)},"items":[${out.map((s) => s.json).join(',')}]}` };
  }

  function invalidListOptions(detail: string): ApiError {
    const [field = '', ...rest] = detail.split(': ');
    const message = rest.join(': ');
    return new ApiError(
      statusBody(422, 'Invalid', `ListOptions.meta.k8s.io "" is invalid: ${detail}`, {
        group: 'meta.k8s.io',
        kind: 'ListOptions',
        causes: [{ reason: 'FieldValueForbidden', message, field }],
      }),
    );
  }

  function getOne(def: ResourceDef, namespace: string, name: string, representation: Representation): unknown {
    const items = latest().resources.get(resourceKey(def)) ?? [];
    const key = def.namespaced ? `${namespace}/${name}` : name;
    const i = lowerBound(items, key, 0, items.length);
    const found = items[i]?.key === key ? items[i] : undefined;
    if (!found)
      throw new ApiError(
        statusBody(404, 'NotFound', `${qualified(def)} "${name}" not found`, {
          name,
          ...(def.group && { group: def.group }),
          kind: def.resource,
        }),
      );
    if (representation.as === 'table') {
      const { columns, rows } = tableOf(def, [found]);
      return {
        kind: 'Table',
        apiVersion: `meta.k8s.io/${representation.version}`,
        metadata: { resourceVersion: found.object.metadata?.resourceVersion ?? '' },
        columnDefinitions: columns,
        rows: rows.map((r) => ({
          ...r,
          object: {
            kind: 'PartialObjectMetadata',
            apiVersion: `meta.k8s.io/${representation.version}`,
            metadata: found.object.metadata ?? {},
          },
        })),
      };
    }
    if (representation.as === 'metadata')
      return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${representation.version}`, metadata: found.object.metadata ?? {} };
    return { kind: def.kind, apiVersion: groupVersion(def), ...found.object };
  }

  // -------------------------------------------------------------------------------------------
  // Discovery

  const groups = (): { group: string; version: string; defs: ResourceDef[] }[] => {
    const out: { group: string; version: string; defs: ResourceDef[] }[] = [];
    for (const def of served) {
      let entry = out.find((g) => g.group === def.group && g.version === def.version);
      if (!entry) out.push((entry = { group: def.group, version: def.version, defs: [] }));
      entry.defs.push(def);
    }
    return out;
  };

  function aggregated(legacy: boolean, version: 'v2' | 'v2beta1'): unknown {
    const items = groups()
      .filter((g) => (g.group === '') === legacy)
      .map((g) => ({
        metadata: { ...(g.group && { name: g.group }), creationTimestamp: null },
        versions: [
          {
            version: g.version,
            resources: g.defs.map((d) => ({
              resource: d.resource,
              responseKind: { group: d.group, version: d.version, kind: d.kind },
              scope: d.namespaced ? 'Namespaced' : 'Cluster',
              singularResource: d.singular,
              verbs: d.verbs,
              ...(d.shortNames && { shortNames: d.shortNames }),
              ...(d.categories && { categories: d.categories }),
              ...(d.subresources && {
                subresources: d.subresources.map((s) => ({
                  subresource: s.name,
                  responseKind: { group: s.group ?? d.group, version: s.version ?? (s.group ? 'v1' : d.version), kind: s.kind },
                  verbs: s.verbs,
                })),
              }),
            })),
            freshness: 'Current',
          },
        ],
      }));
    return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
  }

  function resourceList(group: string, version: string): unknown {
    const g = groups().find((x) => x.group === group && x.version === version);
    if (!g) return undefined;
    const resources: unknown[] = [];
    for (const d of g.defs) {
      resources.push({
        name: d.resource,
        singularName: d.singular,
        namespaced: d.namespaced,
        kind: d.kind,
        verbs: d.verbs,
        ...(d.shortNames && { shortNames: d.shortNames }),
        ...(d.categories && { categories: d.categories }),
        ...(d.storageVersionHash && { storageVersionHash: d.storageVersionHash }),
      });
      for (const s of d.subresources ?? [])
        resources.push({
          name: `${d.resource}/${s.name}`,
          singularName: '',
          namespaced: d.namespaced,
          ...(s.group && { group: s.group, version: s.version ?? 'v1' }),
          kind: s.kind,
          verbs: s.verbs,
        });
    }
    return group
      ? { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/${version}`, resources }
      : { kind: 'APIResourceList', groupVersion: version, resources };
  }

  const apiGroup = (group: string) => {
    const g = groups().find((x) => x.group === group);
    if (!g) return undefined;
    const gv = { groupVersion: `${g.group}/${g.version}`, version: g.version };
    return { name: g.group, versions: [gv], preferredVersion: gv };
  };

  // -------------------------------------------------------------------------------------------
  // Requests

  function requestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo | null {
    const parts = pathname.split('/').filter(Boolean);
    let group = '';
    let version: string;
    let rest: string[];
    if (parts[0] === 'api' && parts.length >= 3) {
      version = parts[1]!;
      rest = parts.slice(2);
    } else if (parts[0] === 'apis' && parts.length >= 4) {
      group = parts[1]!;
      version = parts[2]!;
      rest = parts.slice(3);
    } else return null;
    let namespace = '';
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1]!;
      rest = rest.slice(2);
    } else if (rest[0] === 'namespaces' && rest.length === 2) {
      namespace = rest[1]!; // GET /api/v1/namespaces/{name}: the namespace is its own namespace, as RequestInfo says
    }
    const [resource = '', name = '', subresource = '', ...extra] = rest;
    if (extra.length && subresource !== 'proxy') return null;
    const watch = query.get('watch') === 'true' || query.get('watch') === '1';
    const verbs: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: name ? 'delete' : 'deletecollection' };
    const verb =
      method === 'GET' || method === 'HEAD' ? (name ? 'get' : watch ? 'watch' : 'list') : (verbs[method] ?? method.toLowerCase());
    return { isResource: true, verb, group, version, resource, subresource, namespace, name };
  }

  function authorized(attributes: Attributes, def: ResourceDef | undefined): boolean {
    if (attributes.user === 'system:anonymous') return !attributes.isResourceRequest && PUBLIC_PATHS.has(attributes.path);
    if (!attributes.isResourceRequest) return attributes.verb === 'get';
    if (!['get', 'list', 'watch'].includes(attributes.verb)) return false; // a read-only scanner
    if (attributes.namespace && forbiddenNamespaces.has(attributes.namespace) && attributes.resource !== 'namespaces') return false;
    if (attributes.resource === 'namespaces' && options.namespacesForbidden) return false;
    if (!attributes.namespace && def?.namespaced && options.clusterWideForbidden) return false;
    return options.authorize ? options.authorize(attributes) : true;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, entry: (typeof seen)[number]): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const pathname = url.pathname;
    const method = req.method ?? 'GET';
    const acceptEncoding = String(req.headers['accept-encoding'] ?? '');
    if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
    const fault = options.fault?.({
      path: pathname,
      query: Object.fromEntries(url.searchParams),
      seen: (faultCounts.get(pathname) ?? 0) + 1,
    });
    faultCounts.set(pathname, (faultCounts.get(pathname) ?? 0) + 1);
    if (fault === 'drop') {
      entry.status = -1;
      req.socket.destroy();
      return;
    }
    if (fault === 'hang') {
      entry.status = -1;
      hung.add(res);
      return;
    }
    if (fault === 'error') {
      entry.status = 500;
      const body = JSON.stringify(statusBody(500, 'InternalError', 'Internal error occurred: etcdserver: request timed out'));
      res.writeHead(500, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
      res.end(body);
      return;
    }
    if (fault === 'truncate') {
      entry.status = -1;
      const body = JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] }).repeat(20);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
      res.write(body.slice(0, body.length / 2), () => req.socket.destroy());
      return;
    }

    const send = async (status: number, body: unknown, contentType = 'application/json', json?: string) => {
      let data: Buffer = Buffer.from(
        json ?? (typeof body === 'string' && contentType.startsWith('text/') ? body : JSON.stringify(body)),
        'utf8',
      );
      const headers: Record<string, string> = {
        'Audit-Id': randomUUID(),
        'Cache-Control': 'no-cache, private',
        'Content-Type': contentType,
        'X-Kubernetes-Pf-Flowschema-Uid': flowSchema,
        'X-Kubernetes-Pf-Prioritylevel-Uid': priorityLevel,
      };
      if (data.length > GZIP_THRESHOLD && /\bgzip\b/.test(acceptEncoding)) {
        data = await new Promise<Buffer>((resolve, reject) =>
          gzip(data, { level: 1 }, (error, out) => (error ? reject(error) : resolve(out))),
        );
        headers['Content-Encoding'] = 'gzip';
        headers['Vary'] = 'Accept-Encoding';
      }
      headers['Content-Length'] = String(data.length);
      entry.status = status;
      if (res.destroyed) return;
      res.writeHead(status, headers);
      res.end(method === 'HEAD' ? undefined : data);
    };
    const sendStatus = (body: StatusBody) => send(body.code, body);

    // Authentication
    const authorization = req.headers.authorization;
    let who: string | null = null;
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (match && match[1] === token) who = user;
    } else if (options.anonymousAuth) {
      who = 'system:anonymous';
    }
    if (who === null) return sendStatus(UNAUTHORIZED);
    entry.user = who;

    // Authorization
    const info = requestInfo(method, pathname, url.searchParams);
    const def = info ? defs.get(`${info.group}/${info.version}/${info.resource}`) : undefined;
    const attributes: Attributes = info
      ? {
          user: who,
          verb: info.verb,
          group: info.group,
          resource: info.resource,
          namespace: info.namespace,
          name: info.name,
          path: pathname,
          isResourceRequest: true,
        }
      : {
          user: who,
          verb: method === 'GET' || method === 'HEAD' ? 'get' : method === 'POST' ? 'post' : method.toLowerCase(),
          group: '',
          resource: '',
          namespace: '',
          name: '',
          path: pathname,
          isResourceRequest: false,
        };
    if (!authorized(attributes, def)) return sendStatus(forbiddenStatus(attributes, def));

    // Non-resource paths
    if (!info) {
      switch (pathname.replace(/\/$/, '') || '/') {
        case '/version':
          return send(200, version);
        case '/healthz':
        case '/livez':
        case '/readyz':
          return send(200, 'ok', 'text/plain; charset=utf-8');
        case '/api': {
          const rep = negotiate(options.aggregatedDiscovery === false ? 'application/json' : req.headers.accept, 'discovery');
          if (!rep) return sendStatus(NOT_ACCEPTABLE);
          if (rep.as === 'discovery')
            return send(
              200,
              aggregated(true, rep.version),
              `application/json;g=apidiscovery.k8s.io;v=${rep.version};as=APIGroupDiscoveryList`,
            );
          return send(200, {
            kind: 'APIVersions',
            versions: ['v1'],
            serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}` }],
          });
        }
        case '/apis': {
          const rep = negotiate(options.aggregatedDiscovery === false ? 'application/json' : req.headers.accept, 'discovery');
          if (!rep) return sendStatus(NOT_ACCEPTABLE);
          if (rep.as === 'discovery')
            return send(
              200,
              aggregated(false, rep.version),
              `application/json;g=apidiscovery.k8s.io;v=${rep.version};as=APIGroupDiscoveryList`,
            );
          return send(200, {
            kind: 'APIGroupList',
            apiVersion: 'v1',
            groups: groups()
              .filter((g) => g.group)
              .map((g) => apiGroup(g.group)),
          });
        }
        case '/api/v1': {
          return send(200, resourceList('', 'v1'));
        }
        default: {
          const parts = pathname.split('/').filter(Boolean);
          if (parts[0] === 'apis' && parts.length === 2) {
            const g = apiGroup(parts[1]!);
            if (g) return send(200, { kind: 'APIGroup', apiVersion: 'v1', ...g });
          }
          if (parts[0] === 'apis' && parts.length === 3) {
            const list = resourceList(parts[1]!, parts[2]!);
            if (list) return send(200, list);
          }
          return sendStatus(NOT_FOUND_PATH);
        }
      }
    }

    // Resources
    if (!def) return sendStatus(NOT_FOUND_PATH);
    if (info.subresource) return sendStatus(NOT_FOUND_PATH);
    if (info.verb === 'watch') return sendStatus(statusBody(405, 'MethodNotAllowed', 'watch is not served by this test API server', {}));
    if (info.verb !== 'get' && info.verb !== 'list')
      return sendStatus(statusBody(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {}));
    const representation = negotiate(req.headers.accept, 'resource');
    if (!representation) return sendStatus(NOT_ACCEPTABLE);
    const tableType = (r: Representation) =>
      r.as === 'table'
        ? `application/json;as=Table;v=${r.version};g=meta.k8s.io`
        : r.as === 'metadata'
          ? `application/json;as=PartialObjectMetadata${info.verb === 'list' ? 'List' : ''};v=${r.version};g=meta.k8s.io`
          : 'application/json';
    try {
      if (info.verb === 'get') {
        if (def.resource === 'namespaces') return send(200, getOne(def, '', info.name, representation), tableType(representation));
        return send(200, getOne(def, info.namespace, info.name, representation), tableType(representation));
      }
      const { body, json } = list(def, def.namespaced ? info.namespace : '', url.searchParams, representation);
      return send(200, body, tableType(representation), json);
    } catch (error) {
      if (error instanceof ApiError) return sendStatus(error.body);
      throw error;
    }
  }

  const server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const entry = {
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      auth: req.headers.authorization !== undefined,
      user: null as string | null,
      status: 0,
      accept: String(req.headers.accept ?? ''),
      userAgent: String(req.headers['user-agent'] ?? ''),
      time: Date.now(),
    };
    seen.push(entry);
    req.resume();
    handle(req, res, entry).catch((error: unknown) => {
      entry.status = 500;
      if (!res.headersSent) {
        const body = JSON.stringify(
          statusBody(500, 'InternalError', `Internal error occurred: ${(error as Error).message}`, {
            causes: [{ message: (error as Error).message }],
          }),
        );
        res.writeHead(500, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
        res.end(body);
      } else res.destroy();
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
  server.unref();

  let stopped = false;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    caFile: tls.caFile,
    caPem: tls.caPem,
    token,
    user,
    requests: () => seen.map((r) => ({ ...r, query: { ...r.query } })),
    clearRequests: () => {
      seen.length = 0;
    },
    setPods(pods) {
      currentPods = [...pods];
      rebuild();
    },
    setVulnerabilityReports(reports) {
      currentReports = [...reports];
      rebuild();
    },
    pods: () => (latest().resources.get('/pods') ?? []).map((s) => JSON.parse(s.json) as Pod),
    resourceVersion: () => String(latest().rv),
    expireContinueTokens() {
      // As if the cluster moved on and etcd compacted up to now: every token issued so far is too old.
      const rv = latest().rv + 1;
      snapshots.push({ rv, resources: latest().resources });
      compactedBelow = rv;
      snapshots.splice(0, snapshots.length - 1);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      rmSync(dir, { recursive: true, force: true });
      liveDirs.delete(dir);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// kubeconfig

export interface ExecConfig {
  apiVersion?: string;
  command: string;
  args?: string[];
  env?: { name: string; value: string }[];
  interactiveMode?: 'Never' | 'IfAvailable' | 'Always';
  provideClusterInfo?: boolean;
}

export interface KubeconfigContext {
  name: string;
  /** Default: the server's URL. */
  server?: string;
  /** Default: the server's token. null: no credentials at all. */
  token?: string | null;
  /** An exec credential plugin instead of a token. */
  exec?: ExecConfig;
  namespace?: string;
  /** Whether the CA data is written (default true); false leaves the client to its system roots (which do not trust this CA). */
  ca?: boolean;
}

export interface KubeconfigOptions {
  /** Contexts besides the server's own (named `shipshape-test`). */
  contexts?: readonly KubeconfigContext[];
  /** Default `shipshape-test`. */
  currentContext?: string;
  /** The main context's namespace. */
  namespace?: string;
  /** Where to write; default a new file in the server's folder (removed by stop()). */
  file?: string;
}

export const MAIN_CONTEXT = 'shipshape-test';
let kubeconfigCount = 0;

/** Writes a kubeconfig (YAML, mode 0600) for the server and returns its path. */
export function writeKubeconfig(server: ApiServer, options: KubeconfigOptions = {}): string {
  const contexts: KubeconfigContext[] = [
    { name: MAIN_CONTEXT, ...(options.namespace !== undefined && { namespace: options.namespace }) },
    ...(options.contexts ?? []),
  ];
  const caData = Buffer.from(server.caPem).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: contexts.map((c) => ({
      name: c.name,
      cluster: { server: c.server ?? server.url, ...(c.ca !== false && { 'certificate-authority-data': caData }) },
    })),
    users: contexts.map((c) => ({
      name: c.name,
      user: c.exec
        ? { exec: { apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never', ...c.exec } }
        : c.token === null
          ? {}
          : { token: c.token ?? server.token },
    })),
    contexts: contexts.map((c) => ({
      name: c.name,
      context: { cluster: c.name, user: c.name, ...(c.namespace !== undefined && { namespace: c.namespace }) },
    })),
    'current-context': options.currentContext ?? MAIN_CONTEXT,
  };
  const file = options.file ?? path.join(path.dirname(server.caFile), `kubeconfig-${++kubeconfigCount}.yaml`);
  writeFileSync(file, toYaml(config), { mode: 0o600 });
  return file;
}

/** One context of a kubeconfig over several servers: its own server (CA and token), or a URL on which nothing answers. */
export interface ClusterContext {
  name: string;
  server: ApiServer;
  /** Instead of the server's URL (e.g. unreachableServer()); its CA is still written. */
  url?: string;
  /** Default: the server's token. */
  token?: string;
}

/**
 * Writes a kubeconfig (YAML, mode 0600) with one context per server, each with that server's own
 * CA and token (writeKubeconfig gives every context the first server's CA), and returns its path.
 */
export function writeClustersKubeconfig(
  contexts: readonly ClusterContext[],
  options: { currentContext?: string; file?: string } = {},
): string {
  const first = contexts[0];
  if (!first) throw new Error('writeClustersKubeconfig: no contexts');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: contexts.map((c) => ({
      name: c.name,
      cluster: { server: c.url ?? c.server.url, 'certificate-authority-data': Buffer.from(c.server.caPem).toString('base64') },
    })),
    users: contexts.map((c) => ({ name: c.name, user: { token: c.token ?? c.server.token } })),
    contexts: contexts.map((c) => ({ name: c.name, context: { cluster: c.name, user: c.name } })),
    'current-context': options.currentContext ?? first.name,
  };
  const file = options.file ?? path.join(path.dirname(first.server.caFile), `kubeconfig-${++kubeconfigCount}.yaml`);
  writeFileSync(file, toYaml(config), { mode: 0o600 });
  return file;
}

/** An exec credential plugin (client.authentication.k8s.io/v1) that fails: prints `message` on stderr and exits 1. */
export function failingExecPlugin(message = 'error: the refresh token has expired; log in again'): ExecConfig {
  return {
    apiVersion: 'client.authentication.k8s.io/v1',
    command: process.execPath,
    args: ['-e', `process.stderr.write(${JSON.stringify(`${message}\n`)}); process.exit(1)`],
    interactiveMode: 'Never',
  };
}

/** An exec credential plugin that succeeds with this token (an ExecCredential on stdout). */
export function execPlugin(token: string): ExecConfig {
  const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token } };
  return {
    apiVersion: 'client.authentication.k8s.io/v1',
    command: process.execPath,
    args: ['-e', `process.stdout.write(${JSON.stringify(JSON.stringify(credential))})`],
    interactiveMode: 'Never',
  };
}

// ---------------------------------------------------------------------------------------------
// Pods from the corpus

/**
 * The real pods of the test corpus (test/corpus/k8s-api), read in place: the PodList items of
 * `datadog-agent--podlist_1.8-2.json` (kubelet, k8s 1.8, Docker) and the Pod of
 * `k9s--internal-render-testdata-po_sidecar.json` (kind, containerd, CRLF).
 */
export function corpusPods(): Pod[] {
  const list = JSON.parse(readFileSync(path.join(K8S_CORPUS, 'datadog-agent--podlist_1.8-2.json'), 'utf8')) as { items: Pod[] };
  const pod = JSON.parse(readFileSync(path.join(K8S_CORPUS, 'k9s--internal-render-testdata-po_sidecar.json'), 'utf8')) as Pod;
  return [...list.items, pod];
}

// ---------------------------------------------------------------------------------------------
// Image references and what the kubelet reports for them

export interface ParsedImage {
  /** `docker.io`, `ghcr.io`, `registry.internal:5000` */
  domain: string;
  /** `library/nginx`, `team/app` */
  path: string;
  tag?: string;
  digest?: string;
}

/** Docker's reference normalisation (distribution/reference ParseNormalizedNamed), enough for test images. */
export function parseImage(image: string): ParsedImage {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  let domain = 'docker.io';
  let repoPath = rest;
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    domain = first === 'index.docker.io' ? 'docker.io' : first;
    repoPath = rest.slice(slash + 1);
  }
  if (domain === 'docker.io' && !repoPath.includes('/')) repoPath = `library/${repoPath}`;
  return { domain, path: repoPath, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/** `nginx`, `bitnami/redis`, `ghcr.io/team/app`: the familiar repository, as Docker prints it. */
export function familiarRepository(image: ParsedImage): string {
  if (image.domain !== 'docker.io') return `${image.domain}/${image.path}`;
  return image.path.startsWith('library/') ? image.path.slice('library/'.length) : image.path;
}

export type Runtime = 'containerd' | 'docker';

/**
 * What the kubelet reports in a container status for a spec image that ran from this digest:
 * containerd (CRI): `image: docker.io/library/nginx:1.27`, `imageID: docker.io/library/nginx@sha256:…`;
 * Docker (dockershim / cri-dockerd): `image: nginx:1.27`, `imageID: docker-pullable://nginx@sha256:…`.
 * An image without a tag reports `:latest`; one pinned by digest reports the digest (a tag next to it is dropped).
 */
export function kubeletImageStatus(specImage: string, runtime: Runtime, digest: string): { image: string; imageID: string } {
  const parsed = parseImage(specImage);
  const repository = runtime === 'docker' ? familiarRepository(parsed) : `${parsed.domain}/${parsed.path}`;
  const image = parsed.digest ? `${repository}@${parsed.digest}` : `${repository}:${parsed.tag ?? 'latest'}`;
  const imageID = `${runtime === 'docker' ? 'docker-pullable://' : ''}${repository}@${parsed.digest ?? digest}`;
  return { image, imageID };
}

// ---------------------------------------------------------------------------------------------
// Generated pods

export interface GenerateOptions {
  count: number;
  /** How many different spec images (the strings in `image:`) the pods use, at most (fewer only when the pods have fewer containers than that). */
  distinctImages: number;
  /** How many namespaces, or their names. */
  namespaces: number | readonly string[];
  seed: number | string;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');
/** The digest a generated image resolves to (the same for the same reference, whatever the seed). */
export function generatedDigest(image: string, variant = ''): string {
  const p = parseImage(image);
  return p.digest ?? `sha256:${sha256Hex(`shipshape-test-image|${p.domain}/${p.path}:${p.tag ?? 'latest'}${variant}`)}`;
}

const APPS = [
  'api',
  'web',
  'frontend',
  'checkout',
  'payments',
  'orders',
  'cart',
  'catalog',
  'search',
  'auth',
  'users',
  'billing',
  'invoices',
  'notifications',
  'email',
  'gateway',
  'ingest',
  'worker',
  'scheduler',
  'reports',
  'analytics',
  'recommendations',
  'inventory',
  'shipping',
  'pricing',
  'ledger',
  'profile',
  'media',
  'thumbnails',
  'webhooks',
  'audit',
  'export',
  'import',
  'sync',
  'feeds',
  'chat',
  'graphql',
  'admin',
  'portal',
  'docs',
];
const SUFFIXES = ['', '', '', '-service', '-api', '-worker', '-consumer', '-backend', '-v2', '-internal'];
const NAMESPACE_NAMES = [
  'default',
  'kube-system',
  'payments',
  'checkout',
  'platform',
  'monitoring',
  'logging',
  'ingress-nginx',
  'cert-manager',
  'data',
  'search',
  'identity',
  'web',
  'batch',
  'ml',
  'internal-tools',
  'staging',
  'team-a',
  'team-b',
  'team-c',
];
const HUB_OFFICIAL: [string, string[]][] = [
  ['nginx', ['1.25.5', '1.26.2', '1.27.3', '1.27-alpine', 'stable', 'mainline']],
  ['redis', ['7.2.6', '7.4.1', '7-alpine', '6.2']],
  ['postgres', ['15.10', '16.6', '17.2', '16-alpine']],
  ['mysql', ['8.0.40', '8.4.3']],
  ['mongo', ['6.0.19', '7.0.15']],
  ['rabbitmq', ['3.13-management', '4.0.4']],
  ['memcached', ['1.6.32', '1.6-alpine']],
  ['busybox', ['1.36', '1.37', 'stable']],
  ['alpine', ['3.19', '3.20', '3.21']],
  ['python', ['3.12-slim', '3.13-slim', '3.11-slim-bookworm']],
  ['node', ['20-alpine', '22-slim', '18.20.5']],
  ['traefik', ['v3.2', 'v2.11']],
  ['haproxy', ['3.0', '2.8-alpine']],
  ['httpd', ['2.4.62', '2.4-alpine']],
  ['elasticsearch', ['8.16.1', '7.17.26']],
];
const HUB_ORGS: [string, string[]][] = [
  ['bitnami/redis', ['7.2.5', '7.4.1-debian-12-r2']],
  ['bitnami/postgresql', ['16.4.0', '17.2.0']],
  ['bitnami/kafka', ['3.8.1', '3.9.0']],
  ['grafana/grafana', ['11.3.0', '11.4.0', '10.4.12']],
  ['grafana/loki', ['3.3.1', '2.9.10']],
  ['prom/prometheus', ['v2.55.1', 'v3.0.1']],
  ['prom/alertmanager', ['v0.27.0']],
  ['envoyproxy/envoy', ['v1.31.3', 'v1.32.2']],
  ['istio/proxyv2', ['1.23.3', '1.24.1']],
  ['fluent/fluent-bit', ['3.2.2', '2.2.3']],
  ['hashicorp/vault', ['1.18.2']],
  ['curlimages/curl', ['8.11.0']],
];
const OTHER_REGISTRIES: [string, string[]][] = [
  ['registry.k8s.io/kube-proxy', ['v1.30.6', 'v1.31.3', 'v1.32.0']],
  ['registry.k8s.io/coredns/coredns', ['v1.11.3', 'v1.11.1']],
  ['registry.k8s.io/pause', ['3.9', '3.10']],
  ['registry.k8s.io/metrics-server/metrics-server', ['v0.7.2']],
  ['registry.k8s.io/ingress-nginx/controller', ['v1.11.3', 'v1.12.0']],
  ['quay.io/prometheus/node-exporter', ['v1.8.2']],
  ['quay.io/jetstack/cert-manager-controller', ['v1.16.2', 'v1.15.4']],
  ['quay.io/jetstack/cert-manager-webhook', ['v1.16.2']],
  ['quay.io/cilium/cilium', ['v1.16.4']],
  ['quay.io/argoproj/argocd', ['v2.13.2']],
  ['gcr.io/distroless/static-debian12', ['nonroot', 'latest']],
  ['ghcr.io/fluxcd/source-controller', ['v1.4.1']],
  ['ghcr.io/external-secrets/external-secrets', ['v0.11.0']],
  ['public.ecr.aws/aws-observability/aws-for-fluent-bit', ['2.32.4']],
  ['mcr.microsoft.com/dotnet/aspnet', ['8.0', '9.0']],
];
const PRIVATE_REGISTRIES = [
  '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  'ghcr.io/acme',
  'registry.gitlab.com/acme/platform',
  'acme.azurecr.io',
  'europe-docker.pkg.dev/acme-prod/apps',
  'registry.internal:5000',
  'harbor.acme.dev/prod',
];
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * Realistic pods, the same for the same options: Deployments (ReplicaSet owners with
 * `pod-template-hash`), StatefulSets, DaemonSets, CronJobs' Jobs, bare Jobs, bare ReplicaSets and
 * bare pods; containers, init containers (some native sidecars) and now and then an ephemeral
 * debug container; nodes running containerd (most) or Docker, whose container statuses pair each
 * spec image with its imageID as the kubelet does (kubeletImageStatus); some Pending pods with no
 * container statuses (unschedulable), some in ImagePullBackOff (imageID ""), some CrashLoopBackOff,
 * and completed Job pods. A `latest` (or untagged) image may report another digest on half of the
 * nodes, as when a mutable tag moved between pulls; a few tags share one digest (aliases).
 */
export function generatePods(options: GenerateOptions): Pod[] {
  const seedNumber = typeof options.seed === 'number' ? options.seed : parseInt(sha256Hex(options.seed).slice(0, 8), 16);
  const rand = mulberry32(seedNumber ^ 0x5eed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const chance = (p: number) => rand() < p;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const suffix = (n: number) => Array.from({ length: n }, () => ALPHANUMS[Math.floor(rand() * ALPHANUMS.length)]).join('');
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  const uid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(rand() * 4)]}${hex(3)}-${hex(12)}`;

  // Namespaces
  const namespaces: string[] =
    typeof options.namespaces === 'number'
      ? Array.from({ length: Math.max(1, options.namespaces) }, (_, i) => NAMESPACE_NAMES[i] ?? `team-${i + 1}`)
      : [...options.namespaces];
  if (!namespaces.length) namespaces.push('default');

  // Nodes: most run containerd; every fifth an older Docker node.
  const nodeCount = Math.max(3, Math.ceil(options.count / 40));
  const nodes = Array.from({ length: nodeCount }, (_, i) => {
    const runtime: Runtime = i % 5 === 4 ? 'docker' : 'containerd';
    const ip = `10.0.${Math.floor(i / 200) + 1}.${(i % 200) + 10}`;
    const name =
      runtime === 'docker' ? `ip-${ip.replace(/\./g, '-')}.eu-west-1.compute.internal` : `gke-prod-default-pool-${hex(8)}-${suffix(4)}`;
    return { name, ip, runtime, index: i };
  });

  // Images: distinct spec strings.
  const pool: string[] = [];
  const poolSet = new Set<string>();
  const aliases = new Map<string, string>(); // image → image whose digest it shares
  const addImage = (image: string) => {
    if (poolSet.has(image)) return false;
    poolSet.add(image);
    pool.push(image);
    return true;
  };
  let attempts = 0;
  while (pool.length < options.distinctImages && attempts < options.distinctImages * 50) {
    attempts++;
    const r = rand();
    let image: string;
    if (r < 0.3) {
      const [repo, tags] = pick(HUB_OFFICIAL);
      const t = rand();
      image =
        t < 0.06 ? repo : t < 0.12 ? `${repo}:latest` : t < 0.17 ? `docker.io/library/${repo}:${pick(tags)}` : `${repo}:${pick(tags)}`;
    } else if (r < 0.45) {
      const [repo, tags] = pick(HUB_ORGS);
      image = `${repo}:${pick(tags)}`;
    } else if (r < 0.6) {
      const [repo, tags] = pick(OTHER_REGISTRIES);
      image = `${repo}:${pick(tags)}`;
    } else {
      const registry = pick(PRIVATE_REGISTRIES);
      const t = rand();
      const tag =
        t < 0.35
          ? `${int(1, 4)}.${int(0, 30)}.${int(0, 12)}`
          : t < 0.6
            ? `sha-${hex(7)}`
            : t < 0.75
              ? `v${int(1, 9)}.${int(0, 20)}`
              : t < 0.85
                ? `${2024 + int(0, 1)}.${String(int(1, 12)).padStart(2, '0')}.${int(1, 28)}-${int(1, 400)}`
                : t < 0.92
                  ? 'latest'
                  : `main-${hex(8)}`;
      image = `${registry}/${pick(APPS)}${pick(SUFFIXES)}:${tag}`;
    }
    // Pinned by digest: some with the tag beside it.
    const pin = rand();
    if (pin < 0.08 && !image.endsWith(':latest')) image = `${image.replace(/:[^/:]+$/, '')}@${generatedDigest(image)}`;
    else if (pin < 0.13 && /:[^/:]+$/.test(image) && !image.endsWith(':latest')) image = `${image}@${generatedDigest(image)}`;
    if (!addImage(image)) continue;
    // Now and then another tag of the same image (same digest), if room remains.
    if (
      pool.length < options.distinctImages &&
      chance(0.05) &&
      !image.includes('@') &&
      /:[^/:]+$/.test(image) &&
      !image.endsWith(':latest')
    ) {
      const alias = image.replace(
        /:([^/:@]+)$/,
        (_m, t: string) =>
          `:${t
            .split('.')
            .slice(0, Math.max(1, t.split('.').length - 1))
            .join('.')}${t.includes('.') ? '' : '-stable'}`,
      );
      if (alias !== image && addImage(alias)) aliases.set(alias, image);
    }
  }
  const digestOn = (image: string, node: { index: number }): string => {
    const base = aliases.get(image) ?? image;
    const p = parseImage(base);
    const mutable = !p.digest && (p.tag === undefined || p.tag === 'latest');
    return generatedDigest(base, mutable && node.index % 2 === 1 ? '#previous' : '');
  };

  // Workloads
  type Kind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'CronJob' | 'Job' | 'ReplicaSet' | 'Pod';
  interface Plan {
    kind: Kind;
    namespace: string;
    name: string;
    replicas: number;
    containers: number;
    init: number;
    sidecar: boolean;
    images: string[];
  }
  const plans: Plan[] = [];
  const names = new Set<string>();
  let remaining = options.count;
  while (remaining > 0) {
    const r = rand();
    const kind: Kind =
      r < 0.62
        ? 'Deployment'
        : r < 0.72
          ? 'StatefulSet'
          : r < 0.78
            ? 'DaemonSet'
            : r < 0.86
              ? 'CronJob'
              : r < 0.9
                ? 'Job'
                : r < 0.93
                  ? 'ReplicaSet'
                  : 'Pod';
    const namespace = kind === 'DaemonSet' && namespaces.includes('kube-system') && chance(0.6) ? 'kube-system' : pick(namespaces);
    let name = '';
    for (let n = 0; n < 20 && (!name || names.has(`${namespace}/${kind}/${name}`)); n++)
      name = `${pick(APPS)}${pick(SUFFIXES)}${n > 5 ? `-${n}` : ''}`;
    if (kind === 'Job') name = `${name}-migrate-${int(1, 400)}`;
    if (kind === 'DaemonSet') name = `${name}-agent`;
    if (names.has(`${namespace}/${kind}/${name}`)) name = `${name}-${suffix(3)}`;
    names.add(`${namespace}/${kind}/${name}`);
    let replicas =
      kind === 'Deployment'
        ? chance(0.5)
          ? int(1, 3)
          : int(2, 12)
        : kind === 'StatefulSet'
          ? int(1, 5)
          : kind === 'DaemonSet'
            ? nodeCount
            : kind === 'CronJob'
              ? int(1, 3)
              : kind === 'ReplicaSet'
                ? int(1, 3)
                : 1;
    replicas = Math.min(replicas, remaining);
    remaining -= replicas;
    const cr = rand();
    plans.push({
      kind,
      namespace,
      name,
      replicas,
      containers: cr < 0.7 ? 1 : cr < 0.92 ? 2 : 3,
      init: chance(0.2) ? 1 : 0,
      sidecar: chance(0.05),
      images: [],
    });
  }

  // Images into the containers: every pool image once (as far as the slots go), then popular ones more often.
  const order = [...pool];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  let next = 0;
  const draw = () => (next < order.length ? order[next++]! : pool[Math.floor(Math.pow(rand(), 2.2) * pool.length)]!);
  for (const plan of plans) {
    const slots = plan.containers + plan.init + (plan.sidecar ? 1 : 0);
    for (let s = 0; s < slots; s++) plan.images.push(pool.length ? draw() : 'nginx:1.27.3');
  }

  // Pods
  const base = Date.parse('2025-06-01T00:00:00Z');
  const time = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  const containerName = (image: string, used: Set<string>) => {
    const p = parseImage(image);
    let name =
      (p.path.split('/').pop() ?? 'app')
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 50) || 'app';
    while (used.has(name)) name = `${name}-${used.size}`;
    used.add(name);
    return name;
  };
  const pods: Pod[] = [];
  const podNames = new Set<string>();
  let rv = 1000;
  for (const plan of plans) {
    const ownerUid = uid();
    const hash = suffix(int(9, 10));
    const revisionHash = suffix(10);
    const workloadCreated = base - int(1, 120) * 24 * 3600_000 - int(0, 86_399) * 1000;
    const jobs =
      plan.kind === 'CronJob'
        ? Array.from({ length: plan.replicas }, (_, i) => ({
            name: `${plan.name}-${Math.floor(base / 60_000) - 60 * (plan.replicas - i)}`,
            uid: uid(),
          }))
        : [];
    const used = new Set<string>();
    const initCount = plan.init + (plan.sidecar ? 1 : 0);
    const template: { init: Container[]; main: Container[] } = { init: [], main: [] };
    plan.images.forEach((image, i) => {
      const isInit = i < initCount;
      const sidecar = plan.sidecar && i === initCount - 1;
      const name = sidecar ? 'istio-proxy' : isInit ? `init-${containerName(image, used)}` : containerName(image, used);
      if (sidecar) used.add(name);
      const c: Container = {
        name,
        image,
        imagePullPolicy: /:latest$/.test(image) || !/[:@]/.test(image.split('/').pop() ?? '') ? 'Always' : 'IfNotPresent',
        ...(sidecar && { restartPolicy: 'Always' }),
        ...(!isInit &&
          chance(0.6) && {
            ports: [{ containerPort: pick([80, 443, 3000, 5432, 6379, 8080, 8443, 9090]), name: 'http', protocol: 'TCP' }],
          }),
        resources: { requests: { cpu: `${pick([50, 100, 250, 500])}m`, memory: `${pick([64, 128, 256, 512])}Mi` } },
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        volumeMounts: [{ mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: 'kube-api-access', readOnly: true }],
      };
      (isInit ? template.init : template.main).push(c);
    });

    for (let r = 0; r < plan.replicas; r++) {
      const job = jobs[r];
      let podName: string;
      let labels: Record<string, string> = { app: plan.name };
      let owner: OwnerReference | undefined;
      switch (plan.kind) {
        case 'Deployment':
          podName = `${plan.name}-${hash}-${suffix(5)}`;
          labels = { app: plan.name, 'pod-template-hash': hash };
          owner = {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: `${plan.name}-${hash}`,
            uid: ownerUid,
            controller: true,
            blockOwnerDeletion: true,
          };
          break;
        case 'ReplicaSet':
          podName = `${plan.name}-${suffix(5)}`;
          owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: plan.name, uid: ownerUid, controller: true, blockOwnerDeletion: true };
          break;
        case 'StatefulSet':
          podName = `${plan.name}-${r}`;
          labels = {
            app: plan.name,
            'apps.kubernetes.io/pod-index': String(r),
            'controller-revision-hash': `${plan.name}-${revisionHash}`,
            'statefulset.kubernetes.io/pod-name': podName,
          };
          owner = {
            apiVersion: 'apps/v1',
            kind: 'StatefulSet',
            name: plan.name,
            uid: ownerUid,
            controller: true,
            blockOwnerDeletion: true,
          };
          break;
        case 'DaemonSet':
          podName = `${plan.name}-${suffix(5)}`;
          labels = { app: plan.name, 'controller-revision-hash': revisionHash, 'pod-template-generation': '1' };
          owner = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: plan.name, uid: ownerUid, controller: true, blockOwnerDeletion: true };
          break;
        case 'CronJob':
        case 'Job': {
          const jobName = job?.name ?? plan.name;
          const jobUid = job?.uid ?? ownerUid;
          podName = `${jobName}-${suffix(5)}`;
          labels = {
            'batch.kubernetes.io/controller-uid': jobUid,
            'batch.kubernetes.io/job-name': jobName,
            'controller-uid': jobUid,
            'job-name': jobName,
          };
          owner = { apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid: jobUid, controller: true, blockOwnerDeletion: true };
          break;
        }
        default:
          podName = plan.name;
      }
      while (podNames.has(`${plan.namespace}/${podName}`)) podName = `${podName}-${suffix(2)}`;
      podNames.add(`${plan.namespace}/${podName}`);

      const node = plan.kind === 'DaemonSet' ? nodes[r % nodes.length]! : pick(nodes);
      const created = workloadCreated + int(0, 30 * 24 * 3600) * 1000;
      const started = created + int(2, 40) * 1000;
      const isJob = plan.kind === 'CronJob' || plan.kind === 'Job';
      const roll = rand();
      const fate: 'unschedulable' | 'pull' | 'crash' | 'succeeded' | 'running' =
        plan.kind !== 'DaemonSet' && roll < 0.03
          ? 'unschedulable'
          : roll < 0.04
            ? 'pull'
            : roll < 0.06 && !isJob
              ? 'crash'
              : isJob && rand() < 0.7
                ? 'succeeded'
                : 'running';
      const runtime = node.runtime;
      const cid = () => `${runtime}://${hex(64)}`;
      const statusFor = (c: Container, kind: 'main' | 'init' | 'sidecar', index: number): ContainerStatus => {
        const image = c.image!;
        const paired = kubeletImageStatus(image, runtime, digestOn(image, node));
        const mounts =
          runtime === 'containerd'
            ? {
                volumeMounts: [
                  {
                    mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
                    name: 'kube-api-access',
                    readOnly: true,
                    recursiveReadOnly: 'Disabled',
                  },
                ],
              }
            : {};
        if (fate === 'pull' && kind === 'main') {
          const failing = index === 0;
          return {
            name: c.name,
            image,
            imageID: '',
            lastState: {},
            ready: false,
            restartCount: 0,
            started: false,
            state: {
              waiting: failing
                ? { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` }
                : { reason: 'ContainerCreating' },
            },
            ...mounts,
          };
        }
        if (kind === 'init') {
          const id = cid();
          return {
            containerID: id,
            image: paired.image,
            imageID: paired.imageID,
            lastState: {},
            name: c.name,
            ready: true,
            restartCount: 0,
            started: false,
            state: {
              terminated: {
                containerID: id,
                exitCode: 0,
                finishedAt: time(started - 1000),
                reason: 'Completed',
                startedAt: time(started - 3000),
              },
            },
            ...mounts,
          };
        }
        if (fate === 'succeeded') {
          const id = cid();
          return {
            containerID: id,
            image: paired.image,
            imageID: paired.imageID,
            lastState: {},
            name: c.name,
            ready: false,
            restartCount: 0,
            started: false,
            state: {
              terminated: {
                containerID: id,
                exitCode: 0,
                finishedAt: time(started + int(5, 600) * 1000),
                reason: 'Completed',
                startedAt: time(started),
              },
            },
            ...mounts,
          };
        }
        if (fate === 'crash' && kind === 'main' && index === 0) {
          const restarts = int(4, 60);
          const id = cid();
          return {
            containerID: id,
            image: paired.image,
            imageID: paired.imageID,
            lastState: {
              terminated: {
                containerID: id,
                exitCode: 1,
                finishedAt: time(base - int(1, 300) * 1000),
                reason: 'Error',
                startedAt: time(base - int(301, 400) * 1000),
              },
            },
            name: c.name,
            ready: false,
            restartCount: restarts,
            started: false,
            state: {
              waiting: {
                reason: 'CrashLoopBackOff',
                message:
                  `back-off 5m0s restarting failed container=${c.name} ` +
                  `pod=${podName}_${plan.namespace}(${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)})`,
              },
            },
            ...mounts,
          };
        }
        const restarts = chance(0.1) ? int(1, 3) : 0;
        return {
          containerID: cid(),
          image: paired.image,
          imageID: paired.imageID,
          lastState: restarts
            ? {
                terminated: {
                  containerID: cid(),
                  exitCode: 137,
                  finishedAt: time(started + 3600_000),
                  reason: 'OOMKilled',
                  startedAt: time(started),
                },
              }
            : {},
          name: c.name,
          ready: true,
          restartCount: restarts,
          started: true,
          state: { running: { startedAt: time(restarts ? started + 3601_000 : started) } },
          ...mounts,
        };
      };

      const spec: NonNullable<Pod['spec']> = {
        ...(template.init.length && { initContainers: template.init.map((c) => structuredClone(c)) }),
        containers: template.main.map((c) => structuredClone(c)),
        dnsPolicy: 'ClusterFirst',
        enableServiceLinks: true,
        ...(fate !== 'unschedulable' && { nodeName: node.name }),
        preemptionPolicy: 'PreemptLowerPriority',
        priority: 0,
        restartPolicy: isJob ? (chance(0.5) ? 'Never' : 'OnFailure') : 'Always',
        schedulerName: 'default-scheduler',
        securityContext: chance(0.4) ? { runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001 } : {},
        serviceAccount: 'default',
        serviceAccountName: 'default',
        terminationGracePeriodSeconds: 30,
        tolerations: [
          { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
          { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
        ],
        volumes: [
          {
            name: 'kube-api-access',
            projected: {
              defaultMode: 420,
              sources: [
                { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
                { configMap: { items: [{ key: 'ca.crt', path: 'ca.crt' }], name: 'kube-root-ca.crt' } },
                { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
              ],
            },
          },
        ],
      };
      const podIP = `10.${100 + (node.index % 100)}.${Math.floor(pods.length / 250) % 250}.${(pods.length % 250) + 2}`;
      let status: NonNullable<Pod['status']>;
      const cond = (type: string, ok: boolean, at: number, extra: Partial<PodCondition> = {}): PodCondition => ({
        lastProbeTime: null,
        lastTransitionTime: time(at),
        status: ok ? 'True' : 'False',
        type,
        ...extra,
      });
      if (fate === 'unschedulable') {
        status = {
          conditions: [
            cond('PodScheduled', false, created, {
              message:
                `0/${nodeCount} nodes are available: ${nodeCount} Insufficient cpu. preemption: 0/${nodeCount} nodes are available: ` +
                `${nodeCount} No preemption victims found for incoming pod.`,
              reason: 'Unschedulable',
            }),
          ],
          phase: 'Pending',
          qosClass: 'Burstable',
        };
      } else {
        const initStatuses = template.init.map((c) => statusFor(c, c.restartPolicy === 'Always' ? 'sidecar' : 'init', 0));
        // A native sidecar runs beside the containers.
        initStatuses.forEach((s, i) => {
          if (template.init[i]!.restartPolicy === 'Always' && fate !== 'succeeded') {
            s['ready'] = true;
            s['started'] = true;
            s['state'] = { running: { startedAt: time(started - 1000) } };
          }
        });
        const mainStatuses = template.main.map((c, i) => statusFor(c, 'main', i));
        const ready = fate === 'running';
        status = {
          conditions: [
            cond('PodReadyToStartContainers', true, started - 5000),
            cond('Initialized', true, started - 1000),
            cond(
              'Ready',
              ready,
              started + 2000,
              ready
                ? {}
                : {
                    reason: fate === 'succeeded' ? 'PodCompleted' : 'ContainersNotReady',
                    ...(fate !== 'succeeded' && { message: `containers with unready status: [${template.main[0]!.name}]` }),
                  },
            ),
            cond(
              'ContainersReady',
              ready,
              started + 2000,
              ready
                ? {}
                : {
                    reason: fate === 'succeeded' ? 'PodCompleted' : 'ContainersNotReady',
                    ...(fate !== 'succeeded' && { message: `containers with unready status: [${template.main[0]!.name}]` }),
                  },
            ),
            cond('PodScheduled', true, created),
          ],
          hostIP: node.ip,
          hostIPs: [{ ip: node.ip }],
          phase: fate === 'pull' ? 'Pending' : fate === 'succeeded' ? 'Succeeded' : 'Running',
          podIP,
          podIPs: [{ ip: podIP }],
          qosClass: 'Burstable',
          startTime: time(created + 1000),
          ...(initStatuses.length && { initContainerStatuses: initStatuses }),
          containerStatuses: mainStatuses,
        };
        // Now and then someone debugged a running pod: an ephemeral container.
        if (fate === 'running' && chance(0.012)) {
          const image = pool.find((i) => /busybox|curl|alpine/.test(i)) ?? pick(pool);
          const name = `debugger-${suffix(5)}`;
          spec.ephemeralContainers = [
            {
              name,
              image,
              imagePullPolicy: 'IfNotPresent',
              resources: {},
              stdin: true,
              targetContainerName: template.main[0]!.name,
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
              tty: true,
            },
          ];
          const paired = kubeletImageStatus(image, runtime, digestOn(image, node));
          status.ephemeralContainerStatuses = [
            {
              containerID: cid(),
              image: paired.image,
              imageID: paired.imageID,
              lastState: {},
              name,
              ready: false,
              restartCount: 0,
              state: { running: { startedAt: time(base - int(60, 7200) * 1000) } },
            },
          ];
        }
      }
      const metadata: ObjectMeta = {
        ...(owner && plan.kind !== 'StatefulSet' && { generateName: podName.slice(0, podName.lastIndexOf('-') + 1) }),
        creationTimestamp: time(created),
        labels,
        name: podName,
        namespace: plan.namespace,
        ...(owner && { ownerReferences: [owner] }),
        resourceVersion: String(++rv),
        uid: uid(),
      };
      pods.push({ apiVersion: 'v1', kind: 'Pod', metadata, spec, status });
    }
  }
  return pods;
}

// ---------------------------------------------------------------------------------------------
// Trivy Operator's VulnerabilityReports

export interface VulnerabilityInput {
  vulnerabilityID: string;
  resource: string;
  installedVersion: string;
  fixedVersion?: string;
  severity: Severity;
  title?: string;
  primaryLink?: string;
  score?: number;
  publishedDate?: string;
  lastModifiedDate?: string;
}

export interface ReportInput {
  namespace: string;
  /** The workload the operator scanned: ReplicaSet, StatefulSet, DaemonSet, CronJob, Job or Pod. */
  owner: { kind: string; name: string; uid?: string; apiVersion?: string };
  container: string;
  /** The image as in the pod spec. */
  image: string;
  /** The digest the pod ran (status imageID), if known. */
  digest?: string;
  vulnerabilities: readonly VulnerabilityInput[];
  os?: { family: string; name: string };
  /** creationTimestamp and updateTimestamp. */
  created?: string;
  scannerVersion?: string;
}

/** A VulnerabilityReport as Trivy Operator writes it (`<kind>-<name>-<container>`, its labels and report). */
export function vulnerabilityReport(input: ReportInput): KubeObject {
  const image = parseImage(input.image);
  const kind = input.owner.kind;
  const created = input.created ?? '2025-06-01T00:00:00Z';
  const count = (s: Severity) => input.vulnerabilities.filter((v) => v.severity === s).length;
  const apiVersion = input.owner.apiVersion ?? (kind === 'Pod' ? 'v1' : kind === 'Job' || kind === 'CronJob' ? 'batch/v1' : 'apps/v1');
  const name = `${kind.toLowerCase()}-${input.owner.name}-${input.container}`;
  return {
    apiVersion: 'aquasecurity.github.io/v1alpha1',
    kind: 'VulnerabilityReport',
    metadata: {
      annotations: { 'trivy-operator.aquasecurity.github.io/report-ttl': '24h0m0s' },
      creationTimestamp: created,
      generation: 1,
      labels: {
        'app.kubernetes.io/managed-by': 'trivy-operator',
        'resource-spec-hash': sha256Hex(`${input.namespace}/${kind}/${input.owner.name}/${input.image}`)
          .slice(0, 10)
          .replace(/[0-9]/g, (d) => ALPHANUMS[Number(d)]!),
        'trivy-operator.container.name': input.container,
        'trivy-operator.resource.kind': kind,
        'trivy-operator.resource.name': input.owner.name,
        'trivy-operator.resource.namespace': input.namespace,
      },
      name,
      namespace: input.namespace,
      ownerReferences: [
        {
          apiVersion,
          blockOwnerDeletion: false,
          controller: true,
          kind,
          name: input.owner.name,
          uid: input.owner.uid ?? stableUid(`${kind}/${input.namespace}/${input.owner.name}`),
        },
      ],
      resourceVersion: '1',
      uid: stableUid(`VulnerabilityReport/${input.namespace}/${name}`),
    },
    report: {
      artifact: {
        repository: image.path,
        ...(image.tag !== undefined ? { tag: image.tag } : image.digest ? {} : { tag: 'latest' }),
        ...((input.digest ?? image.digest) && { digest: input.digest ?? image.digest }),
      },
      os: input.os ?? { family: 'debian', name: '12.8' },
      registry: { server: image.domain === 'docker.io' ? 'index.docker.io' : image.domain },
      scanner: { name: 'Trivy', vendor: 'Aqua Security', version: input.scannerVersion ?? '0.58.1' },
      summary: {
        criticalCount: count('CRITICAL'),
        highCount: count('HIGH'),
        mediumCount: count('MEDIUM'),
        lowCount: count('LOW'),
        unknownCount: count('UNKNOWN'),
        noneCount: 0,
      },
      updateTimestamp: created,
      vulnerabilities: input.vulnerabilities.map((v) => ({
        fixedVersion: v.fixedVersion ?? '',
        installedVersion: v.installedVersion,
        lastModifiedDate: v.lastModifiedDate ?? '2025-01-14T00:00:00Z',
        links: [],
        primaryLink: v.primaryLink ?? `https://avd.aquasec.com/nvd/${v.vulnerabilityID.toLowerCase()}`,
        publishedDate: v.publishedDate ?? '2024-11-02T00:00:00Z',
        resource: v.resource,
        ...(v.score !== undefined && { score: v.score }),
        severity: v.severity,
        target: '',
        title: v.title ?? `${v.resource}: ${v.vulnerabilityID}`,
        vulnerabilityID: v.vulnerabilityID,
      })),
    },
  };
}

/**
 * One report per scanned workload container, as the operator makes them for these pods: the pod's
 * controller (a Deployment's ReplicaSet; a CronJob rather than its Jobs; a bare Pod), for every
 * container whose `vulnerabilities(image)` is not undefined.
 */
export function vulnerabilityReportsFor(
  pods: readonly Pod[],
  vulnerabilities: (image: string) => readonly VulnerabilityInput[] | undefined,
): KubeObject[] {
  const reports = new Map<string, KubeObject>();
  for (const pod of pods) {
    const namespace = pod.metadata.namespace ?? 'default';
    const ref = pod.metadata.ownerReferences?.find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
    let owner: ReportInput['owner'] = ref
      ? { kind: ref.kind, name: ref.name, uid: ref.uid, apiVersion: ref.apiVersion }
      : { kind: 'Pod', name: pod.metadata.name ?? '', ...(pod.metadata.uid && { uid: pod.metadata.uid }) };
    const cron = ref?.kind === 'Job' ? /^(.+)-\d{8,10}$/.exec(ref.name) : null;
    if (cron) owner = { kind: 'CronJob', name: cron[1]! };
    const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
    for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
      if (!c.image) continue;
      const found = vulnerabilities(c.image);
      if (!found) continue;
      const digest = /@(sha256:[0-9a-f]{64})$/.exec(statuses.find((s) => s.name === c.name)?.imageID ?? '')?.[1];
      const report = vulnerabilityReport({
        namespace,
        owner,
        container: c.name,
        image: c.image,
        ...(digest && { digest }),
        vulnerabilities: found,
      });
      const key = `${namespace}/${report.metadata!.name}`;
      if (!reports.has(key)) reports.set(key, report);
    }
  }
  return [...reports.values()];
}

/**
 * One running pod of a Deployment with one container: `image` as written in the spec, running the
 * digest given (default: generatedDigest(image)), as containerd reports it. For tests that need a
 * particular image in a particular place.
 */
export function runningPod(options: { deployment: string; namespace: string; image: string; digest?: string; index?: number }): Pod {
  const hash = sha256Hex(`${options.namespace}/${options.deployment}`).slice(0, 10);
  const name = `${options.deployment}-${hash}-${String(options.index ?? 0).padStart(5, 'x')}`;
  const digest = options.digest ?? generatedDigest(options.image);
  return {
    metadata: {
      name,
      namespace: options.namespace,
      uid: randomUUID(),
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels: { app: options.deployment, 'pod-template-hash': hash },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: `${options.deployment}-${hash}`,
          uid: randomUUID(),
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: { containers: [{ name: 'app', image: options.image }], nodeName: 'node-1' },
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          ...kubeletImageStatus(options.image, 'containerd', digest),
          ready: true,
          restartCount: 0,
          started: true,
          state: { running: { startedAt: '2026-01-01T00:00:05Z' } },
        },
      ],
    },
  };
}

/** The distinct images the pods run: digest where the kubelet reported one, else the spec image. */
export function expectedImages(pods: readonly Pod[]): Set<string> {
  const keys = new Set<string>();
  for (const pod of pods) {
    for (const type of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
      const statuses =
        (pod.status as Record<string, { name: string; imageID?: string }[] | undefined> | undefined)?.[
          type === 'containers' ? 'containerStatuses' : type === 'initContainers' ? 'initContainerStatuses' : 'ephemeralContainerStatuses'
        ] ?? [];
      for (const container of (pod.spec as Record<string, { name: string; image: string }[] | undefined>)[type] ?? []) {
        const id = parseImageId(statuses.find((s) => s.name === container.name)?.imageID);
        keys.add(id ? id.digest : `ref:${container.image}`);
      }
    }
  }
  return keys;
}
