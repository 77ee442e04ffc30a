import { main } from './main.js';
import { useEnvironmentProxy } from './proxy.js';

useEnvironmentProxy()
  .then(() => main(process.argv.slice(2)))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`shipshape: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    },
  );
