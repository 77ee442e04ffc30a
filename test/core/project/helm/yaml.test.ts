import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { FALLBACK, readBlockYaml } from '../../../../src/core/project/helm/blockYaml.js';
import { fullYaml, toJson, toYaml } from '../../../../src/core/project/helm/yaml.js';
import type { GoMap } from '../../../../src/core/project/helm/value.js';

test('toYaml and toJson sort keys by their UTF-8 bytes, as Go does (U+FF01 before an emoji, upper case before lower)', () => {
  const map: GoMap = new Map([
    ['😀', '1'],
    ['\uFF01', '2'],
    ['b', '3'],
    ['B', '4'],
    ['ab', '5'],
    ['a', '6'],
    ['é', '7'],
  ]);
  assert.equal(toYaml(map).value, ['B: "4"', 'a: "6"', 'ab: "5"', 'b: "3"', 'é: "7"', '！: "2"', '😀: "1"'].join('\n'));
  assert.deepEqual(Object.keys(JSON.parse(toJson(map).value) as object), ['B', 'a', 'ab', 'b', 'é', '！', '😀']);
});

const CORPUS = path.resolve(__dirname, '../../../corpus');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(file);
    // The large CRD file has a test of its own.
    const small = statSync(file).size < 200_000;
    return /\.ya?ml$/.test(entry.name) && small && !file.includes(`${path.sep}templates${path.sep}`) ? [file] : [];
  });
}

/** The documents of a file, cut as istio's chart cuts its CRDs (`splitList "\n---\n"`). */
function documentsOf(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n---\n');
}

test('the quick block reader reads every YAML document of the corpus as the full parser does (or leaves it to it)', () => {
  let read = 0;
  let documents = 0;
  for (const file of yamlFiles(CORPUS)) {
    for (const text of documentsOf(file)) {
      documents++;
      const quick = readBlockYaml(text);
      if (quick === FALLBACK) continue;
      read++;
      let full: unknown;
      try {
        full = fullYaml(text);
      } catch (error) {
        assert.fail(`${path.relative(CORPUS, file)}: the quick reader read a document the full parser refuses (${String(error)})`);
      }
      assert.deepEqual(quick, full, path.relative(CORPUS, file));
    }
  }
  // Most documents are plain block YAML: the quick path is the one taken.
  assert.ok(read > documents / 2, `${read} of ${documents} documents read quickly`);
});

test("the quick block reader reads istio's CRDs whole (the text that made fromYaml slow)", () => {
  const crds = documentsOf(path.join(CORPUS, 'charts/istio/base/files/crd-all.gen.yaml'));
  for (const text of crds) assert.deepEqual(readBlockYaml(text), fullYaml(text));
});

test('the quick block reader agrees with the full parser on folding, chomping, quoting and YAML 1.1 words, or leaves them to it', () => {
  const cases = [
    "a: 'one\n  two\n\n  three'\nb: x",
    'a: "one\n   two  "\n',
    "a: 'it''s'\n",
    'a: plain\n  continued\n\n  again\nb: 1',
    'a: |\n  one\n   two\n\n\nb: 2',
    'a: |-\n  one\n\n  two\n\n',
    'a: |\n  # not a comment\nb: c # a comment',
    'a:\n- x\n- k: 1\n  z: w\nq: ~',
    'a:\n  - - 1\n    - 2\n  -\n    k: v\n',
    'y: 1',
    'a: yes',
    'a: on',
    'a: 010',
    'a: 1.5',
    'a: -0',
    'a: 2024-01-02',
    'a: &x 1\nb: *x',
    'a: !!str 1',
    'a: [1, 2]',
    'a: >\n  folded\n  text\n',
    'a: 1\na: 2',
    'a:\n  b: 1\n c: 2',
    '- a\n- b: c\n  d: e\n- - f',
    '"q": 1\n\'r\': 2',
    'a: b: c',
    'a:b',
    '',
    '# only a comment\n',
    'a: "x\\ny"',
    '__proto__: 1',
    'a: 12345678901234567890',
  ];
  for (const text of cases) {
    const quick = readBlockYaml(text);
    if (quick === FALLBACK) continue;
    assert.deepEqual(quick, fullYaml(text), JSON.stringify(text));
  }
  // These are read quickly (not all left to the full parser).
  for (const text of cases.slice(0, 9)) assert.notEqual(readBlockYaml(text), FALLBACK, JSON.stringify(text));
});
