// A real OCI registry on loopback for the registry client's tests: the CNCF distribution registry
// (Debian's `docker-registry`, 2.8), started per test with its own storage, port and auth:
//
//   const registry = await startRegistry({ auth: 'token', users: { alice: 'secret' } });
//   const image = await pushImage(registry, 'team/app', '1.0');     // image.digest: sha256:…
//   … resolve `${registry.host}/team/app:1.0` with the client …
//   registry.tokenRequests();                                       // what the token server saw
//   const hold = registry.holdTokens(); … hold.release();           // token answers held meanwhile
//   await registry.stop();
//
// Auth modes: 'none'; 'basic' (an htpasswd file, bcrypt); 'token' (the registry's token auth,
// with a token server of this harness on another loopback port: JWTs signed RS256 by a key whose
// self-signed certificate is the registry's rootcertbundle).
//
// Also here: pushing tiny but valid images through the registry's own API (pushImage, pushIndex,
// pushTags, retag, moveTag; an image's configured `User` with `user`), a fault server for answers
// a real registry does not give on demand (startFaultServer; `fault.paginateTags` pages a real
// registry's tag list with `n`, `last` and `Link` as distribution 3 and Docker Hub do, which
// distribution 2.8 does not), and the stand-in credential helper (credentialStore).
//
// The registry binary: $SHIPSHAPE_REGISTRY, else what scripts/install-registry.sh prints (it
// installs the Debian packages when missing, and is quick when they are there).
//
// Never run a program that talks to a token-auth registry with a *synchronous* child_process
// call (execFileSync, spawnSync): the token server runs in the test's own process, so the
// program waits for a token that the blocked event loop never serves (a deadlock). Use
// execFile / spawn, or `skopeo()` below.

import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, randomBytes, randomUUID, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

const REPO = path.resolve(__dirname, '..', '..');

// ---------------------------------------------------------------------------------------------
// Types

export type AuthMode = 'none' | 'basic' | 'token';

export interface RegistryOptions {
  /** Default 'none'. */
  auth?: AuthMode;
  /** Users and their passwords, for 'basic' (the htpasswd file) and 'token' (the token server). */
  users?: Record<string, string>;
  /** Token mode: whether a token request without credentials is granted pull (default true). */
  anonymousPull?: boolean;
  /** Token mode: the tokens' lifetime and `expires_in`, in seconds (default 300). */
  tokenExpiresIn?: number;
  /** Token mode: how a token names its signing key: libtrust `kid` (default) or an `x5c` chain. */
  tokenKeyHeader?: 'kid' | 'x5c';
}

/** One access entry of a token's `access` claim (and of a parsed scope). */
export interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** A request the token server saw. Credentials are never recorded: only whether they came, and the user name. */
export interface TokenRequest {
  readonly method: string;
  /** Path and query, e.g. `/token?scope=repository%3Ateam%2Fapp%3Apull&service=…`. */
  readonly url: string;
  readonly service: string | null;
  /** The `scope` parameters, in order (`repository:team/app:pull`). */
  readonly scopes: string[];
  /** Whether an Authorization header came. */
  readonly authorization: boolean;
  /** The user of valid Basic credentials; null when anonymous or refused. */
  readonly user: string | null;
  readonly status: number;
  /** What the token grants (empty when refused). */
  readonly granted: Access[];
  readonly time: number;
}

/** Token requests held by the token server (Registry.holdTokens). */
export interface TokenHold {
  /** Settles once `count` requests are waiting. */
  arrived(count: number): Promise<void>;
  /** Whether the client gave up on a held request (closed its connection), per request in order. */
  abandoned(): boolean[];
  /** Answers the held requests, and the later ones at once. */
  release(): void;
}

export interface MintOptions {
  access: Access[];
  subject?: string;
  /** Seconds from now; negative for a token that has already expired. Default: the registry's lifetime. */
  expiresIn?: number;
  issuer?: string;
  audience?: string;
  keyHeader?: 'kid' | 'x5c';
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** `linux/arm64/v8` or a platform object. */
export type PlatformSpec = Platform | string;

export type ManifestFlavour = 'oci' | 'docker';

export interface PushOptions {
  /** Default linux/amd64. */
  platform?: PlatformSpec;
  /** The text of the layer's one file (`/shipshape.txt`); different text, different digests. */
  content?: string;
  /** OCI (default) or Docker v2 schema 2 media types. */
  mediaType?: ManifestFlavour;
  /** The configuration's `config.User` (`''` writes it empty); absent by default, as in an image with no USER. */
  user?: string;
}

export interface PushedImage {
  /** The manifest's digest: sha256 of `manifest`, as the registry's Docker-Content-Digest. */
  digest: string;
  configDigest: string;
  layerDigest: string;
  /** The exact bytes that were PUT. */
  manifest: string;
  mediaType: string;
  platform: Platform;
}

export interface PushedIndex {
  digest: string;
  manifest: string;
  mediaType: string;
  /** One per platform, in the order given. */
  images: PushedImage[];
}

export interface Registry {
  readonly auth: AuthMode;
  /** `127.0.0.1:PORT`, as in an image reference. */
  readonly host: string;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** The registry process. */
  readonly pid: number;
  /** Token mode: the token server's endpoint (the challenge's realm), service and issuer. */
  readonly realm: string | undefined;
  readonly service: string | undefined;
  readonly issuer: string | undefined;
  /** The harness's own user (in the htpasswd file in 'basic' mode), used for pushes. */
  readonly admin: { readonly username: string; readonly password: string };
  /** Requests the token server saw, oldest first; [] unless 'token'. The harness's own pushes never go through it. */
  tokenRequests(): TokenRequest[];
  clearTokenRequests(): void;
  /** Token mode: token requests wait, unanswered, from now until `release()` (to cancel a caller while one is in flight). */
  holdTokens(): TokenHold;
  /** The Authorization header value for the admin, for these scopes ('token': a fresh token); undefined with 'none'. */
  authorization(scopes?: string[]): string | undefined;
  /** Token mode: a token signed by the registry's trusted key, made without the token server. */
  mintToken(options: MintOptions): string;
  /** What the registry process printed so far. */
  logs(): string;
  stop(): Promise<void>;
  push(repo: string, tag: string, options?: PushOptions): Promise<PushedImage>;
  pushIndex(repo: string, tag: string, platforms: PlatformSpec[], options?: IndexOptions): Promise<PushedIndex>;
}

export interface IndexOptions {
  /** OCI image index (default) or Docker manifest list, with per-platform manifests of the same kind. */
  mediaType?: ManifestFlavour;
  /** Text folded into every platform's layer, so that indexes can be told apart. */
  content?: string;
  /** Each platform's configured user, in the order of the platforms (undefined: none). */
  users?: readonly (string | undefined)[];
}

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** Every manifest type, for an Accept header. */
export const ACCEPT_ALL = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerList, MEDIA_TYPES.dockerManifest].join(', ');

