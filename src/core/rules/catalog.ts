// What each rule is, its variants and default severities: one table for the CLI, SARIF and docs.

import type { AnalyzeOptions, RuleId, RuleReasons, Severity } from '../types.js';

/** The keys of a rule's default severities: its variants, or `default` for a rule without. */
export type SeverityKey<R extends RuleId> = [RuleReasons[R]] extends [never] ? 'default' : RuleReasons[R];

export interface RuleInfo<R extends RuleId = RuleId> {
  readonly id: R;
  readonly title: string;
  readonly description: string;
  /** Default severity per variant (`default` for a rule without variants): every variant has one. */
  readonly severities: Readonly<Record<SeverityKey<R>, Severity>>;
}

export const RULES: { readonly [R in RuleId]: RuleInfo<R> } = {
  'unpinned-image': {
    id: 'unpinned-image',
    title: 'Image not pinned to a digest',
    description:
      'A tag can be moved to other content at any time; only a digest names exactly one image. ' +
      'Pin images as name:tag@sha256:… so that builds and deployments are reproducible and reviewed.',
    severities: { latest: 'warning', untagged: 'warning', 'mutable-tag': 'info' },
  },
  'root-user': {
    id: 'root-user',
    title: 'Container runs as root',
    description:
      'A process running as root inside a container turns any escape or misconfiguration into root on the host side of the boundary. ' +
      'Run as a non-root user: USER in the final Dockerfile stage, runAsNonRoot/runAsUser in Kubernetes.',
    severities: { explicit: 'warning', implicit: 'info', 'will-not-start': 'error' },
  },
  'invalid-reference': {
    id: 'invalid-reference',
    title: 'Invalid image reference',
    description: 'The text is not a valid image reference ([registry[:port]/]repository[:tag][@digest]); pulling it would fail.',
    severities: { default: 'error' },
  },
  'vulnerable-image': {
    id: 'vulnerable-image',
    title: 'Image with known vulnerabilities',
    description:
      'Trivy found known vulnerabilities in the image. The finding counts them by severity and names the worst; ' +
      'its severity follows the worst vulnerability (CRITICAL: error, HIGH: warning, lower: info by default). ' +
      'Update the image (often a newer tag of the same line fixes them), or rebuild it on a patched base.',
    severities: { critical: 'error', high: 'warning', medium: 'info', low: 'info', unknown: 'info' },
  },
  'unresolved-image': {
    id: 'unresolved-image',
    title: 'Image depends on a variable without a value',
    description:
      'The reference uses a build argument or variable that has no default, so the image cannot be known from the file alone. ' +
      'Give the ARG a default, or pass the value (--build-arg NAME=value) to check it.',
    severities: { default: 'info' },
  },
  'deprecated-registry': {
    id: 'deprecated-registry',
    title: 'Image on a frozen or moved registry',
    description:
      'The registry or repository is frozen (no new images, no security fixes), its content changed, or it moved elsewhere ' +
      '(k8s.gcr.io, docker.io/bitnami, …; the list, with dates and sources, is in docs/rules/deprecated-registry.md). ' +
      'Pull the image from where it is maintained now.',
    severities: { frozen: 'warning', changed: 'warning', moved: 'info' },
  },
  'eol-image': {
    id: 'eol-image',
    title: 'Image past its end of life',
    description:
      'The image runs a release cycle (Node.js 18, Debian 10, Python 3.8, …) that its maintainers no longer fix, or will stop fixing ' +
      'within 90 days, according to the endoflife.date data shipped with Shipshape. Move to a supported cycle.',
    severities: { 'end-of-life': 'warning', 'ends-soon': 'info' },
  },
  'stale-digest': {
    id: 'stale-digest',
    title: 'Pinned digest no longer what its tag points to',
    description:
      'The reference is written name:tag@sha256:…, and the tag now points to another digest: the pin hides every rebuild since. ' +
      'A rebuild is a warning; an index republished with your platform image unchanged is information. Needs the registry.',
    severities: { rebuilt: 'warning', republished: 'info' },
  },
};

/** True unless the options switch the rule off. */
export function isEnabled(rule: RuleId, options: AnalyzeOptions): boolean {
  return options.rules?.[rule]?.enabled !== false;
}

/** The severity a finding of this rule and variant (none for a rule without variants) gets under the options. */
export function severityOf<R extends RuleId>(rule: R, reason: RuleReasons[R] | undefined, options: AnalyzeOptions): Severity {
  const configured = options.rules?.[rule]?.severity;
  const key: string = reason ?? 'default';
  if (typeof configured === 'string') return configured;
  if (configured && configured[key]) return configured[key];
  const defaults: Readonly<Record<string, Severity>> = RULES[rule].severities;
  return defaults[key] ?? 'warning';
}
