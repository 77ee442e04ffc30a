// Alerts after a run: one JSON message per webhook (Slack, Mattermost and Teams take it as it is)
// when something is new since the last run: vulnerabilities not yet announced to that receiver,
// and deadlines newly passed. What each receiver was told is kept in the state, so nothing is
// announced twice and a failed delivery is sent again by the next run. A webhook URL is a secret
// (Slack's token is its path): it is never shown whole, and the state keeps only its hash.

import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { TRIVY_SEVERITIES, type TrivySeverity } from '../trivy/types.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { redactUrl } from '../util/redact.js';
import { VERSION } from '../version.js';
import type { DeadlineState } from './deadlines.js';
import type { ClusterFinding } from './findings.js';
import { atOrAbove, type ClustersReport, type ReportError } from './scanClusters.js';

/** One finding where it runs, as a message lists it. */
export interface AlertEntry {
  readonly context: string;
  readonly namespace: string;
  /** `Kind/name` */
  readonly workload: string;
  readonly image: string;
  readonly digest: string | null;
  readonly vulnerability: string;
  readonly severity: TrivySeverity;
  readonly fixedVersion: string | null;
  readonly deadline: string;
}

/** The body posted: `text` is what a chat tool shows; the lists are for machines. */
export interface AlertMessage {
  readonly text: string;
  readonly new: readonly AlertEntry[];
  readonly breached: readonly AlertEntry[];
  /** Entries left out to keep the message small (the counts in `text` are of all). */
  readonly omitted?: number;
}

export interface NotifyTarget {
  readonly url: string;
  /** Sent with every request (a token kept in a Secret); never shown. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface NotifyOptions {
  readonly targets: readonly NotifyTarget[];
  /** Findings below this severity are not announced (default HIGH). */
  readonly severity?: TrivySeverity;
  readonly state: DeadlineState;
  readonly now?: Date;
  /** How long one request may take (default 10 s). A request that times out is not tried again: the receiver may have taken it. */
  readonly timeoutMs?: number;
  /** The waits before each further attempt after a 5xx, a 429 or a network error (default 0.5 s, then 1.5 s: three attempts). */
  readonly retryDelaysMs?: readonly number[];
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

/** What happened at one receiver (its URL shown without secrets). */
export interface NotifyResult {
  readonly url: string;
  readonly sent: boolean;
  readonly new: number;
  readonly breached: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RETRY_DELAYS_MS = [500, 1500];
/** A 429's Retry-After is followed up to this long; longer, and the next run sends it. */
const MAX_RETRY_AFTER_MS = 10_000;
/** A message lists at most this many entries; chat tools refuse very large bodies. */
export const MAX_ENTRIES = 500;

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/** An alert URL: https, or plain http to this machine only (a local relay); throws with a message that shows no secret. */
export function checkNotifyUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error('--notify expects a URL (https://…)');
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname))) return url;
  throw new Error(
    `--notify expects an https URL (plain http only to localhost or 127.0.0.1), not ${url.protocol === 'http:' ? redactUrl(url) : `a ${url.protocol} URL`}`,
  );
}

/** `Name: value` of --notify-header; throws with a message that names the header, never its value. */
export function parseNotifyHeader(text: string): [name: string, value: string] {
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim() : '';
  const value = colon > 0 ? text.slice(colon + 1).trim() : '';
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
    throw new Error('--notify-header expects "Name: value" with a header name before the colon');
  if (value === '' || /[\0\r\n]/.test(value)) throw new Error(`--notify-header ${name}: the value must be one line, and not empty`);
  return [name, value];
}

/** What the state knows a receiver by: a hash of its URL, so that the file holds no secret. */
export function targetKey(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 32);
}

/** A finding's identity across runs: the vulnerability in a package of an image (by digest where known). */
export function findingKey(finding: ClusterFinding): string {
  return `${finding.digest ?? finding.image}|${finding.id}|${finding.package}`;
}

