// The .trivyignore Trivy would read: found in a folder, for the CLI's and the editor's scans alike.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findTrivyIgnore } from '../../../src/core/network.js';

test('.trivyignore first, then .trivyignore.yaml; a folder of that name or nothing gives none', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-ignore-'));
  try {
    assert.equal(await findTrivyIgnore(dir), undefined);
    mkdirSync(path.join(dir, '.trivyignore'));
    assert.equal(await findTrivyIgnore(dir), undefined, 'a folder is not an ignore file');
    writeFileSync(path.join(dir, '.trivyignore.yaml'), 'vulnerabilities: []\n');
    assert.equal(await findTrivyIgnore(dir), path.join(dir, '.trivyignore.yaml'));
    rmSync(path.join(dir, '.trivyignore'), { recursive: true });
    writeFileSync(path.join(dir, '.trivyignore'), 'CVE-2024-0001\n');
    assert.equal(await findTrivyIgnore(dir), path.join(dir, '.trivyignore'));
    assert.equal(await findTrivyIgnore(path.relative(process.cwd(), dir)), path.join(dir, '.trivyignore'), 'an absolute path for Trivy');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
