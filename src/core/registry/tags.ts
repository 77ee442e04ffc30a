// Image tags read as versions (`1.27.3-alpine3.20`: version, prerelease, variant, OS family), and
// ordered newest first, so that completion offers the likeliest tags first and advice never
// crosses from one OS family to another. Pure: strings in, plain data out.

/** The operating system a tag's variant is built on; `none` when the tag does not say. */
export type OsFamily = 'alpine' | 'debian' | 'ubuntu' | 'ubi' | 'windows' | 'distroless' | 'none';

export interface VariantFamily {
  readonly family: OsFamily;
  /** The OS release the variant names: `3.20`, `bookworm`, `jammy`, `9`, `ltsc2022`; absent when it names none. */
  readonly release?: string;
}

export interface ParsedTag extends VariantFamily {
  readonly tag: string;
  /** The numeric parts (`1.27.3` → [1, 27, 3], `21.0.5_11` → [21, 0, 5, 11]); absent for `latest`, `stable`, … */
  readonly version?: readonly number[];
  /** `rc3`, `beta.2`, `alpha`: below the release of the same version, and never suggested. */
  readonly prerelease?: string;
  /** A package revision after the version (`1.25.3-1`, Bitnami's `-r5`). */
  readonly revision?: number;
  /** The name of a tag without a version: `latest`, `stable`, `mainline`, `lts`. */
  readonly channel?: string;
  /** The suffix as written, without its leading dash: `alpine3.20`, `slim-bookworm`, `jdk-jammy`; '' for none. */
  readonly variant: string;
  /** The variant without its OS release (lower case): `slim` for both `slim-bookworm` and `bookworm-slim`. */
  readonly flavour: string;
}

// `dev`, `a`, `b` and `m` only with a number: `-dev` alone is a variant (Chainguard's images
// with a shell), and `a1`, `b2` only right after the version (Python's `3.13.0a1`).
const PRERELEASE_RE = /^(?:(?:alpha|beta|rc|pre|preview|snapshot|nightly|canary|ea)(?:[._]?\d+)*|(?:dev|m)(?:[._]?\d+)+)$/i;
const ATTACHED_PRERELEASE_RE = /^(?:a|b)\d+$/i;
const NUMBER_RE = /^\d+$/;
const REVISION_RE = /^r(\d+)$/i;
const DATE_STAMP_RE = /^(?:19|20)\d{6}(?:\d{2,6})?$/;

/** Debian and Ubuntu releases oldest first: a codename may move to the next one, never back. */
const DEBIAN = ['jessie', 'stretch', 'buster', 'bullseye', 'bookworm', 'trixie', 'forky'] as const;
const DEBIAN_NUMBERS: Readonly<Record<string, string>> = {
  '8': 'jessie',
  '9': 'stretch',
  '10': 'buster',
  '11': 'bullseye',
  '12': 'bookworm',
  '13': 'trixie',
  '14': 'forky',
};
const UBUNTU = ['trusty', 'xenial', 'bionic', 'focal', 'jammy', 'noble'] as const;
const UBUNTU_NUMBERS: Readonly<Record<string, string>> = {
  '14.04': 'trusty',
  '16.04': 'xenial',
  '18.04': 'bionic',
  '20.04': 'focal',
  '22.04': 'jammy',
  '24.04': 'noble',
};
const SUCCESSION: Partial<Record<OsFamily, readonly string[]>> = { debian: DEBIAN, ubuntu: UBUNTU };
const WINDOWS_RE = /^(?:windowsservercore|servercore|nanoserver|windowsserver|windows)$/i;
const WINDOWS_RELEASE_RE = /^(?:ltsc\d{4}|\d{4}|\d{2}h\d)$/i;
/** Words that begin a version-less tag as a variant, not as a channel (`slim-bookworm`, `alpine`). */
const VARIANT_FIRST = new Set(['slim', 'jdk', 'jre', 'fpm', 'perl', 'minimal', 'chiseled', 'nonroot', 'debug', 'distroless']);

interface OsPart {
  readonly family: OsFamily;
  readonly release?: string;
  /** Parts read as the OS (from `index`), and whether the first stays in the flavour (Windows' kind of image). */
  readonly length: number;
  readonly keepWord: boolean;
}

/** A part that may name an OS: one test rules out the flavour words (`slim`, `perl`, `jdk`) at once. */
const OS_WORD_RE =
  /^(?:alpine|jessie$|stretch$|buster$|bullseye$|bookworm$|trixie$|forky$|debian|trusty$|xenial$|bionic$|focal$|jammy$|noble$|ubuntu|ubi|windowsservercore$|servercore$|nanoserver$|windowsserver$|windows$|ltsc\d{4}$|distroless$)/i;

