// An image's own configuration (its user, OS and architecture) as a registry serves it: the
// manifest or index, the platform an index offers, the configuration blob, every digest checked.
// The requests are the client's; what they bring back is read here. `configuredUsers` asks for
// many images at once through an ImageUserCache, which is what settling root-user needs.

import { createHash } from 'node:crypto';
import { digestError } from '../analysis/reference.js';
import type { ImageConfigOutcome, ImageConfigReader, Platform } from './types.js';
import { ImageUserCache } from './userCache.js';
import { mapLimited } from '../util/mapLimited.js';

export const INDEX_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);
const IMAGE_MANIFEST_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]);
const IMAGE_CONFIG_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json',
]);

/** What an image's user is asked for when nobody says which platform: what most clusters and CI runners are. */
export const DEFAULT_IMAGE_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

/** A content descriptor of a manifest or an index, as far as it is needed here. */
export interface Descriptor {
  readonly digest: string;
  readonly mediaType?: string;
  readonly size?: number;
  readonly platform?: { readonly os?: string; readonly architecture?: string; readonly variant?: string };
}

export type ParsedManifest =
  | { readonly kind: 'index'; readonly manifests: readonly Descriptor[] }
  | { readonly kind: 'image'; readonly mediaType: string | undefined; readonly config: Descriptor };

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** `linux/amd64`, `linux/arm/v7`: how a platform is written, and the key results for it are kept under. */
export function platformKey(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/** Whether `body` is the content `digest` names (sha256, sha384 or sha512). */
export function digestMatches(body: Uint8Array, digest: string): boolean {
  const match = /^(sha256|sha384|sha512):([a-f0-9]+)$/.exec(digest);
  return match !== null && createHash(match[1]!).update(body).digest('hex') === match[2];
}

export function sha256Of(body: Uint8Array): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/**
 * A digest fit to be put in a URL path: a known algorithm, lower-case hex of the right length.
 * Anything else from a registry is refused rather than requested.
 */
export function isContentDigest(digest: unknown): digest is string {
  return typeof digest === 'string' && /^sha(256|384|512):[a-f0-9]+$/.test(digest) && digestError(digest) === undefined;
}

/** A manifest or an index, told apart by its Content-Type, else by its own `mediaType`, else by its shape. */
export function parseManifest(body: Uint8Array, contentType: string | undefined): Parsed<ParsedManifest> {
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return { ok: false, message: 'the manifest is not JSON' };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, message: 'the manifest is not a JSON object' };
  const manifest = data as { mediaType?: unknown; manifests?: unknown; config?: unknown };
  const declared = typeof manifest.mediaType === 'string' ? manifest.mediaType : undefined;
  const type = [contentType, declared].find((t) => t !== undefined && (INDEX_MEDIA_TYPES.has(t) || IMAGE_MANIFEST_TYPES.has(t)));
  const isIndex = type !== undefined ? INDEX_MEDIA_TYPES.has(type) : Array.isArray(manifest.manifests);
  if (isIndex) {
    if (!Array.isArray(manifest.manifests)) return { ok: false, message: 'the index lists no manifests' };
    const manifests = (manifest.manifests as unknown[]).filter(isDescriptor);
    return { ok: true, value: { kind: 'index', manifests } };
  }
  if (!isDescriptor(manifest.config)) return { ok: false, message: 'the manifest names no configuration blob' };
  return { ok: true, value: { kind: 'image', mediaType: type, config: manifest.config } };
}

function isDescriptor(value: unknown): value is Descriptor {
  const d = value as Descriptor | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    isContentDigest(d.digest) &&
    (d.mediaType === undefined || typeof d.mediaType === 'string') &&
    (d.size === undefined || (typeof d.size === 'number' && Number.isSafeInteger(d.size) && d.size >= 0))
  );
}

/**
 * The first manifest of an index for `platform`: OS and architecture equal, the variant too when
 * one is asked for (an arm64 entry without a variant is v8, as containerd reads it).
 */
export function choosePlatform(manifests: readonly Descriptor[], platform: Platform): Descriptor | undefined {
  const variantOf = (architecture: string | undefined, variant: string | undefined) =>
    variant ?? (architecture === 'arm64' ? 'v8' : undefined);
  return manifests.find(
    (m) =>
      m.platform?.os === platform.os &&
      m.platform.architecture === platform.architecture &&
      (platform.variant === undefined || variantOf(m.platform.architecture, m.platform.variant) === platform.variant),
  );
}

/** Whether a configuration descriptor names a container image's configuration (not an artefact's). */
export function isImageConfigType(mediaType: string | undefined): boolean {
  return mediaType === undefined || IMAGE_CONFIG_TYPES.has(mediaType);
}

/** `config.User`, `os` and `architecture` of an image configuration blob. */
export function parseImageConfig(body: Uint8Array): Parsed<{ user: string; os: string; architecture: string; created?: string }> {
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return { ok: false, message: 'the image configuration is not JSON' };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    return { ok: false, message: 'the image configuration is not a JSON object' };
  const image = data as { config?: { User?: unknown } | null; os?: unknown; architecture?: unknown; created?: unknown };
  const user = typeof image.config === 'object' && image.config !== null && typeof image.config.User === 'string' ? image.config.User : '';
  return {
    ok: true,
    value: {
      user,
      os: typeof image.os === 'string' ? image.os : '',
      architecture: typeof image.architecture === 'string' ? image.architecture : '',
      // When the image was built (stale-digest says how old the current image is).
      ...(typeof image.created === 'string' && !Number.isNaN(Date.parse(image.created)) && { created: image.created }),
    },
  };
}

export interface ConfiguredUsersOptions {
  /** Which image of a multi-platform index (default linux/amd64). */
  readonly platform?: Platform;
  /** Lookups at once (default 8). */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

/**
 * Each distinct reference's configured user, `concurrency` at a time: from the cache while its
 * reference entry is fresh, else from the registry, where a manifest digest the cache knows ends
 * the lookup after one request. What was learnt is put in the cache and the cache saved (nothing
 * is written for a cache without a file). Results are keyed by the references as given.
 */
export async function configuredUsers(
  client: ImageConfigReader,
  cache: ImageUserCache | undefined,
  references: readonly string[],
  options: ConfiguredUsersOptions = {},
): Promise<Map<string, ImageConfigOutcome>> {
  const store = cache ?? new ImageUserCache(undefined);
  await store.load();
  const platform = options.platform ?? DEFAULT_IMAGE_PLATFORM;
  const key = platformKey(platform);
  const { signal } = options;
  const unique = [...new Set(references)];

  const settle = async (reference: string): Promise<ImageConfigOutcome> => {
    const cached = store.get(reference, key);
    if (cached) return { ok: true, config: cached };
    if (signal?.aborted)
      return {
        ok: false,
        failure: { reference, reason: 'cancelled', message: `Reading the configuration of ${reference} was cancelled.` },
      };
    const outcome = await client.imageConfig(reference, {
      platform,
      ...(signal && { signal }),
      known: (digest) => store.getByDigest(digest, key),
    });
    if (outcome.ok) store.put(outcome.config, key);
    return outcome;
  };

  const outcomes = await mapLimited(unique, options.concurrency ?? 8, settle);
  await store.save();
  return new Map(unique.map((reference, index) => [reference, outcomes[index]!]));
}
