// Analysing every file under some paths, and scanning their images: the work behind `shipshape scan`.

import * as path from 'node:path';
import { analyze, sortFindings } from '../analysis/analyze.js';
import { mayBeCompose } from '../analysis/compose.js';
import { builtServiceFinding, builtServices } from '../project/compose.js';
import { analyzeProject, placeKey } from '../project/index.js';
import { TEMPLATE_NOTE } from '../analysis/yaml/analyze.js';
import { composeEnvironment, type ComposeEnvOptions } from '../project/dotenv.js';
import { findSuppressions, isSuppressed } from '../analysis/suppress.js';
import { diskFiles, type ProjectFiles } from '../project/files.js';
import { collectFiles, readSourceFile, type SkippedFile } from './files.js';
import type { Logger } from '../util/logger.js';
import { silentLogger } from '../util/logger.js';
import { imageUsersOf } from '../rules/rootUser.js';
import { scanVerdicts } from '../rules/vulnerableImage.js';
import { requestKey, type ScanRequest } from '../trivy/request.js';
import type { Scanner } from '../trivy/scanner.js';
import { trivyProblemIn, type ScanFailure, type ScanOutcome } from '../trivy/types.js';
import type { AnalysisResult, AnalyzeOptions, FileKind, ImageOccurrence } from '../types.js';

export interface FileReport {
  readonly file: string;
  readonly kind: FileKind;
  readonly result: AnalysisResult;
}

export interface ScanErrorEntry {
  readonly file: string;
  readonly line: number;
  readonly reference: string;
  readonly message: string;
}

export interface ScanReport {
  readonly files: FileReport[];
  readonly skipped: SkippedFile[];
  /** Files and folders that could not be read. */
  readonly ioErrors: { readonly path: string; readonly message: string }[];
  /** Scan outcomes by request key (see `scanRequestFor`), when images were scanned. */
  scans?: ReadonlyMap<string, ScanOutcome>;
  /** Images that could not be scanned, one entry per place the image is written. */
  readonly scanErrors: ScanErrorEntry[];
  /** Set when Trivy itself is missing or unusable: said once, not per image. */
  trivyProblem?: ScanFailure;
  /** Problems in the files around the analysed ones: env files, kustomizations, charts. */
  readonly projectErrors: { readonly file: string; readonly line?: number; readonly message: string }[];
}

export interface ScanOptions {
  readonly analyze?: AnalyzeOptions;
  readonly maxFileBytes?: number;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
  /** Scan the images found with Trivy; static rules only when absent. */
  readonly scanner?: Scanner;
  readonly onScanProgress?: (done: number, total: number) => void;
  /** Compose's variables: env files, the process environment, values given one by one. */
  readonly compose?: ComposeEnvOptions;
  /** How files around the analysed ones are read (default: the disk). */
  readonly files?: ProjectFiles;
}

/** What to ask Trivy for an image, or undefined when it is not something to scan. */
export function scanRequestFor(image: ImageOccurrence): ScanRequest | undefined {
  if (image.status !== 'image' || image.resolved === undefined || image.compose?.built) return undefined;
  const platform = image.platform !== undefined && !image.platform.includes('$') ? image.platform : undefined;
  return { reference: image.resolved, ...(platform !== undefined && { platform }) };
}

/** The scan outcome of an image in a report, if it was scanned. */
export function outcomeFor(report: Pick<ScanReport, 'scans'>, image: ImageOccurrence): ScanOutcome | undefined {
  const request = scanRequestFor(image);
  return request && report.scans?.get(requestKey(request));
}

