// What every `shipshape` command shares: exit codes, where output goes, and reading arguments
// (util.parseArgs, with its errors and ours as usage errors that name the option).

import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { printable, type ComposeEnvOptions } from '../core/index.js';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

/** Wrong arguments: said with the command's usage, exit status 2. */
export class UsageError extends Error {}

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly isTTY: boolean;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY) && !process.env['NO_COLOR'],
};

/**
 * Messages quote file names, image names and cluster data: no control character from them
 * reaches the terminal (each line is made printable; the line breaks are ours).
 */
export function printableIo(io: Io): Io {
  return { ...io, stderr: (text) => io.stderr(text.split('\n').map(printable).join('\n')) };
}

/** util.parseArgs with positionals, its errors as usage errors. */
export function parseOptions<T extends ParseArgsConfig['options']>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], allowPositionals: true, strict: true, options });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** `NAME=VALUE` values of a repeatable option (`--build-arg`, `--env`) as a record. */
export function parsePairs(pairs: readonly string[], option: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`${option} expects NAME=VALUE, not "${pair}"`);
    values[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return values;
}

/** `--build-arg NAME=VALUE` values as a record. */
export function parseBuildArgs(pairs: readonly string[]): Record<string, string> {
  return parsePairs(pairs, '--build-arg');
}

/** The options every command that reads Compose files takes for its variables. */
export const COMPOSE_OPTIONS = {
  'env-file': { type: 'string', multiple: true, default: [] as string[] },
  env: { type: 'string', multiple: true, default: [] as string[] },
} satisfies ParseArgsConfig['options'];

/** Compose's variables as Compose itself takes them: the env files (else `.env`), the environment over them, `--env` over all. */
export function composeOptions(values: { readonly 'env-file': readonly string[]; readonly env: readonly string[] }): ComposeEnvOptions {
  return {
    ...(values['env-file'].length > 0 && { envFiles: values['env-file'].map((file) => path.resolve(file)) }),
    processEnv: process.env,
    overrides: parsePairs(values.env, '--env'),
  };
}

export function positiveInteger(text: string, option: string, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new UsageError(`${option} expects a whole number from 1 to ${max}, not "${text}"`);
  return value;
}

/** `20MB`, `512KiB`, `0.5M`, or bytes. */
export function parseSize(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(k|kb|kib|m|mb|mib)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`${option} expects a size in bytes, or with K/KB or M/MB (e.g. 512K, 20MB), not "${text}"`);
  const unit = (match[2] ?? '').toLowerCase()[0];
  return Math.round(Number(match[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : 1));
}

/** The user's cache folder for Shipshape (SHIPSHAPE_CACHE_DIR to move it): scan results, deadline state, images' users. */
export { cacheDir } from '../core/index.js';
