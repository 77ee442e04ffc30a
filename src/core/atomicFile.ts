// Files that other processes (a second VS Code window, a CronJob's next run) may read while they
// are written: written to a temporary file beside them, then renamed over them.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Replaces `file` with `content` atomically, keeping its permissions; the temporary file never lingers. */
export async function writeAtomically(file: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const mode = await fs.stat(file).then((s) => s.mode & 0o7777, () => undefined);
  try {
    await fs.writeFile(temporary, content, mode === undefined ? {} : { mode });
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}
