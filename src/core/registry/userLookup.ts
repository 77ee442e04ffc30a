// The lookup a scan takes (`ScanOptions.imageUsers`), made of the registry client and the user
// cache: what the CLI and the editor both hand the core.

import type { ImageUser } from '../types.js';
import type { UserLookup } from '../workspace/users.js';
import type { RegistryClient } from './client.js';
import { configuredUsers, type ConfiguredUsersOptions } from './imageConfig.js';
import type { RegistryFailure } from './types.js';
import type { ImageUserCache } from './userCache.js';

export function registryUserLookup(
  client: RegistryClient,
  cache: ImageUserCache | undefined,
  options: Omit<ConfiguredUsersOptions, 'signal'> = {},
): UserLookup {
  return async (references, signal) => {
    const outcomes = await configuredUsers(client, cache, references, { ...options, ...(signal && { signal }) });
    const users = new Map<string, ImageUser>();
    const failures: RegistryFailure[] = [];
    for (const [reference, outcome] of outcomes) {
      if (outcome.ok) users.set(reference, { user: outcome.config.user, from: 'image-config' });
      else failures.push({ ...outcome.failure, reference });
    }
    return { users, failures };
  };
}
