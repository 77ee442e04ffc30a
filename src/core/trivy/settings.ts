// How a scan is set up, from whatever the user wrote (command-line strings, editor settings):
// one set of limits and checks for the CLI and the extension, so that they cannot disagree.

import { TRIVY_SEVERITIES, type ScanSettings, type TrivySeverity } from './types.js';
import { DEFAULT_TIMEOUT_SECONDS } from './runner.js';
import { redactUrl } from '../util/redact.js';
import { parseReference } from '../analysis/reference.js';

/** The bounds of each numeric scan option. The extension's settings declare the same (a test checks). */
export const SCAN_LIMITS = {
  concurrency: { min: 1, max: 32, default: 4 },
  timeoutSeconds: { min: 1, max: 24 * 3600, default: DEFAULT_TIMEOUT_SECONDS },
  cacheHours: { min: 0, max: 24 * 365, default: 12 },
} as const;

/** What a user may set, as they wrote it (strings from a command line, values from settings). */
export interface ScanInput {
  readonly trivyPath?: unknown;
  readonly concurrency?: unknown;
  readonly timeoutSeconds?: unknown;
  readonly severities?: unknown;
  readonly ignoreUnfixed?: unknown;
  readonly serverUrl?: unknown;
  readonly cacheDir?: unknown;
  readonly cacheHours?: unknown;
  readonly tokenHeader?: unknown;
  readonly dbRepository?: unknown;
  readonly insecureRegistries?: unknown;
}

/** A scan's set-up, checked. */
export interface ScanOptions {
  readonly trivyPath?: string;
  readonly concurrency: number;
  /** How long a scan result is reused, in milliseconds. */
  readonly cacheTtlMs: number;
  readonly settings: ScanSettings;
}

export type ScanField = keyof ScanInput;

/** A value that was not usable: which one, and why (without its name, which the caller knows best). */
export interface ScanProblem {
  readonly field: ScanField;
  /** The value as given. */
  readonly value: unknown;
  readonly message: string;
}

/**
 * Checks and normalises a scan's set-up. A value that is not usable is left at its default (a
 * number out of bounds is brought within them) and said in `problems`: the CLI refuses to run on
 * one, the extension logs it and goes on.
 */
export function readScanOptions(input: ScanInput): { options: ScanOptions; problems: ScanProblem[] } {
  const problems: ScanProblem[] = [];
  const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
  const integer = (field: 'concurrency' | 'timeoutSeconds' | 'cacheHours') => {
    const limits = SCAN_LIMITS[field];
    const value = input[field];
    if (value === undefined || value === null || value === '') return limits.default;
    const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
    if (!Number.isFinite(number) || !Number.isInteger(number) || number < limits.min || number > limits.max) {
      problems.push({ field, value, message: `expects a whole number from ${limits.min} to ${limits.max}, not ${JSON.stringify(value)}` });
      return Number.isFinite(number) ? Math.round(Math.min(Math.max(number, limits.min), limits.max)) : limits.default;
    }
    return number;
  };
  const concurrency = integer('concurrency');
  const timeoutSeconds = integer('timeoutSeconds');
  const cacheHours = integer('cacheHours');
  const severities: TrivySeverity[] = [];
  const given: readonly unknown[] =
    typeof input.severities === 'string' ? input.severities.split(',') : Array.isArray(input.severities) ? input.severities : [];
  for (const entry of given) {
    const name = typeof entry === 'string' ? entry.trim().toUpperCase() : entry;
    if (name === '') continue;
    if (!(TRIVY_SEVERITIES as readonly unknown[]).includes(name)) {
      problems.push({
        field: 'severities',
        value: entry,
        message: `expects vulnerability severities (${TRIVY_SEVERITIES.join(',')}), not ${JSON.stringify(entry)}`,
      });
    } else if (!severities.includes(name as TrivySeverity)) severities.push(name as TrivySeverity);
  }
  let serverUrl = text(input.serverUrl);
  if (serverUrl !== undefined && !isServerUrl(serverUrl)) {
    problems.push({
      field: 'serverUrl',
      value: serverUrl,
      message: `expects an http:// or https:// URL, not ${JSON.stringify(serverUrl)}`,
    });
    serverUrl = undefined;
  }
  let tokenHeader = text(input.tokenHeader);
  if (tokenHeader !== undefined && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(tokenHeader)) {
    problems.push({ field: 'tokenHeader', value: tokenHeader, message: `expects an HTTP header name, not ${JSON.stringify(tokenHeader)}` });
    tokenHeader = undefined;
  }
  let dbRepository = text(input.dbRepository);
  if (dbRepository !== undefined && !isDbRepository(dbRepository)) {
    problems.push({
      field: 'dbRepository',
      value: dbRepository,
      message: `expects an OCI repository (e.g. registry.internal:5000/trivy-db), or several separated by commas, not ${JSON.stringify(dbRepository)}`,
    });
    dbRepository = undefined;
  }
  const insecureRegistries = (Array.isArray(input.insecureRegistries) ? (input.insecureRegistries as unknown[]) : [])
    .filter((host): host is string => typeof host === 'string' && host.trim() !== '')
    .map((host) => host.trim());
  const trivyPath = text(input.trivyPath);
  const cacheDir = text(input.cacheDir);
  const options: ScanOptions = {
    ...(trivyPath !== undefined && { trivyPath }),
    concurrency,
    cacheTtlMs: cacheHours * 3600_000,
    settings: {
      ...(severities.length > 0 && { severities }),
      ...(input.ignoreUnfixed === true && { ignoreUnfixed: true }),
      ...(serverUrl !== undefined && { serverUrl }),
      ...(timeoutSeconds !== DEFAULT_TIMEOUT_SECONDS && { timeoutSeconds }),
      ...(cacheDir !== undefined && { cacheDir }),
      ...(tokenHeader !== undefined && { tokenHeader }),
      ...(dbRepository !== undefined && {
        dbRepository: dbRepository
          .split(',')
          .map((r) => r.trim())
          .join(','),
      }),
      ...(insecureRegistries.length > 0 && { insecureRegistries }),
    },
  };
  return { options, problems };
}

/** `--db-repository`: one or more repositories, each a valid reference (a tag or digest is allowed), comma-separated. */
export function isDbRepository(text: string): boolean {
  return text.split(',').every((entry) => {
    const repository = entry.trim();
    return repository !== '' && !repository.startsWith('-') && parseReference(repository).ok;
  });
}

/** A Trivy server address: http(s), with nothing that would split it into several arguments. */
export function isServerUrl(text: string): boolean {
  return /^https?:\/\/[^\s]+$/.test(text);
}

/** The scan settings as a log line may show them: the Trivy server without its credentials. */
export function shownScanSettings(settings: ScanSettings): ScanSettings {
  return settings.serverUrl ? { ...settings, serverUrl: redactUrl(settings.serverUrl) } : settings;
}