// ---------------------------------------------------------------------------------------------
// Processes left behind: none, even when a test forgets stop() or the runner is interrupted.
// A running registry (and the harness's servers) do not keep the test process alive; when it
// exits, or is ended by SIGINT/SIGTERM, the registries still running are killed and their
// folders removed.

const live = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHooked = false;

function killAllNow(): void {
  for (const child of live) killGroup(child, 'SIGKILL');
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // gone
    }
  }
}

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAllNow();
      process.kill(process.pid, signal);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Tools

let registryBinary: string | undefined;

/** The registry binary: $SHIPSHAPE_REGISTRY, else scripts/install-registry.sh's answer (installing when missing). */
export function findRegistry(): string {
  if (registryBinary) return registryBinary;
  const fromEnv = process.env['SHIPSHAPE_REGISTRY'];
  if (fromEnv) return (registryBinary = fromEnv);
  const out = execFileSync('bash', [path.join(REPO, 'scripts', 'install-registry.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 600_000,
  });
  const last = out.trim().split('\n').pop();
  if (!last || !existsSync(last)) throw new Error(`scripts/install-registry.sh printed no registry path: ${out}`);
  return (registryBinary = last);
}

/** The registry's version line, e.g. `docker-registry github.com/docker/distribution 2.8.2+ds1`. */
export function registryVersion(): string {
  return execFileSync(findRegistry(), ['--version'], { encoding: 'utf8' }).trim();
}

/**
 * Writes a program's input and closes it. A program may exit without reading it (a credential
 * helper told to fail, `skopeo`): the write then fails with EPIPE, an error event on stdin that
 * would end the test process; its exit code and output say what happened, so that error is dropped.
 */
export function endInput(child: ChildProcess, input?: string): void {
  child.stdin?.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  if (input !== undefined) child.stdin?.end(input);
  else child.stdin?.end();
}

function run(file: string, args: string[], input?: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { encoding: 'utf8', timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
    endInput(child, input);
  });
}

/** Runs skopeo (asynchronously: see the top of this file) and returns its stdout; rejects with its stderr. */
export function skopeo(args: string[], timeoutMs = 60_000): Promise<string> {
  findRegistry(); // installs skopeo too, when missing
  return run('skopeo', args, undefined, timeoutMs);
}

/** A free TCP port on a loopback address (free when asked: the registry binds it a moment later). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const base64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

// One signing key and certificate per test process (RSA key generation is the slow part).
interface SigningKey {
  readonly keyPem: string;
  readonly certPem: string;
  readonly privateKey: KeyObject;
  /** libtrust key ID of the public key, as the registry indexes its rootcertbundle. */
  readonly kid: string;
  /** The certificate, DER in base64, for an x5c header. */
  readonly x5c: string;
}
let signingKey: Promise<SigningKey> | undefined;

function getSigningKey(): Promise<SigningKey> {
  signingKey ??= (async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-registry-key-'));
    try {
      const keyFile = path.join(dir, 'token.key');
      const certFile = path.join(dir, 'token.crt');
      await run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-sha256',
        '-days',
        '7',
        '-subj',
        '/CN=shipshape-test-token-issuer',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ]);
      const keyPem = readFileSync(keyFile, 'utf8');
      const certPem = readFileSync(certFile, 'utf8');
      const cert = new X509Certificate(certPem);
      return {
        keyPem,
        certPem,
        privateKey: createPrivateKey(keyPem),
        kid: libtrustKeyId(cert.publicKey),
        x5c: cert.raw.toString('base64'),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return signingKey;
}

/**
 * libtrust's key ID (github.com/docker/libtrust): SHA-256 of the DER SubjectPublicKeyInfo,
 * the first 240 bits in base32 without padding, in 12 groups of 4 joined by ':'.
 */
export function libtrustKeyId(publicKey: KeyObject): string {
  const der = (publicKey.type === 'public' ? publicKey : createPublicKey(publicKey)).export({ type: 'spki', format: 'der' });
  const hash = createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of hash) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join(':');
}

async function htpasswdLine(user: string, password: string): Promise<string> {
  if (user.includes(':')) throw new Error(`a user name cannot contain ':' (${user})`);
  // -i: the password from stdin (never in an argument list); -B -C 4: bcrypt at its lowest cost, fast to check.
  const line = (await run('htpasswd', ['-niBC', '4', user], password)).trim();
  if (!line.startsWith(`${user}:$2`)) throw new Error(`htpasswd gave no bcrypt line for ${user}`);
  return line;
}

