// YAML files, analysed one document chunk at a time: each chunk's result is positioned relative
// to the chunk, so that an edit re-analyses only the chunk it touches (incremental.ts).

import { visit, type Document, type YAMLError } from 'yaml';
import { extractCompose, isComposeFile } from '../compose.js';
import { apiGroup, extractKubernetes, holdsNoImages, isKubernetesObject, type ContainerFact } from '../kubernetes.js';
import { LineIndex } from '../../util/lines.js';
import { imageFindings } from '../../rules/index.js';
import { composeRootFindings, kubernetesRootFindings, usersWanted } from '../../rules/rootUser.js';
import { findSuppressions, isSuppressed } from '../suppress.js';
import type {
  AnalysisError,
  AnalysisResult,
  AnalyzeOptions,
  ComposeService,
  Finding,
  ImageOccurrence,
  Range,
  SourceKind,
} from '../../types.js';
import { keyAt, parseChunk, splitDocuments } from './parse.js';
import { TEMPLATE_NOTE, templateValueNote } from '../templateNotes.js';
import { ciSystemOfPath, MAY_NAME_IMAGES } from '../ci/systems.js';
import { ciSystemOfShape, extractCi } from '../ci/extract.js';

/** What one chunk holds, with lines counted from the chunk's first line. */
export interface ChunkResult {
  /** Line breaks in the chunk: where the next chunk starts, relative to this one. */
  readonly lineBreaks: number;
  /** YAML documents in the chunk (for document indices). */
  readonly documents: number;
  readonly sources: readonly SourceKind[];
  readonly templated: boolean;
  readonly images: readonly ImageOccurrence[];
  readonly findings: readonly Finding[];
  readonly errors: readonly AnalysisError[];
  /** The Kubernetes containers the rules ran on, kept so that an edit inside an image can be applied without parsing. */
  readonly containers?: readonly ContainerFact[];
  /** The Compose services (who they run as, what they build). */
  readonly services?: readonly ComposeService[];
}

/**
 * True when only a template engine makes YAML of the chunk: it holds `{{` outside comment lines
 * and either does not parse, or the parser read a `{{ … }}` as a mapping (`image: {{ .Values.x }}`
 * parses as a mapping inside a mapping). `{{` inside a value (quoted on one line or several, a
 * block scalar, a plain scalar) is that value's text: a Grafana dashboard or an Argo parameter,
 * not a template of this file.
 */
export function needsTemplate(text: string, docs: readonly Document.Parsed[]): boolean {
  if (!holdsTemplateSyntax(text)) return false;
  if (docs.some((doc) => doc.errors.some((error) => error.code !== 'DUPLICATE_KEY'))) return true;
  return docs.some((doc) => {
    let found = false;
    visit(doc, {
      Map(_, node) {
        if (node.flow && node.range && text.startsWith('{{', node.range[0])) {
          found = true;
          return visit.BREAK;
        }
        return undefined;
      },
    });
    return found;
  });
}

