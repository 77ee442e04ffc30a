// The OCI distribution API, for three questions: which digest does a tag point to now, what does
// the image's own configuration say (its user), and which tags does a repository have?
// Anonymous, Basic and Bearer-token access; retries on 429 and 5xx; HTTPS except for loopback
// and registries the user lists; credentials only ever sent to their own host.

import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../util/logger.js';
import { silentLogger } from '../util/logger.js';
import { parseReference } from '../analysis/reference.js';
import { CredentialStore, isDockerHub, type Credentials } from './credentials.js';
import {
  choosePlatform,
  DEFAULT_IMAGE_PLATFORM,
  digestMatches,
  isImageConfigType,
  parseImageConfig,
  parseManifest,
  platformKey,
  sha256Of,
  type ParsedManifest,
} from './imageConfig.js';
import type {
  ImageConfigOptions,
  ImageConfigOutcome,
  Platform,
  RegistryFailure,
  RegistryFailureReason,
  ResolveOutcome,
  TagListOptions,
  TagListOutcome,
} from './types.js';

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];
const INDEX_TYPES = new Set(MANIFEST_TYPES.slice(0, 2));
const MANIFEST_ACCEPT = MANIFEST_TYPES.join(', ');
const MAX_REDIRECTS = 5;
const MAX_RETRY_WAIT_MS = 10_000;
/** Registries refuse manifests over 4 MiB; anything larger is not one. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
const MAX_TAG_PAGE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_TAGS = 10_000;
/** Pages of a tag list read at most, whatever `max` says: a registry whose `next` never ends is stopped. */
const MAX_TAG_PAGES = 50;
const TAG_PAGE_SIZE = 1000;

/** What a request is for: it decides the Accept header and what a 404 means. */
type Asking = 'manifest' | 'blob' | 'tags';
const ACCEPT: Record<Asking, string> = { manifest: MANIFEST_ACCEPT, blob: '*/*', tags: 'application/json' };
/** How a failure message starts, by what was asked. */
const FAILED: Record<'resolve' | 'config' | 'tags', { failed: string; cancelled: string }> = {
  resolve: { failed: 'Could not resolve', cancelled: 'Resolving' },
  config: { failed: 'Could not read the configuration of', cancelled: 'Reading the configuration of' },
  tags: { failed: 'Could not list the tags of', cancelled: 'Listing the tags of' },
};

export interface RegistryClientOptions {
  /** Hosts (with port) that may be reached over plain HTTP besides loopback. */
  readonly insecureRegistries?: readonly string[];
  readonly timeoutMs?: number;
  /** Attempts after the first, for 429, 5xx and dropped connections. */
  readonly retries?: number;
  readonly credentials?: CredentialStore;
  readonly logger?: Logger;
  /** Pin a multi-platform image to this platform's own manifest instead of its index. */
  readonly platform?: Platform;
  /** For tests: the shortest wait between retries. */
  readonly minRetryDelayMs?: number;
}

