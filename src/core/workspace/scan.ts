// Analysing every file under some paths, and scanning their images: the work behind `shipshape scan`.

import { stalePins, type StaleLookup } from './stale.js';
import * as path from 'node:path';
import { analyze, sortFindings } from '../analysis/analyze.js';
import { mayBeCompose } from '../analysis/compose.js';
import { builtServiceFinding, builtServices, type BuiltService } from '../project/compose.js';
import { analyzeProject, withProject, type ProjectAnalysis, type ProjectOptions } from '../project/index.js';
import { isTemplateNote } from '../analysis/templateNotes.js';
import { composeEnvironment, type ComposeEnvOptions } from '../project/dotenv.js';
import { findSuppressions, isSuppressed } from '../analysis/suppress.js';
import { diskFiles, overlayFiles, type ProjectFiles } from '../project/files.js';
import { chartWorkers } from '../project/helm/workers.js';
import { collectFiles, readSourceFile, readSourceText, type SkippedFile } from './files.js';
import { excludeMatcher } from './exclude.js';
import type { Logger } from '../util/logger.js';
import { silentLogger } from '../util/logger.js';
import { imageUsersOf } from '../rules/rootUser.js';
import { userErrorEntries, type UserLookup } from './users.js';
import { readUsedFiles } from './uses.js';
import { scanVerdicts } from '../rules/vulnerableImage.js';
import { requestKey, type ScanRequest } from '../trivy/request.js';
import type { Scanner } from '../trivy/scanner.js';
import { trivyProblemIn, type ScanFailure, type ScanOutcome } from '../trivy/types.js';
import type { AnalysisResult, AnalyzeOptions, FileKind, ImageOccurrence, ImageUser } from '../types.js';

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
  /** Set on a pin that could not be checked against its tag (stale-digest), not an image that could not be scanned. */
  readonly pinCheck?: true;
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
  /**
   * Images whose configured user could not be read from their registry: their root-user findings
   * stay as the files alone say. One entry per image (per registry when it could not be reached),
   * at the first place that wanted it.
   */
  readonly userErrors: ScanErrorEntry[];
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
  /**
   * Texts that stand for files, by absolute path: the editor's open documents, unsaved edits
   * included. They are analysed instead of what the disk holds, and read first for the files
   * around (env files, kustomizations, charts).
   */
  readonly documents?: ReadonlyMap<string, string>;
  /** Glob patterns of files not analysed when found in a folder (`shipshape.exclude`), matched against absolute paths. */
  readonly exclude?: readonly string[];
  /** How files around the analysed ones are read (default: `documents` over the disk). */
  readonly files?: ProjectFiles;
  /**
   * Reads images' own configured users (from their registries) to settle the root-user verdicts
   * the files leave open; nothing is asked when absent (`--offline`).
   */
  readonly imageUsers?: UserLookup;
  /** The time each kustomization root and each chart may take (`timeBudget`, seconds; 5 by default). */
  readonly project?: ProjectOptions;
  /** Asks registries whether `name:tag@sha256:…` pins are stale (stale-digest); nothing is asked when absent (`--offline`). */
  readonly staleDigests?: StaleLookup;
  /**
   * The bundled chart worker (`dist/chartWorker.js`): when the files around are the disk's, several
   * charts render at once on worker threads, one per core (project/helm/workers.ts).
   */
  readonly chartWorker?: string;
}

/** What a file was analysed from, to analyse it again once images' users are known. */
interface Analysed {
  readonly text: string;
  readonly kind: FileKind;
  readonly options: AnalyzeOptions;
}

