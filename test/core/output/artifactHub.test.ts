// The artifacthub.io/images annotation: written where it belongs without touching the rest of Chart.yaml, read back, compared.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parse } from 'yaml';
import { annotatedImages, sameImages, withImagesAnnotation } from '../../../src/core/output/artifactHub.js';

const ENTRIES = [
  { name: 'app', image: 'ghcr.io/acme/app:1.2.3' },
  { name: 'sidecar', image: 'docker.io/library/busybox:1.36' },
];

describe('the artifacthub.io/images annotation', () => {
  test('added at the end, to an existing annotations mapping, or replacing the value; the rest kept', () => {
    const bare = 'apiVersion: v2\nname: demo # the chart\nversion: 1.0.0\n';
    const added = withImagesAnnotation(bare, ENTRIES);
    assert.ok(added.startsWith(bare));
    assert.deepEqual(annotatedImages(added), ENTRIES);
    const withAnnotations = 'apiVersion: v2\nannotations:\n  category: Web\nname: demo\n';
    const inserted = withImagesAnnotation(withAnnotations, ENTRIES);
    assert.deepEqual(parse(inserted).annotations.category, 'Web');
    assert.equal(parse(inserted).name, 'demo');
    assert.deepEqual(annotatedImages(inserted), ENTRIES);
    const old = 'annotations:\n  artifacthub.io/images: |\n    - name: old\n      image: old:1\n  category: Web\nname: demo\n';
    const replaced = withImagesAnnotation(old, ENTRIES);
    assert.deepEqual(annotatedImages(replaced), ENTRIES);
    assert.equal(parse(replaced).annotations.category, 'Web');
    assert.equal(replaced.split('\n').at(-2), 'name: demo');
  });

  test('compared in any order', () => {
    assert.ok(sameImages(ENTRIES, [...ENTRIES].reverse()));
    assert.ok(!sameImages(ENTRIES, ENTRIES.slice(1)));
  });
});
