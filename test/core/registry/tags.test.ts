// Tags as versions and variants: real-world tag lists (nginx, node, python, eclipse-temurin, and
// Windows, UBI and Bitnami tags), completion order, OS families and their successors, and the
// order of 5,000 tags checked against its own rules.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  compareTags,
  mayMoveTo,
  orderTags,
  parseTag,
  sameVariant,
  successorRelease,
  variantFamily,
  type ParsedTag,
} from '../../../src/core/registry/tags.js';

/** The parsed fields that matter here, without the ones a tag does not have. */
function fields(tag: string): Record<string, unknown> {
  const { tag: _tag, ...rest } = parseTag(tag);
  return rest;
}

test('parseTag: version, prerelease, revision and variant of real tags', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['1.27.3', { version: [1, 27, 3], variant: '', flavour: '', family: 'none' }],
    ['1.27.3-alpine', { version: [1, 27, 3], variant: 'alpine', flavour: '', family: 'alpine' }],
    ['1.27-alpine3.20', { version: [1, 27], variant: 'alpine3.20', flavour: '', family: 'alpine', release: '3.20' }],
    ['mainline-alpine', { channel: 'mainline', variant: 'alpine', flavour: '', family: 'alpine' }],
    ['stable-bookworm', { channel: 'stable', variant: 'bookworm', flavour: '', family: 'debian', release: 'bookworm' }],
    ['latest', { channel: 'latest', variant: '', flavour: '', family: 'none' }],
    ['22.11.0-bookworm-slim', { version: [22, 11, 0], variant: 'bookworm-slim', flavour: 'slim', family: 'debian', release: 'bookworm' }],
    ['22-alpine3.20', { version: [22], variant: 'alpine3.20', flavour: '', family: 'alpine', release: '3.20' }],
    ['lts-slim', { channel: 'lts', variant: 'slim', flavour: 'slim', family: 'none' }],
    ['3.12.7-slim-bookworm', { version: [3, 12, 7], variant: 'slim-bookworm', flavour: 'slim', family: 'debian', release: 'bookworm' }],
    ['3.13.0-alpine3.20', { version: [3, 13, 0], variant: 'alpine3.20', flavour: '', family: 'alpine', release: '3.20' }],
    ['3.13.0rc3', { version: [3, 13, 0], prerelease: 'rc3', variant: '', flavour: '', family: 'none' }],
    ['3.13.0a1', { version: [3, 13, 0], prerelease: 'a1', variant: '', flavour: '', family: 'none' }],
    ['21.0.5_11-jdk-jammy', { version: [21, 0, 5, 11], variant: 'jdk-jammy', flavour: 'jdk', family: 'ubuntu', release: 'jammy' }],
    ['17-jre-alpine', { version: [17], variant: 'jre-alpine', flavour: 'jre', family: 'alpine' }],
    ['v2.1', { version: [2, 1], variant: '', flavour: '', family: 'none' }],
    ['20.04', { version: [20, 4], variant: '', flavour: '', family: 'none' }],
    ['2024.01.15', { version: [2024, 1, 15], variant: '', flavour: '', family: 'none' }],
    ['2.0.0-beta.2-alpine', { version: [2, 0, 0], prerelease: 'beta.2', variant: 'alpine', flavour: '', family: 'alpine' }],
    ['1.0.0-rc-1', { version: [1, 0, 0], prerelease: 'rc-1', variant: '', flavour: '', family: 'none' }],
    ['1.25.3-1', { version: [1, 25, 3], revision: 1, variant: '', flavour: '', family: 'none' }],
    ['1.27.3-debian-12-r5', { version: [1, 27, 3], revision: 5, variant: 'debian-12', flavour: '', family: 'debian', release: 'bookworm' }],
    [
      '8.0-windowsservercore-ltsc2022',
      { version: [8, 0], variant: 'windowsservercore-ltsc2022', flavour: 'windowsservercore', family: 'windows', release: 'ltsc2022' },
    ],
    ['nanoserver-1809', { variant: 'nanoserver-1809', flavour: 'nanoserver', family: 'windows', release: '1809' }],
    ['1.2-ubi9', { version: [1, 2], variant: 'ubi9', flavour: '', family: 'ubi', release: '9' }],
    ['ubi9-minimal', { variant: 'ubi9-minimal', flavour: 'minimal', family: 'ubi', release: '9' }],
    ['8.11-jdk17-alpine', { version: [8, 11], variant: 'jdk17-alpine', flavour: 'jdk17', family: 'alpine' }],
    ['latest-dev', { channel: 'latest', variant: 'dev', flavour: 'dev', family: 'none' }],
    ['jammy-20240911', { revision: 20240911, variant: 'jammy', flavour: '', family: 'ubuntu', release: 'jammy' }],
  ];
  for (const [tag, expected] of cases) assert.deepEqual(fields(tag), expected, tag);
});