/** What to ask Trivy for an image, or undefined when it is not something to scan. */
export function scanRequestFor(image: ImageOccurrence): ScanRequest | undefined {
  if (image.status !== 'image' || image.compose?.built) return undefined;
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
  const excluded = excludeMatcher(
    options.exclude ?? [],
    paths.map((p) => path.resolve(p)),
  );
  const collected = await collectFiles(paths, { excluded });
  const report: ScanReport = {
    files: [],
    skipped: [...collected.skipped],
    ioErrors: [...collected.errors],
    scanErrors: [],
    projectErrors: [],
    userErrors: [],
  };
  const documents = new Map([...(options.documents ?? [])].map(([file, text]) => [path.resolve(file), text]));
  const projectFiles = options.files ?? (documents.size > 0 ? overlayFiles(documents, diskFiles()) : diskFiles());
  const limit = { ...(options.maxFileBytes !== undefined && { maxFileBytes: options.maxFileBytes }) };
  const composeEnv = composeEnvironments(options.compose ?? {}, projectFiles, report);
  const analysed = new Map<number, Analysed>();
  for (const file of collected.files) {
    options.signal?.throwIfAborted();
    const open = documents.get(path.resolve(file.path));
    const read = open !== undefined ? readSourceText(file, open, limit) : await readSourceFile(file, limit);
    if (!read.ok) {
      if ('error' in read) report.ioErrors.push({ path: file.path, message: read.error });
      else if (!read.quiet || file.explicit) report.skipped.push({ path: file.path, reason: read.skipped });
      continue;
    }
    logger.debug(`analysing ${file.path} as ${read.kind}`);
    // A Compose file interpolates the variables of its project folder's `.env`.
    const env = read.kind === 'yaml' && mayBeCompose(read.text) ? await composeEnv(path.dirname(path.resolve(file.path))) : undefined;
    // The path names what a CI pipeline is (`.github/workflows/…`, `.gitlab-ci.yml`).
    const analyzeOptions: AnalyzeOptions = { ...options.analyze, ...(env && { composeEnv: env }), fileName: path.resolve(file.path) };
    const result = analyze(read.text, read.kind, analyzeOptions);
    for (const note of result.notes) report.skipped.push({ path: file.path, reason: note });
    analysed.set(report.files.length, { text: read.text, kind: read.kind, options: analyzeOptions });
    report.files.push({ file: file.path, kind: read.kind, result });
  }
  // The Dockerfiles dev containers and Bake targets build (with their args), a dev container's Compose files.
  await readUsedFiles(report, options.analyze ?? {}, projectFiles, displayPath, (index, text, kind, used) =>
    analysed.set(index, { text, kind, options: used }),
  );
  const built = await readBuiltDockerfiles(report, options, projectFiles, analysed);
  // Workers read the disk themselves: not for the editor's open documents or files given.
  const workers =
    options.chartWorker !== undefined && !options.files && documents.size === 0 ? chartWorkers(options.chartWorker) : undefined;
  let project: ProjectAnalysis;
  try {
    project = await analyzeProject(
      collected.files.map((f) => path.resolve(f.path)),
      projectFiles,
      options.analyze ?? {},
      workers ? { ...options.project, chartWorkers: workers.render } : options.project,
    );
  } finally {
    await workers?.close();
  }
  if (options.imageUsers) project = await registryUsers(report, options.imageUsers, analysed, project, options.signal);
  projectImages(report, project, excluded);
  if (options.staleDigests) await stalePins(report, options.staleDigests, options);
  if (options.scanner) await scanImages(report, options.scanner, options, analysed);
  await builtServiceFindings(report, built, options, projectFiles, analysed);
  return report;
}

