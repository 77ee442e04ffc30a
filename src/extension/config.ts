// One typed view of the `shipshape.*` settings, read per resource, handed to the core as plain values.

import * as vscode from 'vscode';
import type { AnalyzeOptions, RuleId, RuleSettings, Severity } from '../core/index.js';

export interface Config {
  readonly analyze: AnalyzeOptions;
  /** Glob patterns of files never analysed. */
  readonly exclude: readonly string[];
  /** Pause after typing before analysing, in milliseconds. */
  readonly debounceMs: number;
  /** Documents longer than this (in characters, about bytes) are not analysed. */
  readonly maxFileChars: number;
}

const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

function severity(value: unknown): Severity | undefined {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value) ? (value as Severity) : undefined;
}

/** Rule settings: `shipshape.rules.<name>.enabled` and a severity per variant. */
const RULE_SETTINGS: Readonly<Record<RuleId, { readonly key: string; readonly variants: Readonly<Record<string, string>> }>> = {
  'unpinned-image': { key: 'unpinnedImage', variants: { latest: 'latestSeverity', untagged: 'untaggedSeverity', 'mutable-tag': 'mutableTagSeverity' } },
  'root-user': { key: 'rootUser', variants: { explicit: 'explicitSeverity', implicit: 'implicitSeverity' } },
  'invalid-reference': { key: 'invalidReference', variants: { default: 'severity' } },
  'unresolved-image': { key: 'unresolvedImage', variants: { default: 'severity' } },
  // Severities come from the thresholds below, not from one setting per variant.
  'vulnerable-image': { key: 'vulnerableImage', variants: {} },
};

const TRIVY_ORDER = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];

/** Diagnostic severity per worst vulnerability: error at or above `errorAt`, warning at or above `warningAt`. */
function vulnerabilitySeverities(errorAt: unknown, warningAt: unknown): Record<string, Severity> {
  const rank = (value: unknown, fallback: number) => {
    const index = typeof value === 'string' ? TRIVY_ORDER.indexOf(value) : -1;
    return value === 'never' ? -1 : index >= 0 ? index : fallback;
  };
  const error = rank(errorAt, 0);
  const warning = rank(warningAt, 1);
  return Object.fromEntries(TRIVY_ORDER.map((s, i) => [s.toLowerCase(), i <= error ? 'error' : i <= warning ? 'warning' : 'info']));
}

export function readConfig(scope?: vscode.ConfigurationScope): Config {
  const settings = vscode.workspace.getConfiguration('shipshape', scope);
  const rules: Partial<Record<RuleId, RuleSettings>> = {};
  for (const [rule, { key, variants }] of Object.entries(RULE_SETTINGS) as [RuleId, (typeof RULE_SETTINGS)[RuleId]][]) {
    const perVariant: Record<string, Severity> = {};
    for (const [variant, setting] of Object.entries(variants)) {
      const value = severity(settings.get(`rules.${key}.${setting}`));
      if (value) perVariant[variant] = value;
    }
    rules[rule] = { enabled: settings.get<boolean>(`rules.${key}.enabled`) !== false, severity: perVariant };
  }
  rules['vulnerable-image'] = {
    enabled: settings.get<boolean>('rules.vulnerableImage.enabled') !== false,
    severity: vulnerabilitySeverities(settings.get('vulnerabilities.errorAt'), settings.get('vulnerabilities.warningAt')),
  };
  const buildArgs: Record<string, string> = {};
  const rawArgs = settings.get<unknown>('buildArgs');
  if (rawArgs && typeof rawArgs === 'object') {
    for (const [name, value] of Object.entries(rawArgs)) if (typeof value === 'string') buildArgs[name] = value;
  }
  const exclude = (settings.get<unknown[]>('exclude') ?? []).filter((p): p is string => typeof p === 'string' && p.length > 0);
  const debounce = settings.get<number>('analysis.debounce');
  const maxSize = settings.get<number>('analysis.maxFileSize');
  return {
    analyze: { buildArgs, rules },
    exclude,
    debounceMs: typeof debounce === 'number' && debounce >= 0 ? Math.min(debounce, 5000) : 250,
    maxFileChars: Math.round((typeof maxSize === 'number' && maxSize > 0 ? Math.min(maxSize, 100) : 10) * 1024 * 1024),
  };
}
