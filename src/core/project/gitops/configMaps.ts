// The ConfigMaps and Secrets written in a repository, for Flux's `valuesFrom`: each key's value
// with its place. A ConfigMap's `data`, a Secret's `stringData` over its base64 `data` (as the API
// server merges them); a SOPS-encrypted Secret is marked, never decoded. Values are never put in
// messages: a Secret's are secret.

import { isMap, type Node } from 'yaml';
import { parseChunk, splitDocuments } from '../../analysis/yaml/parse.js';
import { LineIndex } from '../../util/lines.js';
import { YamlReader, type Written } from './reader.js';

/** One key of a ConfigMap's `data` or a Secret's. */
export interface DataValue {
  /** The value as written (for base64 `data`, the encoded text). */
  readonly written: Written;
  /** A plain value as a values text of the file's length (each value at its place in the file). */
  readonly valuesText?: string;
  /** A Secret's `data` value decoded: its values have no place finer than the key's value. */
  readonly decoded?: string;
}

export interface ValuesObject {
  readonly kind: 'ConfigMap' | 'Secret';
  readonly file: string;
  readonly name: string;
  readonly namespace?: string;
  readonly data: ReadonlyMap<string, DataValue>;
  /** Encrypted with SOPS: nothing in it can be read. */
  readonly encrypted: boolean;
}

const KIND = /^kind:\s*["']?(?:ConfigMap|Secret)["']?\s*(?:#.*)?$/m;

/** Whether a text may hold a ConfigMap or a Secret (before parsing it). */
export function mayHoldValuesObject(text: string): boolean {
  return KIND.test(text);
}

/** The ConfigMaps and Secrets of a YAML file's text. */
export function valuesObjects(text: string, file: string): ValuesObject[] {
  if (!KIND.test(text)) return [];
  const lines = new LineIndex(text);
  const found: ValuesObject[] = [];
  for (const chunk of splitDocuments(text)) {
    if (!KIND.test(chunk.text)) continue;
    for (const doc of parseChunk(chunk.text)) {
      if (doc.errors.length > 0) continue;
      const object = new Reader(doc, text, chunk.text, chunk.offset, lines, file).object();
      if (object) found.push(object);
    }
  }
  return found;
}

class Reader extends YamlReader {
  object(): ValuesObject | undefined {
    const root = this.root();
    const kind = this.string(this.get(root, 'kind'))?.value;
    const apiVersion = this.string(this.get(root, 'apiVersion'))?.value;
    if ((kind !== 'ConfigMap' && kind !== 'Secret') || apiVersion !== 'v1') return undefined;
    const metadata = this.get(root, 'metadata');
    const name = this.string(this.get(metadata, 'name'))?.value;
    if (name === undefined) return undefined;
    const namespace = this.string(this.get(metadata, 'namespace'))?.value;
    const data = new Map<string, DataValue>();
    const encrypted = kind === 'Secret' && this.get(root, 'sops') !== undefined;
    if (kind === 'ConfigMap') this.plain(this.get(root, 'data'), data);
    else if (!encrypted) {
      this.base64(this.get(root, 'data'), data);
      this.plain(this.get(root, 'stringData'), data);
    }
    return { kind, file: this.file, name, ...(namespace !== undefined && { namespace }), data, encrypted };
  }

  private entries(node: Node | undefined): [string, Node][] {
    const map = this.deref(node);
    if (!isMap(map)) return [];
    return map.items.flatMap((pair) => {
      const key = this.string(pair.key as Node)?.value;
      const value = this.deref(pair.value);
      return key !== undefined && value ? [[key, value] as [string, Node]] : [];
    });
  }

  private plain(node: Node | undefined, into: Map<string, DataValue>): void {
    for (const [key, value] of this.entries(node)) {
      const written = this.string(value);
      if (!written) continue;
      const valuesText = this.valuesText(value);
      into.set(key, { written, ...(valuesText !== undefined && { valuesText }) });
    }
  }

  private base64(node: Node | undefined, into: Map<string, DataValue>): void {
    for (const [key, value] of this.entries(node)) {
      const written = this.string(value);
      if (!written || !/^[A-Za-z0-9+/=\s]*$/.test(written.value)) continue;
      into.set(key, { written, decoded: Buffer.from(written.value.replace(/\s/g, ''), 'base64').toString('utf8') });
    }
  }
}
