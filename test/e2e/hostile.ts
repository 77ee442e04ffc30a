// What the untrusted end-to-end run (run.ts --untrusted) puts in and around its workspace: a
// `.vscode/settings.json` whose workspace-level values name the workspace's own programs, files
// (and env files outside it) and servers (every one of package.json's `restrictedConfigurations`),
// those programs, and a registry that notes every connection. Until the workspace is trusted,
// Shipshape must ignore all of it; once trusted, it uses it (tests: suite/untrusted.e2e.ts).
//
// The workspace's programs append one JSON line per run, {"program": …, "argv": […]}, to a log
// outside the workspace (HostileSetup.programLog):
//   evil-trivy             named by shipshape.trivy.path; then acts as the stand-in Trivy
//                          (test/fixtures/trivy/trivy), so that a scan through it succeeds
//   evil-kube-credential   the exec credential plugin of the workspace's kubeconfig
//                          (shipshape.cluster.kubeconfig); prints a token

import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import { lookup } from 'node:dns/promises';
import { createServer, type AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from './prepare.js';

export const STAND_IN_TRIVY = path.join(REPO, 'test', 'fixtures', 'trivy', 'trivy');
/** The folder of the stand-in credential helper `docker-credential-shipshape` (put on PATH). */
export const CREDENTIAL_HELPER_DIR = path.join(REPO, 'test', 'fixtures');

/** The image the hostile registry serves, and the user the credential helper knows for it. */
export const HOSTILE_REPOSITORY = 'team/web';
export const HOSTILE_TAG = '1.0';
const USER = 'workspace-user';
const SECRET = 'workspace-secret';

export interface HostileSetup {
  /** The workspace's programs log here (outside the workspace). */
  readonly programLog: string;
  /** `host:port` of the hostile registry: not loopback, so plain HTTP only when listed as insecure. */
  readonly registry: string;
  /** The registry's log: one JSON line per connection and per request. */
  readonly registryLog: string;
  /** The digest the registry answers for `${registry}/team/web:1.0`. */
  readonly digest: string;
  /** Environment for code-server (and so the extension host and its children). */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Writes the hostile settings and programs into `workspace`, and starts the registry the
 * settings list as insecure. `parent` holds the logs, the Docker config and the credentials.
 * Without an address that is not loopback there is no registry (`registry` is '' and the
 * pinning tests skip); the rest is always there.
 */
export async function setUpHostileWorkspace(workspace: string, parent: string): Promise<HostileSetup> {
  const programLog = path.join(parent, 'workspace-programs.jsonl');
  const registryLog = path.join(parent, 'hostile-registry.jsonl');
  const registry = await startHostileRegistry(registryLog);
  const unusedPort = await freePort('127.0.0.1');

  // The workspace's programs. Absolute paths: a workspace cannot use ${workspaceFolder} here.
  const evilTrivy = path.join(workspace, 'evil-trivy');
  await writeFile(
    evilTrivy,
    [
      '#!/usr/bin/env node',
      '// Named by this workspace as its Trivy (shipshape.trivy.path): notes that it ran, then is the stand-in Trivy.',
      `require('node:fs').appendFileSync(${JSON.stringify(programLog)}, JSON.stringify({ program: 'evil-trivy', argv: process.argv.slice(2), pid: ` +
        `process.pid }) + '\\n');`,
      `require(${JSON.stringify(STAND_IN_TRIVY)});`,
      '',
    ].join('\n'),
  );
  await chmod(evilTrivy, 0o755);
  const evilCredential = path.join(workspace, 'evil-kube-credential');
  await writeFile(
    evilCredential,
    [
      '#!/usr/bin/env node',
      "// The exec credential plugin of this workspace's kubeconfig: notes that it ran, then prints a token.",
      `require('node:fs').appendFileSync(${JSON.stringify(programLog)}, JSON.stringify({ program: 'evil-kube-credential', argv: ` +
        `process.argv.slice(2), pid: process.pid }) + '\\n');`,
      "process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: " +
        "'from-the-workspace' } }));",
      '',
    ].join('\n'),
  );
  await chmod(evilCredential, 0o755);
  // A kubeconfig (JSON is YAML) whose API server nothing listens on: reading it runs the plugin.
  const kubeconfig = path.join(workspace, '.kube', 'config');
  await mkdir(path.dirname(kubeconfig), { recursive: true });
  await writeFile(
    kubeconfig,
    JSON.stringify(
      {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'workspace-cluster', cluster: { server: `https://127.0.0.1:${unusedPort}`, 'insecure-skip-tls-verify': true } }],
        users: [
          {
            name: 'workspace-user',
            user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: evilCredential, interactiveMode: 'Never' } },
          },
        ],
        contexts: [{ name: 'workspace-context', context: { cluster: 'workspace-cluster', user: 'workspace-user' } }],
        'current-context': 'workspace-context',
      },
      null,
      2,
    ),
  );

  // The settings: every restricted configuration, and one that is not (applied in restricted mode too).
  const settings = {
    'shipshape.trivy.path': evilTrivy,
    'shipshape.trivy.serverUrl': 'http://trivy.workspace.invalid:4954',
    'shipshape.trivy.cacheDir': path.join(workspace, '.trivy-cache'),
    'shipshape.cluster.kubeconfig': kubeconfig,
    'shipshape.registry.insecureRegistries': registry ? [registry.host] : ['registry.workspace.invalid:5000'],
    // Env files outside the workspace: their values would show in the Compose files' diagnostics.
    'shipshape.compose.envFiles': ['../user-secrets.env'],
    // Values files outside the workspace, and a database mirror of the workspace's choosing.
    'shipshape.helm.valuesFiles': { chart: ['../user-values.yaml'] },
    'shipshape.trivy.dbRepository': 'registry.workspace.invalid:5000/trivy-db',
    'shipshape.scan.concurrency': 3,
  };
  await mkdir(path.join(workspace, '.vscode'), { recursive: true });
  await writeFile(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));

  // The user's Docker config names the stand-in credential helper for the hostile registry.
  const env: Record<string, string> = {
    SHIPSHAPE_E2E_PROGRAM_LOG: programLog,
    SHIPSHAPE_TEST_CREDENTIALS_LOG: path.join(parent, 'credential-helper.jsonl'),
  };
  if (registry) {
    const dockerConfig = path.join(parent, 'docker-config');
    await mkdir(dockerConfig, { recursive: true });
    await writeFile(path.join(dockerConfig, 'config.json'), JSON.stringify({ credHelpers: { [registry.host]: 'shipshape' } }));
    const credentials = path.join(parent, 'credentials.json');
    await writeFile(credentials, JSON.stringify({ [registry.host]: { Username: USER, Secret: SECRET } }));
    Object.assign(env, {
      DOCKER_CONFIG: dockerConfig,
      SHIPSHAPE_TEST_CREDENTIALS: credentials,
      PATH: `${CREDENTIAL_HELPER_DIR}${path.delimiter}${process.env['PATH'] ?? ''}`,
      SHIPSHAPE_E2E_HOSTILE_REGISTRY: registry.host,
      SHIPSHAPE_E2E_HOSTILE_REGISTRY_LOG: registryLog,
      SHIPSHAPE_E2E_HOSTILE_REGISTRY_DIGEST: registry.digest,
    });
  }
  return {
    programLog,
    registry: registry?.host ?? '',
    registryLog,
    digest: registry?.digest ?? '',
    env,
    stop: () => registry?.stop() ?? Promise.resolve(),
  };
}

