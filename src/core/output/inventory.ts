// The inventory of a scan: every image the files use, each with every place that writes it, where
// it comes from (a Dockerfile, a manifest, a chart, an overlay, a CI pipeline, …), whether it is
// pinned, and its digest when the reference gives one. Written as text, JSON, CSV or a CycloneDX
// 1.6 bill of materials (`container` components with their occurrences).

import { randomUUID } from 'node:crypto';
import { reportedReference } from '../analysis/classify.js';
import type { ImageOccurrence, ImageStatus } from '../types.js';
import type { ScanReport } from '../workspace/scan.js';
import { VERSION } from '../version.js';

/** One place an image is written. */
export interface InventoryPlace {
  readonly file: string;
  /** 1-based, as editors show them. */
  readonly line: number;
  readonly column: number;
  /** `dockerfile`, `kubernetes`, `compose`, `helm`, `kustomize`, `ci:github-actions`, `devcontainer`, `quadlet`, `bake`. */
  readonly source: string;
  /** The text as written there (`$BASE`, a chart's `tag:` value). */
  readonly raw: string;
  /** The GitOps object whose overrides make the image written there (`Application argocd/guestbook`). */
  readonly gitops?: string;
}

export interface InventoryImage {
  /** The normalised reference (`docker.io/library/nginx:1.27`), or the text as written when it names no known image. */
  readonly reference: string;
  readonly status: ImageStatus;
  readonly pinned: boolean;
  /** The digest the reference pins, when it does. */
  readonly digest?: string;
  readonly places: readonly InventoryPlace[];
}

/** What an image's place is counted under: its source, with the CI system for a pipeline. */
function sourceOf(image: ImageOccurrence): string {
  return image.ci ? `ci:${image.ci.system}` : image.source;
}

/** The Argo CD or Flux object an image made by its overrides names. */
function gitOpsOf(image: ImageOccurrence): string | undefined {
  return image.source === 'helm' ? image.helm.gitops : image.source === 'kustomize' ? image.kustomize.gitops : undefined;
}

/**
 * Every image of a report, once per reference, in order of first appearance; stages, `scratch`
 * and a Compose service's own build are not images it uses.
 */
export function inventoryOf(report: Pick<ScanReport, 'files'>): InventoryImage[] {
  const byReference = new Map<string, { image: ImageOccurrence; places: InventoryPlace[]; seen: Set<string> }>();
  for (const { file, result } of report.files) {
    for (const image of result.images) {
      if (image.status === 'stage' || image.status === 'scratch' || image.compose?.built) continue;
      const reference = reportedReference(image) ?? image.resolved ?? image.raw;
      const gitops = gitOpsOf(image);
      const entry = byReference.get(reference) ?? { image, places: [], seen: new Set<string>() };
      byReference.set(reference, entry);
      const place: InventoryPlace = {
        file,
        line: image.range.start.line + 1,
        column: image.range.start.character + 1,
        source: sourceOf(image),
        raw: image.raw,
        ...(gitops !== undefined && { gitops }),
      };
      const key = `${file}:${place.line}:${place.column}:${place.source}`;
      if (entry.seen.has(key)) continue;
      entry.seen.add(key);
      entry.places.push(place);
    }
  }
  return [...byReference].map(([reference, { image, places }]) => ({
    reference,
    status: image.status,
    pinned: image.pinned,
    ...(image.reference?.digest !== undefined && { digest: image.reference.digest }),
    places,
  }));
}

/** One image a block: the reference, then each place indented. */
export function inventoryText(images: readonly InventoryImage[]): string {
  if (images.length === 0) return 'No images found.\n';
  const lines: string[] = [];
  for (const image of images) {
    const state = image.status === 'image' || image.status === 'id' ? (image.pinned ? 'pinned' : 'not pinned') : image.status;
    lines.push(`${image.reference} (${state})`);
    for (const place of image.places)
      lines.push(`  ${place.file}:${place.line}:${place.column}  ${place.source}${place.gitops !== undefined ? ` (${place.gitops})` : ''}`);
  }
  const places = images.reduce((sum, image) => sum + image.places.length, 0);
  lines.push('', `${images.length} image${images.length === 1 ? '' : 's'} in ${places} place${places === 1 ? '' : 's'}.`);
  return `${lines.join('\n')}\n`;
}

/** The inventory as the versioned JSON contract: `{ "version": 1, "images": [...] }`. */
export function inventoryJson(images: readonly InventoryImage[]): string {
  return `${JSON.stringify({ version: 1, images }, null, 2)}\n`;
}

