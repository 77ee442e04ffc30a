// Image references, following the grammar of github.com/distribution/reference
// (the one Docker, containerd and every registry client share).

/** A parsed, valid image reference. */
export interface ImageReference {
  /** Registry host, with port when given; `docker.io` when the reference names none. */
  readonly domain: string;
  /** Repository path inside the registry, e.g. `library/nginx`. */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
  /** `domain/path`, the fully qualified repository name. */
  readonly name: string;
  /** `name[:tag][@digest]`, the normalised reference (no implicit `:latest` is added). */
  readonly normalized: string;
}

export type ParseResult = { readonly ok: true; readonly reference: ImageReference } | { readonly ok: false; readonly error: string };

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const IPV6 = '\\[[a-fA-F0-9:]+\\]';
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|${IPV6})`;
const DOMAIN_AND_PORT = `${HOST}(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
// Path components are matched case-insensitively here so that an upper-case repository
// gets the precise "must be lowercase" message instead of a generic one.
const LOOSE_PATH_COMPONENT = `[a-zA-Z0-9]+(?:${SEPARATOR}[a-zA-Z0-9]+)*`;
const REFERENCE_RE = new RegExp(
  `^((?:${DOMAIN_AND_PORT}/)?${LOOSE_PATH_COMPONENT}(?:/${LOOSE_PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`,
);
const PATH_RE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const IDENTIFIER_RE = /^[a-f0-9]{64}$/;
const DIGEST_LENGTHS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const NAME_MAX = 255;

export const DOCKER_HUB = 'docker.io';

/** Checks a digest's algorithm and length (`sha256:` + 64 hex, …). Returns an error or undefined. */
export function digestError(digest: string): string | undefined {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const expected = DIGEST_LENGTHS[algorithm];
  if (expected === undefined) return `unsupported digest algorithm "${algorithm}"`;
  if (digest.length - colon - 1 !== expected) {
    return `a ${algorithm} digest has ${expected} hex characters, this one has ${digest.length - colon - 1}`;
  }
  return undefined;
}

/** True for a bare image ID (`sha256:<64 hex>`), which names content, not a repository. */
export function isImageId(text: string): boolean {
  return /^sha256:[a-f0-9]{64}$/.test(text);
}

/** Splits the registry host from the repository path the way Docker does. */
function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf('/');
  if (slash === -1) return { domain: DOCKER_HUB, path: `library/${name}` };
  const first = name.slice(0, slash);
  const isDomain = first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase();
  if (!isDomain) return { domain: DOCKER_HUB, path: name };
  let domain = first;
  let path = name.slice(slash + 1);
  if (domain === 'index.docker.io' || domain === 'registry-1.docker.io') domain = DOCKER_HUB;
  if (domain === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  return { domain, path };
}

/** Parses and normalises an image reference; never throws. */
export function parseReference(text: string): ParseResult {
  if (text.length === 0) return { ok: false, error: 'the image reference is empty' };
  if (IDENTIFIER_RE.test(text)) {
    return { ok: false, error: 'a 64-character hexadecimal string is an image ID, not a repository name' };
  }
  const match = REFERENCE_RE.exec(text);
  if (!match) return { ok: false, error: describeInvalid(text) };
  const [, rawName, tag, digest] = match as unknown as [string, string, string | undefined, string | undefined];
  if (rawName.length > NAME_MAX) {
    return { ok: false, error: `the repository name is longer than ${NAME_MAX} characters` };
  }
  const { domain, path } = splitDomain(rawName);
  if (path !== path.toLowerCase()) return { ok: false, error: 'the repository name must be lowercase' };
  if (!PATH_RE.test(path)) return { ok: false, error: describeInvalid(text) };
  if (digest !== undefined) {
    const problem = digestError(digest);
    if (problem) return { ok: false, error: problem };
  }
  const name = `${domain}/${path}`;
  const normalized = `${name}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
  return {
    ok: true,
    reference: { domain, path, name, normalized, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) },
  };
}

function describeInvalid(text: string): string {
  if (/^\s|\s$/.test(text)) return 'the image reference has leading or trailing whitespace';
  if (/\s/.test(text)) return 'an image reference cannot contain whitespace';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) return 'the image reference contains control characters';
  if (text.startsWith('-')) return 'an image reference cannot start with "-"';
  if (/[;&|`$<>(){}\\"']/.test(text)) return 'the image reference contains characters that are not allowed (shell or quoting syntax)';
  const at = text.indexOf('@');
  if (at !== -1 && !/^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/.test(text.slice(at + 1))) {
    return 'the digest after "@" is not of the form algorithm:hex';
  }
  return 'this is not a valid image reference (expected [registry/]repository[:tag][@digest])';
}

/** A short human form: Docker Hub's `library/` and `docker.io/` prefixes dropped. */
export function familiarName(reference: ImageReference): string {
  let name = reference.name;
  if (reference.domain === DOCKER_HUB) {
    name = reference.path.startsWith('library/') ? reference.path.slice('library/'.length) : reference.path;
  }
  return name;
}
