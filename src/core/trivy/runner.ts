// Running the user's own Trivy: finding it, checking its version once, and scanning one image
// per process, with arguments as an array (never a shell) and the image after `--`.

import { constants, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isImageId, parseReference } from '../analysis/reference.js';
import { parseTrivyReport } from './parseReport.js';
import { redactUrl } from '../util/redact.js';
import type { ScanFailure, ScanFailureReason, ScanOutcome, ScanSettings } from './types.js';

/**
 * The oldest Trivy Shipshape supports: the first with `--cache-backend memory` (0.53.0). Shipshape
 * runs several Trivy processes at once, and Trivy's file cache lets one process at a time hold it
 * (another waits 5 s, then fails), so each scan keeps its layer cache in memory; the vulnerability
 * database stays in the cache folder, which Trivy opens read-only and shares.
 */
export const MINIMUM_TRIVY_VERSION = '0.53.0';
export const DEFAULT_TIMEOUT_SECONDS = 300;
/** Trivy's JSON without `Packages[]` stays far below this; more is a runaway process. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
export const INSTALL_HINT =
  'Install Trivy (https://trivy.dev/latest/getting-started/installation/) and put it on PATH, or set shipshape.trivy.path (CLI: --trivy PATH).';

export interface TrivyBinary {
  readonly path: string;
  readonly version: string;
}

function failure(reference: string, reason: ScanFailureReason, message: string, detail?: string, exitCode?: number): ScanFailure {
  return {
    reference,
    reason,
    message,
    ...(detail !== undefined && detail !== '' && { detail }),
    ...(exitCode !== undefined && { exitCode }),
  };
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return false;
    await fs.access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The configured path if given (it must exist), else the first `trivy` on PATH. */
export async function locateTrivy(configured: string | undefined, searchPath = process.env['PATH'] ?? ''): Promise<string | ScanFailure> {
  if (configured !== undefined && configured.trim() !== '') {
    const resolved = path.resolve(configured.replace(/^~(?=$|[\\/])/, os.homedir()));
    if (await isExecutable(resolved)) return resolved;
    return failure('', 'not-installed', `Trivy was not found at ${resolved} (the configured path). ${INSTALL_HINT}`);
  }
  const names = process.platform === 'win32' ? ['trivy.exe', 'trivy.cmd', 'trivy'] : ['trivy'];
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return failure('', 'not-installed', `Trivy was not found on PATH (${searchPath || 'empty'}). ${INSTALL_HINT}`);
}

/** Compares dotted versions numerically (`0.58.1` > `0.9.0`); a leading `v` is ignored. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) =>
    v
      .replace(/^v/, '')
      .split(/[.-]/)
      .map((p) => Number.parseInt(p, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

type Execa = typeof import('execa').execa;
let execaModule: Promise<Execa> | undefined;
// Loaded on first use: the editor's activation does not pay for process handling it may never need.
function loadExeca(): Promise<Execa> {
  execaModule ??= import('execa').then((m) => m.execa);
  return execaModule;
}

let neutralDir: Promise<string> | undefined;
/** An empty working folder, so that a `trivy.yaml` in some project cannot change what Trivy does. */
function workingDir(): Promise<string> {
  neutralDir ??= fs.mkdtemp(path.join(os.tmpdir(), 'shipshape-trivy-'));
  return neutralDir;
}

/** The environment for Trivy: the user's, minus variables that would redirect or reshape its report. */
export function trivyEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (/^TRIVY_(OUTPUT|FORMAT|TEMPLATE|QUIET|LIST_ALL_PKGS|SCANNERS|EXIT_CODE|EXIT_ON_EOL|CONFIG)$/.test(key)) continue;
    result[key] = value;
  }
  return result;
}

