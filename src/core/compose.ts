// Compose files: `services.<name>.image`, with Compose's own `${VAR}` interpolation.

import { isMap, isScalar, type Document, type Node, type Pair } from 'yaml';
import { classifyImage } from './images.js';
import type { LineIndex } from './lines.js';
import { expand } from './substitute.js';
import type { ImageOccurrence } from './types.js';
import { deref, getNode, getString, scalarSpan } from './yaml.js';

/** A Compose file has a `services` mapping of mappings at the top and is no Kubernetes object. */
export function isComposeFile(root: unknown, doc: Document): boolean {
  const services = getNode(root, 'services', doc);
  if (!isMap(services) || getString(root, 'kind', doc) !== undefined) return false;
  return services.items.length > 0 && (services.items as Pair[]).every((pair) => isMap(deref(pair.value, doc)) || pair.value === null);
}

export function extractCompose(
  root: Node,
  doc: Document,
  text: string,
  offset: number,
  lines: LineIndex,
  env: Readonly<Record<string, string>>,
): ImageOccurrence[] {
  const images: ImageOccurrence[] = [];
  const services = getNode(root, 'services', doc);
  if (!isMap(services)) return images;
  const lookup = (name: string) => (Object.hasOwn(env, name) ? env[name] : undefined);
  for (const pair of services.items as Pair[]) {
    if (!isScalar(pair.key)) continue;
    const service = String(pair.key.value);
    if (service.startsWith('x-')) continue;
    const definition = deref(pair.value, doc);
    const image = deref(getNode(definition, 'image', doc), doc);
    if (!isScalar(image) || typeof image.value !== 'string') continue;
    const span = scalarSpan(image, text);
    const platform = getString(definition, 'platform', doc);
    // With `build`, `image` names what Compose builds and tags, not something it pulls.
    const built = getNode(definition, 'build', doc) !== undefined;
    images.push({
      source: 'compose',
      raw: span.raw,
      range: lines.rangeAt(offset + span.start, offset + span.end),
      ...classifyImage(image.value, expand(image.value, lookup, { dollarEscape: true })),
      ...(platform !== undefined && { platform }),
      compose: { service, ...(built && { built }) },
    });
  }
  return images;
}
