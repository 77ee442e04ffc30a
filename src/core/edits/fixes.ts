// Quick fixes that need no network: edits as plain data, for the editor (and tests) to apply.

import { isMap, isPair, isScalar, isSeq, visit, type Document, type YAMLMap } from 'yaml';
import { LineIndex } from '../util/lines.js';
import type { FileKind, Finding, Position } from '../types.js';
import type { Fix } from './textEdits.js';
import { parseChunk, splitDocuments } from '../analysis/yaml/parse.js';
import { registryFix } from './registryFix.js';
import { tagFix } from './tagFix.js';
import { digestFix } from './digestFix.js';

export type { Fix };

const CONTAINER_KEYS = new Set(['containers', 'initContainers', 'ephemeralContainers']);
const DIRECTIVE_LINE = /^([ \t]*(?:#|\/\/|;)[ \t]*shipshape-ignore)((?:[ \t,]+[a-z][\w-]*)*)/;

/** The fixes for one finding, in the order an editor should list them. */
export function fixesFor(text: string, kind: FileKind, finding: Finding): Fix[] {
  const fixes: Fix[] = [];
  if (kind === 'yaml' && finding.rule === 'root-user' && finding.reason === 'implicit') {
    const fix = runAsNonRootFix(text, finding);
    if (fix) fixes.push(fix);
  }
  const registry = registryFix(text, finding) ?? tagFix(text, finding) ?? digestFix(text, finding);
  if (registry) fixes.push(registry);
  // JSON with comments and HCL comment with `//`; a JSON Bake file has no comments at all.
  const json = kind === 'bake' && text.trimStart().startsWith('{');
  if (!json) fixes.push(suppressionFix(text, finding, kind === 'devcontainer' || kind === 'bake' ? '//' : '#'));
  return fixes;
}

function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** Adds `# shipshape-ignore <rule>` (or `// …`) above the finding's line, or the rule to a comment already there. */
export function suppressionFix(text: string, finding: Finding, comment: '#' | '//' = '#'): Fix {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  const line = finding.range.start.line;
  const title = `Ignore ${finding.rule} on this line`;
  const above = line > 0 ? DIRECTIVE_LINE.exec(lines[line - 1]!) : null;
  if (above && above[2]!.trim() !== '') {
    const at: Position = { line: line - 1, character: above[1]!.length + above[2]!.length };
    return { title, edits: [{ range: { start: at, end: at }, newText: `,${finding.rule}` }] };
  }
  const indent = /^[ \t]*/.exec(lines[line] ?? '')![0];
  const start: Position = { line, character: 0 };
  return {
    title,
    edits: [{ range: { start, end: start }, newText: `${indent}${comment} shipshape-ignore ${finding.rule}${eolOf(text)}` }],
  };
}

/** Sets `securityContext.runAsNonRoot: true` on the container a root-user finding is about. */
export function runAsNonRootFix(text: string, finding: Finding): Fix | undefined {
  const lines = new LineIndex(text);
  const offset = lines.offsetAt(finding.range.start);
  const chunk = splitDocuments(text).find((c) => c.offset <= offset && offset < c.offset + Math.max(c.text.length, 1));
  if (!chunk) return undefined;
  const relative = offset - chunk.offset;
  for (const doc of parseChunk(chunk.text)) {
    // A key written twice still reads (its last value counts): the fix applies there too.
    if (doc.errors.some((error) => error.code !== 'DUPLICATE_KEY')) continue;
    const container = containerAt(doc, relative);
    if (!container) continue;
    const edit = addRunAsNonRoot(container, chunk.text, eolOf(text));
    if (!edit) return undefined;
    const at = (n: number) => lines.positionAt(chunk.offset + n);
    return {
      title: 'Set securityContext.runAsNonRoot: true on this container',
      preferred: true,
      edits: [{ range: { start: at(edit.start), end: at(edit.end) }, newText: edit.newText }],
    };
  }
  return undefined;
}

function containerAt(doc: Document, offset: number): YAMLMap | undefined {
  let found: YAMLMap | undefined;
  visit(doc, {
    Map(_, node, path) {
      const seq = path[path.length - 1];
      const pair = path[path.length - 2];
      const [start, , end] = node.range ?? [0, 0, 0];
      if (
        isSeq(seq) &&
        isPair(pair) &&
        isScalar(pair.key) &&
        CONTAINER_KEYS.has(String(pair.key.value)) &&
        start <= offset &&
        offset < end
      ) {
        found = node;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

interface OffsetEdit {
  readonly start: number;
  readonly end: number;
  readonly newText: string;
}

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function columnOf(text: string, offset: number): number {
  return offset - lineStartOf(text, offset);
}

function addRunAsNonRoot(container: YAMLMap, text: string, eol: string): OffsetEdit | undefined {
  const pairs = container.items;
  const contextPair = pairs.find((p) => isScalar(p.key) && p.key.value === 'securityContext');
  if (contextPair) {
    const value = contextPair.value;
    if (isMap(value)) return addToMap(value, text, 'runAsNonRoot', 'true', eol);
    if (value === null || (isScalar(value) && value.value === null)) {
      const keyEnd = (contextPair.key as { range?: [number, number, number] }).range?.[1] ?? 0;
      const colon = text.indexOf(':', keyEnd);
      return {
        start: colon + 1,
        end: isScalar(value) && value.range ? Math.max(colon + 1, value.range[1]) : colon + 1,
        newText: ' {runAsNonRoot: true}',
      };
    }
    return undefined; // an alias or something unexpected: leave it to the user
  }
  return addToMap(container, text, 'securityContext', '', eol, ['runAsNonRoot: true']);
}

/**
 * Adds `key: value` to a mapping (or sets it when present), in the mapping's own style:
 * a new line at the keys' indentation for block mappings, an entry for flow mappings.
 */
function addToMap(map: YAMLMap, text: string, key: string, value: string, eol: string, children: string[] = []): OffsetEdit | undefined {
  const pairs = map.items;
  const existing = pairs.find((p) => isScalar(p.key) && p.key.value === key);
  if (existing && isScalar(existing.value) && existing.value.range && children.length === 0) {
    return { start: existing.value.range[0], end: existing.value.range[1], newText: value };
  }
  const [mapStart, mapValueEnd] = map.range ?? [0, 0];
  if (map.flow) {
    const entry = children.length ? `${key}: {${children.join(', ')}}` : `${key}: ${value}`;
    const close = mapValueEnd - 1;
    const before = text.slice(mapStart + 1, close).trimEnd();
    const separator = before === '' || before.endsWith(',') ? '' : ', ';
    const at = mapStart + 1 + before.length;
    return { start: at, end: at, newText: `${separator}${entry}` };
  }
  const firstKey = pairs[0]?.key as { range?: [number, number, number] } | undefined;
  if (!firstKey?.range) return undefined;
  const indent = ' '.repeat(columnOf(text, firstKey.range[0]));
  const step = '  ';
  const lines = [children.length ? `${indent}${key}:` : `${indent}${key}: ${value}`, ...children.map((c) => `${indent}${step}${c}`)];
  // Insert before the second key's line when there is one (the first may share the line with `- `),
  // else after the line on which the mapping ends.
  const second = pairs[1]?.key as { range?: [number, number, number] } | undefined;
  if (second?.range && lineStartOf(text, second.range[0]) > lineStartOf(text, firstKey.range[0])) {
    const at = lineStartOf(text, second.range[0]);
    return { start: at, end: at, newText: lines.map((l) => `${l}${eol}`).join('') };
  }
  const endOfValue = text.slice(0, mapValueEnd).trimEnd().length;
  const lineEnd = text.indexOf('\n', endOfValue);
  if (lineEnd === -1) return { start: text.length, end: text.length, newText: lines.map((l) => `${eol}${l}`).join('') };
  const at = lineEnd + 1;
  return { start: at, end: at, newText: lines.map((l) => `${l}${eol}`).join('') };
}
