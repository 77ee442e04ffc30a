// `shipshape scan`: find images under some paths, run the static rules and (unless --offline)
// scan the images with Trivy; print or write the report.

import * as path from 'node:path';
import {
  readScanOptions,
  RULE_IDS,
  RULES,
  scanPaths,
  SEVERITIES,
  TRIVY_SEVERITIES,
  toJsonReport,
  toSarif,
  toText,
  VERSION,
  writeAtomically,
  type AnalyzeOptions,
  type ComposeEnvOptions,
  type Logger,
  type TextOptions,
  type RuleId,
  type RuleSettings,
  type ScanInput,
  type ScanReport,
  type Severity,
  type UserLookup,
  type StaleLookup,
  parsePlatform,
  silentLogger,
} from '../core/index.js';
import {
  createScanner,
  findTrivyIgnore,
  ImageUserCache,
  PinChecker,
  RegistryClient,
  registryUserLookup,
  staleLookupOf,
  USER_CACHE_FILE,
  type Platform,
  type Scanner,
} from '../core/network.js';
import {
  cacheDir,
  COMPOSE_OPTIONS,
  composeOptions,
  EXIT_ERROR,
  EXIT_FINDINGS,
  EXIT_OK,
  parseBuildArgs,
  parseOptions,
  parseSize,
  UsageError,
  type Io,
} from './args.js';
import { withChartWorker } from './chartWorker.js';

export const SCAN_USAGE = `Usage: shipshape scan [options] [PATH...]
       shipshape pin [--write | --check] [PATH...]   (shipshape pin --help)
       shipshape cluster [options]                    (shipshape cluster --help)
       shipshape advise [options] [PATH...]           (shipshape advise --help)
       shipshape tags [--all] [--digests] IMAGE       (shipshape tags --help)
       shipshape images [options] [PATH...]           (shipshape images --help)

Finds container images in Dockerfiles, Containerfiles, Kubernetes manifests and Compose
files under PATH (default: the current folder) and reports unpinned images and root users.

Options:
  --format text|json|sarif   report format (default: text)
  --output FILE              write the report to FILE instead of standard output
  --build-arg NAME=VALUE     a Dockerfile build argument (repeatable)
  -f, --values FILE          values for the Helm charts scanned, as helm template takes them (repeatable)
  --set KEY=VALUE            a Helm value over the values files, as helm's --set (repeatable)
  --fail-on LEVEL            exit 1 when a finding is at or above LEVEL:
                             error, warning (default), info, or none
  --disable RULE             switch a rule off (repeatable): ${RULE_IDS.join(', ')}
  --severity RULE[:VARIANT]=LEVEL
                             change a rule's severity, e.g. unpinned-image:mutable-tag=warning
  --max-file-size BYTES      skip larger files (default 10M; suffixes K, M)
  --env-file FILE            Compose variables from FILE instead of each project's .env (repeatable)
  --env NAME=VALUE           a Compose variable, over .env and the environment (repeatable)
  --verbose                  list every skipped file (default: one line per reason)
  --offline                  static rules only: no image scanner, no registry, no network

Images' own users (the default; settles root-user where a file sets no user):
  --no-registry              do not ask registries for images' configured users
  --platform OS/ARCH[/VARIANT]
                             the image of a multi-platform index to read (default linux/amd64)
  --insecure-registry HOST   a registry reached over plain HTTP (loopback always is; repeatable)

Vulnerability scanning (the default; needs Trivy, https://trivy.dev):
  --trivy PATH               the Trivy binary (default: trivy on PATH)
  --severity LIST            the vulnerability severities to report, e.g. HIGH,CRITICAL
  --ignore-unfixed           report only vulnerabilities that have a fix
  --server URL               use a Trivy server (client/server mode); its token, if it wants
                             one, is read from TRIVY_TOKEN (never from an argument)
  --token-header NAME        the header that carries the server's token (Trivy's --token-header)
  --db-repository REPO       where Trivy downloads its vulnerability database (an air-gapped
                             mirror; several separated by commas)
  --concurrency N            images scanned at once (default 4)
  --timeout SECONDS          per image (default 300)
  --trivy-cache-dir DIR      Trivy's own cache (--cache-dir)
  --no-cache                 do not reuse earlier scan results (default: reused for 12 hours)
  -h, --help                 show this help
  -v, --version              show the version

Exit status: 0 nothing at or above --fail-on, 1 findings (or unreadable input), 2 usage or I/O error.
`;

