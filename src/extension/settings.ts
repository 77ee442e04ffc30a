// Every `shipshape.*` setting, read and normalised into the plain values the core takes. Nothing
// here imports 'vscode': values come through a getter (config.ts hands it VS Code's settings),
// so that the rules of reading them are tested without the editor (test/extension/settings.test.ts).

import * as path from 'node:path';
import {
  DEFAULT_PLATFORM,
  parsePlatform,
  readScanOptions,
  SEVERITIES,
  TRIVY_SEVERITIES,
  type AnalyzeOptions,
  type RuleId,
  type PinStyle,
  type RuleSettings,
  type ScanField,
  type ScanOptions,
  type Severity,
} from '../core/index.js';

/** Reads one setting by its key below `shipshape.` (`scan.concurrency`). */
export type Get = (key: string) => unknown;

/** What analysing one document takes (resource-scoped: a folder may set its own). */
export interface AnalysisSettings {
  readonly analyze: AnalyzeOptions;
  /** Glob patterns of files never analysed. */
  readonly exclude: readonly string[];
  /** Pause after typing before analysing, in milliseconds. */
  readonly debounceMs: number;
  /** Documents longer than this (in characters, about bytes) are not analysed. */
  readonly maxFileChars: number;
}

export type ScanTrigger = 'open' | 'save' | 'manual';

/** How one document's images are scanned and shown (resource-scoped). */
export interface DocumentScanSettings {
  readonly trigger: ScanTrigger;
  readonly codeLens: boolean;
}

/** The scanner's set-up (one scanner per window), and what in the settings could not be used. */
export interface ScannerSettings {
  readonly options: ScanOptions;
  readonly problems: readonly string[];
}

export interface RegistrySettings {
  readonly insecureRegistries: readonly string[];
  /** Set when multi-platform images are pinned to one platform's manifest. */
  readonly platform?: { readonly os: string; readonly architecture: string; readonly variant?: string };
  /** The image of a multi-platform index whose configuration (user) is read: `shipshape.registry.platform`. */
  readonly imagePlatform: { readonly os: string; readonly architecture: string; readonly variant?: string };
  /** Ask registries for images' configured users, to settle root-user. */
  readonly imageUsers: boolean;
  /** Check `name:tag@sha256:…` pins against their tags (stale-digest) and name a digest's tags in the hover. */
  readonly checkPins: boolean;
  /** Complete image tags from registries. */
  readonly completeTags: boolean;
  /** An accepted tag completion writes `tag@sha256:…`. */
  readonly completionPins: boolean;
  /** `shipshape.pin.style`: `name:tag@sha256:…`, or the digest alone with the tag in a comment. */
  readonly pinStyle: PinStyle;
  readonly problems: readonly string[];
}

export interface ClusterSettings {
  /** kubeconfig files, split like KUBECONFIG; absent for the default. */
  readonly kubeconfig?: readonly string[];
  /**
   * The kubeconfig contexts scanned together, each once: `shipshape.cluster.contexts`, else the
   * deprecated `shipshape.cluster.context`; empty for the kubeconfig's current context.
   */
  readonly contexts: readonly string[];
  readonly namespaces: readonly string[];
  /** `CRITICAL=7,HIGH=30`, parsed when a cluster is scanned. */
  readonly sla: string;
  readonly groupBy: 'severity' | 'namespace';
}

/** Rule settings: `shipshape.rules.<key>.enabled` and a severity setting per variant. */
const RULE_SETTINGS: Readonly<Record<RuleId, { readonly key: string; readonly variants: Readonly<Record<string, string>> }>> = {
  'unpinned-image': {
    key: 'unpinnedImage',
    variants: { latest: 'latestSeverity', untagged: 'untaggedSeverity', 'mutable-tag': 'mutableTagSeverity' },
  },
  'root-user': { key: 'rootUser', variants: { explicit: 'explicitSeverity', implicit: 'implicitSeverity' } },
  'invalid-reference': { key: 'invalidReference', variants: { default: 'severity' } },
  'unresolved-image': { key: 'unresolvedImage', variants: { default: 'severity' } },
  // Severities come from the vulnerability thresholds, not from one setting per variant.
  'vulnerable-image': { key: 'vulnerableImage', variants: {} },
  'deprecated-registry': {
    key: 'deprecatedRegistry',
    variants: { frozen: 'frozenSeverity', changed: 'changedSeverity', moved: 'movedSeverity' },
  },
  'eol-image': { key: 'eolImage', variants: { 'end-of-life': 'endOfLifeSeverity', 'ends-soon': 'endsSoonSeverity' } },
  'stale-digest': { key: 'staleDigest', variants: { rebuilt: 'rebuiltSeverity', republished: 'republishedSeverity' } },
};

