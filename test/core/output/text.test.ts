// The terminal report: grouped by file, file:line:col first.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { toText } from '../../../src/core/index.js';
import { BROKEN, DIGEST, scan } from '../../support/reports.js';

describe('the text report', () => {
  const FILES = {
    Dockerfile: 'FROM golang:1.23 AS build\nFROM scratch\nCOPY --from=build /app /app\nENTRYPOINT ["/app"]\n',
    'clean.Dockerfile': `FROM nginx:1.27@${DIGEST}\nUSER 1000\n`,
    'compose.yaml': BROKEN,
    'logo.Dockerfile': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]),
  };

  test('groups by file: a header, indented file:line:col lines (errors first), a blank line; notes; a summary', async () => {
    const { root, report } = await scan(FILES);
    const dockerfile = path.join(root, 'Dockerfile');
    const compose = path.join(root, 'compose.yaml');
    const logo = path.join(root, 'logo.Dockerfile');
    const lines = toText(report).split('\n');
    assert.equal(lines.pop(), '', 'ends with a newline');
    const shape = lines.map((l) => {
      const finding = /^ {2}(\S+):(\d+):(\d+) {2}(error|warning|info) {2}(?:(\S+) {2})?/.exec(l);
      if (finding)
        return `${finding[1] === dockerfile ? 'D' : finding[1] === compose ? 'C' : '?'}:${finding[2]}:${finding[3]} ${finding[4]} ${finding[5] ?? '-'}`;
      return l === dockerfile ? '[Dockerfile]' : l === compose ? '[compose.yaml]' : l;
    });
    assert.deepEqual(shape.slice(0, -1), [
      '[Dockerfile]',
      'D:1:6 info unpinned-image',
      'D:2:1 info root-user',
      '',
      '[compose.yaml]',
      'C:4:5 error -',
      '',
      `note: ${logo}: binary file: skipped`,
      '',
    ]);
    assert.ok(
      lines.some((l) => l.startsWith(`  ${compose}:4:5  error  YAML syntax error in document 1: `)),
      lines.join('\n'),
    );
    // 2 findings, both info; 2 of 3 analysed files listed; golang counts as an image, scratch does not.
    assert.equal(lines.at(-1), '2 findings (0 error, 0 warning, 2 info) in 2 of 3 files; 2 images checked; 1 file error.');
  });

  test('summary wording: singular and plural, and a clean run', async () => {
    const clean = await scan({ Dockerfile: `FROM nginx:1.27@${DIGEST}\nUSER 1000\n` });
    assert.equal(toText(clean.report), 'No findings: 1 file and 1 image checked.\n');
    const empty = toText({ files: [], skipped: [], ioErrors: [], scanErrors: [], projectErrors: [], userErrors: [] });
    assert.equal(empty, 'No findings: 0 files and 0 images checked.\n');
    const one = await scan({ Dockerfile: 'FROM nginx:1.27\nUSER 1000\n' });
    assert.equal(toText(one.report).split('\n').at(-2), '1 finding (0 error, 0 warning, 1 info) in 1 of 1 file; 1 image checked.');
  });

  test('I/O errors are listed and counted', async () => {
    const { root, report } = await scan({ Dockerfile: 'FROM nginx:latest\n' });
    const missing = path.join(root, 'missing');
    const text = toText({ ...report, ioErrors: [{ path: missing, message: 'no such file or folder' }] });
    assert.ok(text.includes(`${missing}: error  no such file or folder\n`), text);
    assert.match(text, /2 findings \(0 error, 1 warning, 1 info\) in 1 of 1 file; 1 image checked; 1 file error\.\n$/);
  });

  test('colour codes only with color: true', async () => {
    const { report } = await scan(FILES);
    const plain = toText(report);
    const plainDefault = toText(report, { color: false });
    const colored = toText(report, { color: true });
    assert.ok(!plain.includes('\x1b'), 'no colour by default');
    assert.equal(plainDefault, plain);
    assert.match(colored, /\x1b\[1m[^\n]*Dockerfile\x1b\[0m/, 'bold file headers');
    assert.match(colored, /\x1b\[36minfo\x1b\[0m/, 'cyan info');
    assert.match(colored, /\x1b\[31merror\x1b\[0m/, 'red error');
    assert.equal(colored.replace(/\x1b\[\d+m/g, ''), plain, 'the same text underneath');
  });
});
