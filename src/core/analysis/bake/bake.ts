// Docker Bake files (`docker-bake.hcl`, `docker-bake.json` and their `.override` twins): the images
// targets take as named contexts (`contexts = { base = "docker-image://alpine:3.20" }`), and the
// Dockerfile each target builds (`context` and `dockerfile`, through `inherits`) with its `args`
// and `target`, which the scan analyses as a Dockerfile. `variable` defaults fill `${NAME}`.
// https://docs.docker.com/build/bake/reference/

import { findNodeAtLocation, type Node } from 'jsonc-parser';
import { LineIndex } from '../../util/lines.js';
import type { AnalysisError, AnalysisResult, AnalyzeOptions, FileUse, ImageOccurrence, Range } from '../../types.js';
import { containerFileResult, containerImage } from '../containerFiles.js';
import { jsonStringSpan, parseJsonc } from '../devcontainer.js';
import { parseHcl, type HclValue } from './hcl.js';

const IMAGE_CONTEXT = 'docker-image://';
const MAX_INHERITS = 16;

/** A string as Bake reads it, and where its text is. */
interface Text {
  readonly value: string;
  readonly range: Range;
}

/** What a target says, before inheritance. */
interface Target {
  readonly name: string;
  readonly inherits: readonly string[];
  readonly context?: Text;
  readonly dockerfile?: Text;
  readonly target?: string;
  readonly args: ReadonlyMap<string, string>;
  readonly contexts: ReadonlyMap<string, Text>;
}

interface BakeFile {
  readonly targets: Target[];
  readonly variables: Map<string, string>;
  readonly errors: AnalysisError[];
}

export function analyzeBake(text: string, options: AnalyzeOptions): AnalysisResult {
  const lines = new LineIndex(text);
  const file = text.trimStart().startsWith('{') ? readJson(text, lines) : readHcl(text, lines);
  const images: ImageOccurrence[] = [];
  const uses: FileUse[] = [];
  const byName = new Map(file.targets.map((t) => [t.name, t]));
  for (const target of file.targets) {
    for (const [name, context] of target.contexts) {
      if (!context.value.startsWith(IMAGE_CONTEXT)) continue;
      const raw = context.value.slice(IMAGE_CONTEXT.length);
      const range = shiftStart(context.range, IMAGE_CONTEXT.length, text, lines);
      images.push(containerImage('bake', raw, range, `contexts.${name}`, target.name, file.variables));
    }
    const built = inherited(target, byName);
    if (built.dockerfile === undefined && built.context === undefined) continue;
    // A remote context (a Git or HTTP URL) or a variable's path is not a file here.
    const context = built.context?.value ?? '.';
    const dockerfile = built.dockerfile?.value ?? 'Dockerfile';
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(context) || context.includes('${') || dockerfile.includes('${') || isAbsolute(dockerfile)) continue;
    const args = Object.fromEntries([...built.args].filter(([, value]) => !value.includes('${')));
    uses.push({
      kind: 'dockerfile',
      path: joinPath(context, dockerfile),
      ...(Object.keys(args).length > 0 && { args }),
      ...(built.target !== undefined && { target: built.target }),
      range: (built.dockerfile ?? built.context)!.range,
    });
  }
  images.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  return containerFileResult(text, 'bake', images, options, file.errors, dedupeUses(uses));
}

/** A target's build as Bake makes it: its own fields over those it inherits (the last inherited wins). */
function inherited(
  target: Target,
  byName: ReadonlyMap<string, Target>,
  depth = 0,
): { context?: Text; dockerfile?: Text; target?: string; args: Map<string, string> } {
  const merged: { context?: Text; dockerfile?: Text; target?: string; args: Map<string, string> } = { args: new Map() };
  if (depth < MAX_INHERITS) {
    for (const parent of target.inherits) {
      const from = byName.get(parent);
      if (!from || from === target) continue;
      const base = inherited(from, byName, depth + 1);
      if (base.context) merged.context = base.context;
      if (base.dockerfile) merged.dockerfile = base.dockerfile;
      if (base.target !== undefined) merged.target = base.target;
      for (const [k, v] of base.args) merged.args.set(k, v);
    }
  }
  if (target.context) merged.context = target.context;
  if (target.dockerfile) merged.dockerfile = target.dockerfile;
  if (target.target !== undefined) merged.target = target.target;
  for (const [k, v] of target.args) merged.args.set(k, v);
  return merged;
}

/** The Dockerfile's path relative to the Bake file's folder: Bake reads `dockerfile` relative to `context`. */
function joinPath(context: string, dockerfile: string): string {
  const base = context.replace(/\/+$/, '');
  return base === '.' || base === '' ? dockerfile : `${base}/${dockerfile.replace(/^\.\//, '')}`;
}

