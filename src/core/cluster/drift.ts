// What runs against what the workspace says: a reference pinned to one digest while a cluster runs
// the same repository at another (drift), and where the workspace defines each running image's
// repository. Repositories are compared by their normalised name (`docker.io/library/nginx`).
// Plain data in and out: the files are the static analysis's (the CLI's scanPaths, the editor's
// documents), read without a network.

import { parseReference } from '../analysis/reference.js';
import type { ImageOccurrence } from '../types.js';
import type { ClustersReport, Drift } from './scanClusters.js';
import type { RunningImage, WorkspacePlace } from './types.js';

/** A file of the workspace with the images found in it (scanPaths' FileReport has this shape). */
export interface WorkspaceFile {
  readonly file: string;
  readonly result: { readonly images: readonly ImageOccurrence[] };
}

/** A workspace image with a repository: where it is written, its normalised reference, name and digest. */
interface Written {
  readonly file: string;
  readonly line: number;
  readonly reference: string;
  readonly name: string;
  readonly digest?: string;
}

function written(files: readonly WorkspaceFile[]): Written[] {
  return files.flatMap(({ file, result }) =>
    result.images.flatMap((image) => {
      if (image.status !== 'image') return [];
      const { name, digest, normalized } = image.reference;
      return [{ file, line: image.range.start.line + 1, reference: normalized, name, ...(digest !== undefined && { digest }) }];
    }),
  );
}

/**
 * The repositories a running image comes from, normalised: the one it was scanned as and those of
 * its spec images (a digest merged from several clusters may come from a mirror in one of them).
 */
export function repositoriesOf(image: RunningImage): Set<string> {
  const names = new Set<string>();
  for (const text of [image.reference, ...image.specImages]) {
    const parsed = parseReference(text);
    if (parsed.ok) names.add(parsed.reference.name);
  }
  return names;
}

/**
 * Every reference of the workspace pinned to a digest while a cluster runs its repository at
 * another digest, with where that other digest runs (one entry per context, namespace and
 * workload). Images the kubelet reported no digest for are not compared.
 */
export function driftOf(report: ClustersReport, files: readonly WorkspaceFile[]): Drift[] {
  const byRepository = new Map<string, RunningImage[]>();
  for (const image of report.images) {
    if (!image.digest) continue;
    for (const name of repositoriesOf(image)) byRepository.set(name, [...(byRepository.get(name) ?? []), image]);
  }
  const drift: Drift[] = [];
  for (const w of written(files)) {
    if (!w.digest) continue;
    const running = (byRepository.get(w.name) ?? []).filter((i) => i.digest !== w.digest);
    if (running.length === 0) continue;
    const places = new Map<string, Drift['running'][number]>();
    for (const image of running) {
      for (const workload of image.workloads) {
        const place = {
          context: workload.context,
          namespace: workload.namespace,
          workload: `${workload.kind}/${workload.name}`,
          digest: image.digest!,
        };
        places.set(JSON.stringify(place), place);
      }
    }
    drift.push({ file: w.file, line: w.line, reference: w.reference, running: [...places.values()] });
  }
  return drift;
}

/** For each running image (by reference) whose repository the workspace writes: where, each place once. */
export function workspaceLinks(report: ClustersReport, files: readonly WorkspaceFile[]): Map<string, WorkspacePlace[]> {
  const byName = new Map<string, WorkspacePlace[]>();
  for (const w of written(files)) {
    const places = byName.get(w.name) ?? [];
    if (!places.some((p) => p.file === w.file && p.line === w.line)) places.push({ file: w.file, line: w.line });
    byName.set(w.name, places);
  }
  const links = new Map<string, WorkspacePlace[]>();
  for (const image of report.images) {
    const places = [...repositoriesOf(image)].flatMap((name) => byName.get(name) ?? []);
    if (places.length > 0) links.set(image.reference, [...new Map(places.map((p) => [`${p.file}:${p.line}`, p])).values()]);
  }
  return links;
}

/** The report with its drift from the workspace and, on each running image, where the workspace defines it. */
export function withWorkspace(report: ClustersReport, files: readonly WorkspaceFile[]): ClustersReport {
  const links = workspaceLinks(report, files);
  return {
    ...report,
    images: report.images.map((image) => {
      const places = links.get(image.reference);
      return places ? { ...image, workspace: places } : image;
    }),
    drift: driftOf(report, files),
  };
}
