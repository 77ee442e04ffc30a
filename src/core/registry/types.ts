// What asking a registry for a digest gives, as plain data.

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
