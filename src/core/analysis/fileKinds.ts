// Which files Shipshape reads, and how, by their names.

import type { FileKind } from '../types.js';

/**
 * Recognises Dockerfiles, YAML files, dev containers, Quadlet units and Bake files by name. (JSON
 * manifests are recognised by content when scanning folders.)
 */
export function fileKindOf(fileName: string): FileKind | undefined {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const lower = base.toLowerCase();
  if (lower.endsWith('.dockerignore')) return undefined;
  if (/^(docker|container)file$/.test(lower) || /\.(docker|container)file$/.test(lower) || /^(docker|container)file\./.test(lower)) {
    return 'dockerfile';
  }
  if (isDevcontainerFile(fileName)) return 'devcontainer';
  // Podman Quadlet units that name an image (`.build` units name the image they make, not one they pull).
  if (lower.endsWith('.container') || lower.endsWith('.image')) return 'quadlet';
  if (/^docker-bake(?:\.[\w-]+)*\.(?:hcl|json)$/.test(lower)) return 'bake';
  // Kustomize also reads a kustomization from a file named just `Kustomization`.
  if (lower.endsWith('.yaml') || lower.endsWith('.yml') || base === 'Kustomization') return 'yaml';
  return undefined;
}

/** True when a file's name is a dev container's configuration (`.devcontainer/devcontainer.json`, `.devcontainer/<name>/devcontainer.json`, `.devcontainer.json`). */
export function isDevcontainerFile(fileName: string): boolean {
  return DEVCONTAINER.test(fileName.replace(/\\/g, '/'));
}
const DEVCONTAINER = /(?:^|\/)(?:\.devcontainer(?:\/[^/]+)?\/devcontainer\.json|\.devcontainer\.json)$/;
