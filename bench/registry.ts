// Registry benchmark: resolving 50 references (10 repositories x 5 tags) on a real registry with
// token authentication, Shipshape against `skopeo inspect --format '{{.Digest}}'` run one after
// another, in the same run.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RegistryClient } from '../src/core/registry/client.js';
import { CredentialStore } from '../src/core/registry/credentials.js';
import { resolveAll } from '../src/core/registry/plan.js';
import { pushImage, skopeo, startRegistry } from '../test/support/registry.js';

export async function registryBenchmark(): Promise<void> {
  const user = 'bench';
  const password = 'bench-password';
  const registry = await startRegistry({ auth: 'token', users: { [user]: password }, anonymousPull: false });
  const config = mkdtempSync(path.join(os.tmpdir(), 'shipshape-bench-docker-'));
  try {
    const references: string[] = [];
    const expected = new Map<string, string>();
    for (let repo = 0; repo < 10; repo++) {
      for (let tag = 0; tag < 5; tag++) {
        const image = await pushImage(registry, `bench/repo-${repo}`, `v${tag}`, { content: `${repo}-${tag}` });
        const reference = `${registry.host}/bench/repo-${repo}:v${tag}`;
        references.push(reference);
        expected.set(reference, image.digest);
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
  } finally {
    await registry.stop();
    rmSync(config, { recursive: true, force: true });
  }
}
