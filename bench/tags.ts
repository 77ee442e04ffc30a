// Tag ordering benchmark: 5,000 tags as a registry's `/v2/<name>/tags/list` answers them (nginx-like
// versions in a dozen variants, in the registry's lexical order), read and put in completion order
// by Shipshape, against reading the same answer and a plain Array.prototype.sort of its tags, in
// the same run. The time counts from the response's text to the ordered list.

import { orderTags } from '../src/core/registry/tags.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const TARGET_MS = 20;
const VARIANTS = [
  '',
  '-alpine',
  '-alpine3.20',
  '-alpine3.21',
  '-alpine-slim',
  '-alpine-perl',
  '-bookworm',
  '-bookworm-perl',
  '-perl',
  '-otel',
];

/** `count` distinct tags: versions in each variant, floating versions, a few prereleases and channels. */
export function benchmarkTags(count = 5000): string[] {
  const tags = new Set<string>(['latest', 'stable', 'mainline', 'stable-alpine', 'mainline-alpine', 'stable-bookworm']);
  for (let minor = 40; tags.size < count && minor >= 0; minor--) {
    for (const variant of VARIANTS) tags.add(`1.${minor}${variant}`);
    for (let patch = 12; tags.size < count && patch >= 0; patch--) {
      for (const variant of VARIANTS) if (tags.size < count) tags.add(`1.${minor}.${patch}${variant}`);
      if (patch === 0 && tags.size < count) tags.add(`1.${minor}.0-rc1`);
    }
  }
  // A registry lists tags in lexical order.
  return [...tags].slice(0, count).sort();
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One call's time in milliseconds, repeated until 20 ms have passed. */
function time(fn: () => unknown): number {
  let calls = 0;
  const start = performance.now();
  let elapsed: number;
  do {
    fn();
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < 20);
  return elapsed / calls;
}

export function orderTagsBenchmark(): void {
  const tags = benchmarkTags();
  const response = JSON.stringify({ name: 'library/nginx', tags });
  const read = () => (JSON.parse(response) as { tags: string[] }).tags;
  const baseline = () => read().sort();
  const subject = () => orderTags(read(), '1.27.3-alpine');
  if (subject().length !== tags.length) throw new Error('bench: orderTags lost tags');
  for (let i = 0; i < 3; i++) {
    baseline();
    subject();
  }
  const baselineMs: number[] = [];
  const subjectMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved, so that machine noise hits both alike.
    baselineMs.push(time(baseline));
    subjectMs.push(time(subject));
  }
  const ms = median(subjectMs);
  const base = median(baselineMs);
  console.log(
    `list and order ${tags.length.toLocaleString('en-GB')} tags: ${ms.toFixed(2)} ms after the response (target <= ${TARGET_MS} ms` +
      `${ms <= TARGET_MS ? '' : ', MISSED'}; baseline JSON.parse and Array.prototype.sort of the same tags ${base.toFixed(2)} ms, ` +
      `${(ms / base).toFixed(2)}x baseline)`,
  );
}
