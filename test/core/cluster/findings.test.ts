// Cluster findings: one per vulnerability per running image, dated, worst first.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DeadlineState, DEFAULT_SLA } from '../../../src/core/cluster/deadlines.js';
import { clusterFindings } from '../../../src/core/cluster/findings.js';
import { images, outcomes } from '../../support/cluster.js';

describe('cluster findings', () => {
  test('ordered by severity then deadline; breached when the deadline has passed', () => {
    const state = new DeadlineState(undefined);
    const seen = new Date('2026-01-01T00:00:00Z');
    clusterFindings(images, outcomes, { sla: DEFAULT_SLA, state, now: seen });
    const later = clusterFindings(images, outcomes, { sla: DEFAULT_SLA, state, now: new Date('2026-01-20T00:00:00Z') });
    assert.deepEqual(
      later.map((f) => [f.id, f.deadline.slice(0, 10), f.breached]),
      [
        ['CVE-CRIT', '2026-01-08', true],
        ['CVE-HIGH', '2026-01-31', false],
        ['CVE-LOW', '2026-06-30', false],
      ],
    );
    const published = clusterFindings(images, outcomes, {
      sla: DEFAULT_SLA,
      state,
      now: new Date('2026-01-20T00:00:00Z'),
      fromPublished: true,
    });
    assert.equal(published.find((f) => f.id === 'CVE-HIGH')!.breached, true, 'published in 2020: long past');
  });
});
