// Remediation deadlines: days per severity, and first-seen dates kept between runs; the same state
// file keeps the history of runs and what each alert receiver was told.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DeadlineState, DEFAULT_SLA, HISTORY_LIMIT, parseSla, type RunSummary } from '../../../src/core/cluster/deadlines.js';

describe('deadlines', () => {
  test('--sla overrides some severities; a bad value says what is expected', () => {
    assert.deepEqual(parseSla('CRITICAL=3,high=14'), { ...DEFAULT_SLA, CRITICAL: 3, HIGH: 14 });
    assert.throws(() => parseSla('SEVERE=3'), /SEVERITY=DAYS/);
    assert.throws(() => parseSla('CRITICAL=soon'), /SEVERITY=DAYS/);
  });

  test('first-seen dates persist across runs; a damaged state file is ignored', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-state-'));
    const file = path.join(dir, 'deadlines.json');
    const first = new DeadlineState(file);
    await first.load();
    const then = new Date('2026-01-01T00:00:00Z');
    assert.equal(first.firstSeen('sha256:x', 'CVE-1|openssl', then).toISOString(), then.toISOString());
    await first.save();
    const second = new DeadlineState(file);
    await second.load();
    assert.equal(second.firstSeen('sha256:x', 'CVE-1|openssl', new Date()).toISOString(), then.toISOString());
    writeFileSync(file, '{"format":1,"firstSeen":{"a|');
    const warnings: string[] = [];
    const damaged = new DeadlineState(file, { debug() {}, info() {}, warn: (m) => void warnings.push(m), error() {} });
    await damaged.load();
    assert.match(warnings[0]!, /ignoring the deadline state/);
  });

  const run = (at: string, context = 'prod'): RunSummary => ({
    at,
    clusters: [{ context, pods: 3, images: 2, findings: { CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 2, UNKNOWN: 0 }, breached: 0 }],
  });

  test('a state file of an earlier version (first-seen dates only) is read as it is, and gains the history', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-state-'));
    const file = path.join(dir, 'deadlines.json');
    writeFileSync(file, JSON.stringify({ format: 1, firstSeen: { 'sha256:x|CVE-1|openssl': '2025-01-01T00:00:00.000Z' } }));
    const state = new DeadlineState(file);
    await state.load();
    assert.deepEqual(state.history(), []);
    assert.equal(state.announcedTo('receiver', 'new').size, 0);
    assert.equal(state.firstSeen('sha256:x', 'CVE-1|openssl', new Date()).toISOString(), '2025-01-01T00:00:00.000Z');
    state.recordRun(run('2026-01-01T00:00:00.000Z'));
    await state.save();
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { format: number; firstSeen: object; history: RunSummary[] };
    assert.equal(saved.format, 1, 'the same format: earlier versions still read their first-seen dates');
    assert.deepEqual(saved.firstSeen, { 'sha256:x|CVE-1|openssl': '2025-01-01T00:00:00.000Z' });
    assert.deepEqual(saved.history, [run('2026-01-01T00:00:00.000Z')]);
  });

  test('the history keeps the last runs, oldest first; runs written by another process meanwhile are kept; damaged entries are dropped', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-state-'));
    const file = path.join(dir, 'deadlines.json');
    const state = new DeadlineState(file);
    await state.load();
    const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000).toISOString();
    for (let n = 0; n < HISTORY_LIMIT + 20; n++) state.recordRun(run(day(n)));
    await state.save();
    const other = new DeadlineState(file);
    await other.load();
    other.recordRun(run(day(500), 'staging'));
    state.recordRun(run(day(501)));
    await other.save();
    await state.save();
    const merged = new DeadlineState(file);
    await merged.load();
    const history = merged.history();
    assert.equal(history.length, HISTORY_LIMIT);
    assert.equal(history[0]!.at, day(22));
    assert.deepEqual(
      history.slice(-2).map((r) => [r.at, r.clusters[0]!.context]),
      [
        [day(500), 'staging'],
        [day(501), 'prod'],
      ],
    );
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      file,
      JSON.stringify({
        ...saved,
        history: [{ at: 'yesterday', clusters: [] }, { ...run(day(600)), clusters: [{ context: 'x', pods: -1 }] }, run(day(601))],
      }),
    );
    const read = new DeadlineState(file);
    await read.load();
    assert.deepEqual(
      read.history().map((r) => r.at),
      [day(601)],
    );
  });

  test('what was announced, per receiver and kind, is kept between runs', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-state-'));
    const file = path.join(dir, 'deadlines.json');
    const state = new DeadlineState(file);
    await state.load();
    const now = new Date('2026-03-01T00:00:00Z');
    state.markAnnounced('a', 'new', ['k1', 'k2'], now);
    state.markAnnounced('a', 'breached', ['k1'], now);
    state.markAnnounced('b', 'new', ['k3'], now);
    await state.save();
    const again = new DeadlineState(file);
    await again.load();
    assert.deepEqual([...again.announcedTo('a', 'new')].sort(), ['k1', 'k2']);
    assert.deepEqual([...again.announcedTo('a', 'breached')], ['k1']);
    assert.deepEqual([...again.announcedTo('b', 'new')], ['k3']);
    assert.deepEqual([...again.announcedTo('c', 'new')], []);
    // Not seen for more than 90 days while others were: forgotten.
    again.markAnnounced('a', 'new', ['k1'], new Date('2026-07-01T00:00:00Z'));
    await again.save();
    const later = new DeadlineState(file);
    await later.load();
    assert.deepEqual([...later.announcedTo('a', 'new')], ['k1']);
  });
});
