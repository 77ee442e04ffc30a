// `npm run fuzz [-- options]`: a fuzz round over the core's parsers and rules. Exits 1 when an input
// crashed, hung, or made incremental analysis disagree with a full one.
//
//   --seed N          the round's seed (default 1); the same seed makes the same inputs
//   --inputs N        how many inputs (default 400)
//   --seconds N       or keep going for N seconds (a long round: --seconds 1800)
//   --workers N       worker threads side by side (default 1)
//   --only I[,I…]     check only these inputs of the round (as a failure report names them)
//   --replay FILE     check a saved reproducer (.fuzz/*.json) again
//   --huge-mib N      largest generated manifest (default 4)
//   --timeout-ms N    time bound of each call into the core (an analysis, an update, a fix) in ms
//                     (default 2000), plus --ms-per-mib per MiB of input (default 15000)

import { parseArgs } from 'node:util';
import { DEFAULT_INPUTS, DEFAULT_SEED, formatSummary, readReproducer, runFuzz, type FuzzRunOptions } from './harness.js';

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} needs a non-negative number, not ${JSON.stringify(value)}`);
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      inputs: { type: 'string' },
      seconds: { type: 'string' },
      workers: { type: 'string' },
      only: { type: 'string' },
      replay: { type: 'string' },
      'huge-mib': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'ms-per-mib': { type: 'string' },
    },
  });
  const replay = values.replay === undefined ? undefined : readReproducer(values.replay);
  const seed = replay?.seed ?? integer('seed', values.seed) ?? DEFAULT_SEED;
  const inputs = integer('inputs', values.inputs);
  const seconds = integer('seconds', values.seconds);
  const workers = integer('workers', values.workers);
  const hugeMiB = integer('huge-mib', values['huge-mib']);
  const timeoutMs = integer('timeout-ms', values['timeout-ms']);
  const msPerMiB = integer('ms-per-mib', values['ms-per-mib']);
  const only = values.only?.split(',').map((i) => integer('only', i.trim())!);
  const options: FuzzRunOptions = {
    seed,
    ...(inputs !== undefined && { inputs }),
    ...(seconds !== undefined && { seconds }),
    ...(workers !== undefined && { workers }),
    ...(hugeMiB !== undefined && { hugeBytes: Math.round(hugeMiB * 1024 * 1024) }),
    ...(timeoutMs !== undefined && { timeoutMs }),
    ...(msPerMiB !== undefined && { msPerMiB }),
    ...(only && { only }),
    ...(replay && { replay: [replay] }),
    log: (line) => console.error(line),
  };
  const what = replay
    ? `replaying ${values.replay}`
    : only
      ? `inputs ${only.join(', ')}`
      : seconds !== undefined
        ? `for ${seconds} s`
        : `${inputs ?? DEFAULT_INPUTS} inputs`;
  console.error(`fuzz: seed ${seed}, ${what}`);
  const summary = await runFuzz(options);
  console.log(formatSummary(summary));
  return summary.failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  },
);