interface ScanArgs {
  readonly paths: string[];
  readonly format: 'text' | 'json' | 'sarif';
  readonly output?: string;
  readonly failOn: Severity | 'none';
  readonly analyze: AnalyzeOptions;
  readonly maxFileBytes?: number;
  readonly compose: ComposeEnvOptions;
  readonly verbose: boolean;
  /** Absent with --offline. */
  readonly scan?: { readonly input: ScanInput; readonly cache: boolean };
  /** Absent with --offline or --no-registry. */
  readonly registry?: { readonly platform?: Platform; readonly insecureRegistries: readonly string[] };
  /** Where pins are checked against their tags (stale-digest); absent with --offline. */
  readonly pins?: { readonly platform?: Platform; readonly insecureRegistries: readonly string[] };
}

/** The names of the scan options on the command line, for messages. */
const SCAN_OPTION_NAMES: Readonly<Record<keyof ScanInput, string>> = {
  trivyPath: '--trivy',
  concurrency: '--concurrency',
  timeoutSeconds: '--timeout',
  severities: '--severity',
  ignoreUnfixed: '--ignore-unfixed',
  serverUrl: '--server',
  cacheDir: '--trivy-cache-dir',
  cacheHours: '--cache-hours',
  tokenHeader: '--token-header',
  dbRepository: '--db-repository',
  insecureRegistries: '--insecure-registry',
};

/** Refuses scan options that cannot be used, naming the option as it is written on the command line. */
export function checkScanInput(input: ScanInput): void {
  const [problem] = readScanOptions(input).problems;
  if (problem) throw new UsageError(`${SCAN_OPTION_NAMES[problem.field]} ${problem.message}`);
}

