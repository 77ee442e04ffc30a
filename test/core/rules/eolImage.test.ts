// eol-image: ended and ending cycles, the suggested tag, the quick fix, and the settings.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyze, applyEdits, fixesFor, type AnalyzeOptions, type FileKind } from '../../../src/core/index.js';
import { eolData } from '../../../src/core/rules/eolData.js';

const NOW = Date.parse('2026-12-07T00:00:00Z');
const eol = (text: string, kind: FileKind = 'dockerfile', options: AnalyzeOptions = {}) =>
  analyze(text, kind, { now: NOW, ...options }).findings.filter((f) => f.rule === 'eol-image');

function cycle(product: string, name: string) {
  const found = eolData().products[product]!.cycles.find((c) => c.cycle === name);
  assert.ok(found, `${product} ${name} is in the snapshot`);
  return found;
}

test('a cycle past its end: a warning naming the cycle, its end date and the source', () => {
  const end = cycle('nodejs', '18').eol as string;
  const [finding] = eol('FROM node:18-bullseye\nUSER 1\n', 'dockerfile', { now: Date.parse(`${end}T00:00:00Z`) + 1 });
  assert.equal(finding!.reason, 'end-of-life');
  assert.equal(finding!.severity, 'warning');
  assert.match(finding!.message, new RegExp(`Node\\.js 18 reached its end of life on ${end}`));
  assert.match(finding!.message, /https:\/\/endoflife\.date\/nodejs/);
  assert.match(finding!.message, new RegExp(`snapshot of ${eolData().snapshot.date}`));
});

test('within 90 days of its end: information; more than 90 days before: nothing', () => {
  const end = Date.parse(`${cycle('nodejs', '22').eol as string}T00:00:00Z`);
  const day = 24 * 60 * 60 * 1000;
  const [soon] = eol('FROM node:22\n', 'dockerfile', { now: end - 30 * day });
  assert.equal(soon!.reason, 'ends-soon');
  assert.equal(soon!.severity, 'info');
  assert.match(soon!.message, /reaches its end of life on .*after that, no more fixes/);
  assert.deepEqual(eol('FROM node:22\n', 'dockerfile', { now: end - 91 * day }), []);
});

test('the OS inside a tag counts too, and both are named in one finding', () => {
  const [finding] = eol('FROM python:3.8-slim-buster\n');
  assert.match(finding!.message, /Python 3\.8 reached/);
  assert.match(finding!.message, /its OS, Debian 10 \(Buster\), reached/);
  // Both parts move: the runtime to its oldest supported cycle, the codename to a supported Debian.
  assert.match(finding!.suggestion!, /^3\.\d+-slim-[a-z]+$/);
  assert.notEqual(finding!.suggestion, '3.8-slim-buster');
});

test('the suggestion is the oldest supported newer cycle, written as the tag wrote it', () => {
  // 2026-12-07: Node 20 ended on 2026-04-30, 22 runs to 2027-04-30 (more than 90 days ahead).
  assert.equal(eol('FROM node:18\n')[0]!.suggestion, '22');
  assert.equal(eol('FROM debian:buster-slim\n')[0]!.suggestion, 'trixie-slim');
  assert.equal(eol('FROM node:22-alpine3.19\n')[0]!.suggestion, '22-alpine3.22');
  // Temurin lists 17 and 11 after 21: 16 moves forward to 17, not back to 11.
  assert.equal(eol('FROM eclipse-temurin:16-jdk\n')[0]!.suggestion, '17-jdk');
});

test('floating and unknown tags name no cycle', () => {
  for (const image of [
    'node:lts',
    'node:alpine',
    'python:latest',
    'nginx:mainline',
    'debian:stable-slim',
    'example.com/node:16',
    'mynode:16',
  ]) {
    assert.deepEqual(eol(`FROM ${image}\n`), [], image);
  }
});

test('quick fix: the tag is replaced and the old digest dropped; the result is no longer end of life', () => {
  const text = `FROM node:16-bullseye@sha256:${'b'.repeat(64)} AS build\nUSER 1\n`;
  const [finding] = eol(text);
  const fix = fixesFor(text, 'dockerfile', finding!).find((f) => f.title.startsWith('Use the supported tag'));
  assert.ok(fix);
  const after = applyEdits(text, fix.edits);
  assert.equal(after, `FROM node:${finding!.suggestion} AS build\nUSER 1\n`);
  assert.deepEqual(eol(after), []);
});

test('quick fix in a manifest keeps the quotes', () => {
  const text = 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: db\n      image: "postgres:12-alpine"\n';
  const [finding] = eol(text, 'yaml');
  const fix = fixesFor(text, 'yaml', finding!).find((f) => f.title.startsWith('Use the supported tag'))!;
  assert.match(applyEdits(text, fix.edits), /image: "postgres:\d+-alpine"\n$/);
});

test('the rule can be switched off and its severity changed', () => {
  assert.deepEqual(eol('FROM node:16\n', 'dockerfile', { rules: { 'eol-image': { enabled: false } } }), []);
  assert.equal(eol('FROM node:16\n', 'dockerfile', { rules: { 'eol-image': { severity: 'error' } } })[0]!.severity, 'error');
});

test('without a date the rule says nothing: the same text always gives the same result', () => {
  assert.deepEqual(
    analyze('FROM node:16\n', 'dockerfile').findings.filter((f) => f.rule === 'eol-image'),
    [],
  );
});
