// Scanning benchmark: 40 image references in 10 files, naming 12 distinct images, against the
// stand-in Trivy with a fixed delay per scan. Shipshape's wall time is compared, in the same run,
// with scanning every reference one after another (the naive way) and with the ideal
// (distinct images x delay / concurrency); then a second run with a warm cache against the cold one.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scanPaths } from '../src/core/index.js';
import { ScanCache } from '../src/core/trivy/cache.js';
import { runImageScan } from '../src/core/trivy/runner.js';
import { Scanner } from '../src/core/trivy/scanner.js';

const STAND_IN = path.resolve(__dirname, '..', 'test', 'fixtures', 'trivy', 'trivy');
const DELAY_MS = Number(process.env.BENCH_TRIVY_DELAY_MS ?? 600);
const CONCURRENCY = 4;

function workspace(): { dir: string; references: string[] } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-bench-scan-'));
  const images = Array.from({ length: 12 }, (_, i) => `registry.example.com/team/service-${i + 1}:1.${i}`);
  const references: string[] = [];
  for (let file = 0; file < 10; file++) {
    const picks = [0, 1, 2, 3].map((k) => images[(file * 4 + k) % images.length]!);
    references.push(...picks);
    if (file % 2 === 0) {
      const folder = path.join(dir, `svc${file}`);
      mkdirSync(folder);
      writeFileSync(path.join(folder, 'Dockerfile'), picks.map((p, k) => `FROM ${p} AS s${k}\n`).join('') + 'USER 1000\n');
    } else {
      const containers = picks.map((p, k) => `    - name: c${k}\n      image: ${p}\n`).join('');
      writeFileSync(
        path.join(dir, `app${file}.yaml`),
        `apiVersion: v1\nkind: Pod\nmetadata: {name: p${file}}\nspec:\n  securityContext: {runAsNonRoot: true}\n  containers:\n${containers}`,
      );
    }
  }
  return { dir, references };
}

export async function scanBenchmark(): Promise<void> {
  process.env.TRIVY_STANDIN_DELAY_MS = String(DELAY_MS);
  const { dir, references } = workspace();
  const cacheFile = path.join(dir, 'cache', 'scans.json');
  const distinct = new Set(references).size;
  try {
    const trivy = { path: STAND_IN, version: 'stand-in' };
    let started = performance.now();
    for (const reference of references) await runImageScan(trivy, reference);
    const naive = performance.now() - started;

    const scanner = () => new Scanner({ trivyPath: STAND_IN, concurrency: CONCURRENCY, cache: new ScanCache(cacheFile) });
    started = performance.now();
    const cold = await scanPaths([dir], { scanner: scanner() });
    const coldMs = performance.now() - started;
    started = performance.now();
    const warm = await scanPaths([dir], { scanner: scanner() });
    const warmMs = performance.now() - started;
    if (cold.scans?.size !== distinct || warm.scans?.size !== distinct) throw new Error('bench: not every image was scanned');

    const ideal = (distinct * DELAY_MS) / CONCURRENCY;
    console.log(
      `scan ${references.length} references (${distinct} distinct images, ${DELAY_MS} ms per Trivy run, concurrency ${CONCURRENCY}):`,
    );
    console.log(
      `  against the naive way: ${(coldMs / naive).toFixed(2)}x baseline (one after another ${naive.toFixed(0)} ms, Shipshape ${coldMs.toFixed(0)} ms)`,
    );
    console.log(
      `  against the ideal: ${(coldMs / ideal).toFixed(2)}x baseline (distinct images x delay / concurrency ${ideal.toFixed(0)} ms; target <= ` +
        `1.3x${coldMs / ideal <= 1.3 ? '' : ', MISSED'})`,
    );
    console.log(
      `  warm cache: ${(warmMs / coldMs).toFixed(3)}x baseline (cold ${coldMs.toFixed(0)} ms, warm ${warmMs.toFixed(1)} ms, ` +
        `${(coldMs / warmMs).toFixed(0)}x faster; target >= 20x faster${coldMs / warmMs >= 20 ? '' : ', MISSED'})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
