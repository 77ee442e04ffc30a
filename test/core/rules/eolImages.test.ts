// Tags to release cycles, checked on the official images' own tag lists (test/corpus/official-images:
// docker-library/official-images library files of 2023-06-01 and 2026-08-21). Each entry of a list is
// one image under several tags; every tag that names a version must name the same cycle.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { corpusPath, readCorpus } from '../../support/analysis.js';
import { cyclesOf, cycleOfVersion } from '../../../src/core/rules/eolImages.js';
import { eolData } from '../../../src/core/rules/eolData.js';

const SNAPSHOTS = readdirSync(corpusPath('official-images'));

function entries(text: string): { tags: string[]; directory: string }[] {
  return (
    text
      .split(/\n\s*\n/)
      .map((block) => ({
        tags: /^Tags: (.*)$/m.exec(block)?.[1]?.split(/,\s*/) ?? [],
        directory: /^Directory: (.*)$/m.exec(block)?.[1] ?? '',
      }))
      .filter((entry) => entry.tags.length > 0)
      // Release candidates and betas (`8.5.10RC1`, `3.12.0b1`, `11.0.1-rc`) are no cycle's releases yet.
      .filter((entry) => !entry.tags.some((tag) => /^\d+(?:\.\d+)*(?:rc|a|b|alpha|beta)\d*(?:-|$)|-rc(?:-|$)/i.test(tag)))
  );
}

/** The runtime's full version in an entry: the longest leading version among its tags. */
function fullVersion(tags: readonly string[]): string | undefined {
  return tags
    .map((tag) => /^(\d+(?:\.\d+)*)/.exec(tag)?.[1])
    .filter((v): v is string => v !== undefined)
    .sort((a, b) => b.length - a.length)[0];
}

const REPOSITORIES = [
  'node',
  'python',
  'golang',
  'ruby',
  'php',
  'eclipse-temurin',
  'postgres',
  'mysql',
  'mariadb',
  'redis',
  'mongo',
  'nginx',
  'httpd',
];
const OS_IMAGES: Record<string, string> = { alpine: 'alpine-linux', debian: 'debian', ubuntu: 'ubuntu' };

