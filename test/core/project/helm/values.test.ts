import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mapSources, Missing, Sourced, Text, type GoMap, type Value } from '../../../../src/core/project/helm/value.js';
import { readChartFile, readValues, subchartValues } from '../../../../src/core/project/helm/values.js';

const FILE = '/chart/values.yaml';

function get(map: Value, ...keys: string[]): Value {
  let value = map;
  for (const key of keys) value = (value as GoMap).get(key);
  return value;
}

test('scalars keep where they are written: range and text without quotes, and their key', () => {
  const { values, errors } = readValues('image:\n  repository: "ghcr.io/x/y"  # c\n  tag: 1.2.3\n', FILE);
  assert.deepEqual(errors, []);
  const repository = get(values, 'image', 'repository') as Text;
  assert.equal(repository.value, 'ghcr.io/x/y');
  assert.deepEqual(repository.pieces[0]!.source, {
    file: FILE,
    key: ['image', 'repository'],
    range: { start: { line: 1, character: 15 }, end: { line: 1, character: 26 } },
    raw: 'ghcr.io/x/y',
    from: 'values',
  });
  const tag = get(values, 'image', 'tag') as Text;
  assert.deepEqual(tag.pieces[0]!.source!.range, { start: { line: 2, character: 7 }, end: { line: 2, character: 12 } });
});

test('mappings keep their place, from the first key to the end of the last value', () => {
  const { values } = readValues('image:\n  repository: nginx\n  tag: "1"\n\nother: 1\n', FILE);
  assert.deepEqual(mapSources.get(get(values, 'image') as GoMap), {
    file: FILE,
    key: ['image'],
    range: { start: { line: 1, character: 2 }, end: { line: 2, character: 10 } },
  });
});

test('plain scalars are read as go-yaml v2 and JSON read them: YAML 1.1 booleans, octal, float64', () => {
  const { values } = readValues('a: 1.10\nb: 010\nc: yes\nd: Off\ne: 1_000\nf: 2024-01-02\ng: "yes"\nh: ~\ni:\nj: .inf\n', FILE);
  const plain = (key: string): unknown => {
    const v = get(values, key);
    return v instanceof Sourced ? v.value : v instanceof Text ? v.value : v instanceof Missing ? null : v;
  };
  assert.deepEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].map(plain), [
    1.1,
    8,
    true,
    false,
    1000,
    '2024-01-02T00:00:00Z',
    'yes',
    null,
    null,
    Number.POSITIVE_INFINITY,
  ]);
  // A null keeps its place: it is where a value would be written.
  assert.deepEqual((get(values, 'h') as Missing).source?.range, { start: { line: 7, character: 3 }, end: { line: 7, character: 4 } });
});

test('merge keys and aliases are followed', () => {
  const { values } = readValues('base: &base\n  registry: docker.io\n  tag: "1"\nimage:\n  <<: *base\n  tag: "2"\n', FILE);
  assert.equal((get(values, 'image', 'registry') as Text).value, 'docker.io');
  assert.equal((get(values, 'image', 'tag') as Text).value, '2');
});

test('a values.yaml that does not parse says where', () => {
  const { values, errors } = readValues('image:\n  tag: [1, 2\n', FILE);
  assert.equal(values.size, 0);
  assert.ok(errors.length > 0);
  assert.ok(errors[0]!.range);
});

test('Chart.yaml: the fields templates see as .Chart, appVersion with its place, and dependencies', () => {
  const chart = readChartFile(
    'apiVersion: v2\nname: web\nversion: 1.0.0\nappVersion: "2.1"\ndependencies:\n  - name: redis\n    alias: cache\n  - name: common\n',
    '/chart/Chart.yaml',
  );
  assert.equal(chart.name, 'web');
  assert.equal((chart.meta.get('Name') as Text).value, 'web');
  const appVersion = chart.meta.get('AppVersion') as Text;
  assert.equal(appVersion.value, '2.1');
  assert.deepEqual(appVersion.pieces[0]!.source?.range, { start: { line: 3, character: 13 }, end: { line: 3, character: 16 } });
  assert.equal(chart.meta.get('Description'), '');
  assert.deepEqual(chart.dependencies, [{ name: 'redis', alias: 'cache' }, { name: 'common' }]);
  // An unquoted number is read into a string field in its shortest form.
  assert.equal((readChartFile('name: x\nappVersion: 1.10\n', '/c').meta.get('AppVersion') as Text).value, '1.1');
});

test("a subchart's values: the parent's over its own, nulls removing keys, the parent's globals over all", () => {
  const parent = readValues(
    'global:\n  imageRegistry: mirror.io\nredis:\n  image:\n    tag: "7.2"\n    pullPolicy: null\n  global:\n    x: parent-sub\n',
    '/p/values.yaml',
  ).values;
  const own = readValues(
    'global:\n  imageRegistry: docker.io\n  x: own\n  z: own\nimage:\n  repository: redis\n  tag: "7.0"\n  pullPolicy: Always\n',
    '/p/charts/redis/values.yaml',
  ).values;
  const values = subchartValues(own, parent, 'redis');
  assert.equal((get(values, 'image', 'tag') as Text).value, '7.2');
  assert.equal((get(values, 'image', 'repository') as Text).value, 'redis');
  assert.equal((get(values, 'image') as GoMap).has('pullPolicy'), false);
  assert.equal((get(values, 'global', 'imageRegistry') as Text).value, 'mirror.io');
  assert.equal((get(values, 'global', 'x') as Text).value, 'parent-sub');
  assert.equal((get(values, 'global', 'z') as Text).value, 'own');
  // The merged image mapping is written in the parent (where a digest would override the subchart's).
  assert.equal(mapSources.get(get(values, 'image') as GoMap)?.file, '/p/values.yaml');
  // A subchart the parent says nothing of keeps its own mappings, and still gets the globals.
  const alone = subchartValues(own, readValues('global:\n  imageRegistry: mirror.io\n', '/p/values.yaml').values, 'redis');
  assert.equal(mapSources.get(get(alone, 'image') as GoMap)?.file, '/p/charts/redis/values.yaml');
  assert.equal((get(alone, 'global', 'imageRegistry') as Text).value, 'mirror.io');
});