/** `repository:team/app:pull,push` → { type, name, actions }; null when malformed. */
export function parseScope(scope: string): Access | null {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last <= first) return null;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean),
  };
}

function parseBasic(header: string | undefined): { user: string; password: string } | null {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

// ---------------------------------------------------------------------------------------------
// The registry

const SERVICE = 'shipshape-test-registry';
const ISSUER = 'shipshape-test-issuer';

export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const auth = options.auth ?? 'none';
  const users = options.users ?? {};
  const binary = findRegistry();
  hookExit();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-registry-'));
  liveDirs.add(dir);
  const admin = { username: 'shipshape-admin', password: randomBytes(12).toString('hex') };
  const cleanups: (() => Promise<void> | void)[] = [
    () => {
      rmSync(dir, { recursive: true, force: true });
      liveDirs.delete(dir);
    },
  ];
  const runCleanups = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };

  try {
    const storage = path.join(dir, 'storage');
    mkdirSync(storage);
    let authConfig: object | undefined;
    let token: TokenServer | undefined;
    let key: SigningKey | undefined;
    const expiresIn = options.tokenExpiresIn ?? 300;
    const keyHeader = options.tokenKeyHeader ?? 'kid';

    if (auth === 'basic') {
      const lines = await Promise.all(
        [[admin.username, admin.password] as const, ...Object.entries(users)].map(([u, p]) => htpasswdLine(u, p)),
      );
      const file = path.join(dir, 'htpasswd');
      writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
      authConfig = { htpasswd: { realm: 'shipshape-registry', path: file } };
    } else if (auth === 'token') {
      key = await getSigningKey();
      const bundle = path.join(dir, 'token-root.crt');
      writeFileSync(bundle, key.certPem);
      const signer = key;
      token = await startTokenServer({
        users,
        anonymousPull: options.anonymousPull ?? true,
        expiresIn,
        mint: (access, subject) => mintJwt(signer, { access, subject, expiresIn, keyHeader }),
      });
      cleanups.push(() => token!.stop());
      authConfig = { token: { realm: token.realm, service: SERVICE, issuer: ISSUER, rootcertbundle: bundle } };
    }

    // A port taken between freePort() and the registry's bind is retried with another.
    let started: { child: ChildProcess; port: number; output: () => string } | undefined;
    let lastError: unknown;
    for (let attempt = 0; attempt < 3 && !started; attempt++) {
      const port = await freePort();
      const config = {
        version: '0.1',
        log: { level: 'info', formatter: 'text', accesslog: { disabled: false }, fields: { service: 'registry' } },
        storage: {
          filesystem: { rootdirectory: storage },
          delete: { enabled: true },
          maintenance: { uploadpurging: { enabled: false } },
        },
        http: { addr: `127.0.0.1:${port}`, secret: randomBytes(16).toString('hex'), headers: { 'X-Content-Type-Options': ['nosniff'] } },
        ...(authConfig ? { auth: authConfig } : {}),
      };
      // JSON is YAML: the registry reads this file as its config.yml.
      const configFile = path.join(dir, 'config.yml');
      writeFileSync(configFile, JSON.stringify(config, null, 2));
      try {
        started = { ...(await spawnRegistry(binary, configFile, port)), port };
      } catch (error) {
        lastError = error;
        if (!/address already in use/.test(String(error))) break;
      }
    }
    if (!started) throw lastError;
    const { child, port, output } = started;
    cleanups.push(() => stopChild(child));

    const host = `127.0.0.1:${port}`;
    const url = `http://${host}`;
    const mintToken = (mint: MintOptions): string => {
      if (!key) throw new Error(`mintToken needs auth 'token' (this registry has '${auth}')`);
      return mintJwt(key, { expiresIn, keyHeader, ...mint });
    };
    let stopped: Promise<void> | undefined;
    const registry: Registry = {
      auth,
      host,
      url,
      pid: child.pid!,
      realm: token?.realm,
      service: token ? SERVICE : undefined,
      issuer: token ? ISSUER : undefined,
      admin,
      tokenRequests: () => (token ? [...token.requests] : []),
      clearTokenRequests: () => {
        if (token) token.requests.length = 0;
      },
      holdTokens: () => {
        if (!token) throw new Error(`holdTokens needs auth 'token' (this registry has '${auth}')`);
        return token.hold();
      },
      authorization(scopes = []) {
        if (auth === 'basic') return basicAuthorization(admin.username, admin.password);
        if (auth === 'token')
          return `Bearer ${mintToken({ subject: admin.username, access: scopes.map(parseScope).filter((a): a is Access => a !== null) })}`;
        return undefined;
      },
      mintToken,
      logs: output,
      stop: () => (stopped ??= runCleanups()),
      push: (repo, tag, pushOptions) => pushImage(registry, repo, tag, pushOptions),
      pushIndex: (repo, tag, platforms, indexOptions) => pushIndex(registry, repo, tag, platforms, indexOptions),
    };
    return registry;
  } catch (error) {
    await runCleanups();
    throw error;
  }
}