const CSV_HEADER = ['reference', 'status', 'pinned', 'digest', 'file', 'line', 'column', 'source', 'raw', 'gitops'];

/** One row a place (RFC 4180: fields quoted when they hold a comma, a quote or a line break). */
export function inventoryCsv(images: readonly InventoryImage[]): string {
  const rows = [CSV_HEADER];
  for (const image of images) {
    for (const place of image.places) {
      rows.push([
        image.reference,
        image.status,
        String(image.pinned),
        image.digest ?? '',
        place.file,
        String(place.line),
        String(place.column),
        place.source,
        place.raw,
        place.gitops ?? '',
      ]);
    }
  }
  return `${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}

function csvField(value: string): string {
  // A leading `=`, `+`, `-` or `@` would be a formula to a spreadsheet: quoted with a `'` first.
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== value ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export interface CycloneDxOptions {
  /** Defaults to a random one (a new BOM each run, as the specification asks). */
  readonly serialNumber?: string;
  readonly timestamp?: string;
}

/**
 * A CycloneDX 1.6 BOM: one `container` component per image that names a registry image, with its
 * reference, its digest (a SHA-256 hash and a `pkg:oci` package URL when pinned) and every place
 * that writes it as an evidence occurrence. Images that are not known (unresolved, templates,
 * invalid) are left out: a BOM lists what is used, not what might be.
 */
export function inventoryCycloneDx(images: readonly InventoryImage[], options: CycloneDxOptions = {}): string {
  const components = images
    .filter((image) => image.status === 'image' || image.status === 'id')
    .map((image, index) => {
      const { name, version } = splitReference(image.reference);
      const sha = image.digest?.startsWith('sha256:') ? image.digest.slice('sha256:'.length) : undefined;
      return {
        type: 'container',
        'bom-ref': `image-${index + 1}`,
        name,
        ...(version !== undefined && { version }),
        ...(sha !== undefined && { hashes: [{ alg: 'SHA-256', content: sha }] }),
        ...(image.digest !== undefined && { purl: ociPurl(name, image.digest, version) }),
        properties: [
          { name: 'shipshape:reference', value: image.reference },
          { name: 'shipshape:pinned', value: String(image.pinned) },
          ...[...new Set(image.places.map((p) => p.source))].map((source) => ({ name: 'shipshape:source', value: source })),
          ...[...new Set(image.places.flatMap((p) => (p.gitops !== undefined ? [p.gitops] : [])))].map((object) => ({
            name: 'shipshape:gitops',
            value: object,
          })),
        ],
        evidence: {
          occurrences: image.places.map((place) => ({
            location: place.file,
            line: place.line,
            offset: place.column,
            symbol: place.raw,
            additionalContext: place.gitops !== undefined ? `${place.source} (${place.gitops})` : place.source,
          })),
        },
      };
    });
  const bom = {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${options.serialNumber ?? randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: options.timestamp ?? new Date().toISOString(),
      tools: { components: [{ type: 'application', name: 'shipshape', version: VERSION }] },
    },
    components,
  };
  return `${JSON.stringify(bom, null, 2)}\n`;
}

/** `docker.io/library/nginx:1.27@sha256:…` → name `docker.io/library/nginx`, version `1.27` (or the digest when untagged). */
function splitReference(reference: string): { name: string; version?: string } {
  const at = reference.indexOf('@');
  const withoutDigest = at === -1 ? reference : reference.slice(0, at);
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', slash + 1);
  if (colon !== -1) return { name: withoutDigest.slice(0, colon), version: withoutDigest.slice(colon + 1) };
  return at === -1 ? { name: withoutDigest } : { name: withoutDigest, version: reference.slice(at + 1) };
}

/** `pkg:oci/nginx@sha256%3A…?repository_url=docker.io/library/nginx&tag=1.27` (the package-url OCI type). */
function ociPurl(name: string, digest: string, tag: string | undefined): string {
  const last = name.slice(name.lastIndexOf('/') + 1).toLowerCase();
  const query = [`repository_url=${encodeURIComponent(name).replace(/%2F/g, '/')}`];
  if (tag !== undefined && tag !== digest) query.push(`tag=${encodeURIComponent(tag)}`);
  return `pkg:oci/${encodeURIComponent(last)}@${encodeURIComponent(digest)}?${query.join('&')}`;
}