/** Runs `trivy version --format json` and checks the version against the oldest supported (`minimum`). */
export async function checkTrivy(
  trivyPath: string,
  signal?: AbortSignal,
  minimum: string = MINIMUM_TRIVY_VERSION,
): Promise<TrivyBinary | ScanFailure> {
  const execa = await loadExeca();
  const result = await execa(trivyPath, ['version', '--format', 'json'], {
    reject: false,
    timeout: 30_000,
    ...(signal && { cancelSignal: signal }),
    cwd: await workingDir(),
    env: trivyEnv(),
    extendEnv: false,
    stdin: 'ignore',
    maxBuffer: 1024 * 1024,
  });
  if (result.failed) {
    const detail = withoutSecrets(String(result.stderr ?? '')).trim();
    return failure(
      '',
      'not-installed',
      `${trivyPath} did not run as Trivy (\`trivy version\` failed${result.exitCode !== undefined ? ` with exit code ${result.exitCode}` : ''}). ` +
        `${INSTALL_HINT}`,
      detail.slice(0, 2000),
    );
  }
  let version: unknown;
  try {
    version = (JSON.parse(String(result.stdout)) as { Version?: unknown }).Version;
  } catch {
    version = /Version:\s*v?([\d.]+)/.exec(String(result.stdout))?.[1];
  }
  // A Trivy built from its sources without its releases' link flags (`go install`) says "dev": its
  // version cannot be checked, so it is taken as it is rather than refused.
  if (version === 'dev') return { path: trivyPath, version };
  if (typeof version !== 'string' || !/^v?\d+\.\d+/.test(version)) {
    return failure(
      '',
      'not-installed',
      `${trivyPath} did not report a Trivy version. ${INSTALL_HINT}`,
      String(result.stdout).slice(0, 200),
    );
  }
  if (compareVersions(version, minimum) < 0) {
    return failure(
      '',
      'too-old',
      `Trivy ${version.replace(/^v/, '')} at ${trivyPath} is too old: Shipshape needs ${minimum} or later. Upgrade it ` +
        `(https://trivy.dev/latest/getting-started/installation/) or point shipshape.trivy.path at a newer one.`,
    );
  }
  return { path: trivyPath, version: version.replace(/^v/, '') };
}

/** The arguments of one image scan. The reference comes last, after `--`. */
export function imageScanArgs(reference: string, settings: ScanSettings = {}): string[] {
  const args = ['image', '--format', 'json', '--quiet', '--scanners', 'vuln', '--list-all-pkgs=false'];
  if (settings.severities && settings.severities.length > 0) args.push('--severity', settings.severities.join(','));
  if (settings.ignoreUnfixed) args.push('--ignore-unfixed');
  if (settings.platform) args.push('--platform', settings.platform);
  args.push('--timeout', `${settings.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS}s`);
  if (settings.cacheDir) args.push('--cache-dir', settings.cacheDir);
  // A Trivy server keeps the cache in client/server mode; otherwise see MINIMUM_TRIVY_VERSION.
  if (!settings.serverUrl) args.push('--cache-backend', 'memory');
  if (settings.ignoreFile) args.push('--ignorefile', settings.ignoreFile);
  if (settings.serverUrl) args.push('--server', settings.serverUrl);
  if (settings.serverUrl && settings.tokenHeader) args.push('--token-header', settings.tokenHeader);
  if (settings.dbRepository && !settings.serverUrl) args.push('--db-repository', settings.dbRepository);
  // The database's mirror is pulled in the same run, with the same --insecure.
  const pulled = [reference, ...(settings.dbRepository && !settings.serverUrl ? settings.dbRepository.split(',') : [])];
  if (pulled.some((r) => isInsecure(r, settings.insecureRegistries))) args.push('--insecure');
  args.push('--', reference);
  return args;
}

/** Whether the image's registry is one the user marked insecure (Trivy's `--insecure` is for every registry of a run). */
function isInsecure(reference: string, insecureRegistries: readonly string[] = []): boolean {
  if (insecureRegistries.length === 0) return false;
  const parsed = parseReference(reference);
  return parsed.ok && insecureRegistries.includes(parsed.reference.domain);
}

/** A reference is only ever handed to Trivy when it is a valid image reference. */
export function isScannableReference(reference: string): boolean {
  return parseReference(reference).ok || isImageId(reference);
}

