// The bundled examples are the README's first command: they must show every kind of file and
// both static rules, with no file the tool cannot read (a demo that errors on its own files
// teaches the wrong thing).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { runCli } from '../support/cli.js';

const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples');

test('the examples: every kind of file, both rules, no error and nothing skipped', async () => {
  const { code, stdout } = await runCli(['scan', '--offline', '--fail-on', 'none', '--format', 'json', EXAMPLES]);
  assert.equal(code, 0);
  const report = JSON.parse(stdout) as {
    images: { source: string }[];
    findings: { rule: string; file: string }[];
    errors: unknown[];
    skipped: unknown[];
  };
  assert.deepEqual(report.errors, []);
  assert.deepEqual(report.skipped, []);
  assert.deepEqual(new Set(report.images.map((i) => i.source)), new Set(['dockerfile', 'kubernetes', 'compose', 'helm']));
  const rules = new Set(report.findings.map((f) => f.rule));
  assert.ok(rules.has('unpinned-image') && rules.has('root-user'), [...rules].join(', '));
  // The chart's finding is on its values.yaml; the Dockerfile Compose builds is analysed.
  assert.ok(report.findings.some((f) => f.file.endsWith(path.join('helm', 'values.yaml'))));
  assert.ok(report.findings.some((f) => f.file.endsWith(path.join('compose', 'api', 'Dockerfile'))));
});
