// Evaluating Go templates over a chart's values without running helm: text/template's semantics
// (pipelines, variables and their scopes, `if`/`with`/`range`, `template` and helm's `include`)
// over the functions in functions.ts. Nothing is executed and nothing is fetched: `tpl` of text
// with actions, `lookup`, unknown functions and `.Capabilities` stop the evaluation as unresolved.
// Includes nest at most 32 deep, and every evaluation has a budget of steps and output.

import { Budget } from '../budget.js';
import { FUNCTIONS } from './functions.js';
import { MORE_FUNCTIONS } from './sprig.js';
import { parseTemplate, type Arg, type BranchNode, type Command, type Node, type Pipe, type TemplateNode } from './parse.js';
import { TemplateSyntaxError } from './lex.js';
import {
  isMap,
  Methods,
  slicePiece,
  mapSources,
  Missing,
  printValue,
  stringOf,
  Text,
  truth,
  Unknown,
  Unresolved,
  type GoMap,
  type MapSource,
  type Origin,
  type Piece,
  type Value,
} from './value.js';

export const MAX_INCLUDE_DEPTH = 32;
/** Steps of one evaluation, and of all the evaluations of one evaluator (a chart). */
const MAX_STEPS = 2_000_000;
const MAX_TOTAL_STEPS = 40_000_000;
/** Blocks and parentheses nested in evaluation (includes multiply what one template can nest). */
const MAX_NESTING = 400;
const MAX_OUTPUT = 256 * 1024;
/** The output of a whole template (helm writes dashboards and CRDs whole). */
const MAX_FULL_OUTPUT = 32 * 1024 * 1024;
/** Steps between two looks at the clock. */
const STEPS_PER_CHECK = 256;

/** Thrown by a line sink at the first newline: the line is complete (not a failure). */
class LineEnd extends Error {}
export const LINE_END: Error = /* @__PURE__ */ new LineEnd('the line ends');

/** `{{break}}` and `{{continue}}`, on their way to their range. */
class LoopSignal extends Error {
  constructor(readonly kind: 'break' | 'continue') {
    super(kind);
  }
}

const NONE = Symbol('no value');
const NOT_FOUND = Symbol('no such variable');

/** The variables in scope: a stack, as text/template keeps it (a block's declarations end with it). */
export class Vars {
  private readonly names: string[] = [];
  private readonly values: Value[] = [];

  constructor(entries: readonly (readonly [string, Value])[] = []) {
    for (const [name, value] of entries) this.declare(name, value);
  }

  get(name: string): Value | typeof NOT_FOUND {
    const i = this.names.lastIndexOf(name);
    return i === -1 ? NOT_FOUND : this.values[i];
  }

  declare(name: string, value: Value): void {
    this.names.push(name);
    this.values.push(value);
  }

  /** `$x = …`: changes the innermost `$x`; false when there is none. */
  assign(name: string, value: Value): boolean {
    const i = this.names.lastIndexOf(name);
    if (i === -1) return false;
    this.values[i] = value;
    return true;
  }

  mark(): number {
    return this.names.length;
  }

  pop(mark: number): void {
    this.names.length = mark;
    this.values.length = mark;
  }

  clone(): Vars {
    return new Vars(this.names.map((name, i) => [name, this.values[i]] as const));
  }
}

export interface State {
  readonly dot: Value;
  readonly vars: Vars;
}

/** A key looked up in a values.yaml mapping (with what it held). */
export interface Read {
  readonly map: MapSource;
  readonly key: string;
  readonly value: Value;
  /** The map itself (its other keys: the tag beside a digest). */
  readonly holder?: GoMap;
}

/** Where rendered text goes: all of it, or (`line`) up to the first newline. */
export class Sink {
  readonly pieces: Piece[] = [];
  private length = 0;

  constructor(
    readonly line: boolean,
    private readonly discard = false,
  ) {}

