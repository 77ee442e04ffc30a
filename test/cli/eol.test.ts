// eol-image from the command line: judged at SHIPSHAPE_DATE (a CI job reproduces its report), and a
// date that is not one is a usage error.

import { afterEach, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { JsonReport } from '../../src/core/index.js';
import { runCli, TEST_DATE } from '../support/cli.js';

afterEach(() => {
  process.env['SHIPSHAPE_DATE'] = TEST_DATE;
});

async function eolAt(date: string, text: string): Promise<string[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-eol-'));
  try {
    writeFileSync(path.join(dir, 'Dockerfile'), text);
    process.env['SHIPSHAPE_DATE'] = date;
    const run = await runCli(['scan', '--offline', '--format', 'json', '--fail-on', 'none', dir]);
    assert.equal(run.code, 0, run.stderr);
    return (JSON.parse(run.stdout) as JsonReport).findings
      .filter((f) => f.rule === 'eol-image')
      .map((f) => `${f.line} ${f.reason} ${f.severity}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('node:18 ended on 2025-04-30: a warning after, information in the 90 days before, nothing earlier', async () => {
  assert.deepEqual(await eolAt('2025-05-01', 'FROM node:18-bookworm\nUSER 1\n'), ['1 end-of-life warning']);
  assert.deepEqual(await eolAt('2025-03-01', 'FROM node:18-bookworm\nUSER 1\n'), ['1 ends-soon info']);
  assert.deepEqual(await eolAt('2024-06-01', 'FROM node:18-bookworm\nUSER 1\n'), []);
});

test('SHIPSHAPE_DATE that is not a date is refused', async () => {
  process.env['SHIPSHAPE_DATE'] = 'yesterday';
  const run = await runCli(['scan', '--offline', '.']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /SHIPSHAPE_DATE: expected a date as YYYY-MM-DD/);
});
