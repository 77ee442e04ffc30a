// Remediation deadlines: days per severity, counted from when a vulnerability was first seen in
// an image (kept in a small state file, so it does not restart each run) or from its publication.
// The same file keeps the last runs' summaries and what each alert receiver was told.

import { readVersionedJson, writeAtomically } from '../util/atomicFile.js';
import type { Logger } from '../util/logger.js';
import { silentLogger } from '../util/logger.js';
import { TRIVY_SEVERITIES, type TrivySeverity, type VulnerabilityCounts } from '../trivy/types.js';

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

/** One cluster in one run's summary: what ran and what was found there. */
export interface RunCluster {
  readonly context: string;
  readonly pods: number;
  /** Distinct images running there. */
  readonly images: number;
  /** Findings per severity (vulnerabilities of the images running there). */
  readonly findings: VulnerabilityCounts;
  /** Findings past their deadline. */
  readonly breached: number;
}

/** A run, as kept in the state's history: when, and per cluster read. */
export interface RunSummary {
  readonly at: string;
  /** The run was interrupted: its counts are of what was read and scanned until then. */
  readonly partial?: boolean;
  readonly clusters: readonly RunCluster[];
}

export type AnnouncedKind = 'new' | 'breached';

/** How many runs the history keeps (the oldest go first). */
export const HISTORY_LIMIT = 100;
/** An announced finding not seen again for this long is forgotten (its record would otherwise grow for ever). */
const ANNOUNCED_TTL_MS = 90 * DAY_MS;

interface StateFile {
  firstSeen: Record<string, unknown>;
  history?: unknown;
  announced?: unknown;
}

/**
 * What a run keeps for the next: when each vulnerability was first seen in each image, the
 * summary of the last runs, and, per alert receiver, which findings were announced to it. One
 * file (format 1, the later fields optional, so that files of earlier versions read as they are).
 */
export class DeadlineState {
  private seen = new Map<string, string>();
  private runs: RunSummary[] = [];
  /** Receiver (a hash of its URL, never the URL) → kind → finding key → when last announced or seen since. */
  private announced = new Map<string, Record<AnnouncedKind, Map<string, string>>>();
  private dirty = false;

  constructor(
    private readonly file: string | undefined,
    private readonly logger: Logger = silentLogger,
  ) {}

  async load(): Promise<void> {
    this.merge(await this.readFile());
  }