  write(pieces: readonly Piece[]): void {
    for (const piece of pieces) {
      const newline = this.line ? piece.text.indexOf('\n') : -1;
      if (newline === -1) {
        this.push(piece);
        continue;
      }
      if (newline > 0) this.push(slicePiece(piece, 0, newline));
      throw LINE_END;
    }
  }

  private push(piece: Piece): void {
    this.length += piece.text.length;
    if (this.length > (this.line ? MAX_OUTPUT : MAX_FULL_OUTPUT)) throw new Unresolved('(the output is too long)');
    if (!this.discard) this.pieces.push(piece);
  }
}

/** Go turns a nil interface a command returns into the invalid value, whose fields are nothing rather than an error. */
function dig(value: Value): Value {
  return value instanceof Missing && !value.dug ? new Missing(value.part, true, value.source) : value;
}

export class Evaluator {
  /** Lookups of values.yaml mappings since the last `reset`. */
  readonly reads: Read[] = [];
  /**
   * Whole-template rendering: an action that cannot be evaluated writes nothing (marked missing)
   * and a block whose condition cannot be evaluated is left out, instead of stopping the render.
   */
  soft = false;
  /** The template file being rendered (where its text and actions are written). */
  file: string | undefined;
  private steps = 0;
  private totalSteps = 0;
  private depth = 0;
  private nesting = 0;

  /**
   * `templates`: the defines (and template files) by name, as `template` and `include` find them;
   * `files`: the file each of them is written in; `budget`: the chart's time, which throws
   * `BudgetSpent` through every evaluation once spent.
   */
  constructor(
    private readonly templates: ReadonlyMap<string, readonly Node[]>,
    private readonly files: ReadonlyMap<string, string> = new Map(),
    private readonly budget: Budget = Budget.none(),
  ) {}

  /** Starts a new evaluation's budget and reads. */
  reset(): void {
    this.reads.length = 0;
    this.steps = 0;
    this.depth = 0;
    this.nesting = 0;
  }

  render(nodes: readonly Node[], state: State, sink: Sink): void {
    this.nest(() => {
      for (const node of nodes) this.node(node, state, sink);
    });
  }

  /** Bounds the evaluator's own recursion, so that a hostile template cannot exhaust the stack. */
  private nest<T>(run: () => T): T {
    if (++this.nesting > MAX_NESTING) {
      this.nesting--;
      throw new Unresolved('(the template nests too deeply)');
    }
    try {
      return run();
    } finally {
      this.nesting--;
    }
  }

  node(node: Node, state: State, sink: Sink): void {
    this.step();
    switch (node.type) {
      case 'text':
        sink.write([{ text: node.text, ...(this.file !== undefined && { origin: this.origin(node, true) }) }]);
        return;
      case 'action': {
        let value: Value;
        try {
          value = this.pipe(node.pipe, state);
        } catch (error) {
          // `… | nindent n` starts a new line whatever it indents: a line being read ends there.
          if (error instanceof Unresolved && sink.line && endsWithNindent(node.pipe)) sink.write([{ text: '\n' }]);
          if (!(error instanceof Unresolved) || !this.soft) throw error;
          for (const name of node.pipe.decl) {
            if (!node.pipe.assign) state.vars.declare(name, new Unknown(error.part));
            else state.vars.assign(name, new Unknown(error.part));
          }
          if (node.pipe.decl.length === 0)
            sink.write([{ text: '', missing: error.part, ...(this.file !== undefined && { origin: this.origin(node, false) }) }]);
          return;
        }
        if (node.pipe.decl.length > 0) return;
        const printed = printValue(value, node.pipe.text);
        if (this.file === undefined) sink.write(printed);
        else {
          const origin = this.origin(node, false);
          sink.write(printed.map((piece) => (piece.origin ? piece : { ...piece, origin })));
        }
        return;
      }
      case 'if':
      case 'with':
        return this.branch(node, state, sink);
      case 'range':
        return this.range(node, state, sink);
      case 'template':
        return this.template(node, state, sink);
      case 'break':
      case 'continue':
        throw new LoopSignal(node.type);
      case 'define':
        return;
    }
  }