test('orderTags: nginx, newest first, the current variant first, version-less tags after', () => {
  const nginx = ['latest', 'stable-bookworm', 'mainline-alpine', '1.27-alpine3.20', '1.27.3-alpine', '1.27.3', '1.26.2', '1.27.2-alpine'];
  assert.deepEqual(orderTags(nginx, '1.27.3-alpine'), [
    // A floating 1.27 names the newest 1.27.x: it comes before 1.27.3.
    '1.27-alpine3.20',
    '1.27.3-alpine',
    '1.27.2-alpine',
    'mainline-alpine',
    '1.27.3',
    '1.26.2',
    'latest',
    'stable-bookworm',
  ]);
  assert.deepEqual(orderTags(nginx, '1.27.3'), [
    '1.27.3',
    '1.26.2',
    'latest',
    '1.27-alpine3.20',
    '1.27.3-alpine',
    '1.27.2-alpine',
    'stable-bookworm',
    'mainline-alpine',
  ]);
  // Without a current tag: only the versions, and version-less tags in the order given.
  assert.deepEqual(orderTags(nginx), [
    '1.27-alpine3.20',
    '1.27.3-alpine',
    '1.27.3',
    '1.27.2-alpine',
    '1.26.2',
    'latest',
    'stable-bookworm',
    'mainline-alpine',
  ]);
});

test('orderTags: node, the bookworm-slim family first; lts-slim is another variant (no OS named)', () => {
  const node = [
    '20.18.1-bookworm-slim',
    '22-alpine3.20',
    '22.11.0-bookworm-slim',
    '22.11.0-bullseye-slim',
    '22.12.0-bookworm-slim',
    '22.11.0',
    'lts-slim',
    '23.3.0-bookworm-slim',
    'latest',
  ];
  assert.deepEqual(orderTags(node, '22.11.0-bookworm-slim'), [
    '23.3.0-bookworm-slim',
    '22.12.0-bookworm-slim',
    '22.11.0-bookworm-slim',
    '22.11.0-bullseye-slim',
    '20.18.1-bookworm-slim',
    '22-alpine3.20',
    '22.11.0',
    'lts-slim',
    'latest',
  ]);
  assert.ok(!sameVariant('lts-slim', '22.11.0-bookworm-slim'));
  assert.ok(sameVariant('lts-slim', '22.11.0-slim'));
});

test('orderTags: python, a release candidate below its release and above the release before', () => {
  const python = ['3.12.7', '3.13.0rc3', '3.13.0', '3.12.7-slim-bookworm', '3.13.0-alpine3.20', '3.13.0rc3-alpine3.20', '3.13.0b1'];
  assert.deepEqual(orderTags(python, '3.12.7'), [
    '3.13.0',
    '3.13.0rc3',
    '3.13.0b1',
    '3.12.7',
    // The other variants, newest first too.
    '3.13.0-alpine3.20',
    '3.13.0rc3-alpine3.20',
    '3.12.7-slim-bookworm',
  ]);
  assert.ok(compareTags(parseTag('3.13.0rc3'), parseTag('3.13.0')) > 0, 'rc3 is older than the release');
  assert.ok(compareTags(parseTag('3.13.0rc3'), parseTag('3.12.7')) < 0, 'rc3 is newer than 3.12.7');
  assert.ok(compareTags(parseTag('3.13.0rc3'), parseTag('3.13.0rc2')) < 0);
  assert.ok(compareTags(parseTag('3.13.0rc1'), parseTag('3.13.0b9')) < 0, 'rc after beta');
  assert.ok(compareTags(parseTag('3.13.0b1'), parseTag('3.13.0a9')) < 0, 'beta after alpha');
});

