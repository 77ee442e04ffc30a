import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { expand, MAX_EXPANSION_LENGTH } from '../../../src/core/analysis/substitute.js';

const vars: Record<string, string> = { A: 'alpha', EMPTY: '', TAG: '1.2' };
const lookup = (name: string) => (Object.hasOwn(vars, name) ? vars[name] : undefined);

function value(text: string, options = {}) {
  const result = expand(text, lookup, options);
  assert.deepEqual(result.unresolved, [], `${text} should resolve`);
  return result.value;
}

test('$NAME and ${NAME}', () => {
  assert.equal(value('x-$A-y'), 'x-alpha-y');
  assert.equal(value('x${A}y'), 'xalphay');
  assert.equal(value('img:$TAG.3'), 'img:1.2.3');
});

test(':- and - defaults differ on empty values', () => {
  assert.equal(value('${MISSING:-d}'), 'd');
  assert.equal(value('${EMPTY:-d}'), 'd');
  assert.equal(value('${MISSING-d}'), 'd');
  assert.equal(value('${EMPTY-d}'), '');
  assert.equal(value('${A:-d}'), 'alpha');
});

test(':+ and + alternatives', () => {
  assert.equal(value('x${A:+-debug}'), 'x-debug');
  assert.equal(value('x${MISSING:+-debug}'), 'x');
  assert.equal(value('x${EMPTY:+-debug}'), 'x');
  assert.equal(value('x${EMPTY+-debug}'), 'x-debug');
});

test('defaults may themselves use variables', () => {
  assert.equal(value('${MISSING:-${A}-${TAG}}'), 'alpha-1.2');
});

test('a variable without a value is reported, once, in order', () => {
  const result = expand('$X-${Y}-$X-${Z:?required}', lookup);
  assert.deepEqual(result.unresolved, ['X', 'Y', 'Z']);
});

test('syntax that is not evaluated makes the value unknown, not wrong', () => {
  assert.deepEqual(expand('${A#al}', lookup).unresolved, ['A']);
});

test('the Dockerfile escape character makes $ literal', () => {
  assert.equal(value('a\\$A', { escape: '\\' }), 'a$A');
  assert.equal(value('a`$A', { escape: '`' }), 'a$A');
});

test('Compose writes a literal dollar as $$', () => {
  assert.equal(value('pa$$word-$A', { dollarEscape: true }), 'pa$word-alpha');
});

test('Dockerfile quotes are removed; single quotes stop expansion', () => {
  assert.equal(value('"img:$TAG"', { quotes: true }), 'img:1.2');
  assert.equal(value("'img:$TAG'", { quotes: true }), 'img:$TAG');
});

test('a lone or trailing $ and an unclosed brace stay literal', () => {
  assert.equal(value('a$'), 'a$');
  assert.equal(value('a$-b'), 'a$-b');
  assert.equal(value('a${B'), 'a${B');
});

test('deeply nested defaults terminate', () => {
  const nested = `${'${M:-'.repeat(200)}x${'}'.repeat(200)}`;
  const result = expand(nested, lookup);
  assert.equal(typeof result.value, 'string');
});

test('values that grow past MAX_EXPANSION_LENGTH (variables doubling each other) are unresolved, not built', () => {
  const big = 'x'.repeat(MAX_EXPANSION_LENGTH / 2 + 1);
  const values: Record<string, string> = { BIG: big, OK: 'x'.repeat(MAX_EXPANSION_LENGTH / 2) };
  const look = (name: string) => (Object.hasOwn(values, name) ? values[name] : undefined);
  assert.deepEqual(expand('$BIG$BIG', look).unresolved, ['BIG']);
  assert.deepEqual(expand('${BIG}${BIG:-y}', look).unresolved, ['BIG']);
  assert.deepEqual(expand(`\${M:-$BIG$BIG}`, look).unresolved, ['BIG']);
  // Exactly at the limit is still a value.
  const atLimit = expand('$OK$OK', look);
  assert.deepEqual(atLimit.unresolved, []);
  assert.equal(atLimit.value.length, MAX_EXPANSION_LENGTH);
  // Without the limit this built strings of 2^40 characters: "Invalid string length".
  assert.deepEqual(expand('$BIG'.repeat(1 << 20), look).unresolved, ['BIG']);
});
