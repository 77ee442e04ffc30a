// A packaged subchart (`charts/<name>-<version>.tgz`, as `helm dependency build` leaves it) read
// as helm reads it: a gzip-compressed tar whose files sit under one folder named for the chart.
// The archive comes from the workspace, so it is hostile until read: compressed and unpacked sizes,
// the number of entries and each file's size are bounded, paths that climb out (`..`, absolute)
// and links are refused, and anything else malformed is a message for the user, never a crash.

import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';

const unzip = /* @__PURE__ */ promisify(gunzip);

/** Bounds of one archive: helm's own limit on a chart archive's unpacked size is of this order. */
export const MAX_ARCHIVE_BYTES = 10 * 1024 * 1024;
export const MAX_UNPACKED_BYTES = 64 * 1024 * 1024;
const MAX_ENTRIES = 10_000;
const MAX_FILE_BYTES = 10 * 1024 * 1024;
const BLOCK = 512;

/** Thrown for an archive that is not one helm would load; the message is the user's. */
export class ArchiveError extends Error {}

/** The files of a chart archive, by path inside it (`/`-separated, e.g. `redis/values.yaml`), as text. */
export async function unpackChart(archive: Uint8Array): Promise<Map<string, string>> {
  if (archive.length > MAX_ARCHIVE_BYTES) throw new ArchiveError(`the archive is larger than ${MAX_ARCHIVE_BYTES / 1024 / 1024} MiB`);
  let tar: Buffer;
  try {
    tar = await unzip(archive, { maxOutputLength: MAX_UNPACKED_BYTES });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError)
      throw new ArchiveError(`the archive unpacks to more than ${MAX_UNPACKED_BYTES / 1024 / 1024} MiB`);
    throw new ArchiveError('the archive is not gzip-compressed');
  }
  return readTar(tar);
}

/** The regular files of a tar (ustar, GNU long names, pax paths); links and devices are refused. */
export function readTar(tar: Buffer): Map<string, string> {
  const files = new Map<string, string>();
  let offset = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  let entries = 0;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break; // the end
    if (++entries > MAX_ENTRIES) throw new ArchiveError(`the archive has more than ${MAX_ENTRIES} entries`);
    if (!checksumOk(header)) throw new ArchiveError('the archive is not a tar file (a header checksum is wrong)');
    const size = octal(header.subarray(124, 136));
    if (size === undefined || size < 0) throw new ArchiveError('the archive has an entry of unreadable size');
    const type = String.fromCharCode(header[156]!);
    const start = offset + BLOCK;
    const end = start + size;
    if (end > tar.length) throw new ArchiveError('the archive ends inside an entry (it is truncated)');
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
    const body = tar.subarray(start, end);
    if (type === 'L') {
      longName = cString(body);
      continue;
    }
    if (type === 'x') {
      paxPath = paxRecord(body, 'path') ?? paxPath;
      continue;
    }
    if (type === 'g') continue;
    const name = longName ?? paxPath ?? joinName(cString(header.subarray(345, 500)), cString(header.subarray(0, 100)));
    longName = undefined;
    paxPath = undefined;
    if (type === '5') continue; // a folder: its files say what it holds
    if (type !== '0' && type !== '\0' && type !== '7')
      throw new ArchiveError(`the archive holds ${type === '1' || type === '2' ? 'a link' : 'an entry that is not a file'} (${name})`);
    const clean = safePath(name);
    if (size > MAX_FILE_BYTES) throw new ArchiveError(`${clean} in the archive is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
    files.set(clean, body.toString('utf8').replace(/^\uFEFF/, ''));
  }
  return files;
}

/** A member's path, `/`-separated, refused when it is absolute or climbs out of the archive. */
function safePath(name: string): string {
  const parts = name
    .replace(/\\/g, '/')
    .split('/')
    .filter((part) => part !== '' && part !== '.');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || parts.includes('..') || parts.length === 0)
    throw new ArchiveError(`the archive holds a path outside its folder (${name})`);
  return parts.join('/');
}

function joinName(prefix: string, name: string): string {
  return prefix ? `${prefix}/${name}` : name;
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return Buffer.from(end === -1 ? bytes : bytes.subarray(0, end)).toString('utf8');
}

function octal(bytes: Uint8Array): number | undefined {
  // GNU base-256 for sizes past 8 GiB: never a chart's.
  if ((bytes[0]! & 0x80) !== 0) return undefined;
  const text = cString(bytes).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return undefined;
  return parseInt(text, 8);
}

function checksumOk(header: Uint8Array): boolean {
  const stored = octal(header.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  return stored === sum;
}

/** A pax extended header's record (`<length> <key>=<value>\n`). */
function paxRecord(body: Uint8Array, key: string): string | undefined {
  const text = Buffer.from(body).toString('utf8');
  let found: string | undefined;
  for (const line of text.split('\n')) {
    const match = /^\d+ ([^=]+)=(.*)$/s.exec(line);
    if (match && match[1] === key) found = match[2];
  }
  return found;
}
