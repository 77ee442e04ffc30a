// Dev containers (`.devcontainer/devcontainer.json`, `.devcontainer.json`, `.devcontainer/<name>/devcontainer.json`):
// JSON with comments and trailing commas. The `image` it runs; the Dockerfile it builds
// (`build.dockerfile`, or the older `dockerFile`) with its `build.args` and `build.target`; the
// Compose files (`dockerComposeFile`) and the `service` it runs, which the scan reads as such.
// https://containers.dev/implementors/json_reference/

import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { LineIndex } from '../util/lines.js';
import type { AnalysisError, AnalysisResult, AnalyzeOptions, FileUse, ImageOccurrence, Range } from '../types.js';
import { containerFileResult, containerImage } from './containerFiles.js';

/** A JSON string's text without its quotes when written without escapes, else the whole string. */
export function jsonStringSpan(node: Node, text: string): { start: number; end: number } {
  const written = text.slice(node.offset + 1, node.offset + node.length - 1);
  return written === node.value
    ? { start: node.offset + 1, end: node.offset + node.length - 1 }
    : { start: node.offset, end: node.offset + node.length };
}

/** Parses JSON with comments and trailing commas; syntax errors become `errors`. */
export function parseJsonc(text: string, lines: LineIndex, errors: AnalysisError[]): Node | undefined {
  const problems: ParseError[] = [];
  const root = parseTree(text, problems, { allowTrailingComma: true, disallowComments: false });
  for (const problem of problems.slice(0, 1)) {
    errors.push({
      message: `JSON syntax error: ${printParseErrorCode(problem.error)}`,
      range: lines.rangeAt(problem.offset, problem.offset),
    });
  }
  return root;
}

function stringAt(root: Node, path: (string | number)[]): Node | undefined {
  const node = findNodeAtLocation(root, path);
  return node?.type === 'string' ? node : undefined;
}

export function analyzeDevcontainer(text: string, options: AnalyzeOptions): AnalysisResult {
  const lines = new LineIndex(text);
  const errors: AnalysisError[] = [];
  const root = parseJsonc(text, lines, errors);
  if (!root || root.type !== 'object') return containerFileResult(text, 'devcontainer', [], options, errors);
  const range = (node: Node): Range => {
    const span = jsonStringSpan(node, text);
    return lines.rangeAt(span.start, span.end);
  };
  const images: ImageOccurrence[] = [];
  const image = stringAt(root, ['image']);
  if (image && typeof image.value === 'string') images.push(containerImage('devcontainer', image.value, range(image), 'image'));
  const uses: FileUse[] = [];
  const dockerfile = stringAt(root, ['build', 'dockerfile']) ?? stringAt(root, ['build', 'dockerFile']) ?? stringAt(root, ['dockerFile']);
  if (dockerfile && typeof dockerfile.value === 'string') {
    const args: Record<string, string> = {};
    for (const pair of findNodeAtLocation(root, ['build', 'args'])?.children ?? []) {
      const [key, value] = pair.children ?? [];
      // `${localEnv:X}` is the host's, not known here: such an argument is left to the Dockerfile's default.
      if (key?.type === 'string' && value?.type === 'string' && !String(value.value).includes('${'))
        args[String(key.value)] = String(value.value);
    }
    const target = stringAt(root, ['build', 'target'])?.value as string | undefined;
    uses.push({
      kind: 'dockerfile',
      // Relative to devcontainer.json itself, whatever the build's context.
      path: dockerfile.value,
      ...(Object.keys(args).length > 0 && { args }),
      ...(target !== undefined && { target }),
      range: range(dockerfile),
    });
  }
  const compose = findNodeAtLocation(root, ['dockerComposeFile']);
  const service = stringAt(root, ['service'])?.value as string | undefined;
  const composeFiles = compose?.type === 'array' ? (compose.children ?? []) : compose ? [compose] : [];
  for (const file of composeFiles) {
    if (file.type !== 'string') continue;
    uses.push({ kind: 'compose', path: String(file.value), ...(service !== undefined && { service }), range: range(file) });
  }
  return containerFileResult(text, 'devcontainer', images, options, errors, uses);
}
