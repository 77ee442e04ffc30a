// The readers of dev containers, Quadlet units and Bake files, registered by the entry that holds
// them (src/core/containers.ts): the CLI loads it at start, the editor on the first such file, so
// that activation never parses them (nor jsonc-parser). `analyze` asks here.

import type { AnalysisResult, AnalyzeOptions, FileKind } from '../types.js';

export type ContainerFileKind = Exclude<FileKind, 'dockerfile' | 'yaml'>;
export type Reader = (text: string, options: AnalyzeOptions) => AnalysisResult;

const readers = new Map<ContainerFileKind, Reader>();

/** Makes `analyze` read each kind of file with its reader. */
export function registerReaders(given: Readonly<Record<ContainerFileKind, Reader>>): void {
  for (const [kind, reader] of Object.entries(given) as [ContainerFileKind, Reader][]) readers.set(kind, reader);
}

/** True when the readers are registered (else the editor loads their entry first). */
export function hasContainerReaders(): boolean {
  return readers.size > 0;
}

/** The reader of a kind, once its entry is loaded. */
export function readerOf(kind: ContainerFileKind): Reader | undefined {
  return readers.get(kind);
}
