// deprecated-registry: frozen and moved registries from the documented list, and the host rewrite.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, applyEdits, fixesFor, type FileKind } from '../../../src/core/index.js';
import { DEPRECATED_PLACES } from '../../../src/core/rules/deprecatedRegistries.js';

const deprecated = (text: string, kind: FileKind = 'dockerfile', options = {}) =>
  analyze(text, kind, options).findings.filter((f) => f.rule === 'deprecated-registry');

function rewritten(text: string, kind: FileKind): string | undefined {
  const [finding] = deprecated(text, kind);
  assert.ok(finding, 'a deprecated-registry finding');
  const fix = fixesFor(text, kind, finding).find((f) => /^Use registry\.k8s\.io/.test(f.title));
  return fix && applyEdits(text, fix.edits);
}

test('k8s.gcr.io is frozen: a warning that names the date, the source and the same image on registry.k8s.io', () => {
  const [finding] = deprecated('FROM k8s.gcr.io/pause:3.9\nUSER 1\n');
  assert.equal(finding!.reason, 'frozen');
  assert.equal(finding!.severity, 'warning');
  assert.match(finding!.message, /frozen since 3 April 2023/);
  assert.match(finding!.message, /use `registry\.k8s\.io\/pause:3\.9`/);
  assert.match(finding!.message, /kubernetes\.io\/blog\/2023\/02\/06\/k8s-gcr-io-freeze-announcement/);
});

test('the quick fix rewrites the host and keeps tag and digest; re-analysis is clean of the rule', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  const text = `apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: a\n      image: "k8s.gcr.io/ingress-nginx/controller:v1.8.0@${digest}"\n`;
  const after = rewritten(text, 'yaml')!;
  assert.equal(after, text.replace('k8s.gcr.io/', 'registry.k8s.io/'));
  assert.deepEqual(deprecated(after, 'yaml'), []);
});

test('gcr.io/google-containers and its underscore spelling move to registry.k8s.io without the repository prefix', () => {
  assert.equal(rewritten('FROM gcr.io/google-containers/pause:3.2\n', 'dockerfile'), 'FROM registry.k8s.io/pause:3.2\n');
  assert.equal(rewritten('FROM eu.gcr.io/google_containers/busybox\n', 'dockerfile'), 'FROM registry.k8s.io/busybox\n');
  // Other gcr.io repositories are served by Artifact Registry and are not frozen.
  assert.deepEqual(deprecated('FROM gcr.io/distroless/static:nonroot\n'), []);
});

test('the Bitnami catalogue change is a warning with no rewrite', () => {
  const text = 'services:\n  db:\n    image: bitnami/postgresql:15.4.0\n';
  const [finding] = deprecated(text, 'yaml');
  assert.equal(finding!.reason, 'changed');
  assert.equal(finding!.severity, 'warning');
  assert.match(finding!.message, /bitnamilegacy/);
  assert.match(finding!.message, /github\.com\/bitnami\/containers\/issues\/83267/);
  assert.deepEqual(
    fixesFor(text, 'yaml', finding!).map((f) => f.title),
    ['Ignore deprecated-registry on this line'],
  );
  assert.equal(deprecated('FROM docker.io/bitnamilegacy/redis:7.2\n')[0]!.reason, 'frozen');
  // A repository whose name merely starts with "bitnami" is someone else's.
  assert.deepEqual(deprecated('FROM bitnamisecure/nginx:latest\n'), []);
});

test('a host that comes from a variable is reported on the resolved image, but not rewritten where it is not written', () => {
  const text = 'ARG REGISTRY=k8s.gcr.io\nFROM $REGISTRY/pause:3.9\n';
  const [finding] = deprecated(text);
  assert.ok(finding);
  assert.equal(rewritten(text, 'dockerfile'), undefined);
});

test('the rule can be switched off and its severities changed per variant', () => {
  assert.deepEqual(deprecated('FROM k8s.gcr.io/pause:3.9\n', 'dockerfile', { rules: { 'deprecated-registry': { enabled: false } } }), []);
  const [finding] = deprecated('FROM k8s.gcr.io/pause:3.9\n', 'dockerfile', {
    rules: { 'deprecated-registry': { severity: { frozen: 'error' } } },
  });
  assert.equal(finding!.severity, 'error');
});

test('every entry of the list has a date and a source', () => {
  for (const place of DEPRECATED_PLACES) {
    assert.match(place.since, /^\d{4}-\d{2}-\d{2}$/);
    assert.match(place.source, /^https:\/\//);
  }
});