/** Context names in a chat line: no markup that Slack or Mattermost would read. */
function chatText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f<>&*_~`|[\]]/g, '');
}

/** Each finding where it runs: one entry per context, namespace and workload. */
function entriesOf(findings: readonly ClusterFinding[], report: ClustersReport): AlertEntry[] {
  const images = new Map(report.images.map((i) => [i.reference, i]));
  return findings.flatMap((f) => {
    const seen = new Set<string>();
    const entries: AlertEntry[] = [];
    for (const w of images.get(f.image)?.workloads ?? []) {
      const { context } = w;
      const workload = `${w.kind}/${w.name}`;
      const key = JSON.stringify([context, w.namespace, workload]);
      if (seen.has(key)) continue;
      seen.add(key);
      entries.push({
        context,
        namespace: w.namespace,
        workload,
        image: f.image,
        digest: f.digest ?? null,
        vulnerability: f.id,
        severity: f.severity,
        fixedVersion: f.fixed.length > 0 ? f.fixed.join(', ') : null,
        deadline: f.deadline,
      });
    }
    return entries;
  });
}

function bySeverity(findings: readonly ClusterFinding[]): string {
  return TRIVY_SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
}

/**
 * What to tell one receiver: the findings at or above the severity not yet announced to it, and
 * those past their deadline whose breach was not (a finding new and already breached is said
 * once, as breached). Undefined when there is nothing new.
 */
export function alertFor(
  report: ClustersReport,
  announced: { readonly new: ReadonlySet<string>; readonly breached: ReadonlySet<string> },
  severity: TrivySeverity = 'HIGH',
): { message: AlertMessage; keys: { new: string[]; breached: string[] } } | undefined {
  const fresh: ClusterFinding[] = [];
  const breached: ClusterFinding[] = [];
  const keys = { new: new Set<string>(), breached: new Set<string>() };
  for (const f of report.findings) {
    if (!atOrAbove(f.severity, severity)) continue;
    const key = findingKey(f);
    if (f.breached && !announced.breached.has(key) && !keys.breached.has(key)) {
      breached.push(f);
      keys.breached.add(key);
      keys.new.add(key);
    } else if (!f.breached && !announced.new.has(key) && !keys.new.has(key)) {
      fresh.push(f);
      keys.new.add(key);
    }
  }
  if (fresh.length === 0 && breached.length === 0) return undefined;
  const contexts = [...new Set([...fresh, ...breached].flatMap((f) => f.contexts))].map(chatText).filter(Boolean);
  const parts = [
    fresh.length > 0 &&
      `${fresh.length} new ${fresh.length === 1 ? 'vulnerability' : 'vulnerabilities'} at ${severity} or above (${bySeverity(fresh)})`,
    breached.length > 0 &&
      `${breached.length} remediation ${breached.length === 1 ? 'deadline' : 'deadlines'} passed (${bySeverity(breached)})`,
  ].filter((p): p is string => typeof p === 'string');
  const text = `Shipshape: ${parts.join(' and ')}${contexts.length > 0 ? ` in ${contexts.join(', ')}` : ''}.`;
  let newEntries = entriesOf(fresh, report);
  let breachedEntries = entriesOf(breached, report);
  const total = newEntries.length + breachedEntries.length;
  if (total > MAX_ENTRIES) {
    // Breaches first: they are the more pressing.
    breachedEntries = breachedEntries.slice(0, MAX_ENTRIES);
    newEntries = newEntries.slice(0, MAX_ENTRIES - breachedEntries.length);
  }
  const omitted = total - newEntries.length - breachedEntries.length;
  return {
    message: { text, new: newEntries, breached: breachedEntries, ...(omitted > 0 && { omitted }) },
    keys: { new: [...keys.new], breached: [...keys.breached] },
  };
}

/** Why a request failed, from its error: a code, or a short reason that quotes no URL (the error's own text may quote it). */
function networkMessage(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : (error as { code?: unknown }).code;
  if (typeof code === 'string') return `the request failed (${code})`;
  const reason = typeof cause?.message === 'string' ? cause.message : '';
  return reason && reason.length <= 60 && !/[/@?]/.test(reason) ? `the request failed (${reason})` : 'the request failed';
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Posts one message, trying again after a 5xx, a 429 or a dropped connection; redirects are not followed. */
async function post(target: NotifyTarget, body: string, options: NotifyOptions): Promise<{ ok: true } | { ok: false; message: string }> {
  const url = new URL(target.url);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': `Shipshape/${VERSION}` };
  // fetch refuses a URL with credentials in it: they become the Basic authorisation they stand for.
  if (url.username || url.password) {
    headers['authorization'] =
      `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  Object.assign(headers, target.headers);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  let last: string;
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) return { ok: false, message: 'cancelled' };
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let wait: number | undefined;
    try {
      const response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal });
      // The answer's body is not needed; reading it frees the connection.
      await response.arrayBuffer().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { ok: true };
      if (response.status >= 300 && response.status < 400)
        return { ok: false, message: `the receiver answered ${response.status}, a redirect (not followed)` };
      if (response.status !== 429 && response.status < 500) return { ok: false, message: `the receiver answered ${response.status}` };
      last = `the receiver answered ${response.status}`;
      wait = retryAfterMs(response.headers.get('retry-after'));
    } catch (error) {
      if (options.signal?.aborted) return { ok: false, message: 'cancelled' };
      if (timeout.aborted) return { ok: false, message: `the receiver did not answer within ${timeoutMs / 1000} s` };
      last = networkMessage(error);
    }
    const attempts = `${attempt + 1} ${attempt === 0 ? 'attempt' : 'attempts'}`;
    if (attempt >= delays.length) return { ok: false, message: `${last} (${attempts})` };
    if (wait !== undefined && wait > MAX_RETRY_AFTER_MS)
      return { ok: false, message: `${last}, asking to wait ${Math.round(wait / 1000)} s (${attempts})` };
    await delay(Math.max(wait ?? 0, delays[attempt]!), undefined, options.signal && { signal: options.signal }).catch(() => undefined);
  }
}

