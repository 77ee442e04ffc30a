// The analysis entry point: text in, images, findings and errors out.

import { extractDockerfile } from './dockerfile.js';
import { imageFindings } from '../rules/index.js';
import { dockerfileRootFindings } from '../rules/rootUser.js';
import { findSuppressions, isSuppressed } from './suppress.js';
import { sortFindings } from './findingOrder.js';
import type { AnalysisResult, AnalyzeOptions, FileKind } from '../types.js';
import { analyzeYaml } from './yaml/analyze.js';
import { readerOf } from './readers.js';

/** Analyses one file's text. Never throws on bad input: problems become `errors`. */
export function analyze(text: string, kind: FileKind, options: AnalyzeOptions = {}): AnalysisResult {
  try {
    if (kind === 'yaml') return sorted(analyzeYaml(text, options));
    if (kind !== 'dockerfile') {
      // Dev containers, Quadlet units and Bake files: read once their entry is loaded (src/core/containers.ts).
      const reader = readerOf(kind);
      if (!reader) throw new Error(`no reader of ${kind} files is loaded`);
      return sorted(reader(text, options));
    }
    const result = analyzeDockerfile(text, options);
    const suppressions = findSuppressions(text, false);
    return sorted({ ...result, findings: result.findings.filter((f) => !isSuppressed(f, suppressions)) });
  } catch (error) {
    // A parser bug must cost this file's results, never the whole run.
    const message = `Shipshape could not analyse this file (${error instanceof Error ? error.message : String(error)}); please report it.`;
    return { sources: [], images: [], findings: [], errors: [{ message }], notes: [] };
  }
}

function analyzeDockerfile(text: string, options: AnalyzeOptions): AnalysisResult {
  const facts = extractDockerfile(text, options.buildArgs);
  if (facts.templateNote) return { sources: [], images: [], findings: [], errors: [], notes: [facts.templateNote] };
  const findings = [...imageFindings(facts.images, options), ...dockerfileRootFindings(facts, options)];
  // The base image whose own user would settle an implicit root verdict (asked without any known users).
  const { imageUsers: _known, ...unknown } = options;
  const wanted = dockerfileRootFindings(facts, unknown).find((f) => f.reason === 'implicit' && typeof f.reference === 'string')?.reference;
  return { sources: ['dockerfile'], images: facts.images, findings, errors: [], notes: [], ...(wanted && { usersWanted: [wanted] }) };
}

function sorted(result: AnalysisResult): AnalysisResult {
  return { ...result, findings: sortFindings([...result.findings]) };
}

export { sortFindings } from './findingOrder.js';
