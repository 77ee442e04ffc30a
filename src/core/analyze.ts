// The analysis entry point: text in, images, findings and errors out.

import { extractDockerfile } from './dockerfile.js';
import { extractCompose, isComposeFile } from './compose.js';
import { extractKubernetes, isKubernetesObject, KINDS_WITHOUT_IMAGES, type ContainerFact } from './kubernetes.js';
import { LineIndex } from './lines.js';
import { imageFindings } from './rules/images.js';
import { dockerfileRootFindings, kubernetesRootFindings } from './rules/rootUser.js';
import { findSuppressions, isSuppressed } from './suppress.js';
import type { AnalysisError, AnalysisResult, AnalyzeOptions, FileKind, Finding, ImageOccurrence, SourceKind } from './types.js';
import { parseChunk, splitDocuments } from './yaml.js';

/** Analyses one file's text. Never throws on bad input: problems become `errors`. */
export function analyze(text: string, kind: FileKind, options: AnalyzeOptions = {}): AnalysisResult {
  const result = kind === 'dockerfile' ? analyzeDockerfile(text, options) : analyzeYaml(text, options);
  const suppressions = findSuppressions(text, kind === 'yaml');
  return { ...result, findings: sortFindings(result.findings.filter((f) => !isSuppressed(f, suppressions))) };
}

function analyzeDockerfile(text: string, options: AnalyzeOptions): AnalysisResult {
  const facts = extractDockerfile(text, options.buildArgs);
  if (facts.templateNote) return { sources: [], images: [], findings: [], errors: [], notes: [facts.templateNote] };
  const findings = [...imageFindings(facts.images, options), ...dockerfileRootFindings(facts, options)];
  return { sources: ['dockerfile'], images: facts.images, findings, errors: [], notes: [] };
}

// Template control lines (`{{- if … }}`) and unquoted template values (`image: {{ … }}`).
const TEMPLATE_LINE = /^[ \t]*(?:-[ \t]+)?\{\{|:[ \t]+\{\{/m;
const KIND_LINE = /^kind[ \t]*:[ \t]*["']?([A-Za-z][A-Za-z0-9]*)/m;

function analyzeYaml(text: string, options: AnalyzeOptions): AnalysisResult {
  if (TEMPLATE_LINE.test(text)) {
    return { sources: [], images: [], findings: [], errors: [], notes: ['this file is a template (Helm or similar `{{ … }}` syntax): skipped'] };
  }
  const lines = new LineIndex(text);
  const sources = new Set<SourceKind>();
  const images: ImageOccurrence[] = [];
  const containers: ContainerFact[] = [];
  const errors: AnalysisError[] = [];
  const notes: string[] = [];
  let documentIndex = 0;
  for (const chunk of splitDocuments(text)) {
    // A document that cannot hold an image is not parsed: most of a large install bundle is CRDs.
    const kind = KIND_LINE.exec(chunk.text)?.[1];
    if (!chunk.text.includes('image') || (kind !== undefined && KINDS_WITHOUT_IMAGES.has(kind))) {
      if (kind !== undefined) sources.add('kubernetes');
      if (/\S/.test(withoutComments(chunk.text))) documentIndex++;
      continue;
    }
    for (const doc of parseChunk(chunk.text)) {
      if (doc.contents === null && doc.errors.length === 0) continue; // comments only
      const index = documentIndex++;
      if (doc.errors.length > 0) {
        for (const error of doc.errors) {
          const at = chunk.offset + (error.pos?.[0] ?? 0);
          errors.push({ message: `YAML syntax error in document ${index + 1}: ${firstLine(error.message)}`, range: lines.rangeAt(at, at) });
        }
        continue;
      }
      const root = doc.contents;
      if (root === null) continue;
      if (isKubernetesObject(root, doc)) {
        sources.add('kubernetes');
        const facts = extractKubernetes(root, doc, chunk.text, chunk.offset, lines, index);
        images.push(...facts.images);
        containers.push(...facts.containers);
      } else if (isComposeFile(root, doc)) {
        sources.add('compose');
        images.push(...extractCompose(root, doc, chunk.text, chunk.offset, lines, options.composeEnv ?? {}));
      }
    }
  }
  for (const image of images) {
    if (image.status === 'template') notes.push(`line ${image.range.start.line + 1}: \`${image.raw}\` is a template value: not checked`);
  }
  const findings = dedupe([...imageFindings(images, options), ...kubernetesRootFindings(containers, options)]);
  return { sources: [...sources], images, findings, errors, notes };
}

function withoutComments(text: string): string {
  return text.replace(/^---.*$/gm, '').replace(/(^|\s)#.*$/gm, '');
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

/** An anchor used by several containers yields one finding per place, not one per use. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.rule}|${f.range.start.line}:${f.range.start.character}|${f.range.end.line}:${f.range.end.character}|${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

/** Recognises the files Shipshape reads, by name. `.json` is read as YAML (for JSON manifests). */
export function fileKindOf(fileName: string): FileKind | undefined {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const lower = base.toLowerCase();
  if (lower.endsWith('.dockerignore')) return undefined;
  if (/^(docker|container)file$/.test(lower) || /\.(docker|container)file$/.test(lower) || /^(docker|container)file\./.test(lower)) {
    return 'dockerfile';
  }
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  return undefined;
}

