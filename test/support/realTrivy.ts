// The real Trivy in the tests: the binaries scripts/tools.mjs builds (from Trivy's sources, at
// pinned releases), a vulnerability database of our own (scripts/trivy-db.mjs over
// test/fixtures/trivy-db/advisories.json), and the environment that keeps Trivy offline:
//
//   const trivy = realTrivy();                        // path of the built v0.74.0 (built on first use)
//   const cache = await trivyCache();                 // a cache folder holding our database, per test file
//   const env = offlineEnv(cache);                    // TRIVY_* that keep it from any download
//   const report = await trivyImage(trivy, ref, env, ['--severity', 'HIGH']);   // Trivy's own JSON
//   const server = await startTrivyServer(trivy, cache, { token: 's3cret' });  // `trivy server` on loopback
//
// Building Trivy the first time takes minutes (the README says how long): the first call waits.

import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { freePort, pushBlob, pushManifest, type Registry } from './registry';
import { tarFiles } from './distroImages';

/** The media types of Trivy's database as an OCI artifact (what `--db-repository` pulls). */
export const TRIVY_DB_MEDIA_TYPES = {
  layer: 'application/vnd.aquasec.trivy.db.layer.v1.tar+gzip',
  config: 'application/vnd.aquasec.trivy.config.v1+json',
} as const;

const REPO = path.resolve(__dirname, '..', '..');
export const ADVISORIES = path.join(REPO, 'test', 'fixtures', 'trivy-db', 'advisories.json');

const paths = new Map<string, string>();

/** The path of a tool of scripts/tools.mjs, building it when missing (once per process). */
export function tool(name: string): string {
  let found = paths.get(name);
  if (!found) {
    found = execFileSync(process.execPath, [path.join(REPO, 'scripts', 'tools.mjs'), 'which', name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 60 * 60 * 1000,
    }).trim();
    paths.set(name, found);
  }
  return found;
}

/** Trivy v0.74.0, built from its sources. */
export const realTrivy = (): string => tool('trivy');
/** The older release scripts/tools.mjs builds (v0.58.2). */
export const olderTrivy = (): string => tool('trivy-v0.58');

let database: string | undefined;
const folders: string[] = [];

/** Our database, written once per process into a folder of its own (`DIR/db/`); copy it, never write to it. */
export function trivyDatabase(): string {
  if (!database) {
    database = mkdtempSync(path.join(os.tmpdir(), 'shipshape-trivy-db-'));
    folders.push(database);
    execFileSync(
      process.execPath,
      [path.join(REPO, 'scripts', 'trivy-db.mjs'), '--advisories', ADVISORIES, '--out', database, '--updated-at', '2026-12-01T00:00:00Z'],
      { stdio: ['ignore', 'inherit', 'inherit'], timeout: 30 * 60 * 1000 },
    );
  }
  return database;
}

/** A fresh Trivy cache folder holding a copy of our database (and nothing else: no image cached). */
export function trivyCache(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-trivy-cache-'));
  folders.push(dir);
  mkdirSync(path.join(dir, 'db'));
  cpSync(path.join(trivyDatabase(), 'db'), path.join(dir, 'db'), { recursive: true });
  return dir;
}

/** An empty folder, removed with the others by `cleanUp`. */
export function tempFolder(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `shipshape-${prefix}-`));
  folders.push(dir);
  return dir;
}

/** What keeps Trivy offline with the database in `cacheDir`: no database download, no version check, no telemetry. */
export function offlineEnv(cacheDir: string): Record<string, string> {
  return {
    TRIVY_CACHE_DIR: cacheDir,
    TRIVY_SKIP_DB_UPDATE: 'true',
    TRIVY_SKIP_JAVA_DB_UPDATE: 'true',
    TRIVY_OFFLINE_SCAN: 'true',
    TRIVY_SKIP_VERSION_CHECK: 'true',
    TRIVY_DISABLE_TELEMETRY: 'true',
    TRIVY_NO_PROGRESS: 'true',
    // The images come from the registry, never from a Docker, containerd or Podman daemon.
    TRIVY_IMAGE_SRC: 'remote',
  };
}

/** The environment of a child: ours without any TRIVY_* of the machine, plus `env`. */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TRIVY_')));
  return { ...base, ...env };
}