/** `{{` on a line that is not a comment. */
function holdsTemplateSyntax(text: string): boolean {
  for (let at = text.indexOf('{{'); at !== -1; at = text.indexOf('{{', at + 2)) {
    const lineStart = text.lastIndexOf('\n', at) + 1;
    if (!/^[ \t]*#/.test(text.slice(lineStart, at + 1))) return true;
  }
  return false;
}

/**
 * Lone carriage returns (old Mac line endings) made line feeds: the parser knows only LF and CRLF,
 * and editors count a lone CR as a line break. The length is the same, so offsets stay valid.
 */
export function withLineFeeds(text: string): string {
  return text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
}
const KIND_LINE = /^kind[ \t]*:[ \t]*["']?([A-Za-z][A-Za-z0-9]*)/m;
const API_VERSION_LINE = /^apiVersion[ \t]*:[ \t]*["']?([A-Za-z0-9][A-Za-z0-9.-]*(?:\/[A-Za-z0-9.-]+)?)/m;

/**
 * The value of a top-level key written at the start of a line, or undefined when it is not there
 * or is written again further on (the last value counts then: that is left to the parser). The
 * second writing is looked for in the first 64 KiB only: searching a 1 MiB CRD to its end for a
 * key written twice would cost more than the rest of the pre-parse look together.
 */
function topLevelValue(pattern: RegExp, key: string, text: string): string | undefined {
  const first = pattern.exec(text);
  if (!first) return undefined;
  const head = text.length > DUPLICATE_SEARCH ? text.slice(0, DUPLICATE_SEARCH) : text;
  for (let again = head.indexOf(`\n${key}`, first.index); again !== -1; again = head.indexOf(`\n${key}`, again + 1)) {
    const lineEnd = head.indexOf('\n', again + 1);
    if (KEY_END.test(head.slice(again + 1 + key.length, lineEnd === -1 ? head.length : lineEnd))) return undefined;
  }
  return first[1];
}
const KEY_END = /^[ \t]*:/;
const DUPLICATE_SEARCH = 64 * 1024;
// A document that never mentions an image, a user or a build holds nothing any rule looks at.
const MAY_MATTER = /image|user|build/;
// A workflow or pipeline known by its shape (`jobs:` or `steps:` at the top) may name images otherwise.
const MAY_BE_PIPELINE = /^(?:jobs|steps)[ \t]*:/m;

function countLineBreaks(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** True when the text's `apiVersion` and `kind` lines name a kind that holds no image (a core Service, not a Knative one). */
function holdsNoImagesByText(text: string): boolean {
  const kind = topLevelValue(KIND_LINE, 'kind', text);
  const apiVersion = kind !== undefined ? topLevelValue(API_VERSION_LINE, 'apiVersion', text) : undefined;
  return kind !== undefined && apiVersion !== undefined && holdsNoImages(apiGroup(apiVersion), kind);
}

export function analyzeChunk(text: string, options: AnalyzeOptions): ChunkResult {
  const lineBreaks = countLineBreaks(text);
  const empty = { lineBreaks, images: [], findings: [], errors: [] };
  // A pipeline known by its name writes images under words of its own (`container:`, a step's `name:`),
  // and names none without them. Its `${{ … }}` are the system's expressions, not a template's.
  const ciByName = ciSystemOfPath(options.fileName);
  // Parsed first only when it may be a template: most chunks are decided before any parsing.
  const parsed = ciByName === undefined && text.includes('{{') ? parseChunk(text) : undefined;
  if (parsed && needsTemplate(text, parsed)) return { ...empty, documents: 0, sources: [], templated: true };
  // A document that cannot hold an image is not parsed: most of a large install bundle is CRDs.
  const kind = KIND_LINE.exec(text)?.[1];
  const mayMatter = ciByName !== undefined ? MAY_NAME_IMAGES[ciByName].test(text) : MAY_MATTER.test(text) || MAY_BE_PIPELINE.test(text);
  if (!mayMatter || holdsNoImagesByText(text)) {
    // A line that is neither blank, a comment nor a `---` marker: the chunk holds a document.
    const hasContent = /^(?!---(?:[ \t]|\r?$))[ \t]*[^\s#]/m.test(text);
    // A Kubernetes object has both; Drone's `kind: secret` documents have no `apiVersion`.
    const kubernetes = kind !== undefined && API_VERSION_LINE.test(text);
    return { ...empty, documents: hasContent ? 1 : 0, sources: kubernetes ? ['kubernetes'] : [], templated: false };
  }
  const lines = new LineIndex(text);
  const sources = new Set<SourceKind>();
  const images: ImageOccurrence[] = [];
  const containers: ContainerFact[] = [];
  const services: ComposeService[] = [];
  const errors: AnalysisError[] = [];
  let documents = 0;
  for (const doc of parsed ?? parseChunk(text)) {
    if (doc.contents === null && doc.errors.length === 0) continue; // comments only
    const index = documents++;
    if (doc.errors.length > 0) {
      // The parser notices some errors (an unclosed bracket or quote) only at the end of the
      // text; keep them inside this document rather than on the next one's `---`.
      const lastContent = Math.max(0, text.trimEnd().length - 1);
      for (const error of causes(doc.errors)) {
        const at = Math.min(error.pos?.[0] ?? 0, lastContent);
        const message = error.code === 'DUPLICATE_KEY' ? duplicateKeyMessage(doc, at) : firstLine(error.message);
        errors.push({ message: `YAML syntax error: ${message}`, range: lines.rangeAt(at, at) });
      }
      // A key written twice is an error, but the document still reads as Kubernetes reads it
      // (the last value counts): its images are still there to check.
      if (!doc.errors.every((error) => error.code === 'DUPLICATE_KEY')) continue;
    }
    const root = doc.contents;
    if (root === null) continue;
    if (isKubernetesObject(root, doc)) {
      sources.add('kubernetes');
      const facts = extractKubernetes(root, doc, text, lines, index);
      images.push(...facts.images);
      containers.push(...facts.containers);
    } else if (ciByName !== undefined) {
      sources.add('ci');
      images.push(...extractCi(ciByName, root, doc, text, lines));
    } else if (isComposeFile(root, doc)) {
      sources.add('compose');
      const compose = extractCompose(root, doc, text, lines, options.composeEnv ?? {});
      images.push(...compose.images);
      services.push(...compose.services);
    } else {
      const ci = ciSystemOfShape(root, doc);
      if (ci !== undefined) {
        sources.add('ci');
        images.push(...extractCi(ci, root, doc, text, lines));
      }
    }
  }
  const findings = runRules(text, images, containers, options, services);
  return {
    lineBreaks,
    documents,
    sources: [...sources],
    templated: false,
    images,
    findings,
    errors,
    containers,
    ...(services.length > 0 && { services }),
  };
}

/** Shipshape's static rules on a chunk's images and containers, minus what its comments silence. */
export function runRules(
  text: string,
  images: readonly ImageOccurrence[],
  containers: readonly ContainerFact[],
  options: AnalyzeOptions,
  services: readonly ComposeService[] = [],
): Finding[] {
  const suppressions = findSuppressions(text, true);
  return dedupe([
    ...imageFindings(images, options),
    ...kubernetesRootFindings(containers, options),
    ...composeRootFindings(services, images, options),
  ]).filter((finding) => !isSuppressed(finding, suppressions));
}

const PRINTABLE_KEY = /^[^\s`]{1,64}$/;

/**
 * The errors worth an entry each: every key written twice before the first real syntax error,
 * and that error. The parser goes on after it and reports what it makes of the rest (a badly
 * indented manifest gave 35 errors), which only follows from the first.
 */
function causes(errors: readonly YAMLError[]): YAMLError[] {
  const first = errors.findIndex((error) => error.code !== 'DUPLICATE_KEY');
  return first === -1 ? [...errors] : errors.slice(0, first + 1);
}

function duplicateKeyMessage(doc: Document.Parsed, offset: number): string {
  const key = keyAt(doc, offset);
  const name = typeof key === 'string' && PRINTABLE_KEY.test(key) ? ` \`${key}\`` : '';
  return `duplicate key${name} (the last value is used)`;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

/** An anchor used by several containers yields one finding per place, not one per use. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.rule}|${f.range.start.line}:${f.range.start.character}|${f.range.end.line}:${f.range.end.character}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function shift(range: Range, lines: number): Range {
  if (lines === 0) return range;
  return {
    start: { line: range.start.line + lines, character: range.start.character },
    end: { line: range.end.line + lines, character: range.end.character },
  };
}

/** Puts chunk results together into one file's result, in file coordinates. */
export function assemble(chunks: readonly ChunkResult[]): AnalysisResult {
  if (chunks.some((chunk) => chunk.templated)) {
    return { sources: [], images: [], findings: [], errors: [], notes: [TEMPLATE_NOTE] };
  }
  const sources = new Set<SourceKind>();
  const images: ImageOccurrence[] = [];
  const findings: Finding[] = [];
  const errors: AnalysisError[] = [];
  const services: ComposeService[] = [];
  let line = 0;
  let documentBase = 0;
  for (const chunk of chunks) {
    for (const source of chunk.sources) sources.add(source);
    for (const service of chunk.services ?? []) services.push(line === 0 ? service : shiftService(service, line));
    for (const image of chunk.images) {
      const range = shift(image.range, line);
      images.push(
        image.source === 'kubernetes'
          ? { ...image, range, kubernetes: { ...image.kubernetes, document: image.kubernetes.document + documentBase } }
          : { ...image, range },
      );
    }
    for (const finding of chunk.findings) findings.push(line === 0 ? finding : { ...finding, range: shift(finding.range, line) });
    for (const error of chunk.errors) {
      const document = documentBase + 1;
      errors.push({
        message: error.message.replace('YAML syntax error:', `YAML syntax error in document ${document}:`),
        ...(error.range && { range: shift(error.range, line) }),
      });
    }
    line += chunk.lineBreaks;
    documentBase += chunk.documents;
  }
  const notes = images
    .filter((image) => image.status === 'template')
    .map((image) => templateValueNote(image.range.start.line + 1, image.raw));
  const wanted = usersWanted(
    chunks.flatMap((c) => c.containers ?? []),
    services,
    images,
  );
  return {
    sources: [...sources],
    images,
    findings,
    errors,
    notes,
    ...(services.length > 0 && { services }),
    ...(wanted.length > 0 && { usersWanted: wanted }),
  };
}

function shiftService(service: ComposeService, lines: number): ComposeService {
  return {
    ...service,
    range: shift(service.range, lines),
    ...(service.user && { user: { ...service.user, range: shift(service.user.range, lines) } }),
    ...(service.build && { build: { ...service.build, range: shift(service.build.range, lines) } }),
  };
}

export function analyzeYaml(text: string, options: AnalyzeOptions): AnalysisResult {
  return assemble(splitDocuments(withLineFeeds(text)).map((chunk) => analyzeChunk(chunk.text, options)));
}
