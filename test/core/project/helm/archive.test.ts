import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { ArchiveError, MAX_UNPACKED_BYTES, unpackChart } from '../../../../src/core/project/helm/archive.js';

/** One tar header block, as tar writes it (ustar, checksum filled in). */
function header(name: string, size: number, type = '0'): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, 'utf8');
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  block.write('00000000000\0', 136);
  block.write(type, 156);
  block.write('ustar\0', 257);
  block.write('00', 263);
  block.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

/** A tar of entries (`[name, text, type]`), gzip-compressed. */
function tgz(entries: readonly (readonly [string, string, string?])[]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, text, type] of entries) {
    const body = Buffer.from(text);
    parts.push(header(name, body.length, type), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts));
}

test('a chart archive: its files by path, folders and pax headers passed over, long names read', async () => {
  const long = `sub/templates/${'x'.repeat(120)}.yaml`;
  const files = await unpackChart(
    tgz([
      ['sub/', '', '5'],
      ['sub/Chart.yaml', 'apiVersion: v2\nname: sub\nversion: 0.1.0\n'],
      ['././@LongLink', `${long}\0`, 'L'],
      ['ignored', 'kind: Pod\n'],
      ['pax', '30 path=sub/values.yaml\n', 'x'],
      ['whatever', 'image: nginx\n'],
    ]),
  );
  assert.deepEqual(Object.fromEntries(files), {
    'sub/Chart.yaml': 'apiVersion: v2\nname: sub\nversion: 0.1.0\n',
    [long]: 'kind: Pod\n',
    'sub/values.yaml': 'image: nginx\n',
  });
});

test('hostile archives are refused with a message: paths that climb out, links, bombs, garbage, truncation', async () => {
  const refused = async (archive: Uint8Array, message: RegExp) => {
    await assert.rejects(unpackChart(archive), (error: unknown) => error instanceof ArchiveError && message.test(error.message));
  };
  await refused(tgz([['sub/../../etc/passwd', 'x']]), /a path outside its folder \(sub\/..\/..\/etc\/passwd\)/);
  await refused(tgz([['/etc/passwd', 'x']]), /a path outside its folder/);
  await refused(tgz([['sub/link', '', '2']]), /a link \(sub\/link\)/);
  await refused(gzipSync(Buffer.alloc(MAX_UNPACKED_BYTES + 1024)), /unpacks to more than 64 MiB/);
  await refused(Buffer.from('not gzip at all'), /not gzip-compressed/);
  await refused(gzipSync(Buffer.alloc(600, 7)), /not a tar file/);
  const whole = tgz([['sub/values.yaml', 'y'.repeat(2000)]]);
  const { gunzipSync } = await import('node:zlib');
  await refused(gzipSync(gunzipSync(whole).subarray(0, 1024)), /truncated/);
});
