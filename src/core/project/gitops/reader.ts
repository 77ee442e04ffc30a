// One YAML document of a file, read value by value with each value's place in the file: the
// common part of the GitOps objects' reader and of the ConfigMaps' and Secrets' reader.

import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import { deref, getNode, scalarSpan } from '../../analysis/yaml/parse.js';
import type { LineIndex } from '../../util/lines.js';
import type { Range } from '../../types.js';
import { blankOutside } from '../helm/values.js';

/** A string as written: its value and where (offsets of exactly that text when it has no escapes). */
export interface Written {
  readonly value: string;
  readonly range: Range;
  readonly start: number;
  readonly end: number;
}

export class YamlReader {
  constructor(
    protected readonly doc: Document.Parsed,
    protected readonly text: string,
    protected readonly chunk: string,
    protected readonly offset: number,
    protected readonly lines: LineIndex,
    protected readonly file: string,
  ) {}

  /** The document's root (through an alias). */
  root(): Node | undefined {
    return deref(this.doc.contents, this.doc);
  }

  /** A mapping's value (through aliases and merge keys). */
  get(node: unknown, key: string): Node | undefined {
    return getNode(node, key, this.doc);
  }

  /** The node through an alias. */
  deref(node: unknown): Node | undefined {
    return deref(node, this.doc);
  }

  range(start: number, end: number): Range {
    return this.lines.rangeAt(this.offset + start, this.offset + end);
  }

  string(node: Node | undefined): Written | undefined {
    const scalar = deref(node, this.doc);
    if (!isScalar(scalar) || typeof scalar.value !== 'string' || !scalar.range) return undefined;
    const span = scalarSpan(scalar, this.chunk);
    return { value: scalar.value, range: this.range(span.start, span.end), start: this.offset + span.start, end: this.offset + span.end };
  }

  strings(node: Node | undefined): Written[] {
    const seq = deref(node, this.doc);
    if (!isSeq(seq)) return [];
    return seq.items.map((item) => this.string(item as Node)).filter((w) => w !== undefined);
  }

  /** A non-string scalar as written (`1.2`, `true`). */
  scalarText(node: Node | undefined): Written | undefined {
    if (!isScalar(node) || !node.range || node.value === null) return undefined;
    const [start, end] = node.range;
    const raw = this.text.slice(this.offset + start, this.offset + end);
    return { value: raw, range: this.range(start, end), start: this.offset + start, end: this.offset + end };
  }

  /** A boolean written `true`. */
  isTrue(node: Node | undefined): boolean {
    const scalar = deref(node, this.doc);
    return isScalar(scalar) && scalar.value === true;
  }

  /**
   * The values a mapping or a YAML string sets, as a text of the file's length with everything
   * else blanked: read as a values file, each value keeps its line and column in this file. A
   * literal block (`values: |`) is its own lines, exactly; a mapping (`valuesObject:`, Flux's
   * `values:`) its own text; another string (quoted, folded) is written from the value's line on,
   * so that its values keep their lines only as far as the string keeps its own.
   */
  valuesText(node: Node): string | undefined {
    const target = deref(node, this.doc);
    if (!target?.range) return undefined;
    const [start, end] = [this.offset + target.range[0], this.offset + target.range[1]];
    if (isMap(target)) return blankOutside(this.text, start, end);
    if (!isScalar(target) || typeof target.value !== 'string') return undefined;
    if (target.type === 'BLOCK_LITERAL') {
      const header = this.text.indexOf('\n', start);
      if (header !== -1 && header < end) return blankOutside(this.text, header + 1, end);
    }
    const line = this.lines.positionAt(start).line;
    return '\n'.repeat(line) + target.value;
  }
}