/** Reads parts[i] (and maybe parts[i+1]) as an OS name, or undefined. */
function osPart(parts: readonly string[], i: number): OsPart | undefined {
  if (!OS_WORD_RE.test(parts[i]!)) return undefined;
  const word = parts[i]!.toLowerCase();
  const next = parts[i + 1]?.toLowerCase();
  const alpine = /^alpine(\d+(?:\.\d+)*)?$/.exec(word);
  if (alpine) {
    if (alpine[1] !== undefined) return { family: 'alpine', release: alpine[1], length: 1, keepWord: false };
    if (next !== undefined && /^\d+(?:\.\d+)+$/.test(next)) return { family: 'alpine', release: next, length: 2, keepWord: false };
    return { family: 'alpine', length: 1, keepWord: false };
  }
  if ((DEBIAN as readonly string[]).includes(word)) return { family: 'debian', release: word, length: 1, keepWord: false };
  const debian = /^debian(\d+)?$/.exec(word);
  if (debian) {
    const number = debian[1] ?? (next !== undefined && NUMBER_RE.test(next) ? next : undefined);
    const release = number === undefined ? undefined : (DEBIAN_NUMBERS[number] ?? number);
    return {
      family: 'debian',
      ...(release !== undefined && { release }),
      length: debian[1] === undefined && number ? 2 : 1,
      keepWord: false,
    };
  }
  if ((UBUNTU as readonly string[]).includes(word)) return { family: 'ubuntu', release: word, length: 1, keepWord: false };
  const ubuntu = /^ubuntu(\d+\.\d+)?$/.exec(word);
  if (ubuntu) {
    const number = ubuntu[1] ?? (next !== undefined && /^\d+\.\d+$/.test(next) ? next : undefined);
    const release = number === undefined ? undefined : (UBUNTU_NUMBERS[number] ?? number);
    return {
      family: 'ubuntu',
      ...(release !== undefined && { release }),
      length: ubuntu[1] === undefined && number ? 2 : 1,
      keepWord: false,
    };
  }
  const ubi = /^ubi(\d+)?$/.exec(word);
  if (ubi) return { family: 'ubi', ...(ubi[1] !== undefined && { release: ubi[1] }), length: 1, keepWord: false };
  if (WINDOWS_RE.test(word)) {
    // nanoserver and servercore are different images: the kind stays in the flavour.
    if (next !== undefined && WINDOWS_RELEASE_RE.test(next)) return { family: 'windows', release: next, length: 2, keepWord: true };
    return { family: 'windows', length: 1, keepWord: true };
  }
  if (/^ltsc\d{4}$/.test(word)) return { family: 'windows', release: word, length: 1, keepWord: false };
  if (word === 'distroless') return { family: 'distroless', length: 1, keepWord: false };
  return undefined;
}

const isDigit = (code: number) => code >= 48 && code <= 57;

/**
 * The version at the start of a tag (`v` allowed): its numbers and where it ends, or undefined.
 * Read by hand, not by a regular expression: completion parses thousands of tags at a time.
 */
