// The image inventory: each image once with every place that writes it, and its four formats.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, type FileKind } from '../../../src/core/index.js';
import { inventoryCsv, inventoryCycloneDx, inventoryJson, inventoryOf, inventoryText } from '../../../src/core/output/inventory.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

function report(files: Record<string, [string, FileKind]>) {
  return {
    files: Object.entries(files).map(([file, [text, kind]]) => ({ file, kind, result: analyze(text, kind, { fileName: file }) })),
  };
}

const sample = () =>
  report({
    Dockerfile: ['FROM node:22 AS build\nFROM build\nFROM scratch\n', 'dockerfile'],
    '.gitlab-ci.yml': [
      'test:\n  image: node:22\n  services: ["postgres:16@' +
        DIGEST +
        '"]\n  script: [x]\nb:\n  image: $CI_REGISTRY_IMAGE\n  script: [x]\n',
      'yaml',
    ],
    'compose.yaml': ['services:\n  api: {build: ., image: me/api}\n  db: {image: "postgres:16@' + DIGEST + '"}\n', 'yaml'],
  });

describe('the inventory', () => {
  test('one entry per image, every place that writes it; stages, scratch and built Compose images left out', () => {
    const images = inventoryOf(sample());
    assert.deepEqual(
      images.map((i) => [i.reference, i.status, i.pinned, i.places.map((p) => `${p.file}:${p.line}:${p.column} ${p.source}`)]),
      [
        ['docker.io/library/node:22', 'image', false, ['Dockerfile:1:6 dockerfile', '.gitlab-ci.yml:2:10 ci:gitlab-ci']],
        [`docker.io/library/postgres:16@${DIGEST}`, 'image', true, ['.gitlab-ci.yml:3:15 ci:gitlab-ci', 'compose.yaml:3:16 compose']],
        ['$CI_REGISTRY_IMAGE', 'unresolved', false, ['.gitlab-ci.yml:6:10 ci:gitlab-ci']],
      ],
    );
    assert.equal(images[1]!.digest, DIGEST);
  });

  test('text, JSON and CSV carry the same entries', () => {
    const images = inventoryOf(sample());
    const text = inventoryText(images);
    assert.match(text, /^docker\.io\/library\/node:22 \(not pinned\)\n {2}Dockerfile:1:6 {2}dockerfile\n/);
    assert.match(text, /\$CI_REGISTRY_IMAGE \(unresolved\)/);
    assert.match(text, /3 images in 5 places\.\n$/);
    assert.deepEqual(JSON.parse(inventoryJson(images)), { version: 1, images: JSON.parse(JSON.stringify(images)) });
    const rows = inventoryCsv(images).trimEnd().split('\r\n');
    assert.equal(rows[0], 'reference,status,pinned,digest,file,line,column,source,raw,gitops');
    assert.equal(rows.length, 6);
    assert.equal(rows[1], 'docker.io/library/node:22,image,false,,Dockerfile,1,6,dockerfile,node:22,');
  });

  test('CSV quotes what a spreadsheet would misread', () => {
    const rows = inventoryCsv([
      {
        reference: '=cmd',
        status: 'invalid',
        pinned: false,
        places: [{ file: 'a,b.yaml', line: 1, column: 1, source: 'compose', raw: 'x"y' }],
      },
    ]);
    assert.equal(rows.split('\r\n')[1], `"'=cmd",invalid,false,,"a,b.yaml",1,1,compose,"x""y",`);
  });

  test('CycloneDX 1.6: container components with reference, digest (hash and pkg:oci), and occurrences; unknown images left out', () => {
    const bom = JSON.parse(
      inventoryCycloneDx(inventoryOf(sample()), {
        serialNumber: '00000000-0000-4000-8000-000000000000',
        timestamp: '2026-01-01T00:00:00Z',
      }),
    );
    assert.equal(bom.bomFormat, 'CycloneDX');
    assert.equal(bom.specVersion, '1.6');
    assert.equal(bom.serialNumber, 'urn:uuid:00000000-0000-4000-8000-000000000000');
    assert.equal(bom.components.length, 2);
    const [node, postgres] = bom.components;
    assert.deepEqual(
      [node.type, node.name, node.version, node.hashes, node.purl],
      ['container', 'docker.io/library/node', '22', undefined, undefined],
    );
    assert.deepEqual(postgres.hashes, [{ alg: 'SHA-256', content: 'a'.repeat(64) }]);
    assert.equal(postgres.purl, `pkg:oci/postgres@sha256%3A${'a'.repeat(64)}?repository_url=docker.io/library/postgres&tag=16`);
    assert.deepEqual(postgres.evidence.occurrences, [
      { location: '.gitlab-ci.yml', line: 3, offset: 15, symbol: `postgres:16@${DIGEST}`, additionalContext: 'ci:gitlab-ci' },
      { location: 'compose.yaml', line: 3, offset: 16, symbol: `postgres:16@${DIGEST}`, additionalContext: 'compose' },
    ]);
    assert.ok(
      postgres.properties.some(
        (p: { name: string; value: string }) => p.name === 'shipshape:reference' && p.value === `docker.io/library/postgres:16@${DIGEST}`,
      ),
    );
  });
});
