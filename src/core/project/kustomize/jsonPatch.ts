// JSON 6902 patches (add, remove, replace, move, copy, test) on a resource tree, all or nothing
// as kustomize applies them; a replaced image keeps where it was first written.

import { asYaml11, clone, isKMap, isKScalar, isKSeq, plain, type KMap, type KNode, type KScalar, type KSeq } from './tree.js';
import { isDeepStrictEqual } from 'node:util';

export interface JsonPatchOp {
  readonly op: string;
  readonly path: string;
  readonly from?: string;
  readonly value?: KNode;
}

/** Reads the operations of a patch (a YAML or JSON list), or why it is none. */
export function readOperations(node: KNode): JsonPatchOp[] | string {
  if (!isKSeq(node)) return 'a JSON 6902 patch is a list of operations';
  const ops: JsonPatchOp[] = [];
  for (const item of node.items) {
    if (!isKMap(item)) return 'each JSON 6902 operation is a mapping (op, path, value)';
    const text = (key: string): string | undefined => {
      const value = item.entries.get(key);
      return isKScalar(value) ? value.text : undefined;
    };
    const op = text('op');
    const path = text('path');
    if (op === undefined || path === undefined) return 'each JSON 6902 operation has op and path';
    const from = text('from');
    // kustomize reads JSON patches through go-yaml v2: `value: y` is the boolean true there.
    const value = item.entries.get('value');
    ops.push({ op, path, ...(from !== undefined && { from }), ...(value !== undefined && { value: asYaml11(value) }) });
  }
  return ops;
}

class PatchError extends Error {}

/** Applies the operations to a copy of the object: the patched copy, or why the patch does not apply. */
export function applyOperations(object: KMap, ops: readonly JsonPatchOp[]): KMap | string {
  const root = clone(object);
  try {
    for (const op of ops) apply(root, op);
  } catch (error) {
    if (error instanceof PatchError) return error.message;
    throw error;
  }
  return root;
}

// The operations as evanphx/json-patch v4.13 (the library kustomize v5 applies them with) has
// them, quirks included: the first segment of a path is dropped whatever it is, `replace` of a
// missing key of an object sets it, indices are Go integers (`+1`, `01`) and may be negative
// (from the end), and `test` of a missing key against null passes.

