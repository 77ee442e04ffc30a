// A scan that may ask registries for images' own users: what it asks, which verdicts the answers
// settle or confirm (Dockerfiles, manifests, Compose, built services), what is said when a
// registry cannot answer, and Trivy's users for what the registries did not answer.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  readScanOptions,
  scanPaths,
  silentLogger,
  toJsonReport,
  toText,
  type ImageUser,
  type ScanReport,
} from '../../../src/core/index.js';
import { createScanner } from '../../../src/core/network.js';
import { STAND_IN } from '../../support/trivy.js';
import { userErrorEntries, type UserLookup } from '../../../src/core/workspace/users.js';
import type { RegistryFailure } from '../../../src/core/registry/types.js';
import { tempTree } from '../../support/tree.js';

const tree = (files: Readonly<Record<string, string>>) => tempTree(files, 'shipshape-users-');

/** A lookup answering from a table of users (and failures), recording every call. */
function lookup(users: Readonly<Record<string, string>>, failures: Readonly<Record<string, RegistryFailure['reason']>> = {}) {
  const calls: string[][] = [];
  const fn: UserLookup = (references) => {
    calls.push([...references].sort());
    const known = new Map<string, ImageUser>();
    const failed: RegistryFailure[] = [];
    for (const reference of references) {
      const reason = failures[reference];
      if (reason) failed.push({ reference, reason, message: `${reason} for ${reference}` });
      else if (users[reference] !== undefined) known.set(reference, { user: users[reference], from: 'image-config' });
    }
    return Promise.resolve({ users: known, failures: failed });
  };
  return { fn, calls };
}

function rootFindings(report: ScanReport): string[] {
  return report.files.flatMap((f) =>
    f.result.findings
      .filter((x) => x.rule === 'root-user')
      .map((x) => `${path.basename(f.file)}:${x.range.start.line + 1} ${x.reason} ${x.severity}${x.userFrom ? ` from ${x.userFrom}` : ''}`),
  );
}

const NODE = 'docker.io/library/node:22';
const NGINX = 'docker.io/library/nginx:1.27';
const APP = 'registry.example/team/app:2';

const FILES = {
  Dockerfile: 'FROM node:22\nRUN npm ci\n',
  'root.Dockerfile': 'FROM nginx:1.27\n',
  'explicit.Dockerfile': 'FROM node:22\nUSER root\n',
  'deploy.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: {name: web}',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: web',
    '          image: nginx:1.27',
    '        - name: api',
    '          image: registry.example/team/app:2',
    '          securityContext: {runAsNonRoot: true}',
    '        - name: pinned-user',
    '          image: nginx:1.27',
    '          securityContext: {runAsUser: 1000}',
    '',
  ].join('\n'),
  'compose.yaml': ['services:', '  web:', '    image: nginx:1.27', '  app:', '    build: .', ''].join('\n'),
};

