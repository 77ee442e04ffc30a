// Bounded concurrency for the registry, advice and cluster work: results in order, never more
// than the limit at once, every item once.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { mapLimited } from '../../../src/core/util/mapLimited.js';

test('results in the items’ order, at most `limit` running at once, each item once', async () => {
  let running = 0;
  let most = 0;
  const seen: number[] = [];
  const items = Array.from({ length: 20 }, (_, i) => i);
  const results = await mapLimited(items, 3, async (item, index) => {
    running++;
    most = Math.max(most, running);
    seen.push(item);
    await sleep((item * 7) % 5);
    running--;
    return item * 10 + index;
  });
  assert.deepEqual(
    results,
    items.map((i) => i * 11),
  );
  assert.equal(most, 3);
  assert.deepEqual(
    [...seen].sort((a, b) => a - b),
    items,
  );
  assert.deepEqual(await mapLimited([], 4, () => Promise.resolve(1)), []);
  // A limit below one still runs the items, one at a time.
  assert.deepEqual(await mapLimited([1, 2], 0, (x) => Promise.resolve(x)), [1, 2]);
});
