// How GitOps tools change a kustomization's `images:` before they build it: Argo CD runs
// `kustomize edit set image ARG…` in the source's folder (an entry of the same name is replaced,
// `*` keeps a field of it, the list is then sorted by name); Flux's kustomize-controller replaces
// the entry of the same name with each `spec.images` entry, or appends it.

import type { ImagesEntry } from '../../types.js';
import type { ImageRule } from '../kustomize/kustomization.js';
import { splitImage } from '../kustomize/images.js';
import type { FluxImage, Written } from './objects.js';

/** The `images:` entry one `kustomize edit set image` argument writes, or why kustomize refuses it. */
export function setImageRule(file: string, arg: Written): ImageRule | { readonly error: string } {
  const equals = arg.value.indexOf('=');
  const key = equals === -1 ? '' : arg.value.slice(0, equals);
  const { name, tag, digest } = splitImage(equals === -1 ? arg.value : arg.value.slice(equals + 1));
  // kustomize's own check: an argument that is only a name sets nothing.
  if (name === arg.value)
    return { error: `kustomize.images: ${JSON.stringify(arg.value)} sets nothing (write name=newName:tag, name:tag or name@digest)` };
  const written = (value: string) => ({ value, range: arg.range });
  const entry: ImagesEntry = {
    file,
    range: arg.range,
    name: written(key === '' ? name : key),
    ...(key !== '' && { newName: written(name) }),
    ...(tag !== '' && { newTag: written(tag) }),
    ...(digest !== '' && { digest: written(digest) }),
  };
  return {
    entry,
    name: entry.name.value,
    nameAt: { file, start: arg.start, end: arg.end, raw: arg.value },
    ...(key !== '' && { newName: name }),
    ...(tag !== '' && { newTag: tag }),
    ...(digest !== '' && { digest }),
  };
}

const PRESERVE = '*';

/** `kustomize edit set image`: each rule replaces the entry of its name (`*` keeps that entry's field); sorted by name. */
export function editSetImage(images: readonly ImageRule[], set: readonly ImageRule[]): ImageRule[] {
  const byName = new Map<string, ImageRule>();
  for (const rule of set) byName.set(rule.name, rule);
  const given = new Set(byName.keys());
  for (const existing of images) {
    const rule = given.has(existing.name) ? byName.get(existing.name) : undefined;
    if (!rule) {
      byName.set(existing.name, existing);
      continue;
    }
    byName.set(existing.name, {
      ...rule,
      ...preserved(rule, existing, 'newName'),
      ...preserved(rule, existing, 'newTag'),
      ...preserved(rule, existing, 'digest'),
    });
  }
  const cleared = [...byName.values()].map((rule) => {
    const copy: { -readonly [K in keyof ImageRule]: ImageRule[K] } = { ...rule };
    for (const field of ['newName', 'newTag', 'digest'] as const) if (copy[field] === PRESERVE) delete copy[field];
    return copy;
  });
  return cleared.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function preserved(rule: ImageRule, existing: ImageRule, field: 'newName' | 'newTag' | 'digest'): Partial<ImageRule> {
  if (rule[field] !== PRESERVE) return {};
  const value = existing[field];
  return value === undefined ? { [field]: undefined } : { [field]: value };
}

/** The rule of a Flux `spec.images` entry. */
export function fluxImageRule(file: string, image: FluxImage): ImageRule {
  const written = (w: Written) => ({ value: w.value, range: w.range });
  const entry: ImagesEntry = {
    file,
    range: image.range,
    name: written(image.name),
    ...(image.newName && { newName: written(image.newName) }),
    ...(image.newTag && { newTag: written(image.newTag) }),
    ...(image.digest && { digest: written(image.digest) }),
  };
  return {
    entry,
    name: image.name.value,
    nameAt: { file, start: image.name.start, end: image.name.end, raw: image.name.value },
    ...(image.newName && { newName: image.newName.value }),
    ...(image.newTag && { newTag: image.newTag.value }),
    ...(image.digest && { digest: image.digest.value }),
  };
}

/** Flux's edit: each entry replaces the one of the same name, else is appended. */
export function fluxEditImages(images: readonly ImageRule[], set: readonly ImageRule[]): ImageRule[] {
  const edited = [...images];
  for (const rule of set) {
    const index = edited.findIndex((existing) => existing.name === rule.name);
    if (index === -1) edited.push(rule);
    else edited[index] = rule;
  }
  return edited;
}
