// Images' own configured users, as a scan asks for them: the lookup a shell gives (the registry
// client lives in the network bundle), and how its failures are said: once per image, or once per
// registry that could not be reached at all.

import { parseReference } from '../analysis/reference.js';
import type { RegistryFailure } from '../registry/types.js';
import type { ImageUser } from '../types.js';

export interface UserLookupAnswer {
  /** By the normalised references asked for. */
  readonly users: ReadonlyMap<string, ImageUser>;
  readonly failures: readonly RegistryFailure[];
}

/** Reads the configured users of images (normalised references); never throws. */
export type UserLookup = (references: readonly string[], signal?: AbortSignal) => Promise<UserLookupAnswer>;

/** Failures that say the registry itself is out of reach, not something about one image. */
const UNREACHABLE: ReadonlySet<RegistryFailure['reason']> = new Set(['unreachable', 'timeout', 'insecure']);

export interface UserErrorEntry {
  readonly file: string;
  readonly line: number;
  readonly reference: string;
  readonly message: string;
}

/** How the entries say what could not be done: for one image, and for the images of a registry out of reach. */
export interface ErrorWording {
  readonly one: (reference: string, message: string) => string;
  /** `images`: `of REFERENCE` for one, `of 3 images of REGISTRY` for several. */
  readonly registry: (count: number, images: string, message: string) => string;
}

const USER_WORDING: ErrorWording = {
  one: (reference, message) => `The configured user of ${reference} could not be read, so its root-user finding stays: ${message}`,
  registry: (count, images, message) =>
    `The configured user${count === 1 ? '' : 's'} ${images} could not be read, so their root-user findings stay as the files say (--no-registry does not ask): ${message}`,
};

/**
 * One entry per image whose user could not be read, placed where it was first wanted; a registry
 * that could not be reached is one entry for all its images. Cancelled lookups are not errors.
 * `wording` says it for something else asked of the registries (pin checks).
 */
export function userErrorEntries(
  failures: readonly RegistryFailure[],
  wantedAt: ReadonlyMap<string, { readonly file: string; readonly line: number }>,
  wording: ErrorWording = USER_WORDING,
): UserErrorEntry[] {
  const entries: UserErrorEntry[] = [];
  const registries = new Map<string, { entry: UserErrorEntry; count: number }>();
  for (const failure of failures) {
    if (failure.reason === 'cancelled') continue;
    const at = wantedAt.get(failure.reference) ?? { file: '', line: 0 };
    const parsed = parseReference(failure.reference);
    const registry = parsed.ok ? parsed.reference.domain : undefined;
    if (registry !== undefined && UNREACHABLE.has(failure.reason)) {
      const known = registries.get(registry);
      if (known) {
        known.count++;
        continue;
      }
      const entry = { ...at, reference: failure.reference, message: failure.message };
      registries.set(registry, { entry, count: 1 });
      entries.push(entry);
      continue;
    }
    entries.push({
      ...at,
      reference: failure.reference,
      message: wording.one(failure.reference, failure.message),
    });
  }
  // An unreachable registry is said once, with how many images it leaves unsettled.
  return entries.map((entry) => {
    const parsed = parseReference(entry.reference);
    const group = parsed.ok ? registries.get(parsed.reference.domain) : undefined;
    if (!group || group.entry !== entry) return entry;
    const images = group.count === 1 ? `of ${entry.reference}` : `of ${group.count} images of ${parsed.ok ? parsed.reference.domain : ''}`;
    return { ...entry, message: wording.registry(group.count, images, entry.message) };
  });
}
