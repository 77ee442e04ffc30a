// Inline suppression: `# shipshape-ignore <rule>[,<rule>]` on the line above a finding, or at
// the end of its line in YAML (Dockerfiles have no end-of-line comments).

import type { Finding, RuleId } from '../types.js';
import { RULE_IDS } from '../types.js';

const MARKER = 'shipshape-ignore';
const DIRECTIVE = /(?:^|[ \t])#[ \t]*shipshape-ignore(?![\w-])(.*)$/;

/** Rules silenced per zero-based line; `all` when the comment names no rule. */
export type Suppressions = ReadonlyMap<number, ReadonlySet<RuleId> | 'all'>;

export function findSuppressions(text: string, allowTrailing: boolean): Suppressions {
  const result = new Map<number, Set<RuleId> | 'all'>();
  if (!text.includes(MARKER)) return result;
  const lines = text.split('\n');
  lines.forEach((rawLine, index) => {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (!line.includes(MARKER)) return;
    const match = DIRECTIVE.exec(line);
    if (!match) return;
    const ownLine = line.trimStart().startsWith('#');
    if (!ownLine && !allowTrailing) return;
    const target = ownLine ? index + 1 : index;
    const rules = parseRules(match[1] ?? '');
    const existing = result.get(target);
    if (rules === 'all' || existing === 'all') result.set(target, 'all');
    else result.set(target, new Set([...(existing ?? []), ...rules]));
  });
  return result;
}

/**
 * The rules a comment names, then an explanation: `unpinned-image, root-user: the base is ours`.
 * No rule named at all silences every rule on the line; but a first word that looks like a rule
 * name and is not one (a typo, `unpined-image`) silences nothing, rather than everything.
 */
function parseRules(rest: string): Set<RuleId> | 'all' {
  const rules = new Set<RuleId>();
  for (const [index, raw] of rest
    .split(/[\s,]+/)
    .filter((t) => t !== '')
    .entries()) {
    const token = raw.replace(/[:;.]+$/, '');
    if ((RULE_IDS as readonly string[]).includes(token)) rules.add(token as RuleId);
    else if (index === 0 && /^[a-z]+(?:-[a-z]+)+$/.test(token))
      return rules; // an unknown rule: nothing
    else break; // the rest is an explanation
    if (raw !== token) break; // `rule:` ends the list
  }
  return rules.size === 0 ? 'all' : rules;
}

export function isSuppressed(finding: Finding, suppressions: Suppressions): boolean {
  const entry = suppressions.get(finding.range.start.line);
  return entry === 'all' || (entry !== undefined && entry.has(finding.rule));
}
