// Compose files: `services.<name>.image`, with Compose's own `${VAR}` interpolation.

import { isMap, isScalar, type Document, type Node } from 'yaml';
import { classifyImage } from './classify.js';
import type { LineIndex } from '../util/lines.js';
import { expand } from './substitute.js';
import type { ImageOccurrence } from '../types.js';
import { deref, getNode, getString, scalarSpan } from './yaml/parse.js';

/** A Compose file has a `services` mapping of mappings at the top and is no Kubernetes object. */
export function isComposeFile(root: unknown, doc: Document): boolean {
  const services = getNode(root, 'services', doc);
  if (!isMap(services) || getString(root, 'kind', doc) !== undefined) return false;
  return (
    services.items.length > 0 &&
    services.items.every((pair) => {
      const value = deref(pair.value, doc);
      return isMap(value) || value === undefined || value === null || (isScalar(value) && value.value === null);
    })
  );
}

export function extractCompose(
  root: Node,
  doc: Document,
  text: string,
  lines: LineIndex,
  env: Readonly<Record<string, string>>,
): ImageOccurrence[] {
  const images: ImageOccurrence[] = [];
  const services = getNode(root, 'services', doc);
  if (!isMap(services)) return images;
  const lookup = (name: string) => (Object.hasOwn(env, name) ? env[name] : undefined);
  for (const pair of services.items) {
    if (!isScalar(pair.key)) continue;
    const service = String(pair.key.value);
    if (service.startsWith('x-')) continue;
    const definition = deref(pair.value, doc);
    const image = deref(getNode(definition, 'image', doc), doc);
    if (image === undefined) continue;
    // With `build`, `image` names what Compose builds and tags, not something it pulls.
    const built = getNode(definition, 'build', doc) !== undefined;
    const compose = { service, ...(built && { built }) };
    if (!isScalar(image) || typeof image.value !== 'string') {
      const [start, end] = image.range ?? [0, 0];
      const problem = isScalar(image) && image.value === null ? 'the image is empty' : 'the image must be a string';
      images.push({ source: 'compose', raw: '', range: lines.rangeAt(start, end), status: 'invalid', pinned: false, problem, compose });
      continue;
    }
    const span = scalarSpan(image, text);
    const platformRaw = getString(definition, 'platform', doc);
    const platformExpansion = platformRaw === undefined ? undefined : expand(platformRaw, lookup, { dollarEscape: true });
    const platform =
      platformExpansion === undefined ? undefined : platformExpansion.unresolved.length === 0 ? platformExpansion.value : platformRaw;
    images.push({
      source: 'compose',
      raw: span.raw,
      range: lines.rangeAt(span.start, span.end),
      ...classifyImage(image.value, expand(image.value, lookup, { dollarEscape: true })),
      ...(platform !== undefined && { platform }),
      compose,
    });
  }
  return images;
}
