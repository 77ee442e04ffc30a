// What every fuzz input goes through: both parsers and every rule, the quick fixes, pinning,
// the reference parser on every image found, incremental re-analysis against a full one, and
// the report writers. Any exception is a crash; an incremental result that differs from a full
// analysis of the same text is a mismatch; a range outside the text is a bad range.

import { isDeepStrictEqual } from 'node:util';
import {
  analyze,
  applyEdits,
  familiarName,
  fixesFor,
  IncrementalYaml,
  isImageId,
  parseReference,
  PendingEdits,
  pinEdits,
  pinnedText,
  runAsNonRootFix,
  suppressionFix,
  tagReference,
  toJsonReport,
  toSarif,
  toText,
  type AnalysisResult,
  type AnalyzeOptions,
  type FileKind,
  type Range,
  type ScanReport,
  type TextChange,
} from '../src/core/index.js';
import { sortFindings } from '../src/core/analysis/analyze.js';
import type { FuzzInput, FuzzOptions } from './inputs.js';
import { mulberry32, type Random } from './prng.js';

export type FailureKind = 'crash' | 'mismatch' | 'bad-range';

export class CheckFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly phase: string,
    message: string,
    readonly details?: string,
    readonly original?: unknown,
  ) {
    super(message);
  }
}

export interface CheckResult {
  /** Milliseconds per phase. */
  readonly phases: Record<string, number>;
  readonly images: number;
  readonly findings: number;
  readonly errors: number;
  readonly edits: number;
}

/** What `analyze` says when a parser threw inside it: a crash it has caught, still a crash. */
const INTERNAL_ERROR = 'Shipshape could not analyse this file';
const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
/** Where pin edits say they are for: the fuzzer's text is no file. */
const FUZZ_FILE = '/fuzz/input';
const OTHER_DIGEST = `sha256:${'fedcba9876543210'.repeat(4)}`;
const KINDS: readonly FileKind[] = ['dockerfile', 'yaml'];

export function analyzeOptions(options: FuzzOptions): AnalyzeOptions {
  const { imageUsers, ...rest } = options;
  return {
    ...rest,
    ...(imageUsers && {
      imageUsers: new Map(Object.entries(imageUsers).map(([ref, user]) => [ref, { user, from: 'image-config' as const }])),
    }),
  };
}

/**
 * Checks one input. `operation` is told before each call into the core (an analysis, an update,
 * the fixes of one finding, …), so that a watchdog can time each call on its own.
 */
export function checkInput(input: FuzzInput, operation: (name: string) => void = () => {}): CheckResult {
  const phases: Record<string, number> = {};
  const phase = <T>(name: string, fn: () => T): T => {
    const started = performance.now();
    operation(name);
    try {
      return fn();
    } catch (error) {
      if (error instanceof CheckFailure) throw error;
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new CheckFailure('crash', name, message, error instanceof Error ? error.stack : undefined, error);
    } finally {
      phases[name] = (phases[name] ?? 0) + performance.now() - started;
    }
  };
  const { text } = input;
  const options = analyzeOptions(input.options);
  const large = text.length > 256 * 1024;
  const rng = mulberry32(input.editSeed);
  const results = new Map<FileKind, AnalysisResult>();
  let images = 0;
  let findings = 0;
  let errors = 0;

  for (const kind of KINDS) {
    const result = phase(`analyze ${kind}`, () => analyzeChecked(text, kind, options, `analyze ${kind}`));
    results.set(kind, result);
    images += result.images.length;
    findings += result.findings.length;
    errors += result.errors.length;
    phase(`ranges ${kind}`, () => checkRanges(text, result, `analyze ${kind}`));

    phase('references', () => {
      for (const image of result.images) {
        for (const candidate of [image.raw, image.resolved, tagReference(image)]) {
          if (candidate === undefined) continue;
          const parsed = parseReference(candidate);
          if (parsed.ok) familiarName(parsed.reference);
          isImageId(candidate);
          pinnedText(candidate, DIGEST);
        }
      }
    });

    phase('fixes', () => {
      // Fixes are asked for one finding at a time (a code action): a sample of them.
      const sample = shuffled(rng, result.findings).slice(0, large ? 4 : 25);
      let reanalysed = 0;
      for (const finding of sample) {
        operation(`fixes for ${finding.rule} (${kind})`);
        const fixes = fixesFor(text, kind, finding);
        if (fixes.length === 0)
          throw new CheckFailure('crash', 'fixes', 'fixesFor returned no fix (the suppression fix is always offered)');
        // fixesFor offers runAsNonRootFix for implicit root-user findings only; it must not throw on
        // any other (each call parses the finding's document again: not for the large inputs).
        const offered = kind === 'yaml' && finding.rule === 'root-user' && finding.reason === 'implicit';
        const extra = [suppressionFix(text, finding), ...(kind === 'yaml' && !offered && !large ? [runAsNonRootFix(text, finding)] : [])];
        for (const fix of [...fixes, ...extra]) {
          if (!fix) continue;
          const fixed = applyEdits(text, fix.edits);
          if (!large && reanalysed++ < 6) {
            operation(`analyze ${kind} after a fix`);
            analyzeChecked(fixed, kind, options, `analyze after fix "${fix.title}"`);
          }
        }
      }
    });

    phase('pin', () => {
      const document = { file: FUZZ_FILE, text };
      const { changes } = pinEdits(result.images, () => DIGEST, document);
      // One image at a time, as the quick fix pins: each is proved on the whole text (re-read), so only a few of a large one.
      for (const image of result.images.slice(0, large ? 3 : 50)) pinEdits([image], () => OTHER_DIGEST, document);
      if (changes.length === 0) return;
      operation(`apply ${changes.length} pin edits (${kind})`);
      const pinned = applyEdits(
        text,
        changes.map((c) => c.edit),
      );
      operation(`analyze ${kind} after pinning`);
      const again = analyzeChecked(pinned, kind, options, 'analyze after pinning');
      if (!large) {
        // A stale pin being updated.
        operation(`analyze ${kind} after re-pinning`);
        const repinned = applyEdits(
          pinned,
          pinEdits(again.images, () => OTHER_DIGEST, { file: FUZZ_FILE, text: pinned }).changes.map((c) => c.edit),
        );
        analyzeChecked(repinned, kind, options, 'analyze after re-pinning');
      }
    });
  }

  const edits = phase('incremental', () => checkIncremental(text, options, rng, text.length > 1024 * 1024 ? 1 : large ? 2 : 5, operation));

  phase('reports', () => {
    const report: ScanReport = {
      files: KINDS.map((kind) => ({ file: kind === 'yaml' ? 'fuzz/input.yaml' : 'fuzz/Dockerfile', kind, result: results.get(kind)! })),
      skipped: [],
      ioErrors: [],
      scanErrors: [],
      projectErrors: [],
      userErrors: [],
    };
    JSON.stringify(toJsonReport(report));
    JSON.stringify(toSarif(report, { version: '0.0.0-fuzz' }));
    toText(report, { color: rng.chance(0.5) });
  });

  return { phases, images, findings, errors, edits };
}