test('orderTags: eclipse-temurin, build numbers after an underscore; jdk and jre are different variants', () => {
  const temurin = [
    '17-jre-alpine',
    '21.0.4_7-jdk-jammy',
    '21.0.5_11-jdk-jammy',
    '21-jdk-jammy',
    '21.0.5_9-jdk-jammy',
    '21.0.5_11-jre-jammy',
    '21-jdk-noble',
  ];
  assert.deepEqual(orderTags(temurin, '21.0.4_7-jdk-jammy'), [
    '21-jdk-jammy',
    '21-jdk-noble',
    '21.0.5_11-jdk-jammy',
    '21.0.5_9-jdk-jammy',
    '21.0.4_7-jdk-jammy',
    '21.0.5_11-jre-jammy',
    '17-jre-alpine',
  ]);
  assert.ok(!sameVariant('21.0.5_11-jre-jammy', '21.0.5_11-jdk-jammy'));
  assert.ok(sameVariant('17-jre-alpine', '21-jre-alpine'));
});

test('orderTags: tags the order cannot tell apart keep their order; duplicates are kept', () => {
  assert.deepEqual(orderTags(['edge', 'latest', 'stable', 'mainline']), ['edge', 'latest', 'stable', 'mainline']);
  assert.deepEqual(orderTags(['1.0-perl', '1.0', '1.0-otel', '1.0']), ['1.0-perl', '1.0', '1.0-otel', '1.0']);
  assert.deepEqual(orderTags(['1.0', '1.0-perl', '1.0-otel'], '1.0-otel'), ['1.0-otel', '1.0', '1.0-perl']);
  assert.deepEqual(orderTags([]), []);
});

test('variantFamily: the OS a tag is built on', () => {
  const cases: Array<[string, ReturnType<typeof variantFamily>]> = [
    ['1.27.3', { family: 'none' }],
    ['1.27.3-alpine', { family: 'alpine' }],
    ['1.27-alpine3.20', { family: 'alpine', release: '3.20' }],
    ['3.12.7-slim-buster', { family: 'debian', release: 'buster' }],
    ['3.12.7-slim-bullseye', { family: 'debian', release: 'bullseye' }],
    ['22.11.0-bookworm-slim', { family: 'debian', release: 'bookworm' }],
    ['3.14-trixie', { family: 'debian', release: 'trixie' }],
    ['1.2-debian12', { family: 'debian', release: 'bookworm' }],
    ['21.0.5_11-jdk-jammy', { family: 'ubuntu', release: 'jammy' }],
    ['21-jdk-noble', { family: 'ubuntu', release: 'noble' }],
    ['8.0-jammy-chiseled', { family: 'ubuntu', release: 'jammy' }],
    ['1.2-ubuntu22.04', { family: 'ubuntu', release: 'jammy' }],
    ['21-jdk-ubi9-minimal', { family: 'ubi', release: '9' }],
    ['8.0-nanoserver-1809', { family: 'windows', release: '1809' }],
    ['1.23.4-windowsservercore-ltsc2022', { family: 'windows', release: 'ltsc2022' }],
    ['8.0-distroless', { family: 'distroless' }],
    ['lts-slim', { family: 'none' }],
  ];
  for (const [tag, expected] of cases) assert.deepEqual(variantFamily(tag), expected, tag);
});

test('successors: Debian buster < bullseye < bookworm < trixie, Ubuntu jammy < noble, UBI and Alpine by number', () => {
  assert.equal(successorRelease('debian', 'buster'), 'bullseye');
  assert.equal(successorRelease('debian', 'bullseye'), 'bookworm');
  assert.equal(successorRelease('debian', 'bookworm'), 'trixie');
  assert.equal(successorRelease('ubuntu', 'jammy'), 'noble');
  assert.equal(successorRelease('ubuntu', 'noble'), undefined, 'not known yet');
  assert.equal(successorRelease('ubi', '8'), '9');
  assert.equal(successorRelease('alpine', '3.20'), '3.21');
  assert.equal(successorRelease('windows', 'ltsc2022'), undefined);
  assert.equal(successorRelease('debian', 'sid'), undefined);
});

