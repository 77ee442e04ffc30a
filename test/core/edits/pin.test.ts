import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { analyze, applyEdits, pinEdits, pinnedText, tagReference, type FileKind } from '../../../src/core/index.js';
import { classifyImage } from '../../../src/core/analysis/classify.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const FILE = path.resolve('/virtual/pinned');

/** Pins every image of `text` to the digest `digests` gives for its tag reference. */
function pinAll(text: string, kind: FileKind, digests: Record<string, string>, options = {}): string {
  const images = analyze(text, kind, options).images;
  const { changes, refused } = pinEdits(images, (i) => digests[tagReference(i) ?? ''], { file: FILE, text });
  assert.deepEqual(refused, []);
  return applyEdits(
    text,
    changes.map((c) => c.edit),
  );
}

describe('what is asked of the registry', () => {
  test('the reference with its tag; untagged means latest; a digest is dropped; digest-only pins are left alone', () => {
    const images = analyze(
      `FROM nginx:1.27 AS a\nFROM redis AS b\nFROM nginx:1.27@${D1} AS c\nFROM nginx@${D1} AS d\nFROM scratch\n`,
      'dockerfile',
    ).images;
    assert.deepEqual(images.map(tagReference), ['nginx:1.27', 'redis:latest', 'nginx:1.27', undefined, undefined]);
  });

  test('stages, unresolved references and Compose images that are built are not asked for', () => {
    assert.deepEqual(analyze('FROM alpine:3 AS base\nFROM base\nFROM app:$V\n', 'dockerfile').images.map(tagReference), [
      'alpine:3',
      undefined,
      undefined,
    ]);
    const compose = analyze('services:\n  api:\n    build: .\n    image: me/api:dev\n  db:\n    image: postgres:17\n', 'yaml').images;
    assert.deepEqual(compose.map(tagReference), [undefined, 'postgres:17']);
  });
});

describe('pinned text', () => {
  test('keeps the tag, adds the digest; re-pinning replaces only the digest', () => {
    assert.equal(pinnedText('nginx:1.27', D1), `nginx:1.27@${D1}`);
    assert.equal(pinnedText(`nginx:1.27@${D1}`, D2), `nginx:1.27@${D2}`);
    assert.equal(pinnedText('redis', D1), `redis:latest@${D1}`);
    assert.equal(pinnedText('ghcr.io/a/b:${TAG:-1}', D1), `ghcr.io/a/b:\${TAG:-1}@${D1}`);
  });
});

describe('pinning files', () => {
  test('a Dockerfile keeps --platform, AS name, comments and everything else', () => {
    const text =
      '# syntax=docker/dockerfile:1\nFROM --platform=$BUILDPLATFORM golang:1.23 AS build\nRUN go build\n\nFROM ' +
      'gcr.io/distroless/static:nonroot\nCOPY --from=build /app /app\n';
    assert.equal(
      pinAll(text, 'dockerfile', { 'golang:1.23': D1, 'gcr.io/distroless/static:nonroot': D2 }),
      `# syntax=docker/dockerfile:1\nFROM --platform=$BUILDPLATFORM golang:1.23@${D1} AS build\nRUN go build\n\nFROM ` +
        `gcr.io/distroless/static:nonroot@${D2}\nCOPY --from=build /app /app\n`,
    );
  });

  test('FROM $BASE is pinned where the ARG default is written, once for every FROM using it', () => {
    const text = 'ARG BASE=node:22-alpine\nFROM ${BASE} AS a\nFROM $BASE\n';
    assert.equal(pinAll(text, 'dockerfile', { 'node:22-alpine': D1 }), `ARG BASE=node:22-alpine@${D1}\nFROM \${BASE} AS a\nFROM $BASE\n`);
  });

  test('a reference built from several ARGs gets the digest on the FROM itself', () => {
    const text = 'ARG V=22\nFROM node:${V}-alpine\n';
    assert.equal(pinAll(text, 'dockerfile', { 'node:22-alpine': D1 }), `ARG V=22\nFROM node:\${V}-alpine@${D1}\n`);
  });

  test('an ARG overridden by a build arg is not rewritten', () => {
    const text = 'ARG BASE=node:22\nFROM $BASE\n';
    assert.equal(pinAll(text, 'dockerfile', { 'node:20': D1 }, { buildArgs: { BASE: 'node:20' } }), `ARG BASE=node:22\nFROM $BASE@${D1}\n`);
  });

  test('Kubernetes YAML keeps quotes, comments, flow style and anchors', () => {
    const text = [
      'apiVersion: v1',
      'kind: Pod',
      'spec:',
      '  containers:',
      '    - name: a',
      '      image: "nginx:1.27" # the web server',
      "    - {name: b, image: 'redis:7'}",
      '    - name: c',
      '      image: &img busybox:1.36',
      '    - name: d',
      '      image: *img',
      '',
    ].join('\n');
    const expected = text
      .replace('"nginx:1.27"', `"nginx:1.27@${D1}"`)
      .replace("'redis:7'", `'redis:7@${D2}'`)
      .replace('&img busybox:1.36', `&img busybox:1.36@${D1}`);
    assert.equal(pinAll(text, 'yaml', { 'nginx:1.27': D1, 'redis:7': D2, 'busybox:1.36': D1 }), expected);
  });

  test('Compose images are pinned, interpolation kept', () => {
    const text = 'services:\n  db:\n    image: postgres:${PG:-17}\n';
    assert.equal(pinAll(text, 'yaml', { 'postgres:17': D1 }), `services:\n  db:\n    image: postgres:\${PG:-17}@${D1}\n`);
  });

  test('a pin whose tag moved is updated and says what it was; a current pin is untouched', () => {
    const text = `FROM nginx:1.27@${D1} AS a\nFROM redis:7@${D2}\n`;
    const images = analyze(text, 'dockerfile').images;
    const { changes } = pinEdits(images, (i) => ({ 'nginx:1.27': D2, 'redis:7': D2 })[tagReference(i)!], { file: FILE, text });
    assert.equal(changes.length, 1);
    assert.equal(changes[0]!.previous, D1);
    assert.equal(
      applyEdits(
        text,
        changes.map((c) => c.edit),
      ),
      `FROM nginx:1.27@${D2} AS a\nFROM redis:7@${D2}\n`,
    );
  });
});

