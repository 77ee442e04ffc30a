// Where a tag is being written, for tag completion: the repository it belongs to and the span the
// chosen tag replaces. Read from the lines around the cursor, not from the last analysis, which
// lags behind typing: a `FROM`, an `image:` (Kubernetes, Compose), a kustomization's `newTag:`
// (its `newName:` or `name:`), a chart's values `tag:` (its `repository:` and `registry:`).

import { parseReference } from './reference.js';
import { ciSystemOfPath } from './ci/systems.js';
import type { FileKind } from '../types.js';

export interface TagContext {
  /** The repository as written, e.g. `nginx`, `ghcr.io/acme/api`. */
  readonly repository: string;
  /** The tag as it stands, before and after the cursor (the variant to prefer): `1.27-alpine`. */
  readonly current: string;
  /** What is typed of the tag before the cursor (the completion's prefix). */
  readonly typed: string;
  /** The span a chosen tag replaces on the cursor's line: the tag and any `@digest` after it. */
  readonly line: number;
  readonly start: number;
  readonly end: number;
  /** Whether `tag@sha256:…` may be written there (not in a newTag: or a chart value). */
  readonly digestAllowed: boolean;
  readonly where: 'dockerfile' | 'image' | 'kustomize' | 'chart-values';
}

export interface Lines {
  readonly count: number;
  at(line: number): string;
}

const MAX_SIBLING_LINES = 60;

/**
 * The tag completion context at a position, or undefined when the cursor is not in a tag.
 * `file` is the document's name (a kustomization, a chart's values file), `kind` how it is read.
 */
