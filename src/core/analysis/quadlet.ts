// Podman Quadlet units: `Image=` in a `.container` unit's [Container] section and in an `.image`
// unit's [Image] section (the image it pulls). A value naming another unit (`web.image`,
// `app.build`) is that unit's image, read where that unit is. systemd's syntax: `#` and `;`
// comments, a trailing `\` continues a line, the last `Image=` of a section counts.
// https://docs.podman.io/en/latest/markdown/podman-systemd.unit.5.html

import { LineIndex } from '../util/lines.js';
import type { AnalysisResult, AnalyzeOptions, ImageOccurrence } from '../types.js';
import { containerFileResult, containerImage } from './containerFiles.js';

const SECTIONS = new Set(['Container', 'Image']);
// Transports Podman pulls from a registry with; the others (`oci-archive:`, `containers-storage:`, `dir:`) name no registry image.
const REGISTRY_TRANSPORT = /^docker:\/\//;
const OTHER_TRANSPORT = /^(?:oci-archive|oci|docker-archive|docker-daemon|containers-storage|dir):/;
// systemd's specifiers (`%i`, `%n`, …): filled in when the unit is instantiated.
const SPECIFIER = /%[A-Za-z]/g;

export function analyzeQuadlet(text: string, options: AnalyzeOptions): AnalysisResult {
  const lines = new LineIndex(text);
  const images: ImageOccurrence[] = [];
  let section = '';
  let last: ImageOccurrence | undefined;
  let offset = 0;
  for (const rawLine of text.split('\n')) {
    const lineStart = offset;
    offset += rawLine.length + 1;
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      if (last) images.push(last);
      last = undefined;
      section = header[1]!;
      continue;
    }
    if (!SECTIONS.has(section)) continue;
    // A value continued on the next line (rare for an image) is not read: it is not one reference.
    const entry = /^(\s*Image\s*=\s*)(.*?)\s*$/.exec(line);
    if (!entry || entry[2]!.endsWith('\\')) continue;
    let value = entry[2]!;
    let start = lineStart + entry[1]!.length;
    if (/\.(?:image|build)$/.test(value) || OTHER_TRANSPORT.test(value) || value === '') {
      last = undefined;
      continue;
    }
    const transport = REGISTRY_TRANSPORT.exec(value)?.[0];
    if (transport) {
      value = value.slice(transport.length);
      start += transport.length;
    }
    const range = lines.rangeAt(start, start + value.length);
    const specifiers = value.match(SPECIFIER);
    last = specifiers
      ? {
          source: 'quadlet',
          raw: value,
          range,
          status: 'unresolved',
          pinned: false,
          unresolvedVariables: [...new Set(specifiers)],
          container: { field: `${section}.Image` },
        }
      : containerImage('quadlet', value, range, `${section}.Image`);
  }
  if (last) images.push(last);
  return containerFileResult(text, 'quadlet', images, options);
}