/** The images the files and the project want the users of, each with the first place that wants it. */
function wantedUsers(report: ScanReport, project: ProjectAnalysis): Map<string, { file: string; line: number }> {
  const wanted = new Map<string, { file: string; line: number }>();
  for (const { file, result } of report.files) {
    for (const reference of result.usersWanted ?? []) {
      if (wanted.has(reference)) continue;
      const place =
        result.findings.find((f) => f.rule === 'root-user' && f.reference === reference)?.range ??
        result.images.find((i) => i.reference?.normalized === reference)?.range;
      wanted.set(reference, { file, line: (place?.start.line ?? 0) + 1 });
    }
  }
  // Containers charts and kustomizations render: at their root-user finding, else at the image.
  const projectWanted = new Set(project.usersWanted);
  for (const [file, findings] of project.findings) {
    for (const finding of findings) {
      if (finding.rule !== 'root-user' || !finding.reference || !projectWanted.has(finding.reference) || wanted.has(finding.reference))
        continue;
      wanted.set(finding.reference, { file: displayPath(file), line: finding.range.start.line + 1 });
    }
  }
  for (const [file, images] of project.images) {
    for (const image of images) {
      const reference = image.reference?.normalized;
      if (reference && projectWanted.has(reference) && !wanted.has(reference))
        wanted.set(reference, { file: displayPath(file), line: image.range.start.line + 1 });
    }
  }
  return wanted;
}

/**
 * Asks the registries, in one lookup, for the users the files and the project want, and settles
 * what they answer; returns the project judged again with them.
 */
async function registryUsers(
  report: ScanReport,
  lookup: UserLookup,
  analysed: Map<number, Analysed>,
  project: ProjectAnalysis,
  signal?: AbortSignal,
): Promise<ProjectAnalysis> {
  const wanted = wantedUsers(report, project);
  if (wanted.size === 0) return project;
  const answer = await lookup([...wanted.keys()], signal);
  report.userErrors.push(...userErrorEntries(answer.failures, wanted));
  settleUsers(report, answer.users, analysed);
  const projectUsers = new Map([...answer.users].filter(([reference]) => project.usersWanted.includes(reference)));
  return projectUsers.size > 0 ? project.withUsers(projectUsers) : project;
}

/**
 * Analyses again, with images' users known, the files that wanted them; only their root-user
 * verdicts are taken (what Kustomize, Helm and Trivy added to a file stays).
 */
function settleUsers(report: ScanReport, users: ReadonlyMap<string, ImageUser>, analysed: Map<number, Analysed>): void {
  if (users.size === 0) return;
  report.files.forEach((entry, index) => {
    const source = analysed.get(index);
    const known = source?.options.imageUsers;
    if (!source || !(entry.result.usersWanted ?? []).some((reference) => users.has(reference) && !known?.has(reference))) return;
    // What was learnt first (the image's own config) stands over what comes later (a scan's report).
    const imageUsers = new Map([...users, ...(known ?? [])]);
    const options = { ...source.options, imageUsers };
    analysed.set(index, { ...source, options });
    const fresh = analyze(source.text, source.kind, options);
    const findings = sortFindings([
      ...entry.result.findings.filter((f) => f.rule !== 'root-user'),
      ...fresh.findings.filter((f) => f.rule === 'root-user'),
    ]);
    const { usersWanted: _settled, ...rest } = entry.result;
    report.files[index] = { ...entry, result: { ...rest, findings, ...(fresh.usersWanted && { usersWanted: fresh.usersWanted }) } };
  });
}

