// Registry benchmark on a real registry with token authentication, 50 images (10 repositories x 5
// tags): resolving their digests, Shipshape against `skopeo inspect --format '{{.Digest}}'` run one
// after another; and settling root-user (each image's configured user) against resolving the same
// 50 digests, with the requests it makes per image and a warm-cache pass that makes none.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RegistryClient } from '../src/core/registry/client.js';
import { CredentialStore } from '../src/core/registry/credentials.js';
import { configuredUsers } from '../src/core/registry/imageConfig.js';
import { resolveAll } from '../src/core/registry/plan.js';
import { ImageUserCache } from '../src/core/registry/userCache.js';
import { pushImage, skopeo, startRegistry } from '../test/support/registry.js';

export async function registryBenchmark(): Promise<void> {
  const user = 'bench';
  const password = 'bench-password';
  const registry = await startRegistry({ auth: 'token', users: { [user]: password }, anonymousPull: false });
  const config = mkdtempSync(path.join(os.tmpdir(), 'shipshape-bench-docker-'));
  try {
    const references: string[] = [];
    const expected = new Map<string, string>();
    const users = new Map<string, string>();
    for (let repo = 0; repo < 10; repo++) {
      for (let tag = 0; tag < 5; tag++) {
        // Users as images set them: none (root), root, a number, a name.
        const user = ['', 'root', '1000', 'app', '0'][tag]!;
        const image = await pushImage(registry, `bench/repo-${repo}`, `v${tag}`, { content: `${repo}-${tag}`, ...(user && { user }) });
        const reference = `${registry.host}/bench/repo-${repo}:v${tag}`;
        references.push(reference);
        expected.set(reference, image.digest);
        users.set(reference, user);
      }
    }
    writeFileSync(
      path.join(config, 'config.json'),
      JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } } }),
    );

    let started = performance.now();
    for (const reference of references) {
      // Asynchronously: the token server runs in this process and must keep answering.
      const digest = (
        await skopeo([
          'inspect',
          '--tls-verify=false',
          '--creds',
          `${user}:${password}`,
          '--format',
          '{{.Digest}}',
          `docker://${reference}`,
        ])
      ).trim();
      if (digest !== expected.get(reference)) throw new Error(`bench: skopeo said ${digest} for ${reference}`);
    }
    const skopeoMs = performance.now() - started;

    const skopeoTokens = registry.tokenRequests().length;
    registry.clearTokenRequests();
    started = performance.now();
    const client = new RegistryClient({ credentials: new CredentialStore({ configDir: config }) });
    const results = await resolveAll(client, references, 8);
    const shipshape = performance.now() - started;
    for (const [reference, outcome] of results) {
      if (!outcome.ok || outcome.resolved.digest !== expected.get(reference))
        throw new Error(`bench: Shipshape got ${JSON.stringify(outcome)} for ${reference}`);
    }
    const ratio = shipshape / skopeoMs;
    console.log(
      `resolve 50 references (10 repositories x 5 tags, token auth): ${ratio.toFixed(3)}x baseline ` +
        `(skopeo inspect one after another ${skopeoMs.toFixed(0)} ms, Shipshape ${shipshape.toFixed(0)} ms, ${(skopeoMs / shipshape).toFixed(0)}x faster, ` +
        `token requests: skopeo ${skopeoTokens}, Shipshape ${registry.tokenRequests().length}; target >= 5x ` +
        `faster${skopeoMs / shipshape >= 5 ? '' : ', MISSED'})`,
    );

    await settleRootUserFigure(references, expected, users, config, registry.realm!);
  } finally {
    await registry.stop();
    rmSync(config, { recursive: true, force: true });
  }
}

/** Requests through `fetch` while `run` runs, told apart: the token service, and the registry (its challenges apart). */
async function countingFetch<T>(
  realm: string,
  run: () => Promise<T>,
): Promise<{ result: T; tokens: number; requests: number; challenges: number }> {
  const original = globalThis.fetch;
  const counts = { tokens: 0, requests: 0, challenges: 0 };
  globalThis.fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const response = await original(input, init);
    if (url.startsWith(realm)) counts.tokens++;
    else if (response.status === 401) counts.challenges++;
    else counts.requests++;
    return response;
  };
  try {
    return { result: await run(), ...counts };
  } finally {
    globalThis.fetch = original;
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Settling root-user for the 50 images against resolving their 50 digests: each with a new
 * client (so both pay for their tokens), interleaved, medians of several rounds; then the
 * requests one cold pass makes, and a pass over a warm cache.
 */
async function settleRootUserFigure(
  references: readonly string[],
  digests: ReadonlyMap<string, string>,
  users: ReadonlyMap<string, string>,
  configDir: string,
  realm: string,
): Promise<void> {
  const newClient = () => new RegistryClient({ credentials: new CredentialStore({ configDir }) });
  const rounds = Math.max(3, Math.min(15, Number(process.env.BENCH_ROUNDS ?? 9)));
  const resolveMs: number[] = [];
  const settleMs: number[] = [];
  const check = (outcomes: Map<string, Awaited<ReturnType<RegistryClient['imageConfig']>>>) => {
    for (const [reference, outcome] of outcomes) {
      if (!outcome.ok || outcome.config.user !== users.get(reference) || outcome.config.digest !== digests.get(reference))
        throw new Error(`bench: Shipshape read ${JSON.stringify(outcome)} for ${reference}`);
    }
  };
  for (let round = 0; round < rounds + 1; round++) {
    let started = performance.now();
    await resolveAll(newClient(), references, 8);
    const resolved = performance.now() - started;
    started = performance.now();
    check(await configuredUsers(newClient(), new ImageUserCache(undefined), references, { concurrency: 8 }));
    const settled = performance.now() - started;
    // The first round warms the registry's and Node's own caches.
    if (round > 0) {
      resolveMs.push(resolved);
      settleMs.push(settled);
    }
  }
  const cache = new ImageUserCache(undefined);
  const cold = await countingFetch(realm, () => configuredUsers(newClient(), cache, references, { concurrency: 8 }));
  check(cold.result);
  const started = performance.now();
  const warm = await countingFetch(realm, () => configuredUsers(newClient(), cache, references, { concurrency: 8 }));
  const warmMs = performance.now() - started;
  check(warm.result);

  const ratio = median(settleMs) / median(resolveMs);
  const perImage = cold.requests / references.length;
  const warmRequests = warm.requests + warm.challenges + warm.tokens;
  const met = ratio <= 1.5 && perImage <= 2 && warmRequests === 0;
  console.log(
    `settle root-user for 50 distinct images (10 repositories x 5 tags, token auth): ${ratio.toFixed(2)}x baseline ` +
      `(resolving their 50 digests, a new client each ${median(resolveMs).toFixed(0)} ms, reading their users ${median(settleMs).toFixed(0)} ms, ` +
      `medians of ${rounds}; ${perImage.toFixed(2)} requests per image beyond tokens (${cold.requests} GETs, ${cold.challenges} challenge, ` +
      `${cold.tokens} token requests); warm cache: ${warmRequests} requests, ${warmMs.toFixed(1)} ms; ` +
      `targets <= 1.5x, <= 2 requests per image, 0 warm${met ? '' : ', MISSED'})`,
  );
}