/** Sets environment variables for the test's duration (the CLI runs in-process): returns the undo. */
export function setEnv(env: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

export interface TrivyRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a Trivy binary (asynchronously: the registry's token server may run in this process). */
export function runTrivy(binary: string, args: readonly string[], env: Record<string, string>, timeoutMs = 5 * 60_000): Promise<TrivyRun> {
  return new Promise((resolve) => {
    execFile(
      binary,
      [...args],
      { env: childEnv(env), cwd: os.tmpdir(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Trivy's own answer: `trivy image --format json` of `reference`, parsed (it must succeed). */
export async function trivyImage(
  binary: string,
  reference: string,
  env: Record<string, string>,
  extra: readonly string[] = [],
): Promise<TrivyReport> {
  const run = await runTrivy(binary, ['image', '--format', 'json', '--quiet', '--scanners', 'vuln', ...extra, reference], env);
  if (run.code !== 0) throw new Error(`trivy image ${reference} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as TrivyReport;
}

/** The part of Trivy's JSON report the comparisons read. */
export interface TrivyReport {
  readonly Metadata?: {
    readonly OS?: { readonly Family: string; readonly Name: string; readonly EOSL?: boolean };
    readonly ImageConfig?: { readonly config?: { readonly User?: string } };
  };
  readonly Results?: readonly {
    readonly Target: string;
    readonly Vulnerabilities?: readonly {
      readonly VulnerabilityID: string;
      readonly PkgName: string;
      readonly InstalledVersion: string;
      readonly FixedVersion?: string;
      readonly Severity: string;
      readonly Status?: string;
    }[];
  }[];
}

/** Every vulnerability of a report, flattened. */
export function vulnerabilitiesOf(report: TrivyReport) {
  return (report.Results ?? []).flatMap((r) => r.Vulnerabilities ?? []);
}

/** Counts by severity, as Shipshape's reports write them. */
export function countsOf(report: TrivyReport): Record<'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN', number> {
  const counts = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
  for (const v of vulnerabilitiesOf(report)) counts[v.Severity as keyof typeof counts]++;
  return counts;
}

export interface TrivyServer {
  readonly url: string;
  readonly pid: number;
  output(): string;
  stop(): Promise<void>;
}

const servers = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of servers) child.kill('SIGKILL');
});

/** `trivy server` on a free loopback port, with the database in `cacheDir`; resolves once it answers. */
export async function startTrivyServer(
  binary: string,
  cacheDir: string,
  options: { token?: string; tokenHeader?: string } = {},
): Promise<TrivyServer> {
  const port = await freePort();
  const args = ['server', '--listen', `127.0.0.1:${port}`];
  if (options.tokenHeader) args.push('--token-header', options.tokenHeader);
  // The token goes through the environment, so that it shows in no process list.
  const env = { ...offlineEnv(cacheDir), ...(options.token !== undefined && { TRIVY_TOKEN: options.token }) };
  const child = spawn(binary, args, { env: childEnv(env), cwd: os.tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  servers.add(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    servers.delete(child);
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`trivy server exited ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`trivy server did not answer on ${url} within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, pid: child.pid!, output: () => output, stop };
}

/**
 * Pushes a database folder (`DIR/db/` of trivyDatabase) to the registry as Trivy publishes its
 * own: one layer, a gzipped tar of `trivy.db` and `metadata.json`, under Trivy's media types.
 */
export async function pushTrivyDb(registry: Registry, repo: string, tag: string, databaseDir = trivyDatabase()): Promise<string> {
  const file = (name: string) => ({ name, directory: false, content: readFileSync(path.join(databaseDir, 'db', name)) });
  const layer = gzipSync(tarFiles([file('trivy.db'), file('metadata.json')]));
  const config = Buffer.from('{}');
  const [configDigest, layerDigest] = await Promise.all([pushBlob(registry, repo, config), pushBlob(registry, repo, layer)]);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: TRIVY_DB_MEDIA_TYPES.config, digest: configDigest, size: config.length },
    layers: [
      {
        mediaType: TRIVY_DB_MEDIA_TYPES.layer,
        digest: layerDigest,
        size: layer.length,
        annotations: { 'org.opencontainers.image.title': 'db.tar.gz' },
      },
    ],
  });
  return pushManifest(registry, repo, tag, manifest, 'application/vnd.oci.image.manifest.v1+json');
}

/** Removes the folders this module made. */
export function cleanUp(): void {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
  database = undefined;
}
