// The JSON report: a stable contract for tools (version 3; CHANGELOG says what changed from each version).
// Lines and columns are 1-based; columns count UTF-16 code units; endColumn is exclusive, as in SARIF.

import { outcomeFor, type ScanReport } from '../workspace/scan.js';
import type { TrivySeverity, Vulnerability, VulnerabilityCounts } from '../trivy/types.js';
import { reportedReference } from '../analysis/classify.js';
import { displayReport } from './paths.js';
import type { ImageWorkload } from '../project/types.js';
import type { ImageOccurrence, Range, Severity } from '../types.js';

export interface JsonLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

export interface JsonImage extends JsonLocation {
  readonly raw: string;
  /** The normalised reference (`docker.io/library/nginx:1.27`), or null when unresolved or invalid. */
  readonly reference: string | null;
  readonly pinned: boolean;
  readonly source: ImageOccurrence['source'];
  readonly status: ImageOccurrence['status'];
  readonly name?: string;
  readonly tag?: string;
  readonly digest?: string;
  readonly platform?: string;
  readonly stage?: { readonly index: number; readonly name?: string };
  readonly via?: 'from' | 'copy-from';
  /** The workload (`document`: which YAML document of the file, for a manifest's own images). */
  readonly workload?: { readonly kind: string; readonly name?: string; readonly namespace?: string; readonly document?: number };
  readonly container?: { readonly name?: string; readonly type: string };
  readonly service?: string;
  readonly built?: boolean;
  /** Kustomize: the root kustomization's folder, what decides the image, and where it was first written. */
  readonly kustomization?: string;
  readonly decidedBy?: 'images-entry' | 'patch' | 'manifest';
  readonly origin?: { readonly file: string; readonly line: number; readonly column: number; readonly raw: string };
  /** Helm: the chart's folder, the template's `image:` and the values key that sets it. */
  readonly chart?: string;
  readonly template?: { readonly file: string; readonly line: number; readonly column: number; readonly raw: string };
  readonly valueKey?: readonly string[];
  /** A chart's image that `helm template` does not render with these values, and what would render it. */
  readonly active?: false;
  readonly condition?: string;
  readonly unresolvedVariables?: readonly string[];
  readonly problem?: string;
  /** When the image was scanned (`digest` is then the one Trivy saw): counts by severity, and every vulnerability. */
  readonly vulnerabilities?: VulnerabilityCounts;
  readonly details?: JsonVulnerability[];
  readonly os?: { readonly family: string; readonly name?: string; readonly eosl: boolean };
  readonly user?: string;
}

export interface JsonVulnerability {
  readonly id: string;
  readonly severity: TrivySeverity;
  readonly package: string;
  readonly installed: string;
  readonly fixed: readonly string[];
  readonly status: string;
  readonly title?: string;
  readonly url?: string;
}

export interface JsonFinding extends JsonLocation {
  readonly rule: string;
  readonly reason?: string;
  readonly severity: Severity;
  readonly message: string;
  /** The image concerned, resolved and normalised like `images[].reference` (so the two join), or null. */
  readonly reference?: string | null;
  /** The image concerned, as written. */
  readonly raw?: string;
  /** For a root-user verdict the file alone could not give: where the image's own user was read. */
  readonly userFrom?: 'image-config' | 'trivy';
}

export interface JsonError {
  readonly file: string;
  readonly line?: number;
  /** The image, for an image that could not be scanned. */
  readonly reference?: string;
  readonly message: string;
}

export interface JsonReport {
  readonly version: 3;
  /** Every file that was read and analysed, with what it turned out to hold (empty: other YAML). */
  readonly analysed: { readonly file: string; readonly sources: readonly string[] }[];
  readonly images: JsonImage[];
  readonly findings: JsonFinding[];
  readonly errors: JsonError[];
  /** Files (or values) deliberately not analysed, and why. */
  readonly skipped: { readonly file: string; readonly reason: string }[];
}

function workloadOf(workload: ImageWorkload): NonNullable<JsonImage['workload']> {
  return {
    kind: workload.kind,
    ...(workload.name !== undefined && { name: workload.name }),
    ...(workload.namespace !== undefined && { namespace: workload.namespace }),
  };
}

function point(file: string, range: Range): { file: string; line: number; column: number } {
  return { file, line: range.start.line + 1, column: range.start.character + 1 };
}

export function location(file: string, range: Range): JsonLocation {
  return {
    file,
    line: range.start.line + 1,
    column: range.start.character + 1,
    endLine: range.end.line + 1,
    endColumn: range.end.character + 1,
  };
}

function details(vulnerability: Vulnerability): JsonVulnerability {
  const { id, severity, package: pkg, installed, fixed, status, title, url } = vulnerability;
  return { id, severity, package: pkg, installed, fixed, status, ...(title !== undefined && { title }), ...(url !== undefined && { url }) };
}

