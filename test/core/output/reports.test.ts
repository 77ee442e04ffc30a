// The reports: the JSON contract (version 1), SARIF 2.1.0 (checked against the official schema)
// and the terminal text. Reports are built with scanPaths on small files in a temporary folder.

import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as Sarif from 'sarif';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { RULE_IDS, scanPaths, toJsonReport, toSarif, toText, type JsonReport, type ScanReport } from '../../../src/core/index.js';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DIGEST = `sha256:${'a'.repeat(64)}`;
const IMAGE_ID = `sha256:${'b'.repeat(64)}`;

const made: string[] = [];

after(async () => {
  await Promise.all(made.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

/** Writes `files` into a new temporary folder and scans it. */
async function scan(
  files: Readonly<Record<string, string | Uint8Array>>,
  options: Parameters<typeof scanPaths>[1] = {},
): Promise<{ root: string; report: ScanReport }> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'shipshape-report-'));
  made.push(root);
  for (const [name, content] of Object.entries(files)) {
    const full = path.join(root, ...name.split('/'));
    await fs.mkdir(path.dirname(full), { recursive: true });
    await fs.writeFile(full, content);
  }
  return { root, report: await scanPaths([root], options) };
}

/** The same report with each file renamed. */
function renamed(report: ScanReport, rename: (file: string) => string): ScanReport {
  return { ...report, files: report.files.map((f) => ({ ...f, file: rename(f.file) })) };
}

function withoutMessage<T extends { message: string }>(entry: T): Omit<T, 'message'> {
  const { message: _message, ...rest } = entry;
  return rest;
}

// ---------------------------------------------------------------------------------------------

const MULTI_STAGE = [
  'FROM golang:1.23 AS build', //                 1
  'RUN go build -o /app .', //                    2
  'FROM alpine:3.20', //                          3
  'COPY --from=build /app /app', //               4
  'COPY --from=busybox:1.36 /bin/sh /bin/sh', //  5
  'USER 1000', //                                 6
  '',
].join('\n');

const STATUSES = [
  'ARG TAG', //                                    1
  'FROM alpine:${TAG} AS a', //                    2
  `FROM nginx:1.27@${DIGEST} AS b`, //             3
  `FROM ${IMAGE_ID} AS c`, //                      4
  'FROM Nginx:1 AS d', //                          5
  'FROM scratch AS e', //                          6
  'FROM a', //                                     7
  '',
].join('\n');

const KUBERNETES = [
  'apiVersion: v1', //                             1
  'kind: ConfigMap', //                            2
  'metadata:', //                                  3
  '  name: settings', //                           4
  '---', //                                        5
  'apiVersion: apps/v1', //                        6
  'kind: Deployment', //                           7
  'metadata:', //                                  8
  '  name: web', //                                9
  '  namespace: shop', //                         10
  'spec:', //                                     11
  '  template:', //                               12
  '    spec:', //                                 13
  '      securityContext:', //                    14
  '        runAsNonRoot: true', //                15
  '      initContainers:', //                     16
  '        - name: init', //                      17
  '          image: busybox:1.36', //             18
  '      containers:', //                         19
  '        - name: app', //                       20
  '          image: "ghcr.io/acme/web:2.1"', //   21
  '          securityContext:', //                22
  '            runAsUser: 0', //                  23
  '',
].join('\n');

const COMPOSE = [
  'services:', //                                  1
  '  web:', //                                     2
  '    image: nginx:1.27', //                      3
  '    platform: linux/arm64', //                  4
  '  api:', //                                     5
  '    build: ./api', //                           6
  '    image: acme/api:dev', //                    7
  '',
].join('\n');

const BROKEN = 'services:\n  web:\n    image: nginx:1.27\n    image: nginx:1.28\n';

