// The `.trivyignore` (or `.trivyignore.yaml`) that Trivy itself would read in a folder: the same
// file applies whether the scan runs from the CLI or the editor.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export const IGNORE_FILE_NAMES = ['.trivyignore', '.trivyignore.yaml'] as const;

/** The first ignore file in `folder`, as an absolute path, or undefined. */
export async function findTrivyIgnore(folder: string): Promise<string | undefined> {
  for (const name of IGNORE_FILE_NAMES) {
    const candidate = path.resolve(folder, name);
    if (
      await fs.stat(candidate).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return candidate;
  }
  return undefined;
}
