// The SARIF 2.1.0 report, checked against the official schema.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type * as Sarif from 'sarif';
import { RULE_IDS, scanPaths, toJsonReport, toSarif, type ScanReport } from '../../../src/core/index.js';
import { BROKEN, COMPOSE, KUBERNETES, renamed, scan, STATUSES } from '../../support/reports.js';
import { sarifValidator } from '../../support/sarif.js';

const ROOT = path.resolve(__dirname, '..', '..', '..');

const LEVELS_DOCKERFILE = 'FROM Nginx:1 AS bad\nFROM nginx:latest AS old\nFROM nginx:1.27\nUSER 1000\n';

describe('the SARIF report', () => {
  test('is SARIF 2.1.0 from the Shipshape driver, with every rule and their help', async () => {
    const { report } = await scan({ Dockerfile: 'FROM nginx:1.27\n' });
    const sarif = toSarif(report, { version: '9.8.7' });
    assert.equal(sarif.version, '2.1.0');
    assert.equal(sarif.runs.length, 1);
    const driver = sarif.runs[0]!.tool.driver;
    assert.equal(driver.name, 'Shipshape');
    assert.equal(driver.version, '9.8.7');
    const rules = driver.rules ?? [];
    assert.deepEqual(
      rules.map((r) => r.id),
      [
        'unpinned-image',
        'root-user',
        'invalid-reference',
        'unresolved-image',
        'vulnerable-image',
        'deprecated-registry',
        'eol-image',
        'stale-digest',
      ],
    );
    assert.deepEqual(
      rules.map((r) => r.id),
      [...RULE_IDS],
    );
    for (const rule of rules) {
      // No web address is invented for a rule: its page ships in the repository and the extension.
      assert.equal(rule.helpUri, undefined);
      assert.ok(existsSync(path.join(ROOT, 'docs', 'rules', `${rule.id}.md`)), `the help page of ${rule.id} is in the repository`);
      assert.ok(rule.shortDescription?.text, `${rule.id} has a short description`);
    }
    assert.deepEqual(
      rules.map((r) => r.defaultConfiguration?.level),
      ['warning', 'warning', 'error', 'note', 'error', 'warning', 'warning', 'warning'],
    );
  });

  test('results: ruleId, ruleIndex, level (error, warning, note), message and a 1-based region', async () => {
    const { root, report } = await scan({ Dockerfile: LEVELS_DOCKERFILE });
    const sarif = toSarif(report, { version: '1.0.0' });
    const run = sarif.runs[0]!;
    const rules = run.tool.driver.rules ?? [];
    const results = run.results ?? [];
    const json = toJsonReport(report);
    assert.deepEqual(
      results.map((r) => [r.ruleId, r.level]),
      [
        ['invalid-reference', 'error'],
        ['unpinned-image', 'warning'],
        ['unpinned-image', 'note'],
      ],
    );
    const uri = path.join(root, 'Dockerfile').split(path.sep).join('/');
    results.forEach((result, i) => {
      const finding = json.findings[i]!;
      assert.equal(rules[result.ruleIndex!]?.id, result.ruleId, 'ruleIndex points at the rule');
      assert.equal(result.message.text, finding.message);
      assert.equal(result.locations?.length, 1);
      const physical = result.locations[0]!.physicalLocation!;
      assert.ok(physical.artifactLocation?.uri?.endsWith(uri), physical.artifactLocation?.uri);
      assert.deepEqual(physical.region, { startLine: i + 1, startColumn: 6, endLine: i + 1, endColumn: [13, 18, 16][i] });
    });
    assert.deepEqual(
      results.map((r) => r.properties?.['reason']),
      [undefined, 'latest', 'mutable-tag'],
    );
  });

  test('artifact URIs: relative with forward slashes and percent-encoding; absolute as file URIs', async () => {
    const { root, report } = await scan({ Dockerfile: 'FROM nginx:latest\n' });
    const uriOf = (file: string) => {
      const sarif = toSarif(
        renamed(report, () => file),
        { version: '1.0.0' },
      );
      return sarif.runs[0]!.results![0]!.locations![0]!.physicalLocation!.artifactLocation!.uri;
    };
    assert.equal(uriOf('deploy/docker/Dockerfile'), 'deploy/docker/Dockerfile');
    assert.equal(uriOf('deploy\\docker\\Dockerfile'), 'deploy/docker/Dockerfile');
    assert.equal(uriOf('./Dockerfile'), 'Dockerfile');
    assert.equal(uriOf('my app/Dockerfile'), 'my%20app/Dockerfile');
    assert.equal(uriOf('a#b/x%y.Dockerfile'), 'a%23b/x%25y.Dockerfile');
    assert.equal(uriOf('../shared/Dockerfile'), '../shared/Dockerfile');
    assert.equal(uriOf('/srv/my app/Dockerfile'), 'file:///srv/my%20app/Dockerfile');

    // A relative path given to the scan stays relative.
    const relative = path.relative(process.cwd(), path.join(root, 'Dockerfile'));
    assert.ok(!path.isAbsolute(relative));
    const scanned = toSarif(await scanPaths([relative]), { version: '1.0.0' });
    const uri = scanned.runs[0]!.results![0]!.locations![0]!.physicalLocation!.artifactLocation!.uri!;
    assert.equal(uri, relative.split(path.sep).join('/'));
    assert.ok(!uri.includes('\\') && !uri.startsWith('file:'), uri);
  });

  test('a Windows absolute path becomes a file URI', async () => {
    const { report } = await scan({ Dockerfile: 'FROM nginx:latest\n' });
    const sarif = toSarif(
      renamed(report, () => 'C:\\src\\app\\Dockerfile'),
      { version: '1.0.0' },
    );
    assert.equal(sarif.runs[0]!.results![0]!.locations![0]!.physicalLocation!.artifactLocation!.uri, 'file:///C:/src/app/Dockerfile');
  });

  test('parse errors are tool execution notifications with their location; I/O errors too', async () => {
    const { root, report } = await scan({ 'compose.yaml': BROKEN, Dockerfile: 'FROM nginx:latest\n' });
    const run = toSarif(report, { version: '1.0.0' }).runs[0]!;
    assert.equal(run.results?.length, 2, 'findings of the other file are results');
    const invocation = run.invocations?.[0];
    assert.ok(invocation);
    assert.equal(invocation.executionSuccessful, true);
    const notifications = invocation.toolExecutionNotifications ?? [];
    assert.equal(notifications.length, 1);
    const notification = notifications[0]!;
    assert.equal(notification.level, 'error');
    assert.match(notification.message.text ?? '', /YAML syntax error/);
    const location = notification.locations?.[0]?.physicalLocation;
    assert.ok(location);
    assert.ok(location.artifactLocation?.uri?.endsWith('/compose.yaml'), location.artifactLocation?.uri);
    assert.equal(location.region?.startLine, 4);
    assert.ok(!(run.results ?? []).some((r) => /YAML/.test(r.message.text ?? '')), 'a parse error is not a result');

    const missing = path.join(root, 'missing');
    const io = toSarif(await scanPaths([missing]), { version: '1.0.0' }).runs[0]!.invocations![0]!;
    assert.equal(io.executionSuccessful, false);
    assert.equal(io.toolExecutionNotifications?.length, 1);
    assert.ok(io.toolExecutionNotifications[0]!.message.text?.includes(missing));
  });

  test('validates against the official SARIF 2.1.0 schema', async () => {
    const validate = sarifValidator();
    const { root, report } = await scan({
      Dockerfile: LEVELS_DOCKERFILE,
      'x.Dockerfile': STATUSES,
      'my app/app.yaml': KUBERNETES,
      'compose.yaml': COMPOSE,
      'broken.yaml': BROKEN,
    });
    const withErrors: ScanReport = { ...report, ioErrors: [{ path: path.join(root, 'missing'), message: 'no such file or folder' }] };
    const logs: [string, Sarif.Log][] = [
      ['absolute paths', toSarif(withErrors, { version: '0.1.0' })],
      [
        'relative paths',
        toSarif(
          renamed(report, (f) => path.relative(root, f)),
          { version: '0.1.0' },
        ),
      ],
      [
        'an empty scan',
        toSarif({ files: [], skipped: [], ioErrors: [], scanErrors: [], projectErrors: [], userErrors: [] }, { version: '0.1.0' }),
      ],
    ];
    assert.ok((logs[0]![1].runs[0]!.results ?? []).length >= 8);
    for (const [what, log] of logs) {
      // Validate what a consumer reads: the serialised log.
      const valid = validate(JSON.parse(JSON.stringify(log)));
      assert.ok(valid, `${what}: ${JSON.stringify(validate.errors, null, 2)}`);
    }
    // The validator does catch mistakes.
    const broken = JSON.parse(JSON.stringify(logs[0]![1])) as { runs: { results: { level: string }[] }[] };
    broken.runs[0]!.results[0]!.level = 'info';
    assert.equal(validate(broken), false);
  });
});