async function spawnRegistry(binary: string, configFile: string, port: number): Promise<{ child: ChildProcess; output: () => string }> {
  // REGISTRY_* variables would override the config file.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
  const child = spawn(binary, ['serve', configFile], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  live.add(child);
  const chunks: string[] = [];
  let size = 0;
  const keep = (chunk: Buffer): void => {
    // The last 1 MB or so is plenty to debug a test.
    chunks.push(chunk.toString('utf8'));
    size += chunk.length;
    while (size > 1_000_000 && chunks.length > 1) size -= chunks.shift()!.length;
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const output = (): string => chunks.join('');
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    live.delete(child);
    exited = `exited (${signal ?? code})`;
  });
  child.once('error', (error) => {
    exited = `failed to start: ${error.message}`;
  });

  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (exited) break;
    const ready = await new Promise<boolean>((resolve) => {
      const request = http.get({ host: '127.0.0.1', port, path: '/v2/', timeout: 1000, agent: false }, (response) => {
        response.resume();
        resolve(response.statusCode === 200 || response.statusCode === 401);
      });
      request.on('error', () => resolve(false));
      request.on('timeout', () => request.destroy());
    });
    if (ready) {
      child.unref();
      for (const stream of [child.stdout, child.stderr]) (stream as net.Socket | null)?.unref();
      return { child, output };
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await stopChild(child);
  throw new Error(`the registry did not start (${exited ?? 'timed out'}):\n${output().slice(-4000)}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    live.delete(child);
    return;
  }
  child.ref(); // the test waits for the exit
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
  // Anything else left in its process group.
  killGroup(child, 'SIGKILL');
  live.delete(child);
}

// ---------------------------------------------------------------------------------------------
// Tokens

function mintJwt(key: SigningKey, options: MintOptions & { expiresIn: number; keyHeader: 'kid' | 'x5c' }): string {
  const now = Math.floor(Date.now() / 1000);
  const header = options.keyHeader === 'x5c' ? { typ: 'JWT', alg: 'RS256', x5c: [key.x5c] } : { typ: 'JWT', alg: 'RS256', kid: key.kid };
  const claims = {
    iss: options.issuer ?? ISSUER,
    sub: options.subject ?? '',
    aud: options.audience ?? SERVICE,
    exp: now + options.expiresIn,
    nbf: now - 5,
    iat: now,
    jti: randomUUID(),
    access: options.access,
  };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  return `${input}.${base64url(sign('sha256', Buffer.from(input), key.privateKey))}`;
}

interface TokenServer {
  readonly realm: string;
  readonly requests: TokenRequest[];
  hold(): TokenHold;
  stop(): Promise<void>;
}

interface TokenServerOptions {
  users: Record<string, string>;
  anonymousPull: boolean;
  expiresIn: number;
  mint(access: Access[], subject: string): string;
}

/** The token endpoint of distribution's token spec (GET) and its OAuth2 form (POST, password grant). */
async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const requests: TokenRequest[] = [];
  const grant = (user: string | null, scopes: string[]): Access[] =>
    scopes
      .map(parseScope)
      .filter((a): a is Access => a !== null)
      .map((a) => ({
        ...a,
        actions: user !== null ? a.actions : options.anonymousPull && a.type === 'repository' ? a.actions.filter((x) => x === 'pull') : [],
      }))
      .filter((a) => a.actions.length > 0);

  // While held: each request's answer waits here, and whether its client went away is noted.
  let held: { readonly answer: () => void; abandoned: boolean }[] | undefined;
  let arrivals: (() => void)[] = [];
  const hold = (): TokenHold => {
    const waiting: { readonly answer: () => void; abandoned: boolean }[] = [];
    held = waiting;
    return {
      arrived: (count) =>
        new Promise<void>((resolve) => {
          const check = (): void => {
            if (waiting.length >= count) resolve();
            else arrivals.push(check);
          };
          check();
        }),
      abandoned: () => waiting.map((w) => w.abandoned),
      release: () => {
        if (held === waiting) held = undefined;
        for (const w of waiting) w.answer();
      },
    };
  };

  const server = http.createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (chunk: Buffer) => body.push(chunk));
    req.on('end', () => {
      if (held) {
        const entry = { answer: () => answer(), abandoned: false };
        res.on('close', () => {
          if (!res.writableEnded) entry.abandoned = true;
        });
        held.push(entry);
        const waiting = arrivals;
        arrivals = [];
        for (const check of waiting) check();
        return;
      }
      answer();
    });
    const answer = (): void => {
      if (res.destroyed) return;
      const url = new URL(req.url ?? '/', 'http://token');
      let params = url.searchParams;
      let credentials = parseBasic(req.headers.authorization);
      if (req.method === 'POST') {
        params = new URLSearchParams(Buffer.concat(body).toString('utf8'));
        if (params.get('grant_type') === 'password' && params.has('username'))
          credentials = { user: params.get('username')!, password: params.get('password') ?? '' };
      }
      const scopes = params
        .getAll('scope')
        .flatMap((s) => s.split(' '))
        .filter(Boolean);
      const service = params.get('service');
      const record = (status: number, user: string | null, granted: Access[]): void => {
        requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          service,
          scopes,
          authorization: req.headers.authorization !== undefined,
          user,
          status,
          granted,
          time: Date.now(),
        });
      };
      const json = (status: number, value: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        res.end(JSON.stringify(value));
      };

      if (url.pathname !== '/token' || (req.method !== 'GET' && req.method !== 'POST')) {
        record(404, null, []);
        json(404, { details: 'not found' });
        return;
      }
      if (service !== SERVICE) {
        record(400, null, []);
        json(400, { details: `unknown service ${JSON.stringify(service)}` });
        return;
      }
      let user: string | null = null;
      if (credentials) {
        const expected = options.users[credentials.user];
        if (expected === undefined || expected !== credentials.password) {
          record(401, null, []);
          json(401, { details: 'incorrect username or password' }, { 'WWW-Authenticate': 'Basic realm="shipshape-token"' });
          return;
        }
        user = credentials.user;
      } else if (req.headers.authorization !== undefined) {
        record(401, null, []);
        json(401, { details: 'unsupported authorization' }, { 'WWW-Authenticate': 'Basic realm="shipshape-token"' });
        return;
      }
      const granted = grant(user, scopes);
      const jwt = options.mint(granted, user ?? '');
      record(200, user, granted);
      const issuedAt = new Date().toISOString();
      if (req.method === 'POST')
        json(200, { access_token: jwt, expires_in: options.expiresIn, issued_at: issuedAt, scope: scopes.join(' ') });
      else json(200, { token: jwt, access_token: jwt, expires_in: options.expiresIn, issued_at: issuedAt });
    };
  });
  const port = await listen(server, '127.0.0.1');
  server.unref();
  return { realm: `http://127.0.0.1:${port}/token`, requests, hold, stop: () => closeServer(server) };
}

function listen(server: http.Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port));
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

// ---------------------------------------------------------------------------------------------
// Pushing images through the registry's API

export function parsePlatform(spec: PlatformSpec): Platform {
  if (typeof spec !== 'string') return spec;
  const [osName, architecture, variant] = spec.split('/');
  if (!osName || !architecture) throw new Error(`not a platform: ${spec}`);
  return variant ? { os: osName, architecture, variant } : { os: osName, architecture };
}

const platformText = (p: Platform): string => [p.os, p.architecture, p.variant].filter(Boolean).join('/');

/** A ustar archive of one regular file. */
export function tarOneFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string): void => {
    header.write(value.slice(0, length), offset, length, 'utf8');
  };
  const octal = (value: number, length: number): string => `${value.toString(8).padStart(length - 1, '0')}\0`;
  field(0, 100, name);
  field(100, 8, octal(0o644, 8));
  field(108, 8, octal(0, 8));
  field(116, 8, octal(0, 8));
  field(124, 12, octal(content.length, 12));
  field(136, 12, octal(1_700_000_000, 12));
  field(148, 8, '        ');
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  field(265, 32, 'root');
  field(297, 32, 'root');
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

