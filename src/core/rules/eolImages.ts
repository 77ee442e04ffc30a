// Which release cycles an image's tag names, as the official images tag them: the runtime's
// version first (`18`, `3.8.18`, `8u392`, `11.0.21_9`), then variants, among them the operating
// system (`bullseye`, `slim-buster`, `alpine3.16`, `jammy`). OS images name numbers or codenames.

import { eolData } from './eolData.js';
import type { EolCycle } from './eolTypes.js';
import { EOL_IMAGES, OS_PRODUCTS } from './eolProducts.js';

/** One cycle a tag names, and where in the tag it is written (to replace it). */
export interface CycleMatch {
  readonly product: string;
  /** `Node.js`, `Debian`. */
  readonly title: string;
  readonly cycle: EolCycle;
  /** The product's cycles, newest first. */
  readonly cycles: readonly EolCycle[];
  /** Offsets of the version or codename inside the tag. */
  readonly start: number;
  readonly end: number;
  /** How the tag writes it: a number, a codename (`buster`), or Alpine's `alpine3.16`. */
  readonly written: 'version' | 'codename' | 'alpine';
  readonly os: boolean;
}

const VERSION = /^(\d+(?:\.\d+)*)(?=$|[_+]|u\d)/;
const ALPINE = /^alpine(\d+\.\d+)$/;

/** The cycles an image's tag names: its runtime's (or OS image's) and the OS in its variant, in that order. */
export function cyclesOf(repository: string, tag: string): CycleMatch[] {
  const image = EOL_IMAGES.find((candidate) => candidate.repositories.includes(repository));
  if (!image) return [];
  const tokens = tokensOf(tag);
  const matches: CycleMatch[] = [];
  const first = tokens[0];
  if (first) {
    const own = image.os ? osToken(image.product, first) : versionToken(image.product, first);
    if (own) matches.push(own);
  }
  if (image.os) return matches;
  // The OS a runtime image is built on, written among its variants (token 0 too: `node:bookworm`).
  for (const token of tokens) {
    if (matches.some((m) => m.start === token.start)) continue;
    const os = OS_PRODUCTS.map((product) => osToken(product, token, true)).find((m) => m !== undefined);
    if (os) {
      matches.push(os);
      break;
    }
  }
  return matches;
}

interface Token {
  readonly text: string;
  readonly start: number;
}

function tokensOf(tag: string): Token[] {
  const tokens: Token[] = [];
  let start = 0;
  for (const text of tag.split('-')) {
    tokens.push({ text, start });
    start += text.length + 1;
  }
  return tokens;
}

function product(name: string): { title: string; cycles: readonly EolCycle[] } | undefined {
  return eolData().products[name];
}

function versionToken(name: string, token: Token, os = false): CycleMatch | undefined {
  const data = product(name);
  const version = VERSION.exec(token.text)?.[1];
  if (!data || version === undefined) return undefined;
  const cycle = cycleOfVersion(data.cycles, version);
  if (!cycle) return undefined;
  return {
    product: name,
    title: data.title,
    cycle,
    cycles: data.cycles,
    start: token.start,
    end: token.start + version.length,
    written: 'version',
    os,
  };
}

function osToken(name: string, token: Token, insideVariant = false): CycleMatch | undefined {
  const data = product(name);
  if (!data) return undefined;
  if (name === 'alpine-linux') {
    // Alpine's own tags are numbers; inside another image's tag it is `alpine3.16` (`alpine` alone floats).
    if (!insideVariant) return versionToken(name, token, true);
    const version = ALPINE.exec(token.text)?.[1];
    const cycle = version === undefined ? undefined : cycleOfVersion(data.cycles, version);
    return (
      cycle && {
        product: name,
        title: data.title,
        cycle,
        cycles: data.cycles,
        start: token.start,
        end: token.start + token.text.length,
        written: 'alpine',
        os: true,
      }
    );
  }
  const lower = token.text.toLowerCase();
  const named = data.cycles.find((c) => c.codename !== undefined && codenameOf(c) === lower);
  if (named)
    return {
      product: name,
      title: data.title,
      cycle: named,
      cycles: data.cycles,
      start: token.start,
      end: token.start + token.text.length,
      written: 'codename',
      os: true,
    };
  return insideVariant ? undefined : versionToken(name, token, true);
}

/** `buster` for Debian's `Buster`, `focal` for Ubuntu's `Focal Fossa`: how image tags write them. */
export function codenameOf(cycle: EolCycle): string | undefined {
  return cycle.codename?.split(' ')[0]!.toLowerCase();
}

/**
 * The cycle a version names: the cycle it is in (`3.8.18` → `3.8`, `18.20.4` → `18`), or, for a
 * tag that names only a major version of a product with minor cycles (`redis:7`), the newest cycle
 * of that major, which is what the tag follows.
 */
export function cycleOfVersion(cycles: readonly EolCycle[], version: string): EolCycle | undefined {
  let best: EolCycle | undefined;
  for (const cycle of cycles) {
    if ((version === cycle.cycle || version.startsWith(`${cycle.cycle}.`)) && (!best || cycle.cycle.length > best.cycle.length))
      best = cycle;
  }
  return best ?? cycles.find((cycle) => cycle.cycle.startsWith(`${version}.`));
}
