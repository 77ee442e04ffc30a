// Running the CLI in-process with its output captured.

import { main, type Io } from '../../src/cli/main.js';

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(args: readonly string[], isTTY = false): Promise<Run> {
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