/** A fetch to the registry as its admin; `scope` is what a token needs for it. */
async function registryFetch(registry: Registry, pathOrUrl: string, init: RequestInit, scope: string): Promise<Response> {
  const headers = new Headers(init.headers);
  const authorization = registry.authorization([scope]);
  if (authorization) headers.set('Authorization', authorization);
  const target = pathOrUrl.startsWith('http') ? pathOrUrl : `${registry.url}${pathOrUrl}`;
  return fetch(target, { ...init, headers, redirect: 'manual' });
}

async function expectStatus(response: Response, expected: number, what: string): Promise<void> {
  if (response.status !== expected) throw new Error(`${what}: ${response.status} ${await response.text()}`);
}

/** Uploads a blob (POST an upload, then PUT it whole with its digest); skipped when the repository has it. */
export async function pushBlob(registry: Registry, repo: string, data: Buffer): Promise<string> {
  const digest = sha256(data);
  const scope = `repository:${repo}:pull,push`;
  const head = await registryFetch(registry, `/v2/${repo}/blobs/${digest}`, { method: 'HEAD' }, scope);
  if (head.status === 200) return digest;
  const started = await registryFetch(registry, `/v2/${repo}/blobs/uploads/`, { method: 'POST' }, scope);
  await expectStatus(started, 202, `POST /v2/${repo}/blobs/uploads/`);
  const location = new URL(started.headers.get('location') ?? '', registry.url);
  location.searchParams.set('digest', digest);
  const put = await registryFetch(
    registry,
    location.href,
    { method: 'PUT', body: data, headers: { 'Content-Type': 'application/octet-stream' } },
    scope,
  );
  await expectStatus(put, 201, `PUT blob ${digest}`);
  return digest;
}

/** PUTs a manifest's exact bytes under a tag or digest; returns its digest (checked against the registry's). */
export async function pushManifest(
  registry: Registry,
  repo: string,
  reference: string,
  manifest: string,
  mediaType: string,
): Promise<string> {
  const digest = sha256(manifest);
  const response = await registryFetch(
    registry,
    `/v2/${repo}/manifests/${reference}`,
    { method: 'PUT', body: manifest, headers: { 'Content-Type': mediaType } },
    `repository:${repo}:pull,push`,
  );
  await expectStatus(response, 201, `PUT /v2/${repo}/manifests/${reference}`);
  const answered = response.headers.get('docker-content-digest');
  if (answered !== digest) throw new Error(`the registry's digest ${answered} is not sha256 of the bytes PUT (${digest})`);
  return digest;
}

/** GETs a manifest (Accept: every manifest type) as the admin: its exact bytes, media type and digest. */
export async function getManifest(
  registry: Registry,
  repo: string,
  reference: string,
): Promise<{ manifest: string; mediaType: string; digest: string }> {
  const response = await registryFetch(
    registry,
    `/v2/${repo}/manifests/${reference}`,
    { headers: { Accept: ACCEPT_ALL } },
    `repository:${repo}:pull`,
  );
  await expectStatus(response, 200, `GET /v2/${repo}/manifests/${reference}`);
  const manifest = await response.text();
  return {
    manifest,
    mediaType: response.headers.get('content-type') ?? '',
    digest: response.headers.get('docker-content-digest') ?? sha256(manifest),
  };
}

