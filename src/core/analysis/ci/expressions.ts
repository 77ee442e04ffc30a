// What a CI system fills into an image field when the pipeline runs: `${{ matrix.image }}`
// (GitHub Actions, Azure templates), `$[ variables.x ]` and `$(x)` (Azure), `<< parameters.x >>`
// (CircleCI), `$VAR` and `${VAR}` (GitLab, Bitbucket, Cloud Build, Drone, Woodpecker). Such an image
// is unknown here (`unresolved`), never invalid; GitLab's `variables:` and Cloud Build's
// `substitutions:` written in the file itself are expanded first, as the runner would.

import { classifyImage, type Classification } from '../classify.js';
import { expand } from '../substitute.js';

// Bounded alternatives (no nested quantifiers): each stops at its closing delimiter; Azure's
// `$[ variables['name'] ]` holds one level of brackets, whose two branches never start alike.
const EXPRESSION = /\$\{\{[^}]*\}\}|\$\[(?:[^[\]]|\[[^\]]*\])*\]|\$\([^)]*\)|<<[^>]*>>|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g;

/** The run-time expressions in an image field, each once, or an empty list. */
export function expressionsIn(raw: string): string[] {
  return [...new Set(raw.match(EXPRESSION) ?? [])];
}

/**
 * Classifies a CI image field. `variables` are the values the file itself gives (GitLab's
 * `variables:`, Cloud Build's `substitutions:`); an expression they do not settle leaves the image
 * unresolved.
 */
export function classifyCiImage(raw: string, variables?: ReadonlyMap<string, string>): Classification {
  const expressions = expressionsIn(raw);
  if (expressions.length === 0) return classifyImage(raw);
  if (variables && variables.size > 0 && !/\$\{\{|\$\[|\$\(|<</.test(raw)) {
    // A value that uses variables itself is left to the runner (GitLab expands it once more, Cloud Build does not).
    const lookup = (name: string) => {
      const value = variables.get(name);
      return value === undefined || value.includes('$') ? undefined : value;
    };
    const expansion = expand(raw, lookup, { dollarEscape: true });
    if (expansion.unresolved.length === 0) return classifyImage(raw, expansion);
  }
  return { status: 'unresolved', pinned: false, unresolvedVariables: expressions };
}
