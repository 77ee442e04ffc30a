// Compose's environment files (`.env`, `--env-file`): the syntax Docker Compose reads (comments,
// `export`, quotes, escapes in double quotes, multi-line quoted values, `${VAR:-default}`
// interpolation of earlier lines and of the environment), and the order in which Compose lets
// the environment and the files override each other.

import * as path from 'node:path';
import { expand } from '../analysis/substitute.js';
import type { ProjectFiles } from './files.js';

export interface DotenvProblem {
  /** One-based line. */
  readonly line: number;
  readonly message: string;
}

export interface Dotenv {
  readonly values: Record<string, string>;
  readonly problems: readonly DotenvProblem[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', $: '$' };

/**
 * Parses an env file. `lookup` gives the environment's values, for `${VAR}` in values and for a
 * bare `NAME` line (which takes the environment's value, and is left out when there is none).
 */
export function parseDotenv(text: string, lookup: (name: string) => string | undefined = () => undefined): Dotenv {
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  const problems: DotenvProblem[] = [];
  const known = (name: string) => (Object.hasOwn(values, name) ? values[name] : lookup(name));
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNumber = i + 1;
    let line = lines[i]!.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    if (/^export\s+/.test(line)) line = line.replace(/^export\s+/, '');
    const eq = line.indexOf('=');
    const name = (eq === -1 ? line : line.slice(0, eq)).trim();
    if (!NAME.test(name)) {
      problems.push({ line: lineNumber, message: `not a variable assignment (NAME=value): ${JSON.stringify(lines[i]!.slice(0, 60))}` });
      continue;
    }
    if (eq === -1) {
      // `NAME` alone passes the environment's value on, as Compose does.
      const value = lookup(name.replace(/\s.*$/, ''));
      if (value !== undefined) values[name] = value;
      continue;
    }
    let rest = line.slice(eq + 1).replace(/^[ \t]+/, '');
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      // A quoted value may go on over several lines until its closing quote. Each line is searched
      // on its own (a newline is no quote, and one an escape takes is the line's end): once.
      let body = rest.slice(1);
      let close = closingQuote(body, quote);
      if (close === -1) {
        const more = [body];
        while (close === -1 && i + 1 < lines.length) {
          more.push(lines[++i]!);
          close = closingQuote(more[more.length - 1]!, quote);
        }
        body = more.join('\n');
        if (close !== -1) close += body.length - more[more.length - 1]!.length;
      }
      if (close === -1) {
        problems.push({
          line: lineNumber,
          message: `the value of ${name} opens a ${quote === '"' ? 'double' : 'single'} quote that is never closed`,
        });
        continue;
      }
      const inner = body.slice(0, close);
      values[name] = quote === "'" ? inner : interpolate(unescape(inner), known);
      continue;
    }
    // Unquoted: an inline comment starts at ` #`; the value is trimmed.
    const comment = rest.search(/\s#/);
    if (comment !== -1) rest = rest.slice(0, comment);
    values[name] = interpolate(rest.trim(), known);
  }
  return { values, problems };
}

function closingQuote(text: string, quote: string): number {
  for (let i = 0; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') {
      i++;
      continue;
    }
    if (text[i] === quote) return i;
  }
  return -1;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/gs, (whole, c: string) => ESCAPES[c] ?? whole);
}

/** `${VAR}`, `${VAR:-default}`, `$VAR`; a variable without a value becomes empty, as in Compose. */
function interpolate(text: string, lookup: (name: string) => string | undefined): string {
  if (!text.includes('$')) return text;
  return expand(text, (name) => lookup(name) ?? '', { dollarEscape: true }).value;
}

export interface ComposeEnvOptions {
  /** Env files to read instead of the project's `.env` (Compose's `--env-file`), in order: later ones win. */
  readonly envFiles?: readonly string[];
  /** The process environment, which wins over the files (as Compose's shell environment does). */
  readonly processEnv?: Readonly<Record<string, string | undefined>>;
  /** Values given one by one (`--env NAME=VALUE`): they win over everything. */
  readonly overrides?: Readonly<Record<string, string>>;
}

export interface ComposeEnv {
  readonly values: Readonly<Record<string, string>>;
  /** The env files that were read. */
  readonly files: readonly string[];
  readonly problems: readonly (DotenvProblem & { readonly file: string })[];
}

/**
 * The variables Compose interpolates into the Compose files of `projectFolder`: its `.env` (or the
 * given env files), the process environment over them, then the overrides. An env file given but
 * missing is a problem; a missing `.env` is not.
 */
export async function composeEnvironment(projectFolder: string, options: ComposeEnvOptions, files: ProjectFiles): Promise<ComposeEnv> {
  const processEnv = options.processEnv ?? {};
  const lookup = (name: string) => (Object.hasOwn(processEnv, name) ? processEnv[name] : undefined);
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  const read: string[] = [];
  const problems: (DotenvProblem & { file: string })[] = [];
  const given = options.envFiles !== undefined && options.envFiles.length > 0;
  const envFiles = given ? options.envFiles.map((f) => path.resolve(projectFolder, f)) : [path.join(projectFolder, '.env')];
  for (const file of envFiles) {
    const text = await files.read(file);
    if (text === undefined) {
      if (given) problems.push({ file, line: 0, message: `the env file ${file} could not be read` });
      continue;
    }
    read.push(file);
    const parsed = parseDotenv(text, (name) => (Object.hasOwn(values, name) ? values[name] : lookup(name)));
    Object.assign(values, parsed.values);
    for (const problem of parsed.problems) problems.push({ ...problem, file });
  }
  for (const [name, value] of Object.entries(processEnv)) if (value !== undefined) values[name] = value;
  Object.assign(values, options.overrides ?? {});
  return { values, files: read, problems };
}