function shuffled<T>(rng: Random, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

function analyzeChecked(text: string, kind: FileKind, options: AnalyzeOptions, what: string): AnalysisResult {
  const result = analyze(text, kind, options);
  const internal = result.errors.find((e) => e.message.startsWith(INTERNAL_ERROR));
  if (internal) throw new CheckFailure('crash', what, internal.message);
  return result;
}

/**
 * Every range must lie inside the text: in lines split at `\n` (the core's own view), or at
 * `\r\n`, `\r` and `\n` alike (the language-server view dockerfile-ast takes).
 */
function checkRanges(text: string, result: AnalysisResult, what: string): void {
  const models = [text.split('\n'), text.split(/\r\n|\r|\n/)].map((lines) => lines.map((l) => l.length));
  const inside = (range: Range) =>
    models.some((lengths) => {
      const { start, end } = range;
      if (start.line < 0 || start.character < 0 || end.line >= lengths.length || start.line > end.line) return false;
      if (start.line === end.line && start.character > end.character) return false;
      return start.character <= lengths[start.line]! && end.character <= lengths[end.line]!;
    });
  const ranges: Array<[string, Range]> = [
    ...result.images.map((i): [string, Range] => [`image ${JSON.stringify(i.raw.slice(0, 80))}`, i.range]),
    ...result.findings.map((f): [string, Range] => [`finding ${f.rule}`, f.range]),
    ...result.errors.filter((e) => e.range).map((e): [string, Range] => [`error ${e.message.slice(0, 80)}`, e.range!]),
  ];
  for (const [label, range] of ranges) {
    if (!inside(range)) throw new CheckFailure('bad-range', what, `${label} has a range outside the text: ${JSON.stringify(range)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Incremental re-analysis against a full one

const EDIT_TEXTS = [
  '',
  '',
  'x',
  'a',
  '1',
  '.',
  ':',
  '@',
  '/',
  '-',
  '_',
  '\n',
  '\n---\n',
  '---',
  '--- ',
  ' ',
  '  ',
  '#',
  '"',
  "'",
  '{',
  '}',
  '[',
  ']',
  ',',
  ':latest',
  `@${DIGEST}`,
  'image: redis\n',
  'kind: Pod\n',
  '\r\n',
  '\r',
  '\t',
  '{{ x }}',
  '&a ',
  '*a',
  '\uFEFF',
  '\u0000',
  'é',
  '${X}',
  '# shipshape-ignore\n',
  '  - name: z\n    image: z:1\n',
  'runAsUser: 0',
  'runAsNonRoot: true\n',
  '...\n',
  '%YAML 1.2\n',
  '|\n',
  '? ',
];
const REFERENCE_CHARS = 'abcxyz019._/:@+-';

function randomEditText(rng: Random): string {
  if (rng.chance(0.35))
    return Array.from({ length: rng.int(1, 10) }, () => REFERENCE_CHARS[rng.int(0, REFERENCE_CHARS.length - 1)]).join('');
  return rng.pick(EDIT_TEXTS);
}

/** A change somewhere in `text`, often inside or next to an image value. */
function randomChange(rng: Random, text: string, from = 0, to = text.length): TextChange {
  let offset: number;
  const roll = rng.next();
  const image = text.indexOf('image', rng.int(from, to));
  if (roll < 0.45 && image !== -1 && image < to) offset = Math.min(to, image + rng.int(0, 60));
  else if (roll < 0.7) offset = Math.max(from, text.lastIndexOf('\n', rng.int(from, to) - 1) + 1);
  else offset = rng.int(from, to);
  let length = rng.chance(0.05) ? rng.int(0, 300) : rng.skewed(0, 8);
  length = Math.min(length, to - offset);
  return { rangeOffset: offset, rangeLength: length, text: randomEditText(rng) };
}

function apply(text: string, change: TextChange): string {
  return text.slice(0, change.rangeOffset) + change.text + text.slice(change.rangeOffset + change.rangeLength);
}

/** One editor change event: several non-overlapping changes, each against the text before it. */
function randomEvent(rng: Random, text: string): { changes: TextChange[]; after: string } {
  const count = rng.chance(0.7) ? 1 : rng.int(2, 3);
  const cuts = Array.from({ length: count + 1 }, () => rng.int(0, text.length)).sort((a, b) => a - b);
  const changes: TextChange[] = [];
  for (let i = 0; i < count; i++) changes.push(randomChange(rng, text, cuts[i], cuts[i + 1]));
  // Applied from the end, as editors describe them.
  let after = text;
  for (const change of [...changes].sort((a, b) => b.rangeOffset - a.rangeOffset)) after = apply(after, change);
  return { changes: rng.chance(0.5) ? changes.reverse() : changes, after };
}

function checkIncremental(text: string, options: AnalyzeOptions, rng: Random, steps: number, operation: (name: string) => void): number {
  const state = new IncrementalYaml(options);
  let current = text;
  const history: string[] = [];
  const compare = (incremental: AnalysisResult, step: string) => {
    operation(`full analysis to compare after ${step}`);
    const full = analyze(current, 'yaml', options);
    const ordered = { ...incremental, findings: sortFindings([...incremental.findings]) };
    if (!isDeepStrictEqual(ordered, full)) {
      const difference = firstDifference(ordered, full, 'result');
      throw new CheckFailure(
        'mismatch',
        'incremental',
        `incremental result differs from a full analysis after ${step}: ${difference}`,
        history.join('\n'),
      );
    }
  };
  operation('incremental: the first update');
  compare(state.update(current), 'the first update');
  for (let step = 0; step < steps; step++) {
    const mode = rng.pick(['event', 'event', 'pending']);
    if (mode === 'event') {
      const { changes, after } = randomEvent(rng, current);
      history.push(`step ${step}: one event ${JSON.stringify(changes)}`);
      current = after;
      operation(`incremental update, step ${step}`);
      compare(state.update(current, changes), `step ${step} (one event)`);
    } else {
      // Several events folded while the editor waits for a pause in typing.
      const pending = new PendingEdits();
      const events: TextChange[][] = [];
      for (let i = rng.int(2, 4); i > 0; i--) {
        const { changes, after } = randomEvent(rng, current);
        pending.add(changes);
        events.push(changes);
        current = after;
      }
      const folded = pending.take();
      history.push(`step ${step}: events ${JSON.stringify(events)} folded into ${JSON.stringify(folded)}`);
      operation(`incremental update, step ${step}`);
      compare(state.update(current, folded), `step ${step} (${events.length} folded events)`);
    }
  }
  return steps;
}

function firstDifference(a: unknown, b: unknown, path: string): string {
  if (isDeepStrictEqual(a, b)) return '';
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length) {
      for (let i = 0; i < Math.min(a.length, b.length); i++) {
        if (!isDeepStrictEqual(a[i], b[i])) return firstDifference(a[i], b[i], `${path}[${i}]`) + ` (lengths ${a.length} vs ${b.length})`;
      }
      return `${path}: ${a.length} items incrementally, ${b.length} in the full analysis; extra: ${short(a.length > b.length ? a[b.length] : b[a.length])}`;
    }
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const x = (a as Record<string, unknown>)[key];
      const y = (b as Record<string, unknown>)[key];
      if (!isDeepStrictEqual(x, y)) return firstDifference(x, y, Array.isArray(a) ? `${path}[${key}]` : `${path}.${key}`);
    }
  }
  return `${path}: ${short(a)} incrementally, ${short(b)} in the full analysis`;
}

function short(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 300 ? `${json.slice(0, 300)}…` : json;
}
