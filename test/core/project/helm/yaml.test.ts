import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { toJson, toYaml } from '../../../../src/core/project/helm/yaml.js';
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
