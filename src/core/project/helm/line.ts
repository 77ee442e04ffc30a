// One line of a template, rendered: the context at a place in the template (dot and variables,
// through the `with` and `range` blocks around it and the declarations before it), the text the
// line renders to from there (actions may continue it across source lines: `{{- if … }}@…`), the
// YAML scalar that text is, and where its value is written in the template.

import type { BranchNode, Node, TextNode } from './parse.js';
import { BudgetSpent } from '../budget.js';
import { Evaluator, iterate, LINE_END, Sink, Vars, type State } from './template.js';
import { sliceText } from './functions.js';
import { Text, truth, Unknown, Unresolved, type Piece, type Value } from './value.js';

/** One level of the way down to a place: a list, and the node in it that holds the place. */
interface Step {
  readonly nodes: readonly Node[];
  readonly index: number;
  readonly branch?: 'list' | 'else' | 'define';
}

export interface Frame {
  readonly nodes: readonly Node[];
  readonly index: number;
  readonly state: State;
  /** A range body: the line does not go on past its end (the next item starts again). */
  readonly loop: boolean;
}

/** The frames from the top of the template down to the text node holding a place. */
export interface LineContext {
  readonly frames: readonly Frame[];
}

export type ContextsAt =
  | { readonly kind: 'found'; readonly contexts: readonly LineContext[]; readonly truncated: boolean }
  | { readonly kind: 'define'; readonly name: string }
  | { readonly kind: 'empty-range'; readonly part: string }
  | { readonly kind: 'none' };

/** How many items of a `range` around an image are each evaluated. */
export const MAX_CONTEXTS = 64;

function pathTo(nodes: readonly Node[], offset: number): Step[] | undefined {
  for (let index = 0; index < nodes.length; index++) {
    const node = nodes[index]!;
    if (offset < node.start || offset >= node.end) continue;
    switch (node.type) {
      case 'text':
        return [{ nodes, index }];
      case 'if':
      case 'with':
      case 'range': {
        const inList = pathTo(node.list, offset);
        if (inList) return [{ nodes, index, branch: 'list' }, ...inList];
        const inElse = node.elseList && pathTo(node.elseList, offset);
        return inElse ? [{ nodes, index, branch: 'else' }, ...inElse] : undefined;
      }
      case 'define': {
        const inDefine = pathTo(node.list, offset);
        return inDefine ? [{ nodes, index, branch: 'define' }, ...inDefine] : undefined;
      }
      default:
        return undefined;
    }
  }
  return undefined;
}

/**
 * The contexts a place in the template is rendered in: one, or one per item of the `range`s
 * around it. An `if` around it only says whether it is rendered, so it is entered whatever its
 * condition; a `with` sets dot (to something unknown when it would be skipped).
 */
export function contextsAt(evaluator: Evaluator, root: readonly Node[], offset: number, top: Value): ContextsAt {
  const path = pathTo(root, offset);
  if (!path) return { kind: 'none' };
  let states: { frames: Frame[]; state: State; loop: boolean }[] = [
    { frames: [], state: { dot: top, vars: new Vars([['$', top]]) }, loop: false },
  ];
  let truncated = false;
  for (let level = 0; level < path.length; level++) {
    const step = path[level]!;
    const next: typeof states = [];
    let emptyRange: string | undefined;
    for (const { frames, state, loop } of states) {
      evaluator.reset();
      prelude(evaluator, step.nodes.slice(0, step.index), state);
      const chain = [...frames, { nodes: step.nodes, index: step.index, state, loop }];
      if (level === path.length - 1) {
        next.push({ frames: chain, state, loop });
        continue;
      }
      const node = step.nodes[step.index] as BranchNode | (Node & { type: 'define'; name: string });
      if (node.type === 'define') return { kind: 'define', name: node.name };
      const inner: State = { dot: state.dot, vars: state.vars.clone() };
      if (step.branch === 'else' || node.type === 'if') {
        if (node.type === 'if' && node.pipe.decl.length > 0) declare(evaluator, node.pipe, inner);
        next.push({ frames: chain, state: inner, loop: false });
      } else if (node.type === 'with') {
        let dot: Value;
        try {
          const value = evaluator.pipe(node.pipe, inner);
          dot = truth(value) ? value : new Unknown(node.pipe.text);
        } catch (error) {
          if (!(error instanceof Unresolved)) throw error;
          dot = new Unknown(error.part);
        }
        next.push({ frames: chain, state: { dot, vars: inner.vars }, loop: false });
      } else {
        let items: [Value, Value][];
        try {
          items = iterate(evaluator.pipe(node.pipe, inner, false), node.pipe.text);
        } catch (error) {
          if (!(error instanceof Unresolved)) throw error;
          items = [[new Unknown(error.part), new Unknown(error.part)]];
        }
        if (items.length === 0) emptyRange = node.pipe.text;
        for (const [key, element] of items) {
          if (next.length >= MAX_CONTEXTS) {
            truncated = true;
            break;
          }
          const vars = inner.vars.clone();
          if (node.pipe.decl.length === 1) vars.declare(node.pipe.decl[0]!, element);
          if (node.pipe.decl.length === 2) {
            vars.declare(node.pipe.decl[0]!, key);
            vars.declare(node.pipe.decl[1]!, element);
          }
          next.push({ frames: chain, state: { dot: element, vars }, loop: true });
        }
      }
    }
    if (next.length === 0 && emptyRange !== undefined) return { kind: 'empty-range', part: emptyRange };
    states = next;
  }
  return { kind: 'found', contexts: states.map(({ frames }) => ({ frames })), truncated };
}

