// Images the real Trivy can read, built here and pushed to the loopback registry: one layer that
// holds a distribution's files (`etc/os-release`, `etc/alpine-release` or `etc/debian_version`,
// and its package database, `lib/apk/db/installed` or `var/lib/dpkg/status`), taken from a
// folder of test/fixtures/trivy-images/, with the configuration's `User` when asked:
//
//   const image = await pushDistroImage(registry, 'team/alpine', '3.19', { rootfs: 'alpine-3.19', user: '65532' });
//   const index = await pushDistroIndex(registry, 'team/multi', 'latest', { 'linux/amd64': 'alpine-3.19', 'linux/arm64': 'alpine-3.20' });

import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { digestOf, MEDIA_TYPES, parsePlatform, pushBlob, pushManifest, type Platform, type PlatformSpec, type Registry } from './registry';

export const IMAGES_DIR = path.resolve(__dirname, '..', 'fixtures', 'trivy-images');

/** The folders of test/fixtures/trivy-images/: one distribution's files each. */
export type Rootfs = 'alpine-3.19' | 'alpine-3.20' | 'debian-12';

export interface DistroImageOptions {
  readonly rootfs: Rootfs;
  /** The configuration's `config.User`; absent: none, as in an image without USER (it runs as root). */
  readonly user?: string;
  /** Default linux/amd64. */
  readonly platform?: PlatformSpec;
  /** A file `/shipshape-note` with this text, so that images with the same files can have distinct digests. */
  readonly note?: string;
}

export interface DistroImage {
  readonly digest: string;
  readonly manifest: string;
  readonly platform: Platform;
}

export interface Entry {
  readonly name: string;
  readonly directory: boolean;
  readonly content: Buffer;
}

/** The files under `dir`, parents before children, as tar entries (paths relative to the root, no leading slash). */
function entriesOf(dir: string, prefix = ''): Entry[] {
  const entries: Entry[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    const relative = `${prefix}${name}`;
    if (statSync(full).isDirectory()) {
      entries.push({ name: `${relative}/`, directory: true, content: Buffer.alloc(0) });
      entries.push(...entriesOf(full, `${relative}/`));
    } else entries.push({ name: relative, directory: false, content: readFileSync(full) });
  }
  return entries;
}

/** A ustar archive of regular files and folders, owned by root, with a fixed time (the same files, the same bytes). */
export function tarFiles(entries: readonly Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    if (Buffer.byteLength(entry.name) > 100) throw new Error(`tar entry name too long: ${entry.name}`);
    const header = Buffer.alloc(512);
    const field = (offset: number, length: number, value: string): void =>
      void header.write(value.slice(0, length), offset, length, 'utf8');
    const octal = (value: number, length: number): string => `${value.toString(8).padStart(length - 1, '0')}\0`;
    field(0, 100, entry.name);
    field(100, 8, octal(entry.directory ? 0o755 : 0o644, 8));
    field(108, 8, octal(0, 8));
    field(116, 8, octal(0, 8));
    field(124, 12, octal(entry.content.length, 12));
    field(136, 12, octal(1_700_000_000, 12));
    field(148, 8, '        ');
    field(156, 1, entry.directory ? '5' : '0');
    field(257, 6, 'ustar\0');
    field(263, 2, '00');
    field(265, 32, 'root');
    field(297, 32, 'root');
    let sum = 0;
    for (const byte of header) sum += byte;
    field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
    blocks.push(header, entry.content, Buffer.alloc((512 - (entry.content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** The layer of a rootfs folder: the tar (whose sha256 is the diff id) and its gzip (the blob). */
export function distroLayer(rootfs: Rootfs, note?: string): { tar: Buffer; gzip: Buffer } {
  const entries = entriesOf(path.join(IMAGES_DIR, rootfs));
  if (note !== undefined) entries.push({ name: 'shipshape-note', directory: false, content: Buffer.from(`${note}\n`) });
  const tar = tarFiles(entries);
  return { tar, gzip: gzipSync(tar, { level: 9 }) };
}

async function pushDistro(registry: Registry, repo: string, reference: string | null, options: DistroImageOptions): Promise<DistroImage> {
  const platform = parsePlatform(options.platform ?? 'linux/amd64');
  const { tar, gzip } = distroLayer(options.rootfs, options.note);
  const config = Buffer.from(
    JSON.stringify({
      created: '2024-01-01T00:00:00Z',
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: {
        ...(options.user !== undefined ? { User: options.user } : {}),
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        Cmd: ['/bin/sh'],
      },
      rootfs: { type: 'layers', diff_ids: [digestOf(tar)] },
      history: [{ created: '2024-01-01T00:00:00Z', created_by: `ADD ${options.rootfs} / # shipshape test harness` }],
    }),
  );
  const [configDigest, layerDigest] = await Promise.all([pushBlob(registry, repo, config), pushBlob(registry, repo, gzip)]);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: MEDIA_TYPES.ociConfig, digest: configDigest, size: config.length },
    layers: [{ mediaType: MEDIA_TYPES.ociLayer, digest: layerDigest, size: gzip.length }],
  });
  const digest = await pushManifest(registry, repo, reference ?? digestOf(manifest), manifest, MEDIA_TYPES.ociManifest);
  return { digest, manifest, platform };
}

/** Pushes a one-layer image of a distribution's files under `tag`. */
export function pushDistroImage(registry: Registry, repo: string, tag: string, options: DistroImageOptions): Promise<DistroImage> {
  return pushDistro(registry, repo, tag, options);
}

/** Pushes one distribution image per platform, then an OCI image index over them under `tag`. */
export async function pushDistroIndex(
  registry: Registry,
  repo: string,
  tag: string,
  platforms: Readonly<Record<string, Rootfs>>,
): Promise<{ digest: string; images: DistroImage[] }> {
  const images = await Promise.all(
    Object.entries(platforms).map(([platform, rootfs]) => pushDistro(registry, repo, null, { rootfs, platform })),
  );
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociIndex,
    manifests: images.map((image) => ({
      mediaType: MEDIA_TYPES.ociManifest,
      digest: image.digest,
      size: Buffer.byteLength(image.manifest),
      platform: { architecture: image.platform.architecture, os: image.platform.os },
    })),
  });
  const digest = await pushManifest(registry, repo, tag, manifest, MEDIA_TYPES.ociIndex);
  return { digest, images };
}