export async function scanPaths(paths: readonly string[], options: ScanOptions = {}): Promise<ScanReport> {
  const logger = options.logger ?? silentLogger;
  const collected = await collectFiles(paths);
  const report: ScanReport = {
    files: [],
    skipped: [...collected.skipped],
    ioErrors: [...collected.errors],
    scanErrors: [],
    projectErrors: [],
  };
  const projectFiles = options.files ?? diskFiles();
  const composeEnv = composeEnvironments(options.compose ?? {}, projectFiles, report);
  const dockerfileTexts = new Map<number, string>();
  for (const file of collected.files) {
    options.signal?.throwIfAborted();
    const read = await readSourceFile(file, { ...(options.maxFileBytes !== undefined && { maxFileBytes: options.maxFileBytes }) });
    if (!read.ok) {
      if ('error' in read) report.ioErrors.push({ path: file.path, message: read.error });
      else if (!read.quiet || file.explicit) report.skipped.push({ path: file.path, reason: read.skipped });
      continue;
    }
    logger.debug(`analysing ${file.path} as ${read.kind}`);
    // A Compose file interpolates the variables of its project folder's `.env`.
    const env = read.kind === 'yaml' && mayBeCompose(read.text) ? await composeEnv(path.dirname(path.resolve(file.path))) : undefined;
    const result = analyze(read.text, read.kind, env ? { ...options.analyze, composeEnv: env } : options.analyze);
    for (const note of result.notes) report.skipped.push({ path: file.path, reason: note });
    if (read.kind === 'dockerfile') dockerfileTexts.set(report.files.length, read.text);
    report.files.push({ file: file.path, kind: read.kind, result });
  }
  await composeBuilds(report, options, projectFiles, dockerfileTexts);
  await projectImages(
    report,
    collected.files.map((f) => path.resolve(f.path)),
    options,
    projectFiles,
  );
  if (options.scanner) await scanImages(report, options.scanner, options, dockerfileTexts);
  return report;
}

async function scanImages(
  report: ScanReport,
  scanner: Scanner,
  options: ScanOptions,
  dockerfileTexts: ReadonlyMap<number, string>,
): Promise<void> {
  const requests = report.files.flatMap((f) => f.result.images.map(scanRequestFor).filter((r): r is ScanRequest => r !== undefined));
  if (requests.length === 0) return;
  const scans = await scanner.scanAll(requests, options.signal, options.onScanProgress);
  // Trivy missing or unusable is one problem, said once, not a failure of every image.
  const unusable = trivyProblemIn(scans.values());
  if (unusable) {
    report.trivyProblem = { ...unusable, reference: '' };
    return;
  }
  report.scans = scans;
  const imageUsers = imageUsersOf(scans.values());
  report.files.forEach((fileReport, index) => {
    let result = fileReport.result;
    const text = dockerfileTexts.get(index);
    // The base image's own user settles the implicit root question the file alone could not.
    if (text !== undefined && imageUsers.size > 0 && result.findings.some((f) => f.rule === 'root-user' && f.reason === 'implicit')) {
      result = analyze(text, 'dockerfile', { ...options.analyze, imageUsers });
    }
    const verdicts = scanVerdicts(result.images, (image) => outcomeFor(report, image), options.analyze ?? {});
    for (const { image, failure } of verdicts.failures) {
      report.scanErrors.push({ file: fileReport.file, line: image.range.start.line + 1, reference: image.raw, message: failure.message });
    }
    if (verdicts.findings.length > 0 || result !== fileReport.result) {
      const findings = sortFindings([...result.findings, ...verdicts.findings]);
      report.files[index] = { ...fileReport, result: { ...result, findings } };
    }
  });
}

/**
 * The Compose variables of each project folder, read once per folder; what goes wrong with an env
 * file (a line that is no assignment, a given file that is missing) is said once, in the report.
 */
function composeEnvironments(
  options: ComposeEnvOptions,
  files: ProjectFiles,
  report: ScanReport,
): (folder: string) => Promise<Readonly<Record<string, string>>> {
  const folders = new Map<string, Promise<Readonly<Record<string, string>>>>();
  const said = new Set<string>();
  return (folder) => {
    let env = folders.get(folder);
    if (!env) {
      env = composeEnvironment(folder, options, files).then((result) => {
        for (const problem of result.problems) {
          const key = `${problem.file}:${problem.line}`;
          if (said.has(key)) continue;
          said.add(key);
          report.projectErrors.push({ file: problem.file, ...(problem.line > 0 && { line: problem.line }), message: problem.message });
        }
        return result.values;
      });
      folders.set(folder, env);
    }
    return env;
  };
}

/**
 * Compose services that build their image: the Dockerfile each builds is analysed as usual (read
 * now if the scan did not include it), and a service without `user:` takes its final stage's
 * root-user verdict, on its `build:`.
 */
