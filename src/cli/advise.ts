// `shipshape advise`: for each image that Trivy finds HIGH or CRITICAL vulnerabilities in, scan a
// few newer tags of the same repository and variant, and suggest a strictly safer one, pinned.

import { printable, silentLogger, type VulnerabilityCounts } from '../core/index.js';
import { adviseReport, differenceText, RegistryClient, type AdviceReport, type TagSource } from '../core/network.js';
import { EXIT_ERROR, EXIT_OK, parseOptions, positiveInteger, UsageError, type Io } from './args.js';
import { cliScanner } from './scan.js';

export const ADVISE_USAGE = `Usage: shipshape advise [options] [PATH...]

For each image under PATH (default: the current folder) that Trivy finds HIGH or CRITICAL
vulnerabilities in, scans up to N newer tags of the same repository and suggests one only when it
has fewer HIGH and CRITICAL vulnerabilities in total and no more CRITICAL ones, pinned by digest
(name:tag@sha256:…). Candidates keep the tag's variant and OS: Alpine stays Alpine, a Debian or
Ubuntu release stays or moves to the next one (never back), Windows keeps its release; the same
major version unless --allow-major; no prereleases.

Options:
  --format text|json         report format (default: text)
  --trivy PATH               the Trivy binary (default: trivy on PATH)
  --max-candidates N         newer tags scanned per image (default 3, at most 20)
  --allow-major              also consider newer major versions
  --insecure-registry HOST   a registry reached over plain HTTP (loopback always is; repeatable)
  --no-cache                 do not reuse earlier scan results
  -h, --help                 show this help

Text: one line per place an image is written, e.g.
  Dockerfile:1:6  nginx:1.27.1 -> nginx:1.27.3@sha256:… (2 CRITICAL, 5 HIGH fewer; fixable)
("fixable": every HIGH or CRITICAL vulnerability it drops had a fix listed.)

Exit status: 0 (advice never fails a build), 2 usage or I/O error, or Trivy missing.
`;

/** `advise`'s JSON report, version 1. */
export interface AdviceJson {
  readonly version: 1;
  readonly advice: {
    readonly file: string;
    readonly line: number;
    readonly column: number;
    readonly reference: string;
    readonly suggested: string;
    readonly vulnerabilities: { readonly before: VulnerabilityCounts; readonly after: VulnerabilityCounts };
  }[];
  readonly errors: { readonly file?: string; readonly line?: number; readonly reference?: string; readonly message: string }[];
}

/** One entry per place an image with a strictly safer tag is written. */
export function toAdviceJson(report: AdviceReport): AdviceJson {
  return {
    version: 1,
    advice: report.places.flatMap(({ file, line, column, reference, advice }) =>
      advice.pinned !== undefined && advice.after !== undefined
        ? [{ file, line, column, reference, suggested: advice.pinned, vulnerabilities: { before: advice.before, after: advice.after } }]
        : [],
    ),
    errors: report.errors.map((e) => ({ ...e })),
  };
}

/** A place per line: the suggestion, or why there is none; then a summary. */
export function toAdviceText(report: AdviceReport): string {
  const lines = report.places.map(({ file, line, column, reference, advice }) => {
    const where = `${file}:${line}:${column}`;
    if (advice.pinned === undefined || advice.after === undefined) return `${where}  ${reference}: ${advice.why}`;
    const fixable = advice.fixable ? '; fixable' : '';
    return `${where}  ${reference} -> ${advice.pinned} (${differenceText(advice.before, advice.after)}${fixable})`;
  });
  const images = report.advice.length;
  const safer = report.advice.filter((a) => a.pinned !== undefined).length;
  const summary =
    images === 0
      ? 'No image with HIGH or CRITICAL vulnerabilities.'
      : `${safer} of ${images} image${images === 1 ? '' : 's'} with HIGH or CRITICAL vulnerabilities ${safer === 1 ? 'has' : 'have'} a safer tag.`;
  return `${[...lines, summary].map(printable).join('\n')}\n`;
}

/** Where the CLI's tags and digests come from: the registry client; tests may give another source. */
export type TagSourceFactory = (insecureRegistries: readonly string[]) => TagSource;

export const cliTagSource: TagSourceFactory = (insecureRegistries) => new RegistryClient({ logger: silentLogger, insecureRegistries });

export async function advise(args: readonly string[], io: Io, tagSource: TagSourceFactory = cliTagSource): Promise<number> {
  const { values, positionals } = parseOptions(args, {
    format: { type: 'string', default: 'text' },
    trivy: { type: 'string' },
    'max-candidates': { type: 'string' },
    'allow-major': { type: 'boolean', default: false },
    'insecure-registry': { type: 'string', multiple: true, default: [] },
    'no-cache': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.stdout(ADVISE_USAGE);
    return EXIT_OK;
  }
  const format = values.format;
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not "${format}"`);
  const maxCandidates = values['max-candidates'] === undefined ? 3 : positiveInteger(values['max-candidates'], '--max-candidates', 20);
  if (values.trivy !== undefined && values.trivy.trim() === '') throw new UsageError('--trivy expects the path of the Trivy binary');

  const scanner = await cliScanner({ trivyPath: values.trivy }, !values['no-cache'], io);
  const report = await adviseReport(positionals.length > 0 ? positionals : ['.'], {
    scanner,
    tags: tagSource(values['insecure-registry']),
    maxCandidates,
    allowMajor: values['allow-major'],
  });
  if (format === 'json') io.stdout(`${JSON.stringify(toAdviceJson(report), null, 2)}\n`);
  else if (!report.trivyProblem) {
    io.stdout(toAdviceText(report));
    for (const e of report.errors) {
      const where = e.file === undefined ? '' : `${e.file}${e.line === undefined ? '' : `:${e.line}`}: `;
      io.stderr(`shipshape: ${where}${e.message}\n`);
    }
  }
  if (report.trivyProblem) {
    io.stderr(`shipshape: ${report.trivyProblem.message}\n`);
    return EXIT_ERROR;
  }
  return report.ioErrors.length > 0 ? EXIT_ERROR : EXIT_OK;
}
