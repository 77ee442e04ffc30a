// kustomize's image transformer, reproduced: which image fields it changes, how an `images:`
// entry's name matches (an RE2 expression, no Docker Hub normalisation), how newName, newTag,
// digest and tagSuffix combine. What a rendered object runs is read in workloads.ts.

import { isKMap, isKScalar, isKSeq, type KMap, type KNode, type KScalar } from './tree.js';
import type { ImageRule } from './kustomization.js';
import { re2, type Pattern } from './pattern.js';

/**
 * kustomize's `IsImageMatched`: the entry's name is pasted into `^name(:tag)?(@sha256:…)?$` as an
 * RE2 expression, so `nginx` matches `nginx`, `nginx:1.2` and `nginx@sha256:…` but not
 * `docker.io/library/nginx`, the dots of `quay.io/x` match any character, and `a|b` is `^a` or
 * `b(:tag)?(@sha256:…)?$`. A name RE2 refuses makes kubectl crash; the caller says why.
 */
export function imagePattern(name: string): Pattern {
  return re2(`^${name}(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$`);
}

/** kustomize's `image.Split`: name, tag and digest, the tag's colon searched after the first slash (a registry port is no tag). */
export function splitImage(image: string): { name: string; tag: string; digest: string } {
  const slash = image.indexOf('/');
  const base = slash > 0 ? slash : 0;
  const search = slash > 0 ? image.slice(slash) : image;
  const at = search.indexOf('@');
  const colon = search.indexOf(':');
  if (colon < 0 && at < 0) return { name: image, tag: '', digest: '' };
  if (at >= 0 && (at < colon || colon < 0)) return { name: image.slice(0, base + at), tag: '', digest: image.slice(base + at + 1) };
  if (at >= 0 && colon >= 0)
    return { name: image.slice(0, base + colon), tag: image.slice(base + colon + 1, base + at), digest: image.slice(base + at + 1) };
  return { name: image.slice(0, base + colon), tag: image.slice(base + colon + 1), digest: '' };
}

/** What an `images:` entry makes of an image, or undefined when its name does not match. */
export function applyImageRule(
  image: string,
  rule: Pick<ImageRule, 'name' | 'newName' | 'newTag' | 'digest' | 'tagSuffix'>,
): string | undefined {
  const pattern = imagePattern(rule.name);
  if ('error' in pattern || !pattern.matches(image)) return undefined;
  let { name, tag, digest } = splitImage(image);
  if (rule.newName !== undefined && rule.newName !== '') name = rule.newName;
  const newTag = rule.newTag ?? '';
  const newDigest = rule.digest ?? '';
  // A new tag or digest replaces both the tag and the digest; a suffix extends the tag and drops the digest.
  if (newTag !== '' && newDigest !== '') {
    tag = newTag;
    digest = newDigest;
  } else if (newTag !== '') {
    tag = newTag;
    digest = '';
  } else if (newDigest !== '') {
    tag = '';
    digest = newDigest;
  } else if (rule.tagSuffix !== undefined && rule.tagSuffix !== '') {
    tag += rule.tagSuffix;
    digest = '';
  }
  return name + (tag !== '' ? `:${tag}` : '') + (digest !== '' ? `@${digest}` : '');
}

// The builtin image field specs (kustomize's images.go); the legacy pass looks further, below.
const FIELD_SPECS: readonly (readonly string[])[] = [
  ['spec', 'containers'],
  ['spec', 'initContainers'],
  ['spec', 'template', 'spec', 'containers'],
  ['spec', 'template', 'spec', 'initContainers'],
];

/**
 * Runs one `images:` entry over an object as kustomize's ImageTagTransformer does: first the
 * legacy pass (every `containers` and `initContainers` list anywhere in the object), then the
 * field specs. A container at a field spec path is changed by both, which a tagSuffix shows
 * (`x:1-s-s`); CustomResourceDefinitions are left alone. Returns whether the name matched.
 */
export function transformImages(object: KMap, rule: ImageRule): boolean {
  const kind = object.entries.get('kind');
  if (isKScalar(kind) && kind.text === 'CustomResourceDefinition') return false;
  let matched = false;
  const update = (container: KNode): void => {
    if (!isKMap(container)) return;
    const image = container.entries.get('image');
    if (!isKScalar(image) || image.type === 'null') return;
    const changed = applyImageRule(image.text, rule);
    if (changed === undefined) return;
    matched = true;
    container.entries.set('image', changedImage(image, changed, rule));
  };
  const legacy = (node: KNode, depth: number): void => {
    if (depth > 64) return;
    if (isKMap(node)) {
      for (const [key, value] of node.entries) {
        legacy(value, depth + 1);
        if ((key === 'containers' || key === 'initContainers') && isKSeq(value)) value.items.forEach(update);
      }
    } else if (isKSeq(node)) for (const item of node.items) legacy(item, depth + 1);
  };
  legacy(object, 0);
  for (const spec of FIELD_SPECS) {
    let node: KNode | undefined = object;
    for (const key of spec) node = isKMap(node) ? node.entries.get(key) : undefined;
    if (isKSeq(node)) node.items.forEach(update);
  }
  return matched;
}

function changedImage(image: KScalar, value: string, rule: ImageRule): KScalar {
  const origin = image.trace?.origin ?? image.at;
  return {
    t: 's',
    text: value,
    type: 'str',
    ...(image.at && { at: image.at }),
    ...(image.by && { by: image.by }),
    ...(origin && { trace: { origin, decided: rule.nameAt, by: 'images-entry', entry: rule.entry } }),
  };
}
