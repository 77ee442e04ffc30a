import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, applyEdits, fixesFor, type FileKind } from '../../../src/core/index.js';
import { slicedCharacters } from '../../support/counting.js';

function fixed(text: string, kind: FileKind, pick: (rule: string, reason?: string) => boolean, title: RegExp): string {
  const finding = analyze(text, kind).findings.find((f) => pick(f.rule, f.reason));
  assert.ok(finding, 'the finding to fix exists');
  const fix = fixesFor(text, kind, finding).find((f) => title.test(f.title));
  assert.ok(fix, `a fix titled ${title}`);
  return applyEdits(text, fix.edits);
}

const implicitRoot = (rule: string, reason?: string) => rule === 'root-user' && reason === 'implicit';

describe('suppress on this line', () => {
  test("Dockerfile: a comment above, at the line's indentation, silences the finding", () => {
    const text = 'FROM alpine:3.20 AS build\nFROM node:latest\nUSER 1\n';
    const after = fixed(text, 'dockerfile', (r) => r === 'unpinned-image' && true, /Ignore unpinned-image/);
    assert.equal(after, '# shipshape-ignore unpinned-image\nFROM alpine:3.20 AS build\nFROM node:latest\nUSER 1\n');
    assert.equal(analyze(after, 'dockerfile').findings.filter((f) => f.rule === 'unpinned-image').length, 1);
  });

  test("YAML: the comment takes the indentation of the finding's line", () => {
    const text =
      'apiVersion: v1\nkind: Pod\nspec:\n  securityContext: {runAsUser: 1}\n  containers:\n    - name: a\n      image: nginx:latest\n';
    const after = fixed(text, 'yaml', (r) => r === 'unpinned-image', /Ignore/);
    assert.equal(after, text.replace('      image: nginx:latest', '      # shipshape-ignore unpinned-image\n      image: nginx:latest'));
    assert.deepEqual(analyze(after, 'yaml').findings, []);
  });

  test('a second rule joins a directive already on the line above', () => {
    const text = '# shipshape-ignore unpinned-image\nFROM node\n';
    const after = fixed(text, 'dockerfile', (r) => r === 'root-user', /Ignore root-user/);
    assert.equal(after, '# shipshape-ignore unpinned-image,root-user\nFROM node\n');
    assert.deepEqual(analyze(after, 'dockerfile').findings, []);
  });

  test('CRLF files get CRLF lines', () => {
    const text = 'FROM node:latest\r\nUSER 1\r\n';
    const after = fixed(text, 'dockerfile', (r) => r === 'unpinned-image', /Ignore/);
    assert.equal(after, '# shipshape-ignore unpinned-image\r\nFROM node:latest\r\nUSER 1\r\n');
  });
});

