// The part of HCL a Bake file uses, read with offsets: blocks (`target "name" { … }`), attributes
// (`key = value`) whose values are strings, lists and objects, and comments (`#`, `//`, `/* */`).
// Anything else an attribute holds (functions, conditionals, heredocs) is kept as an expression
// that names no image. Never throws; never loops: every step consumes a token.

export type HclValue =
  | { readonly type: 'string'; readonly value: string; readonly start: number; readonly end: number; readonly exact: boolean }
  | { readonly type: 'list'; readonly items: readonly HclValue[] }
  | { readonly type: 'object'; readonly entries: ReadonlyMap<string, HclValue> }
  | { readonly type: 'other' };

export interface HclBlock {
  readonly type: string;
  readonly labels: readonly string[];
  readonly attributes: ReadonlyMap<string, HclValue>;
  readonly blocks: readonly HclBlock[];
}

interface Token {
  readonly kind: 'ident' | 'string' | 'number' | 'punct' | 'newline' | 'other';
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** A string's value (escapes read), and whether its text between the quotes is exactly that value. */
  readonly value?: string;
  readonly exact?: boolean;
}

/** Splits HCL text into tokens; comments are dropped, line breaks kept (they end attributes). */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\n') {
      tokens.push({ kind: 'newline', text: ch, start: i, end: i + 1 });
      i++;
    } else if (ch === ' ' || ch === '\t' || ch === '\r') i++;
    else if (ch === '#' || (ch === '/' && text[i + 1] === '/')) {
      const next = text.indexOf('\n', i);
      i = next === -1 ? text.length : next;
    } else if (ch === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close === -1 ? text.length : close + 2;
    } else if (ch === '"') {
      const start = i;
      let value = '';
      let exact = true;
      let depth = 0;
      i++;
      while (i < text.length && text[i] !== '\n' && (text[i] !== '"' || depth > 0)) {
        if (text[i] === '\\' && i + 1 < text.length) {
          const escaped = text[i + 1]!;
          value += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped;
          exact = false;
          i += 2;
          continue;
        }
        if (text.startsWith('${', i)) depth++;
        else if (text[i] === '}' && depth > 0) depth--;
        value += text[i];
        i++;
      }
      const end = Math.min(i + 1, text.length);
      tokens.push({ kind: 'string', text: text.slice(start, end), start, end, value, exact });
      i = end;
    } else if (text.startsWith('<<', i) && /^<<-?[A-Za-z_]/.test(text.slice(i, i + 4))) {
      // A heredoc: skipped to its closing marker.
      const marker = /^<<-?([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i))!;
      const close = new RegExp(`^[ \\t]*${marker[1]}[ \\t]*$`, 'm');
      const rest = text.slice(i + marker[0].length);
      const found = close.exec(rest);
      const end = found ? i + marker[0].length + found.index + found[0].length : text.length;
      tokens.push({ kind: 'other', text: text.slice(i, end), start: i, end });
      i = end;
    } else if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i, i + 256))!;
      tokens.push({ kind: 'ident', text: match[0], start: i, end: i + match[0].length });
      i += match[0].length;
    } else if (/[0-9]/.test(ch)) {
      const match = /^[0-9][0-9.eE+-]*/.exec(text.slice(i, i + 64))!;
      tokens.push({ kind: 'number', text: match[0], start: i, end: i + match[0].length });
      i += match[0].length;
    } else {
      tokens.push({ kind: 'punct', text: ch, start: i, end: i + 1 });
      i++;
    }
  }
  return tokens;
}

const OPEN: Readonly<Record<string, string>> = { '{': '}', '[': ']', '(': ')' };

/** Reads the top-level body of an HCL file: its blocks (attributes at the top are not Bake's concern). */
export function parseHcl(text: string): HclBlock[] {
  const tokens = tokenize(text);
  const reader = { tokens, at: 0 };
  return parseBody(reader, undefined).blocks;
}

interface Reader {
  readonly tokens: Token[];
  at: number;
}

function parseBody(reader: Reader, close: string | undefined): { attributes: Map<string, HclValue>; blocks: HclBlock[] } {
  const attributes = new Map<string, HclValue>();
  const blocks: HclBlock[] = [];
  const { tokens } = reader;
  while (reader.at < tokens.length) {
    const token = tokens[reader.at]!;
    if (token.kind === 'newline') {
      reader.at++;
      continue;
    }
    if (close !== undefined && token.text === close) {
      reader.at++;
      break;
    }
    if (token.kind !== 'ident') {
      reader.at++;
      continue;
    }
    const next = tokens[reader.at + 1];
    if (next?.text === '=') {
      reader.at += 2;
      attributes.set(token.text, parseValue(reader));
      continue;
    }
    // A block: a type, labels (strings or identifiers), then `{`.
    const labels: string[] = [];
    let at = reader.at + 1;
    while (at < tokens.length && (tokens[at]!.kind === 'string' || tokens[at]!.kind === 'ident')) {
      labels.push(tokens[at]!.value ?? tokens[at]!.text);
      at++;
    }
    if (tokens[at]?.text !== '{') {
      reader.at = at + 1;
      continue;
    }
    reader.at = at + 1;
    const body = parseBody(reader, '}');
    blocks.push({ type: token.text, labels, attributes: body.attributes, blocks: body.blocks });
  }
  return { attributes, blocks };
}

/** A value up to the end of its attribute (a line break outside brackets, a comma or a closing bracket). */
function parseValue(reader: Reader): HclValue {
  const { tokens } = reader;
  while (tokens[reader.at]?.kind === 'newline') reader.at++;
  const first = tokens[reader.at];
  if (!first) return { type: 'other' };
  let value: HclValue;
  if (first.kind === 'string') {
    reader.at++;
    value = {
      type: 'string',
      value: first.value ?? '',
      start: first.start + 1,
      end: Math.max(first.start + 1, first.end - 1),
      exact: first.exact ?? true,
    };
    if (!first.exact) value = { ...value, start: first.start, end: first.end };
  } else if (first.text === '[') {
    reader.at++;
    const items: HclValue[] = [];
    while (reader.at < tokens.length && tokens[reader.at]!.text !== ']') {
      const before = reader.at;
      const token = tokens[reader.at]!;
      if (token.kind === 'newline' || token.text === ',') reader.at++;
      else items.push(parseValue(reader));
      if (reader.at === before) reader.at++;
    }
    reader.at++;
    value = { type: 'list', items };
  } else if (first.text === '{') {
    reader.at++;
    const entries = new Map<string, HclValue>();
    while (reader.at < tokens.length && tokens[reader.at]!.text !== '}') {
      const token = tokens[reader.at]!;
      const separator = tokens[reader.at + 1];
      if ((token.kind === 'ident' || token.kind === 'string') && (separator?.text === '=' || separator?.text === ':')) {
        reader.at += 2;
        entries.set(token.value ?? token.text, parseValue(reader));
      } else reader.at++;
    }
    reader.at++;
    value = { type: 'object', entries };
  } else value = { type: 'other' };
  // Whatever follows on the line (an operator, a call) makes it an expression; it is skipped.
  let depth = 0;
  let extra = false;
  while (reader.at < tokens.length) {
    const token = tokens[reader.at]!;
    if (depth === 0 && (token.kind === 'newline' || token.text === ',' || token.text === ']' || token.text === '}' || token.text === ')'))
      break;
    if (OPEN[token.text]) depth++;
    else if (token.text === '}' || token.text === ']' || token.text === ')') depth--;
    extra = true;
    reader.at++;
  }
  return extra ? { type: 'other' } : value;
}