async function composeBuilds(
  report: ScanReport,
  options: ScanOptions,
  files: ProjectFiles,
  dockerfileTexts: Map<number, string>,
): Promise<void> {
  const analyzeOptions = options.analyze ?? {};
  const indexOf = new Map(report.files.map((f, i) => [path.resolve(f.file), i]));
  for (const built of builtServices(report.files)) {
    let index = indexOf.get(built.dockerfile);
    if (index === undefined) {
      const text = await files.read(built.dockerfile);
      const line = built.service.build!.range.start.line + 1;
      if (text === undefined) {
        report.projectErrors.push({
          file: built.composeFile,
          line,
          message: `service \`${built.service.service}\` builds ${built.dockerfile}, which could not be read`,
        });
        continue;
      }
      index = report.files.length;
      report.files.push({ file: displayPath(built.dockerfile), kind: 'dockerfile', result: analyze(text, 'dockerfile', analyzeOptions) });
      dockerfileTexts.set(index, text);
      indexOf.set(built.dockerfile, index);
    }
    const finding = builtServiceFinding(built, report.files[index]!.result, analyzeOptions);
    const composeIndex = indexOf.get(path.resolve(built.composeFile));
    if (!finding || composeIndex === undefined) continue;
    const suppressions = findSuppressions((await files.read(built.composeFile)) ?? '', true);
    if (isSuppressed(finding, suppressions)) continue;
    const compose = report.files[composeIndex]!;
    report.files[composeIndex] = {
      ...compose,
      result: { ...compose.result, findings: sortFindings([...compose.result.findings, finding]) },
    };
  }
}

/** A path as the report names files: relative to the working folder when inside it. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/**
 * Kustomize roots and Helm charts among the scanned files: their images and findings join the
 * files where each is decided, a manifest image that every kustomization pins loses its
 * unpinned-image finding, and chart templates are no longer "skipped as templates".
 */
async function projectImages(
  report: ScanReport,
  files: readonly string[],
  options: ScanOptions,
  projectFiles: ProjectFiles,
): Promise<void> {
  const project = await analyzeProject(files, projectFiles, options.analyze ?? {});
  for (const error of project.errors) report.projectErrors.push(error);
  for (const note of project.notes) report.skipped.push({ path: displayPath(note.file), reason: note.reason });
  const indexOf = new Map(report.files.map((f, i) => [path.resolve(f.file), i]));
  const placed = new Set([...project.images.keys(), ...project.findings.keys()]);
  for (const file of placed) {
    let index = indexOf.get(file);
    if (index === undefined) {
      index = report.files.length;
      report.files.push({
        file: displayPath(file),
        kind: 'yaml',
        result: { sources: [], images: [], findings: [], errors: [], notes: [] },
      });
      indexOf.set(file, index);
    }
    const entry = report.files[index]!;
    const images = project.images.get(file) ?? [];
    const sources = [...new Set([...entry.result.sources, ...images.map((i) => i.source)])];
    const notes = project.chartTemplates.has(file) ? entry.result.notes.filter((n) => !isTemplateNote(n)) : entry.result.notes;
    report.files[index] = {
      ...entry,
      result: {
        ...entry.result,
        sources,
        notes,
        images: [...entry.result.images, ...images],
        findings: sortFindings([...entry.result.findings, ...(project.findings.get(file) ?? [])]),
      },
    };
  }
  if (project.settled.size > 0) {
    report.files.forEach((entry, index) => {
      const settled = entry.result.findings.filter(
        (f) => f.rule === 'unpinned-image' && project.settled.has(placeKey(entry.file, f.range)),
      );
      if (settled.length === 0) return;
      report.files[index] = { ...entry, result: { ...entry.result, findings: entry.result.findings.filter((f) => !settled.includes(f)) } };
    });
  }
  // Chart templates are read by their chart: neither they nor their template values are skipped.
  for (let i = report.skipped.length - 1; i >= 0; i--) {
    const skipped = report.skipped[i]!;
    if (isTemplateNote(skipped.reason) && project.chartTemplates.has(path.resolve(skipped.path))) report.skipped.splice(i, 1);
  }
  for (const [index, entry] of report.files.entries()) {
    if (!project.chartTemplates.has(path.resolve(entry.file))) continue;
    report.files[index] = { ...entry, result: { ...entry.result, notes: entry.result.notes.filter((n) => !isTemplateNote(n)) } };
  }
}

/** A note that a file, or a value in it, is a template and was not read. */
function isTemplateNote(note: string): boolean {
  return note === TEMPLATE_NOTE || / is a template value: not checked$/.test(note);
}