/** The editor setting that holds each scan option, for messages. */
export const SCAN_SETTING_KEYS: Readonly<Record<ScanField, string>> = {
  trivyPath: 'trivy.path',
  concurrency: 'scan.concurrency',
  timeoutSeconds: 'scan.timeout',
  severities: 'scan.severities',
  ignoreUnfixed: 'scan.ignoreUnfixed',
  serverUrl: 'trivy.serverUrl',
  cacheDir: 'trivy.cacheDir',
  cacheHours: 'scan.cacheHours',
  tokenHeader: 'trivy.tokenHeader',
  dbRepository: 'trivy.dbRepository',
  insecureRegistries: 'registry.insecureRegistries',
};

const DEBOUNCE = { default: 250, max: 5000 };
const MAX_FILE_MB = { default: 10, max: 100 };

function severity(value: unknown): Severity | undefined {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value) ? (value as Severity) : undefined;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string' && s.trim() !== '').map((s) => s.trim()) : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Diagnostic severity per worst vulnerability: error at or above `errorAt`, warning at or above `warningAt`. */
function vulnerabilitySeverities(errorAt: unknown, warningAt: unknown): Record<string, Severity> {
  const rank = (value: unknown, fallback: number) => {
    const index = typeof value === 'string' ? (TRIVY_SEVERITIES as readonly string[]).indexOf(value) : -1;
    return value === 'never' ? -1 : index >= 0 ? index : fallback;
  };
  const error = rank(errorAt, 0);
  const warning = rank(warningAt, 1);
  return Object.fromEntries(TRIVY_SEVERITIES.map((s, i) => [s.toLowerCase(), i <= error ? 'error' : i <= warning ? 'warning' : 'info']));
}

export function readAnalysisSettings(get: Get): AnalysisSettings {
  const rules: Partial<Record<RuleId, RuleSettings>> = {};
  for (const [rule, { key, variants }] of Object.entries(RULE_SETTINGS) as [RuleId, (typeof RULE_SETTINGS)[RuleId]][]) {
    const perVariant: Record<string, Severity> = {};
    for (const [variant, setting] of Object.entries(variants)) {
      const value = severity(get(`rules.${key}.${setting}`));
      if (value) perVariant[variant] = value;
    }
    rules[rule] = { enabled: get(`rules.${key}.enabled`) !== false, severity: perVariant };
  }
  rules['vulnerable-image'] = {
    ...rules['vulnerable-image'],
    severity: vulnerabilitySeverities(get('vulnerabilities.errorAt'), get('vulnerabilities.warningAt')),
  };
  const buildArgs: Record<string, string> = {};
  const rawArgs = get('buildArgs');
  if (rawArgs && typeof rawArgs === 'object') {
    for (const [name, value] of Object.entries(rawArgs)) if (typeof value === 'string') buildArgs[name] = value;
  }
  const debounce = get('analysis.debounce');
  const maxSize = get('analysis.maxFileSize');
  return {
    analyze: { buildArgs, rules },
    exclude: strings(get('exclude')),
    debounceMs: typeof debounce === 'number' && debounce >= 0 ? Math.min(debounce, DEBOUNCE.max) : DEBOUNCE.default,
    maxFileChars: Math.round(
      (typeof maxSize === 'number' && maxSize > 0 ? Math.min(maxSize, MAX_FILE_MB.max) : MAX_FILE_MB.default) * 1024 * 1024,
    ),
  };
}

/**
 * `shipshape.helm.valuesFiles`: the values files each chart is rendered with, `{"chart folder":
 * ["values file", …]}`, both relative to the workspace folder `folder` (or absolute); as absolute paths.
 */
export function readHelmValuesFiles(get: Get, folder: string): Record<string, readonly string[]> {
  const raw = get('helm.valuesFiles');
  const byChart: Record<string, readonly string[]> = {};
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return byChart;
  for (const [chart, files] of Object.entries(raw as Record<string, unknown>)) {
    const list = strings(files).map((file) => path.resolve(folder, file));
    if (list.length > 0) byChart[path.resolve(folder, chart)] = list;
  }
  return byChart;
}

/** `shipshape.compose.envFiles`: env files read instead of each Compose project's `.env`, relative to the workspace folder. */
export function readComposeEnvFiles(get: Get): readonly string[] {
  return strings(get('compose.envFiles'));
}

export function readDocumentScanSettings(get: Get): DocumentScanSettings {
  const trigger = get('scan.on');
  return { trigger: trigger === 'save' || trigger === 'manual' ? trigger : 'open', codeLens: get('codeLens.enabled') !== false };
}