function readVersion(tag: string): { readonly numbers: number[]; readonly end: number } | undefined {
  let i = tag.charCodeAt(0) === 118 || tag.charCodeAt(0) === 86 ? 1 : 0; // v, V
  if (!isDigit(tag.charCodeAt(i))) return undefined;
  const numbers: number[] = [];
  for (;;) {
    let n = 0;
    while (i < tag.length && isDigit(tag.charCodeAt(i))) n = n * 10 + tag.charCodeAt(i++) - 48;
    numbers.push(n);
    const separator = tag.charCodeAt(i);
    // `.` and `_` (Temurin's `21.0.5_11`) go on only when a number follows.
    if ((separator === 46 || separator === 95) && isDigit(tag.charCodeAt(i + 1))) i++;
    else return { numbers, end: i };
  }
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** What a tag says after its version: everything but the tag and the version. */
type Suffix = Omit<ParsedTag, 'tag' | 'version'>;

/**
 * Suffixes read so far. A repository has thousands of versions but few suffixes (`-alpine`,
 * `-bookworm-slim`, …), so reading each once makes a long list cheap to order; the memo is
 * emptied when full, so that date-stamped tags cannot grow it without bound.
 */
const suffixes = new Map<string, Suffix>();
const SUFFIX_MEMO_SIZE = 4096;

/** Reads a tag as a version, a prerelease, a revision and a variant on an OS family. Never throws. */
export function parseTag(tag: string): ParsedTag {
  const read = readVersion(tag);
  let rest = tag;
  let attached = false;
  if (read) {
    rest = tag.slice(read.end);
    if (rest.charCodeAt(0) === 45) {
      rest = rest.slice(1); // -
    } else if (rest !== '') {
      // `3.13.0rc3`, `1.0.0.Final`: a word right after the version.
      attached = true;
      if (rest.charCodeAt(0) === 46 || rest.charCodeAt(0) === 95) rest = rest.slice(1);
    }
  }
  const key = `${read ? (attached ? 'a' : 'v') : 'n'}${rest}`;
  let suffix = suffixes.get(key);
  if (suffix === undefined) {
    suffix = readSuffix(rest, read !== undefined, attached);
    if (suffixes.size >= SUFFIX_MEMO_SIZE) suffixes.clear();
    suffixes.set(key, suffix);
  }
  const parsed: Writable<ParsedTag> = { tag, variant: suffix.variant, flavour: suffix.flavour, family: suffix.family };
  if (read) parsed.version = read.numbers;
  if (suffix.prerelease !== undefined) parsed.prerelease = suffix.prerelease;
  if (suffix.revision !== undefined) parsed.revision = suffix.revision;
  if (suffix.channel !== undefined) parsed.channel = suffix.channel;
  if (suffix.release !== undefined) parsed.release = suffix.release;
  return parsed;
}

/** Reads what follows the version (or, without one, the whole tag) into its parts. */
function readSuffix(rest: string, versioned: boolean, attached: boolean): Suffix {
  let parts = rest === '' ? [] : rest.split('-');
  if (parts.includes('')) parts = parts.filter((p) => p !== '');
  const suffix: Writable<Suffix> = { variant: '', flavour: '', family: 'none' };
  const kept: string[] = [];
  const flavour: string[] = [];
  let osFound = false;

  if (!versioned && parts.length > 0 && !osPart(parts, 0) && !VARIANT_FIRST.has(parts[0]!.toLowerCase().replace(/\d+$/, ''))) {
    suffix.channel = parts.shift()!;
  }
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const digit = isDigit(part.charCodeAt(0));
    if (versioned && i === 0 && !attached && digit && NUMBER_RE.test(part)) {
      suffix.revision = Number(part);
      continue;
    }
    if (
      versioned &&
      !digit &&
      suffix.prerelease === undefined &&
      (PRERELEASE_RE.test(part) || (i === 0 && attached && ATTACHED_PRERELEASE_RE.test(part)))
    ) {
      // `rc-1`: the number belongs to the prerelease.
      suffix.prerelease = parts[i + 1] !== undefined && NUMBER_RE.test(parts[i + 1]!) ? `${part}-${parts[++i]!}` : part;
      continue;
    }
    const found = osFound || digit ? undefined : osPart(parts, i);
    if (found) {
      osFound = true;
      suffix.family = found.family;
      if (found.release !== undefined) suffix.release = found.release;
      for (let k = 0; k < found.length; k++) kept.push(parts[i + k]!);
      if (found.keepWord) flavour.push(part.toLowerCase());
      i += found.length - 1;
      continue;
    }
    if (versioned && !digit && i === parts.length - 1 && suffix.revision === undefined) {
      const rev = REVISION_RE.exec(part);
      if (rev) {
        suffix.revision = Number(rev[1]);
        continue;
      }
    }
    // A date stamp (`jammy-20240911`) tells builds apart, not variants.
    if (digit && suffix.revision === undefined && DATE_STAMP_RE.test(part)) {
      suffix.revision = Number(part);
      continue;
    }
    kept.push(part);
    flavour.push(part.toLowerCase());
  }
  suffix.variant = kept.join('-');
  suffix.flavour = flavour.join('-');
  return suffix;
}

/** The OS family (and release) of a tag's variant: `1.27-alpine3.20` → alpine 3.20. */
export function variantFamily(tag: string): VariantFamily {
  const { family, release } = parseTag(tag);
  return { family, ...(release !== undefined && { release }) };
}

/** The same kind of image: the same OS family and the same flavour (`slim`, `jdk`, …), whatever the OS release. */
export function sameVariant(a: string, b: string): boolean {
  return sameParsedVariant(parseTag(a), parseTag(b));
}

function sameParsedVariant(a: ParsedTag, b: ParsedTag): boolean {
  return a.family === b.family && a.flavour === b.flavour;
}