function isAbsolute(file: string): boolean {
  return file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file);
}

function dedupeUses(uses: FileUse[]): FileUse[] {
  const seen = new Set<string>();
  return uses.filter((use) => {
    const key = `${use.path}|${use.range.start.line}:${use.range.start.character}|${JSON.stringify(use.kind === 'dockerfile' ? [use.args, use.target] : [])}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A range moved past the first `by` characters, when its text is exactly the value (no escapes). */
function shiftStart(range: Range, by: number, text: string, lines: LineIndex): Range {
  const start = lines.offsetAt(range.start);
  const end = lines.offsetAt(range.end);
  if (text.slice(start, start + by) !== IMAGE_CONTEXT) return range;
  return lines.rangeAt(start + by, end);
}

function readHcl(text: string, lines: LineIndex): BakeFile {
  const variables = new Map<string, string>();
  const targets: Target[] = [];
  const asText = (value: HclValue | undefined): Text | undefined =>
    value?.type === 'string' ? { value: value.value, range: lines.rangeAt(value.start, value.end) } : undefined;
  for (const block of parseHcl(text)) {
    const name = block.labels[0];
    if (name === undefined) continue;
    if (block.type === 'variable') {
      const value = block.attributes.get('default');
      if (value?.type === 'string' && !value.value.includes('${')) variables.set(name, value.value);
      continue;
    }
    if (block.type !== 'target') continue;
    const strings = (value: HclValue | undefined) =>
      new Map(value?.type === 'object' ? [...value.entries].flatMap(([k, v]) => (v.type === 'string' ? [[k, v] as const] : [])) : []);
    const inherits = block.attributes.get('inherits');
    const context = asText(block.attributes.get('context'));
    const dockerfile = asText(block.attributes.get('dockerfile'));
    const stage = block.attributes.get('target');
    targets.push({
      name,
      inherits: inherits?.type === 'list' ? inherits.items.flatMap((i) => (i.type === 'string' ? [i.value] : [])) : [],
      ...(context && { context }),
      ...(dockerfile && { dockerfile }),
      ...(stage?.type === 'string' && { target: stage.value }),
      args: new Map([...strings(block.attributes.get('args'))].map(([k, v]) => [k, v.value])),
      contexts: new Map([...strings(block.attributes.get('contexts'))].map(([k, v]) => [k, asText(v)!])),
    });
  }
  return { targets, variables, errors: [] };
}

function readJson(text: string, lines: LineIndex): BakeFile {
  const errors: AnalysisError[] = [];
  const root = parseJsonc(text, lines, errors);
  const variables = new Map<string, string>();
  const targets: Target[] = [];
  if (!root || root.type !== 'object') return { targets, variables, errors };
  const asText = (node: Node | undefined): Text | undefined => {
    if (node?.type !== 'string') return undefined;
    const span = jsonStringSpan(node, text);
    return { value: String(node.value), range: lines.rangeAt(span.start, span.end) };
  };
  const members = (node: Node | undefined) =>
    (node?.type === 'object' ? (node.children ?? []) : []).flatMap((pair) => {
      const [key, value] = pair.children ?? [];
      return key?.type === 'string' && value ? [[String(key.value), value] as const] : [];
    });
  for (const [name, variable] of members(findNodeAtLocation(root, ['variable']))) {
    const value = findNodeAtLocation(variable, ['default']);
    if (value?.type === 'string' && !String(value.value).includes('${')) variables.set(name, String(value.value));
  }
  for (const [name, target] of members(findNodeAtLocation(root, ['target']))) {
    const inherits = findNodeAtLocation(target, ['inherits']);
    const context = asText(findNodeAtLocation(target, ['context']));
    const dockerfile = asText(findNodeAtLocation(target, ['dockerfile']));
    const stage = findNodeAtLocation(target, ['target']);
    targets.push({
      name,
      inherits: (inherits?.children ?? []).flatMap((i) => (i.type === 'string' ? [String(i.value)] : [])),
      ...(context && { context }),
      ...(dockerfile && { dockerfile }),
      ...(stage?.type === 'string' && { target: String(stage.value) }),
      args: new Map(members(findNodeAtLocation(target, ['args'])).flatMap(([k, v]) => (v.type === 'string' ? [[k, String(v.value)]] : []))),
      contexts: new Map(
        members(findNodeAtLocation(target, ['contexts'])).flatMap(([k, v]) => (v.type === 'string' ? [[k, asText(v)!]] : [])),
      ),
    });
  }
  return { targets, variables, errors };
}
