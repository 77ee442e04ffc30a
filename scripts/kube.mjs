// A real Kubernetes control plane on loopback for the tests and benchmarks: etcd, kube-apiserver and
// kube-controller-manager, built from their sources by scripts/tools.mjs.
//
//   node scripts/kube.mjs start DIR   # starts them, waits until the API server is ready, writes
//                                     # DIR/admin.kubeconfig and DIR/state.json, prints the startup time
//   node scripts/kube.mjs stop DIR    # stops what `start DIR` started
//
// These command lines are a contract other tools rely on. What runs:
// - etcd on 127.0.0.1 (plain HTTP, loopback only), its data in DIR/etcd;
// - kube-apiserver on https://127.0.0.1:PORT with a certificate it makes for itself in DIR/certs
//   (its CA is DIR/certs/apiserver.crt, in the kubeconfig), RBAC on, service-account tokens signed by
//   a key pair made here, and a static admin token (group system:masters) from DIR/tokens.csv;
// - kube-controller-manager with that admin kubeconfig: it makes ReplicaSets, Jobs and Pods with real
//   owner references, ServiceAccounts and their tokens, and collects garbage.
// There is no kubelet and no scheduler: pods stay Pending until a test writes their status through
// the status subresource, as kwok does.
//
// DIR/state.json holds the ports, the admin token, the CA path and the pids; `stop` signals only
// those pids, and only while they still run the program it started. Logs are in DIR/logs/. Every
// process runs detached, so `start` returns while they keep running; nothing listens beyond 127.0.0.1.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import { build } from './tools.mjs';

const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 20_000;
/** The context and user names in DIR/admin.kubeconfig. */
export const CONTEXT = 'shipshape';

const log = (message) => process.stderr.write(`[kube] ${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ports that were free a moment ago, on loopback. */
async function freePorts(count) {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolve, reject) => {
          const server = net.createServer();
          server.on('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** One GET, resolving to { status, body } or undefined when nothing answered. */
function get(url, options = {}) {
  return new Promise((resolve) => {
    const client = url.startsWith('https:') ? https : http;
    const request = client.get(url, { ...options, timeout: 5000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode, body }));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}

/** The last lines of a log, to say why a process stopped. */
function tail(file, lines = 25) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Whether a pid still runs the program at `program` (a pid may be reused after its process ends). */
function runs(pid, program) {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    return argv0 === program;
  } catch {
    return false;
  }
}

/** What `start DIR` recorded: url, token, ca, kubeconfig, etcd and the processes. */
export function readState(dir) {
  const file = path.join(dir, 'state.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

function writeState(dir, state) {
  writeFileSync(path.join(dir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** Starts one program detached, its output in DIR/logs/NAME.log, and records its pid in the state. */
function launch(dir, state, name, program, args) {
  const logFile = path.join(dir, 'logs', `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(program, args, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  state.processes.push({ name, pid: child.pid, program });
  writeState(dir, state);
  return { child, logFile, exited: () => child.exitCode !== null || child.signalCode !== null };
}

/** Polls until `check` returns something, failing when the process ends or time runs out. */
async function waitFor(what, proc, check, timeoutMs = READY_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (proc.exited()) throw new Error(`${what} stopped before it was ready; the end of ${proc.logFile}:\n${tail(proc.logFile)}`);
    if (Date.now() > deadline)
      throw new Error(`${what} was not ready after ${timeoutMs / 1000} s; the end of ${proc.logFile}:\n${tail(proc.logFile)}`);
    await sleep(200);
  }
}

