// Client/server mode with the real Trivy: `trivy server` on loopback holds our database, and
// `shipshape scan --server URL` gives the findings a standalone scan gives. The server's token
// travels in TRIVY_TOKEN (never as an argument), with `--token-header`, and is never printed.

import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';
import { freePort, type Registry } from '../support/registry.js';
import {
  cleanUp,
  offlineEnv,
  realTrivy,
  setEnv,
  startTrivyServer,
  tempFolder,
  trivyCache,
  type TrivyServer,
} from '../support/realTrivy.js';
import { distroWorkspace, findingRows as rows, scanJson as scan } from '../support/realTrivyScan.js';

const TOKEN = 'shipshape-server-token-4c1d';
const HEADER = 'X-Shipshape-Token';

let registry: Registry;
let server: TrivyServer;
let workspace: string;
let restoreEnv: () => void;

before(async () => {
  ({ registry, workspace } = await distroWorkspace(['alpine-3.19', 'debian-12']));
  server = await startTrivyServer(realTrivy(), trivyCache(), { token: TOKEN, tokenHeader: HEADER });
});

after(async () => {
  await server?.stop();
  await registry?.stop();
  cleanUp();
});

beforeEach(() => {
  // The client has no database of its own: an empty cache, and no download allowed.
  restoreEnv = setEnv({ ...offlineEnv(tempFolder('client-cache')), SHIPSHAPE_CACHE_DIR: tempFolder('shipshape-cache') });
});
afterEach(() => restoreEnv());

describe('shipshape scan --server, the real trivy server', () => {
  test('gives the findings of a standalone scan with the same database', async () => {
    const undo = setEnv({ TRIVY_TOKEN: TOKEN });
    try {
      const client = await scan(['--server', server.url, '--token-header', HEADER, workspace]);
      assert.deepEqual(client.report.errors, []);
      const standaloneUndo = setEnv({ TRIVY_CACHE_DIR: trivyCache() });
      let standalone;
      try {
        standalone = await scan([workspace]);
      } finally {
        standaloneUndo();
      }
      assert.ok(rows(client.report).length > 0);
      assert.deepEqual(rows(client.report), rows(standalone.report));
    } finally {
      undo();
    }
  });

  test('without the token, or under the wrong header, the server refuses: the message says so and shows no token', async () => {
    const missing = await scan(['--server', server.url, '--token-header', HEADER, workspace]);
    assert.equal(missing.report.errors.length, 2);
    for (const error of missing.report.errors)
      assert.match(error.message, /the Trivy server refused the request: check its token \(TRIVY_TOKEN in the environment\)/);

    const undo = setEnv({ TRIVY_TOKEN: TOKEN, TRIVY_DEBUG: 'true' });
    try {
      const wrongHeader = await scan(['--server', server.url, workspace]);
      assert.ok(wrongHeader.report.errors.length > 0);
      for (const run of [missing, wrongHeader]) {
        assert.ok(!run.stdout.includes(TOKEN), 'the report shows no token');
        assert.ok(!run.stderr.includes(TOKEN), 'stderr shows no token');
      }
    } finally {
      undo();
    }
    assert.ok(!server.output().includes(TOKEN), 'nor does the server log');
  });

  test('a server that is not there: the message names the server, not a registry', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await scan(['--server', url, '--timeout', '60', workspace]);
    assert.equal(run.report.errors.length, 2);
    for (const error of run.report.errors) assert.match(error.message, new RegExp(`the Trivy server ${url} could not be reached`));
  });

  test('--token-header must be a header name', async () => {
    const run = await runCli(['scan', '--token-header', 'X Bad: header', workspace]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--token-header expects an HTTP header name/);
  });
});
