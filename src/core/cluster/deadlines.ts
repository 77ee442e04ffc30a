// Remediation deadlines: days per severity, counted from when a vulnerability was first seen in
// an image (kept in a small state file, so it does not restart each run) or from its publication.

import { readVersionedJson, writeAtomically } from '../util/atomicFile.js';
import type { Logger } from '../util/logger.js';
import { silentLogger } from '../util/logger.js';
import { TRIVY_SEVERITIES, type TrivySeverity } from '../trivy/types.js';

export type Sla = Readonly<Record<TrivySeverity, number>>;
export const DEFAULT_SLA: Sla = { CRITICAL: 7, HIGH: 30, MEDIUM: 90, LOW: 180, UNKNOWN: 180 };
const DAY_MS = 24 * 60 * 60 * 1000;
const FORMAT = 1;

/** `CRITICAL=3,HIGH=14` over the defaults; throws with a message naming what is wrong. */
export function parseSla(text: string, base: Sla = DEFAULT_SLA): Sla {
  const sla: Record<TrivySeverity, number> = { ...base };
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([A-Za-z]+)=(\d+)$/.exec(part);
    const severity = match?.[1]?.toUpperCase();
    if (!match || !(TRIVY_SEVERITIES as readonly string[]).includes(severity!)) {
      throw new Error(`--sla expects SEVERITY=DAYS[,…] with severities ${TRIVY_SEVERITIES.join(', ')}, not "${part}"`);
    }
    sla[severity as TrivySeverity] = Number(match[2]);
  }
  return sla;
}

export class DeadlineState {
  private seen = new Map<string, string>();
  private dirty = false;

  constructor(
    private readonly file: string | undefined,
    private readonly logger: Logger = silentLogger,
  ) {}

  async load(): Promise<void> {
    this.merge(await this.readFile());
  }

  /** The earliest first-seen date wins: another window or run may have seen a finding first. */
  private merge(firstSeen: Record<string, unknown> | undefined): void {
    for (const [key, value] of Object.entries(firstSeen ?? {})) {
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) continue;
      const known = this.seen.get(key);
      if (!known || Date.parse(value) < Date.parse(known)) this.seen.set(key, value);
    }
  }

  private async readFile(): Promise<Record<string, unknown> | undefined> {
    const file = this.file;
    if (!file) return undefined;
    const data = await readVersionedJson(
      file,
      FORMAT,
      (d): d is { firstSeen: Record<string, unknown> } => typeof d['firstSeen'] === 'object' && d['firstSeen'] !== null,
      (reason) => this.logger.warn(`ignoring the deadline state ${file}: ${reason}; first-seen dates start again from now`),
      'deadline state',
    );
    return data?.firstSeen;
  }

  /** When this vulnerability was first seen in this image; now, the first time it is asked. */
  firstSeen(image: string, vulnerability: string, now: Date): Date {
    const key = `${image}|${vulnerability}`;
    const known = this.seen.get(key);
    if (known) return new Date(known);
    this.seen.set(key, now.toISOString());
    this.dirty = true;
    return now;
  }

  /** Writes the state atomically (a temporary file renamed over it). */
  async save(): Promise<void> {
    if (!this.file || !this.dirty) return;
    try {
      // Another window or a concurrent run may have written since this one loaded: merge first.
      this.merge(await this.readFile());
      await writeAtomically(this.file, JSON.stringify({ format: FORMAT, firstSeen: Object.fromEntries(this.seen) }));
      this.dirty = false;
    } catch (error) {
      this.logger.warn(`could not write the deadline state ${this.file}: ${(error as Error).message}`);
    }
  }
}

export function deadlineOf(start: Date, severity: TrivySeverity, sla: Sla): Date {
  return new Date(start.getTime() + sla[severity] * DAY_MS);
}