async function buildAndPushImage(registry: Registry, repo: string, reference: string | null, options: PushOptions): Promise<PushedImage> {
  const platform = parsePlatform(options.platform ?? 'linux/amd64');
  const flavour = options.mediaType ?? 'oci';
  const content = options.content ?? `shipshape test image ${repo} ${platformText(platform)}`;
  const tar = tarOneFile('shipshape.txt', Buffer.from(`${content}\n`));
  const layer = gzipSync(tar, { level: 9 });
  const config = Buffer.from(
    JSON.stringify({
      created: '2024-01-01T00:00:00Z',
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: {
        ...(options.user !== undefined ? { User: options.user } : {}),
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        Cmd: ['/shipshape.txt'],
        WorkingDir: '/',
      },
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
      history: [{ created: '2024-01-01T00:00:00Z', created_by: 'shipshape test harness' }],
    }),
  );
  const [configDigest, layerDigest] = await Promise.all([pushBlob(registry, repo, config), pushBlob(registry, repo, layer)]);
  const oci = flavour === 'oci';
  const mediaType = oci ? MEDIA_TYPES.ociManifest : MEDIA_TYPES.dockerManifest;
  const manifest = JSON.stringify(
    {
      schemaVersion: 2,
      mediaType,
      config: { mediaType: oci ? MEDIA_TYPES.ociConfig : MEDIA_TYPES.dockerConfig, digest: configDigest, size: config.length },
      layers: [{ mediaType: oci ? MEDIA_TYPES.ociLayer : MEDIA_TYPES.dockerLayer, digest: layerDigest, size: layer.length }],
    },
    null,
    3,
  );
  const digest = await pushManifest(registry, repo, reference ?? sha256(manifest), manifest, mediaType);
  return { digest, configDigest, layerDigest, manifest, mediaType, platform };
}

/** Pushes a one-layer image under `tag`; a tag already there moves to it. */
export function pushImage(registry: Registry, repo: string, tag: string, options: PushOptions = {}): Promise<PushedImage> {
  return buildAndPushImage(registry, repo, tag, options);
}

/** Pushes one image per platform (by digest), then an image index (or Docker manifest list) over them under `tag`. */
export async function pushIndex(
  registry: Registry,
  repo: string,
  tag: string,
  platforms: PlatformSpec[],
  options: IndexOptions = {},
): Promise<PushedIndex> {
  const flavour = options.mediaType ?? 'oci';
  const images = await Promise.all(
    platforms.map((spec, i) => {
      const platform = parsePlatform(spec);
      const content = `shipshape test image ${repo} ${platformText(platform)}${options.content ? ` ${options.content}` : ''}`;
      const user = options.users?.[i];
      return buildAndPushImage(registry, repo, null, { platform, content, mediaType: flavour, ...(user !== undefined ? { user } : {}) });
    }),
  );
  const mediaType = flavour === 'oci' ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.dockerList;
  const manifest = JSON.stringify(
    {
      schemaVersion: 2,
      mediaType,
      manifests: images.map((image) => ({
        mediaType: image.mediaType,
        digest: image.digest,
        size: Buffer.byteLength(image.manifest),
        platform: {
          architecture: image.platform.architecture,
          os: image.platform.os,
          ...(image.platform.variant ? { variant: image.platform.variant } : {}),
        },
      })),
    },
    null,
    3,
  );
  const digest = await pushManifest(registry, repo, tag, manifest, mediaType);
  return { digest, manifest, mediaType, images };
}

/** Puts the manifest `fromTag` names under `toTag` too (the same bytes, so the same digest); returns the digest. */
export async function retag(registry: Registry, repo: string, fromTag: string, toTag: string): Promise<string> {
  const { manifest, mediaType } = await getManifest(registry, repo, fromTag);
  return pushManifest(registry, repo, toTag, manifest, mediaType);
}

/** Pushes one image and puts it under every tag of `tags` (a few PUTs at a time), for repositories with many tags. */
export async function pushTags(registry: Registry, repo: string, tags: readonly string[], options: PushOptions = {}): Promise<PushedImage> {
  const [first, ...rest] = tags;
  if (first === undefined) throw new Error('pushTags needs at least one tag');
  const image = await pushImage(registry, repo, first, options);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < rest.length) await pushManifest(registry, repo, rest[next++]!, image.manifest, image.mediaType);
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return image;
}

/** Moves `tag` to a new image (different content, so a different digest); returns the new image. */
export function moveTag(registry: Registry, repo: string, tag: string, options: PushOptions = {}): Promise<PushedImage> {
  return pushImage(registry, repo, tag, { content: `moved ${randomUUID()}`, ...options });
}

/** Deletes a manifest by digest (and so every tag on it). */
export async function deleteManifest(registry: Registry, repo: string, digest: string): Promise<void> {
  const response = await registryFetch(registry, `/v2/${repo}/manifests/${digest}`, { method: 'DELETE' }, `repository:${repo}:*`);
  await expectStatus(response, 202, `DELETE /v2/${repo}/manifests/${digest}`);
}

// ---------------------------------------------------------------------------------------------
// The fault server

/** A request the fault server saw; the Authorization header's value is never kept. */
export interface FaultRequest {
  /** 0 for the first request this server saw. */
  readonly index: number;
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  /** Every header but Authorization and Cookie, lower-case names. */
  readonly headers: Record<string, string>;
  readonly authorization: boolean;
  /** `Bearer`, `Basic`, …; null without Authorization. */
  readonly authScheme: string | null;
  readonly time: number;
}

export type FaultAction =
  /** An answer, its headers sent after `delayMs`, its body after `bodyDelayMs` more. */
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: string; delayMs?: number; bodyDelayMs?: number }
  /** The connection dropped (after `delayMs`), with no answer. */
  | { kind: 'destroy'; delayMs?: number }
  /** A redirect to `location` (307 by default). */
  | { kind: 'redirect'; location: string; status?: number }
  /** The request passed on as it came (method, path, headers, body) to `target` (e.g. a registry's url), and its answer back. */
  | { kind: 'proxy'; target: string }
  /**
   * Like proxy, but a tag list (`GET /v2/<name>/tags/list`) is asked of `target` whole (with the
   * request's own Authorization, so the registry still checks it) and served a page at a time:
   * sorted, `n` per page (all when absent), after `last`, with `Link: <…>; rel="next"` (a path,
   * or a full URL on this server with `link: 'absolute'`) while tags remain, as distribution 3
   * and Docker Hub answer. `pageSize` caps a page whatever `n` asks, as registries cap it.
   */
  | { kind: 'paginate'; target: string; link?: 'relative' | 'absolute'; pageSize?: number };

