// A quick reader for the plain block YAML that generators write (CRDs, `toYaml` output), for
// `fromYaml`: istio's chart reads a megabyte of CRDs through it, and the full parser (nodes,
// ranges, comments) spent most of that chart's time there. It reads block mappings and sequences,
// plain, quoted and literal scalars, YAML 1.1's boolean and null words and decimal integers, and
// gives up (FALLBACK) on anything else (anchors, tags, flow collections, folded scalars, escapes,
// other numbers and dates, tabs), which the full parser then reads: what it returns is what the
// full parser's `toJS` returns for the same text (a test compares the two over the corpus).

/** Returned when the text uses something this reader leaves to the full parser. */
export const FALLBACK: unique symbol = /* @__PURE__ */ Symbol('fallback');

class GiveUp extends Error {}

interface Line {
  indent: number;
  /** The line without its indentation. */
  content: string;
}

const MAX_DEPTH = 64;
/** Plain words YAML 1.1 reads as something other than a string. */
const SPECIAL_WORDS = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;
const PLAIN_KEY = /^([A-Za-z_/$][^\s:#'"{}[\],]*(?: +[^\s:#'"{}[\],]+)*) *:(?: +(.*))?$/;
const QUOTED_KEY = /^(?:'((?:[^']|'')*)'|"([^"\\]*)") *:(?: +(.*))?$/;
const ENTRY = /^-(?: +(.*))?$/;
/** Plain words YAML 1.1 reads as booleans or null. */
const TRUE_WORD = /^(?:y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const FALSE_WORD = /^(?:n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const NULL_WORD = /^(?:~|null|Null|NULL)$/;
/** The only characters YAML 1.1 numbers, dates, `.inf` and `.nan` are written with. */
const NUMBER_LIKE = /^[0-9a-fA-F_.:+\-xXoObBtTzZiInN ]*$/;
const INTEGER = /^-?(?:0|[1-9][0-9]{0,14})$/;

/** The text's first document as plain values, or FALLBACK. */
export function readBlockYaml(text: string): unknown {
  if (/[\t\r\uFEFF]|^(?:---|\.\.\.|%)/m.test(text)) return FALLBACK;
  try {
    return new Reader(text.split('\n')).document();
  } catch (error) {
    if (error instanceof GiveUp) return FALLBACK;
    throw error;
  }
}

function giveUp(): never {
  throw new GiveUp();
}

function indentOf(raw: string): number {
  let i = 0;
  while (raw.charCodeAt(i) === 0x20) i++;
  return i;
}

function blank(raw: string): boolean {
  return raw.trim() === '';
}

class Reader {
  private at = 0;
  /** A line replaced by what follows its `- ` (a mapping or list started on an entry's line). */
  private virtual: Line | undefined;

  constructor(private readonly lines: readonly string[]) {}

  document(): unknown {
    const first = this.peek();
    if (!first) return giveUp();
    const value = this.node(first.indent, 0);
    if (this.peek()) giveUp();
    return value;
  }

  /** The next line that is neither blank nor a comment, without taking it. */
  private peek(): Line | undefined {
    if (this.virtual) return this.virtual;
    while (this.at < this.lines.length) {
      const raw = this.lines[this.at]!;
      const indent = indentOf(raw);
      if (indent < raw.length && raw[indent] !== '#') return { indent, content: raw.slice(indent) };
      this.at++;
    }
    return undefined;
  }

  private take(): void {
    if (this.virtual) this.virtual = undefined;
    else this.at++;
  }

  private node(indent: number, depth: number): unknown {
    if (depth > MAX_DEPTH) giveUp();
    const line = this.peek()!;
    if (ENTRY.test(line.content)) return this.sequence(indent, depth);
    if (PLAIN_KEY.test(line.content) || QUOTED_KEY.test(line.content)) return this.mapping(indent, depth);
    return giveUp();
  }

  private mapping(indent: number, depth: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    for (let line = this.peek(); line && line.indent >= indent; line = this.peek()) {
      if (line.indent > indent) giveUp();
      let key: string;
      let rest: string | undefined;
      const plain = PLAIN_KEY.exec(line.content);
      const quoted = plain ? undefined : QUOTED_KEY.exec(line.content);
      if (plain) {
        key = plain[1]!;
        rest = plain[2];
        if (SPECIAL_WORDS.test(key)) giveUp();
      } else if (quoted) {
        key = quoted[1] !== undefined ? quoted[1].replace(/''/g, "'") : quoted[2]!;
        rest = quoted[3];
      } else return giveUp();
      if (key === '__proto__' || Object.prototype.hasOwnProperty.call(map, key)) giveUp();
      this.take();
      map[key] = this.value(rest, indent, depth, true);
    }
    return map;
  }

  private sequence(indent: number, depth: number): unknown[] {
    const list: unknown[] = [];
    for (let line = this.peek(); line && line.indent >= indent; line = this.peek()) {
      if (line.indent > indent) giveUp();
      const entry = ENTRY.exec(line.content);
      if (!entry) break;
      const rest = entry[1];
      if (rest !== undefined && (ENTRY.test(rest) || PLAIN_KEY.test(rest) || QUOTED_KEY.test(rest))) {
        // `- key: value` or `- - item`: a collection whose column is that of its first item.
        this.take();
        const column = line.indent + (line.content.length - rest.length);
        this.virtual = { indent: column, content: rest };
        list.push(this.node(column, depth + 1));
        continue;
      }
      this.take();
      list.push(this.value(rest, indent, depth, false));
    }
    return list;
  }

  /** The value after `key:` or `- ` (`rest`, undefined when nothing follows on the line); `indent` is the parent's. */
  private value(rest: string | undefined, indent: number, depth: number, inMapping: boolean): unknown {
    if (rest === undefined || rest.trim() === '' || rest.startsWith('#')) {
      const next = this.peek();
      if (next && next.indent > indent) return this.node(next.indent, depth + 1);
      // A list under a key may start in the key's column.
      if (inMapping && next && next.indent === indent && ENTRY.test(next.content)) return this.sequence(indent, depth + 1);
      return null;
    }
    const first = rest[0]!;
    if (first === "'" || first === '"') return this.quoted(rest, indent);
    if (first === '|') return this.literal(rest, indent);
    if (/^\{\}(?: +#.*| *)$/.test(rest)) return {};
    if (/^\[\](?: +#.*| *)$/.test(rest)) return [];
    if (/^[-?:,[\]{}#&*!>%@`]/.test(first)) giveUp();
    return this.plain(rest, indent);
  }

  private plain(rest: string, indent: number): unknown {
    const comment = rest.indexOf(' #');
    const text = (comment === -1 ? rest : rest.slice(0, comment)).trimEnd();
    if (text.includes(': ') || text.endsWith(':')) giveUp();
    const parts = [text];
    let empty = 0;
    // Continuation lines, when the value did not end in a comment.
    while (comment === -1 && this.at < this.lines.length) {
      const raw = this.lines[this.at]!;
      if (blank(raw)) {
        empty++;
        this.at++;
        continue;
      }
      const lineIndent = indentOf(raw);
      if (lineIndent <= indent || raw[lineIndent] === '#') break;
      const more = raw.trim();
      if (/^(?:[-?:](?: |$)|#)/.test(more) || more.includes(': ') || more.endsWith(':') || more.includes(' #')) giveUp();
      parts.push(empty > 0 ? '\n'.repeat(empty) : ' ', more);
      empty = 0;
      this.at++;
    }
    const value = parts.join('');
    if (parts.length === 1 && INTEGER.test(value) && value !== '-0') return Number(value);
    if (parts.length === 1 && TRUE_WORD.test(value)) return true;
    if (parts.length === 1 && FALSE_WORD.test(value)) return false;
    if (parts.length === 1 && NULL_WORD.test(value)) return null;
    if (!isString(value)) giveUp();
    return value;
  }

  private quoted(rest: string, indent: number): string {
    const quote = rest[0]!;
    const segments: string[] = [];
    let line = rest.slice(1);
    for (;;) {
      let end = -1;
      for (let i = 0; i < line.length; i++) {
        if (line[i] === '\\' && quote === '"') giveUp();
        if (line[i] !== quote) continue;
        if (quote === "'" && line[i + 1] === "'") {
          i++;
          continue;
        }
        end = i;
        break;
      }
      if (end !== -1) {
        segments.push(line.slice(0, end));
        const after = line.slice(end + 1);
        if (after.trim() !== '' && !/^ +#/.test(after)) giveUp();
        break;
      }
      segments.push(line);
      if (this.at >= this.lines.length) giveUp();
      line = this.lines[this.at]!;
      this.at++;
      if (!blank(line) && indentOf(line) <= indent) giveUp();
    }
    const folded = fold(segments);
    return quote === "'" ? folded.replace(/''/g, "'") : folded;
  }

  private literal(rest: string, indent: number): string {
    const header = /^\|(?:([1-9])?([+-]?)|([+-])([1-9]))(?: +#.*| *)$/.exec(rest);
    if (!header) return giveUp();
    const chomp = header[2] ?? header[3];
    const explicit = header[1] ?? header[4];
    const body: string[] = [];
    // The content's column: given (`|2`, from the parent's), or that of its first line.
    let column = explicit ? indent + Number(explicit) : -1;
    while (this.at < this.lines.length) {
      const raw = this.lines[this.at]!;
      if (blank(raw)) {
        // Spaces beyond the indentation on an empty line are text (or, before the first line, an error).
        if (column === -1 ? raw.length > 0 : raw.length > column) giveUp();
        body.push('');
        this.at++;
        continue;
      }
      const lineIndent = indentOf(raw);
      if (column === -1) {
        if (lineIndent <= indent) break;
        column = lineIndent;
      } else if (lineIndent < column) break;
      body.push(raw.slice(column));
      this.at++;
    }
    let last = body.length;
    while (last > 0 && body[last - 1] === '') last--;
    if (last === 0) giveUp();
    const content = body.slice(0, last).join('\n');
    if (chomp === '-') return content;
    if (chomp === '+') giveUp();
    return `${content}\n`;
  }
}

/** A quoted scalar's lines joined as YAML folds them: a line break is a space, an empty line a newline. */
function fold(segments: readonly string[]): string {
  if (segments.length === 1) return segments[0]!;
  let out = segments[0]!.replace(/ +$/, '');
  let empty = 0;
  for (let i = 1; i < segments.length; i++) {
    const last = i === segments.length - 1;
    const text = last ? segments[i]!.replace(/^ +/, '') : segments[i]!.trim();
    if (!last && text === '') {
      empty++;
      continue;
    }
    out += (empty > 0 ? '\n'.repeat(empty) : ' ') + text;
    empty = 0;
  }
  return out;
}

/** Whether YAML 1.1 reads a plain scalar as a string: a word that is not a boolean or null, or text no number or date is written with. */
function isString(value: string): boolean {
  if (value === '~' || SPECIAL_WORDS.test(value)) return false;
  return /^[A-Za-z]/.test(value) || !NUMBER_LIKE.test(value);
}