/** Declares a pipeline's variables, as unknown when it cannot be evaluated. */
function declare(evaluator: Evaluator, pipe: BranchNode['pipe'], state: State): void {
  try {
    evaluator.pipe(pipe, state);
  } catch (error) {
    if (!(error instanceof Unresolved)) throw error;
    for (const name of pipe.decl) {
      const unknown = new Unknown(error.part);
      if (!pipe.assign) state.vars.declare(name, unknown);
      else state.vars.assign(name, unknown);
    }
  }
}

/** The nodes before a place, for what they do to variables (declarations, and assignments in blocks). */
function prelude(evaluator: Evaluator, nodes: readonly Node[], state: State): void {
  for (const node of nodes) {
    if (node.type === 'action' && node.pipe.decl.length > 0) {
      declare(evaluator, node.pipe, state);
    } else if (node.type === 'if' || node.type === 'with' || node.type === 'range') {
      const assigned = assignedIn([node]);
      if (assigned.size === 0) continue;
      try {
        evaluator.node(node, state, new Sink(false, true));
      } catch (error) {
        if (error instanceof BudgetSpent) throw error;
        if (!(error instanceof Unresolved)) continue;
        for (const name of assigned) state.vars.assign(name, new Unknown(error.part));
      }
    }
  }
}

/** The variables a block assigns with `=` (the ones that outlive it). */
function assignedIn(nodes: readonly Node[], found = new Set<string>()): Set<string> {
  for (const node of nodes) {
    if (node.type === 'action' && node.pipe.assign) for (const name of node.pipe.decl) found.add(name);
    if (node.type === 'if' || node.type === 'with' || node.type === 'range') {
      assignedIn(node.list, found);
      if (node.elseList) assignedIn(node.elseList, found);
    }
  }
  return found;
}

/** The pieces a line renders to, from `offset` (in the context's innermost text node) to its end. */
export function renderLine(evaluator: Evaluator, context: LineContext, offset: number): Piece[] {
  evaluator.reset();
  const sink = new Sink(true);
  const frames = context.frames;
  const innermost = frames[frames.length - 1]!;
  const text = innermost.nodes[innermost.index] as TextNode;
  try {
    sink.write([{ text: text.text.slice(Math.min(Math.max(offset - text.start, 0), text.text.length)) }]);
    for (let f = frames.length - 1; f >= 0; f--) {
      const frame = frames[f]!;
      for (let i = frame.index + 1; i < frame.nodes.length; i++) evaluator.node(frame.nodes[i]!, frame.state, sink);
      if (frame.loop) break;
    }
  } catch (error) {
    if (error !== LINE_END) throw error;
  }
  return sink.pieces;
}

/** Whether a list renders something before a newline (an inline `{{ if }}…{{ end }}`), as far as can be seen without evaluating. */
function continuesLine(nodes: readonly Node[]): boolean {
  for (const node of nodes) {
    switch (node.type) {
      case 'text':
        return !/^[ \t\r]*\n/.test(node.text);
      case 'action':
        if (node.pipe.decl.length > 0) continue;
        return !endsWithNindent(node);
      case 'template':
        return true;
      case 'if':
      case 'with':
      case 'range':
        if (continuesLine(node.list) || continuesLine(node.elseList ?? [])) return true;
        continue;
      default:
        continue;
    }
  }
  return false;
}

function endsWithNindent(node: Node & { type: 'action' }): boolean {
  const last = node.pipe.cmds[node.pipe.cmds.length - 1]?.args[0];
  return last?.type === 'identifier' && last.name === 'nindent';
}

function hasNewline(nodes: readonly Node[]): boolean {
  return nodes.some(
    (node) =>
      (node.type === 'text' && node.text.includes('\n')) ||
      ((node.type === 'if' || node.type === 'with' || node.type === 'range') && (hasNewline(node.list) || hasNewline(node.elseList ?? []))),
  );
}

