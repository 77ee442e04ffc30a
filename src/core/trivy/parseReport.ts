// Reads the JSON report of `trivy image --format json` into an ImageScan.
//
// Trivy omits empty fields, so every field may be absent; and the report comes from another
// program, so every field may also have an unexpected type. Nothing here throws.

import { parseReference } from '../analysis/reference.js';
import { TRIVY_SEVERITIES, type ImageScan, type TrivySeverity, type Vulnerability, type VulnerabilityCounts } from './types.js';

export type ParsedTrivyReport = { ok: true; scan: ImageScan } | { ok: false; message: string };

type JsonObject = { readonly [key: string]: unknown };

const REPORT_KEYS = ['SchemaVersion', 'ArtifactName', 'Results', 'Metadata'] as const;
const SEVERITY_RANK: ReadonlyMap<string, number> = new Map(TRIVY_SEVERITIES.map((severity, index) => [severity, index]));
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
const PREVIEW_LENGTH = 80;

/** Parses Trivy's JSON report (stdout or the `--output` file). Never throws. */
export function parseTrivyReport(stdout: string, reference: string, scannedAt: number): ParsedTrivyReport {
  try {
    return parse(stdout, reference, scannedAt);
  } catch (error) {
    // Defensive only: parse() handles every input it knows of.
    return { ok: false, message: `Trivy's report could not be read (${error instanceof Error ? error.message : String(error)})` };
  }
}

function parse(stdout: string, reference: string, scannedAt: number): ParsedTrivyReport {
  if (typeof stdout !== 'string') return { ok: false, message: 'Trivy produced no text output' };
  const text = stdout.charCodeAt(0) === 0xfeff ? stdout.slice(1) : stdout;
  if (text.trim() === '') return { ok: false, message: 'Trivy printed no report (the output is empty)' };

  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, message: `Trivy's output is not JSON: ${preview(text)}` };
  }
  if (!isObject(data)) {
    const kind = data === null ? 'null' : Array.isArray(data) ? 'an array' : `a ${typeof data}`;
    return { ok: false, message: `Trivy's output is ${kind}, not a report object: ${preview(text)}` };
  }
  if (!REPORT_KEYS.some((key) => own(data, key) != null)) {
    return { ok: false, message: `Trivy's output is JSON but not a Trivy report (was --format json used?): ${preview(text)}` };
  }

  const metadata = asObject(own(data, 'Metadata'));
  const vulnerabilities = collectVulnerabilities(own(data, 'Results'));
  vulnerabilities.sort(compareVulnerabilities);

  const counts: Record<TrivySeverity, number> = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
  for (const vulnerability of vulnerabilities) counts[vulnerability.severity]++;

  const digest = metadata ? pickDigest(own(metadata, 'RepoDigests'), reference) : undefined;
  const imageId = metadata ? stringOf(own(metadata, 'ImageID')) : undefined;
  const os = metadata ? readOs(own(metadata, 'OS')) : undefined;
  const user = metadata ? readUser(metadata) : undefined;

  const scan: ImageScan = {
    reference,
    ...(digest !== undefined && { digest }),
    ...(imageId !== undefined && { imageId }),
    ...(os !== undefined && { os }),
    ...(user !== undefined && { user }),
    vulnerabilities,
    counts: counts satisfies VulnerabilityCounts,
    scannedAt,
  };
  return { ok: true, scan };
}

function collectVulnerabilities(results: unknown): Vulnerability[] {
  const found: Vulnerability[] = [];
  if (!Array.isArray(results)) return found;
  for (const result of results) {
    if (!isObject(result)) continue;
    const entries = own(result, 'Vulnerabilities');
    if (!Array.isArray(entries)) continue;
    const target = stringOf(own(result, 'Target'));
    for (const entry of entries) {
      const vulnerability = readVulnerability(entry, target);
      if (vulnerability) found.push(vulnerability);
    }
  }
  return found;
}

