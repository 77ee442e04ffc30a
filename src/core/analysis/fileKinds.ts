// Which files Shipshape reads, and how, by their names.

import type { FileKind } from '../types.js';

/** Recognises Dockerfiles and YAML files by name. (JSON manifests are recognised by content when scanning folders.) */
export function fileKindOf(fileName: string): FileKind | undefined {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const lower = base.toLowerCase();
  if (lower.endsWith('.dockerignore')) return undefined;
  if (/^(docker|container)file$/.test(lower) || /\.(docker|container)file$/.test(lower) || /^(docker|container)file\./.test(lower)) {
    return 'dockerfile';
  }
  // Kustomize also reads a kustomization from a file named just `Kustomization`.
  if (lower.endsWith('.yaml') || lower.endsWith('.yml') || base === 'Kustomization') return 'yaml';
  return undefined;
}
