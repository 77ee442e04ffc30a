// The in-editor test module (VS Code's `extensionTestsPath`). VS Code loads it in the extension
// host, with the real `vscode` API, and calls run(); run() resolves when every test passed.
// test/e2e/prepare.ts bundles it together with every ./*.e2e.ts. It must stay free of anything
// browser-specific: the same bundle runs under code-server (test/e2e/run.ts) and under
// @vscode/test-electron (test/e2e/electron.ts).
//
// Environment (all optional, set by the runners):
//   SHIPSHAPE_E2E_REPORT_DIR  also write mocha's report to report.txt there, and the counts to
//                             result.json (the code-server runner prints both)
//   SHIPSHAPE_E2E_GREP        run only the tests whose full title matches this pattern
//   SHIPSHAPE_E2E_COLOR=1     coloured report
//   SHIPSHAPE_E2E_TEST_TIMEOUT  mocha's per-test timeout in ms (default 30000)

import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { findSourceMap } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, inspect } from 'node:util';
import Mocha from 'mocha';

/** The test file names without `.e2e.ts`, defined by the bundler (test/e2e/prepare.ts). */
declare const SHIPSHAPE_E2E_TESTS: readonly string[];

export async function run(): Promise<void> {
  mapStackTraces();
  const reportDir = process.env['SHIPSHAPE_E2E_REPORT_DIR'];
  const restoreLog = reportDir ? teeReport(reportDir) : () => {};
  let stats: Mocha.Stats | undefined;
  try {
    const options: Mocha.MochaOptions = {
      ui: 'bdd',
      reporter: 'spec',
      timeout: Number(process.env['SHIPSHAPE_E2E_TEST_TIMEOUT'] ?? 30_000),
    };
    if (process.env['SHIPSHAPE_E2E_COLOR'] === '1') options.color = true;
    const grep = process.env['SHIPSHAPE_E2E_GREP'];
    if (grep) options.grep = grep;
    const mocha = new Mocha(options);

    if (typeof SHIPSHAPE_E2E_TESTS === 'undefined') {
      throw new Error('this module must be bundled by test/e2e/prepare.ts (SHIPSHAPE_E2E_TESTS is not defined)');
    }
    // What mocha.loadFiles() does, for files that are already in this bundle: the test files'
    // describe()/it() (imported from 'mocha') register with this instance while they load.
    for (const name of SHIPSHAPE_E2E_TESTS) {
      const file = `${name}.e2e.ts`;
      mocha.suite.emit('pre-require', globalThis, file, mocha);
      // esbuild bundles every ./*.e2e.ts for this pattern and loads the one named on demand.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- mocha registers a suite as its file is required
      mocha.suite.emit('require', require(`./${name}.e2e.ts`), file, mocha);
      mocha.suite.emit('post-require', globalThis, file, mocha);
    }

    stats = await new Promise<Mocha.Stats | undefined>((resolve) => {
      const runner = mocha.run(() => resolve(runner.stats));
    });
  } catch (error) {
    // Into the report too: a test file that throws while loading never reaches the reporter.
    console.error(error);
    if (reportDir) appendFileSync(path.join(reportDir, 'report.txt'), `\n${inspect(error)}\n`);
    throw error;
  } finally {
    restoreLog();
  }

  const result = {
    tests: stats?.tests ?? 0,
    passes: stats?.passes ?? 0,
    failures: stats?.failures ?? 0,
    pending: stats?.pending ?? 0,
  };
  if (reportDir) writeFileSync(path.join(reportDir, 'result.json'), JSON.stringify(result));
  if (result.failures > 0) throw new Error(`${result.failures} of ${result.tests} end-to-end tests failed`);
  if (result.tests === 0) throw new Error('no end-to-end test ran');
}

/** Sends everything mocha's reporters print to `<dir>/report.txt` as well as to the console. */
function teeReport(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'report.txt');
  const Base = Mocha.reporters.Base;
  const original = Base.consoleLog;
  Base.consoleLog = (...data: unknown[]) => {
    original(...data);
    appendFileSync(file, format(...data) + '\n');
  };
  return () => {
    Base.consoleLog = original;
  };
}

/**
 * Stack traces through source maps: failures point into the .ts sources of the tests and of the
 * extension, not into the bundles. Node does this by itself only with its own
 * Error.prepareStackTrace, which VS Code's extension host replaces; VS Code chains a function set
 * here after its own. Needs the source maps to be loaded: prepare.ts's loader turns that on.
 */
function mapStackTraces(): void {
  Error.prepareStackTrace = (error: unknown, frames: NodeJS.CallSite[]): string => {
    let header: string;
    try {
      // As V8 does: Error.prototype.toString, not an override such as Node's AssertionError's.
      header = typeof error === 'object' && error !== null ? Error.prototype.toString.call(error) : String(error);
    } catch {
      header = 'Error';
    }
    const lines = frames.map((frame) => {
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- V8's CallSite prints itself as a stack line
      const text = frame.toString();
      const file = frame.getFileName();
      const line = frame.getLineNumber();
      const column = frame.getColumnNumber();
      if (!file || !line || !column) return `    at ${text}`;
      try {
        const entry = findSourceMap(file)?.findEntry(line - 1, column - 1) as
          { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
        if (entry?.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) {
          return `    at ${text}`;
        }
        const source = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : entry.originalSource;
        return `    at ${text.replace(`${file}:${line}:${column}`, `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`)}`;
      } catch {
        return `    at ${text}`;
      }
    });
    return [header, ...lines].join('\n');
  };
}
