// stale-digest benchmark: checking 50 `name:tag@sha256:…` pins against their tags, against
// resolving the same 50 digests (the HEAD a pin costs anyway), on a real registry with token
// authentication; each side with a new client (both pay for their tokens), interleaved, medians;
// with the requests per reference each makes. Target: <= 1.1x (it is the same HEAD).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RegistryClient } from '../src/core/registry/client.js';
import { CredentialStore } from '../src/core/registry/credentials.js';
import { resolveAll } from '../src/core/registry/plan.js';
import { PinChecker } from '../src/core/registry/staleness.js';
import { pushImage, startRegistry } from '../test/support/registry.js';

export async function staleBenchmark(): Promise<void> {
  const user = 'bench';
  const password = 'bench-password';
  const registry = await startRegistry({ auth: 'token', users: { [user]: password }, anonymousPull: false });
  const configDir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-bench-stale-'));
  try {
    const tags: string[] = [];
    const pins: string[] = [];
    for (let repo = 0; repo < 10; repo++) {
      for (let tag = 0; tag < 5; tag++) {
        const image = await pushImage(registry, `bench/repo-${repo}`, `v${tag}`, { content: `${repo}-${tag}` });
        tags.push(`${registry.host}/bench/repo-${repo}:v${tag}`);
        pins.push(`${registry.host}/bench/repo-${repo}:v${tag}@${image.digest}`);
      }
    }
    writeFileSync(
      path.join(configDir, 'config.json'),
      JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } } }),
    );
    const newClient = () => new RegistryClient({ credentials: new CredentialStore({ configDir }) });
    const rounds = Math.max(3, Math.min(15, Number(process.env.BENCH_ROUNDS ?? 9)));
    const resolveMs: number[] = [];
    const checkMs: number[] = [];
    let counts = { resolve: 0, check: 0 };
    for (let round = 0; round < rounds + 1; round++) {
      let started = performance.now();
      const resolveCount = await counting(registry.realm!, () => resolveAll(newClient(), tags, 8));
      const resolved = performance.now() - started;
      started = performance.now();
      const checkCount = await counting(registry.realm!, async () => {
        const answers = await new PinChecker(newClient(), 8).check(pins.map((reference) => ({ reference })));
        for (const [reference, answer] of answers) {
          if (!answer.ok || answer.stale) throw new Error(`bench: ${reference} was said to be ${JSON.stringify(answer)}`);
        }
      });
      const checked = performance.now() - started;
      // The first round warms the process (JIT, connections): not counted.
      if (round === 0) continue;
      resolveMs.push(resolved);
      checkMs.push(checked);
      counts = { resolve: resolveCount, check: checkCount };
    }
    const ratio = median(checkMs) / median(resolveMs);
    console.log(
      `stale-digest check of 50 pins (10 repositories x 5 tags, token auth): ${ratio.toFixed(3)}x baseline ` +
        `(resolving their digests ${median(resolveMs).toFixed(1)} ms, checking the pins ${median(checkMs).toFixed(1)} ms; ` +
        `registry requests per reference: resolving ${(counts.resolve / tags.length).toFixed(2)}, checking ${(counts.check / pins.length).toFixed(2)}; ` +
        `target <= 1.1x${ratio <= 1.1 ? '' : ', MISSED'})`,
    );
  } finally {
    await registry.stop();
    rmSync(configDir, { recursive: true, force: true });
  }
}

/** Registry requests (not the token service's, not 401 challenges) made while `run` runs. */
async function counting(realm: string, run: () => Promise<unknown>): Promise<number> {
  const original = globalThis.fetch;
  let requests = 0;
  globalThis.fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const response = await original(input, init);
    if (!url.startsWith(realm) && response.status !== 401) requests++;
    return response;
  };
  try {
    await run();
    return requests;
  } finally {
    globalThis.fetch = original;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
