// The regular expressions kustomize reads from a kustomization (`images[].name`, a patch
// `target:`'s group, version, kind, name and namespace) are Go's: RE2, which matches in time linear
// in the input and refuses what would need backtracking (backreferences, lookarounds). JavaScript's
// RegExp backtracks (`(a+)+b` against forty `a`s takes hours) and reads another syntax (`(?i)`,
// `[[:digit:]]`, `\pL` mean something else or nothing there), so they are compiled with re2js, a
// port of RE2 with Go's syntax and error messages.

import { RE2JS } from 're2js';

/** A compiled expression, or RE2's reason for refusing it (Go's message: `error parsing regexp: …`). */
export type Pattern = { readonly matches: (text: string) => boolean } | { readonly error: string };

/** Expressions compiled so far: a kustomization repeats its names across roots, and compiling is the costly part. */
const compiled = new Map<string, Pattern>();
const MAX_CACHED = 1000;

/** Compiles an RE2 expression as Go's `regexp.Compile` does; `matches` finds it anywhere in the text, as `MatchString`. */
export function re2(source: string): Pattern {
  let pattern = compiled.get(source);
  if (pattern) return pattern;
  try {
    const expression = RE2JS.compile(source);
    pattern = { matches: (text: string) => expression.test(text) };
  } catch (error) {
    pattern = { error: error instanceof Error ? error.message : String(error) };
  }
  if (compiled.size >= MAX_CACHED) compiled.clear();
  compiled.set(source, pattern);
  return pattern;
}