function image(file: string, occurrence: ImageOccurrence, report: ScanReport): JsonImage {
  const outcome = outcomeFor(report, occurrence);
  const scan = outcome?.ok ? outcome.scan : undefined;
  const ref = occurrence.reference;
  const referenceText = reportedReference(occurrence);
  const { dockerfile, kubernetes, compose } = occurrence;
  return {
    ...location(file, occurrence.range),
    raw: occurrence.raw,
    reference: referenceText,
    pinned: occurrence.pinned,
    source: occurrence.source,
    status: occurrence.status,
    ...(ref && { name: ref.name }),
    ...(ref?.tag !== undefined && { tag: ref.tag }),
    ...(ref?.digest !== undefined && { digest: ref.digest }),
    ...(occurrence.platform !== undefined && { platform: occurrence.platform }),
    ...(dockerfile && {
      stage: { index: dockerfile.stage, ...(dockerfile.stageName !== undefined && { name: dockerfile.stageName }) },
      via: dockerfile.via,
    }),
    ...(kubernetes && {
      workload: {
        kind: kubernetes.kind,
        ...(kubernetes.name !== undefined && { name: kubernetes.name }),
        ...(kubernetes.namespace !== undefined && { namespace: kubernetes.namespace }),
        document: kubernetes.document,
      },
    }),
    ...(kubernetes?.containerType !== undefined && {
      container: { ...(kubernetes.container !== undefined && { name: kubernetes.container }), type: kubernetes.containerType },
    }),
    ...(compose && { service: compose.service, ...(compose.built && { built: true }) }),
    ...(occurrence.kustomize && {
      kustomization: occurrence.kustomize.kustomization,
      decidedBy: occurrence.kustomize.by,
      origin: { ...point(occurrence.kustomize.origin.file, occurrence.kustomize.origin.range), raw: occurrence.kustomize.origin.raw },
      workload: workloadOf(occurrence.kustomize.workload),
      ...(occurrence.kustomize.workload.containerType !== undefined && {
        container: {
          ...(occurrence.kustomize.workload.container !== undefined && { name: occurrence.kustomize.workload.container }),
          type: occurrence.kustomize.workload.containerType,
        },
      }),
    }),
    ...(occurrence.helm && {
      chart: occurrence.helm.chart,
      template: { ...point(occurrence.helm.template.file, occurrence.helm.template.range), raw: occurrence.helm.template.raw },
      ...(occurrence.helm.valueKey && { valueKey: occurrence.helm.valueKey }),
      ...(occurrence.helm.active === false && { active: false as const, condition: occurrence.helm.condition ?? '' }),
    }),
    ...(occurrence.unresolvedVariables && { unresolvedVariables: occurrence.unresolvedVariables }),
    ...(occurrence.problem !== undefined && { problem: occurrence.problem }),
    ...(scan && {
      ...(scan.digest !== undefined && { digest: scan.digest }),
      vulnerabilities: scan.counts,
      details: scan.vulnerabilities.map(details),
      ...(scan.os && { os: scan.os }),
      ...(scan.user !== undefined && { user: scan.user }),
    }),
  };
}

export interface JsonOptions {
  /** The folder paths are relative to: where the scan was asked (default: the working folder). */
  readonly base?: string;
}

/** The JSON report of a scan: every path relative to `base`, each error and skipped note once. */
export function toJsonReport(scan: ScanReport, options: JsonOptions = {}): JsonReport {
  const report = displayReport(scan, options.base);
  const json: JsonReport = { version: 3, analysed: [], images: [], findings: [], errors: [], skipped: [] };
  for (const { file, result } of report.files) {
    json.analysed.push({ file, sources: result.sources });
    for (const occurrence of result.images) json.images.push(image(file, occurrence, report));
    for (const finding of result.findings) {
      json.findings.push({
        rule: finding.rule,
        ...(finding.reason !== undefined && { reason: finding.reason }),
        severity: finding.severity,
        ...location(file, finding.range),
        message: finding.message,
        ...(finding.reference !== undefined && { reference: finding.reference }),
        ...(finding.raw !== undefined && { raw: finding.raw }),
        ...(finding.userFrom !== undefined && { userFrom: finding.userFrom }),
      });
    }
    for (const error of result.errors) {
      json.errors.push({ file, ...(error.range && { line: error.range.start.line + 1 }), message: error.message });
    }
  }
  for (const error of report.ioErrors) json.errors.push({ file: error.path, message: error.message });
  for (const error of report.projectErrors)
    json.errors.push({ file: error.file, ...(error.line !== undefined && { line: error.line }), message: error.message });
  if (report.trivyProblem) json.errors.push({ file: '', message: report.trivyProblem.message });
  for (const error of [...report.scanErrors, ...report.userErrors])
    json.errors.push({ file: error.file, line: error.line, reference: error.reference, message: error.message });
  for (const skipped of report.skipped) json.skipped.push({ file: skipped.path, reason: skipped.reason });
  return json;
}
