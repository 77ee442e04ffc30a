// stale-digest in the editor without the editor: an open document's pins checked against a real
// registry (docker-registry on loopback, behind a proxy that counts and can hold requests) through
// the network bundle's checker, as extension/stalePins.ts does: the finding and its quick fix, the
// answers kept, a document edited meanwhile given nothing, a closed document's check cancelled
// without cancelling another document's.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { analyze, applyEdits, fixesFor, scanPaths, silentLogger, type StaleLookup } from '../../src/core/index.js';
import { PinChecker, RegistryClient, staleFindings, staleLookupOf } from '../../src/core/network.js';
import { DocumentPinChecks } from '../../src/extension/pinChecks.js';
import { readAnalysisSettings } from '../../src/extension/settings.js';
import { folderScanOptions, reportDiagnostics } from '../../src/extension/workspaceScan.js';
import { tempTree } from '../support/tree.js';
import { pushImage, startFaultServer, startRegistry, fault, type FaultServer, type Registry } from '../support/registry.js';

describe('the editor checks the pins of open documents', () => {
  let registry: Registry;
  let front: FaultServer;
  /** While set, manifest requests of team/slow wait for it. */
  let gate: Promise<void> | undefined;
  let open: () => void = () => {};
  let old: { app: string; slow: string };
  let now: { app: string; slow: string };

  before(async () => {
    registry = await startRegistry();
    front = await startFaultServer(async (request) => {
      if (gate && request.url.includes('/team/slow/manifests/')) await gate;
      return fault.proxy(registry.url);
    });
    old = {
      app: (await pushImage(registry, 'team/app', '1', { content: 'first build' })).digest,
      slow: (await pushImage(registry, 'team/slow', '1', { content: 'first build' })).digest,
    };
    // The tags pushed again with other content: both pins are stale (a rebuild).
    now = {
      app: (await pushImage(registry, 'team/app', '1', { content: 'second build' })).digest,
      slow: (await pushImage(registry, 'team/slow', '1', { content: 'second build' })).digest,
    };
  });
  after(async () => {
    open();
    await front.stop();
    await registry.stop();
  });

  /** What stalePins.ts makes from the network bundle: one checker for the session, its answers kept. */
  function network(): () => Promise<{ lookup: StaleLookup; staleFindings: typeof staleFindings }> {
    const checker = new PinChecker(new RegistryClient({ logger: silentLogger, insecureRegistries: [] }), { ttlMs: 60_000 });
    const lookup = staleLookupOf(checker);
    return () => Promise.resolve({ lookup, staleFindings });
  }

  const dockerfile = (repo: string, digest: string) => `FROM ${front.host}/${repo}:1@${digest}\nUSER 1\n`;

  test('a rebuilt tag: a stale-digest warning at the reference, whose quick fix writes the current digest', async () => {
    const checks = new DocumentPinChecks(network());
    const text = dockerfile('team/app', old.app);
    const result = analyze(text, 'dockerfile', {});
    const checked = await checks.check('file:///Dockerfile', 1, result, {}, () => 1);
    assert.ok(checked);
    assert.deepEqual(
      checked.findings.map((f) => [f.rule, f.reason, f.severity, f.range.start.line]),
      [['stale-digest', 'rebuilt', 'warning', 0]],
    );
    assert.deepEqual(checks.findings('file:///Dockerfile', 1), checked.findings);
    assert.deepEqual(checks.findings('file:///Dockerfile', 2), [], 'nothing for another version of the document');
    const fix = fixesFor(text, 'dockerfile', checked.findings[0]!).find((f) => f.title === 'Update to the current digest');
    assert.ok(fix);
    assert.equal(applyEdits(text, fix.edits), dockerfile('team/app', now.app));
  });

  test('the answers are kept: checking the document again asks the registry nothing', async () => {
    const checks = new DocumentPinChecks(network());
    const result = analyze(dockerfile('team/app', old.app), 'dockerfile', {});
    await checks.check('file:///a', 1, result, {}, () => 1);
    const asked = front.requests().length;
    const again = await checks.check(
      'file:///a',
      2,
      analyze(`# edited\n${dockerfile('team/app', old.app)}`, 'dockerfile', {}),
      {},
      () => 2,
    );
    assert.equal(front.requests().length, asked);
    assert.deepEqual(
      again?.findings.map((f) => f.range.start.line),
      [1],
    );
  });

  test('a document edited while its registries answered gets nothing: the ranges are places in text that is gone', async () => {
    const checks = new DocumentPinChecks(network());
    let version = 1;
    const pending = checks.check('file:///b', 1, analyze(dockerfile('team/app', old.app), 'dockerfile', {}), {}, () => version);
    version = 2;
    assert.equal(await pending, undefined);
    assert.deepEqual(checks.findings('file:///b', 1), []);
  });

  test("closing a document cancels its check at once, without cancelling another document's check of the same pin", async () => {
    const checks = new DocumentPinChecks(network());
    gate = new Promise((resolve) => (open = resolve));
    try {
      const result = analyze(dockerfile('team/slow', old.slow), 'dockerfile', {});
      const first = checks.check('file:///one', 1, result, {}, () => 1);
      const second = checks.check('file:///two', 1, result, {}, () => 1);
      // Both wait for the held registry.
      while (!front.requests().some((r) => r.url.includes('/team/slow/manifests/'))) await new Promise((r) => setTimeout(r, 10));
      checks.forget('file:///one');
      assert.equal(await first, undefined, 'the closed document gets nothing, while the registry still holds the request');
      open();
      const answered = await second;
      assert.deepEqual(
        answered?.findings.map((f) => f.reason),
        ['rebuilt'],
      );
    } finally {
      gate = undefined;
      open();
    }
  });

  test('a document without a tag-and-digest pin loads nothing: the network bundle waits for one', async () => {
    let loaded = 0;
    const checks = new DocumentPinChecks(() => {
      loaded++;
      return network()();
    });
    const unpinned = await checks.check('file:///d', 1, analyze(`FROM ${front.host}/team/app:1\nUSER 1\n`, 'dockerfile', {}), {}, () => 1);
    const digestOnly = await checks.check(
      'file:///e',
      1,
      analyze(`FROM ${front.host}/team/app@${old.app}\n`, 'dockerfile', {}),
      {},
      () => 1,
    );
    assert.deepEqual([unpinned?.findings, digestOnly?.findings, loaded], [[], [], 0]);
    await checks.check('file:///f', 1, analyze(dockerfile('team/app', old.app), 'dockerfile', {}), {}, () => 1);
    assert.equal(loaded, 1);
  });

  test('with the rule disabled nothing is asked', async () => {
    const checks = new DocumentPinChecks(network());
    const asked = front.requests().length;
    const checked = await checks.check(
      'file:///c',
      1,
      analyze(dockerfile('team/app', old.app), 'dockerfile', {}),
      { rules: { 'stale-digest': { enabled: false } } },
      () => 1,
    );
    assert.deepEqual(checked?.findings, []);
    assert.equal(front.requests().length, asked);
  });

  test('Scan Images in the Workspace checks the pins too: stale ones as findings, unreachable registries as notes on the pin', async () => {
    const root = await tempTree(
      {
        Dockerfile: dockerfile('team/app', old.app),
        'other.Dockerfile': 'FROM 127.0.0.1:1/team/gone:1@sha256:' + '0'.repeat(64) + '\nUSER 1\n',
      },
      'shipshape-stale-workspace-',
    );
    const folder = readAnalysisSettings(() => undefined);
    const report = await scanPaths([root], {
      ...folderScanOptions({ folder: root, settings: folder, envFiles: [], documents: new Map(), processEnv: {} }),
      staleDigests: (await network()()).lookup,
    });
    const shown = [...reportDiagnostics(report, folder.analyze)].flatMap(([file, diagnostics]) =>
      diagnostics.map((d) => `${path.relative(root, file)}:${d.range.start.line + 1}:${d.range.start.character} ${d.code} ${d.severity}`),
    );
    assert.deepEqual(shown.sort(), ['Dockerfile:1:5 stale-digest warning', 'other.Dockerfile:1:5 pin-check-failed info']);
    const note = reportDiagnostics(report, folder.analyze)
      .get(path.join(root, 'other.Dockerfile'))
      ?.find((d) => d.code === 'pin-check-failed');
    assert.match(
      note?.message ?? '',
      /^Shipshape: the pin 127\.0\.0\.1:1\/team\/gone:1@sha256:0{64} could not be checked against its tag \(--offline/,
    );
  });
});