  /** Another window or run may have written since this one loaded: what both know is kept. */
  private merge(data: StateFile | undefined): void {
    // The earliest first-seen date wins: another window or run may have seen a finding first.
    for (const [key, value] of Object.entries(data?.firstSeen ?? {})) {
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) continue;
      const known = this.seen.get(key);
      if (!known || Date.parse(value) < Date.parse(known)) this.seen.set(key, value);
    }
    if (Array.isArray(data?.history)) this.runs = mergeRuns(this.runs, data.history.filter(isRunSummary));
    if (data?.announced && typeof data.announced === 'object') {
      for (const [target, kinds] of Object.entries(data.announced as Record<string, unknown>)) {
        if (!kinds || typeof kinds !== 'object') continue;
        for (const kind of ['new', 'breached'] as const) {
          const keys = (kinds as Record<string, unknown>)[kind];
          if (!keys || typeof keys !== 'object') continue;
          const known = this.announcedOf(target)[kind];
          for (const [key, when] of Object.entries(keys as Record<string, unknown>)) {
            if (typeof when !== 'string' || Number.isNaN(Date.parse(when))) continue;
            const mine = known.get(key);
            if (!mine || Date.parse(when) > Date.parse(mine)) known.set(key, when);
          }
        }
      }
    }
  }

  private async readFile(): Promise<StateFile | undefined> {
    const file = this.file;
    if (!file) return undefined;
    return readVersionedJson(
      file,
      FORMAT,
      (d): d is Record<string, unknown> & StateFile => typeof d['firstSeen'] === 'object' && d['firstSeen'] !== null,
      (reason) => this.logger.warn(`ignoring the deadline state ${file}: ${reason}; first-seen dates start again from now`),
      'deadline state',
    );
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

  /** The runs kept, oldest first. */
  history(): readonly RunSummary[] {
    return this.runs;
  }

  /** Adds a run to the history (the oldest beyond HISTORY_LIMIT go). */
  recordRun(run: RunSummary): void {
    this.runs = mergeRuns(this.runs, [run]);
    this.dirty = true;
  }

  /** The findings (by key) announced to a receiver. */
  announcedTo(target: string, kind: AnnouncedKind): ReadonlySet<string> {
    return new Set(this.announced.get(target)?.[kind].keys() ?? []);
  }

  /**
   * Records findings as announced to a receiver, or as still present for one that was told of
   * them (so that they are not forgotten while they last).
   */
  markAnnounced(target: string, kind: AnnouncedKind, keys: Iterable<string>, now: Date): void {
    const known = this.announcedOf(target)[kind];
    for (const key of keys) known.set(key, now.toISOString());
    this.dirty = true;
  }

  private announcedOf(target: string): Record<AnnouncedKind, Map<string, string>> {
    let kinds = this.announced.get(target);
    if (!kinds) {
      kinds = { new: new Map(), breached: new Map() };
      this.announced.set(target, kinds);
    }
    return kinds;
  }

  /** Writes the state atomically (a temporary file renamed over it). */
  async save(): Promise<void> {
    if (!this.file || !this.dirty) return;
    try {
      this.merge(await this.readFile());
      await writeAtomically(
        this.file,
        JSON.stringify({
          format: FORMAT,
          firstSeen: Object.fromEntries(this.seen),
          ...(this.runs.length > 0 && { history: this.runs }),
          ...(this.announced.size > 0 && { announced: this.announcedForFile() }),
        }),
      );
      this.dirty = false;
    } catch (error) {
      this.logger.warn(`could not write the deadline state ${this.file}: ${(error as Error).message}`);
    }
  }

  /** The announcements to keep: those seen within ANNOUNCED_TTL_MS of the receiver's latest. */
  private announcedForFile(): Record<string, Record<AnnouncedKind, Record<string, string>>> {
    const out: Record<string, Record<AnnouncedKind, Record<string, string>>> = {};
    for (const [target, kinds] of this.announced) {
      const latest = Math.max(0, ...[...kinds.new.values(), ...kinds.breached.values()].map((w) => Date.parse(w)));
      const keep = (keys: Map<string, string>) =>
        Object.fromEntries(
          [...keys].filter(([, when]) => latest - Date.parse(when) <= ANNOUNCED_TTL_MS).sort(([a], [b]) => a.localeCompare(b)),
        );
      out[target] = { new: keep(kinds.new), breached: keep(kinds.breached) };
    }
    return out;
  }
}

function isCounts(value: unknown): value is VulnerabilityCounts {
  return (
    !!value &&
    typeof value === 'object' &&
    TRIVY_SEVERITIES.every(
      (s) => Number.isFinite((value as Record<string, unknown>)[s]) && ((value as Record<string, number>)[s] ?? -1) >= 0,
    )
  );
}

/** A run summary as written by this version: anything else in a state file is dropped, not shown. */
export function isRunSummary(value: unknown): value is RunSummary {
  if (!value || typeof value !== 'object') return false;
  const run = value as Record<string, unknown>;
  return (
    typeof run['at'] === 'string' &&
    !Number.isNaN(Date.parse(run['at'])) &&
    (run['partial'] === undefined || typeof run['partial'] === 'boolean') &&
    Array.isArray(run['clusters']) &&
    run['clusters'].every((c: unknown) => {
      const cluster = c as Record<string, unknown> | null;
      return (
        !!cluster &&
        typeof cluster['context'] === 'string' &&
        [cluster['pods'], cluster['images'], cluster['breached']].every((n) => Number.isInteger(n) && (n as number) >= 0) &&
        isCounts(cluster['findings'])
      );
    })
  );
}

/** Both lists of runs, each run once, oldest first, at most HISTORY_LIMIT. */
function mergeRuns(a: readonly RunSummary[], b: readonly RunSummary[]): RunSummary[] {
  const byKey = new Map<string, RunSummary>();
  for (const run of [...a, ...b]) byKey.set(JSON.stringify(run), run);
  return [...byKey.values()].sort((x, y) => Date.parse(x.at) - Date.parse(y.at)).slice(-HISTORY_LIMIT);
}

export function deadlineOf(start: Date, severity: TrivySeverity, sla: Sla): Date {
  return new Date(start.getTime() + sla[severity] * DAY_MS);
}
