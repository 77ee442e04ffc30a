// Go template items parsed into a tree, as text/template's parser does: pipelines of commands,
// `if`/`with`/`range` blocks with their `else` branches, `define`/`block`/`template`, variables.
// Every node keeps its place in the template and its text (for saying what was not resolved).

import { lexTemplate, TemplateSyntaxError, type Item, type Token } from './lex.js';

export type Arg =
  | { readonly type: 'field'; readonly path: readonly string[]; readonly text: string }
  | { readonly type: 'variable'; readonly name: string; readonly path: readonly string[]; readonly text: string }
  | { readonly type: 'dot'; readonly text: string }
  | { readonly type: 'identifier'; readonly name: string; readonly text: string }
  | { readonly type: 'string'; readonly value: string; readonly text: string }
  | { readonly type: 'number'; readonly value: number | bigint; readonly text: string }
  | { readonly type: 'bool'; readonly value: boolean; readonly text: string }
  | { readonly type: 'nil'; readonly text: string }
  | { readonly type: 'pipe'; readonly pipe: Pipe; readonly path: readonly string[]; readonly text: string };

export interface Command {
  readonly args: readonly Arg[];
  readonly text: string;
}

export interface Pipe {
  /** Variables declared (`:=`) or assigned (`=`) by the pipeline. */
  readonly decl: readonly string[];
  readonly assign: boolean;
  readonly cmds: readonly Command[];
  readonly text: string;
}

export interface TextNode {
  readonly type: 'text';
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

export interface ActionNode {
  readonly type: 'action';
  readonly pipe: Pipe;
  readonly start: number;
  readonly end: number;
}

export interface BranchNode {
  readonly type: 'if' | 'with' | 'range';
  readonly pipe: Pipe;
  readonly list: readonly Node[];
  /** The `else` branch; an `else if` is an `if` node alone in it. */
  readonly elseList?: readonly Node[];
  readonly start: number;
  /** After the `{{ end }}`. */
  readonly end: number;
}

export interface TemplateNode {
  readonly type: 'template';
  readonly name: string;
  readonly pipe?: Pipe;
  readonly start: number;
  readonly end: number;
}

export interface LoopNode {
  readonly type: 'break' | 'continue';
  readonly start: number;
  readonly end: number;
}

/** Where a `define` (or `block`) was, in the file it was parsed from. */
export interface DefineNode {
  readonly type: 'define';
  readonly name: string;
  readonly list: readonly Node[];
  readonly start: number;
  readonly end: number;
}

export type Node = TextNode | ActionNode | BranchNode | TemplateNode | LoopNode | DefineNode;

export interface ParsedTemplate {
  /** The top level, with the `define` nodes where they were written (they render nothing). */
  readonly root: readonly Node[];
  readonly defines: ReadonlyMap<string, DefineNode>;
}

/** Parses a template; throws `TemplateSyntaxError` (with an offset) as `helm` would fail. */
export function parseTemplate(text: string): ParsedTemplate {
  return new Parser(text, lexTemplate(text)).parse();
}

type Terminator = { readonly keyword: 'end' | 'else'; readonly item: Item; readonly tokens: readonly Token[] };

const MAX_NESTING = 100;

class Parser {
  private index = 0;
  private depth = 0;
  private readonly defines = new Map<string, DefineNode>();

  constructor(
    private readonly text: string,
    private readonly items: readonly Item[],
  ) {}

  parse(): ParsedTemplate {
    const { nodes, terminator } = this.list(true);
    if (terminator) throw new TemplateSyntaxError(`unexpected {{${terminator.keyword}}}`, terminator.item.start);
    return { root: nodes, defines: this.defines };
  }

