// Air-gapped users: Trivy downloads its database from a mirror they run (`--db-repository`).
// Our database, pushed to the loopback registry as Trivy publishes its own (an OCI artifact with
// Trivy's media types), is what `shipshape scan --db-repository` makes Trivy download into an
// empty cache: Trivy's own download path runs, and the findings are those of the same database
// used in place.

import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../support/cli.js';
import type { JsonReport } from '../../src/core/index.js';
import type { Registry } from '../support/registry.js';
import { cleanUp, offlineEnv, pushTrivyDb, setEnv, tempFolder, trivyCache } from '../support/realTrivy.js';
import { distroWorkspace, findingRows as rows, scanJson } from '../support/realTrivyScan.js';

let registry: Registry;
let workspace: string;
let restoreEnv: () => void;

const scan = async (args: readonly string[]) => (await scanJson(args)).report;

before(async () => {
  ({ registry, workspace } = await distroWorkspace(['alpine-3.19']));
  await pushTrivyDb(registry, 'mirror/trivy-db', '2');
});

after(async () => {
  await registry?.stop();
  cleanUp();
});

beforeEach(() => {
  restoreEnv = setEnv({ SHIPSHAPE_CACHE_DIR: tempFolder('shipshape-cache') });
});
afterEach(() => restoreEnv());

describe('shipshape scan --db-repository', () => {
  test('Trivy downloads the mirror’s database into an empty cache and finds what the same database finds in place', async () => {
    const empty = tempFolder('empty-trivy-cache');
    // Updates allowed (that is the point), the Java database still skipped: it has no mirror here.
    const undo = setEnv({ ...offlineEnv(empty), TRIVY_SKIP_DB_UPDATE: undefined, TRIVY_OFFLINE_SCAN: undefined });
    let downloaded: JsonReport;
    try {
      // No tag: Trivy adds the schema version (`:2`), as for its own repositories.
      downloaded = await scan(['--db-repository', `${registry.host}/mirror/trivy-db`, workspace]);
    } finally {
      undo();
    }
    assert.deepEqual(downloaded.errors, []);
    assert.ok(existsSync(path.join(empty, 'db', 'trivy.db')), 'the database was downloaded into the cache');
    const metadata = JSON.parse(readFileSync(path.join(empty, 'db', 'metadata.json'), 'utf8')) as {
      DownloadedAt: string;
      UpdatedAt: string;
    };
    assert.equal(metadata.UpdatedAt, '2026-12-01T00:00:00Z', 'our database, not another');
    assert.notEqual(metadata.DownloadedAt, '2026-12-01T00:00:00Z', 'Trivy wrote when it downloaded it');

    const undoLocal = setEnv(offlineEnv(trivyCache()));
    try {
      const local = await scan([workspace]);
      assert.ok(rows(local).length > 0);
      assert.deepEqual(rows(downloaded), rows(local));
    } finally {
      undoLocal();
    }
  });

  test('a mirror without the database: the scan fails with Trivy’s reason, naming the database', async () => {
    const undo = setEnv({ ...offlineEnv(tempFolder('empty-trivy-cache')), TRIVY_SKIP_DB_UPDATE: undefined, TRIVY_OFFLINE_SCAN: undefined });
    try {
      const report = await scan(['--db-repository', `${registry.host}/mirror/nothing:2`, workspace]);
      assert.equal(report.errors.length, 1);
      assert.match(report.errors[0]!.message, /could not get its vulnerability database/);
      assert.match(report.errors[0]!.message, /mirror\/nothing/);
    } finally {
      undo();
    }
  });

  test('--db-repository must be a repository', async () => {
    const run = await runCli(['scan', '--db-repository', 'mirror/Trivy DB', workspace]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--db-repository expects an OCI repository/);
  });
});