async function scanImages(report: ScanReport, scanner: Scanner, options: ScanOptions, analysed: Map<number, Analysed>): Promise<void> {
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
  // The users Trivy read from the images settle what the registries did not (nothing left to say of those).
  const trivyUsers = imageUsersOf(scans.values());
  settleUsers(report, trivyUsers, analysed);
  for (let i = report.userErrors.length - 1; i >= 0; i--)
    if (trivyUsers.has(report.userErrors[i]!.reference)) report.userErrors.splice(i, 1);
  report.files.forEach((fileReport, index) => {
    const result = fileReport.result;
    const verdicts = scanVerdicts(result.images, (image) => outcomeFor(report, image), options.analyze ?? {}, result.findings);
    for (const { image, failure } of verdicts.failures) {
      report.scanErrors.push({ file: fileReport.file, line: image.range.start.line + 1, reference: image.raw, message: failure.message });
    }
    if (verdicts.findings.length > 0) {
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
 * now if the scan did not include it). Returns the services whose verdict their Dockerfile gives.
 */
async function readBuiltDockerfiles(
  report: ScanReport,
  options: ScanOptions,
  files: ProjectFiles,
  analysed: Map<number, Analysed>,
): Promise<BuiltService[]> {
  const analyzeOptions = options.analyze ?? {};
  const indexOf = new Map(report.files.map((f, i) => [path.resolve(f.file), i]));
  const readable: BuiltService[] = [];
  for (const built of builtServices(report.files)) {
    if (!indexOf.has(built.dockerfile)) {
      const text = await files.read(built.dockerfile);
      if (text === undefined) {
        report.projectErrors.push({
          file: built.composeFile,
          line: built.service.build.range.start.line + 1,
          // The Dockerfile as the Compose file's folder sees it (`api/Dockerfile`), wherever the scan runs.
          message: `service \`${built.service.service}\` builds \`${path.relative(path.dirname(path.resolve(built.composeFile)), built.dockerfile)}\`, which could not be read`,
        });
        continue;
      }
      analysed.set(report.files.length, { text, kind: 'dockerfile', options: analyzeOptions });
      indexOf.set(built.dockerfile, report.files.length);
      report.files.push({ file: displayPath(built.dockerfile), kind: 'dockerfile', result: analyze(text, 'dockerfile', analyzeOptions) });
    }
    readable.push(built);
  }
  return readable;
}

/**
 * A built service without \`user:\` takes its Dockerfile's final root-user verdict (settled by
 * then by what registries and scans said of the base image), on its \`build:\`.
 */
async function builtServiceFindings(
  report: ScanReport,
  built: readonly BuiltService[],
  options: ScanOptions,
  files: ProjectFiles,
  analysed: Map<number, Analysed>,
): Promise<void> {
  const analyzeOptions = options.analyze ?? {};
  const indexOf = new Map(report.files.map((f, i) => [path.resolve(f.file), i]));
  for (const service of built) {
    const index = indexOf.get(service.dockerfile);
    const composeIndex = indexOf.get(path.resolve(service.composeFile));
    if (index === undefined || composeIndex === undefined) continue;
    // A `target` stage is read from the Dockerfile as it was analysed (with the users learnt since).
    const source = analysed.get(index);
    const finding = builtServiceFinding(service, report.files[index]!.result, source?.options ?? analyzeOptions, source?.text);
    if (!finding) continue;
    const suppressions = findSuppressions((await files.read(service.composeFile)) ?? '', true);
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
 * files where each is decided (`withProject`, as in the editor), and chart templates are no longer
 * "skipped as templates". Nothing is placed in an excluded file.
 */
function projectImages(report: ScanReport, project: ProjectAnalysis, excluded: (file: string) => boolean): void {
  for (const error of project.errors) report.projectErrors.push(error);
  for (const note of project.notes) report.skipped.push({ path: displayPath(note.file), reason: note.reason });
  const indexOf = new Map(report.files.map((f, i) => [path.resolve(f.file), i]));
  for (const file of new Set([...project.images.keys(), ...project.findings.keys()])) {
    if (indexOf.has(file) || excluded(file)) continue;
    indexOf.set(file, report.files.length);
    report.files.push({ file: displayPath(file), kind: 'yaml', result: { sources: [], images: [], findings: [], errors: [], notes: [] } });
  }
  report.files.forEach((entry, index) => {
    const result = withProject(entry.file, entry.result, project);
    if (result !== entry.result) report.files[index] = { ...entry, result };
  });
  // Chart templates are read by their chart: neither they nor their template values are skipped.
  for (let i = report.skipped.length - 1; i >= 0; i--) {
    const skipped = report.skipped[i]!;
    if (isTemplateNote(skipped.reason) && project.chartTemplates.has(path.resolve(skipped.path))) report.skipped.splice(i, 1);
  }
}
