// A short fuzz round with the fixed seed, as CI runs it: every input of the round (the corpus, the
// examples, and at least one of every mutation and generator, smaller huge and long-line inputs)
// must be checked without a crash, a hang, an incremental mismatch or a range outside the text.
// `npm run fuzz` runs longer rounds.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatSummary, runFuzz } from '../../fuzz/harness.js';
import { CYCLE } from '../../fuzz/inputs.js';

const INPUTS = 120;

test(`fuzz round: seed 1, ${INPUTS} inputs, no crash, hang or mismatch`, async () => {
  const summary = await runFuzz({
    seed: 1,
    inputs: INPUTS,
    hugeBytes: 512 * 1024,
    longLineBytes: 256 * 1024,
    // A slow, busy CI machine: a call must still finish within 5 s (plus 15 s per MiB).
    timeoutMs: 5000,
  });
  const report = formatSummary(summary);
  assert.equal(summary.crashes, 0, report);
  assert.equal(summary.hangs, 0, report);
  assert.equal(summary.mismatches, 0, report);
  assert.equal(summary.badRanges, 0, report);
  // Not vacuous: every input ran, and every kind of input was among them.
  assert.equal(summary.inputsRun, INPUTS, report);
  assert.ok(summary.byMutation.seed!.count >= 30, report);
  for (const mutation of new Set(CYCLE)) assert.ok((summary.byMutation[mutation]?.count ?? 0) > 0, `no ${mutation} input ran\n${report}`);
  assert.ok(summary.largest[0]!.bytes >= 256 * 1024, report);
});
