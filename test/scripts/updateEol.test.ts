// npm run update-eol: run on a copy of the endoflife.date data (test/fixtures/endoflife), it writes
// exactly the snapshot that ships, with the licence beside it, and refuses data without its licence.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { updateEol } from '../../scripts/update-eol.js';
import { eolData } from '../../src/core/rules/eolData.js';
import type { EolData } from '../../src/core/rules/eolTypes.js';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'endoflife');

/** The data a generated module holds: its JSON text, read back. */
function dataOf(module: string): EolData {
  const literal = /^const TEXT = (".*");$/m.exec(module);
  assert.ok(literal, 'the module holds its data as a JSON text');
  return JSON.parse(JSON.parse(literal[1]!) as string) as EolData;
}

function withTemp(run: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-eol-'));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the fixture copy gives the snapshot that ships, byte for byte, and its licence file', () => {
  withTemp((dir) => {
    const out = path.join(dir, 'eolData.ts');
    const { date, commit } = eolData().snapshot;
    const counts = updateEol({ from: FIXTURE, out, date, ...(commit !== undefined && { commit }) });
    assert.equal(readFileSync(out, 'utf8'), readFileSync(path.join(ROOT, 'src', 'core', 'rules', 'eolData.ts'), 'utf8'));
    assert.equal(
      readFileSync(path.join(dir, 'eolData.LICENSE.txt'), 'utf8'),
      readFileSync(path.join(ROOT, 'src', 'core', 'rules', 'eolData.LICENSE.txt'), 'utf8'),
    );
    assert.equal(counts.nodejs, eolData().products.nodejs!.cycles.length);
  });
});

test('a changed product file changes the snapshot (a new end date is picked up)', () => {
  withTemp((dir) => {
    cpSync(FIXTURE, path.join(dir, 'copy'), { recursive: true });
    const file = path.join(dir, 'copy', 'products', 'nodejs.md');
    const end = eolData().products.nodejs!.cycles.find((c) => c.cycle === '22')!.eol as string;
    writeFileSync(file, readFileSync(file, 'utf8').replace(`eol: ${end}`, 'eol: 2030-01-01'));
    const out = path.join(dir, 'eolData.ts');
    updateEol({ from: path.join(dir, 'copy'), out, date: '2030-01-01' });
    const written = dataOf(readFileSync(out, 'utf8'));
    assert.equal(written.products.nodejs!.cycles.find((c) => c.cycle === '22')!.eol, '2030-01-01');
    assert.equal(written.snapshot.date, '2030-01-01');
  });
});

test('data without the MIT licence beside it is refused', () => {
  withTemp((dir) => {
    cpSync(FIXTURE, path.join(dir, 'copy'), { recursive: true });
    writeFileSync(path.join(dir, 'copy', 'LICENSE'), 'All rights reserved.\n');
    assert.throws(
      () => updateEol({ from: path.join(dir, 'copy'), out: path.join(dir, 'x.ts'), date: '2030-01-01' }),
      /not the MIT licence/,
    );
    rmSync(path.join(dir, 'copy', 'LICENSE'));
    assert.throws(() => updateEol({ from: path.join(dir, 'copy'), out: path.join(dir, 'x.ts'), date: '2030-01-01' }), /no LICENSE/);
  });
});
