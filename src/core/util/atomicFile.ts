// Files that other processes (a second VS Code window, a CronJob's next run) may read while they
// are written: written to a temporary file beside them, then renamed over them.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Replaces `file` with `content` atomically, keeping its permissions; the temporary file never lingers. */
export async function writeAtomically(file: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const mode = await fs.stat(file).then(
    (s) => s.mode & 0o7777,
    () => undefined,
  );
  try {
    await fs.writeFile(temporary, content, mode === undefined ? {} : { mode });
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Reads a JSON file of ours that carries a `format` number. A missing file is nothing to say;
 * a damaged, half-written or foreign one (not JSON, another format, `isValid` false) is told
 * to `damaged` and read as absent, so that it is rebuilt.
 */
export async function readVersionedJson<T>(
  file: string,
  format: number,
  isValid: (data: Record<string, unknown>) => data is Record<string, unknown> & T,
  damaged: (reason: string) => void,
  what: string,
): Promise<T | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const data = JSON.parse(text) as unknown;
    if (
      typeof data !== 'object' ||
      data === null ||
      (data as { format?: unknown }).format !== format ||
      !isValid(data as Record<string, unknown>)
    ) {
      throw new Error(`not a Shipshape ${what}`);
    }
    return data as T;
  } catch (error) {
    damaged(error instanceof Error ? error.message : String(error));
    return undefined;
  }
}
