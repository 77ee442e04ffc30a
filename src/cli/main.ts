// The `shipshape` command: a thin shell over the core. This file dispatches to the commands;
// each lives in its own module (scan.ts, pin.ts, cluster.ts, advise.ts, tags.ts, images.ts), what they share in args.ts.

import { VERSION } from '../core/index.js';
// The readers of dev containers, Quadlet units and Bake files (the editor loads them on first use).
import '../core/containers.js';
import { advise } from './advise.js';
import { EXIT_ERROR, EXIT_OK, printableIo, processIo, UsageError, type Io } from './args.js';
import { cluster } from './cluster.js';
import { images } from './images.js';
import { pin } from './pin.js';
import { scan, SCAN_USAGE } from './scan.js';
import { tags } from './tags.js';

export { EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, type Io } from './args.js';

const COMMANDS: Readonly<Record<string, (args: readonly string[], io: Io) => Promise<number>>> = {
  scan,
  pin,
  cluster,
  advise,
  tags,
  images,
};

export async function main(argv: readonly string[], given: Io = processIo): Promise<number> {
  const io = printableIo(given);
  try {
    const [command, ...rest] = argv;
    if (command === '-h' || command === '--help' || command === 'help' || command === undefined) {
      io.stdout(SCAN_USAGE);
      return command === undefined ? EXIT_ERROR : EXIT_OK;
    }
    if (command === '-v' || command === '--version') {
      io.stdout(`${VERSION}\n`);
      return EXIT_OK;
    }
    const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!run) throw new UsageError(`unknown command "${command}"`);
    return await run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`shipshape: ${error.message}\n\n${SCAN_USAGE}`);
      return EXIT_ERROR;
    }
    io.stderr(`shipshape: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_ERROR;
  }
}