function parseScanArgs(args: readonly string[]): ScanArgs | 'help' {
  const { values, positionals } = parseOptions(args, {
    format: { type: 'string', default: 'text' },
    output: { type: 'string', short: 'o' },
    'build-arg': { type: 'string', multiple: true, default: [] },
    values: { type: 'string', short: 'f', multiple: true, default: [] },
    set: { type: 'string', multiple: true, default: [] },
    'fail-on': { type: 'string', default: 'warning' },
    disable: { type: 'string', multiple: true, default: [] },
    severity: { type: 'string', multiple: true, default: [] },
    'max-file-size': { type: 'string' },
    ...COMPOSE_OPTIONS,
    verbose: { type: 'boolean', default: false },
    offline: { type: 'boolean', default: false },
    'no-registry': { type: 'boolean', default: false },
    platform: { type: 'string' },
    'insecure-registry': { type: 'string', multiple: true, default: [] },
    trivy: { type: 'string' },
    'ignore-unfixed': { type: 'boolean', default: false },
    server: { type: 'string' },
    'token-header': { type: 'string' },
    'db-repository': { type: 'string' },
    concurrency: { type: 'string' },
    timeout: { type: 'string' },
    'trivy-cache-dir': { type: 'string' },
    'no-cache': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return 'help';
  const format = values.format;
  if (format !== 'text' && format !== 'json' && format !== 'sarif') {
    throw new UsageError(`--format must be text, json or sarif, not "${format}"`);
  }
  const failOn = values['fail-on'];
  if (failOn !== 'none' && !(SEVERITIES as readonly string[]).includes(failOn)) {
    throw new UsageError(`--fail-on must be error, warning, info or none, not "${failOn}"`);
  }
  const rules: Partial<Record<RuleId, RuleSettings>> = disabledRules(values.disable);
  // `--severity HIGH,CRITICAL` filters vulnerabilities; `--severity RULE=LEVEL` sets a rule's severity.
  const vulnerabilitySeverities = values.severity.filter((s) => !s.includes('='));
  for (const setting of values.severity.filter((s) => s.includes('='))) setRuleSeverity(rules, setting);
  const input: ScanInput = {
    trivyPath: values.trivy,
    concurrency: values.concurrency,
    timeoutSeconds: values.timeout,
    severities: vulnerabilitySeverities.join(','),
    ignoreUnfixed: values['ignore-unfixed'],
    serverUrl: values.server,
    cacheDir: values['trivy-cache-dir'],
    tokenHeader: values['token-header'],
    dbRepository: values['db-repository'],
    insecureRegistries: values['insecure-registry'],
  };
  const [problem] = readScanOptions(input).problems;
  if (problem?.field === 'severities') {
    throw new UsageError(
      `--severity expects vulnerability severities (${TRIVY_SEVERITIES.join(',')}) or RULE[:VARIANT]=LEVEL, not ${JSON.stringify(problem.value)}`,
    );
  }
  checkScanInput(input);
  const platform = values.platform === undefined ? undefined : parsePlatform(values.platform);
  if (platform && !platform.ok) throw new UsageError(`--platform ${platform.message}`);
  const registry = { insecureRegistries: values['insecure-registry'], ...(platform?.ok && { platform: platform.platform }) };
  return {
    ...(!values.offline && { scan: { input, cache: !values['no-cache'] } }),
    ...(!values.offline && !values['no-registry'] && { registry }),
    ...(!values.offline && { pins: registry }),
    paths: positionals.length > 0 ? positionals : ['.'],
    format,
    failOn: failOn as Severity | 'none',
    analyze: {
      buildArgs: parseBuildArgs(values['build-arg']),
      rules,
      // The date end-of-life verdicts are judged by: the core reads no clock of its own.
      now: reportDate(),
      ...((values.values.length > 0 || values.set.length > 0) && {
        helm: { valuesFiles: values.values.map((file) => path.resolve(file)), set: values.set },
      }),
    },
    compose: composeOptions(values),
    verbose: values.verbose,
    ...(values.output !== undefined && { output: values.output }),
    ...(values['max-file-size'] !== undefined && { maxFileBytes: parseSize(values['max-file-size'], '--max-file-size') }),
  };
}

/** `RULE[:VARIANT]=LEVEL`: a rule's severity, for all its variants or one. */
function setRuleSeverity(rules: Partial<Record<RuleId, RuleSettings>>, setting: string): void {
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
    typeof previous === 'object'
      ? { ...previous }
      : typeof previous === 'string'
        ? Object.fromEntries(variants.map((v) => [v, previous]))
        : {};
  const severity = variant === undefined ? (level as Severity) : { ...perVariant, [variant]: level as Severity };
  rules[rule] = { ...rules[rule], severity };
}

/** `--disable RULE` (repeatable), as rule settings; an unknown rule is a usage error. */
export function disabledRules(names: readonly string[]): Partial<Record<RuleId, RuleSettings>> {
  const rules: Partial<Record<RuleId, RuleSettings>> = {};
  for (const name of names) rules[checkRule(name, '--disable')] = { enabled: false };
  return rules;
}

export function checkRule(name: string, option: string): RuleId {
  if (!(RULE_IDS as readonly string[]).includes(name)) {
    throw new UsageError(`${option}: unknown rule "${name}" (rules: ${RULE_IDS.join(', ')})`);
  }
  return name as RuleId;
}

export async function scan(args: readonly string[], io: Io): Promise<number> {
  const options = parseScanArgs(args);
  if (options === 'help') {
    io.stdout(SCAN_USAGE);
    return EXIT_OK;
  }
  const scanner = options.scan ? await cliScanner(options.scan.input, options.scan.cache, io) : undefined;
  const imageUsers = options.registry && cliUserLookup(options.registry, options.scan?.cache !== false);
  const report = await scanPaths(options.paths, {
    analyze: options.analyze,
    ...(options.maxFileBytes !== undefined && { maxFileBytes: options.maxFileBytes }),
    ...(scanner && { scanner }),
    ...(imageUsers && { imageUsers }),
    ...(options.pins && { staleDigests: cliStaleLookup(options.pins) }),
    ...withChartWorker(),
    compose: options.compose,
  });
  const rendered = render(report, options.format, { color: io.isTTY && options.output === undefined, verbose: options.verbose });
  if (options.output !== undefined) await writeAtomically(options.output, rendered);
  else io.stdout(rendered);
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

function render(report: ScanReport, format: ScanArgs['format'], text: TextOptions): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(toJsonReport(report), null, 2)}\n`;
    case 'sarif':
      return `${JSON.stringify(toSarif(report, { version: VERSION }), null, 2)}\n`;
    default:
      return toText(report, text);
  }
}

const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

/** 1 when a finding is at or above the threshold, or a file (a manifest, an env file, a kustomization) could not be read as one; else 0. */
export function exitCode(report: ScanReport, failOn: Severity | 'none'): number {
  if (failOn === 'none') return EXIT_OK;
  const threshold = RANK[failOn];
  const failing =
    report.projectErrors.length > 0 ||
    report.files.some((f) => f.result.errors.length > 0 || f.result.findings.some((x) => RANK[x.severity] >= threshold));
  return failing ? EXIT_FINDINGS : EXIT_OK;
}

/**
 * How a CLI run reads images' own users: through their registries (with the credentials pinning
 * uses), 8 at a time, remembered in the user's cache folder (unless --no-cache) with the editor.
 */
export function cliUserLookup(registry: NonNullable<ScanArgs['registry']>, cache: boolean): UserLookup {
  const client = new RegistryClient({
    logger: silentLogger,
    insecureRegistries: registry.insecureRegistries,
    ...(registry.platform && { platform: registry.platform }),
  });
  const users = cache ? new ImageUserCache(path.join(cacheDir(), USER_CACHE_FILE)) : undefined;
  return registryUserLookup(client, users, { concurrency: 8, ...(registry.platform && { platform: registry.platform }) });
}

/**
 * Today, or `SHIPSHAPE_DATE` (`YYYY-MM-DD`): the day end-of-life is judged at, so that a CI job can
 * reproduce a report.
 */
export function reportDate(env: NodeJS.ProcessEnv = process.env): number {
  const given = env['SHIPSHAPE_DATE'];
  if (given === undefined || given === '') return Date.now();
  const at = /^\d{4}-\d{2}-\d{2}$/.test(given) ? Date.parse(`${given}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(at)) throw new UsageError(`SHIPSHAPE_DATE: expected a date as YYYY-MM-DD, not ${JSON.stringify(given)}`);
  return at;
}

/** Checks pins against their tags: one HEAD each, more only for a pin that moved (see registry/staleness.ts). */
export function cliStaleLookup(pins: NonNullable<ScanArgs['pins']>): StaleLookup {
  // No platform on the client: the HEAD answers with the tag's own digest (the index's), as a pin writes it.
  const checker = new PinChecker(new RegistryClient({ logger: silentLogger, insecureRegistries: pins.insecureRegistries }));
  // A pin whose file names no platform is compared on --platform's image.
  return staleLookupOf(checker, pins.platform);
}

/**
 * The scanner of a CLI run: results cached in the user's cache folder (unless `cache` is false),
 * and the `.trivyignore` of the current folder, as Trivy itself would read it.
 */
export async function cliScanner(input: ScanInput, cache: boolean, io: Io): Promise<Scanner> {
  const logger: Logger = { debug() {}, info() {}, warn() {}, error: (m) => io.stderr(`shipshape: ${m}\n`) };
  const ignoreFile = await findTrivyIgnore(process.cwd());
  return createScanner(readScanOptions(input).options, {
    ...(cache && { cacheFile: path.join(cacheDir(), 'scans.json') }),
    ...(ignoreFile !== undefined && { ignoreFile }),
    logger,
  });
}
