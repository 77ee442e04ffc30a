// The same end-to-end suite in desktop VS Code, through @vscode/test-electron, for machines that
// can download VS Code (this one cannot: use test/e2e/run.ts, code-server, here).
//
//   node --import tsx test/e2e/electron.ts
//
// VSCODE_TEST_VERSION picks the VS Code version (default 'stable'; e.g. '1.90.0', the oldest
// that package.json's engines allow). Mocha's report reaches stdout through VS Code itself;
// screenshot() in the tests does nothing here. On Linux without a display, run it under
// `xvfb-run -a`.

import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { buildExtension, bundleSuite, createWorkspace, REPO, summaryLine, writeUserSettings, type SuiteResult } from './prepare.js';

async function main(): Promise<number> {
  await buildExtension();
  const extensionTestsPath = await bundleSuite();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'shipshape-e2e-electron-'));
  try {
    const workspace = await createWorkspace(tmp);
    const userData = path.join(tmp, 'user-data');
    await writeUserSettings(userData);
    const reportDir = path.join(tmp, 'report');
    await mkdir(reportDir, { recursive: true });
    const extensionTestsEnv: Record<string, string> = { SHIPSHAPE_E2E_REPORT_DIR: reportDir };
    const grep = process.env['SHIPSHAPE_E2E_GREP'];
    if (grep) extensionTestsEnv['SHIPSHAPE_E2E_GREP'] = grep;

    let code: number;
    try {
      code = await runTests({
        version: process.env['VSCODE_TEST_VERSION'] ?? 'stable',
        extensionDevelopmentPath: REPO,
        extensionTestsPath,
        extensionTestsEnv,
        launchArgs: [
          workspace,
          '--disable-extensions',
          '--disable-workspace-trust',
          `--user-data-dir=${userData}`,
          `--extensions-dir=${path.join(tmp, 'extensions')}`,
        ],
      });
    } catch (error) {
      // runTests rejects when VS Code exits non-zero (a failed suite) or cannot be started.
      console.error(`[e2e] ${error instanceof Error ? error.message : String(error)}`);
      code = 1;
    }
    const resultFile = path.join(reportDir, 'result.json');
    const result = existsSync(resultFile) ? (JSON.parse(await readFile(resultFile, 'utf8')) as SuiteResult) : undefined;
    console.log(result ? summaryLine(result) : 'e2e: the suite reported no result');
    return code === 0 && result !== undefined && result.failures === 0 ? 0 : 1;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