  private branch(node: BranchNode, state: State, sink: Sink): void {
    const mark = state.vars.mark();
    try {
      let value: Value;
      let taken: boolean;
      try {
        value = this.pipe(node.pipe, state);
        taken = truth(value);
      } catch (error) {
        if (error instanceof Unresolved && sink.line && node.type === 'if') return this.eitherBranch(node, state, sink, error);
        if (error instanceof Unresolved && this.soft) return;
        throw error;
      }
      if (taken) this.render(node.list, node.type === 'with' ? { dot: value, vars: state.vars } : state, sink);
      else if (node.elseList) this.render(node.elseList, state, sink);
    } finally {
      state.vars.pop(mark);
    }
  }

  /** An `if` that cannot be decided does not matter to a line when both branches write the same to it. */
  private eitherBranch(node: BranchNode, state: State, sink: Sink, cause: Unresolved): void {
    const results = [node.list, node.elseList ?? []].map((list) => {
      const branch = new Sink(true);
      try {
        this.render(list, { dot: state.dot, vars: state.vars.clone() }, branch);
      } catch (error) {
        if (error === LINE_END) return { pieces: branch.pieces, ended: true };
        throw error instanceof Unresolved || error instanceof LoopSignal ? cause : error;
      }
      return { pieces: branch.pieces, ended: false };
    });
    const [first, second] = results as [(typeof results)[0], (typeof results)[0]];
    const text = (pieces: readonly Piece[]): string => pieces.map((p) => p.text).join('');
    if (first.ended !== second.ended || text(first.pieces) !== text(second.pieces)) throw cause;
    sink.write(first.pieces);
    if (first.ended) throw LINE_END;
  }

  private range(node: BranchNode, state: State, sink: Sink): void {
    let items: [Value, Value][];
    try {
      items = iterate(this.pipe(node.pipe, state, false), node.pipe.text);
    } catch (error) {
      if (error instanceof Unresolved && this.soft) return;
      throw error;
    }
    if (items.length === 0) {
      if (node.elseList) this.render(node.elseList, state, sink);
      return;
    }
    for (const [key, element] of items) {
      this.step();
      const mark = state.vars.mark();
      try {
        if (node.pipe.decl.length === 1) state.vars.declare(node.pipe.decl[0]!, element);
        if (node.pipe.decl.length === 2) {
          state.vars.declare(node.pipe.decl[0]!, key);
          state.vars.declare(node.pipe.decl[1]!, element);
        }
        this.render(node.list, { dot: element, vars: state.vars }, sink);
      } catch (error) {
        if (!(error instanceof LoopSignal)) throw error;
        if (error.kind === 'break') break;
      } finally {
        state.vars.pop(mark);
      }
    }
  }

  private template(node: TemplateNode, state: State, sink: Sink): void {
    try {
      const data = node.pipe ? this.pipe(node.pipe, state) : undefined;
      this.call(node.name, data, sink, `template ${JSON.stringify(node.name)}`);
    } catch (error) {
      if (!(error instanceof Unresolved) || !this.soft) throw error;
      sink.write([{ text: '', missing: error.part, ...(this.file !== undefined && { origin: this.origin(node, false) }) }]);
    }
  }

  private origin(node: { readonly start: number; readonly end: number }, text: boolean): Origin {
    return { file: this.file!, start: node.start, end: node.end, text };
  }

  /** Renders a define (or template file) with `data` as dot and `$`. */
  private call(name: string, data: Value, sink: Sink, part: string): void {
    const body = this.templates.get(name);
    if (!body || this.depth >= MAX_INCLUDE_DEPTH) throw new Unresolved(part);
    this.depth++;
    const file = this.file;
    this.file = this.files.get(name) ?? (this.files.size > 0 ? undefined : file);
    try {
      this.render(body, { dot: data, vars: new Vars([['$', data]]) }, sink);
    } catch (error) {
      if (error instanceof LoopSignal) throw new Unresolved(part);
      throw error;
    } finally {
      this.depth--;
      this.file = file;
    }
  }