/**
 * A registry on an address that is not loopback (so the client uses HTTPS unless the host is
 * listed as insecure), serving team/web:1.0 to Basic credentials only, and logging every
 * connection, every request and every connection that was not HTTP (a TLS handshake).
 */
async function startHostileRegistry(log: string): Promise<{ host: string; digest: string; stop(): Promise<void> } | undefined> {
  const address = await nonLoopbackAddress();
  if (!address) return undefined;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'1'.repeat(64)}`, size: 2 },
      layers: [],
    }),
  );
  const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  const note = (entry: object): void => appendFileSync(log, `${JSON.stringify({ ...entry, time: Date.now() })}\n`);
  const expected = `Basic ${Buffer.from(`${USER}:${SECRET}`).toString('base64')}`;
  const server = http.createServer((request, response) => {
    const authorized = request.headers.authorization === expected;
    note({
      event: 'request',
      method: request.method,
      url: request.url,
      authorization: request.headers.authorization !== undefined,
      authorized,
    });
    if (!authorized) {
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="hostile"', 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    if (request.url === `/v2/${HOSTILE_REPOSITORY}/manifests/${HOSTILE_TAG}`) {
      response.writeHead(200, {
        'Content-Type': 'application/vnd.oci.image.manifest.v1+json',
        'Docker-Content-Digest': digest,
        'Content-Length': manifest.length,
      });
      response.end(request.method === 'HEAD' ? undefined : manifest);
      return;
    }
    response.writeHead(404, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
  });
  server.on('connection', (socket) => note({ event: 'connection', from: `${socket.remoteAddress}:${socket.remotePort}` }));
  server.on('clientError', (error, socket) => {
    note({ event: 'not-http', error: (error as NodeJS.ErrnoException).code ?? error.message });
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address.bind, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    host: `${address.host}:${port}`,
    digest,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A host name or address for this machine that Shipshape does not treat as loopback: the first
 * IPv4 address of a network interface, else the host name when it resolves. Undefined if neither.
 */
async function nonLoopbackAddress(): Promise<{ host: string; bind: string } | undefined> {
  for (const addresses of Object.values(os.networkInterfaces())) {
    const v4 = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return { host: v4.address, bind: v4.address };
  }
  try {
    const { address, family } = await lookup(os.hostname());
    if (family === 4 && os.hostname() !== 'localhost') return { host: os.hostname(), bind: address };
  } catch {
    // does not resolve
  }
  return undefined;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
