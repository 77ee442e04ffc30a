// What the extension makes on first use (src/extension/lazy.ts): kept once made, made again after
// a failure instead of failing for the rest of the session.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Lazy } from '../../src/extension/lazy.js';

test('a value is made once, on first use, and shared by every caller', async () => {
  let made = 0;
  const lazy = new Lazy(() => Promise.resolve(++made));
  assert.equal(made, 0);
  assert.deepEqual(await Promise.all([lazy.get(), lazy.get()]), [1, 1]);
  assert.equal(await lazy.get(), 1);
  assert.equal(made, 1);
});

test('a failure is not kept: the next use makes it again', async () => {
  let attempts = 0;
  const lazy = new Lazy(() => {
    attempts++;
    return attempts === 1 ? Promise.reject(new Error('the bundle could not be loaded')) : Promise.resolve('ready');
  });
  await assert.rejects(lazy.get(), /could not be loaded/);
  assert.equal(await lazy.get(), 'ready');
  assert.equal(await lazy.get(), 'ready');
  assert.equal(attempts, 2);
});

test('reset makes it again at the next use; a failure of the old one does not drop the new one', async () => {
  let attempts = 0;
  let failFirst: ((error: Error) => void) | undefined;
  const lazy = new Lazy(
    () =>
      new Promise<number>((resolve, reject) => {
        attempts++;
        if (attempts === 1) failFirst = reject;
        else resolve(attempts);
      }),
  );
  const first = lazy.get();
  lazy.reset();
  assert.equal(await lazy.get(), 2);
  failFirst!(new Error('old settings'));
  await assert.rejects(first);
  assert.equal(await lazy.get(), 2);
  assert.equal(attempts, 2);
});