  /** Renders the nodes of one template file (`file`) with every action and origin as helm would. */
  renderFile(nodes: readonly Node[], top: Value, file: string, sink: Sink): void {
    const before = this.file;
    this.file = file;
    try {
      this.render(nodes, { dot: top, vars: new Vars([['$', top]]) }, sink);
    } finally {
      this.file = before;
    }
  }

  /** helm's `tpl`: a string parsed as a template and rendered with `data`, the chart's defines available. */
  private tpl(body: Value, data: Value, text: string): Value {
    const source = stringOf(body);
    if (source === undefined) throw new Unresolved(text);
    // Text without actions renders as itself (and keeps the values.yaml place it came from).
    if (!source.includes('{{')) return body;
    let parsed;
    try {
      parsed = parseTemplate(source);
    } catch (error) {
      if (error instanceof TemplateSyntaxError) throw new Unresolved(text);
      throw error;
    }
    const sink = new Sink(false);
    const file = this.file;
    this.file = undefined;
    try {
      this.nest(() => this.render(parsed.root, { dot: data, vars: new Vars([['$', data]]) }, sink));
    } finally {
      this.file = file;
    }
    return new Text(sink.pieces);
  }

  /** helm's `include`: a define's output as a string. */
  include(name: string, data: Value, part: string): Text {
    const sink = new Sink(false);
    this.call(name, data, sink, part);
    return new Text(sink.pieces);
  }

  /** A pipeline's value; its declarations and assignments are made unless `bind` is false. */
  pipe(pipe: Pipe, state: State, bind = true): Value {
    let value: Value | typeof NONE = NONE;
    for (const cmd of pipe.cmds) value = dig(this.command(cmd, state, value));
    const result = value as Value;
    if (bind) {
      for (const name of pipe.decl) {
        if (!pipe.assign) state.vars.declare(name, result);
        else if (!state.vars.assign(name, result)) throw new Unresolved(pipe.text);
      }
    }
    return result;
  }

  private command(cmd: Command, state: State, final: Value | typeof NONE): Value {
    const [first, ...rest] = cmd.args;
    if (first?.type === 'identifier') return this.function(first.name, rest, state, final, cmd.text);
    // A field with arguments is a method call (`.Capabilities.APIVersions.Has "x"`); nil is not a command.
    if (first && (first.type === 'field' || first.type === 'variable') && first.path.length > 0 && (rest.length > 0 || final !== NONE)) {
      const receiverPath = first.path.slice(0, -1);
      const receiver =
        first.type === 'field'
          ? this.fields(state.dot, receiverPath, first.text)
          : this.fields(this.variable(first.name, first.text, state), receiverPath, first.text);
      const method = receiver instanceof Methods ? receiver.methods.get(first.path[first.path.length - 1]!) : undefined;
      if (!method) throw new Unresolved(cmd.text);
      const args = [...rest.map((arg) => this.arg(arg, state)), ...(final === NONE ? [] : [final])];
      for (const arg of args) if (arg instanceof Unknown) throw new Unresolved(arg.part);
      return method(args);
    }
    if (!first || rest.length > 0 || final !== NONE || first.type === 'nil') throw new Unresolved(cmd.text);
    return this.arg(first, state);
  }

  private variable(name: string, text: string, state: State): Value {
    const value = state.vars.get(name);
    if (value === NOT_FOUND) throw new Unresolved(text);
    return value;
  }

  private arg(arg: Arg, state: State): Value {
    switch (arg.type) {
      case 'field':
        return this.fields(state.dot, arg.path, arg.text);
      case 'variable': {
        const value = state.vars.get(arg.name);
        if (value === NOT_FOUND) throw new Unresolved(arg.text);
        return this.fields(value, arg.path, arg.text);
      }
      case 'dot':
        return this.fields(state.dot, [], arg.text);
      case 'pipe':
        return this.fields(dig(this.nest(() => this.pipe(arg.pipe, state))), arg.path, arg.text);
      case 'identifier':
        return this.function(arg.name, [], state, NONE, arg.text);
      case 'nil':
        return undefined;
      default:
        return arg.value;
    }
  }

