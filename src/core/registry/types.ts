// What asking a registry gives (a digest, an image's configuration, a repository's tags), as plain data.

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export type RegistryFailureReason =
  | 'invalid-reference'
  | 'not-found'
  | 'unauthorized'
  | 'rate-limited'
  | 'server-error'
  | 'unreachable'
  | 'timeout'
  | 'insecure'
  | 'bad-response'
  | 'cancelled'
  | 'no-platform';

export interface RegistryFailure {
  /** The reference (or, for a tag list, the repository) as it was asked for. */
  readonly reference: string;
  readonly reason: RegistryFailureReason;
  /** One sentence for people; never contains credentials. */
  readonly message: string;
  readonly status?: number;
}

export interface Resolved {
  readonly reference: string;
  /** The digest the tag points to now: the index's for a multi-platform image, unless a platform was asked for. */
  readonly digest: string;
  readonly mediaType?: string;
  /** Set when the tag names a multi-platform index. */
  readonly multiPlatform: boolean;
}

export type ResolveOutcome = { readonly ok: true; readonly resolved: Resolved } | { readonly ok: false; readonly failure: RegistryFailure };

/** What an image's own configuration says about how it runs, and which content said it. */
export interface ImageConfig {
  readonly reference: string;
  /** The manifest digest the reference resolved to: the index's for a multi-platform image. */
  readonly digest: string;
  /** For a multi-platform image, the digest of the chosen platform's own manifest. */
  readonly platformDigest?: string;
  readonly configDigest: string;
  /** `config.User` as the image sets it (`root`, `0`, `1000:1000`, `app`); `''` when it sets none, which means root. */
  readonly user: string;
  readonly os: string;
  readonly architecture: string;
  /** `created` as the configuration says it (RFC 3339), when it does. */
  readonly created?: string;
}

export type ImageConfigOutcome =
  { readonly ok: true; readonly config: ImageConfig } | { readonly ok: false; readonly failure: RegistryFailure };

export interface ImageConfigOptions {
  /** Which image of a multi-platform index: the client's platform, else linux/amd64. A variant is matched only when given. */
  readonly platform?: Platform;
  readonly signal?: AbortSignal;
  /**
   * A configuration already known for the manifest digest the reference resolves to (a cache):
   * when it gives one, the lookup ends after the first manifest request.
   */
  readonly known?: (digest: string) => ImageConfig | undefined;
}

/** What reads an image's configuration: the registry client (a type of its own so that imageConfig.ts need not import the client, which imports it). */
export interface ImageConfigReader {
  imageConfig(reference: string, options?: ImageConfigOptions): Promise<ImageConfigOutcome>;
}

export type TagListOutcome =
  | {
      readonly ok: true;
      /** The repository's full name, e.g. `docker.io/library/nginx`. */
      readonly repository: string;
      /** In the order the registry lists them, page after page. */
      readonly tags: string[];
      /** Set when the registry has more tags than were read (`max` or the page limit reached). */
      readonly truncated: boolean;
    }
  | { readonly ok: false; readonly failure: RegistryFailure };

export interface TagListOptions {
  readonly signal?: AbortSignal;
  /** The most tags to read (default 10,000). */
  readonly max?: number;
}