class Failure extends Error {
  constructor(
    readonly reason: RegistryFailureReason,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

interface Token {
  readonly value: string;
  readonly expires: number;
}

/** A token request several lookups wait for: it stops only when every one of them has given up. */
interface PendingToken {
  readonly promise: Promise<Token>;
  readonly controller: AbortController;
  waiters: number;
}

/** Why a registry's redirect is not followed, or undefined when it may be: only http(s), and never from HTTPS down to plain HTTP off loopback. */
export function refusedRedirect(from: URL, to: URL): { reason: 'bad-response' | 'insecure'; message: string } | undefined {
  if (to.protocol !== 'https:' && to.protocol !== 'http:')
    return { reason: 'bad-response', message: `the registry redirected to ${to.protocol} URL` };
  if (to.protocol === 'http:' && from.protocol === 'https:' && !isLoopback(to.host)) {
    return { reason: 'insecure', message: `the registry redirected from HTTPS to plain HTTP (${to.host}); not followed` };
  }
  return undefined;
}

/** Where a registry's API is: Docker Hub's real host, and HTTPS unless loopback or listed as insecure. */
export function registryBase(domain: string, insecureRegistries: readonly string[] = []): string {
  const host = isDockerHub(domain) ? 'registry-1.docker.io' : domain;
  return `${isLoopback(host) || insecureRegistries.includes(host) ? 'http' : 'https'}://${host}`;
}

function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/** `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` → its scheme and parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const scheme = /^\s*(\w+)/.exec(header)?.[1]?.toLowerCase() ?? '';
  const params: Record<string, string> = {};
  for (const match of header.matchAll(/(\w+)="([^"]*)"|(\w+)=([^\s,"]+)/g)) {
    params[(match[1] ?? match[3])!.toLowerCase()] = match[2] ?? match[4] ?? '';
  }
  return { scheme, params };
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds. */
function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** `promise`, unless the lookup is cancelled first. */
function untilAborted(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new Failure('cancelled', 'cancelled'));
  return new Promise((resolve, reject) => {
    const abort = () => reject(new Failure('cancelled', 'cancelled'));
    signal.addEventListener('abort', abort, { once: true });
    void promise.then(() => {
      signal.removeEventListener('abort', abort);
      resolve();
    });
  });
}

/** Waits before a retry; cancelling ends the wait as a cancelled lookup. */
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  delay(ms, undefined, signal && { signal }).catch(() => {
    throw new Failure('cancelled', 'cancelled');
  });

export class RegistryClient {
  private readonly tokens = new Map<string, Token>();
  private readonly pendingTokens = new Map<string, PendingToken>();
  /** Hosts known to ask for Basic credentials, so later requests send them at once. */
  private readonly basicHosts = new Set<string>();
  /** The token service each Bearer host named: a token for another scope is fetched before asking, not after a 401. */
  private readonly bearerRealms = new Map<string, { readonly realm: string; readonly service: string | undefined }>();
  /** Per host, settled once the first request to it has an answer (see `request`). */
  private readonly firstAnswers = new Map<string, Promise<void>>();
  private readonly credentials: CredentialStore;
  private readonly logger: Logger;

  constructor(private readonly options: RegistryClientOptions = {}) {
    this.credentials = options.credentials ?? new CredentialStore(options.logger ? { logger: options.logger } : {});
    this.logger = options.logger ?? silentLogger;
  }

  /** The digest a reference's tag points to now (its index for multi-platform images). */
  async resolve(reference: string, signal?: AbortSignal): Promise<ResolveOutcome> {
    const parsed = parseReference(reference);
    if (!parsed.ok)
      return this.fail(
        'resolve',
        reference,
        new Failure('invalid-reference', `${JSON.stringify(reference)} is not a valid image reference: ${parsed.error}`),
      );
    const { domain, path, tag } = parsed.reference;
    const url = `${registryBase(domain, this.options.insecureRegistries)}/v2/${path}/manifests/${encodeURIComponent(tag ?? 'latest')}`;
    const scope = `repository:${path}:pull`;
    try {
      let response: Response;
      try {
        response = await this.request('HEAD', url, domain, scope, signal);
      } catch (error) {
        // A HEAD answer has no body: ask again to learn whether the tag or the repository is unknown.
        if (error instanceof Failure && error.reason === 'not-found') await this.request('GET', url, domain, scope, signal);
        throw error;
      }
      let digest = response.headers.get('docker-content-digest') ?? undefined;
      let mediaType = mediaTypeOf(response.headers);
      let body: Buffer | undefined;
      const wantPlatform = this.options.platform !== undefined;
      if (!digest || !/^sha256:[a-f0-9]{64}$/.test(digest) || (wantPlatform && mediaType && INDEX_TYPES.has(mediaType))) {
        // No usable header, or the index must be read to find a platform: the exact bytes decide.
        const got = await this.getBody(url, domain, scope, 'manifest', MAX_MANIFEST_BYTES, signal);
        body = got.body;
        digest = sha256Of(body);
        mediaType = mediaTypeOf(got.headers) ?? mediaType;
      }
      const multiPlatform = mediaType !== undefined && INDEX_TYPES.has(mediaType);
      if (multiPlatform && wantPlatform && body) digest = this.platformDigest(reference, body, this.options.platform);
      return { ok: true, resolved: { reference, digest, multiPlatform, ...(mediaType !== undefined && { mediaType }) } };
    } catch (error) {
      return this.fail('resolve', reference, error);
    }
  }

