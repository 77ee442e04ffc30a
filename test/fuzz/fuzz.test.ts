// A short fuzz round with the fixed seed, as CI runs it: every input of the round (the corpus, the
// examples, and at least one of every mutation and generator, smaller huge and long-line inputs)
// must be checked without a crash, a hang, an incremental mismatch or a range outside the text.
// `npm run fuzz` runs longer rounds.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatSummary, runFuzz } from '../../fuzz/harness.js';
import { CYCLE } from '../../fuzz/inputs.js';
import { mulberry32 } from '../../fuzz/prng.js';
import { chartBomb, checkProject, kustomizeBomb, type ProjectMade } from '../../fuzz/project.js';

const INPUTS = 120;

test(`fuzz round: seed 1, ${INPUTS} inputs, no crash, hang or mismatch`, async () => {
  const summary = await runFuzz({
    seed: 1,
    inputs: INPUTS,
    hugeBytes: 512 * 1024,
    longLineBytes: 256 * 1024,
    // A watchdog for a real hang (an endless loop, a backtracking pattern that doubles with each
    // character), not a claim about speed: a minute per call (plus 15 s per MiB), which no busy
    // machine comes near on these inputs. `npm run fuzz` keeps its tighter default.
    timeoutMs: 60_000,
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

/** The first input of a generator (over seeds 1, 2, …) that `wanted` accepts. */
function firstMade(generate: (rng: ReturnType<typeof mulberry32>) => ProjectMade, wanted: (made: ProjectMade) => boolean): ProjectMade {
  for (let seed = 1; seed < 10_000; seed++) {
    const made = generate(mulberry32(seed));
    if (wanted(made)) return made;
  }
  throw new Error('no such input among the first 10,000 seeds');
}

/** A clock that moves 1 ms each time it is read: the budget counts looks at it, not the machine's speed. */
function countingClock(): () => number {
  let now = 0;
  return () => ++now;
}

test("project inputs end with each root's and chart's results or the time budget's error entry", async () => {
  const deep = (made: ProjectMade) => {
    const [, images, depth] = /(\d+) images, includes (\d+) deep/.exec(made.detail) ?? [];
    return Number(images) >= 10 && Number(depth) >= 24;
  };
  const adversarial: ProjectMade[] = [
    firstMade(chartBomb, (m) => m.detail.startsWith('chart include-bomb') && deep(m)),
    firstMade(chartBomb, (m) => m.detail.startsWith('chart many-images') && deep(m)),
    firstMade(kustomizeBomb, (m) => m.detail === 'kustomization doubling-overlays'),
  ];
  for (const made of adversarial) {
    // checkProject throws when a stopped root or chart lists images, or the plain one beside it gives none.
    const result = await checkProject(made.files, undefined, countingClock());
    assert.equal(result.stopped, 1, `${made.detail}: the hostile root or chart is stopped by its budget`);
    assert.ok(result.images >= 1, `${made.detail}: the plain one beside it gives its image`);
  }
  // Patterns that backtrack in JavaScript end too, with kustomize's answer or RE2's refusal.
  const patterns = firstMade(kustomizeBomb, (m) => m.detail === 'kustomization regex-targets');
  const result = await checkProject(patterns.files, undefined, countingClock());
  assert.equal(result.stopped, 0, 'RE2 matching stays well within the budget');
});
