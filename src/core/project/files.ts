// How project-level analysis (Compose `.env`, Kustomize, Helm) reads the files around the ones it
// was given: through this interface, so that the CLI reads the disk and the editor reads its open
// documents first. Paths are absolute; nothing here follows a path outside what it is asked.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface FolderEntry {
  readonly name: string;
  readonly folder: boolean;
}

export interface ProjectFiles {
  /** The text of a file (BOM removed), or undefined when it does not exist, is not a file or cannot be read. */
  read(file: string): Promise<string | undefined>;
  /** What a folder holds, sorted by name, or undefined when it is not a readable folder. */
  list(folder: string): Promise<readonly FolderEntry[] | undefined>;
  /** A file's bytes (a packaged subchart), or undefined as for `read`; absent where files are texts only. */
  bytes?(file: string): Promise<Uint8Array | undefined>;
}

/** Files larger than this are not read for project analysis (a values.yaml or a kustomization is small). */
export const MAX_PROJECT_FILE_BYTES = 10 * 1024 * 1024;

/** The disk, with each file and folder read once. */
export function diskFiles(): ProjectFiles {
  const texts = new Map<string, Promise<string | undefined>>();
  const folders = new Map<string, Promise<readonly FolderEntry[] | undefined>>();
  return {
    read(file) {
      const key = path.resolve(file);
      let text = texts.get(key);
      if (!text) {
        text = readText(key);
        texts.set(key, text);
      }
      return text;
    },
    list(folder) {
      const key = path.resolve(folder);
      let entries = folders.get(key);
      if (!entries) {
        entries = listFolder(key);
        folders.set(key, entries);
      }
      return entries;
    },
    bytes(file) {
      return readBytes(path.resolve(file));
    },
  };
}

async function readBytes(file: string): Promise<Uint8Array | undefined> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile() || stat.size > MAX_PROJECT_FILE_BYTES) return undefined;
    return await fs.readFile(file);
  } catch {
    return undefined;
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile() || stat.size > MAX_PROJECT_FILE_BYTES) return undefined;
    const text = await fs.readFile(file, 'utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    return undefined;
  }
}

async function listFolder(folder: string): Promise<readonly FolderEntry[] | undefined> {
  try {
    const entries = await fs.readdir(folder, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() || e.isDirectory())
      .map((e) => ({ name: e.name, folder: e.isDirectory() }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return undefined;
  }
}

/**
 * Only the files and folders inside `folders` (absolute): what the editor reads for a workspace it
 * does not trust yet. A kustomization may name folders anywhere, and a link may point anywhere;
 * outside, nothing is read (a path whose real location is outside counts as outside), so what
 * such a workspace shows comes from its own files.
 */
export function confinedFiles(files: ProjectFiles, folders: readonly string[]): ProjectFiles {
  const roots = folders.map((f) => path.resolve(f));
  const realRoots = Promise.all(roots.map((root) => fs.realpath(root).catch(() => root)));
  const inside = (file: string, within: readonly string[]): boolean =>
    within.some((root) => file === root || file.startsWith(root.endsWith(path.sep) ? root : root + path.sep));
  const allowed = async (file: string): Promise<boolean> => {
    const key = path.resolve(file);
    if (!inside(key, roots)) return false;
    // A path the disk does not know (an unsaved document) is judged by its name alone.
    const real = await fs.realpath(key).catch(() => undefined);
    return real === undefined || inside(real, await realRoots);
  };
  return {
    async read(file) {
      return (await allowed(file)) ? files.read(file) : undefined;
    },
    async list(folder) {
      return (await allowed(folder)) ? files.list(folder) : undefined;
    },
    async bytes(file) {
      return (await allowed(file)) ? files.bytes?.(file) : undefined;
    },
  };
}

/** Files given as texts (tests, and the editor's open documents over the disk). */
export function overlayFiles(texts: ReadonlyMap<string, string>, below?: ProjectFiles): ProjectFiles {
  return {
    async read(file) {
      const key = path.resolve(file);
      return texts.has(key) ? texts.get(key) : below?.read(key);
    },
    async list(folder) {
      const key = path.resolve(folder);
      const listed = new Map<string, FolderEntry>();
      for (const entry of (await below?.list(key)) ?? []) listed.set(entry.name, entry);
      for (const file of texts.keys()) {
        const relative = path.relative(key, file);
        if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) continue;
        const [first, ...rest] = relative.split(path.sep);
        listed.set(first!, { name: first!, folder: rest.length > 0 });
      }
      if (listed.size === 0 && !(await below?.list(key))) {
        // A folder only the overlay knows of still lists; an unknown one is no folder.
        const known = [...texts.keys()].some((file) => file.startsWith(key + path.sep));
        if (!known) return undefined;
      }
      return [...listed.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    async bytes(file) {
      const key = path.resolve(file);
      return texts.has(key) ? undefined : below?.bytes?.(key);
    },
  };
}
