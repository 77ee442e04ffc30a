// The scan hover's Markdown: what a registry's image says about itself (package names,
// versions, titles, links) is text, never markup, links or HTML.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { hoverText } from '../../../src/core/output/hover.js';
import { markdownCode } from '../../../src/core/output/markdown.js';
import type { ImageScan, Vulnerability } from '../../../src/core/index.js';

const v = (over: Partial<Vulnerability>): Vulnerability => ({
  id: 'CVE-2024-1',
  severity: 'HIGH',
  package: 'openssl',
  installed: '3.0.1',
  fixed: ['3.0.2'],
  status: 'fixed',
  ...over,
});
const scan = (vulnerabilities: Vulnerability[]): ImageScan => ({
  reference: 'nginx:1.27',
  digest: `sha256:${'a'.repeat(64)}`,
  vulnerabilities,
  scannedAt: 0,
  counts: { CRITICAL: 0, HIGH: vulnerabilities.length, MEDIUM: 0, LOW: 0, UNKNOWN: 0 },
});

test('a normal hover: counts, a table with links to the advisories', () => {
  const text = hoverText('nginx:1.27', scan([v({ url: 'https://avd.aquasec.com/nvd/cve-2024-1' })]));
  assert.match(text, /^\*\*Shipshape\*\* · `nginx:1\.27` · `sha256:aaaaaaaaaaaa…`/);
  assert.match(text, /\| \[CVE-2024-1\]\(https:\/\/avd\.aquasec\.com\/nvd\/cve-2024-1\) \| HIGH \| openssl \| 3\.0\.1 \| 3\.0\.2 \|/);
});

test('hostile scan data: no link, HTML, new table row or broken code span', () => {
  const text = hoverText(
    'evil`image:1',
    scan([
      v({
        id: 'CVE-1](command:workbench.action.terminal.new) [x',
        package: 'pkg|<img src=x onerror=alert(1)>\n| injected | row |',
        url: 'https://ok.example/a) [click](command:evil',
      }),
      v({ id: 'CVE-2', url: 'javascript:alert(1)' }),
    ]),
  );
  assert.doesNotMatch(text, /\]\(command:/);
  assert.doesNotMatch(text, /\]\(javascript:/);
  assert.doesNotMatch(text, /(?<!\\)<img/);
  const rows = text.split('\n').filter((l) => l.startsWith('| CVE') || l.startsWith('| [CVE') || l.startsWith('| CVE-1\\]'));
  assert.equal(rows.length, 2, text);
  for (const row of rows) assert.equal(row.match(/(?<!\\)\|/g)!.length, 6, row);
  assert.ok(text.includes('evil\\`image:1'), 'a backtick in the reference is escaped text, not a broken code span');
});

test('markdownCode keeps plain references verbatim as code', () => {
  assert.equal(markdownCode('registry.example/team_app:1.0'), '`registry.example/team_app:1.0`');
});
