// `shipshape.exclude`: glob patterns of files not analysed, matched against absolute paths as VS
// Code matches a document filter's pattern (`*` and `?` within a folder name, `**` across folders,
// `{a,b}`, `[a-z]`, `[!a-z]`), and against the path relative to the workspace folder (or scanned
// folder) that holds the file, as `files.exclude` is written: `vendor/**` works as users write it. Patterns come from workspace settings, which a hostile repository
// writes: no regular expression is built from them, and matching takes time proportional to the
// pattern's length times the path's, whatever the pattern.

/** More alternatives than this from one pattern's braces: the pattern is not used. */
const MAX_ALTERNATIVES = 256;

const STAR = 0;
const ONE = 1;
const GLOBSTAR = 2;

interface CharSet {
  readonly negated: boolean;
  /** Inclusive ranges of UTF-16 code units. */
  readonly ranges: readonly (readonly [number, number])[];
}

type Token = string | typeof STAR | typeof ONE | CharSet;
type Segment = readonly Token[] | typeof GLOBSTAR;

/** Whether a file (an absolute path) is excluded by any of the patterns; empty patterns are ignored. */
export function excludeMatcher(patterns: readonly string[], roots: readonly string[] = []): (file: string) => boolean {
  const compiled = patterns
    .flatMap((pattern) => expandBraces(pattern.trim()) ?? [])
    .filter((p) => p !== '')
    .map(compile);
  if (compiled.length === 0) return () => false;
  const folders = roots.map((root) => root.replace(/\\/g, '/').replace(/\/+$/, '')).filter((root) => root !== '');
  return (file) => {
    const normal = file.replace(/\\/g, '/');
    const paths = [normal.split('/')];
    for (const folder of folders) if (normal.startsWith(`${folder}/`)) paths.push(normal.slice(folder.length + 1).split('/'));
    return compiled.some((pattern) => paths.some((segments) => matchPath(pattern, segments)));
  };
}

/** The patterns a pattern's braces stand for, or undefined when they would be too many. */
function expandBraces(pattern: string): string[] | undefined {
  let results = [''];
  let i = 0;
  while (i < pattern.length) {
    const close = pattern[i] === '{' ? closingBrace(pattern, i) : -1;
    if (close < 0) {
      const next = pattern.indexOf('{', i + 1);
      const end = next < 0 ? pattern.length : next;
      const literal = pattern.slice(i, end);
      results = results.map((r) => r + literal);
      i = end;
      continue;
    }
    const alternatives: string[] = [];
    for (const part of splitTopLevel(pattern.slice(i + 1, close))) {
      const expanded = expandBraces(part);
      if (!expanded) return undefined;
      alternatives.push(...expanded);
      if (alternatives.length > MAX_ALTERNATIVES) return undefined;
    }
    if (results.length * alternatives.length > MAX_ALTERNATIVES) return undefined;
    results = results.flatMap((r) => alternatives.map((a) => r + a));
    i = close + 1;
  }
  return results;
}

/** Where the brace opened at `open` closes, or -1 when it does not. */
function closingBrace(pattern: string, open: number): number {
  let depth = 0;
  for (let i = open; i < pattern.length; i++) {
    if (pattern[i] === '{') depth++;
    else if (pattern[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** A brace group's alternatives: split at the commas outside nested braces. */
function splitTopLevel(group: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < group.length; i++) {
    if (group[i] === '{') depth++;
    else if (group[i] === '}') depth--;
    else if (group[i] === ',' && depth === 0) {
      parts.push(group.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(group.slice(start));
  return parts;
}

function compile(pattern: string): Segment[] {
  return pattern.split('/').map((segment) => (segment === '**' ? GLOBSTAR : tokens(segment)));
}

function tokens(segment: string): Token[] {
  const result: Token[] = [];
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') {
      // `**` inside a name is a `*`; several stars in a row are one.
      if (result.at(-1) !== STAR) result.push(STAR);
    } else if (c === '?') result.push(ONE);
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) result.push(c);
      else {
        result.push(charSet(segment.slice(i + 1, close)));
        i = close;
      }
    } else result.push(c);
  }
  return result;
}

function charSet(body: string): CharSet {
  const negated = body.startsWith('!') || body.startsWith('^');
  const chars = negated ? body.slice(1) : body;
  const ranges: [number, number][] = [];
  for (let i = 0; i < chars.length; i++) {
    const from = chars.charCodeAt(i);
    if (chars[i + 1] === '-' && i + 2 < chars.length) {
      ranges.push([from, chars.charCodeAt(i + 2)]);
      i += 2;
    } else ranges.push([from, from]);
  }
  return { negated, ranges };
}

function matchesChar(token: Token, c: string): boolean {
  if (token === ONE) return true;
  if (typeof token === 'string') return token === c;
  if (token === STAR) return false;
  const code = c.charCodeAt(0);
  return token.ranges.some(([from, to]) => code >= from && code <= to) !== token.negated;
}

/**
 * Wildcard matching without backtracking into earlier stars: on a mismatch only the last star
 * takes one more character, which is enough (a later star can take whatever an earlier one
 * would have), so the work is at most the pattern's length times the text's.
 */
function matchWildcards<P, T>(pattern: readonly P[], text: readonly T[], isStar: (p: P) => boolean, one: (p: P, t: T) => boolean): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && isStar(pattern[p]!)) {
      star = p++;
      resume = t;
    } else if (p < pattern.length && one(pattern[p]!, text[t]!)) {
      p++;
      t++;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else return false;
  }
  while (p < pattern.length && isStar(pattern[p]!)) p++;
  return p === pattern.length;
}

function matchPath(pattern: readonly Segment[], segments: readonly string[]): boolean {
  return matchWildcards(
    pattern,
    segments,
    (segment) => segment === GLOBSTAR,
    (segment, name) => segment !== GLOBSTAR && matchWildcards(segment, name.split(''), (token) => token === STAR, matchesChar),
  );
}
