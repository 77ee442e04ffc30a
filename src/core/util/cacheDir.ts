// The user's cache folder for Shipshape, shared by the CLI and the editor: what both learn that
// holds across runs and windows (images' configured users) lives here.

import * as os from 'node:os';
import * as path from 'node:path';

/** `$SHIPSHAPE_CACHE_DIR`, else `$XDG_CACHE_HOME/shipshape`, else `~/.cache/shipshape`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['SHIPSHAPE_CACHE_DIR'] ?? path.join(env['XDG_CACHE_HOME'] ?? path.join(os.homedir(), '.cache'), 'shipshape');
}
