// The faults a real API server will not produce on demand, put in front of one: a plain-HTTP proxy
// on loopback that forwards every request to a real kube-apiserver (test/support/kube.ts) and, when
// a test asks, drops the connection, answers 500, holds the answer forever, cuts a body in half, or
// answers late. Everything else (bodies, continue tokens, RBAC, errors) is the real server's.
//
//   const proxy = await startFaultProxy(kube, (r) => (r.path === '/api/v1/namespaces/shop/pods' && r.seen === 3 ? 'drop' : undefined));
//   await readCluster({ kubeconfig: [proxy.kubeconfig], … });
//   proxy.requests();                                   // path, query, the how-manieth of its path, status
//   await proxy.stop();

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Kube } from './kube.js';

/** drop: the connection closes with no answer; error: a 500 Status; hang: no answer ever; truncate: half the body, then the connection closes. */
export type Fault = 'drop' | 'error' | 'hang' | 'truncate';

export interface ProxiedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** 1 for the first request to this path, 2 for the second, … */
  seen: number;
  /** The status sent, or -1 when the connection was dropped or cut, 0 while held. */
  status: number;
}

export interface FaultProxy {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** A kubeconfig (context `proxied`) with the real server's admin token, pointing at the proxy. */
  readonly kubeconfig: string;
  requests(): ProxiedRequest[];
  stop(): Promise<void>;
}

export interface FaultOptions {
  /** Delay before each request is forwarded. */
  latencyMs?: number;
  /** The token the kubeconfig carries (the admin's by default). */
  token?: string;
}

/** Starts a proxy to `kube` that injects `fault(request)` where it says one. */
export async function startFaultProxy(
  kube: Kube,
  fault: (request: ProxiedRequest) => Fault | undefined = () => undefined,
  options: FaultOptions = {},
): Promise<FaultProxy> {
  const upstream = new https.Agent({ ca: kube.ca, keepAlive: true });
  const log: ProxiedRequest[] = [];
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const seen = (counts.get(url.pathname) ?? 0) + 1;
    counts.set(url.pathname, seen);
    const entry: ProxiedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      seen,
      status: 0,
    };
    log.push(entry);
    const injected = fault(entry);
    if (injected === 'hang') return;
    if (injected === 'drop') {
      entry.status = -1;
      req.socket.destroy();
      return;
    }
    if (injected === 'error') {
      entry.status = 500;
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'injected by the fault proxy', code: 500 }));
      return;
    }
    const forward = () => {
      const headers = { ...req.headers, host: new URL(kube.url).host };
      const out = https.request(`${kube.url}${req.url}`, { method: req.method, headers, agent: upstream }, (answer) => {
        if (injected === 'truncate') {
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('end', () => {
            const body = Buffer.concat(chunks);
            entry.status = -1;
            const { 'content-length': _length, 'transfer-encoding': _encoding, ...rest } = answer.headers;
            res.writeHead(answer.statusCode ?? 502, { ...rest, 'content-length': body.length });
            res.write(body.subarray(0, Math.floor(body.length / 2)), () => req.socket.destroy());
          });
          return;
        }
        entry.status = answer.statusCode ?? 502;
        res.writeHead(entry.status, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => req.socket.destroy());
      req.pipe(out);
    };
    if (options.latencyMs) setTimeout(forward, options.latencyMs);
    else forward();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-fault-proxy-'));
  const kubeconfig = path.join(dir, 'config');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: proxied',
      // Plain HTTP on loopback: the client asks that TLS verification be switched off to allow it.
      `  cluster: {server: "${url}", insecure-skip-tls-verify: true}`,
      'users:',
      `- name: proxied`,
      `  user: {token: "${options.token ?? kube.token}"}`,
      'contexts:',
      '- name: proxied',
      '  context: {cluster: proxied, user: proxied}',
      'current-context: proxied',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return {
    url,
    kubeconfig,
    requests: () => log.map((r) => ({ ...r })),
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      upstream.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
