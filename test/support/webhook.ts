// A webhook receiver for tests: plain HTTP on loopback, recording every delivery (headers and the
// JSON body), and able to fail the next N requests, answer slowly, or redirect:
//
//   const hook = await startWebhook();
//   … shipshape cluster --notify `${hook.url}/hook/s3cr3t-token` …
//   hook.deliveries();            // what came, in order
//   hook.failNext(2, 503);        // the next two requests answer 503
//   hook.setDelay(5000);          // every answer waits five seconds
//   await hook.stop();

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  readonly method: string;
  /** Path and query as requested. */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  /** The body, parsed as JSON when it is. */
  readonly body: unknown;
  /** What was answered. */
  readonly status: number;
  readonly time: number;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Every request so far, answered or not (a request answered slowly is recorded when it arrives). */
  deliveries(): Delivery[];
  /** Only those answered 2xx. */
  accepted(): Delivery[];
  clear(): void;
  /** The next `count` requests answer `status` (default 503), with `Retry-After` when given. */
  failNext(count: number, status?: number, retryAfter?: string): void;
  /** Every answer waits this long (0: none). */
  setDelay(ms: number): void;
  /** Requests that have come and are not answered yet (held by setDelay). */
  pending(): number;
  /** Every answer is a redirect to `location` (undefined: none). */
  setRedirect(location: string | undefined): void;
  stop(): Promise<void>;
}

export async function startWebhook(): Promise<WebhookReceiver> {
  const log: Delivery[] = [];
  let failures: { count: number; status: number; retryAfter?: string } = { count: 0, status: 503 };
  let delayMs = 0;
  let redirect: string | undefined;
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
      let status = 200;
      const headers: Record<string, string> = { 'content-type': 'text/plain' };
      if (failures.count > 0) {
        failures.count--;
        status = failures.status;
        if (failures.retryAfter !== undefined) headers['retry-after'] = failures.retryAfter;
      } else if (redirect !== undefined) {
        status = 307;
        headers['location'] = redirect;
      }
      log.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body, status, time: Date.now() });
      const answer = () => {
        response.writeHead(status, headers);
        response.end(status === 200 ? 'ok' : 'no');
      };
      if (delayMs > 0) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, delayMs);
        timers.add(timer);
      } else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    deliveries: () => [...log],
    accepted: () => log.filter((d) => d.status >= 200 && d.status < 300),
    clear: () => void (log.length = 0),
    failNext: (count, status = 503, retryAfter) => void (failures = { count, status, ...(retryAfter !== undefined && { retryAfter }) }),
    setDelay: (ms) => void (delayMs = ms),
    pending: () => timers.size,
    setRedirect: (location) => void (redirect = location),
    stop: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
