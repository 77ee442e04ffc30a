// Running the CLI in-process with its output captured.

import { main, type Io } from '../../src/cli/main.js';

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The day the CLI judges end-of-life at in tests (`SHIPSHAPE_DATE`), unless a test sets its own:
 * a fixed clock, before the end of the cycles the tests' images name, so that their findings do not
 * change with the calendar (test/cli/eol.test.ts sets dates of its own).
 */
export const TEST_DATE = '2021-06-01';

export async function runCli(args: readonly string[], isTTY = false): Promise<Run> {
  process.env['SHIPSHAPE_DATE'] ??= TEST_DATE;
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    isTTY,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}