export function readScannerSettings(get: Get): ScannerSettings {
  const { options, problems } = readScanOptions({
    trivyPath: get('trivy.path'),
    concurrency: get('scan.concurrency'),
    timeoutSeconds: get('scan.timeout'),
    severities: get('scan.severities'),
    ignoreUnfixed: get('scan.ignoreUnfixed'),
    serverUrl: get('trivy.serverUrl'),
    cacheDir: get('trivy.cacheDir'),
    cacheHours: get('scan.cacheHours'),
    tokenHeader: get('trivy.tokenHeader'),
    dbRepository: get('trivy.dbRepository'),
    insecureRegistries: strings(get('registry.insecureRegistries')),
  });
  return { options, problems: problems.map((p) => `shipshape.${SCAN_SETTING_KEYS[p.field]} ${p.message}`) };
}

export function readRegistrySettings(get: Get): RegistrySettings {
  const problems: string[] = [];
  let platform: RegistrySettings['platform'];
  const parsed = parsePlatform(text(get('registry.platform')) ?? DEFAULT_PLATFORM);
  const fallback = parsePlatform(DEFAULT_PLATFORM);
  const imagePlatform = parsed.ok ? parsed.platform : fallback.ok ? fallback.platform : { os: 'linux', architecture: 'amd64' };
  if (get('registry.pinPlatform') === true) {
    if (parsed.ok) platform = parsed.platform;
    else problems.push(`shipshape.registry.platform ${parsed.message}; pinning to the multi-platform index instead`);
  } else if (!parsed.ok) problems.push(`shipshape.registry.platform ${parsed.message}; reading ${DEFAULT_PLATFORM} images instead`);
  return {
    pinStyle: get('pin.style') === 'digest' ? 'digest' : 'tag-and-digest',
    insecureRegistries: strings(get('registry.insecureRegistries')),
    ...(platform && { platform }),
    imagePlatform,
    imageUsers: get('registry.imageUsers') !== false,
    checkPins: get('registry.checkPins') !== false,
    completeTags: get('registry.tagCompletion') !== false,
    completionPins: get('registry.tagCompletionPins') !== false,
    problems,
  };
}

export interface AdviseSettings {
  /** Newer tags scanned at most; 0: no advice. */
  readonly candidates: number;
  readonly allowMajor: boolean;
}

export function readAdviseSettings(get: Get): AdviseSettings {
  const candidates = get('advise.candidates');
  return {
    candidates: typeof candidates === 'number' && Number.isFinite(candidates) ? Math.max(0, Math.min(10, Math.floor(candidates))) : 3,
    allowMajor: get('advise.allowMajor') === true,
  };
}

export function readClusterSettings(get: Get): ClusterSettings {
  const kubeconfig = text(get('cluster.kubeconfig'));
  const context = text(get('cluster.context'));
  const contexts = [...new Set(strings(get('cluster.contexts')))];
  return {
    ...(kubeconfig !== undefined && { kubeconfig: kubeconfig.split(path.delimiter).filter((f) => f !== '') }),
    contexts: contexts.length > 0 ? contexts : context !== undefined ? [context] : [],
    namespaces: strings(get('cluster.namespaces')),
    sla: text(get('cluster.sla')) ?? '',
    groupBy: get('cluster.groupBy') === 'namespace' ? 'namespace' : 'severity',
  };
}

/** Which parts of the extension a change of settings concerns, by the sections it touches. */
export interface SettingsChange {
  /** Rules, build arguments, exclusions, analysis limits, vulnerability thresholds, CodeLens: every open document again. */
  readonly analysis: boolean;
  /** Trivy and the scanner: a new scanner, results under the old settings dropped. */
  readonly scanner: boolean;
  readonly registry: boolean;
  /** Which safer tags are looked for. */
  readonly advise: boolean;
  /** How the cluster tree groups its findings. */
  readonly clusterView: boolean;
}

/** Sorts a change event's sections (`affects('shipshape.scan')`) into what must be redone. */
export function settingsChange(affects: (section: string) => boolean): SettingsChange {
  return {
    analysis: [
      'shipshape.rules',
      'shipshape.compose',
      'shipshape.buildArgs',
      'shipshape.helm',
      'shipshape.exclude',
      'shipshape.analysis',
      'shipshape.vulnerabilities',
      'shipshape.codeLens',
      'shipshape.scan.on',
    ].some(affects),
    scanner: ['shipshape.trivy', 'shipshape.scan'].some(affects),
    registry: affects('shipshape.registry') || affects('shipshape.pin'),
    advise: affects('shipshape.advise'),
    clusterView: affects('shipshape.cluster.groupBy'),
  };
}

/** Everything changes at once (a workspace just trusted: its restricted values now apply). */
export const EVERYTHING: SettingsChange = { analysis: true, scanner: true, registry: true, advise: true, clusterView: true };