/** The kubeconfig of the admin token. */
function kubeconfig(url, caPem, token) {
  const ca = Buffer.from(caPem).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${CONTEXT}`,
    '  cluster:',
    `    server: ${url}`,
    `    certificate-authority-data: ${ca}`,
    'users:',
    `- name: ${CONTEXT}-admin`,
    '  user:',
    `    token: ${token}`,
    'contexts:',
    `- name: ${CONTEXT}`,
    '  context:',
    `    cluster: ${CONTEXT}`,
    `    user: ${CONTEXT}-admin`,
    `current-context: ${CONTEXT}`,
    '',
  ].join('\n');
}

/** Starts etcd, kube-apiserver and kube-controller-manager for DIR; resolves to the state. */
export async function start(dir) {
  dir = path.resolve(dir);
  const previous = readState(dir);
  if (previous?.processes.some((p) => runs(p.pid, p.program))) {
    throw new Error(`a control plane already runs for ${dir}; stop it first (node scripts/kube.mjs stop ${dir})`);
  }
  const started = Date.now();
  const tools = {
    etcd: build('etcd'),
    apiserver: build('kube-apiserver'),
    controllers: build('kube-controller-manager'),
  };
  const builtMs = Date.now() - started;
  for (const sub of ['etcd', 'certs', 'logs']) mkdirSync(path.join(dir, sub), { recursive: true, mode: 0o700 });
  const [etcdPort, peerPort, apiPort] = await freePorts(3);
  const token = randomBytes(24).toString('hex');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const saKey = path.join(dir, 'certs', 'service-account.key');
  const saPub = path.join(dir, 'certs', 'service-account.pub');
  writeFileSync(saKey, privateKey, { mode: 0o600 });
  writeFileSync(saPub, publicKey);
  const tokens = path.join(dir, 'tokens.csv');
  writeFileSync(tokens, `${token},admin,admin,system:masters\n`, { mode: 0o600 });
  const url = `https://127.0.0.1:${apiPort}`;
  const ca = path.join(dir, 'certs', 'apiserver.crt');
  const state = { url, token, ca, kubeconfig: path.join(dir, 'admin.kubeconfig'), etcd: `http://127.0.0.1:${etcdPort}`, processes: [] };
  writeState(dir, state);

  try {
    const etcd = launch(dir, state, 'etcd', tools.etcd, [
      '--name=shipshape',
      `--data-dir=${path.join(dir, 'etcd')}`,
      `--listen-client-urls=${state.etcd}`,
      `--advertise-client-urls=${state.etcd}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=shipshape=http://127.0.0.1:${peerPort}`,
      // A test cluster: losing the data on a crash costs nothing, and fsync on a busy disk costs seconds.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    await waitFor('etcd', etcd, async () => (await get(`${state.etcd}/health`))?.body.includes('"health":"true"'));

    const apiserver = launch(dir, state, 'kube-apiserver', tools.apiserver, [
      `--etcd-servers=${state.etcd}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${path.join(dir, 'certs')}`,
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--authorization-mode=RBAC',
      `--token-auth-file=${tokens}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      // The kubernetes Service's endpoints would be the advertise address, which may not be loopback.
      '--endpoint-reconciler-type=none',
      '--profiling=false',
    ]);
    const auth = () => ({ ca: readFileSync(ca), headers: { authorization: `Bearer ${token}` } });
    await waitFor('kube-apiserver', apiserver, async () => existsSync(ca) && (await get(`${url}/readyz`, auth()))?.status === 200);
    writeFileSync(state.kubeconfig, kubeconfig(url, readFileSync(ca), token), { mode: 0o600 });

    const controllers = launch(dir, state, 'kube-controller-manager', tools.controllers, [
      `--kubeconfig=${state.kubeconfig}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      `--service-account-private-key-file=${saKey}`,
      `--root-ca-file=${ca}`,
      '--profiling=false',
    ]);
    // The ServiceAccount controller's first work: until it has run, no pod can be created.
    await waitFor(
      'kube-controller-manager',
      controllers,
      async () => (await get(`${url}/api/v1/namespaces/default/serviceaccounts/default`, auth()))?.status === 200,
    );
  } catch (error) {
    await stop(dir);
    throw error;
  }
  state.startupMs = Date.now() - started - builtMs;
  writeState(dir, state);
  return state;
}

/** Stops what `start DIR` started (the controller manager first, etcd last); a no-op when nothing runs. */
export async function stop(dir) {
  dir = path.resolve(dir);
  const state = readState(dir);
  if (!state) return;
  for (const { pid, program } of [...state.processes].reverse()) {
    if (!runs(pid, program)) continue;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (runs(pid, program) && Date.now() < deadline) await sleep(50);
    if (runs(pid, program)) process.kill(pid, 'SIGKILL');
    while (runs(pid, program)) await sleep(20);
  }
  state.processes = [];
  writeState(dir, state);
}

async function main(argv) {
  const [command, dir, ...rest] = argv;
  if (!['start', 'stop'].includes(command) || !dir || rest.length) {
    process.stderr.write('usage: node scripts/kube.mjs start DIR | stop DIR\n');
    process.exit(2);
  }
  if (command === 'start') {
    const state = await start(dir);
    process.stdout.write(`started in ${(state.startupMs / 1000).toFixed(1)} s: ${state.url}, ${state.kubeconfig}\n`);
  } else {
    await stop(dir);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((error) => {
    log(error.message);
    process.exit(1);
  });
}