  /**
   * What the image's own configuration says: its user, OS and architecture. The manifest, for an
   * index the chosen platform's manifest, then the configuration blob (2 requests, 3 for an
   * index), each checked against its digest; blobs may be redirected to another host (object
   * storage), which never gets the credentials.
   */
  async imageConfig(reference: string, options: ImageConfigOptions = {}): Promise<ImageConfigOutcome> {
    const { signal } = options;
    const parsed = parseReference(reference);
    if (!parsed.ok)
      return this.fail(
        'config',
        reference,
        new Failure('invalid-reference', `${JSON.stringify(reference)} is not a valid image reference: ${parsed.error}`),
      );
    const { domain, path, tag, digest: pinned } = parsed.reference;
    const platform = options.platform ?? this.options.platform ?? DEFAULT_IMAGE_PLATFORM;
    const base = `${registryBase(domain, this.options.insecureRegistries)}/v2/${path}`;
    const scope = `repository:${path}:pull`;
    const get = (url: string, asking: Asking, limit: number) => this.getBody(url, domain, scope, asking, limit, signal);
    try {
      // A digest in the reference wins over its tag, as it does for `docker pull`.
      const top = await get(`${base}/manifests/${pinned ?? encodeURIComponent(tag ?? 'latest')}`, 'manifest', MAX_MANIFEST_BYTES);
      if (pinned && !digestMatches(top.body, pinned)) {
        throw new Failure('bad-response', `the manifest the registry sent is not the content of ${pinned}`);
      }
      const digest = pinned ?? sha256Of(top.body);
      const known = options.known?.(digest);
      if (known) return { ok: true, config: known.reference === reference ? known : { ...known, reference } };

      let manifest = manifestOf(top.body, top.headers);
      let platformDigest: string | undefined;
      if (manifest.kind === 'index') {
        const chosen = choosePlatform(manifest.manifests, platform);
        if (!chosen) throw new Failure('no-platform', `${reference} has no image for ${platformKey(platform)}`);
        platformDigest = chosen.digest;
        const own = await get(`${base}/manifests/${chosen.digest}`, 'manifest', MAX_MANIFEST_BYTES);
        if (!digestMatches(own.body, chosen.digest)) {
          throw new Failure('bad-response', `the manifest the registry sent is not the content of ${chosen.digest}`);
        }
        manifest = manifestOf(own.body, own.headers);
        if (manifest.kind === 'index') throw new Failure('bad-response', `the index names another index for ${platformKey(platform)}`);
      }

      const descriptor = manifest.config;
      if (!isImageConfigType(descriptor.mediaType)) {
        throw new Failure('bad-response', `it is not a container image (its configuration is ${descriptor.mediaType})`);
      }
      if (descriptor.size !== undefined && descriptor.size > MAX_CONFIG_BYTES) {
        throw new Failure('bad-response', `its configuration is ${descriptor.size} bytes, more than the ${MAX_CONFIG_BYTES} read`);
      }
      const blob = await get(`${base}/blobs/${descriptor.digest}`, 'blob', descriptor.size ?? MAX_CONFIG_BYTES);
      if (!digestMatches(blob.body, descriptor.digest)) {
        throw new Failure('bad-response', `the configuration blob the registry sent is not the content of ${descriptor.digest}`);
      }
      const read = parseImageConfig(blob.body);
      if (!read.ok) throw new Failure('bad-response', read.message);
      return {
        ok: true,
        config: {
          reference,
          digest,
          ...(platformDigest !== undefined && { platformDigest }),
          configDigest: descriptor.digest,
          ...read.value,
        },
      };
    } catch (error) {
      return this.fail('config', reference, error);
    }
  }

