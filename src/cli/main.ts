// The `shipshape` command: a thin shell over the core.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeAtomically } from '../core/util/atomicFile.js';
import { printable } from '../core/output/printable.js';
import { ScanCache, DEFAULT_TTL_MS } from '../core/trivy/cache.js';
import { Scanner } from '../core/trivy/scanner.js';
import { TRIVY_SEVERITIES, type ScanSettings, type TrivySeverity } from '../core/trivy/types.js';
import {
  RULE_IDS, RULES, SEVERITIES, scanPaths, toJsonReport, toSarif, toText,
  type AnalyzeOptions, type RuleId, type RuleSettings, type ScanReport, type Severity,
} from '../core/index.js';

declare const SHIPSHAPE_VERSION: string;
const VERSION = typeof SHIPSHAPE_VERSION === 'string' ? SHIPSHAPE_VERSION : '0.0.0-dev';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

const PIN_USAGE = `Usage: shipshape pin [options] [PATH...]

Asks each image's registry for the digest its tag points to now and pins the reference as
name:tag@sha256:… (an ARG default for FROM \$ARG). Pinned references whose tag has moved are
updated. Without --write, prints the changes.

Options:
  --write                    write the changes into the files (each replaced atomically)
  --check                    change nothing; exit 1 if an image is unpinned or a pin is stale
  --platform OS/ARCH[/VARIANT]
                             pin a multi-platform image to this platform's own manifest
                             (default: the index, the same digest for every platform)
  --insecure-registry HOST   a registry reached over plain HTTP (loopback always is; repeatable)
  --build-arg NAME=VALUE     a Dockerfile build argument (repeatable)
  --concurrency N            registry requests at once (default 8)

Credentials come from the Docker config (~/.docker/config.json or $DOCKER_CONFIG): auths,
credsStore and credHelpers. Exit status: 0 done (or nothing to pin with --check), 1 something to
pin with --check, 2 usage error or an image that could not be resolved.
`;

const CLUSTER_USAGE = `Usage: shipshape cluster [options]

Lists the images running in a Kubernetes cluster (every container, init and ephemeral
container of every pod the credentials can list), scans each distinct image (by digest) once
with Trivy, and reports each vulnerability with its remediation deadline.

Options:
  --kubeconfig FILE          kubeconfig (repeatable; default $KUBECONFIG or ~/.kube/config)
  --context NAME             the kubeconfig context (default: its current one)
  --namespace NS             only this namespace (repeatable; default all)
  --format FORMAT            table (default), json, csv, sarif or markdown
  --output FILE              write the report to FILE
  --sla SEVERITY=DAYS,...    days to fix per severity (default CRITICAL=7,HIGH=30,MEDIUM=90,LOW=180)
  --from-published           count deadlines from the vulnerability's publication, not from first seen
  --state FILE               where first-seen dates are kept (default ~/.cache/shipshape/deadlines.json)
  --fail-on-breach           exit 1 when a deadline has passed
  --use-operator-reports     use the Trivy Operator's VulnerabilityReports where it has scanned an image
  --trivy PATH               the Trivy binary; --concurrency N images at once (default 4)
  --request-timeout SECONDS  how long one request to the API server may take (default 60)

Exit status: 0 done, 1 a deadline has passed (with --fail-on-breach), 2 the run failed (bad
arguments, no cluster, or interrupted by SIGINT/SIGTERM, after writing the partial report).
Images that could not be scanned are listed and do not change it.
`;