export function tagContext(kind: FileKind, file: string, lines: Lines, line: number, character: number): TagContext | undefined {
  const text = lines.at(line);
  const before = text.slice(0, character);
  if (kind === 'dockerfile') {
    const from = /^\s*FROM\s+(?:--\S+\s+)*(\S*)$/i.exec(before);
    return from ? imageTag(from[1]!, text, line, character, 'dockerfile') : undefined;
  }
  if (kind !== 'yaml') {
    const written = CONTAINER_FILE_IMAGE[kind].exec(before);
    return written ? imageTag(written[1]!, text, line, character, 'image') : undefined;
  }
  const image = /^\s*(?:-\s+)?image:\s*(["']?)(\S*)$/.exec(before);
  if (image) return imageTag(image[2]!, text, line, character, 'image');
  const ci = ciSystemOfPath(file);
  const ciImage = ci !== undefined ? (CI_IMAGE[ci] ?? CI_ANY).exec(before) : undefined;
  if (ciImage) return imageTag(ciImage[1]!, text, line, character, 'image');
  const name = baseName(file);
  const newTag = /^(\s*)(?:-\s+)?newTag:\s*(["']?)([\w.-]*)$/.exec(before);
  if (newTag && /^kustomization\.ya?ml$/i.test(name)) {
    const sibling = siblings(lines, line);
    const repository = sibling.get('newName') ?? sibling.get('name');
    return repository ? valueTag(repository, text, line, character, newTag[3]!, 'kustomize') : undefined;
  }
  const tag = /^(\s*)(?:-\s+)?tag:\s*(["']?)([\w.-]*)$/.exec(before);
  if (tag && /^values(?:[.-][\w.-]*)?\.ya?ml$/i.test(name)) {
    const sibling = siblings(lines, line);
    const repository = sibling.get('repository') ?? sibling.get('image');
    if (!repository) return undefined;
    const registry = sibling.get('registry');
    const full = registry && !repository.startsWith(`${registry}/`) ? `${registry}/${repository}` : repository;
    return valueTag(full, text, line, character, tag[3]!, 'chart-values');
  }
  return undefined;
}

/** An image being typed in a dev container's `"image"`, a Quadlet `Image=`, a Bake `docker-image://` context. */
const CONTAINER_FILE_IMAGE: Readonly<Record<Exclude<FileKind, 'dockerfile' | 'yaml'>, RegExp>> = {
  devcontainer: /"image"\s*:\s*"([^"\s]*)$/,
  quadlet: /^\s*Image\s*=\s*(\S*)$/,
  bake: /docker-image:\/\/([^"\s]*)$/,
};
/** CI fields that are not `image:`: a job's `container:`, a `docker://` step, a list of GitLab services, a Cloud Build step's `name:`. */
const CI_ANY = /^\s*(?:-\s+)?(?:container:\s*["']?|(?:uses|pipe):\s*["']?docker:\/\/)(\S*)$/;
const CI_IMAGE: Partial<Record<NonNullable<ReturnType<typeof ciSystemOfPath>>, RegExp>> = {
  'gitlab-ci': /^\s*(?:-\s+(?:name:\s*)?|name:\s*)["']?(\S*)$/,
  'cloud-build': /^\s*(?:-\s+)?name:\s*["']?(\S*)$/,
};

/** `name:tag` being typed in a FROM or an image: field. */
function imageTag(token: string, text: string, line: number, character: number, where: TagContext['where']): TagContext | undefined {
  const slash = token.lastIndexOf('/');
  const colon = token.indexOf(':', slash + 1);
  if (colon <= 0 || token.includes('@') || token.includes('$') || token.includes('{')) return undefined;
  const repository = token.slice(0, colon);
  // `localhost:50`, `registry.example:5`: a registry's port being typed, not a tag.
  if (slash === -1 && (repository === 'localhost' || repository.includes('.'))) return undefined;
  if (!parseReference(repository).ok) return undefined;
  const typed = token.slice(colon + 1);
  const rest = /^[\w.-]*(?:@[\w:]*)?/.exec(text.slice(character))![0];
  const tagRest = rest.split('@')[0]!;
  return {
    repository,
    current: typed + tagRest,
    typed,
    line,
    start: character - typed.length,
    end: character + rest.length,
    digestAllowed: true,
    where,
  };
}

/** A tag field whose repository is a sibling field. */
function valueTag(
  repository: string,
  text: string,
  line: number,
  character: number,
  typed: string,
  where: TagContext['where'],
): TagContext | undefined {
  // A tag or digest already in the repository field is not completed; a registry's port is fine.
  if (!parseReference(repository).ok || /[:@]/.test(repository.slice(repository.lastIndexOf('/') + 1))) return undefined;
  const rest = /^[\w.-]*/.exec(text.slice(character))![0];
  return {
    repository,
    current: typed + rest,
    typed,
    line,
    start: character - typed.length,
    end: character + rest.length,
    digestAllowed: false,
    where,
  };
}

/**
 * The plain scalar fields of the mapping the line belongs to (the same indentation, within its
 * list item or block), by key: enough to find a `name:` next to a `newTag:`.
 */
function siblings(lines: Lines, line: number): Map<string, string> {
  const lead = (text: string) => {
    const match = /^(\s*)(-\s+)?/.exec(text)!;
    return { at: match[1]!.length + (match[2]?.length ?? 0), item: match[2] !== undefined };
  };
  const own = lead(lines.at(line));
  const fields = new Map<string, string>();
  const record = (text: string) => {
    const match = /^\s*(?:-\s+)?([\w.-]+):\s*(["']?)([^"'#\s]*)\2\s*(?:#.*)?$/.exec(text);
    if (match && match[3] !== '' && !fields.has(match[1]!)) fields.set(match[1]!, match[3]!);
  };
  const blank = (text: string) => /^\s*(#.*)?$/.test(text);
  // Upwards to the start of the mapping (its `- ` line, or a line less indented).
  if (!own.item) {
    for (let n = line - 1, seen = 0; n >= 0 && seen < MAX_SIBLING_LINES; n--, seen++) {
      const text = lines.at(n);
      if (blank(text)) continue;
      const { at, item } = lead(text);
      if (at < own.at) break;
      if (at > own.at) continue;
      record(text);
      if (item) break;
    }
  }
  // Downwards to its end (a less indented line, or the next item).
  for (let n = line + 1, seen = 0; n < lines.count && seen < MAX_SIBLING_LINES; n++, seen++) {
    const text = lines.at(n);
    if (blank(text)) continue;
    const { at, item } = lead(text);
    if (at < own.at || (at === own.at && item)) break;
    if (at === own.at) record(text);
  }
  return fields;
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}
