// Every pinnable image of the corpus (Dockerfiles, manifests, Compose, kustomizations, charts with
// subcharts and a parent's overrides), pinned to a made-up digest: each edit names the file it is
// for, the file still parses, the scan again shows the image pinned to that digest and every other
// image as it was, and nothing outside the edited ranges changed. Pure core: no registry.

import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { applyEdits, pinEdits, pinTarget, scanPaths, tagReference, type ImageOccurrence, type PinChange } from '../../../src/core/index.js';
import { splitDocuments } from '../../../src/core/analysis/yaml/parse.js';
import { LineIndex } from '../../../src/core/util/lines.js';

const TEST = path.resolve(__dirname, '..', '..');
/** Each folder is scanned as a whole (kustomizations and charts read the files around them). */
const UNITS = [
  'corpus/dockerfiles',
  'corpus/k8s',
  'corpus/realworld/argo-cd-kustomize-testdata',
  'corpus/realworld/awesome-compose',
  'corpus/realworld/custom-resources',
  'corpus/realworld/microservices-demo',
  'corpus/realworld/podinfo',
  'fixtures/charts',
];

let copy: string;
/** How many images of each source were pinned and proved, over every unit. */
const pinnedBySource = new Map<string, number>();

before(async () => {
  copy = await fs.mkdtemp(path.join(os.tmpdir(), 'shipshape-pin-property-'));
  for (const unit of UNITS) await fs.cp(path.join(TEST, unit), path.join(copy, unit), { recursive: true });
});

after(async () => {
  await fs.rm(copy, { recursive: true, force: true });
});

/** A digest of its own for each tag reference, so that an image pinned to another's shows. */
function fakeDigest(reference: string): string {
  return `sha256:${createHash('sha256').update(reference).digest('hex')}`;
}

/** What stays the same of an image when it is pinned: where it comes from and its repository. */
function identity(file: string, image: ImageOccurrence): string {
  const name = image.reference?.name ?? image.raw;
  if (image.helm) return `helm|${image.helm.template.file}|${image.helm.template.range.start.line}|${image.helm.workload?.name}|${name}`;
  if (image.kustomize) {
    const { kustomization, origin, workload } = image.kustomize;
    return `kustomize|${kustomization}|${origin.file}|${origin.range.start.line}|${workload.name}|${name}`;
  }
  return `${image.source}|${path.resolve(file)}|${image.range.start.line}|${image.range.start.character}|${name}`;
}

/** Whether an edited YAML stream parses as well as it did: each document it changed, with no new error. */
function parsesAsBefore(text: string, edited: string): boolean {
  const errors = (chunk: string) => parseAllDocuments(chunk).reduce((sum, doc) => sum + (Array.isArray(doc) ? 0 : doc.errors.length), 0);
  const was = splitDocuments(text);
  const now = splitDocuments(edited);
  return now.length === was.length && now.every((chunk, i) => chunk.text === was[i]!.text || errors(chunk.text) <= errors(was[i]!.text));
}

/** The text outside the edits, in order: an edited text must keep it exactly. */
function untouched(text: string, changes: readonly PinChange[]): string[] {
  const lines = new LineIndex(text);
  const spans = changes
    .map((c) => [lines.offsetAt(c.edit.range.start), lines.offsetAt(c.edit.range.end)] as const)
    .sort((a, b) => a[0] - b[0]);
  const parts: string[] = [];
  let at = 0;
  for (const [start, end] of spans) {
    assert.ok(start >= at, 'edits do not overlap');
    parts.push(text.slice(at, start));
    at = end;
  }
  parts.push(text.slice(at));
  return parts;
}

for (const unit of UNITS) {
  test(`every pinnable image of ${unit}: pinned, proved, re-analysed`, async () => {
    const root = path.join(copy, unit);
    const report = await scanPaths([root]);
    assert.deepEqual(report.ioErrors, []);
    const wanted = new Map<ImageOccurrence, string>();
    const byTarget = new Map<string, ImageOccurrence[]>();
    const before = new Map<string, string | null>();
    for (const { file, result } of report.files) {
      for (const image of result.images) {
        before.set(identity(file, image), image.reference?.normalized ?? null);
        const reference = tagReference(image);
        if (reference === undefined) continue;
        wanted.set(image, file);
        const target = pinTarget(image, path.resolve(file));
        byTarget.set(target, [...(byTarget.get(target) ?? []), image]);
      }
    }
    assert.ok(wanted.size > 0, `${unit} has images to pin`);
    const digestOf = (image: ImageOccurrence) => fakeDigest(tagReference(image)!);
    const expected = new Map<string, string>();
    const originals = new Map<string, string>();
    for (const [file, images] of byTarget) {
      const text = await fs.readFile(file, 'utf8');
      originals.set(file, text);
      const { changes, refused } = pinEdits(images, digestOf, { file, text, version: 1 });
      // Only what a chart cannot pin is refused on these files (the proof refuses none of them).
      for (const { image, why } of refused)
        assert.equal(image.helm?.pin.kind, 'none', `${path.relative(copy, file)}: ${image.resolved} refused: ${why}`);
      for (const change of changes) {
        assert.equal(change.file, file);
        assert.equal(change.version, 1);
      }
      const edited = applyEdits(
        text,
        changes.map((c) => c.edit),
      );
      assert.deepEqual(
        untouched(edited, changesIn(edited, text, changes)),
        untouched(text, changes),
        `${file}: nothing outside the edits changes`,
      );
      if (path.basename(file).endsWith('Dockerfile')) assert.ok(edited.split('\n').length === text.split('\n').length);
      else assert.ok(parsesAsBefore(text, edited), `${path.relative(copy, file)} still parses`);
      await fs.writeFile(file, edited);
      for (const image of images) {
        if (refused.some((r) => r.image === image)) continue;
        expected.set(identity(wanted.get(image)!, image), digestOf(image));
      }
    }
    try {
      const again = await scanPaths([root]);
      const after = new Map<string, ImageOccurrence>();
      for (const { file, result } of again.files) for (const image of result.images) after.set(identity(file, image), image);
      assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), 'the same images, from the same places');
      for (const [key, reference] of before) {
        const image = after.get(key)!;
        const digest = expected.get(key);
        if (digest === undefined) {
          assert.equal(image.reference?.normalized ?? null, reference, `${key} is as it was`);
          continue;
        }
        assert.equal(image.reference?.digest, digest, `${key} is pinned to its digest (${image.resolved})`);
        assert.equal(image.pinned, true);
        pinnedBySource.set(image.source, (pinnedBySource.get(image.source) ?? 0) + 1);
      }
    } finally {
      for (const [file, text] of originals) await fs.writeFile(file, text);
    }
  });
}

test('the corpus pins images of every source', () => {
  assert.deepEqual([...pinnedBySource.keys()].sort(), ['compose', 'dockerfile', 'helm', 'kubernetes', 'kustomize']);
});

/** The changes' ranges in the edited text (where each new text now lies), to compare what is between them. */
function changesIn(edited: string, text: string, changes: readonly PinChange[]): PinChange[] {
  const lines = new LineIndex(text);
  const editedLines = new LineIndex(edited);
  const spans = changes
    .map((c) => ({ c, start: lines.offsetAt(c.edit.range.start), end: lines.offsetAt(c.edit.range.end) }))
    .sort((a, b) => a.start - b.start);
  let shift = 0;
  return spans.map(({ c, start, end }) => {
    const from = start + shift;
    shift += c.edit.newText.length - (end - start);
    return { ...c, edit: { range: editedLines.rangeAt(from, from + c.edit.newText.length), newText: c.edit.newText } };
  });
}