  /**
   * A repository's tags (`nginx`, `ghcr.io/org/app`; a tag or digest given with it is ignored), in
   * the registry's order, page after page through `Link: <…>; rel="next"` on the same host, up to
   * `max` tags and a bounded number of pages.
   */
  async listTags(repository: string, options: TagListOptions = {}): Promise<TagListOutcome> {
    const { signal } = options;
    const max = Math.max(0, Math.floor(options.max ?? DEFAULT_MAX_TAGS));
    const parsed = parseReference(repository);
    if (!parsed.ok)
      return this.fail(
        'tags',
        repository,
        new Failure('invalid-reference', `${JSON.stringify(repository)} is not a valid repository: ${parsed.error}`),
      );
    const { domain, path, name } = parsed.reference;
    const scope = `repository:${path}:pull`;
    const tags: string[] = [];
    let truncated = false;
    try {
      let url = new URL(tagListUrlOf(domain, path, this.options.insecureRegistries));
      for (let page = 1; ; page++) {
        const { body, headers } = await this.getBody(url.href, domain, scope, 'tags', MAX_TAG_PAGE_BYTES, signal);
        for (const tag of tagsOf(body)) tags.push(tag);
        if (tags.length > max) {
          tags.length = max;
          truncated = true;
          break;
        }
        const link = nextLink(headers.get('link'));
        if (link === undefined) break;
        let next: URL;
        try {
          next = new URL(link, url);
        } catch {
          throw new Failure('bad-response', `the registry named a next page that is not a URL`);
        }
        if (next.origin !== url.origin) {
          // Credentials and tokens are for this registry only; another host's page is not asked for.
          this.logger.warn(`${name}: the registry's next page of tags is on ${next.host}; not followed`);
          truncated = true;
          break;
        }
        if (page >= MAX_TAG_PAGES) {
          truncated = true;
          break;
        }
        url = next;
      }
      return { ok: true, repository: name, tags, truncated };
    } catch (error) {
      return this.fail('tags', repository, error);
    }
  }

  private platformDigest(reference: string, body: Buffer, platform: Platform): string {
    const parsed = parseManifest(body, 'application/vnd.oci.image.index.v1+json');
    if (!parsed.ok || parsed.value.kind !== 'index') throw new Failure('bad-response', `the registry's index for ${reference} is not JSON`);
    const match = choosePlatform(parsed.value.manifests, platform);
    if (!match) throw new Failure('no-platform', `${reference} has no image for ${platformKey(platform)}`);
    return match.digest;
  }

  private fail(what: keyof typeof FAILED, reference: string, error: unknown): { readonly ok: false; readonly failure: RegistryFailure } {
    const { failed, cancelled } = FAILED[what];
    const failure: RegistryFailure =
      error instanceof Failure
        ? {
            reference,
            reason: error.reason,
            message: error.reason === 'cancelled' ? `${cancelled} ${reference} was cancelled.` : `${failed} ${reference}: ${error.message}`,
            ...(error.status !== undefined && { status: error.status }),
          }
        : { reference, reason: 'unreachable', message: `${failed} ${reference}: ${describeNetworkError(error)}` };
    if (failure.reason !== 'cancelled') this.logger.warn(failure.message);
    return { ok: false, failure };
  }

  /** A GET whose body is read whole, refusing more than `limit` bytes. */
  private async getBody(
    url: string,
    domain: string,
    scope: string,
    asking: Asking,
    limit: number,
    signal?: AbortSignal,
  ): Promise<{ body: Buffer; headers: Headers }> {
    const response = await this.request('GET', url, domain, scope, signal, asking);
    return { body: await readBody(response, limit, signal), headers: response.headers };
  }

  /**
   * One API request: authentication, retries and redirects handled; a non-2xx answer throws.
   * The first request to a host goes alone and the others wait for its answer: they then know
   * how the host authenticates, instead of each being challenged.
   */
  private async request(
    method: 'HEAD' | 'GET',
    url: string,
    domain: string,
    scope: string,
    signal?: AbortSignal,
    asking: Asking = 'manifest',
  ): Promise<Response> {
    const host = new URL(url).host;
    const firstAnswer = this.firstAnswers.get(host);
    let answered: (() => void) | undefined;
    if (firstAnswer) await untilAborted(firstAnswer, signal);
    else this.firstAnswers.set(host, new Promise<void>((resolve) => (answered = resolve)));
    try {
      let authorization = await this.authorizationFor(host, domain, scope, signal);
      let triedAuth = false;
      const retries = this.options.retries ?? 3;
      for (let attempt = 0; ; attempt++) {
        let response: Response;
        let at: string;
        try {
          ({ response, at } = await this.fetchFollowing(method, url, authorization, ACCEPT[asking], signal));
        } catch (error) {
          answered?.();
          if (error instanceof Failure) throw error;
          if (signal?.aborted) throw new Failure('cancelled', 'cancelled');
          if (attempt < retries && !isTimeout(error)) {
            await sleep(this.backoff(attempt), signal);
            continue;
          }
          throw isTimeout(error)
            ? new Failure('timeout', `${host} did not answer within ${(this.options.timeoutMs ?? 15_000) / 1000} s`)
            : new Failure('unreachable', describeNetworkError(error));
        }
        // A challenge counts only from the registry itself: a host it redirected to (object
        // storage) is never sent this registry's credentials, nor asked to name a token service.
        const challenge = response.status === 401 && new URL(at).host === host ? response.headers.get('www-authenticate') : null;
        if (challenge) this.noteChallenge(host, challenge);
        answered?.();
        if (response.ok) return response;
        const status = response.status;
        if (challenge && !triedAuth) {
          triedAuth = true;
          await response.body?.cancel();
          const next = await this.answerChallenge(challenge, host, domain, scope, signal);
          if (next) {
            authorization = next;
            attempt--;
            continue;
          }
        }
        if ((status === 429 || status >= 500) && attempt < retries) {
          const wait = Math.min(retryAfter(response.headers.get('retry-after')) ?? this.backoff(attempt), MAX_RETRY_WAIT_MS);
          await response.body?.cancel();
          this.logger.debug(`${host} answered ${status}; retrying in ${wait} ms`);
          await sleep(wait, signal);
          continue;
        }
        throw await this.failureFor(response, new URL(at).host, domain, asking);
      }
    } finally {
      answered?.();
    }
  }

