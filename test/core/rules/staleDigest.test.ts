// stale-digest's wording of the current image's age.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ageText } from '../../../src/core/rules/staleDigest.js';

test('the age counts whole days from the build, and says only the date without a clock or before the build', () => {
  const created = '2026-11-30T12:00:00Z';
  assert.equal(ageText(created, Date.parse('2026-12-07T13:00:00Z')), '2026-11-30, 7 days ago');
  assert.equal(ageText(created, Date.parse('2026-12-01T13:00:00Z')), '2026-11-30, 1 day ago');
  assert.equal(ageText(created, Date.parse('2026-11-30T18:00:00Z')), '2026-11-30, today');
  assert.equal(ageText(created, undefined), '2026-11-30');
  assert.equal(ageText(created, Date.parse('2021-06-01T00:00:00Z')), '2026-11-30');
});
