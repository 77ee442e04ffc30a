// Small file trees in temporary folders, for tests that scan or read files from disk; every
// folder made is removed after the importing test file has run.

import { after } from 'node:test';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const made: string[] = [];

after(async () => {
  await Promise.all(made.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

/** A new temporary folder (named `prefix…`) holding `files` (names use `/`). */
export async function tempTree(files: Readonly<Record<string, string | Uint8Array>>, prefix = 'shipshape-'): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  made.push(root);
  for (const [name, content] of Object.entries(files)) {
    const full = path.join(root, ...name.split('/'));
    await fs.mkdir(path.dirname(full), { recursive: true });
    await fs.writeFile(full, content);
  }
  return root;
}