export type FaultBehaviour = (request: FaultRequest) => FaultAction | Promise<FaultAction>;

export interface FaultServer {
  /** `127.0.0.1:PORT` (or the host asked for). */
  readonly host: string;
  readonly url: string;
  requests(): FaultRequest[];
  stop(): Promise<void>;
}

/** Ready-made actions and ways to combine them. */
export const fault = {
  respond: (
    status: number,
    options: { headers?: Record<string, string>; body?: string; delayMs?: number; bodyDelayMs?: number } = {},
  ): FaultAction => ({ kind: 'respond', status, ...options }),
  /** 429 with Retry-After (seconds, default 1) and the registry's TOOMANYREQUESTS error body. */
  tooManyRequests: (retryAfter: string | number = 1): FaultAction =>
    fault.respond(429, {
      headers: { 'Retry-After': String(retryAfter), 'Content-Type': 'application/json' },
      body: JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'too many requests' }] }),
    }),
  /** 500, 502, 503, … with an UNKNOWN error body. */
  serverError: (status = 503, headers: Record<string, string> = {}): FaultAction =>
    fault.respond(status, {
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'unknown error' }] }),
    }),
  /** A manifest answer: 200 with Docker-Content-Digest, Content-Type and a body (omitted for HEAD by the server). */
  manifest: (digest: string, options: { mediaType?: string; body?: string; delayMs?: number } = {}): FaultAction => {
    const body = options.body ?? '{}';
    return fault.respond(200, {
      headers: {
        'Docker-Content-Digest': digest,
        'Content-Type': options.mediaType ?? MEDIA_TYPES.ociManifest,
        'Content-Length': String(Buffer.byteLength(body)),
      },
      body,
      ...(options.delayMs !== undefined ? { delayMs: options.delayMs } : {}),
    });
  },
  /** 401 with a challenge, e.g. `Bearer realm="…",service="…"`. */
  unauthorized: (challenge: string): FaultAction =>
    fault.respond(401, {
      headers: { 'WWW-Authenticate': challenge, 'Content-Type': 'application/json' },
      body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }),
    }),
  destroy: (delayMs = 0): FaultAction => ({ kind: 'destroy', delayMs }),
  redirect: (location: string, status = 307): FaultAction => ({ kind: 'redirect', location, status }),
  proxy: (target: string): FaultAction => ({ kind: 'proxy', target }),
  /** A registry's tag list in pages (see the 'paginate' action); everything else proxied. */
  paginateTags: (target: string, options: { link?: 'relative' | 'absolute'; pageSize?: number } = {}): FaultAction => ({
    kind: 'paginate',
    target,
    ...options,
  }),
  /** `action` after `delayMs` (headers late). */
  slow: (delayMs: number, action: FaultAction): FaultAction =>
    action.kind === 'respond' || action.kind === 'destroy' ? { ...action, delayMs } : action,
  /** `first` for the first `n` requests, then `then`. */
  firstN:
    (n: number, first: FaultAction | FaultBehaviour, then: FaultAction | FaultBehaviour): FaultBehaviour =>
    (request) =>
      resolveAction(request.index < n ? first : then, request),
  /** The actions in turn, one per request; `then` for every request after them. */
  sequence:
    (actions: (FaultAction | FaultBehaviour)[], then: FaultAction | FaultBehaviour): FaultBehaviour =>
    (request) =>
      resolveAction(actions[request.index] ?? then, request),
};

function resolveAction(action: FaultAction | FaultBehaviour, request: FaultRequest): FaultAction | Promise<FaultAction> {
  return typeof action === 'function' ? action(request) : action;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Passes one request on to `target` as it came, and its answer back. */
function proxyOnce(req: http.IncomingMessage, res: http.ServerResponse, target: URL, pathAndQuery: string): Promise<void> {
  return new Promise((resolve) => {
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: pathAndQuery,
        headers: { ...req.headers, host: target.host },
        agent: false,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', resolve);
      },
    );
    upstream.on('error', () => {
      req.socket.destroy();
      resolve();
    });
    req.pipe(upstream);
  });
}

/** A GET of `pathAndQuery` at `target` with the given request headers, its answer read whole. */
function fetchWhole(
  target: URL,
  pathAndQuery: string,
  headers: http.IncomingHttpHeaders,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: 'GET',
        path: pathAndQuery,
        // Uncompressed, so that the page can be read and rewritten.
        headers: { ...headers, host: target.host, 'accept-encoding': 'identity' },
        agent: false,
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }));
        answer.on('error', reject);
      },
    );
    upstream.on('error', reject);
    upstream.end();
  });
}