  /** Nodes up to an `{{end}}` or `{{else}}` (returned), or the end of the template (top level only). */
  private list(top: boolean): { nodes: Node[]; terminator?: Terminator } {
    const nodes: Node[] = [];
    while (this.index < this.items.length) {
      const item = this.items[this.index++]!;
      if (item.type === 'text') {
        nodes.push({ type: 'text', text: item.text, start: item.start, end: item.end });
        continue;
      }
      const [first] = item.tokens;
      if (first?.kind === 'keyword' && (first.text === 'end' || first.text === 'else')) {
        if (top) throw new TemplateSyntaxError(`unexpected {{${first.text}}}`, item.start);
        return { nodes, terminator: { keyword: first.text, item, tokens: item.tokens.slice(1) } };
      }
      const node = this.action(item, first, top);
      if (node) nodes.push(node);
    }
    if (!top) throw new TemplateSyntaxError('unexpected EOF', this.text.length);
    return { nodes };
  }

  private action(item: Item & { type: 'action' }, first: Token | undefined, top: boolean): Node | undefined {
    if (!first) throw new TemplateSyntaxError('missing value for command', item.start);
    const rest = item.tokens.slice(1);
    if (first.kind !== 'keyword')
      return { type: 'action', pipe: this.pipeline(item.tokens, item.start, false), start: item.start, end: item.end };
    switch (first.text) {
      case 'if':
      case 'with':
      case 'range':
        return this.branch(first.text, item, rest);
      case 'template': {
        const [name, ...args] = rest;
        const value = name && name.kind === 'string' ? unquote(name) : undefined;
        if (value === undefined) throw new TemplateSyntaxError('template name must be a string', item.start);
        const pipe = args.length > 0 ? this.pipeline(args, item.start, false) : undefined;
        return { type: 'template', name: value, ...(pipe && { pipe }), start: item.start, end: item.end };
      }
      case 'define':
      case 'block': {
        const [name, ...args] = rest;
        const value = name && name.kind === 'string' ? unquote(name) : undefined;
        if (value === undefined) throw new TemplateSyntaxError(`${first.text} name must be a string`, item.start);
        if (first.text === 'define' && (!top || args.length > 0)) throw new TemplateSyntaxError('unexpected define', item.start);
        const pipe = first.text === 'block' ? this.pipeline(args, item.start, false) : undefined;
        const body = this.nested(() => this.list(false));
        if (body.terminator?.keyword !== 'end' || body.terminator.tokens.length > 0)
          throw new TemplateSyntaxError(`expected end for ${first.text}`, item.start);
        const end = body.terminator.item.end;
        const define: DefineNode = { type: 'define', name: value, list: body.nodes, start: item.start, end };
        this.defines.set(value, define);
        if (first.text === 'define') return define;
        return { type: 'template', name: value, ...(pipe && { pipe }), start: item.start, end };
      }
      case 'break':
      case 'continue':
        if (rest.length > 0) throw new TemplateSyntaxError(`unexpected arguments to ${first.text}`, item.start);
        return { type: first.text, start: item.start, end: item.end };
      default:
        throw new TemplateSyntaxError(`unexpected {{${first.text}}}`, item.start);
    }
  }