describe('set runAsNonRoot: true', () => {
  const wrap = (containers: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      containers:\n${containers}`;

  test("adds a securityContext block before the second key, at the keys' indentation", () => {
    const text = wrap(
      '        - name: web # the web server\n          image: nginx@sha256:' +
        'a'.repeat(64) +
        '\n          ports: [{containerPort: 80}]\n',
    );
    const after = fixed(text, 'yaml', implicitRoot, /runAsNonRoot/);
    assert.equal(
      after,
      wrap(
        '        - name: web # the web server\n          securityContext:\n            runAsNonRoot: true\n          image: nginx@sha256:' +
          'a'.repeat(64) +
          '\n          ports: [{containerPort: 80}]\n',
      ),
    );
    assert.deepEqual(analyze(after, 'yaml').findings, []);
  });

  test('adds the key to an existing block securityContext after its keys, keeping them and their comments', () => {
    const text = wrap(
      '        - name: web\n          image: nginx:1.27 # shipshape-ignore unpinned-image\n          securityContext:\n            # keep this ' +
        'comment\n            readOnlyRootFilesystem: true\n',
    );
    const after = fixed(text, 'yaml', implicitRoot, /runAsNonRoot/);
    assert.equal(
      after,
      wrap(
        '        - name: web\n          image: nginx:1.27 # shipshape-ignore unpinned-image\n          securityContext:\n            # keep this ' +
          'comment\n            readOnlyRootFilesystem: true\n            runAsNonRoot: true\n',
      ),
    );
    assert.deepEqual(analyze(after, 'yaml').findings, []);
  });

  test('turns runAsNonRoot: false into true', () => {
    const text = wrap(
      '        - name: web\n          image: nginx:1.27 # shipshape-ignore\n          securityContext:\n            runAsNonRoot: false\n',
    );
    const after = fixed(text, 'yaml', implicitRoot, /runAsNonRoot/);
    assert.equal(after, text.replace('runAsNonRoot: false', 'runAsNonRoot: true'));
  });

  test('flow-style containers and securityContexts stay flow style', () => {
    const text = wrap('        - {name: web, image: "nginx:1.27"}  # shipshape-ignore unpinned-image\n');
    const after = fixed(text, 'yaml', implicitRoot, /runAsNonRoot/);
    assert.equal(
      after,
      wrap('        - {name: web, image: "nginx:1.27", securityContext: {runAsNonRoot: true}}  # shipshape-ignore unpinned-image\n'),
    );
    const context = wrap(
      '        - name: web\n          image: nginx:1.27 # shipshape-ignore\n          securityContext: {readOnlyRootFilesystem: true}\n',
    );
    assert.equal(
      fixed(context, 'yaml', implicitRoot, /runAsNonRoot/),
      context.replace('{readOnlyRootFilesystem: true}', '{readOnlyRootFilesystem: true, runAsNonRoot: true}'),
    );
  });

  test('an empty securityContext gets a value', () => {
    const text = wrap('        - name: web\n          image: nginx:1.27 # shipshape-ignore\n          securityContext:\n');
    const after = fixed(text, 'yaml', implicitRoot, /runAsNonRoot/);
    assert.equal(after, text.replace('securityContext:', 'securityContext: {runAsNonRoot: true}'));
    assert.deepEqual(analyze(after, 'yaml').findings, []);
  });

  test("a container with one key gets the block after it; only the finding's container changes", () => {
    const text = wrap(
      '        - image: a:1 # shipshape-ignore unpinned-image\n        - name: b\n          image: b:1 # shipshape-ignore\n          ' +
        'securityContext:\n            runAsUser: 1000\n',
    );
    const after = fixed(text, 'yaml', implicitRoot, /runAsNonRoot/);
    assert.equal(
      after,
      wrap(
        '        - image: a:1 # shipshape-ignore unpinned-image\n          securityContext:\n            runAsNonRoot: true\n        - name: b\n    ' +
          '      image: b:1 # shipshape-ignore\n          securityContext:\n            runAsUser: 1000\n',
      ),
    );
  });

  test('in a multi-document file the edit lands in the right document', () => {
    const doc = (name: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n  containers:\n    - name: ${name}\n      image: x:1 # shipshape-ignore unpinned-image\n`;
    const text = `${doc('one')}---\n${doc('two')}`;
    const second = analyze(text, 'yaml').findings.filter((f) => implicitRoot(f.rule, f.reason))[1]!;
    const fix = fixesFor(text, 'yaml', second).find((f) => /runAsNonRoot/.test(f.title))!;
    const after = applyEdits(text, fix.edits);
    assert.equal(
      after,
      `${doc('one')}---\n${doc('two').replace('    - name: two\n', '    - name: two\n      securityContext:\n        runAsNonRoot: true\n')}`,
    );
  });

  test('explicit root (runAsUser: 0) gets no runAsNonRoot fix, only the suppression', () => {
    const text = wrap('        - name: web\n          image: nginx:1.27 # shipshape-ignore\n          securityContext: {runAsUser: 0}\n');
    const finding = analyze(text, 'yaml').findings[0]!;
    assert.deepEqual(
      fixesFor(text, 'yaml', finding).map((f) => f.title),
      ['Ignore root-user on this line'],
    );
  });
});

describe('applying edits', () => {
  const at = (line: number, character: number) => ({ line, character });

  test('edits in any order; insertions at one place land in reverse order, as when applied one by one', () => {
    const text = 'ab\ncd\n';
    const edits = [
      { range: { start: at(1, 0), end: at(1, 1) }, newText: 'C' },
      { range: { start: at(0, 1), end: at(0, 1) }, newText: '1' },
      { range: { start: at(0, 1), end: at(0, 1) }, newText: '2' },
      { range: { start: at(0, 0), end: at(0, 0) }, newText: '>' },
      { range: { start: at(1, 2), end: at(2, 0) }, newText: '' },
    ];
    assert.equal(applyEdits(text, edits), '>a21b\nCd');
    assert.equal(applyEdits(text, []), text);
  });

  test('thousands of pin edits on a large manifest, in one pass', () => {
    const doc = 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n';
    const text = Array(3000).fill(doc).join('---\n');
    const lines = text.split('\n');
    const edits = lines.flatMap((line, i) =>
      line.endsWith('nginx:1.27') ? [{ range: { start: at(i, line.length), end: at(i, line.length) }, newText: '@sha256:x' }] : [],
    );
    assert.equal(edits.length, 3000);
    const { result: after, characters } = slicedCharacters(() => applyEdits(text, edits));
    // Splicing the edits in one at a time copied the whole text each time: 3000 x 0.3 MB. One pass copies it once.
    assert.ok(characters <= 2 * text.length, `${characters} characters copied for a text of ${text.length}`);
    assert.equal(after, text.replaceAll('nginx:1.27', 'nginx:1.27@sha256:x'));
  });
});

test('runAsNonRoot: true is offered in a document with a duplicate key too', () => {
  const text =
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\nspec:\n  containers:\n    - name: web\n      image: nginx@sha256:' +
    'a'.repeat(64) +
    '\n';
  const result = analyze(text, 'yaml');
  const finding = result.findings.find((f) => f.rule === 'root-user')!;
  const [fix] = fixesFor(text, 'yaml', finding);
  assert.equal(fix!.title, 'Set securityContext.runAsNonRoot: true on this container');
  assert.match(applyEdits(text, fix!.edits), /- name: web\n {6}securityContext:\n {8}runAsNonRoot: true\n/);
});
