// `shipshape.exclude`'s glob patterns, matched against absolute paths as VS Code matches a
// document filter's pattern, in time that stays small whatever a workspace's settings hold.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { excludeMatcher } from '../../../src/core/workspace/exclude.js';

describe('exclude patterns', () => {
  test('`**/vendor/**` excludes every file below any vendor folder, and nothing else', () => {
    const excluded = excludeMatcher(['**/vendor/**']);
    assert.equal(excluded('/work/app/vendor/k8s/deploy.yaml'), true);
    assert.equal(excluded('/vendor/Dockerfile'), true);
    assert.equal(excluded('/work/app/vendors/Dockerfile'), false);
    assert.equal(excluded('/work/app/Dockerfile'), false);
  });

  test('a pattern written relative to the workspace folder (`vendor/**`) matches below that folder only', () => {
    const excluded = excludeMatcher(['vendor/**', 'deploy/*.yaml'], ['/work/app/']);
    assert.equal(excluded('/work/app/vendor/k8s/deploy.yaml'), true);
    assert.equal(excluded('/work/app/deploy/pod.yaml'), true);
    assert.equal(excluded('/work/app/deploy/deep/pod.yaml'), false);
    assert.equal(excluded('/work/app/src/vendor/Dockerfile'), false);
    assert.equal(excluded('/work/other/vendor/Dockerfile'), false);
    // Without the folder, the same pattern is matched against the absolute path only.
    assert.equal(excludeMatcher(['vendor/**'])('/work/app/vendor/Dockerfile'), false);
  });

  test('`*` and `?` stay within one folder name; `**` spans folders, or none', () => {
    const excluded = excludeMatcher(['**/test/*.yaml', '**/Dockerfile.?']);
    assert.equal(excluded('/a/test/pod.yaml'), true);
    assert.equal(excluded('/a/test/deep/pod.yaml'), false);
    assert.equal(excluded('/a/Dockerfile.x'), true);
    assert.equal(excluded('/a/Dockerfile.xy'), false);
    assert.equal(excludeMatcher(['/a/**/pod.yaml'])('/a/pod.yaml'), true);
  });

  test('braces give alternatives, brackets a set of characters (negated with !)', () => {
    const excluded = excludeMatcher(['**/{charts,examples}/**/*.{yml,yaml}', '**/v[0-9]/*', '**/[!a-c]x.yaml']);
    assert.equal(excluded('/r/charts/x/templates/a.yaml'), true);
    assert.equal(excluded('/r/examples/a.yml'), true);
    assert.equal(excluded('/r/other/a.yaml'), false);
    assert.equal(excluded('/r/v1/Dockerfile'), true);
    assert.equal(excluded('/r/vx/Dockerfile'), false);
    assert.equal(excluded('/r/dx.yaml'), true);
    assert.equal(excluded('/r/bx.yaml'), false);
  });

  test('Windows separators are read as /; no pattern excludes nothing', () => {
    assert.equal(excludeMatcher(['**/vendor/**'])('C:\\work\\vendor\\Dockerfile'), true);
    assert.equal(excludeMatcher([])('/a/Dockerfile'), false);
  });

  test('a pattern written to backtrack answers at once', () => {
    // As a regular expression, each star of `*a*a*…*b` against a long run of `a` multiplies the work.
    const pattern = `**/${'*a'.repeat(30)}b/**`;
    const segment = 'a'.repeat(200);
    const excluded = excludeMatcher([pattern, `${'**/'.repeat(30)}x`]);
    assert.equal(excluded(`/${`${segment}/`.repeat(20)}c`), false);
    assert.equal(excluded(`/${'d/'.repeat(200)}y`), false);
  });

  test('braces that would expand to thousands of patterns exclude nothing, rather than take the time', () => {
    assert.equal(excludeMatcher(['**/{a,b}{a,b}'])('/x/ab'), true);
    assert.equal(excludeMatcher([`**/${'{a,b}'.repeat(12)}`])('/x/aaaaaaaaaaaa'), false);
  });
});