// Checked in this order: a database failure comes before any image is fetched, and access or
// rate problems are more specific than "not found".
const REASONS: readonly [RegExp, ScanFailureReason, string][] = [
  [
    /--skip-db-update cannot be specified on the first run/,
    'database',
    'Trivy has no vulnerability database in its cache and was told not to download one (--skip-db-update or ' +
      'TRIVY_SKIP_DB_UPDATE): run `trivy image --download-db-only` once with the same cache folder, or let it update',
  ],
  [
    /failed to open db: invalid database|db corrupted/i,
    'database',
    "Trivy's vulnerability database in its cache is damaged: run `trivy clean --vuln-db` (with the same cache folder) " +
      'and let it download a new one',
  ],
  [
    /DB error|vulnerability DB|failed to download.*\bdb\b/i,
    'database',
    'Trivy could not get its vulnerability database (check its network access, or use a Trivy server with shipshape.trivy.serverUrl)',
  ],
  [
    /twirp error unauthenticated|invalid token/i,
    'unauthorized',
    'the Trivy server refused the request: check its token (TRIVY_TOKEN in the environment) and the header it is ' +
      'sent in (shipshape.trivy.tokenHeader, CLI --token-header; Trivy-Token by default)',
  ],
  [
    /UNAUTHORIZED|authentication required|DENIED|access denied|401 Unauthorized|403 Forbidden/i,
    'unauthorized',
    'the registry refused access (log in with `docker login` or set TRIVY_USERNAME/TRIVY_PASSWORD)',
  ],
  [/TOOMANYREQUESTS|rate limit|429 Too Many Requests/i, 'rate-limited', 'the registry rate-limited the pull; try again later or log in'],
  [
    /server gave HTTP response to HTTPS client/i,
    'unreachable',
    'the registry answers over plain HTTP: if that is expected, mark it insecure (shipshape.registry.insecureRegistries, ' +
      'CLI --insecure-registry HOST) and Trivy is run with --insecure for its images',
  ],
  [
    /connection refused|no such host|network is unreachable|i\/o timeout|server misbehaving|connection reset by peer/i,
    'unreachable',
    'the registry could not be reached (is it up, and is the address right? a registry on plain HTTP needs ' +
      'shipshape.registry.insecureRegistries, CLI --insecure-registry)',
  ],
  [
    /MANIFEST_UNKNOWN|NAME_UNKNOWN|manifest unknown|repository does not exist|not found/i,
    'not-found',
    'the image was not found in its registry',
  ],
];

/**
 * Trivy tries the Docker daemon, containerd, Podman and the registry in turn and lists every
 * failure; when the image is not local, the registry's ("remote error") is the one that matters.
 */
function remoteError(stderr: string): string | undefined {
  return /\*\s*remote error:\s*([^\n]+)/.exec(stderr)?.[1]?.trim();
}

/** The secrets Trivy may be given through the environment: a server's token, registry credentials. */
const SECRET_VARIABLES = ['TRIVY_TOKEN', 'TRIVY_PASSWORD', 'TRIVY_REGISTRY_TOKEN'] as const;

/** Trivy's output with the values of those secrets masked, before any of it is shown or logged. */
export function withoutSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let masked = text;
  for (const name of SECRET_VARIABLES) {
    const value = env[name];
    if (value && value.length >= 4) masked = masked.split(value).join('***');
  }
  return masked;
}

/** Trivy's own reason: the last line of its fatal error, without timestamp and level. */
export function trivyReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const fatal = lines.findIndex((l) => /\bFATAL\b|^Error:|^panic:/.test(l));
  const relevant = fatal >= 0 ? lines.slice(fatal) : lines.slice(-3);
  const text = relevant
    .map((l) => l.replace(/^\S*\d{4}-\d\d-\d\dT[\d:.]+\S*\s+/, '').replace(/^(FATAL|ERROR)\s+/, ''))
    .join(' ')
    .replace(/\s+/g, ' ');
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

function classify(reference: string, stderr: string, exitCode: number | undefined): ScanFailure {
  const detail = stderr.trim().slice(0, 4000);
  const remote = remoteError(stderr);
  const reason = remote ?? trivyReason(stderr);
  for (const [pattern, kind, explanation] of REASONS) {
    const text = kind === 'database' ? stderr : (remote ?? stderr);
    if (pattern.test(text))
      return failure(
        reference,
        kind,
        `Trivy could not scan ${reference}: ${explanation}. Trivy said: ${kind === 'database' ? trivyReason(stderr) : reason}`,
        detail,
        exitCode,
      );
  }
  const said = reason ? ` Trivy said: ${reason}` : ' Trivy printed nothing on stderr.';
  return failure(reference, 'failed', `Trivy failed on ${reference} (exit code ${exitCode ?? 'none'}).${said}`, detail, exitCode);
}

