// Finding the files to analyse under the paths a user gives, and reading them safely.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileKindOf } from '../analysis/fileKinds.js';
import type { FileKind } from '../types.js';

export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;
const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules', '.hg', '.svn']);
const BINARY_SNIFF_BYTES = 8000;

export interface CollectOptions {
  readonly maxFileBytes?: number;
}

export interface WalkOptions {
  /** Files and folders found in a folder that are left out (`shipshape.exclude`); paths named by the user are not. */
  readonly excluded?: (file: string) => boolean;
}

export interface CollectedFile {
  /** The path as given, or joined onto the folder it was found in. */
  readonly path: string;
  /** Known from the name; `json` files are sniffed for a Kubernetes object when read. */
  readonly kind: FileKind | 'json';
  /** Named by the user rather than found in a folder: anything not read is worth a note. */
  readonly explicit?: boolean;
}

export interface SkippedFile {
  readonly path: string;
  readonly reason: string;
}

export interface CollectResult {
  readonly files: CollectedFile[];
  readonly skipped: SkippedFile[];
  /** Paths that could not be read at all (missing, permission denied). */
  readonly errors: { readonly path: string; readonly message: string }[];
}

/** Walks the given files and folders (in a stable order) and lists what Shipshape reads. */
export async function collectFiles(paths: readonly string[], options: WalkOptions = {}): Promise<CollectResult> {
  const result: CollectResult = { files: [], skipped: [], errors: [] };
  for (const given of paths) {
    let stat;
    try {
      stat = await fs.stat(given);
    } catch (error) {
      result.errors.push({ path: given, message: ioMessage(error) });
      continue;
    }
    if (stat.isDirectory()) {
      await walk(given, result, options.excluded ?? (() => false));
    } else {
      const kind = kindOf(given);
      if (kind) result.files.push({ path: given, kind, explicit: true });
      else
        result.skipped.push({
          path: given,
          reason:
            'not a Dockerfile, Containerfile, Kubernetes manifest, Compose file, CI pipeline, dev container, Quadlet unit or Bake file',
        });
    }
  }
  return result;
}

function kindOf(file: string): FileKind | 'json' | undefined {
  return fileKindOf(file) ?? (file.toLowerCase().endsWith('.json') ? 'json' : undefined);
}

async function walk(directory: string, result: CollectResult, excluded: (file: string) => boolean): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(directory, { withFileTypes: true });
  } catch (error) {
    result.errors.push({ path: directory, message: ioMessage(error) });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(directory, entry.name);
    if (excluded(path.resolve(full))) continue;
    // Symbolic links are not followed while walking: they can loop or leave the tree.
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name)) await walk(full, result, excluded);
    } else if (entry.isFile()) {
      // The path, not the name alone: a dev container is known by its folder.
      const kind = kindOf(full);
      if (kind) result.files.push({ path: full, kind });
    }
  }
}

export type ReadResult =
  | { readonly ok: true; readonly text: string; readonly kind: FileKind }
  | { readonly ok: false; readonly skipped: string; readonly quiet?: boolean }
  | { readonly ok: false; readonly error: string };

/** Reads a file as UTF-8 text, refusing oversized and binary files. */
export async function readSourceFile(file: CollectedFile, options: CollectOptions = {}): Promise<ReadResult> {
  const limit = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  let bytes: Buffer;
  try {
    const stat = await fs.stat(file.path);
    if (stat.size > limit) return { ok: false, skipped: `larger than ${formatBytes(limit)} (${formatBytes(stat.size)}): skipped` };
    bytes = await fs.readFile(file.path);
  } catch (error) {
    return { ok: false, error: ioMessage(error) };
  }
  if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return { ok: false, skipped: 'binary file: skipped' };
  return sourceText(file, bytes.toString('utf8'));
}

/**
 * A file's text given rather than read (an editor's open document, unsaved edits included), with
 * the checks a file read from disk gets: the size limit (in UTF-8 bytes), the BOM, JSON sniffing.
 */
export function readSourceText(file: CollectedFile, text: string, options: CollectOptions = {}): ReadResult {
  const limit = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const size = Buffer.byteLength(text, 'utf8');
  if (size > limit) return { ok: false, skipped: `larger than ${formatBytes(limit)} (${formatBytes(size)}): skipped` };
  return sourceText(file, text);
}

function sourceText(file: CollectedFile, text: string): ReadResult {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (file.kind === 'json') {
    if (!/"apiVersion"/.test(text) || !/"kind"/.test(text))
      return { ok: false, skipped: 'JSON that is not a Kubernetes object', quiet: true };
    return { ok: true, text, kind: 'yaml' };
  }
  return { ok: true, text, kind: file.kind };
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

function ioMessage(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}
