// Shared test helpers: corpus paths and compact views of results.

import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import {
  analyze,
  type AnalysisResult,
  type AnalyzeOptions,
  type FileKind,
  type Finding,
  type ImageOccurrence,
  type Range,
} from '../../src/core/index.js';

/** The real files the tests read, copied into the repository (test/corpus, see its README). */
export const CORPUS = path.resolve(__dirname, '..', 'corpus');

export function corpusPath(relative: string): string {
  return path.join(CORPUS, relative);
}

export function readCorpus(relative: string): string {
  return readFileSync(corpusPath(relative), 'utf8');
}

export function dockerfile(text: string, options?: AnalyzeOptions): AnalysisResult {
  return analyze(text, 'dockerfile', options);
}

export function yaml(text: string, options?: AnalyzeOptions): AnalysisResult {
  return analyze(text, 'yaml', options);
}

export function run(text: string, kind: FileKind, options?: AnalyzeOptions): AnalysisResult {
  return analyze(text, kind, options);
}

/** `line:col-line:col`, 1-based, for readable range assertions. */
export function at(range: Range): string {
  return `${range.start.line + 1}:${range.start.character + 1}-${range.end.line + 1}:${range.end.character + 1}`;
}

/** The text a range covers. */
export function textAt(text: string, range: Range): string {
  const lines = text.split('\n');
  if (range.start.line === range.end.line) return lines[range.start.line]!.slice(range.start.character, range.end.character);
  const parts = [lines[range.start.line]!.slice(range.start.character)];
  for (let l = range.start.line + 1; l < range.end.line; l++) parts.push(lines[l]!);
  parts.push(lines[range.end.line]!.slice(0, range.end.character));
  return parts.join('\n');
}

export function rules(result: AnalysisResult): string[] {
  return result.findings.map((f: Finding) => (f.reason ? `${f.rule}/${f.reason}` : f.rule));
}

export function statuses(result: AnalysisResult): string[] {
  return result.images.map((i: ImageOccurrence) => `${i.status}:${i.resolved ?? i.raw}`);
}
