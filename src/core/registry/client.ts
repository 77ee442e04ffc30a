// The OCI distribution API, for one question: which digest does a tag point to now?
// Anonymous, Basic and Bearer-token access; retries on 429 and 5xx; HTTPS except for loopback
// and registries the user lists; credentials only ever sent to their own host.

import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../util/logger.js';
import { silentLogger } from '../util/logger.js';
import { parseReference } from '../analysis/reference.js';
import { CredentialStore, isDockerHub, type Credentials } from './credentials.js';
import type { Platform, RegistryFailure, RegistryFailureReason, ResolveOutcome } from './types.js';

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];
const INDEX_TYPES = new Set(MANIFEST_TYPES.slice(0, 2));
const MAX_REDIRECTS = 5;
const MAX_RETRY_WAIT_MS = 10_000;

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

/** Waits before a retry; cancelling ends the wait as a cancelled lookup. */
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  delay(ms, undefined, signal && { signal }).catch(() => {
    throw new Failure('cancelled', 'cancelled');
  });

export class RegistryClient {
  private readonly tokens = new Map<string, Token>();
  private readonly pendingTokens = new Map<string, Promise<Token>>();
  /** Hosts known to ask for Basic credentials, so later requests send them at once. */
  private readonly basicHosts = new Set<string>();
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
      let mediaType = response.headers.get('content-type')?.split(';')[0]?.trim();
      let body: Buffer | undefined;
      const wantPlatform = this.options.platform !== undefined;
      if (!digest || !/^sha256:[a-f0-9]{64}$/.test(digest) || (wantPlatform && mediaType && INDEX_TYPES.has(mediaType))) {
        // No usable header, or the index must be read to find a platform: the exact bytes decide.
        response = await this.request('GET', url, domain, scope, signal);
        body = Buffer.from(await response.arrayBuffer());
        digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
        mediaType = response.headers.get('content-type')?.split(';')[0]?.trim() ?? mediaType;
      }
      const multiPlatform = mediaType !== undefined && INDEX_TYPES.has(mediaType);
      if (multiPlatform && wantPlatform && body) digest = this.platformDigest(reference, body, this.options.platform);
      return { ok: true, resolved: { reference, digest, multiPlatform, ...(mediaType !== undefined && { mediaType }) } };
    } catch (error) {
      return this.fail(reference, error);
    }
  }

  private platformDigest(reference: string, body: Buffer, platform: Platform): string {
    let index: { manifests?: { digest?: string; platform?: { os?: string; architecture?: string; variant?: string } }[] };
    try {
      index = JSON.parse(body.toString('utf8')) as typeof index;
    } catch {
      throw new Failure('bad-response', `the registry's index for ${reference} is not JSON`);
    }
    const match = (index.manifests ?? []).find(
      (m) =>
        m.platform?.os === platform.os &&
        m.platform?.architecture === platform.architecture &&
        (platform.variant === undefined || m.platform?.variant === platform.variant),
    );
    if (!match?.digest) {
      const wanted = [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
      throw new Failure('no-platform', `${reference} has no image for ${wanted}`);
    }
    return match.digest;
  }

  private fail(reference: string, error: unknown): ResolveOutcome {
    const failure: RegistryFailure =
      error instanceof Failure
        ? {
            reference,
            reason: error.reason,
            message:
              error.reason === 'cancelled' ? `Resolving ${reference} was cancelled.` : `Could not resolve ${reference}: ${error.message}`,
            ...(error.status !== undefined && { status: error.status }),
          }
        : { reference, reason: 'unreachable', message: `Could not resolve ${reference}: ${describeNetworkError(error)}` };
    if (failure.reason !== 'cancelled') this.logger.warn(failure.message);
    return { ok: false, failure };
  }

  /** One API request: authentication, retries and redirects handled; a non-2xx answer throws. */
  private async request(method: 'HEAD' | 'GET', url: string, domain: string, scope: string, signal?: AbortSignal): Promise<Response> {
    const host = new URL(url).host;
    let authorization = await this.authorizationFor(host, domain, scope);
    let triedAuth = false;
    const retries = this.options.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetchFollowing(method, url, authorization, signal);
      } catch (error) {
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
      if (response.ok) return response;
      const status = response.status;
      if (status === 401 && !triedAuth) {
        triedAuth = true;
        const challenge = response.headers.get('www-authenticate');
        await response.body?.cancel();
        const next = challenge ? await this.answerChallenge(challenge, host, domain, scope, signal) : undefined;
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
      throw await this.failureFor(response, host, domain);
    }
  }

  private backoff(attempt: number): number {
    return Math.max(this.options.minRetryDelayMs ?? 250, 250 * 2 ** attempt);
  }

  /** fetch, following redirects by hand so that Authorization never goes to another host. */
  private async fetchFollowing(method: string, url: string, authorization: string | undefined, signal?: AbortSignal): Promise<Response> {
    let current = url;
    let auth = authorization;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 15_000);
      const response = await fetch(current, {
        method,
        redirect: 'manual',
        headers: { Accept: MANIFEST_TYPES.join(', '), ...(auth && { Authorization: auth }) },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      if (response.status < 300 || response.status >= 400 || !response.headers.get('location')) return response;
      const next = new URL(response.headers.get('location')!, current);
      await response.body?.cancel();
      const refused = refusedRedirect(new URL(current), next);
      if (refused) throw new Failure(refused.reason, refused.message);
      if (next.host !== new URL(current).host) auth = undefined;
      current = next.toString();
    }
    throw new Failure('bad-response', `more than ${MAX_REDIRECTS} redirects`);
  }

  /** What to send before any challenge: a cached token, or Basic credentials for a Basic host. */
  private async authorizationFor(host: string, domain: string, scope: string): Promise<string | undefined> {
    for (const [key, token] of this.tokens) {
      if (key.startsWith(`${host}|`) && key.endsWith(`|${scope}`) && token.expires > Date.now()) return `Bearer ${token.value}`;
    }
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

  /** A token for a scope from the realm the registry named, cached until it expires; one request per scope at a time. */
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
    let pending = this.pendingTokens.get(key);
    if (!pending) {
      pending = this.fetchToken(domain, realm, service, scope, signal)
        .then((token) => {
          this.tokens.set(key, token);
          return token;
        })
        .finally(() => this.pendingTokens.delete(key));
      this.pendingTokens.set(key, pending);
    }
    return pending;
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

  private async failureFor(response: Response, host: string, domain: string): Promise<Failure> {
    const status = response.status;
    const text = response.status === 404 || response.status === 400 || response.status >= 401 ? await response.text().catch(() => '') : '';
    const codes = registryErrorCodes(text);
    if (status === 404 || codes.includes('MANIFEST_UNKNOWN') || codes.includes('NAME_UNKNOWN')) {
      const what = codes.includes('NAME_UNKNOWN') ? 'the repository does not exist' : 'the tag does not exist in the repository';
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
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code;
  if (code === 'ECONNREFUSED') return 'the registry refused the connection (is it running, and is the host and port right?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the registry host name does not resolve (check the reference and your network)';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the registry dropped the connection';
  if (code === 'CERT_HAS_EXPIRED' || code?.startsWith('ERR_TLS') || code?.includes('CERT'))
    return `the registry's TLS certificate was refused (${code})`;
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}