const USAGE = `Usage: shipshape scan [options] [PATH...]
       shipshape pin [--write | --check] [PATH...]   (shipshape pin --help)
       shipshape cluster [options]                    (shipshape cluster --help)

Finds container images in Dockerfiles, Containerfiles, Kubernetes manifests and Compose
files under PATH (default: the current folder) and reports unpinned images and root users.

Options:
  --format text|json|sarif   report format (default: text)
  --output FILE              write the report to FILE instead of standard output
  --build-arg NAME=VALUE     a Dockerfile build argument (repeatable)
  --fail-on LEVEL            exit 1 when a finding is at or above LEVEL:
                             error, warning (default), info, or none
  --disable RULE             switch a rule off (repeatable): ${RULE_IDS.join(', ')}
  --severity RULE[:VARIANT]=LEVEL
                             change a rule's severity, e.g. unpinned-image:mutable-tag=warning
  --max-file-size BYTES      skip larger files (default 10M; suffixes K, M)
  --offline                  static rules only: no image scanner, no network

Vulnerability scanning (the default; needs Trivy, https://trivy.dev):
  --trivy PATH               the Trivy binary (default: trivy on PATH)
  --severity LIST            the vulnerability severities to report, e.g. HIGH,CRITICAL
  --ignore-unfixed           report only vulnerabilities that have a fix
  --server URL               use a Trivy server (client/server mode)
  --concurrency N            images scanned at once (default 4)
  --timeout SECONDS          per image (default 300)
  --trivy-cache-dir DIR      Trivy's own cache (--cache-dir)
  --no-cache                 do not reuse earlier scan results (default: reused for 12 hours)
  -h, --help                 show this help
  -v, --version              show the version

Exit status: 0 nothing at or above --fail-on, 1 findings (or unreadable input), 2 usage or I/O error.
`;

class UsageError extends Error {}

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly isTTY: boolean;
}

const defaultIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
};

