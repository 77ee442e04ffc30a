// The state file that windows and runs share (the scan cache and the image user cache are built
// on it): read once, merged before each write unless cleared, a damaged file said once.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SharedJsonFile } from '../../../src/core/util/sharedJsonFile.js';

interface Data {
  readonly items: Record<string, number>;
}

/** An owner: a map of items, the newer value of each kept. */
function owner(file: string | undefined) {
  const items = new Map<string, number>();
  const warnings: string[] = [];
  const shared = new SharedJsonFile<Data>(file, {
    format: 1,
    what: 'test state',
    logger: { debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error() {} },
    isData: (d): d is Record<string, unknown> & Data => typeof d['items'] === 'object' && d['items'] !== null,
    merge: (data) => {
      for (const [key, value] of Object.entries(data.items)) if (value > (items.get(key) ?? -Infinity)) items.set(key, value);
    },
    serialize: () => ({ items: Object.fromEntries(items) }),
  });
  return { items, warnings, shared };
}

const temp = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'shipshape-shared-')), 'state.json');
const onDisk = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { format: number; items: Record<string, number> };

describe('a shared JSON file', () => {
  test('what another writer saved meanwhile is merged before a write; nothing is written while nothing changed', async () => {
    const file = temp();
    const a = owner(file);
    const b = owner(file);
    await a.shared.load();
    await b.shared.load();
    a.items.set('x', 1);
    a.shared.changed();
    await a.shared.save();
    b.items.set('y', 2);
    b.shared.changed();
    await b.shared.save();
    assert.deepEqual(onDisk(file), { format: 1, items: { y: 2, x: 1 } });
    writeFileSync(file, 'untouched');
    await b.shared.save();
    assert.equal(readFileSync(file, 'utf8'), 'untouched');
  });

  test('after cleared(), the next write replaces the file instead of merging it back', async () => {
    const file = temp();
    writeFileSync(file, JSON.stringify({ format: 1, items: { old: 1 } }));
    const a = owner(file);
    await a.shared.load();
    assert.equal(a.items.get('old'), 1);
    a.items.clear();
    a.shared.cleared();
    await a.shared.save();
    assert.deepEqual(onDisk(file), { format: 1, items: {} });
  });

  test('a damaged or foreign file is said once, read as empty, and rebuilt', async () => {
    const file = temp();
    writeFileSync(file, '{"format": 1, "items": ');
    const a = owner(file);
    await a.shared.load();
    a.items.set('x', 1);
    a.shared.changed();
    await a.shared.save();
    assert.equal(a.warnings.length, 1);
    assert.match(a.warnings[0]!, /^ignoring the test state .*state\.json: .*; it will be rebuilt$/);
    assert.deepEqual(onDisk(file), { format: 1, items: { x: 1 } });
    writeFileSync(file, JSON.stringify({ format: 2, items: {} }));
    const b = owner(file);
    await b.shared.load();
    assert.match(b.warnings[0]!, /not a Shipshape test state/);
  });

  test('a write that fails is a warning, not an error; without a file nothing is read or written', async () => {
    // The path is a folder: nothing can be written there.
    const a = owner(path.dirname(temp()));
    a.items.set('x', 1);
    a.shared.changed();
    await a.shared.save();
    assert.match(a.warnings.join('\n'), /^could not write the test state /);
    const memory = owner(undefined);
    await memory.shared.load();
    memory.shared.changed();
    await memory.shared.save();
    assert.deepEqual(memory.warnings, []);
  });
});
