// JSON 6902 patches (add, remove, replace, move, copy, test) on a resource tree, all or nothing
// as kustomize applies them; a replaced image keeps where it was first written.

import { asYaml11, clone, isKMap, isKScalar, isKSeq, plain, type KMap, type KNode, type KScalar } from './tree.js';
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

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`"${pointer}" is not a JSON pointer`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function parentOf(root: KMap, pointer: string): { parent: KNode; last: string } {
  const path = tokens(pointer);
  if (path.length === 0) throw new PatchError('an operation on the whole object is not supported');
  let node: KNode = root;
  for (const token of path.slice(0, -1)) {
    const next = child(node, token);
    if (next === undefined) throw new PatchError(`${pointer}: ${token} is missing`);
    node = next;
  }
  return { parent: node, last: path[path.length - 1]! };
}

function child(node: KNode, token: string): KNode | undefined {
  if (isKMap(node)) return node.entries.get(token);
  if (isKSeq(node) && /^(?:0|[1-9][0-9]*)$/.test(token)) return node.items[Number(token)];
  return undefined;
}

function get(root: KMap, pointer: string): KNode {
  let node: KNode = root;
  for (const token of tokens(pointer)) {
    const next = child(node, token);
    if (next === undefined) throw new PatchError(`${pointer} is missing`);
    node = next;
  }
  return node;
}

function index(token: string, length: number, pointer: string, allowEnd: boolean): number {
  if (!/^(?:0|[1-9][0-9]*)$/.test(token)) throw new PatchError(`${pointer}: ${token} is not an index`);
  const i = Number(token);
  if (i > length || (!allowEnd && i === length)) throw new PatchError(`${pointer}: index ${i} is out of range`);
  return i;
}

function add(root: KMap, pointer: string, value: KNode): void {
  const { parent, last } = parentOf(root, pointer);
  if (isKMap(parent)) {
    const before = parent.entries.get(last);
    parent.entries.set(last, isKScalar(before) && isKScalar(value) ? keepOrigin(before, value) : value);
  } else if (isKSeq(parent)) {
    const i = last === '-' ? parent.items.length : index(last, parent.items.length, pointer, true);
    parent.items.splice(i, 0, value);
  } else throw new PatchError(`${pointer}: the parent is not an object or a list`);
}

function remove(root: KMap, pointer: string): KNode {
  const { parent, last } = parentOf(root, pointer);
  if (isKMap(parent)) {
    const value = parent.entries.get(last);
    if (value === undefined) throw new PatchError(`${pointer} is missing`);
    parent.entries.delete(last);
    return value;
  }
  if (isKSeq(parent)) {
    const i = index(last, parent.items.length, pointer, false);
    return parent.items.splice(i, 1)[0]!;
  }
  throw new PatchError(`${pointer}: the parent is not an object or a list`);
}

function replace(root: KMap, pointer: string, value: KNode): void {
  const { parent, last } = parentOf(root, pointer);
  if (isKMap(parent)) {
    const before = parent.entries.get(last);
    if (before === undefined) throw new PatchError(`${pointer} is missing: replace needs a value to replace`);
    parent.entries.set(last, isKScalar(before) && isKScalar(value) ? keepOrigin(before, value) : value);
  } else if (isKSeq(parent)) {
    const i = index(last, parent.items.length, pointer, false);
    const before = parent.items[i]!;
    parent.items[i] = isKScalar(before) && isKScalar(value) ? keepOrigin(before, value) : value;
  } else throw new PatchError(`${pointer}: the parent is not an object or a list`);
}

/** The patch's value in place of a scalar: an image keeps where it was first written. */
function keepOrigin(before: KScalar, value: KScalar): KScalar {
  const origin = before.trace?.origin ?? before.at;
  if (!origin || !value.at) return value;
  return { ...value, trace: { origin, decided: value.at, by: 'patch' } };
}

function apply(root: KMap, op: JsonPatchOp): void {
  const value = (): KNode => {
    if (op.value === undefined) throw new PatchError(`${op.op} ${op.path}: the operation has no value`);
    return clone(op.value);
  };
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
    case 'move': {
      const source = from();
      if (op.path.startsWith(`${source}/`)) throw new PatchError(`move ${source} into itself`);
      return add(root, op.path, remove(root, source));
    }
    case 'copy':
      return add(root, op.path, clone(get(root, from())));
    case 'test':
      if (!isDeepStrictEqual(plain(get(root, op.path)), plain(value()))) throw new PatchError(`test ${op.path} failed: the value differs`);
      return;
    default:
      throw new PatchError(`unknown operation "${op.op}"`);
  }
}
