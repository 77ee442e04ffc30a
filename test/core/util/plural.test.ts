// Counts in words (src/core/util/plural.ts).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { plural } from '../../../src/core/util/plural.js';

test('one is singular; none and many are plural; irregular plurals are given', () => {
  assert.equal(plural(1, 'finding'), '1 finding');
  assert.equal(plural(0, 'finding'), '0 findings');
  assert.equal(plural(2, 'image'), '2 images');
  assert.equal(plural(1, 'vulnerability', 'vulnerabilities'), '1 vulnerability');
  assert.equal(plural(3, 'vulnerability', 'vulnerabilities'), '3 vulnerabilities');
  assert.equal(plural(1, 'image was', 'images were'), '1 image was');
});
