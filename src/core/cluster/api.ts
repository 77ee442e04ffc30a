// Requests to the Kubernetes API server: a time bound and the caller's cancellation on each, which
// failures are worth another try, and what the server said, for people.

import type { ClusterOptions } from './types.js';

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** A request to the API server took longer than ClusterOptions.requestTimeoutMs. */
class RequestTimeout extends Error {}

/**
 * Runs one API request with the caller's cancellation and a time bound: the client's own fetch
 * is given the signal (a middleware sets it on the request), so a hung or cancelled request is
 * really closed, not just forgotten.
 */
export async function request<T>(options: ClusterOptions, call: (requestOptions: object) => Promise<T>): Promise<T> {
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const timeout = new AbortController();
  const timer = setTimeout(
    () => timeout.abort(new RequestTimeout(`the API server did not answer within ${Math.round(timeoutMs / 1000)} s`)),
    timeoutMs,
  );
  const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
  // The object-parameter API takes the observable middleware shape: what `pre` and `post`
  // return is read with `toPromise()`.
  const middleware = {
    pre: (context: { setSignal(signal: AbortSignal): void }) => {
      context.setSignal(signal);
      return { toPromise: () => Promise.resolve(context) };
    },
    post: <R>(response: R) => ({ toPromise: () => Promise.resolve(response) }),
  };
  try {
    return await call({ middleware: [middleware], middlewareMergeStrategy: 'append' });
  } catch (error) {
    if (timeout.signal.aborted && !options.signal?.aborted) throw timeout.signal.reason as Error;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'EAI_AGAIN']);

/**
 * A dropped connection or a server-side 5xx / 429: worth another try. Not a timeout (that bound
 * is the user's), a refused connection, a TLS failure or a failing credential plugin: those are
 * said at once.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof RequestTimeout) return false;
  const status = statusOf(error);
  if (status !== undefined) return status >= 500 || status === 429;
  const code = (error as { code?: unknown }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
  return (
    (typeof code === 'string' && TRANSIENT_CODES.has(code)) ||
    /socket hang up|premature close/i.test(error instanceof Error ? error.message : '')
  );
}

export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown; statusCode?: unknown }).code ?? (error as { statusCode?: unknown }).statusCode;
  return typeof code === 'number' ? code : undefined;
}

export function messageOf(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message;
    } catch {
      // not JSON
    }
  }
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string')
    return (body as { message: string }).message;
  const cause = (error as { cause?: { code?: string } }).cause;
  if (cause?.code) return cause.code;
  return error instanceof Error ? error.message : String(error);
}