/**
 * Where the value that starts at `offset` (after the key at `keyOffset`) ends in the template, as
 * written: the rest of its source line, and the actions and inline blocks that trim markers join to it.
 */
export function valueEnd(root: readonly Node[], keyOffset: number, offset: number): number {
  const path = pathTo(root, keyOffset);
  if (!path) return offset;
  const last = path[path.length - 1]!;
  const text = last.nodes[last.index] as TextNode;
  const from = Math.min(Math.max(offset - text.start, 0), text.text.length);
  const newline = text.text.indexOf('\n', from);
  if (newline !== -1) return text.start + newline;
  let end = text.end;
  for (let level = path.length - 1; level >= 0; level--) {
    const step = path[level]!;
    for (let i = step.index + 1; i < step.nodes.length; i++) {
      const node = step.nodes[i]!;
      switch (node.type) {
        case 'text': {
          const at = node.text.indexOf('\n');
          if (at === -1) {
            end = node.end;
            continue;
          }
          if (node.text.slice(0, at).trim() !== '') end = node.start + at;
          return end;
        }
        case 'action':
          if (node.pipe.decl.length > 0) continue;
          if (endsWithNindent(node)) return end;
          end = node.end;
          continue;
        case 'template':
          end = node.end;
          continue;
        case 'if':
        case 'with':
        case 'range':
          if (!continuesLine([node])) return end;
          end = node.end;
          if (hasNewline(node.list) || hasNewline(node.elseList ?? [])) return end;
          continue;
        default:
          continue;
      }
    }
    const owner = level > 0 ? path[level - 1]! : undefined;
    if (!owner || owner.branch === 'define') return end;
    if (owner.branch === 'list' && (owner.nodes[owner.index] as BranchNode).type === 'range') return end;
  }
  return end;
}

/**
 * The YAML scalar a rendered value is (quotes removed, a comment cut), keeping the pieces; undefined
 * when it is not one scalar on the line (a flow collection, a block scalar, an alias, a mapping).
 */
export function yamlScalar(pieces: readonly Piece[]): Piece[] | undefined {
  const whole = new Text(pieces);
  const text = whole.value;
  let start = 0;
  while (start < text.length && (text[start] === ' ' || text[start] === '\t')) start++;
  const first = text[start];
  const slice = (from: number, to: number): Piece[] => [...(sliceText(whole, from, to) as Text).pieces];
  const afterIsEmpty = (at: number): boolean => /^[ \t\r]*(#.*)?$/.test(text.slice(at));
  if (first === '"') {
    let escaped = false;
    let close = start + 1;
    for (; close < text.length && text[close] !== '"'; close++) {
      if (text[close] === '\\') {
        escaped = true;
        close++;
      }
    }
    if (close >= text.length || !afterIsEmpty(close + 1)) return undefined;
    if (!escaped) return slice(start + 1, close);
    try {
      const decoded = JSON.parse(text.slice(start, close + 1)) as string;
      return [{ text: decoded, ...missingIn(pieces) }];
    } catch {
      return undefined;
    }
  }
  if (first === "'") {
    let close = start + 1;
    let doubled = false;
    for (; close < text.length; close++) {
      if (text[close] !== "'") continue;
      if (text[close + 1] !== "'") break;
      doubled = true;
      close++;
    }
    if (close >= text.length || !afterIsEmpty(close + 1)) return undefined;
    if (!doubled) return slice(start + 1, close);
    return [{ text: text.slice(start + 1, close).replace(/''/g, "'"), ...missingIn(pieces) }];
  }
  if (first === undefined || '[]{}|>&*!%@`,#'.includes(first) || (first === '-' && /^-(\s|$)/.test(text.slice(start)))) return undefined;
  let end = text.length;
  const comment = /[ \t]#/.exec(text.slice(start));
  if (comment) end = start + comment.index;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  if (/:(\s|$)/.test(text.slice(start, end))) return undefined;
  return slice(start, end);
}

function missingIn(pieces: readonly Piece[]): { missing?: string } {
  const found = pieces.find((p) => p.missing !== undefined);
  return found ? { missing: found.missing! } : {};
}

/** A value as written in the template, without the comment after it. */
export function withoutComment(raw: string): string {
  const first = raw.length - raw.trimStart().length;
  let quote: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    if (raw.startsWith('{{', i)) {
      const close = raw.indexOf('}}', i + 2);
      if (close === -1) break;
      i = close + 1;
      continue;
    }
    const ch = raw[i]!;
    if (quote) {
      if (ch === quote && !(quote === '"' && raw[i - 1] === '\\')) quote = undefined;
    } else if ((ch === '"' || ch === "'") && i === first) {
      quote = ch;
    } else if (ch === '#' && i > 0 && /\s/.test(raw[i - 1]!)) {
      return raw.slice(0, i).trimEnd();
    }
  }
  return raw.trimEnd();
}