/** A server on loopback (`host`, default 127.0.0.1; 127.0.0.2 works too) that answers each request as `behaviour` says, and records them. */
export async function startFaultServer(behaviour: FaultAction | FaultBehaviour, options: { host?: string } = {}): Promise<FaultServer> {
  const bind = options.host ?? '127.0.0.1';
  const seen: FaultRequest[] = [];
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const wait = (ms: number): Promise<void> =>
    ms > 0
      ? new Promise((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, ms);
          timers.add(timer);
        })
      : Promise.resolve();

  const server = http.createServer((req, res) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name === 'authorization' || name === 'cookie' || value === undefined) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const authorization = req.headers.authorization;
    const request: FaultRequest = {
      index: seen.length,
      method: req.method ?? '',
      url: req.url ?? '',
      headers,
      authorization: authorization !== undefined,
      authScheme: authorization !== undefined ? (authorization.split(' ')[0] ?? '') : null,
      time: Date.now(),
    };
    seen.push(request);

    void (async () => {
      const action = await resolveAction(behaviour, request);
      switch (action.kind) {
        case 'respond': {
          req.resume();
          await wait(action.delayMs ?? 0);
          if (res.destroyed) return;
          const body = req.method === 'HEAD' ? '' : (action.body ?? '');
          const responseHeaders: Record<string, string> = { ...(action.headers ?? {}) };
          if (!Object.keys(responseHeaders).some((h) => h.toLowerCase() === 'content-length'))
            responseHeaders['Content-Length'] = String(Buffer.byteLength(action.body ?? ''));
          res.writeHead(action.status, responseHeaders);
          if (action.bodyDelayMs) {
            res.flushHeaders();
            await wait(action.bodyDelayMs);
            if (res.destroyed) return;
          }
          res.end(body);
          return;
        }
        case 'destroy':
          req.resume();
          await wait(action.delayMs ?? 0);
          req.socket.destroy();
          return;
        case 'redirect':
          req.resume();
          res.writeHead(action.status ?? 307, { Location: action.location, 'Content-Length': '0' });
          res.end();
          return;
        case 'proxy': {
          const target = new URL(action.target);
          const forwarded = { ...req.headers, host: target.host };
          const upstream = http.request(
            { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: forwarded, agent: false },
            (answer) => {
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              answer.pipe(res);
            },
          );
          upstream.on('error', () => req.socket.destroy());
          req.pipe(upstream);
          return;
        }
        case 'paginate': {
          const url = new URL(req.url ?? '/', 'http://fault');
          const target = new URL(action.target);
          if (req.method !== 'GET' || !/^\/v2\/.+\/tags\/list$/.test(url.pathname)) {
            // Anything but a tag list goes through untouched.
            await proxyOnce(req, res, target, req.url ?? '/');
            return;
          }
          req.resume();
          const answer = await fetchWhole(target, url.pathname, req.headers);
          if (answer.status !== 200) {
            res.writeHead(answer.status, answer.headers);
            res.end(answer.body);
            return;
          }
          const { name, tags } = JSON.parse(answer.body.toString('utf8')) as { name: string; tags: string[] | null };
          const last = url.searchParams.get('last');
          const n = url.searchParams.has('n') ? Number(url.searchParams.get('n')) : Infinity;
          const after = (tags ?? []).sort().filter((tag) => last === null || tag > last);
          const page = after.slice(0, Math.min(n, action.pageSize ?? Infinity));
          const headers: Record<string, string> = { 'Content-Type': 'application/json' };
          if (page.length < after.length) {
            const next = `/v2/${name}/tags/list?last=${encodeURIComponent(page[page.length - 1] ?? '')}${Number.isFinite(n) ? `&n=${n}` : ''}`;
            headers['Link'] = `<${action.link === 'absolute' ? `http://${req.headers.host}${next}` : next}>; rel="next"`;
          }
          const body = JSON.stringify({ name, tags: page });
          headers['Content-Length'] = String(Buffer.byteLength(body));
          res.writeHead(200, headers);
          res.end(body);
          return;
        }
      }
    })().catch(() => req.socket.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server, bind);
  server.unref();
  const host = `${bind}:${port}`;
  return {
    host,
    url: `http://${host}`,
    requests: () => [...seen],
    stop: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The stand-in credential helper (test/fixtures/docker-credential-shipshape)

export const CREDENTIAL_HELPER = path.join(REPO, 'test', 'fixtures', 'docker-credential-shipshape');
/** Put it on PATH to make `credsStore: "shipshape"` / `credHelpers: { host: "shipshape" }` find the helper. */
export const CREDENTIAL_HELPER_DIR = path.dirname(CREDENTIAL_HELPER);
/** The helper's name in a Docker config's credsStore / credHelpers. */
export const CREDENTIAL_HELPER_NAME = 'shipshape';

export interface CredentialCall {
  readonly command: string;
  readonly serverURL: string | null;
  readonly found: boolean;
  readonly pid: number;
  readonly time: number;
}

/**
 * A store for the stand-in helper, for the test's duration: writes it, points
 * SHIPSHAPE_TEST_CREDENTIALS(_LOG) at it and puts the helper's folder first on PATH (in `env`
 * too, for a client given an environment of its own). `restore()` puts the environment back.
 */
export function credentialStore(entries: Record<string, { Username: string; Secret: string }> = {}): {
  readonly file: string;
  readonly logFile: string;
  readonly env: Record<string, string>;
  calls(): CredentialCall[];
  entries(): Record<string, { Username: string; Secret: string }>;
  restore(): void;
} {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-credentials-'));
  const file = path.join(dir, 'store.json');
  const logFile = path.join(dir, 'calls.jsonl');
  writeFileSync(file, JSON.stringify(entries, null, 2), { mode: 0o600 });
  const env = {
    SHIPSHAPE_TEST_CREDENTIALS: file,
    SHIPSHAPE_TEST_CREDENTIALS_LOG: logFile,
    PATH: `${CREDENTIAL_HELPER_DIR}${path.delimiter}${process.env['PATH'] ?? ''}`,
  };
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
  return {
    file,
    logFile,
    env,
    calls: () =>
      existsSync(logFile)
        ? readFileSync(logFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as CredentialCall)
        : [],
    entries: () => JSON.parse(readFileSync(file, 'utf8')) as Record<string, { Username: string; Secret: string }>,
    restore() {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { sha256 as digestOf, sleep };