  private backoff(attempt: number): number {
    return Math.max(this.options.minRetryDelayMs ?? 250, 250 * 2 ** attempt);
  }

  /** fetch, following redirects by hand so that Authorization never goes to another host; `at` is where the answer came from. */
  private async fetchFollowing(
    method: string,
    url: string,
    authorization: string | undefined,
    accept: string,
    signal?: AbortSignal,
  ): Promise<{ response: Response; at: string }> {
    let current = url;
    let auth = authorization;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 15_000);
      const response = await fetch(current, {
        method,
        redirect: 'manual',
        headers: { Accept: accept, ...(auth && { Authorization: auth }) },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      if (response.status < 300 || response.status >= 400 || !response.headers.get('location')) return { response, at: current };
      const next = new URL(response.headers.get('location')!, current);
      await response.body?.cancel();
      const refused = refusedRedirect(new URL(current), next);
      if (refused) throw new Failure(refused.reason, refused.message);
      if (next.host !== new URL(current).host) auth = undefined;
      current = next.toString();
    }
    throw new Failure('bad-response', `more than ${MAX_REDIRECTS} redirects`);
  }

  /** Remembers how a host asked to be authenticated, for the requests after this one. */
  private noteChallenge(host: string, header: string): void {
    const { scheme, params } = parseChallenge(header);
    if (scheme === 'bearer' && params['realm']) this.bearerRealms.set(host, { realm: params['realm'], service: params['service'] });
    else if (scheme === 'basic') this.basicHosts.add(host);
  }

  /** What to send before any challenge: a cached token, a token from the host's known token service, or Basic credentials for a Basic host. */
  private async authorizationFor(host: string, domain: string, scope: string, signal?: AbortSignal): Promise<string | undefined> {
    for (const [key, token] of this.tokens) {
      if (key.startsWith(`${host}|`) && key.endsWith(`|${scope}`) && token.expires > Date.now()) return `Bearer ${token.value}`;
    }
    const bearer = this.bearerRealms.get(host);
    if (bearer) return `Bearer ${(await this.token(host, domain, bearer.realm, bearer.service, scope, signal)).value}`;
    if (this.basicHosts.has(host)) {
      const credentials = await this.credentials.get(domain);
      if (credentials) return basic(credentials);
    }
    return undefined;
  }

  private async answerChallenge(
    header: string,
    host: string,
    domain: string,
    scope: string,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const { scheme, params } = parseChallenge(header);
    if (scheme === 'basic') {
      const credentials = await this.credentials.get(domain);
      if (!credentials) return undefined;
      this.basicHosts.add(host);
      return basic(credentials);
    }
    if (scheme === 'bearer' && params['realm']) {
      const token = await this.token(host, domain, params['realm'], params['service'], params['scope'] ?? scope, signal);
      return `Bearer ${token.value}`;
    }
    return undefined;
  }