  private branch(type: 'if' | 'with' | 'range', item: Item, tokens: readonly Token[]): BranchNode {
    const pipe = this.pipeline(tokens, item.start, type === 'range');
    const body = this.nested(() => this.list(false));
    const terminator = body.terminator!;
    if (terminator.keyword === 'end') {
      if (terminator.tokens.length > 0) throw new TemplateSyntaxError('unexpected arguments to end', terminator.item.start);
      return { type, pipe, list: body.nodes, start: item.start, end: terminator.item.end };
    }
    const [chained] = terminator.tokens;
    if (chained?.kind === 'keyword' && (chained.text === 'if' || chained.text === 'with')) {
      // `{{else if …}}` is an `if` in the else branch that ends at the same `{{end}}`.
      const inner = this.nested(() => this.branch(chained.text as 'if' | 'with', terminator.item, terminator.tokens.slice(1)));
      return { type, pipe, list: body.nodes, elseList: [inner], start: item.start, end: inner.end };
    }
    if (terminator.tokens.length > 0) throw new TemplateSyntaxError('unexpected arguments to else', terminator.item.start);
    const otherwise = this.nested(() => this.list(false));
    if (otherwise.terminator?.keyword !== 'end' || otherwise.terminator.tokens.length > 0)
      throw new TemplateSyntaxError('expected end after else', terminator.item.start);
    return { type, pipe, list: body.nodes, elseList: otherwise.nodes, start: item.start, end: otherwise.terminator.item.end };
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_NESTING) throw new TemplateSyntaxError('blocks nested too deeply', this.text.length);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private pipeline(tokens: readonly Token[], at: number, range: boolean): Pipe {
    let position = 0;
    const decl: string[] = [];
    let assign = false;
    // `$x :=`, `$x =`, and in range `$i, $x :=`.
    const declared = (): boolean => {
      const names: string[] = [];
      let i = 0;
      for (;;) {
        const variable = tokens[i];
        if (variable?.kind !== 'variable') return false;
        names.push(variable.text);
        const next = tokens[i + 1];
        if (next?.kind === 'comma' && range && names.length === 1) {
          i += 2;
          continue;
        }
        if (next?.kind === 'declare' || next?.kind === 'assign') {
          decl.push(...names);
          assign = next.kind === 'assign';
          position = i + 2;
          return true;
        }
        return false;
      }
    };
    declared();
    const body = tokens.slice(position);
    if (body.length === 0) throw new TemplateSyntaxError('missing value for command', at);
    const stream = new TokenStream(body, this.text);
    const pipe = this.pipe(stream, false, decl, assign);
    if (!stream.done()) throw new TemplateSyntaxError(`unexpected ${stream.peek()!.text} in operand`, stream.peek()!.start);
    return pipe;
  }

  private pipe(stream: TokenStream, inParens: boolean, decl: readonly string[], assign: boolean): Pipe {
    const cmds: Command[] = [];
    const start = stream.peek()?.start;
    for (;;) {
      const args: Arg[] = [];
      const cmdStart = stream.peek()?.start;
      while (!stream.done() && stream.peek()!.kind !== 'pipe' && stream.peek()!.kind !== 'rightParen') args.push(this.operand(stream));
      if (args.length === 0) throw new TemplateSyntaxError('missing value for command', cmdStart ?? 0);
      cmds.push({ args, text: this.text.slice(cmdStart, stream.lastEnd) });
      const next = stream.peek();
      if (next?.kind === 'pipe') {
        stream.next();
        continue;
      }
      if (next?.kind === 'rightParen' && !inParens) throw new TemplateSyntaxError('unexpected right paren', next.start);
      break;
    }
    return { decl, assign, cmds, text: this.text.slice(start, stream.lastEnd) };
  }

  private operand(stream: TokenStream): Arg {
    const token = stream.next()!;
    const base = this.term(token, stream);
    const path: string[] = base.type === 'field' || base.type === 'variable' ? [...base.path] : [];
    while (stream.peek()?.kind === 'field' && !stream.peek()!.spaced) path.push(stream.next()!.text.slice(1));
    const text = this.text.slice(token.start, stream.lastEnd);
    switch (base.type) {
      case 'field':
      case 'variable':
        return { ...base, path, text };
      case 'pipe':
        return { ...base, path, text };
      default:
        if (path.length > 0) throw new TemplateSyntaxError(`unexpected . after term ${JSON.stringify(base.text)}`, token.start);
        return base;
    }
  }

