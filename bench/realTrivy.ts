// Scanning with the real Trivy (built by scripts/tools.mjs, our database, images on the loopback
// registry): 12 distinct images, Shipshape (scanPaths over files naming them, concurrency 4)
// against running `trivy image` on each directly, 4 at a time; then the same scan through
// `trivy server` against standalone. Medians of interleaved rounds; never asserts a time.

import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { scanPaths } from '../src/core/index.js';
import { ScanCache } from '../src/core/trivy/cache.js';
import { imageScanArgs } from '../src/core/trivy/runner.js';
import { Scanner } from '../src/core/trivy/scanner.js';
import type { ScanSettings } from '../src/core/trivy/types.js';
import { pushDistroImage, type Rootfs } from '../test/support/distroImages.js';
import { startRegistry } from '../test/support/registry.js';
import { cleanUp, offlineEnv, realTrivy, runTrivy, setEnv, startTrivyServer, tempFolder, trivyCache } from '../test/support/realTrivy.js';

const IMAGES = 12;
const CONCURRENCY = 4;
const ROUNDS = Number(process.env.BENCH_TRIVY_ROUNDS ?? 3);
const TARGET = 1.1;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs `task` over `items`, `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

export async function realTrivyBenchmark(): Promise<void> {
  const trivy = realTrivy();
  const registry = await startRegistry();
  const undo = setEnv(offlineEnv(trivyCache()));
  try {
    const rootfs: Rootfs[] = ['alpine-3.19', 'alpine-3.20', 'debian-12'];
    const references: string[] = [];
    for (let i = 0; i < IMAGES; i++) {
      // A note of its own gives each image its own digest: 12 distinct images, 12 scans.
      await pushDistroImage(registry, `bench/service-${i + 1}`, '1.0', { rootfs: rootfs[i % 3]!, note: `service ${i + 1}` });
      references.push(`${registry.host}/bench/service-${i + 1}:1.0`);
    }
    const workspace = tempFolder('bench-real-trivy');
    for (let i = 0; i < IMAGES; i += 3) {
      const folder = path.join(workspace, `svc${i}`);
      mkdirSync(folder);
      writeFileSync(
        path.join(folder, 'Dockerfile'),
        references
          .slice(i, i + 3)
          .map((r, k) => `FROM ${r} AS s${k}\n`)
          .join('') + 'USER 1000\n',
      );
    }

    const direct = async (settings: ScanSettings) => {
      const started = performance.now();
      await pool(references, CONCURRENCY, async (reference) => {
        const run = await runTrivy(trivy, imageScanArgs(reference, settings), {
          ...offlineEnv(process.env['TRIVY_CACHE_DIR']!),
        });
        if (run.code !== 0) throw new Error(`bench: trivy image ${reference} failed: ${run.stderr}`);
      });
      return performance.now() - started;
    };
    const shipshape = async (settings: ScanSettings) => {
      const started = performance.now();
      const scanner = new Scanner({ trivyPath: trivy, concurrency: CONCURRENCY, settings, cache: new ScanCache(undefined) });
      const report = await scanPaths([workspace], { scanner });
      const elapsed = performance.now() - started;
      const scanned = [...(report.scans?.values() ?? [])].filter((o) => o.ok).length;
      if (scanned !== IMAGES) throw new Error(`bench: ${scanned} of ${IMAGES} images scanned`);
      return elapsed;
    };

    const directTimes: number[] = [];
    const shipshapeTimes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      directTimes.push(await direct({}));
      shipshapeTimes.push(await shipshape({}));
    }
    const [d, s] = [median(directTimes), median(shipshapeTimes)];
    console.log(`real Trivy v0.74.0: ${IMAGES} distinct images, concurrency ${CONCURRENCY}, median of ${ROUNDS} rounds:`);
    console.log(
      `  Shipshape against trivy image on each: ${(s / d).toFixed(2)}x baseline (trivy image ${d.toFixed(0)} ms, Shipshape ${s.toFixed(0)} ms; ` +
        `target <= ${TARGET}x${s / d <= TARGET ? '' : ', MISSED'})`,
    );

    const server = await startTrivyServer(trivy, trivyCache());
    try {
      const serverTimes: number[] = [];
      const standaloneTimes: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        standaloneTimes.push(await shipshape({}));
        serverTimes.push(await shipshape({ serverUrl: server.url }));
      }
      const [alone, client] = [median(standaloneTimes), median(serverTimes)];
      console.log(
        `  through trivy server against standalone: ${(client / alone).toFixed(2)}x baseline (standalone ${alone.toFixed(0)} ms, ` +
          `client/server ${client.toFixed(0)} ms)`,
      );
    } finally {
      await server.stop();
    }
  } finally {
    undo();
    await registry.stop();
    cleanUp();
  }
}
