// Compose files: each service's `image`, `user` and `build`, with Compose's own `${VAR}`
// interpolation of the project's variables.

import { isMap, isScalar, type Document, type Node } from 'yaml';
import { classifyImage } from './classify.js';
import type { LineIndex } from '../util/lines.js';
import { expand } from './substitute.js';
import type { ComposeService, ImageOccurrence, Range } from '../types.js';
import { deref, getNode, getString, scalarSpan } from './yaml/parse.js';

/** A top-level `services:` key: the text may be a Compose file, whose project variables are worth reading first. */
export function mayBeCompose(text: string): boolean {
  return /^services[ \t]*:/m.test(text);
}

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

export interface ComposeFacts {
  readonly images: ImageOccurrence[];
  readonly services: ComposeService[];
}

export function extractCompose(
  root: Node,
  doc: Document,
  text: string,
  lines: LineIndex,
  env: Readonly<Record<string, string>>,
): ComposeFacts {
  const facts: ComposeFacts = { images: [], services: [] };
  const services = getNode(root, 'services', doc);
  if (!isMap(services)) return facts;
  const lookup = (name: string) => (Object.hasOwn(env, name) ? env[name] : undefined);
  const interpolate = (value: string) => expand(value, lookup, { dollarEscape: true });
  const place = (node: Node): Range => {
    if (isScalar(node)) {
      const span = scalarSpan(node, text);
      return lines.rangeAt(span.start, span.end);
    }
    const [start, end] = node.range ?? [0, 0];
    return lines.rangeAt(start, end);
  };
  // A service written twice is one service, its last definition (as Compose reads it).
  const last = new Map<string, number>();
  services.items.forEach((pair, index) => isScalar(pair.key) && last.set(String(pair.key.value), index));
  for (const [index, pair] of services.items.entries()) {
    if (!isScalar(pair.key)) continue;
    const service = String(pair.key.value);
    if (service.startsWith('x-') || last.get(service) !== index) continue;
    const definition = deref(pair.value, doc);
    const build = buildOf(deref(getNode(definition, 'build', doc), doc), doc, interpolate, place);
    const user = userOf(deref(getNode(definition, 'user', doc), doc), text, interpolate, place);
    facts.services.push({ service, range: place(pair.key as Node), ...(user && { user }), ...(build && { build }) });
    const image = deref(getNode(definition, 'image', doc), doc);
    if (image === undefined) continue;
    // With `build`, `image` names what Compose builds and tags, not something it pulls.
    const compose = { service, ...(build && { built: true }) };
    if (!isScalar(image) || typeof image.value !== 'string') {
      const problem = isScalar(image) && image.value === null ? 'the image is empty' : 'the image must be a string';
      facts.images.push({ source: 'compose', raw: '', range: place(image), status: 'invalid', pinned: false, problem, compose });
      continue;
    }
    const span = scalarSpan(image, text);
    const platformRaw = getString(definition, 'platform', doc);
    const platformExpansion = platformRaw === undefined ? undefined : interpolate(platformRaw);
    const platform =
      platformExpansion === undefined ? undefined : platformExpansion.unresolved.length === 0 ? platformExpansion.value : platformRaw;
    facts.images.push({
      source: 'compose',
      raw: span.raw,
      range: lines.rangeAt(span.start, span.end),
      ...classifyImage(image.value, interpolate(image.value)),
      ...(platform !== undefined && { platform }),
      compose,
    });
  }
  return facts;
}

type Interpolate = (value: string) => { value: string; unresolved: readonly string[] };

/** `build: ./dir` or `build: {context, dockerfile, target}`; the context defaults to `.`, the Dockerfile to `Dockerfile`. */
function buildOf(node: Node | undefined, doc: Document, interpolate: Interpolate, place: (node: Node) => Range): ComposeService['build'] {
  if (node === undefined) return undefined;
  const text = (value: unknown) => (typeof value === 'string' ? interpolate(value).value : undefined);
  if (isScalar(node)) return { context: text(node.value) ?? '.', dockerfile: 'Dockerfile', range: place(node) };
  if (!isMap(node)) return { context: '.', dockerfile: 'Dockerfile', range: place(node) };
  const context = text(getString(node, 'context', doc)) ?? '.';
  const dockerfile = text(getString(node, 'dockerfile', doc)) ?? 'Dockerfile';
  const target = text(getString(node, 'target', doc));
  return { context, dockerfile, ...(target && { target }), range: place(node) };
}

/** `user: "1000:1000"`, `user: root`, `user: 0` (a number in YAML), with variables. */
function userOf(node: Node | undefined, text: string, interpolate: Interpolate, place: (node: Node) => Range): ComposeService['user'] {
  const value: unknown = isScalar(node) ? node.value : undefined;
  if (!isScalar(node) || (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')) return undefined;
  const raw = typeof value === 'string' ? scalarSpan(node, text).raw : String(value);
  const expansion = typeof value === 'string' ? interpolate(value) : { value: raw, unresolved: [] };
  return { raw, range: place(node), ...(expansion.unresolved.length === 0 && { resolved: expansion.value }) };
}