  private term(token: Token, stream: TokenStream): Arg {
    const text = token.text;
    switch (token.kind) {
      case 'field':
        return { type: 'field', path: [text.slice(1)], text };
      case 'variable':
        return { type: 'variable', name: text, path: [], text };
      case 'dot':
        return { type: 'dot', text };
      case 'identifier':
        return { type: 'identifier', name: text, text };
      case 'string':
        return { type: 'string', value: unquote(token), text };
      case 'char':
        return { type: 'number', value: BigInt(unquote(token).codePointAt(0) ?? 0), text };
      case 'number':
        return { type: 'number', value: parseNumber(token), text };
      case 'bool':
        return { type: 'bool', value: text === 'true', text };
      case 'nil':
        return { type: 'nil', text };
      case 'leftParen': {
        if (++this.depth > MAX_NESTING) throw new TemplateSyntaxError('parentheses nested too deeply', token.start);
        const pipe = this.pipe(stream, true, [], false);
        this.depth--;
        const close = stream.next();
        if (close?.kind !== 'rightParen') throw new TemplateSyntaxError('unclosed left paren', token.start);
        return { type: 'pipe', pipe, path: [], text: this.text.slice(token.start, close.end) };
      }
      default:
        throw new TemplateSyntaxError(`unexpected ${JSON.stringify(text)} in operand`, token.start);
    }
  }
}

class TokenStream {
  private position = 0;
  lastEnd = 0;

  constructor(
    private readonly tokens: readonly Token[],
    text: string,
  ) {
    this.lastEnd = tokens[0]?.start ?? text.length;
  }

  peek(): Token | undefined {
    return this.tokens[this.position];
  }

  next(): Token | undefined {
    const token = this.tokens[this.position++];
    if (token) this.lastEnd = token.end;
    return token;
  }

  done(): boolean {
    return this.position >= this.tokens.length;
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** A string or character token's value, as Go's strconv.Unquote reads it. */
export function unquote(token: Token): string {
  const text = token.text;
  if (text.startsWith('`')) return text.slice(1, -1).replace(/\r/g, '');
  const body = text.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const code = body[++i];
    if (code === undefined) break;
    const simple = ESCAPES[code];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    const width = code === 'x' ? 2 : code === 'u' ? 4 : code === 'U' ? 8 : /[0-7]/.test(code) ? 3 : 0;
    const digits = code === 'x' || code === 'u' || code === 'U' ? body.slice(i + 1, i + 1 + width) : body.slice(i, i + width);
    const value = Number.parseInt(digits, /[0-7]/.test(code) ? 8 : 16);
    if (width === 0 || digits.length !== width || Number.isNaN(value) || value > 0x10ffff)
      throw new TemplateSyntaxError(`invalid syntax in ${text}`, token.start);
    out += String.fromCodePoint(value);
    i += /[0-7]/.test(code) ? width - 1 : width;
  }
  return out;
}

/** An integer constant is a Go int (a bigint here); anything else a float64. */
function parseNumber(token: Token): number | bigint {
  const text = token.text.replace(/_/g, '');
  const negative = text.startsWith('-');
  const unsigned = text.replace(/^[+-]/, '');
  if (/^0[xX][0-9a-fA-F]+$|^0[bB][01]+$|^0[oO][0-7]+$/.test(unsigned)) {
    const value = BigInt(unsigned.replace(/^0[oO]/, '0o'));
    return negative ? -value : value;
  }
  if (/^0[0-7]+$/.test(unsigned)) {
    const value = BigInt(`0o${unsigned.slice(1)}`);
    return negative ? -value : value;
  }
  if (/^\d+$/.test(unsigned)) return negative ? -BigInt(unsigned) : BigInt(unsigned);
  const hex = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(unsigned);
  if (hex) {
    // A hexadecimal float (`0x1p60`): the mantissa's hex digits times a power of two.
    const [, whole = '', fraction = '', exponent = '0'] = hex;
    const mantissa = parseInt(`${whole}${fraction}` || '0', 16) / 16 ** fraction.length;
    const value = mantissa * 2 ** Number(exponent);
    return negative ? -value : value;
  }
  const value = Number(text);
  if (Number.isNaN(value)) throw new TemplateSyntaxError(`bad number syntax: ${token.text}`, token.start);
  return value;
}
