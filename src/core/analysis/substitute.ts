// Variable expansion as Dockerfile (BuildKit's shell lexer) and Compose files do it:
// $NAME, ${NAME}, ${NAME:-word}, ${NAME-word}, ${NAME:+word}, ${NAME+word}, ${NAME:?msg}, ${NAME?msg}.

export interface Expansion {
  /** The expanded text; meaningful only when `unresolved` is empty. */
  readonly value: string;
  /** Names used without a value (and without a default), in order of first use. */
  readonly unresolved: readonly string[];
}

/** Returns a variable's value, or undefined when it has none. */
export type Lookup = (name: string) => string | undefined;

export interface ExpandOptions {
  /** Dockerfile escape character (`\` or `` ` ``); escapes the next character. */
  readonly escape?: string;
  /** Compose writes a literal `$` as `$$`. */
  readonly dollarEscape?: boolean;
  /** Dockerfile words may be quoted; quotes are removed, single quotes stop expansion. */
  readonly quotes?: boolean;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const MAX_DEPTH = 16;
/**
 * The longest text an expansion may produce. Variables may use each other more than once
 * (`ARG B=$A$A`, `ARG C=$B$B`, …), doubling at every step: past this, a variable's value is not
 * known (it is reported unresolved) rather than built until the string no longer fits in memory.
 */
export const MAX_EXPANSION_LENGTH = 1 << 20;

/** Expands variables in `text`; never throws, never loops: unknown syntax is kept literally. */
export function expand(text: string, lookup: Lookup, options: ExpandOptions = {}): Expansion {
  const unresolved: string[] = [];
  const value = expandInner(text, lookup, options, unresolved, 0);
  return { value, unresolved };
}

/** True when the text uses variables at all (cheap test before expanding). */
export function hasVariables(text: string): boolean {
  return text.includes('$');
}

function expandInner(text: string, lookup: Lookup, options: ExpandOptions, unresolved: string[], depth: number): string {
  let out = '';
  let quote: '"' | "'" | undefined;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (options.escape && ch === options.escape && quote !== "'" && i + 1 < text.length) {
      out += text[i + 1];
      i += 2;
      continue;
    }
    if (options.quotes && (ch === '"' || ch === "'")) {
      if (quote === undefined) {
        quote = ch;
        i++;
        continue;
      }
      if (quote === ch) {
        quote = undefined;
        i++;
        continue;
      }
    }
    if (ch !== '$' || quote === "'") {
      out += ch;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (options.dollarEscape && next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next !== undefined && NAME_START.test(next)) {
      let end = i + 2;
      while (end < text.length && NAME_CHAR.test(text[end]!)) end++;
      const name = text.slice(i + 1, end);
      out = append(out, valueOf(name, lookup, unresolved), name, unresolved);
      i = end;
      continue;
    }
    if (next === '{') {
      const close = matchingBrace(text, i + 1);
      if (close === -1 || depth >= MAX_DEPTH) {
        out += text.slice(i);
        break;
      }
      const body = text.slice(i + 2, close);
      out = append(out, braced(body, lookup, options, unresolved, depth), variableName(body), unresolved);
      i = close + 1;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/** `out` with a variable's value appended, unless that makes it too long: then the variable counts as unresolved. */
function append(out: string, value: string, name: string, unresolved: string[]): string {
  if (out.length + value.length <= MAX_EXPANSION_LENGTH) return out + value;
  if (!unresolved.includes(name)) unresolved.push(name);
  return out;
}

function variableName(body: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*/.exec(body)?.[0] ?? body;
}

function valueOf(name: string, lookup: Lookup, unresolved: string[]): string {
  const value = lookup(name);
  if (value === undefined) {
    if (!unresolved.includes(name)) unresolved.push(name);
    return '';
  }
  return value;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function braced(body: string, lookup: Lookup, options: ExpandOptions, unresolved: string[], depth: number): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([\s\S]*))?$/.exec(body);
  if (!match) {
    // Syntax we do not evaluate (${X#pattern}, ${X/a/b}, …): the result is unknown.
    const name = variableName(body);
    if (!unresolved.includes(name)) unresolved.push(name);
    return '';
  }
  const [, name, operator, word = ''] = match as unknown as [string, string, string | undefined, string | undefined];
  const value = lookup(name);
  const word_ = () => expandInner(word, lookup, options, unresolved, depth + 1);
  switch (operator) {
    case undefined:
      return valueOf(name, lookup, unresolved);
    case ':-':
      return value === undefined || value === '' ? word_() : value;
    case '-':
      return value === undefined ? word_() : value;
    case ':+':
      return value === undefined || value === '' ? '' : word_();
    case '+':
      return value === undefined ? '' : word_();
    case ':?':
    case '?':
      if (value === undefined || (operator === ':?' && value === '')) {
        if (!unresolved.includes(name)) unresolved.push(name);
        return '';
      }
      return value;
    default:
      return '';
  }
}
