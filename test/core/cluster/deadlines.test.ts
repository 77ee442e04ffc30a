// Remediation deadlines: days per severity, and first-seen dates kept between runs.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DeadlineState, DEFAULT_SLA, parseSla } from '../../../src/core/cluster/deadlines.js';

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
});