  /**
   * A token for a scope from the realm the registry named, cached until it expires; one request
   * per scope at a time. The request is not tied to the lookup that started it: each lookup
   * stops waiting when its own signal says so, and the request stops when none waits any more.
   */
  private token(
    host: string,
    domain: string,
    realm: string,
    service: string | undefined,
    scope: string,
    signal?: AbortSignal,
  ): Promise<Token> {
    const key = `${host}|${service ?? ''}|${scope}`;
    const cached = this.tokens.get(key);
    if (cached && cached.expires > Date.now()) return Promise.resolve(cached);
    if (signal?.aborted) return Promise.reject(new Failure('cancelled', 'cancelled'));
    let pending = this.pendingTokens.get(key);
    if (!pending) {
      const controller = new AbortController();
      const promise = this.fetchToken(domain, realm, service, scope, controller.signal)
        .then((token) => {
          this.tokens.set(key, token);
          return token;
        })
        .finally(() => {
          if (this.pendingTokens.get(key) === entry) this.pendingTokens.delete(key);
        });
      const entry: PendingToken = { promise, controller, waiters: 0 };
      pending = entry;
      this.pendingTokens.set(key, entry);
    }
    const shared = pending;
    shared.waiters++;
    if (!signal) return shared.promise;
    return new Promise<Token>((resolve, reject) => {
      const onAbort = () => {
        if (--shared.waiters === 0) {
          // Nobody waits: the request stops, and the next lookup starts a new one.
          if (this.pendingTokens.get(key) === shared) this.pendingTokens.delete(key);
          shared.controller.abort();
        }
        reject(new Failure('cancelled', 'cancelled'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      shared.promise.then(
        (token) => {
          signal.removeEventListener('abort', onAbort);
          resolve(token);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  private async fetchToken(
    domain: string,
    realm: string,
    service: string | undefined,
    scope: string,
    signal?: AbortSignal,
  ): Promise<Token> {
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new Failure('bad-response', `the registry named a token realm that is not a URL`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.host))) {
      throw new Failure('insecure', `the registry's token service ${url.host} is not HTTPS`);
    }
    if (service) url.searchParams.set('service', service);
    url.searchParams.set('scope', scope);
    const credentials = await this.credentials.get(domain);
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 15_000);
    let response: Response;
    try {
      response = await fetch(url, {
        redirect: 'error',
        // Credentials go to the token service the registry named for them, as Docker does.
        headers: credentials ? { Authorization: basic(credentials) } : {},
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw new Failure('cancelled', 'cancelled');
      throw new Failure(isTimeout(error) ? 'timeout' : 'unreachable', `the token service ${url.host}: ${describeNetworkError(error)}`);
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new Failure(
        'unauthorized',
        `${url.host} refused a token for ${scope}${credentials ? ' with the stored credentials' : ' without credentials'} (log in with \`docker ` +
          `login ${domain}\`)`,
        response.status,
      );
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Failure(
        response.status === 429 ? 'rate-limited' : 'server-error',
        `the token service ${url.host} answered ${response.status}`,
        response.status,
      );
    }
    const data = (await response.json().catch(() => ({}))) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
    const value = typeof data.token === 'string' ? data.token : typeof data.access_token === 'string' ? data.access_token : undefined;
    if (!value) throw new Failure('bad-response', `the token service ${url.host} sent no token`);
    const lifetime = typeof data.expires_in === 'number' && data.expires_in > 0 ? data.expires_in : 60;
    // A little early, so that a token never expires in flight.
    return { value, expires: Date.now() + Math.max(1, lifetime - 10) * 1000 };
  }

  private async failureFor(response: Response, host: string, domain: string, asking: Asking = 'manifest'): Promise<Failure> {
    const status = response.status;
    const text = response.status === 404 || response.status === 400 || response.status >= 401 ? await response.text().catch(() => '') : '';
    const codes = registryErrorCodes(text);
    if (status === 404 || codes.includes('MANIFEST_UNKNOWN') || codes.includes('NAME_UNKNOWN') || codes.includes('BLOB_UNKNOWN')) {
      const what =
        codes.includes('NAME_UNKNOWN') || asking === 'tags'
          ? 'the repository does not exist'
          : asking === 'blob'
            ? "the image's configuration blob is not in the repository"
            : 'the tag does not exist in the repository';
      return new Failure('not-found', `${what} (${host} answered ${status}${codes.length ? ` ${codes.join(', ')}` : ''})`, status);
    }
    if (status === 401 || status === 403) {
      return new Failure(
        'unauthorized',
        `${host} denied access (${status}${codes.length ? ` ${codes.join(', ')}` : ''}); log in with \`docker login ${domain}\``,
        status,
      );
    }
    if (status === 429) return new Failure('rate-limited', `${host} is rate-limiting requests (429); try again later`, status);
    if (status >= 500) return new Failure('server-error', `${host} failed (${status})`, status);
    return new Failure('bad-response', `${host} answered ${status}${codes.length ? ` ${codes.join(', ')}` : ''}`, status);
  }
}

function basic(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

function registryErrorCodes(text: string): string[] {
  try {
    const data = JSON.parse(text) as { errors?: { code?: unknown }[] };
    return (data.errors ?? []).map((e) => e.code).filter((c): c is string => typeof c === 'string');
  } catch {
    return [];
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || /timeout|timed out/i.test(error.message));
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string; address?: unknown; port?: unknown } })?.cause;
  const code = cause?.code;
  if (code === 'ECONNREFUSED') {
    // The address refused: the registry's, or a proxy's when the requests go through one.
    const where = typeof cause?.address === 'string' && typeof cause.port === 'number' ? ` at ${cause.address}:${cause.port}` : '';
    return `the connection${where} was refused (is the registry, or the proxy it is reached through, running, and are the host and port right?)`;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the registry host name does not resolve (check the reference and your network)';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the registry dropped the connection';
  if (code === 'CERT_HAS_EXPIRED' || code?.startsWith('ERR_TLS') || code?.includes('CERT'))
    return `the registry's TLS certificate was refused (${code})`;
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}

function mediaTypeOf(headers: Headers): string | undefined {
  return headers.get('content-type')?.split(';')[0]?.trim() || undefined;
}

function manifestOf(body: Buffer, headers: Headers): ParsedManifest {
  const parsed = parseManifest(body, mediaTypeOf(headers));
  if (!parsed.ok) throw new Failure('bad-response', parsed.message);
  return parsed.value;
}

/** A body read whole, but never more than `limit` bytes of it: a registry cannot make the client hold an unbounded answer. */
async function readBody(response: Response, limit: number, signal?: AbortSignal): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? '');
  const tooLarge = (size: number) => new Failure('bad-response', `the registry sent ${size} bytes where at most ${limit} were expected`);
  if (declared > limit) {
    await response.body?.cancel();
    throw tooLarge(declared);
  }
  if (!response.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel();
        throw tooLarge(size);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof Failure) throw error;
    if (signal?.aborted) throw new Failure('cancelled', 'cancelled');
    throw isTimeout(error)
      ? new Failure('timeout', 'the registry stopped sending its answer')
      : new Failure('unreachable', describeNetworkError(error));
  }
  return Buffer.concat(chunks);
}

/** The URL of a repository's first page of tags: Docker Hub's real host, `library/` for its official images. */
export function tagListUrl(repository: string, insecureRegistries: readonly string[] = []): string | undefined {
  const parsed = parseReference(repository);
  return parsed.ok ? tagListUrlOf(parsed.reference.domain, parsed.reference.path, insecureRegistries) : undefined;
}

function tagListUrlOf(domain: string, path: string, insecureRegistries: readonly string[] = []): string {
  return `${registryBase(domain, insecureRegistries)}/v2/${path}/tags/list?n=${TAG_PAGE_SIZE}`;
}

/** `{"name": "…", "tags": [...]}`: the tags (none for `null`, as some registries answer for a repository without tags). */
function tagsOf(body: Buffer): string[] {
  let data: { tags?: unknown };
  try {
    data = JSON.parse(body.toString('utf8')) as typeof data;
  } catch {
    throw new Failure('bad-response', 'the tag list is not JSON');
  }
  if (typeof data !== 'object' || data === null) throw new Failure('bad-response', 'the tag list is not a JSON object');
  if (data.tags === null || data.tags === undefined) return [];
  if (!Array.isArray(data.tags)) throw new Failure('bad-response', 'the tag list has no list of tags');
  return (data.tags as unknown[]).filter((tag): tag is string => typeof tag === 'string');
}

/** The target of `Link: <…>; rel="next"` (RFC 8288), among any other links. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const match of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*"?([^";,]+)"?/i.exec(match[2] ?? '')?.[1];
    if (rel?.split(/\s+/).some((r) => r.toLowerCase() === 'next')) return match[1];
  }
  return undefined;
}