  /** A chain of fields, as text/template walks it over maps (helm's `missingkey=zero`). */
  private fields(receiver: Value, path: readonly string[], text: string): Value {
    let value = receiver;
    if (value instanceof Unknown) throw new Unresolved(value.part);
    for (const name of path) {
      if (value === undefined || (value instanceof Missing && value.dug)) {
        value = new Missing(text, true);
        continue;
      }
      if (value instanceof Methods) {
        const method = value.methods.get(name);
        value = method ? method([]) : value.fields.get(name);
        if (value instanceof Unknown) throw new Unresolved(text);
        continue;
      }
      // "nil pointer evaluating interface {}.name", or a field of a string.
      if (!isMap(value)) throw new Unresolved(text);
      const found = value.get(name);
      this.read(value, name, found);
      // What is not looked at (`.Capabilities`, `.Files`): the whole chain is what is not resolved.
      if (found instanceof Unknown) throw new Unresolved(text);
      value = found === undefined ? new Missing(text, false) : found instanceof Missing ? new Missing(text, false, found.source) : found;
    }
    return value;
  }

  private read(map: GoMap, key: string, value: Value): void {
    const source = mapSources.get(map);
    if (source) this.reads.push({ map: source, key, value, holder: map });
  }

  private function(name: string, argNodes: readonly Arg[], state: State, final: Value | typeof NONE, text: string): Value {
    this.step();
    const lazy = [...argNodes.map((node) => () => this.arg(node, state)), ...(final === NONE ? [] : [() => final])];
    if (name === 'and' || name === 'or') {
      // Go evaluates `and` and `or` only as far as they need to.
      if (lazy.length === 0) throw new Unresolved(text);
      let value: Value;
      for (const get of lazy) {
        value = get();
        if (truth(value) === (name === 'or')) return value;
      }
      return value;
    }
    const fn = FUNCTIONS.get(name) ?? MORE_FUNCTIONS.get(name);
    if (!fn && name !== 'include' && name !== 'tpl') throw new Unresolved(text);
    const args = lazy.map((get) => get());
    if (name === 'include') {
      const template = args.length === 2 ? stringOf(args[0]) : undefined;
      if (template === undefined) throw new Unresolved(text);
      return this.include(template, args[1], text);
    }
    if (name === 'tpl') {
      if (args.length !== 2) throw new Unresolved(text);
      return this.tpl(args[0], args[1], text);
    }
    return fn!(args, { text, soft: this.soft, read: (map, key, value) => this.read(map, key, value) });
  }

  private step(): void {
    if (this.totalSteps % STEPS_PER_CHECK === 0) this.budget.check();
    if (++this.totalSteps > MAX_TOTAL_STEPS) throw new Unresolved('(the chart takes too long to evaluate)');
    if (++this.steps > MAX_STEPS) throw new Unresolved('(the template takes too long to evaluate)');
  }
}

function endsWithNindent(pipe: Pipe): boolean {
  const last = pipe.cmds[pipe.cmds.length - 1]?.args[0];
  return last?.type === 'identifier' && last.name === 'nindent';
}

/** What `range` goes over: a list's items, a map's entries by key, or 0…n-1. */
export function iterate(value: Value, part: string): [Value, Value][] {
  if (value instanceof Methods) return iterate(value.value, part);
  if (value instanceof Unknown) throw new Unresolved(value.part);
  if (value === undefined || value instanceof Missing) return [];
  if (Array.isArray(value)) return value.map((item, i) => [BigInt(i), item]);
  if (isMap(value)) return [...value.keys()].sort().map((key) => [key, value.get(key)]);
  if (typeof value === 'bigint')
    return Array.from({ length: Number(value > 10_000n ? 10_000n : value < 0n ? 0n : value) }, (_, i) => [BigInt(i), BigInt(i)]);
  throw new Unresolved(part);
}