export async function main(argv: readonly string[], given: Io = defaultIo): Promise<number> {
  // Messages quote file names, image names and cluster data: no control character from them
  // reaches the terminal (each line is made printable; the line breaks are ours).
  const io: Io = { ...given, stderr: (text) => given.stderr(text.split('\n').map(printable).join('\n')) };
  try {
    const [command, ...rest] = argv;
    if (command === '-h' || command === '--help' || command === 'help' || command === undefined) {
      io.stdout(USAGE);
      return command === undefined ? EXIT_ERROR : EXIT_OK;
    }
    if (command === '-v' || command === '--version') {
      io.stdout(`${VERSION}\n`);
      return EXIT_OK;
    }
    if (command === 'pin') return await pin(rest, io);
    if (command === 'cluster') return await cluster(rest, io);
    if (command !== 'scan') throw new UsageError(`unknown command "${command}"`);
    return await scan(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`shipshape: ${error.message}\n\n${USAGE}`);
      return EXIT_ERROR;
    }
    io.stderr(`shipshape: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_ERROR;
  }
}

interface ScanArgs {
  readonly paths: string[];
  readonly format: 'text' | 'json' | 'sarif';
  readonly output?: string;
  readonly failOn: Severity | 'none';
  readonly analyze: AnalyzeOptions;
  readonly maxFileBytes?: number;
  /** Absent with --offline. */
  readonly scan?: { readonly trivyPath?: string; readonly concurrency?: number; readonly cache: boolean; readonly settings: ScanSettings };
}

/** util.parseArgs with positionals, its errors as usage errors. */
function parseOptions<T extends ParseArgsConfig['options']>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], allowPositionals: true, strict: true, options });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** `--build-arg NAME=VALUE` values as a record. */
function parseBuildArgs(pairs: readonly string[]): Record<string, string> {
  const buildArgs: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--build-arg expects NAME=VALUE, not "${pair}"`);
    buildArgs[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return buildArgs;
}

function parseScanArgs(args: readonly string[]): ScanArgs | 'help' {
  const parsed = parseOptions(args, {
    format: { type: 'string', default: 'text' },
    output: { type: 'string', short: 'o' },
    'build-arg': { type: 'string', multiple: true, default: [] },
    'fail-on': { type: 'string', default: 'warning' },
    disable: { type: 'string', multiple: true, default: [] },
    severity: { type: 'string', multiple: true, default: [] },
    'max-file-size': { type: 'string' },
    offline: { type: 'boolean', default: false },
    trivy: { type: 'string' },
    'ignore-unfixed': { type: 'boolean', default: false },
    server: { type: 'string' },
    concurrency: { type: 'string' },
    timeout: { type: 'string' },
    'trivy-cache-dir': { type: 'string' },
    'no-cache': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const format = values.format;
  if (format !== 'text' && format !== 'json' && format !== 'sarif') {
    throw new UsageError(`--format must be text, json or sarif, not "${format}"`);
  }
  const failOn = values['fail-on'];
  if (failOn !== 'none' && !(SEVERITIES as readonly string[]).includes(failOn)) {
    throw new UsageError(`--fail-on must be error, warning, info or none, not "${failOn}"`);
  }
  const buildArgs = parseBuildArgs(values['build-arg']);
  const rules: Partial<Record<RuleId, RuleSettings>> = {};
  for (const rule of values.disable) {
    rules[checkRule(rule, '--disable')] = { enabled: false };
  }
  const trivySeverities: TrivySeverity[] = [];
  for (const setting of values.severity) {
    // `--severity HIGH,CRITICAL` filters vulnerabilities; `--severity RULE=LEVEL` sets a rule's severity.
    if (!setting.includes('=')) {
      for (const name of setting.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean)) {
        if (!(TRIVY_SEVERITIES as readonly string[]).includes(name)) {
          throw new UsageError(`--severity expects vulnerability severities (${TRIVY_SEVERITIES.join(',')}) or RULE[:VARIANT]=LEVEL, not "${setting}"`);
        }
        if (!trivySeverities.includes(name as TrivySeverity)) trivySeverities.push(name as TrivySeverity);
      }
      continue;
    }
    const match = /^([\w-]+)(?::([\w-]+))?=(\w+)$/.exec(setting);
    if (!match) throw new UsageError(`--severity expects RULE[:VARIANT]=LEVEL, not "${setting}"`);
    const [, ruleName, variant, level] = match as unknown as [string, string, string | undefined, string];
    const rule = checkRule(ruleName, '--severity');
    if (!(SEVERITIES as readonly string[]).includes(level)) {
      throw new UsageError(`--severity level must be error, warning or info, not "${level}"`);
    }
    const variants = Object.keys(RULES[rule].severities).filter((v) => v !== 'default');
    if (variant !== undefined && !variants.includes(variant)) {
      throw new UsageError(`${rule} has ${variants.length ? `the variants ${variants.join(', ')}` : 'no variants'}, not "${variant}"`);
    }
    const previous = rules[rule]?.severity;
    // A rule-wide level set earlier stays in force for the variants not named now.
    const perVariant: Record<string, Severity> =
      typeof previous === 'object' ? { ...previous } : typeof previous === 'string' ? Object.fromEntries(variants.map((v) => [v, previous])) : {};
    const severity = variant === undefined ? (level as Severity) : { ...perVariant, [variant]: level as Severity };
    rules[rule] = { ...rules[rule], severity };
  }
  const maxFileBytes = values['max-file-size'] === undefined ? undefined : parseSize(values['max-file-size']);
  const concurrency = values.concurrency === undefined ? undefined : positiveInteger(values.concurrency, '--concurrency', 32);
  const timeoutSeconds = values.timeout === undefined ? undefined : positiveInteger(values.timeout, '--timeout', 24 * 3600);
  if (values.server !== undefined && !/^https?:\/\/[^\s]+$/.test(values.server)) {
    throw new UsageError(`--server expects an http:// or https:// URL, not "${values.server}"`);
  }
  const scan: ScanArgs['scan'] = values.offline
    ? undefined
    : {
        ...(values.trivy !== undefined && { trivyPath: values.trivy }),
        ...(concurrency !== undefined && { concurrency }),
        cache: !values['no-cache'],
        settings: {
          ...(trivySeverities.length > 0 && { severities: trivySeverities }),
          ...(values['ignore-unfixed'] && { ignoreUnfixed: true }),
          ...(values.server !== undefined && { serverUrl: values.server }),
          ...(timeoutSeconds !== undefined && { timeoutSeconds }),
          ...(values['trivy-cache-dir'] !== undefined && { cacheDir: values['trivy-cache-dir'] }),
        },
      };
  return {
    ...(scan && { scan }),
    paths: positionals.length > 0 ? positionals : ['.'],
    format,
    failOn: failOn as Severity | 'none',
    analyze: { buildArgs, rules },
    ...(values.output !== undefined && { output: values.output }),
    ...(maxFileBytes !== undefined && { maxFileBytes }),
  };
}

function checkRule(name: string, option: string): RuleId {
  if (!(RULE_IDS as readonly string[]).includes(name)) {
    throw new UsageError(`${option}: unknown rule "${name}" (rules: ${RULE_IDS.join(', ')})`);
  }
  return name as RuleId;
}

function positiveInteger(text: string, option: string, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new UsageError(`${option} expects a whole number from 1 to ${max}, not "${text}"`);
  return value;
}

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(k|kb|kib|m|mb|mib)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`--max-file-size expects a size in bytes, or with K/KB or M/MB (e.g. 512K, 20MB), not "${text}"`);
  const unit = (match[2] ?? '').toLowerCase()[0];
  return Math.round(Number(match[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : 1));
}

async function pin(args: readonly string[], io: Io): Promise<number> {
  const parsed = parseOptions(args, {
    write: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    platform: { type: 'string' },
    'insecure-registry': { type: 'string', multiple: true, default: [] },
    'build-arg': { type: 'string', multiple: true, default: [] },
    concurrency: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(PIN_USAGE);
    return EXIT_OK;
  }
  if (values.write && values.check) throw new UsageError('--write and --check do not go together');
  const platformMatch = values.platform === undefined ? undefined : /^([a-z0-9]+)\/([a-z0-9_]+)(?:\/([a-z0-9]+))?$/.exec(values.platform);
  if (values.platform !== undefined && !platformMatch) throw new UsageError(`--platform expects OS/ARCH[/VARIANT], e.g. linux/arm64, not "${values.platform}"`);
  const buildArgs = parseBuildArgs(values['build-arg']);
  const concurrency = values.concurrency === undefined ? 8 : positiveInteger(values.concurrency, '--concurrency', 64);
  const report = await scanPaths(positionals.length > 0 ? positionals : ['.'], { analyze: { buildArgs } });
  if (report.ioErrors.length > 0) {
    for (const error of report.ioErrors) io.stderr(`shipshape: ${error.path}: ${error.message}\n`);
    return EXIT_ERROR;
  }
  const { RegistryClient } = await import('../core/registry/client.js');
  const { planPins } = await import('../core/registry/plan.js');
  const logger = { debug() {}, info() {}, warn() {}, error() {} };
  const client = new RegistryClient({
    logger,
    insecureRegistries: values['insecure-registry'],
    ...(platformMatch && { platform: { os: platformMatch[1]!, architecture: platformMatch[2]!, ...(platformMatch[3] !== undefined && { variant: platformMatch[3] }) } }),
  });
  const plan = await planPins(report, client, concurrency);
  for (const { file, changes } of plan.files) {
    for (const change of changes) {
      const { start } = change.edit.range;
      const what = change.previous ? `tag moved: @${short(change.previous)} -> ${change.edit.newText}` : `${change.before} -> ${change.edit.newText}`;
      io.stdout(`${printable(`${file}:${start.line + 1}:${start.character + 1}  ${what}`)}\n`);
    }
  }
  for (const failure of plan.failures) io.stderr(`shipshape: ${failure.file}:${failure.line}: ${failure.message}\n`);
  if (values.write) {
    const { applyEdits } = await import('../core/edits/textEdits.js');
    for (const { file, text, bom, changes } of plan.files) {
      await writeAtomically(file, `${bom ? '\uFEFF' : ''}${applyEdits(text, changes.map((c) => c.edit))}`);
    }
  }
  const summary = `${plan.unpinned} to pin, ${plan.stale} stale pin${plan.stale === 1 ? '' : 's'}${values.write && plan.unpinned + plan.stale > 0 ? ': written' : ''}` +
    `${plan.failures.length ? `; ${plan.failures.length} could not be resolved` : ''}.`;
  io.stdout(`${summary}\n`);
  if (plan.failures.length > 0) return EXIT_ERROR;
  return values.check && plan.unpinned + plan.stale > 0 ? EXIT_FINDINGS : EXIT_OK;
}

async function cluster(args: readonly string[], io: Io): Promise<number> {
  const { values } = parseOptions(args, {
    kubeconfig: { type: 'string', multiple: true, default: [] },
    context: { type: 'string' },
    namespace: { type: 'string', multiple: true, default: [] },
    format: { type: 'string', default: 'table' },
    output: { type: 'string', short: 'o' },
    sla: { type: 'string' },
    'from-published': { type: 'boolean', default: false },
    state: { type: 'string' },
    'fail-on-breach': { type: 'boolean', default: false },
    'use-operator-reports': { type: 'boolean', default: false },
    trivy: { type: 'string' },
    concurrency: { type: 'string' },
    'request-timeout': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.stdout(CLUSTER_USAGE);
    return EXIT_OK;
  }
  const format = values.format;
  if (!['table', 'json', 'csv', 'sarif', 'markdown'].includes(format)) throw new UsageError(`--format must be table, json, csv, sarif or markdown, not "${format}"`);
  const { parseSla, DEFAULT_SLA, DeadlineState } = await import('../core/cluster/deadlines.js');
  let sla = DEFAULT_SLA;
  try {
    if (values.sla !== undefined) sla = parseSla(values.sla);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const concurrency = values.concurrency === undefined ? undefined : positiveInteger(values.concurrency, '--concurrency', 32);
  const requestTimeout = values['request-timeout'] === undefined ? undefined : positiveInteger(values['request-timeout'], '--request-timeout', 3600);
  const { scanCluster } = await import('../core/cluster/scanCluster.js');
  const { ClusterUnavailable } = await import('../core/cluster/kubeconfig.js');
  const reports = await import('../core/cluster/reports.js');
  const scanner = await createScanner({ ...(values.trivy !== undefined && { trivyPath: values.trivy }), ...(concurrency !== undefined && { concurrency }), cache: true, settings: {} }, io);
  const stateFile = values.state ?? path.join(path.dirname(cacheFile()), 'deadlines.json');
  // Ctrl-C, or a CronJob's deadline (SIGTERM): stop, and still write what was found so far.
  const controller = new AbortController();
  const stop = () => controller.abort();
  // `on`, not `once`: execa's exit hook re-raises the signal when no other listener remains.
  process.on('SIGINT', stop).on('SIGTERM', stop);
  let report;
  try {
    report = await scanCluster({
      signal: controller.signal,
      ...(requestTimeout !== undefined && { requestTimeoutMs: requestTimeout * 1000 }),
      scanner,
      state: new DeadlineState(stateFile),
      sla,
      ...(values['from-published'] && { fromPublished: true }),
      ...(values['use-operator-reports'] && { useOperatorReports: true }),
      ...(values.kubeconfig.length > 0 && { kubeconfig: values.kubeconfig }),
      ...(values.context !== undefined && { context: values.context }),
      ...(values.namespace.length > 0 && { namespaces: values.namespace }),
    });
  } catch (error) {
    if (error instanceof ClusterUnavailable) {
      io.stderr(`shipshape: ${error.message}\n`);
      return EXIT_ERROR;
    }
    throw error;
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
  const unusable = [...report.outcomes.values()].find((o) => !o.ok && (o.failure.reason === 'not-installed' || o.failure.reason === 'too-old'));
  if (unusable && !unusable.ok) {
    io.stderr(`shipshape: ${unusable.failure.message}\n`);
    return EXIT_ERROR;
  }
  const rendered =
    format === 'json' ? `${JSON.stringify(reports.toClusterJson(report), null, 2)}\n`
    : format === 'csv' ? reports.toClusterCsv(report)
    : format === 'sarif' ? `${JSON.stringify(reports.toClusterSarif(report, VERSION), null, 2)}\n`
    : format === 'markdown' ? reports.toClusterMarkdown(report)
    : reports.toClusterTable(report);
  if (values.output !== undefined) await writeAtomically(values.output, rendered);
  else io.stdout(rendered);
  for (const error of report.errors) io.stderr(`shipshape: ${error.namespace ? `namespace ${error.namespace}: ` : error.image ? `${error.image}: ` : ''}${error.message}\n`);
  if (report.cancelled) return EXIT_ERROR;
  return values['fail-on-breach'] && report.findings.some((f) => f.breached) ? EXIT_FINDINGS : EXIT_OK;
}

function short(digest: string): string {
  return digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, '$1…');
}

async function scan(args: readonly string[], io: Io): Promise<number> {
  const options = parseScanArgs(args);
  if (options === 'help') {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  const scanner = options.scan ? await createScanner(options.scan, io) : undefined;
  const report = await scanPaths(options.paths, {
    analyze: options.analyze,
    ...(options.maxFileBytes !== undefined && { maxFileBytes: options.maxFileBytes }),
    ...(scanner && { scanner }),
  });
  const rendered = render(report, options.format, io.isTTY && options.output === undefined);
  if (options.output !== undefined) {
    await writeAtomically(options.output, rendered);
  } else {
    io.stdout(rendered);
  }
  if (report.ioErrors.length > 0) {
    for (const error of report.ioErrors) io.stderr(`shipshape: ${error.path}: ${error.message}\n`);
    return EXIT_ERROR;
  }
  if (report.trivyProblem) {
    io.stderr(`shipshape: ${report.trivyProblem.message} Or pass --offline for the static rules alone.\n`);
    return EXIT_ERROR;
  }
  return exitCode(report, options.failOn);
}

function render(report: ScanReport, format: ScanArgs['format'], color: boolean): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(toJsonReport(report), null, 2)}\n`;
    case 'sarif':
      return `${JSON.stringify(toSarif(report, { version: VERSION }), null, 2)}\n`;
    default:
      return toText(report, { color });
  }
}

const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

/** 1 when a finding is at or above the threshold, or a file could not be parsed; else 0. */
export function exitCode(report: ScanReport, failOn: Severity | 'none'): number {
  if (failOn === 'none') return EXIT_OK;
  const threshold = RANK[failOn];
  const failing = report.files.some((f) => f.result.errors.length > 0 || f.result.findings.some((x) => RANK[x.severity] >= threshold));
  return failing ? EXIT_FINDINGS : EXIT_OK;
}

/** The scan cache lives in the user's cache folder (SHIPSHAPE_CACHE_DIR to move it). */
function cacheFile(): string {
  const base = process.env['SHIPSHAPE_CACHE_DIR'] ?? path.join(process.env['XDG_CACHE_HOME'] ?? path.join(os.homedir(), '.cache'), 'shipshape');
  return path.join(base, 'scans.json');
}

async function createScanner(scan: NonNullable<ScanArgs['scan']>, io: Io): Promise<Scanner> {
  // A .trivyignore in the folder the scan runs from applies, as it does for Trivy itself.
  let ignoreFile: string | undefined;
  for (const name of ['.trivyignore', '.trivyignore.yaml']) {
    const candidate = path.resolve(name);
    if (await fs.stat(candidate).then((s) => s.isFile(), () => false)) {
      ignoreFile = candidate;
      break;
    }
  }
  const logger = { debug() {}, info() {}, warn() {}, error: (m: string) => io.stderr(`shipshape: ${m}\n`) };
  return new Scanner({
    ...(scan.trivyPath !== undefined && { trivyPath: scan.trivyPath }),
    ...(scan.concurrency !== undefined && { concurrency: scan.concurrency }),
    settings: { ...scan.settings, ...(ignoreFile !== undefined && { ignoreFile }) },
    cache: new ScanCache(scan.cache ? cacheFile() : undefined, DEFAULT_TTL_MS, logger),
    logger,
  });
}

