// Advice for every image under some paths: each distinct image advised once, its advice at every
// place it is written, scan and registry problems as errors, Trivy missing said once.

import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { adviseReport, type TagSource } from '../../../src/core/advise/index.js';
import { Scanner } from '../../../src/core/trivy/scanner.js';
import { imageScans, STAND_IN, standInLog } from '../../support/trivy.js';

let root: string;
let log: ReturnType<typeof standInLog>;

const TAGS: Record<string, string[]> = {
  'docker.io/library/nginx': ['1.27.1', '1.27.2', '1.27.3', '1.27.3-alpine', 'latest'],
  'docker.io/library/redis': ['7.4.0', '7.4.1'],
  'ghcr.io/acme/api': ['2.0.0', '2.0.1'],
};

function fakeTags() {
  const listed: string[] = [];
  const source: TagSource = {
    listTags(repository) {
      listed.push(repository);
      const tags = TAGS[repository];
      return Promise.resolve(
        tags
          ? { ok: true, repository, tags, truncated: false }
          : {
              ok: false,
              failure: { reference: repository, reason: 'not-found', message: `Could not list the tags of ${repository}: unknown` },
            },
      );
    },
    resolve(reference) {
      return Promise.resolve({ ok: true, resolved: { reference, digest: `sha256:${'ab'.repeat(32)}`, multiPlatform: false } });
    },
  };
  return { source, listed };
}

describe('adviseReport', () => {
  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'shipshape-advise-'));
    writeFileSync(path.join(root, 'Dockerfile'), 'FROM nginx:1.27.1 AS web\nRUN make\nFROM redis:7.4.1\nFROM ghcr.io/acme/api:2.0.0\n');
    mkdirSync(path.join(root, 'k8s'));
    writeFileSync(
      path.join(root, 'k8s', 'app.yaml'),
      'apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27.1\n' +
        '    - name: side\n      image: quay.io/acme/notfound:1\n    - name: other\n      image: quay.io/acme/tool:3.1.0\n',
    );
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  beforeEach(() => {
    log = standInLog({
      TRIVY_STANDIN_TAG_REPORTS: JSON.stringify({
        'nginx:1.27.1': { CRITICAL: 1, HIGH: 2 },
        'nginx:1.27.3': { HIGH: 1 },
        'nginx:1.27.2': { HIGH: 2 },
        'redis:7.4.1': { MEDIUM: 3 },
        'ghcr.io/acme/api:2.0.0': { HIGH: 1 },
        'ghcr.io/acme/api:2.0.1': { HIGH: 1 },
        'quay.io/acme/tool:3.1.0': { CRITICAL: 1 },
      }),
    });
  });
  afterEach(() => log.restore());

  test('each distinct image once, its advice at every place it is written', async () => {
    const tags = fakeTags();
    const report = await adviseReport([root], { scanner: new Scanner({ trivyPath: STAND_IN }), tags: tags.source });
    assert.deepEqual(
      report.places.map((p) => [path.relative(root, p.file), p.line, p.column, p.reference, p.advice.pinned ?? null]),
      [
        ['Dockerfile', 1, 6, 'nginx:1.27.1', `nginx:1.27.3@sha256:${'ab'.repeat(32)}`],
        ['Dockerfile', 4, 6, 'ghcr.io/acme/api:2.0.0', null],
        ['k8s/app.yaml', 7, 14, 'nginx:1.27.1', `nginx:1.27.3@sha256:${'ab'.repeat(32)}`],
        ['k8s/app.yaml', 11, 14, 'quay.io/acme/tool:3.1.0', null],
      ],
    );
    assert.equal(report.advice.length, 3, 'nginx, api and tool; redis has no HIGH or CRITICAL');
    assert.deepEqual(tags.listed.sort(), ['docker.io/library/nginx', 'ghcr.io/acme/api', 'quay.io/acme/tool']);
    assert.equal(imageScans(log.invocations()).filter((i) => i.argv.at(-1) === 'nginx:1.27.1').length, 1);
    assert.deepEqual(
      report.errors.map((e) => [path.relative(root, e.file!), e.line, e.reference]),
      [
        ['k8s/app.yaml', 9, 'quay.io/acme/notfound:1'],
        ['k8s/app.yaml', 11, 'quay.io/acme/tool:3.1.0'],
      ],
    );
    assert.match(report.errors[0]!.message, /not found.*MANIFEST_UNKNOWN/);
    assert.equal(report.errors[1]!.message, 'Could not list the tags of quay.io/acme/tool: unknown');
    assert.equal(report.trivyProblem, undefined);
  });

  test('Trivy missing is one problem, and nothing is advised', async () => {
    const report = await adviseReport([root], {
      scanner: new Scanner({ trivyPath: path.join(root, 'no-trivy') }),
      tags: fakeTags().source,
    });
    assert.ok(report.trivyProblem);
    assert.deepEqual(report.places, []);
    assert.deepEqual(report.advice, []);
  });
});