/** The release after `release` in its family, where one is known: bookworm → trixie, jammy → noble, ubi 8 → 9, Alpine 3.20 → 3.21. */
export function successorRelease(family: OsFamily, release: string): string | undefined {
  const order = SUCCESSION[family];
  if (order) {
    const index = order.indexOf(release);
    return index >= 0 ? order[index + 1] : undefined;
  }
  if (family === 'ubi' && NUMBER_RE.test(release)) return String(Number(release) + 1);
  const alpine = /^(\d+)\.(\d+)$/.exec(release);
  if (family === 'alpine' && alpine) return `${alpine[1]}.${Number(alpine[2]) + 1}`;
  return undefined;
}

/**
 * Whether advice may move an image from tag `from` to tag `to` as far as the OS goes: the same
 * flavour and family, and the OS pinned as precisely as before. Alpine may move to any later
 * release; Debian, Ubuntu and UBI stay or move to their next release (one step); Windows stays
 * (an image runs only on hosts of its own release); never back.
 */
export function mayMoveTo(from: string | ParsedTag, to: string | ParsedTag): boolean {
  const a = typeof from === 'string' ? parseTag(from) : from;
  const b = typeof to === 'string' ? parseTag(to) : to;
  if (!sameParsedVariant(a, b)) return false;
  if (a.release === undefined || b.release === undefined) return a.release === b.release;
  if (a.release === b.release) return true;
  if (a.family === 'alpine') {
    const older = compareNumbers(b.release.split('.').map(Number), a.release.split('.').map(Number));
    return older < 0; // b newer: it sorts first
  }
  if (a.family === 'debian' || a.family === 'ubuntu' || a.family === 'ubi') return successorRelease(a.family, a.release) === b.release;
  return false;
}

/**
 * Newest first, part by part; a shorter version whose parts all agree sorts first, since a
 * floating `1.27` names the newest `1.27.x`.
 */
function compareNumbers(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return b[i]! - a[i]!;
  return a.length - b.length;
}

const PRERELEASE_RANK: Readonly<Record<string, number>> = {
  snapshot: 0,
  nightly: 0,
  canary: 0,
  dev: 0,
  a: 1,
  alpha: 1,
  ea: 1,
  m: 1,
  b: 2,
  beta: 2,
  pre: 3,
  preview: 3,
  rc: 4,
};

/** Newest first: a release before its prereleases, rc before beta before alpha, then their numbers. */
function comparePrereleases(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  const split = (p: string) => {
    const word = /^[a-z]+/i.exec(p)?.[0].toLowerCase() ?? '';
    return { rank: PRERELEASE_RANK[word] ?? 0, numbers: (p.match(/\d+/g) ?? []).map(Number) };
  };
  const x = split(a);
  const y = split(b);
  return y.rank - x.rank || compareNumbers(x.numbers, y.numbers);
}

/**
 * Orders two parsed tags newest first (negative when `a` is newer): versioned tags before
 * version-less ones, then the version, the release before its prereleases, then the revision (or
 * date stamp). Zero for tags that this order cannot tell apart (`1.27.3` and `1.27.3-alpine`,
 * `latest` and `stable`).
 */
export function compareTags(a: ParsedTag, b: ParsedTag): number {
  if (!a.version || !b.version) return a.version ? -1 : b.version ? 1 : compareRevisions(a.revision, b.revision);
  return compareNumbers(a.version, b.version) || comparePrereleases(a.prerelease, b.prerelease) || compareRevisions(a.revision, b.revision);
}

/** Newest first; no revision sorts first, as it names the newest build (as a floating version does). */
function compareRevisions(a: number | undefined, b: number | undefined): number {
  return a === b ? 0 : a === undefined ? -1 : b === undefined ? 1 : b - a;
}

/**
 * Tags in completion order: those of `current`'s variant first (when given), each group newest
 * version first with the version-less tags (`latest`, `stable`, `mainline`) after the versioned
 * ones; tags the order cannot tell apart keep their order. Each tag is parsed once.
 */
export function orderTags(tags: readonly string[], current?: string): string[] {
  const wanted = current === undefined ? undefined : parseTag(current);
  const keyed = tags.map((tag, index) => {
    const parsed = parseTag(tag);
    return { parsed, index, other: wanted !== undefined && !sameParsedVariant(parsed, wanted) ? 1 : 0 };
  });
  keyed.sort((a, b) => a.other - b.other || compareTags(a.parsed, b.parsed) || a.index - b.index);
  return keyed.map((k) => k.parsed.tag);
}
