// The `shipshape` command: a thin shell over the core.

import { parseArgs } from 'node:util';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  RULE_IDS, RULES, SEVERITIES, scanPaths, toJsonReport, toSarif, toText,
  type AnalyzeOptions, type RuleId, type RuleSettings, type ScanReport, type Severity,
} from '../core/index.js';

declare const SHIPSHAPE_VERSION: string;
const VERSION = typeof SHIPSHAPE_VERSION === 'string' ? SHIPSHAPE_VERSION : '0.0.0-dev';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

const USAGE = `Usage: shipshape scan [options] [PATH...]

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

export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
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
}

function parseScanArgs(args: readonly string[]): ScanArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string', default: 'text' },
        output: { type: 'string', short: 'o' },
        'build-arg': { type: 'string', multiple: true, default: [] },
        'fail-on': { type: 'string', default: 'warning' },
        disable: { type: 'string', multiple: true, default: [] },
        severity: { type: 'string', multiple: true, default: [] },
        'max-file-size': { type: 'string' },
        offline: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
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
  const buildArgs: Record<string, string> = {};
  for (const pair of values['build-arg']) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--build-arg expects NAME=VALUE, not "${pair}"`);
    buildArgs[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const rules: Partial<Record<RuleId, RuleSettings>> = {};
  for (const rule of values.disable) {
    rules[checkRule(rule, '--disable')] = { enabled: false };
  }
  for (const setting of values.severity) {
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
  return {
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

function parseSize(text: string): number {
  const match = /^(\d+)([kKmM]?)$/.exec(text);
  if (!match) throw new UsageError(`--max-file-size expects a number of bytes (suffix K or M allowed), not "${text}"`);
  const unit = match[2]!.toLowerCase();
  return Number(match[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : 1);
}

async function scan(args: readonly string[], io: Io): Promise<number> {
  const options = parseScanArgs(args);
  if (options === 'help') {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  const report = await scanPaths(options.paths, {
    analyze: options.analyze,
    ...(options.maxFileBytes !== undefined && { maxFileBytes: options.maxFileBytes }),
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

async function writeAtomically(file: string, content: string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await fs.writeFile(temporary, content);
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}