/**
 * Tells every receiver what is new for it, records what each was told, and saves the state. A
 * failed delivery is an error entry (its URL without secrets) and is not recorded: the next run
 * sends it again.
 */
export async function sendAlerts(
  report: ClustersReport,
  options: NotifyOptions,
): Promise<{ results: NotifyResult[]; errors: ReportError[] }> {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? new Date();
  await options.state.load();
  const present = report.findings.map(findingKey);
  const results: NotifyResult[] = [];
  const errors: ReportError[] = [];
  const outcomes = await Promise.all(
    options.targets.map(async (target) => {
      const key = targetKey(target.url);
      const announced = { new: options.state.announcedTo(key, 'new'), breached: options.state.announcedTo(key, 'breached') };
      // What this receiver was told and still runs stays remembered.
      options.state.markAnnounced(
        key,
        'new',
        present.filter((k) => announced.new.has(k)),
        now,
      );
      options.state.markAnnounced(
        key,
        'breached',
        present.filter((k) => announced.breached.has(k)),
        now,
      );
      const alert = alertFor(report, announced, options.severity ?? 'HIGH');
      if (!alert) return { target, sent: false, new: 0, breached: 0 };
      const delivered = await post(target, JSON.stringify(alert.message), options);
      const counts = {
        new: alert.keys.new.length - alert.keys.breached.length,
        breached: alert.keys.breached.length,
      };
      if (!delivered.ok) return { target, sent: false, ...counts, error: delivered.message };
      options.state.markAnnounced(key, 'new', alert.keys.new, now);
      options.state.markAnnounced(key, 'breached', alert.keys.breached, now);
      return { target, sent: true, ...counts };
    }),
  );
  for (const outcome of outcomes) {
    const url = redactUrl(outcome.target.url);
    results.push({ url, sent: outcome.sent, new: outcome.new, breached: outcome.breached });
    if ('error' in outcome && outcome.error !== undefined) {
      errors.push({ notify: url, message: `the alert was not delivered: ${outcome.error}; the next run sends it again` });
      logger.warn(`the alert to ${url} was not delivered: ${outcome.error}`);
    } else if (outcome.sent) {
      logger.info(`alert sent to ${url}: ${outcome.new} new, ${outcome.breached} past their deadline`);
    }
  }
  await options.state.save();
  return { results, errors };
}
