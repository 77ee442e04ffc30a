// Files other files have their tools read: the Dockerfile a dev container or a Bake target builds
// is analysed as a Dockerfile with that build's args (read now when the scan did not include it),
// and a dev container's Compose files are analysed as Compose files, with the service it runs
// checked to be there.

import * as path from 'node:path';
import { analyze } from '../analysis/analyze.js';
import type { ProjectFiles } from '../project/files.js';
import type { AnalysisResult, AnalyzeOptions, FileKind, FileUse } from '../types.js';

export interface UsedFilesReport {
  readonly files: { file: string; kind: FileKind; result: AnalysisResult }[];
  readonly projectErrors: { readonly file: string; readonly line?: number; readonly message: string }[];
}

/**
 * Reads and analyses the files the report's files name and the scan did not include; says so
 * when one cannot be read or a dev container's service is not in its Compose files. `display`
 * names a file as the report does; `analysed` is told each new file's text and options.
 */
export async function readUsedFiles(
  report: UsedFilesReport,
  analyzeOptions: AnalyzeOptions,
  files: ProjectFiles,
  display: (file: string) => string,
  analysed: (index: number, text: string, kind: FileKind, options: AnalyzeOptions) => void,
): Promise<void> {
  const indexOf = new Map(report.files.map((f, i) => [path.resolve(f.file), i]));
  const services = new Map<string, { from: string; use: Extract<FileUse, { kind: 'compose' }>; files: string[] }>();
  for (const { file, result } of [...report.files]) {
    const folder = path.dirname(path.resolve(file));
    for (const use of result.uses ?? []) {
      const used = path.resolve(folder, use.path);
      if (use.kind === 'compose' && use.service !== undefined) {
        const key = `${path.resolve(file)}|${use.service}`;
        const entry = services.get(key) ?? { from: file, use, files: [] };
        entry.files.push(used);
        services.set(key, entry);
      }
      if (indexOf.has(used)) continue;
      const text = await files.read(used);
      if (text === undefined) {
        report.projectErrors.push({ file, line: use.range.start.line + 1, message: `\`${use.path}\` could not be read` });
        continue;
      }
      const kind: FileKind = use.kind === 'dockerfile' ? 'dockerfile' : 'yaml';
      const options: AnalyzeOptions =
        use.kind === 'dockerfile'
          ? { ...analyzeOptions, ...(use.args && { buildArgs: { ...analyzeOptions.buildArgs, ...use.args } }) }
          : { ...analyzeOptions, fileName: used };
      indexOf.set(used, report.files.length);
      analysed(report.files.length, text, kind, options);
      report.files.push({ file: display(used), kind, result: analyze(text, kind, options) });
    }
  }
  for (const { from, use, files: composeFiles } of services.values()) {
    const found = composeFiles.some((composeFile) => {
      const index = indexOf.get(composeFile);
      return index !== undefined && (report.files[index]!.result.services ?? []).some((s) => s.service === use.service);
    });
    if (!found) {
      report.projectErrors.push({
        file: from,
        line: use.range.start.line + 1,
        message: `the service \`${use.service}\` is not in ${composeFiles.map((f) => `\`${path.basename(f)}\``).join(', ')}`,
      });
    }
  }
}