/** The segments of a path after the first one (`/a/b` is `a`, `b`; `a/b` is `b`), unescaped. */
function segments(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Go's strconv.Atoi, or undefined when it fails. */
function atoi(token: string): number | undefined {
  return /^[+-]?[0-9]+$/.test(token) && Number.isSafeInteger(Number(token)) ? Number(token) : undefined;
}

/** A list's index by Go integer (negative: from the end), or undefined when it has none. */
function indexIn(list: KSeq, token: string): number | undefined {
  const i = atoi(token);
  if (i === undefined || i < -list.items.length || i >= list.items.length) return undefined;
  return i < 0 ? i + list.items.length : i;
}

/** The same, or why there is none. */
function position(list: KSeq, token: string, pointer: string): number {
  const i = indexIn(list, token);
  if (i === undefined) throw new PatchError(`${pointer}: ${token} is no index of the list (${list.items.length} items)`);
  return i;
}

/** json-patch's findObject: the object or list holding the last segment, and that segment. */
function container(root: KMap, pointer: string, op: string): { parent: KMap | KSeq; last: string } {
  const path = segments(pointer);
  if (path.length === 0) throw new PatchError(`${op} operation does not apply: doc is missing path: "${pointer}"`);
  let node: KNode = root;
  for (const token of path.slice(0, -1)) {
    const i: number | undefined = isKSeq(node) ? indexIn(node, token) : undefined;
    const next: KNode | undefined = isKMap(node) ? node.entries.get(token) : isKSeq(node) && i !== undefined ? node.items[i] : undefined;
    if (next === undefined || (isKScalar(next) && next.type === 'null'))
      throw new PatchError(`${op} operation does not apply: doc is missing path: ${pointer}`);
    node = next;
  }
  if (!isKMap(node) && !isKSeq(node)) throw new PatchError(`${op} operation does not apply: doc is missing path: ${pointer}`);
  return { parent: node, last: path[path.length - 1]! };
}

/** The value at the last segment: undefined for a missing key of an object (json-patch's get does not fail there). */
function get(parent: KMap | KSeq, last: string, pointer: string): KNode | undefined {
  return isKMap(parent) ? parent.entries.get(last) : parent.items[position(parent, last, pointer)];
}

function add(root: KMap, pointer: string, value: KNode, op = 'add'): void {
  const { parent, last } = container(root, pointer, op);
  if (isKMap(parent)) {
    parent.entries.set(last, placed(parent.entries.get(last), value));
    return;
  }
  if (last === '-') {
    parent.items.push(value);
    return;
  }
  let i = atoi(last);
  if (i === undefined) throw new PatchError(`${pointer}: ${last} is not an index`);
  const size = parent.items.length + 1;
  if (i >= size || i < -size) throw new PatchError(`${pointer}: index ${i} is out of range`);
  if (i < 0) i += size;
  parent.items.splice(i, 0, value);
}

function remove(root: KMap, pointer: string, op = 'remove'): KNode {
  const { parent, last } = container(root, pointer, op);
  if (isKMap(parent)) {
    const value = parent.entries.get(last);
    if (value === undefined) throw new PatchError(`${pointer}: unable to remove nonexistent key ${last}`);
    parent.entries.delete(last);
    return value;
  }
  return parent.items.splice(position(parent, last, pointer), 1)[0]!;
}

function replace(root: KMap, pointer: string, value: KNode): void {
  if (pointer === '') throw new PatchError('a replace of the whole object is not supported');
  const { parent, last } = container(root, pointer, 'replace');
  // A missing key of an object is set (json-patch v4 does not check it); a list index must exist.
  if (isKMap(parent)) parent.entries.set(last, placed(parent.entries.get(last), value));
  else {
    const i = position(parent, last, pointer);
    parent.items[i] = placed(parent.items[i], value);
  }
}

/** The value that takes the place of `before`: an image keeps where it was first written. */
function placed(before: KNode | undefined, value: KNode): KNode {
  return isKScalar(before) && isKScalar(value) ? keepOrigin(before, value) : value;
}

/** The patch's value in place of a scalar: an image keeps where it was first written. */
function keepOrigin(before: KScalar, value: KScalar): KScalar {
  const origin = before.trace?.origin ?? before.at;
  if (!origin || !value.at) return value;
  return { ...value, trace: { origin, decided: value.at, by: 'patch' } };
}

function apply(root: KMap, op: JsonPatchOp): void {
  // An operation without a value adds or replaces with null, as json-patch does.
  const value = (): KNode => (op.value === undefined ? { t: 's', text: '', type: 'null' } : clone(op.value));
  const from = (): string => {
    if (op.from === undefined) throw new PatchError(`${op.op} ${op.path}: the operation has no from`);
    return op.from;
  };
  switch (op.op) {
    case 'add':
      return add(root, op.path, value());
    case 'remove':
      remove(root, op.path);
      return;
    case 'replace':
      return replace(root, op.path, value());
    case 'move':
      return add(root, op.path, remove(root, from(), 'move'), 'move');
    case 'copy': {
      const source = from();
      const { parent, last } = container(root, source, 'copy');
      const found = get(parent, last, source);
      if (found === undefined) throw new PatchError(`copy ${source}: there is no value to copy`);
      return add(root, op.path, clone(found), 'copy');
    }
    case 'test': {
      if (op.path === '') {
        if (!isDeepStrictEqual(plain(root), op.value === undefined ? null : plain(value())))
          throw new PatchError(`test ${op.path} failed: the value differs`);
        return;
      }
      const { parent, last } = container(root, op.path, 'test');
      const found = get(parent, last, op.path);
      const expected = op.value === undefined ? null : plain(value());
      // A missing key tests equal to null.
      if (!isDeepStrictEqual(found === undefined ? null : plain(found), expected))
        throw new PatchError(`test ${op.path} failed: the value differs`);
      return;
    }
    default:
      throw new PatchError(`unknown operation "${op.op}"`);
  }
}