for (const snapshot of SNAPSHOTS) {
  test(`${snapshot}: every versioned tag of a runtime image names its entry's cycle`, () => {
    let checked = 0;
    for (const name of REPOSITORIES) {
      for (const { tags } of entries(readCorpus(`official-images/${snapshot}/${name}`))) {
        const version = fullVersion(tags);
        if (version === undefined) continue;
        const product = cyclesOf(
          `docker.io/library/${name}`,
          tags.find((t) => t.startsWith(version))!,
        )[0];
        // A cycle newer than the data snapshot (or a release candidate) is not known: nothing is said.
        if (!product || product.os) {
          assert.ok(!cycleOfVersion(eolData().products[productOf(name)]!.cycles, version), `${name}:${version} names a known cycle`);
          continue;
        }
        assert.ok(version.startsWith(product.cycle.cycle), `${name}:${version} is in cycle ${product.cycle.cycle}`);
        for (const tag of tags) {
          const own = cyclesOf(`docker.io/library/${name}`, tag).find((m) => !m.os);
          if (!/^\d/.test(tag)) {
            assert.equal(own, undefined, `${name}:${tag} names no version`);
            continue;
          }
          assert.ok(own, `${name}:${tag} names a cycle`);
          const written = /^(\d+(?:\.\d+)*)/.exec(tag)![1]!;
          // `mysql:8` follows the newest 8.x: in an old list it was 8.0, in today's data it is 8.4.
          if (written.split('.').length < product.cycle.cycle.split('.').length) {
            assert.ok(own.cycle.cycle.startsWith(`${written}.`), `${name}:${tag} follows a cycle of ${written}`);
          } else {
            assert.equal(own.cycle.cycle, product.cycle.cycle, `${name}:${tag}`);
          }
          checked++;
        }
      }
    }
    assert.ok(checked > 300, `${checked} tags checked`);
  });

  test(`${snapshot}: the OS a tag names is the one the entry is built on`, () => {
    let checked = 0;
    for (const name of REPOSITORIES) {
      for (const { tags, directory } of entries(readCorpus(`official-images/${snapshot}/${name}`))) {
        const oses = new Set(
          tags.map((tag) => cyclesOf(`docker.io/library/${name}`, tag).find((m) => m.os)).map((m) => m && `${m.product} ${m.cycle.cycle}`),
        );
        oses.delete(undefined);
        // The tags of one image never disagree on its OS (`18-bullseye` and `hydrogen-bullseye`).
        assert.ok(oses.size <= 1, `${name} ${tags.join(', ')}: ${[...oses].join(' / ')}`);
        const os = [...oses][0];
        // Some folders name no release of the OS (`mariadb`'s `10.11`, `redis`'s `7.0/alpine`).
        if (!os || !/(alpine\d|buster|bullseye|bookworm|trixie|stretch|jessie|bionic|focal|jammy|noble|xenial)/i.test(directory)) continue;
        // The folder the image is built from names the same OS (`18/bullseye-slim`, `3.11/alpine3.18`).
        const [product, cycle] = os.split(' ') as [string, string];
        const data = eolData().products[product]!.cycles.find((c) => c.cycle === cycle)!;
        const inFolder = product === 'alpine-linux' ? `alpine${cycle}` : data.codename!.split(' ')[0]!.toLowerCase();
        assert.ok(directory.toLowerCase().includes(inFolder), `${name} ${tags[0]}: ${os} in ${directory}`);
        checked++;
      }
    }
    assert.ok(checked > 50, `${checked} entries checked`);
  });

  test(`${snapshot}: OS images name their cycles by number and by codename alike`, () => {
    for (const [name, product] of Object.entries(OS_IMAGES)) {
      for (const { tags } of entries(readCorpus(`official-images/${snapshot}/${name}`))) {
        // A major alone (`alpine:3`) follows the newest cycle of that major in today's data: left out here.
        const precise = tags.filter((tag) => !/^\d+$/.test(tag) || name !== 'alpine');
        const cycles = new Set(
          precise
            .map((tag) => cyclesOf(`docker.io/library/${name}`, tag)[0])
            .filter((m) => m !== undefined)
            .map((m) => m.cycle.cycle),
        );
        assert.ok(cycles.size <= 1, `${name} ${tags.join(', ')}: ${[...cycles].join(' / ')}`);
        // Every numbered tag (`10.13`, `22.04`, `3.18.0`) names a cycle the snapshot knows; Alpine's
        // edge snapshots (`20230329`) are dates, not versions, and name none.
        for (const tag of tags.filter((t) => /^\d/.test(t))) {
          if (/^\d{8}$/.test(tag)) {
            assert.deepEqual(cyclesOf(`docker.io/library/${name}`, tag), [], `${name}:${tag}`);
            continue;
          }
          const [match] = cyclesOf(`docker.io/library/${name}`, tag);
          // A release newer than the data snapshot (`ubuntu:26.10` in development) names nothing.
          if (!match) assert.ok(!tags.some((t) => cyclesOf(`docker.io/library/${name}`, t).length > 0), `${name}:${tag}`);
          else assert.equal(match.product, product, `${name}:${tag}`);
        }
      }
    }
  });
}

function productOf(name: string): string {
  return { node: 'nodejs', golang: 'go', postgres: 'postgresql', mongo: 'mongodb', httpd: 'apache-http-server' }[name] ?? name;
}

test('the examples of the issue map as their maintainers tag them', () => {
  const cycle = (image: string) =>
    cyclesOf(`docker.io/library/${image.split(':')[0]}`, image.split(':')[1]!).map((m) => `${m.product} ${m.cycle.cycle}`);
  assert.deepEqual(cycle('node:18-bullseye'), ['nodejs 18', 'debian 11']);
  assert.deepEqual(cycle('python:3.8-slim'), ['python 3.8']);
  assert.deepEqual(cycle('debian:buster'), ['debian 10']);
  assert.deepEqual(cycle('alpine:3.16'), ['alpine-linux 3.16']);
  assert.deepEqual(cycle('golang:1.20-alpine'), ['go 1.20']);
  assert.deepEqual(cycle('golang:1.20-alpine3.18'), ['go 1.20', 'alpine-linux 3.18']);
  assert.deepEqual(cycle('postgres:12'), ['postgresql 12']);
  assert.deepEqual(cycle('postgres:9.6.24'), ['postgresql 9.6']);
  assert.deepEqual(cycle('eclipse-temurin:11-jre'), ['eclipse-temurin 11']);
  assert.deepEqual(cycle('eclipse-temurin:8u392-b08-jre-focal'), ['eclipse-temurin 8', 'ubuntu 20.04']);
  assert.deepEqual(cycle('ubuntu:jammy-20231004'), ['ubuntu 22.04']);
  assert.deepEqual(cycle('mariadb:10.6-jammy'), ['mariadb 10.6', 'ubuntu 22.04']);
  assert.deepEqual(cycleOf('mcr.microsoft.com/dotnet/aspnet', '8.0-alpine'), ['dotnet 8']);
});

function cycleOf(repository: string, tag: string): string[] {
  return cyclesOf(repository, tag).map((m) => `${m.product} ${m.cycle.cycle}`);
}
