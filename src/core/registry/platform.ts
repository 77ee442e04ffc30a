// A platform as people write it (`linux/arm64`, `linux/arm/v7`), checked once for every caller.

import type { Platform } from './types.js';

export const DEFAULT_PLATFORM = 'linux/amd64';

export type PlatformResult = { readonly ok: true; readonly platform: Platform } | { readonly ok: false; readonly message: string };

/** `os/arch[/variant]`, lower case; anything else is refused with a message naming what came. */
export function parsePlatform(text: string): PlatformResult {
  const match = /^([a-z0-9]+)\/([a-z0-9_]+)(?:\/([a-z0-9]+))?$/.exec(text.trim());
  if (!match) return { ok: false, message: `expects OS/ARCH[/VARIANT], e.g. linux/arm64, not ${JSON.stringify(text)}` };
  return { ok: true, platform: { os: match[1]!, architecture: match[2]!, ...(match[3] !== undefined && { variant: match[3] }) } };
}