/** In client/server mode, a connection refused by the Trivy server itself (not by a registry). */
function serverUnreachable(reference: string, serverUrl: string, stderr: string, exitCode: number | undefined): ScanFailure | undefined {
  let host: string;
  try {
    host = new URL(serverUrl).host;
  } catch {
    return undefined;
  }
  const refused = stderr.split('\n').some((line) => line.includes(host) && /connection refused|no such host|i\/o timeout/i.test(line));
  if (!refused) return undefined;
  return failure(
    reference,
    'unreachable',
    `Trivy could not scan ${reference}: the Trivy server ${redactUrl(serverUrl)} could not be reached (is \`trivy server\` ` +
      `running there? shipshape.trivy.serverUrl, CLI --server). Trivy said: ${trivyReason(stderr)}`,
    stderr.trim().slice(0, 4000),
    exitCode,
  );
}

/** Scans one image. Never throws: every way it can fail is a ScanFailure naming the image. */
export async function runImageScan(
  trivy: TrivyBinary,
  reference: string,
  settings: ScanSettings = {},
  signal?: AbortSignal,
  /** How long past Trivy's own --timeout the process may run before it is killed. */
  graceMs = 15_000,
  /** More output than this and Trivy is stopped: a report never needs it, and memory is bounded. */
  maxOutputBytes = MAX_OUTPUT_BYTES,
): Promise<ScanOutcome> {
  if (!isScannableReference(reference)) {
    return {
      ok: false,
      failure: failure(reference, 'invalid-reference', `${JSON.stringify(reference)} is not a valid image reference: not scanned.`),
    };
  }
  const execa = await loadExeca();
  const timeoutSeconds = settings.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const started = Date.now();
  const result = await execa(trivy.path, imageScanArgs(reference, settings), {
    reject: false,
    // Trivy stops itself at --timeout; this is the backstop for a Trivy that hangs regardless.
    timeout: timeoutSeconds * 1000 + graceMs,
    forceKillAfterDelay: 2000,
    ...(signal && { cancelSignal: signal }),
    cwd: await workingDir(),
    env: trivyEnv(),
    extendEnv: false,
    stdin: 'ignore',
    maxBuffer: maxOutputBytes,
    encoding: 'utf8',
  });
  if (result.isCanceled || signal?.aborted) {
    return { ok: false, failure: failure(reference, 'cancelled', `The scan of ${reference} was cancelled.`) };
  }
  if (result.timedOut) {
    return {
      ok: false,
      failure: failure(
        reference,
        'timeout',
        `Trivy did not finish scanning ${reference} within ${Math.round(timeoutSeconds + graceMs / 1000)} s and was stopped.`,
      ),
    };
  }
  if (result.isMaxBuffer) {
    return {
      ok: false,
      failure: failure(
        reference,
        'bad-output',
        `Trivy printed more than ${Math.round(maxOutputBytes / 1024 / 1024)} MB for ${reference}; it was stopped.`,
      ),
    };
  }
  const stderr = withoutSecrets(String(result.stderr ?? ''));
  if (result.exitCode !== 0 || result.failed) {
    if (/cache may be in use by another process/.test(stderr)) {
      return {
        ok: false,
        failure: failure(
          reference,
          'failed',
          `Trivy could not scan ${reference}: another Trivy process holds its cache folder (a Trivy older than ` +
            `${MINIMUM_TRIVY_VERSION}, or one run by hand with the same --cache-dir). Trivy said: ${trivyReason(stderr)}`,
          stderr.trim().slice(0, 4000),
          result.exitCode,
        ),
      };
    }
    if (/timeout|context deadline exceeded/i.test(stderr)) {
      return {
        ok: false,
        failure: failure(
          reference,
          'timeout',
          `Trivy timed out scanning ${reference} (--timeout ${timeoutSeconds}s). Trivy said: ${trivyReason(stderr)}`,
          stderr.trim().slice(0, 4000),
          result.exitCode,
        ),
      };
    }
    const server = settings.serverUrl ? serverUnreachable(reference, settings.serverUrl, stderr, result.exitCode) : undefined;
    return { ok: false, failure: server ?? classify(reference, stderr, result.exitCode) };
  }
  const parsed = parseTrivyReport(String(result.stdout), reference, started);
  if (!parsed.ok) {
    return {
      ok: false,
      failure: failure(
        reference,
        'bad-output',
        `Trivy's output for ${reference} is not a report Shipshape can read: ${parsed.message}`,
        stderr.trim().slice(0, 4000),
      ),
    };
  }
  return { ok: true, scan: parsed.scan };
}
