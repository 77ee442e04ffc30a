// Go template text split into text and actions, and actions into tokens, as text/template's lexer
// does: `{{- ` and ` -}}` trim the whitespace beside them, `{{/* */}}` are comments, actions may
// span lines. Offsets are into the template's text.

export type TokenKind =
  | 'field'
  | 'variable'
  | 'identifier'
  | 'keyword'
  | 'string'
  | 'char'
  | 'number'
  | 'bool'
  | 'nil'
  | 'dot'
  | 'leftParen'
  | 'rightParen'
  | 'pipe'
  | 'declare'
  | 'assign'
  | 'comma';

export interface Token {
  readonly kind: TokenKind;
  /** The token as written (a string's quotes included). */
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** Whether whitespace separates it from the token before (a field right after a term extends it). */
  readonly spaced: boolean;
}

/** Text between actions, after the trim markers beside it took their whitespace. */
export interface TextItem {
  readonly type: 'text';
  readonly text: string;
  /** Where `text` is in the template (it is exactly that slice). */
  readonly start: number;
  readonly end: number;
}

export interface ActionItem {
  readonly type: 'action';
  readonly tokens: readonly Token[];
  /** From `{{` to `}}`, both included. */
  readonly start: number;
  readonly end: number;
}

export type Item = TextItem | ActionItem;

export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function isAlnum(ch: string | undefined): boolean {
  if (ch === undefined) return false;
  // ASCII without a regular expression: identifiers are read a character at a time.
  const code = ch.charCodeAt(0);
  if (code < 0x80)
    return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
  return /[\p{L}\p{Nd}_]/u.test(ch);
}

/** Splits a template into text and action items; comments are dropped (their trim markers still apply). */
export function lexTemplate(text: string): Item[] {
  const items: Item[] = [];
  let textStart = 0;
  let trimNext = false;
  let pos = 0;
  for (;;) {
    const open = text.indexOf('{{', pos);
    const textEnd = open === -1 ? text.length : open;
    const trimLeft = open !== -1 && text[open + 2] === '-' && isSpace(text[open + 3]);
    let start = textStart;
    let end = textEnd;
    if (trimNext) while (start < end && isSpace(text[start])) start++;
    if (trimLeft) while (end > start && isSpace(text[end - 1])) end--;
    if (end > start) items.push({ type: 'text', text: text.slice(start, end), start, end });
    if (open === -1) return items;
    let inner = open + 2 + (trimLeft ? 2 : 0);
    if (text.startsWith('/*', inner)) {
      const close = text.indexOf('*/', inner + 2);
      if (close === -1) throw new TemplateSyntaxError('unclosed comment', open);
      const right = rightDelimiter(text, close + 2);
      if (!right) throw new TemplateSyntaxError('comment ends before closing delimiter', close);
      trimNext = right.trim;
      pos = textStart = right.end;
      continue;
    }
    const tokens: Token[] = [];
    let spaced = trimLeft;
    for (;;) {
      const right = rightDelimiter(text, inner);
      if (right) {
        items.push({ type: 'action', tokens, start: open, end: right.end });
        trimNext = right.trim;
        pos = textStart = right.end;
        break;
      }
      if (inner >= text.length) throw new TemplateSyntaxError('unclosed action', open);
      const ch = text[inner]!;
      if (isSpace(ch)) {
        inner++;
        spaced = true;
        continue;
      }
      const token = lexToken(text, inner, spaced);
      tokens.push(token);
      inner = token.end;
      spaced = false;
    }
  }
}

/** `}}` or ` -}}` at `pos`. */
function rightDelimiter(text: string, pos: number): { end: number; trim: boolean } | undefined {
  if (isSpace(text[pos]) && text[pos + 1] === '-' && text.startsWith('}}', pos + 2)) return { end: pos + 4, trim: true };
  if (text.startsWith('}}', pos)) return { end: pos + 2, trim: false };
  return undefined;
}

const NUMBER =
  /[+-]?(?:0[xX](?:[0-9a-fA-F_]*\.[0-9a-fA-F_]*|[0-9a-fA-F_]+)[pP][+-]?\d+|0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?)/y;

function lexToken(text: string, start: number, spaced: boolean): Token {
  const make = (kind: TokenKind, end: number): Token => ({ kind, text: text.slice(start, end), start, end, spaced });
  const ch = text[start]!;
  const next = text[start + 1];
  switch (ch) {
    case '(':
      return make('leftParen', start + 1);
    case ')':
      return make('rightParen', start + 1);
    case '|':
      return make('pipe', start + 1);
    case ',':
      return make('comma', start + 1);
    case '=':
      return make('assign', start + 1);
    case ':':
      if (next !== '=') throw new TemplateSyntaxError('expected :=', start);
      return make('declare', start + 2);
    case '"':
      return make('string', quotedEnd(text, start, '"'));
    case "'":
      return make('char', quotedEnd(text, start, "'"));
    case '`': {
      const close = text.indexOf('`', start + 1);
      if (close === -1) throw new TemplateSyntaxError('unterminated raw quoted string', start);
      return make('string', close + 1);
    }
    case '$': {
      let end = start + 1;
      while (isAlnum(text[end])) end++;
      return make('variable', end);
    }
    case '.': {
      if (next !== undefined && /\d/.test(next)) return make('number', numberEnd(text, start));
      let end = start + 1;
      while (isAlnum(text[end])) end++;
      return make(end === start + 1 ? 'dot' : 'field', end);
    }
  }
  if (/[\d+-]/.test(ch)) return make('number', numberEnd(text, start));
  if (isAlnum(ch)) {
    let end = start + 1;
    while (isAlnum(text[end])) end++;
    const word = text.slice(start, end);
    const kind: TokenKind = KEYWORDS.has(word)
      ? 'keyword'
      : word === 'true' || word === 'false'
        ? 'bool'
        : word === 'nil'
          ? 'nil'
          : 'identifier';
    return make(kind, end);
  }
  throw new TemplateSyntaxError(`unexpected ${JSON.stringify(ch)} in action`, start);
}

function quotedEnd(text: string, start: number, quote: string): number {
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') i++;
    else if (ch === quote) return i + 1;
    else if (ch === '\n') break;
  }
  throw new TemplateSyntaxError('unterminated quoted string', start);
}

function numberEnd(text: string, start: number): number {
  NUMBER.lastIndex = start;
  const match = NUMBER.exec(text);
  if (!match || match[0] === '' || match[0] === '+' || match[0] === '-') throw new TemplateSyntaxError('bad number syntax', start);
  const end = start + match[0].length;
  if (isAlnum(text[end])) throw new TemplateSyntaxError(`bad number syntax: ${text.slice(start, end + 1)}`, start);
  return end;
}