describe('the JSON report', () => {
  test('has exactly version, images, findings, errors and skipped', async () => {
    const { report } = await scan({ Dockerfile: 'FROM nginx:1.27\n' });
    const json = toJsonReport(report);
    assert.deepEqual(Object.keys(json), ['version', 'images', 'findings', 'errors', 'skipped']);
    assert.equal(json.version, 1);
    // It is plain data: it survives JSON unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
  });

  test('Dockerfile images: location, reference, stage and via; findings with their reference', async () => {
    const { root, report } = await scan({ Dockerfile: MULTI_STAGE });
    const file = path.join(root, 'Dockerfile');
    const json: JsonReport = toJsonReport(report);
    assert.deepEqual(json.images, [
      {
        file,
        line: 1,
        column: 6,
        endLine: 1,
        endColumn: 17,
        raw: 'golang:1.23',
        reference: 'docker.io/library/golang:1.23',
        pinned: false,
        source: 'dockerfile',
        status: 'image',
        name: 'docker.io/library/golang',
        tag: '1.23',
        stage: { index: 0, name: 'build' },
        via: 'from',
      },
      {
        file,
        line: 3,
        column: 6,
        endLine: 3,
        endColumn: 17,
        raw: 'alpine:3.20',
        reference: 'docker.io/library/alpine:3.20',
        pinned: false,
        source: 'dockerfile',
        status: 'image',
        name: 'docker.io/library/alpine',
        tag: '3.20',
        stage: { index: 1 },
        via: 'from',
      },
      {
        file,
        line: 5,
        column: 13,
        endLine: 5,
        endColumn: 25,
        raw: 'busybox:1.36',
        reference: 'docker.io/library/busybox:1.36',
        pinned: false,
        source: 'dockerfile',
        status: 'image',
        name: 'docker.io/library/busybox',
        tag: '1.36',
        stage: { index: 1 },
        via: 'copy-from',
      },
    ]);
    assert.deepEqual(json.findings.map(withoutMessage), [
      {
        rule: 'unpinned-image',
        reason: 'mutable-tag',
        severity: 'info',
        file,
        line: 1,
        column: 6,
        endLine: 1,
        endColumn: 17,
        reference: 'golang:1.23',
      },
      {
        rule: 'unpinned-image',
        reason: 'mutable-tag',
        severity: 'info',
        file,
        line: 3,
        column: 6,
        endLine: 3,
        endColumn: 17,
        reference: 'alpine:3.20',
      },
      {
        rule: 'unpinned-image',
        reason: 'mutable-tag',
        severity: 'info',
        file,
        line: 5,
        column: 13,
        endLine: 5,
        endColumn: 25,
        reference: 'busybox:1.36',
      },
    ]);
    for (const finding of json.findings)
      assert.match(finding.message, new RegExp(`\`${finding.reference!.replace('.', '\\.')}\` is not pinned`));
    assert.deepEqual(json.errors, []);
    assert.deepEqual(json.skipped, []);
  });

  test('reference is null when unresolved, invalid, scratch or a stage; an image ID is its own reference', async () => {
    const { root, report } = await scan({ Dockerfile: STATUSES });
    const file = path.join(root, 'Dockerfile');
    const json = toJsonReport(report);
    const problem = json.images.find((i) => i.status === 'invalid')?.problem;
    assert.ok(problem !== undefined && /lowercase/.test(problem), `invalid images say why: ${problem}`);
    assert.deepEqual(json.images, [
      {
        file,
        line: 2,
        column: 6,
        endLine: 2,
        endColumn: 19,
        raw: 'alpine:${TAG}',
        reference: null,
        pinned: false,
        source: 'dockerfile',
        status: 'unresolved',
        stage: { index: 0, name: 'a' },
        via: 'from',
        unresolvedVariables: ['TAG'],
      },
      {
        file,
        line: 3,
        column: 6,
        endLine: 3,
        endColumn: 6 + `nginx:1.27@${DIGEST}`.length,
        raw: `nginx:1.27@${DIGEST}`,
        reference: `docker.io/library/nginx:1.27@${DIGEST}`,
        pinned: true,
        source: 'dockerfile',
        status: 'image',
        name: 'docker.io/library/nginx',
        tag: '1.27',
        digest: DIGEST,
        stage: { index: 1, name: 'b' },
        via: 'from',
      },
      {
        file,
        line: 4,
        column: 6,
        endLine: 4,
        endColumn: 6 + IMAGE_ID.length,
        raw: IMAGE_ID,
        reference: IMAGE_ID,
        pinned: true,
        source: 'dockerfile',
        status: 'id',
        stage: { index: 2, name: 'c' },
        via: 'from',
      },
      {
        file,
        line: 5,
        column: 6,
        endLine: 5,
        endColumn: 13,
        raw: 'Nginx:1',
        reference: null,
        pinned: false,
        source: 'dockerfile',
        status: 'invalid',
        stage: { index: 3, name: 'd' },
        via: 'from',
        problem,
      },
      {
        file,
        line: 6,
        column: 6,
        endLine: 6,
        endColumn: 13,
        raw: 'scratch',
        reference: null,
        pinned: false,
        source: 'dockerfile',
        status: 'scratch',
        stage: { index: 4, name: 'e' },
        via: 'from',
      },
      {
        file,
        line: 7,
        column: 6,
        endLine: 7,
        endColumn: 7,
        raw: 'a',
        reference: null,
        pinned: false,
        source: 'dockerfile',
        status: 'stage',
        stage: { index: 5 },
        via: 'from',
      },
    ]);
    const rules = json.findings.map((f) => `${f.rule}@${f.line}:${f.column}`);
    assert.ok(rules.includes('unresolved-image@2:6'), rules.join());
    assert.ok(rules.includes('invalid-reference@5:6'), rules.join());
    const invalid = json.findings.find((f) => f.rule === 'invalid-reference')!;
    assert.equal(invalid.severity, 'error');
    assert.equal(invalid.reason, undefined, 'a rule without variants has no reason');
    assert.equal(invalid.reference, 'Nginx:1');
  });

  test('Kubernetes images: workload (kind, name, namespace, document) and container (name, type)', async () => {
    const { root, report } = await scan({ 'app.yaml': KUBERNETES });
    const file = path.join(root, 'app.yaml');
    const json = toJsonReport(report);
    const workload = { kind: 'Deployment', name: 'web', namespace: 'shop', document: 1 };
    assert.deepEqual(json.images, [
      {
        file,
        line: 18,
        column: 18,
        endLine: 18,
        endColumn: 30,
        raw: 'busybox:1.36',
        reference: 'docker.io/library/busybox:1.36',
        pinned: false,
        source: 'kubernetes',
        status: 'image',
        name: 'docker.io/library/busybox',
        tag: '1.36',
        workload,
        container: { name: 'init', type: 'initContainers' },
      },
      {
        file,
        line: 21,
        column: 19,
        endLine: 21,
        endColumn: 39,
        raw: 'ghcr.io/acme/web:2.1',
        reference: 'ghcr.io/acme/web:2.1',
        pinned: false,
        source: 'kubernetes',
        status: 'image',
        name: 'ghcr.io/acme/web',
        tag: '2.1',
        workload,
        container: { name: 'app', type: 'containers' },
      },
    ]);
    assert.deepEqual(json.findings.map(withoutMessage), [
      {
        rule: 'unpinned-image',
        reason: 'mutable-tag',
        severity: 'info',
        file,
        line: 18,
        column: 18,
        endLine: 18,
        endColumn: 30,
        reference: 'busybox:1.36',
      },
      {
        rule: 'unpinned-image',
        reason: 'mutable-tag',
        severity: 'info',
        file,
        line: 21,
        column: 19,
        endLine: 21,
        endColumn: 39,
        reference: 'ghcr.io/acme/web:2.1',
      },
      {
        rule: 'root-user',
        reason: 'explicit',
        severity: 'warning',
        file,
        line: 23,
        column: 24,
        endLine: 23,
        endColumn: 25,
        reference: 'ghcr.io/acme/web:2.1',
      },
    ]);
    assert.match(json.findings[2]!.message, /`app`.*runAsUser: 0/);
  });

  test('Compose images: service, platform, and built services', async () => {
    const { root, report } = await scan({ 'compose.yaml': COMPOSE });
    const file = path.join(root, 'compose.yaml');
    const json = toJsonReport(report);
    assert.deepEqual(json.images, [
      {
        file,
        line: 3,
        column: 12,
        endLine: 3,
        endColumn: 22,
        raw: 'nginx:1.27',
        reference: 'docker.io/library/nginx:1.27',
        pinned: false,
        source: 'compose',
        status: 'image',
        name: 'docker.io/library/nginx',
        tag: '1.27',
        platform: 'linux/arm64',
        service: 'web',
      },
      {
        file,
        line: 7,
        column: 12,
        endLine: 7,
        endColumn: 24,
        raw: 'acme/api:dev',
        reference: 'docker.io/acme/api:dev',
        pinned: false,
        source: 'compose',
        status: 'image',
        name: 'docker.io/acme/api',
        tag: 'dev',
        service: 'api',
        built: true,
      },
    ]);
    // A service that builds its own image is not asked to pin it.
    assert.deepEqual(
      json.findings.map((f) => `${f.rule}@${f.line}`),
      ['unpinned-image@3'],
    );
  });

  test('columns count UTF-16 code units and endColumn is exclusive', async () => {
    const text = 'services: {"😀é": {image: nginx:1.27}}\n';
    const { report } = await scan({ 'compose.yaml': text });
    const [image] = toJsonReport(report).images;
    assert.ok(image);
    const before = 'services: {"😀é": {image: ';
    assert.equal(before.length, 26, '😀 is two UTF-16 code units');
    assert.deepEqual([image.line, image.column, image.endLine, image.endColumn], [1, 27, 1, 37]);
    assert.equal(text.split('\n')[0]!.slice(image.column - 1, image.endColumn - 1), 'nginx:1.27');
  });

  test('every image range covers exactly its raw text (1-based, end exclusive)', async () => {
    const files = { Dockerfile: MULTI_STAGE, 'x.Dockerfile': STATUSES, 'app.yaml': KUBERNETES, 'compose.yaml': COMPOSE };
    const { root, report } = await scan(files);
    const json = toJsonReport(report);
    assert.equal(json.images.length, 13);
    for (const image of json.images) {
      const text = files[path.relative(root, image.file) as keyof typeof files];
      assert.equal(image.line, image.endLine);
      const line = text.split('\n')[image.line - 1]!;
      assert.equal(line.slice(image.column - 1, image.endColumn - 1), image.raw, `${image.file}:${image.line}`);
    }
  });

  test('errors: file, line and message; unreadable paths have no line', async () => {
    const { root, report } = await scan({ 'compose.yaml': BROKEN });
    const missing = path.join(root, 'missing');
    const withMissing = await scanPaths([root, missing]);
    const json = toJsonReport(withMissing);
    assert.equal(json.errors.length, 2);
    const [syntax, io] = json.errors;
    assert.deepEqual(withoutMessage(syntax!), { file: path.join(root, 'compose.yaml'), line: 4 });
    assert.match(syntax!.message, /YAML syntax error in document 1/);
    assert.deepEqual(io, { file: missing, message: 'no such file or folder' });
    assert.deepEqual(toJsonReport(report).errors.map(withoutMessage), [{ file: path.join(root, 'compose.yaml'), line: 4 }]);
  });

  test('skipped: file and reason for binary files, oversized files and templates', async () => {
    const { root, report } = await scan(
      {
        Dockerfile: Buffer.from('FROM nginx\n\0\0'),
        'big.yaml': `services:\n  a:\n    image: nginx\n${'#'.repeat(200)}\n`,
        'chart/deployment.yaml':
          'apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - image: {{ .Values.image }}\n',
      },
      { maxFileBytes: 150 },
    );
    const json = toJsonReport(report);
    assert.deepEqual(json.images, []);
    assert.deepEqual(json.skipped.map((s) => path.relative(root, s.file).split(path.sep).join('/')).sort(), [
      'Dockerfile',
      'big.yaml',
      'chart/deployment.yaml',
    ]);
    const reason = (name: string) => json.skipped.find((s) => s.file === path.join(root, ...name.split('/')))!.reason;
    assert.match(reason('Dockerfile'), /binary/);
    assert.match(reason('big.yaml'), /larger than 150 bytes/);
    assert.match(reason('chart/deployment.yaml'), /template/);
  });
});

// ---------------------------------------------------------------------------------------------

const SCHEMA_FILE = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

/** The official SARIF 2.1.0 JSON schema (draft-04), as shipped by Microsoft's SARIF SDK. */
function sarifValidator() {
  // The schema's patterns are not all valid in Unicode mode; its formats (uri, uri-reference, date-time) are checked.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
}

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
      ['unpinned-image', 'root-user', 'invalid-reference', 'unresolved-image', 'vulnerable-image'],
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
      ['warning', 'warning', 'error', 'note', 'error'],
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
      ['an empty scan', toSarif({ files: [], skipped: [], ioErrors: [], scanErrors: [] }, { version: '0.1.0' })],
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

// ---------------------------------------------------------------------------------------------

describe('the text report', () => {
  const FILES = {
    Dockerfile: 'FROM golang:1.23 AS build\nFROM scratch\nCOPY --from=build /app /app\n',
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
    const empty = toText({ files: [], skipped: [], ioErrors: [], scanErrors: [] });
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