function readVulnerability(entry: unknown, target: string | undefined): Vulnerability | undefined {
  if (!isObject(entry)) return undefined;
  const id = stringOf(own(entry, 'VulnerabilityID'));
  if (id === undefined) return undefined;
  const title = stringOf(own(entry, 'Title'));
  const url = stringOf(own(entry, 'PrimaryURL'));
  const publishedDate = stringOf(own(entry, 'PublishedDate'));
  return {
    id,
    package: stringOf(own(entry, 'PkgName')) ?? stringOf(own(entry, 'PkgID')) ?? stringOf(own(entry, 'PkgPath')) ?? '',
    installed: stringOf(own(entry, 'InstalledVersion')) ?? '',
    fixed: fixedVersions(own(entry, 'FixedVersion')),
    status: stringOf(own(entry, 'Status')) ?? 'unknown',
    severity: severityOf(own(entry, 'Severity')),
    ...(title !== undefined && { title }),
    ...(url !== undefined && { url }),
    ...(target !== undefined && { target }),
    ...(publishedDate !== undefined && { publishedDate }),
  };
}

/** `"6.0.3.1, 5.2.4.3"` → `['6.0.3.1', '5.2.4.3']`; an array of versions is accepted too. */
function fixedVersions(value: unknown): string[] {
  const parts = Array.isArray(value) ? value : [value];
  const versions: string[] = [];
  for (const part of parts) {
    const text = stringOf(part);
    if (text === undefined) continue;
    for (const version of text.split(',')) {
      const trimmed = version.trim();
      if (trimmed !== '') versions.push(trimmed);
    }
  }
  return versions;
}

function severityOf(value: unknown): TrivySeverity {
  const text = stringOf(value)?.trim().toUpperCase();
  return text !== undefined && SEVERITY_RANK.has(text) ? (text as TrivySeverity) : 'UNKNOWN';
}

function compareVulnerabilities(a: Vulnerability, b: Vulnerability): number {
  return (
    (SEVERITY_RANK.get(a.severity) ?? TRIVY_SEVERITIES.length) - (SEVERITY_RANK.get(b.severity) ?? TRIVY_SEVERITIES.length) ||
    compareText(a.id, b.id) ||
    compareText(a.package, b.package)
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The manifest digest from `RepoDigests` (`repo@sha256:…`): the entry for the scanned
 * repository when there is one (Docker Hub spellings compared after normalising), else the first.
 */
function pickDigest(repoDigests: unknown, reference: string): string | undefined {
  if (!Array.isArray(repoDigests)) return undefined;
  const wanted = repositoryOf(reference);
  let first: string | undefined;
  for (const entry of repoDigests) {
    if (typeof entry !== 'string') continue;
    const at = entry.lastIndexOf('@');
    if (at === -1) continue;
    const digest = entry.slice(at + 1);
    if (!SHA256_DIGEST.test(digest)) continue;
    if (wanted !== undefined && repositoryOf(entry.slice(0, at)) === wanted) return digest;
    first ??= digest;
  }
  return first;
}

/** The normalised repository (`docker.io/library/alpine`) of a reference, or undefined when it is not one. */
function repositoryOf(text: string): string | undefined {
  const parsed = parseReference(text);
  return parsed.ok ? parsed.reference.name : undefined;
}

function readOs(value: unknown): ImageScan['os'] {
  const os = asObject(value);
  if (!os) return undefined;
  const family = stringOf(own(os, 'Family'));
  if (family === undefined) return undefined;
  const name = stringOf(own(os, 'Name'));
  return { family, ...(name !== undefined && { name }), eosl: own(os, 'EOSL') === true };
}

function readUser(metadata: JsonObject): string | undefined {
  const config = asObject(own(asObject(own(metadata, 'ImageConfig')) ?? {}, 'config'));
  return config ? stringOf(own(config, 'User')) : undefined;
}

/** A non-empty string, a number written as text, or undefined. */
function stringOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: unknown): JsonObject | undefined {
  return isObject(value) ? value : undefined;
}

/** An own property only, so that keys such as `constructor` never reach the prototype. */
function own(object: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

/** The first characters of the output, quoted, with control characters escaped. */
function preview(text: string): string {
  const head = Array.from(text.slice(0, PREVIEW_LENGTH * 2)).slice(0, PREVIEW_LENGTH);
  // eslint-disable-next-line no-control-regex -- control characters are what this escapes
  const shown = head.join('').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029"\\]/g, escapeChar);
  const more = head.length === PREVIEW_LENGTH && text.length > head.join('').length ? '…' : '';
  return `"${shown}"${more}`;
}

function escapeChar(char: string): string {
  switch (char) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '"':
      return '\\"';
    case '\\':
      return '\\\\';
    default:
      return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
}
