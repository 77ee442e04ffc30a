// The core's data shapes say what their comments say, and the compiler holds them to it: an
// occurrence has what its status and source promise, a finding carries only its own rule's
// variants. The `@ts-expect-error` lines fail `npm run typecheck` when the types stop refusing
// them; the tests check that what the analysis makes of the corpus has the fields its types promise.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { RULES, scanPaths, type Finding, type ImageOccurrence, type Range } from '../../src/core/index.js';
import { parseReference } from '../../src/core/analysis/reference.js';

const TEST = path.resolve(__dirname, '..');
const UNITS = [
  'corpus/dockerfiles',
  'corpus/k8s',
  'corpus/realworld/argo-cd-kustomize-testdata',
  'corpus/realworld/awesome-compose',
  'corpus/realworld/podinfo',
  'fixtures/charts',
];
const RANGE: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } };

test('what an occurrence has follows from its status and source (the compiler refuses the rest)', () => {
  const parsed = parseReference('nginx:1.27');
  assert.ok(parsed.ok);
  const context = { kind: 'Pod', document: 0 };
  const image: ImageOccurrence = {
    source: 'kubernetes',
    raw: 'nginx:1.27',
    range: RANGE,
    status: 'image',
    resolved: 'nginx:1.27',
    reference: parsed.reference,
    pinned: false,
    kubernetes: context,
  };
  // @ts-expect-error a registry image has its parsed reference
  const noReference: ImageOccurrence = {
    source: 'kubernetes',
    raw: 'x',
    range: RANGE,
    status: 'image',
    resolved: 'x',
    pinned: false,
    kubernetes: context,
  };
  // @ts-expect-error an unresolved image says which variables had no value
  const noVariables: ImageOccurrence = {
    source: 'kubernetes',
    raw: '$X',
    range: RANGE,
    status: 'unresolved',
    pinned: false,
    kubernetes: context,
  };
  // @ts-expect-error an invalid image says why
  const noProblem: ImageOccurrence = {
    source: 'kubernetes',
    raw: 'A',
    range: RANGE,
    status: 'invalid',
    resolved: 'A',
    pinned: false,
    kubernetes: context,
  };
  // @ts-expect-error a Kubernetes image has its Kubernetes context, not a Compose one
  const wrongContext: ImageOccurrence = { ...image, compose: { service: 'web' } };
  // Narrowed by its status, a registry image's tag is read without an assertion.
  const tags = [image].map((i) => (i.status === 'image' ? i.reference.tag : undefined));
  assert.deepEqual(tags, ['1.27']);
  assert.deepEqual(
    [noReference, noVariables, noProblem, wrongContext].map((i) => i.status),
    ['image', 'unresolved', 'invalid', 'image'],
  );
});

test("a finding carries only its own rule's variants (the compiler refuses the others)", () => {
  const root: Finding = { rule: 'root-user', reason: 'implicit', severity: 'info', message: 'm', range: RANGE };
  // @ts-expect-error unpinned-image's variant on a root-user finding
  const crossed: Finding = { rule: 'root-user', reason: 'latest', severity: 'info', message: 'm', range: RANGE };
  // @ts-expect-error invalid-reference has no variants
  const invented: Finding = { rule: 'invalid-reference', reason: 'explicit', severity: 'error', message: 'm', range: RANGE };
  // @ts-expect-error unpinned-image always says which variant
  const unsaid: Finding = { rule: 'unpinned-image', severity: 'info', message: 'm', range: RANGE };
  assert.deepEqual(
    [root, crossed, invented, unsaid].map((f) => f.rule),
    ['root-user', 'root-user', 'invalid-reference', 'unpinned-image'],
  );
});

test('every image of the corpus has the fields of its status and source, and every finding a variant of its rule', async () => {
  const statuses = new Set<string>();
  const sources = new Set<string>();
  let findings = 0;
  for (const unit of UNITS) {
    const report = await scanPaths([path.join(TEST, unit)]);
    for (const { file, result } of report.files) {
      for (const image of result.images as readonly Record<string, unknown>[]) {
        const where = `${file}: ${String(image.raw)}`;
        const status = image.status as string;
        const source = image.source as string;
        statuses.add(status);
        sources.add(source);
        assert.equal(typeof image[source], 'object', `${where}: the ${source} context`);
        for (const other of ['dockerfile', 'kubernetes', 'compose', 'kustomize', 'helm'])
          if (other !== source) assert.equal(image[other], undefined, `${where}: no ${other} context`);
        if (status === 'image') assert.equal(typeof image.reference, 'object', `${where}: a reference`);
        else assert.equal(image.reference, undefined, `${where}: no reference`);
        if (['image', 'id', 'scratch', 'stage'].includes(status)) assert.equal(typeof image.resolved, 'string', `${where}: resolved`);
        assert.equal(Array.isArray(image.unresolvedVariables), status === 'unresolved', `${where}: unresolved variables`);
        assert.equal(typeof image.problem === 'string', status === 'invalid', `${where}: a problem`);
        if (status === 'id') assert.equal(image.pinned, true, `${where}: an id is pinned`);
      }
      for (const finding of result.findings) {
        findings++;
        const variants = Object.keys(RULES[finding.rule].severities);
        assert.ok(variants.includes(finding.reason ?? 'default'), `${file}: ${finding.rule} with ${String(finding.reason)}`);
      }
    }
  }
  // The corpus exercises the shapes it checks.
  for (const status of ['image', 'unresolved', 'stage', 'scratch']) assert.ok(statuses.has(status), status);
  for (const source of ['dockerfile', 'kubernetes', 'compose', 'kustomize', 'helm']) assert.ok(sources.has(source), source);
  assert.ok(findings > 100);
});