describe('scan: images’ configured users', () => {
  test('asks once for each image whose user would change a verdict, and only for those', async () => {
    const root = await tree(FILES);
    const users = lookup({ [NODE]: '1000', [NGINX]: '', [APP]: 'app' });
    await scanPaths([root], { imageUsers: users.fn });
    assert.deepEqual(users.calls, [[APP, NGINX, NODE].sort()]);
  });

  test('a non-root user settles, a root one is said with its source, a named user under runAsNonRoot will not start', async () => {
    const root = await tree(FILES);
    const before = rootFindings(await scanPaths([root]));
    const report = await scanPaths([root], { imageUsers: lookup({ [NODE]: '1000', [NGINX]: '', [APP]: 'app' }).fn });
    assert.deepEqual(before.sort(), [
      'Dockerfile:1 implicit info',
      'compose.yaml:5 implicit info',
      'deploy.yaml:8 implicit info',
      'explicit.Dockerfile:2 explicit warning',
      'root.Dockerfile:1 implicit info',
    ]);
    assert.deepEqual(rootFindings(report).sort(), [
      // node:22 runs as 1000: the Dockerfile and the service built from it are settled; nginx runs as root.
      'compose.yaml:3 implicit info from image-config',
      'deploy.yaml:12 will-not-start error from image-config',
      'deploy.yaml:8 implicit info from image-config',
      'explicit.Dockerfile:2 explicit warning',
      'root.Dockerfile:1 implicit info from image-config',
    ]);
    const messages = report.files.flatMap((f) => f.result.findings.filter((x) => x.rule === 'root-user').map((x) => x.message));
    assert.ok(
      messages.some((m) => /nginx:1\.27.*runs as root \(its configured user is empty, as its image config says\)/.test(m)),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => /will not start.*is a name, not a UID.*`app`/.test(m)),
      messages.join('\n'),
    );
    const json = toJsonReport(report);
    assert.ok(json.findings.filter((f) => f.rule === 'root-user' && f.reason !== 'explicit').every((f) => f.userFrom === 'image-config'));
    assert.equal(json.findings.find((f) => f.reason === 'explicit')?.userFrom, undefined);
  });

  test('a user that cannot be read leaves the finding as it was and is said once per image', async () => {
    const root = await tree(FILES);
    const report = await scanPaths([root], { imageUsers: lookup({ [NODE]: '1000', [APP]: '1000' }, { [NGINX]: 'not-found' }).fn });
    // nginx's verdicts stay as the files say (no source; a service's is only given when known); node's are
    // settled, the built service's with them.
    assert.deepEqual(
      rootFindings(report)
        .filter((f) => !f.startsWith('explicit'))
        .sort(),
      ['deploy.yaml:8 implicit info', 'root.Dockerfile:1 implicit info'],
    );
    assert.equal(report.userErrors.length, 1);
    assert.equal(report.userErrors[0]!.reference, NGINX);
    assert.match(report.userErrors[0]!.message, /configured user of docker\.io\/library\/nginx:1\.27 could not be read/);
    assert.match(toText(report), /could not be read/);
    assert.ok(toJsonReport(report).errors.some((e) => /nginx:1\.27 could not be read/.test(e.message)));
  });

  test('Trivy’s users settle what the registries did not answer, in every kind of file', async () => {
    const distroless = 'gcr.io/distroless/base:debug';
    const root = await tree({
      Dockerfile: `FROM ${distroless}\n`,
      'pod.yaml': [
        'apiVersion: v1',
        'kind: Pod',
        'metadata: {name: p}',
        'spec:',
        '  containers:',
        `    - {name: c, image: "${distroless}"}`,
        '',
      ].join('\n'),
      'compose.yaml': ['services:', '  web:', '    image: nginx:1.27', ''].join('\n'),
    });
    const denied = lookup({}, { [distroless]: 'unauthorized', [NGINX]: 'unauthorized' });
    const offline = await scanPaths([root], { imageUsers: denied.fn });
    assert.deepEqual(rootFindings(offline).sort(), ['Dockerfile:1 implicit info', 'pod.yaml:6 implicit info']);
    assert.deepEqual(offline.userErrors.map((e) => e.reference).sort(), [NGINX, distroless]);
    // The stand-in scans distroless images as a golden whose config sets user 65532; nginx's sets none.
    const scanner = createScanner(readScanOptions({ trivyPath: STAND_IN }).options, { logger: silentLogger });
    const scanned = await scanPaths([root], { imageUsers: denied.fn, scanner });
    assert.deepEqual(rootFindings(scanned), [], 'distroless settled in the Dockerfile and the manifest; nginx unknown to Trivy too');
    assert.deepEqual(
      scanned.userErrors.map((e) => e.reference),
      [NGINX],
      'what Trivy answered is no longer an error',
    );
  });
});

describe('userErrorEntries', () => {
  const at = new Map([
    ['a.example/x:1', { file: 'a', line: 1 }],
    ['a.example/y:1', { file: 'b', line: 2 }],
    ['b.example/z:1', { file: 'c', line: 3 }],
  ]);
  test('an unreachable registry is one entry for all its images; cancelled is no error', () => {
    const entries = userErrorEntries(
      [
        { reference: 'a.example/x:1', reason: 'unreachable', message: 'connect ECONNREFUSED' },
        { reference: 'a.example/y:1', reason: 'unreachable', message: 'connect ECONNREFUSED' },
        { reference: 'b.example/z:1', reason: 'cancelled', message: 'cancelled' },
      ],
      at,
    );
    assert.equal(entries.length, 1);
    assert.deepEqual([entries[0]!.file, entries[0]!.line], ['a', 1]);
    assert.match(entries[0]!.message, /users of 2 images of a\.example could not be read.*--no-registry.*ECONNREFUSED/);
  });
});
