// Platforms as people write them, checked once for `shipshape pin --platform` and the editor.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parsePlatform } from '../../../src/core/index.js';

test('os/arch and os/arch/variant', () => {
  assert.deepEqual(parsePlatform('linux/amd64'), { ok: true, platform: { os: 'linux', architecture: 'amd64' } });
  assert.deepEqual(parsePlatform(' linux/arm/v7 '), { ok: true, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } });
  assert.deepEqual(parsePlatform('windows/amd64'), { ok: true, platform: { os: 'windows', architecture: 'amd64' } });
});

test('anything else is refused, naming what came', () => {
  for (const bad of ['arm64', 'linux/', 'Linux/AMD64', 'linux/amd64/v8/extra', '--platform=linux/amd64', '']) {
    const result = parsePlatform(bad);
    assert.equal(result.ok, false, bad);
    if (!result.ok) assert.equal(result.message, `expects OS/ARCH[/VARIANT], e.g. linux/arm64, not ${JSON.stringify(bad)}`);
  }
});