test('mayMoveTo: never across OS families, a Debian codename to itself or its successor only, never back', () => {
  const yes: Array<[string, string]> = [
    ['3.12.7-slim-bookworm', '3.12.8-slim-bookworm'],
    ['3.12.7-slim-bookworm', '3.12.8-slim-trixie'],
    ['22.11.0-bookworm-slim', '22.12.0-trixie-slim'],
    ['21.0.4_7-jdk-jammy', '21.0.5_11-jdk-noble'],
    ['1.27-alpine3.19', '1.28-alpine3.21'],
    ['1.27.1-alpine', '1.27.3-alpine'],
    ['1.27.1', '1.27.3'],
    ['1.2-ubi8', '1.3-ubi9'],
    ['8.0-windowsservercore-ltsc2022', '8.1-windowsservercore-ltsc2022'],
  ];
  const no: Array<[string, string]> = [
    ['3.12.7-slim-bookworm', '3.12.8-slim-bullseye'], // back
    ['3.12.7-slim-bullseye', '3.12.8-slim-trixie'], // two steps
    ['3.12.7-slim-bookworm', '3.12.8-bookworm'], // slim to full
    ['3.12.7-slim-bookworm', '3.12.8-alpine3.20'], // Debian to Alpine
    ['1.27.1-alpine', '1.27.3'], // Alpine to none said
    ['1.27.1', '1.27.3-alpine'],
    ['1.27-alpine3.21', '1.28-alpine3.19'], // back
    ['1.27-alpine3.20', '1.28-alpine'], // pinned to floating
    ['1.27-alpine', '1.28-alpine3.21'], // floating to pinned
    ['21.0.4_7-jdk-noble', '21.0.5_11-jdk-jammy'],
    ['21.0.4_7-jdk-jammy', '21.0.5_11-jre-jammy'],
    ['21.0.4_7-jdk-jammy', '21.0.5_11-jdk-ubi9'],
    ['8.0-windowsservercore-ltsc2019', '8.1-windowsservercore-ltsc2022'], // a Windows release runs on its own hosts
    ['8.0-windowsservercore-ltsc2022', '8.1-nanoserver-ltsc2022'],
    ['8.11-jdk17-alpine', '8.12-jdk21-alpine'],
  ];
  for (const [from, to] of yes) assert.ok(mayMoveTo(from, to), `${from} -> ${to}`);
  for (const [from, to] of no) assert.ok(!mayMoveTo(from, to), `not ${from} -> ${to}`);
});

/** A seeded generator, so that the 5,000 tags are the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

test('orderTags: 5,000 tags are a permutation ordered by its own rules, and the same whatever the input order', () => {
  const next = random(42);
  const variants = ['', '-alpine', '-alpine3.20', '-slim-bookworm', '-bookworm', '-jdk-jammy', '-windowsservercore-ltsc2022', '-perl'];
  const tags: string[] = [];
  const seen = new Set<string>();
  while (tags.length < 5000) {
    const kind = next();
    let tag: string;
    if (kind < 0.05) tag = `${pick(next, ['latest', 'stable', 'edge', 'mainline', 'lts'])}${pick(next, variants)}`;
    else {
      const parts = Array.from({ length: 1 + Math.floor(next() * 3) }, () => Math.floor(next() * 30));
      const pre = kind < 0.12 ? pick(next, ['rc1', '-rc2', '-beta', '-alpha.3']) : '';
      tag = `${kind < 0.2 ? 'v' : ''}${parts.join('.')}${pre}${pick(next, variants)}`;
    }
    if (seen.has(tag)) continue;
    seen.add(tag);
    tags.push(tag);
  }
  const current = '7.3.1-alpine';
  const ordered = orderTags(tags, current);
  assert.deepEqual([...ordered].sort(), [...tags].sort(), 'a permutation');
  const parsed = ordered.map(parseTag);
  const group = (p: ParsedTag) => (sameVariant(p.tag, current) ? 0 : 1);
  for (let i = 1; i < parsed.length; i++) {
    const [a, b] = [parsed[i - 1]!, parsed[i]!];
    assert.ok(group(a) <= group(b), `${a.tag} before ${b.tag}: the current variant first`);
    if (group(a) === group(b)) {
      assert.ok(compareTags(a, b) <= 0, `${a.tag} before ${b.tag}: newest first`);
      if (compareTags(a, b) === 0) assert.ok(tags.indexOf(a.tag) < tags.indexOf(b.tag), `${a.tag} before ${b.tag}: stable`);
    }
  }
  // The first group ends with its version-less tags, and the prereleases sit below their releases.
  const firstOther = parsed.findIndex((p) => group(p) === 1);
  const firstUnversioned = parsed.findIndex((p) => !p.version);
  assert.ok(firstUnversioned < firstOther && parsed.slice(firstUnversioned, firstOther).every((p) => !p.version));
  // Distinct keys do not depend on the input order.
  const shuffled = [...tags].sort(() => next() - 0.5);
  const key = (tag: string) => {
    const p = parseTag(tag);
    return JSON.stringify([sameVariant(tag, current), p.version, p.prerelease, p.revision]);
  };
  assert.deepEqual(orderTags(shuffled, current).map(key), ordered.map(key));
  // Its time is the benchmark's to measure (bench/tags.ts), never a test's: a loaded machine made it 500 ms.
});