describe('edits name their file and are proved', () => {
  const manifest = (image: string, more = '') =>
    `apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - name: a\n      image: ${image}\n${more}`;

  test('each change names the file and version it was computed on', () => {
    const text = manifest('nginx:1.27');
    const { changes } = pinEdits(analyze(text, 'yaml').images, () => D1, { file: FILE, text, version: 7 });
    assert.deepEqual(
      changes.map((c) => [c.file, c.version, c.edit.newText]),
      [[FILE, 7, `nginx:1.27@${D1}`]],
    );
  });

  test('an image analysed in another text is not pinned into this one: the read-back fails and says why', () => {
    const analysed = manifest('nginx:1.27');
    // The same file since edited: the image's line now holds a command.
    const now = analysed.replace('image: nginx:1.27', 'command: [sh, -c, run]');
    const { changes, refused } = pinEdits(analyze(analysed, 'yaml').images, () => D1, { file: FILE, text: now });
    assert.deepEqual(changes, []);
    assert.deepEqual(
      refused.map((r) => r.why),
      ['the edit would leave invalid YAML (Plain value cannot start with reserved character @)'],
    );
    // Another reference, longer, where the image was: the digest would land inside it.
    const longer = analysed.replace('nginx:1.27', 'redis:7.2.4-alpine');
    const inside = pinEdits(analyze(analysed, 'yaml').images, () => D1, { file: FILE, text: longer });
    assert.deepEqual(
      inside.refused.map((r) => r.why),
      [`the reference written reads as redis:7.2.@${D1}4-alpine`],
    );
    // Past the end of a shorter text: the place is not there.
    const short = pinEdits(analyze(analysed, 'yaml').images, () => D1, { file: FILE, text: 'a: 1\n' });
    assert.deepEqual(
      short.refused.map((r) => r.why),
      ['the place to write is not in the file as it is now (line 7)'],
    );
  });

  test('a pin that belongs in another file is refused here, naming that file', () => {
    const text = manifest('nginx:1.27');
    const [image] = analyze(text, 'yaml').images;
    const { refused } = pinEdits([image!], () => D1, { file: FILE, text }, path.resolve('/virtual/other.yaml'));
    assert.deepEqual(
      refused.map((r) => r.why),
      [`its digest is written in ${path.resolve('/virtual/other.yaml')}, not ${FILE}`],
    );
  });

  test('a digest: key added to an empty flow mapping, and one that would be a second digest: key is refused', () => {
    const text = 'image: {}\n';
    const written = analyze(manifest('nginx:1.27'), 'yaml').images[0]!;
    const image = {
      raw: written.raw,
      range: written.range,
      ...classifyImage(written.raw),
      source: 'helm' as const,
      helm: {
        chart: '/virtual',
        template: { file: '/virtual/t.yaml', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, raw: '' },
        pin: {
          kind: 'digest' as const,
          file: FILE,
          key: ['image'],
          mapping: { start: { line: 0, character: 7 }, end: { line: 0, character: 9 } },
        },
      },
    };
    const { changes } = pinEdits([image], () => D1, { file: FILE, text });
    assert.equal(
      applyEdits(
        text,
        changes.map((c) => c.edit),
      ),
      `image: {digest: ${D1}}\n`,
    );
    // The mapping's place is stale (a digest: written since, with a value): a second key would be a duplicate.
    const stale = `image: {digest: ${D2}}\n`;
    const again = pinEdits(
      [
        {
          ...image,
          helm: {
            ...image.helm,
            pin: { ...image.helm.pin, mapping: { start: { line: 0, character: 7 }, end: { line: 0, character: 9 + D2.length + 8 } } },
          },
        },
      ],
      () => D1,
      { file: FILE, text: stale },
    );
    assert.deepEqual(again.changes, []);
    assert.match(again.refused[0]!.why, /invalid YAML/);
  });
});
