// What activation loads: the extension bundle holds the parsers, the rules and the fixes, and none
// of the parts loaded on first use (docs/ARCHITECTURE.md, "What loads when"). A deep import in an
// editor module pulls a whole engine into activation without a word; this build says so.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
// A plain ES module shared with esbuild.config.mjs.
import { esmBuilds, lazyEntries, vscodeOnce } from '../../scripts/bundles.mjs';

const root = path.resolve(__dirname, '..', '..');

describe('the activation bundle', () => {
  test("holds none of the lazily loaded parts: Trivy and registries, clusters, Kustomize and Helm, the container files' readers", async () => {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: ['src/extension/main.ts'],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode'],
      plugins: [vscodeOnce, lazyEntries, esmBuilds],
      define: { SHIPSHAPE_VERSION: '"test"' },
      write: false,
      metafile: true,
      logLevel: 'silent',
      outfile: 'extension.js',
    });
    // What is in the output (a module read but shaken out of it costs nothing).
    const output = result.metafile.outputs['extension.js']!;
    const inputs = Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([file]) => file);
    assert.ok(
      inputs.includes('src/extension/main.ts') && inputs.some((i) => /(^|\/)node_modules\/yaml\//.test(i)),
      'the build read the sources',
    );
    const lazy = inputs.filter((i) =>
      /^src\/core\/(cluster|advise)\/|^src\/core\/trivy\/scanner|^src\/core\/registry\/client|^src\/core\/analysis\/(bake\/|devcontainer|quadlet)|(^|\/)node_modules\/(@kubernetes|execa|jsonc-parser)\//.test(
        i,
      ),
    );
    assert.deepEqual(lazy, []);
    // Of the project modules, only what Compose files need at once (their .env, about 7.5 KiB) and
    // a few constants and import stubs: the Kustomize and Helm engines (over 200 KiB) stay in
    // dist/project.js.
    const project = Object.entries(output.inputs).filter(([file]) => file.startsWith('src/core/project/'));
    const bytes = project.reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
    assert.ok(
      bytes < 9 * 1024,
      `${bytes} bytes of src/core/project: ${project.map(([file, i]) => `${file} ${i.bytesInOutput}`).join(', ')}`,
    );
    assert.ok(!inputs.some((i) => /^src\/core\/project\/(kustomize\/render|helm\/chart)\.ts$/.test(i)));
    // One copy of the VS Code API for all the modules (scripts/bundles.mjs: vscodeOnce): a copy per
    // module made loading the bundle a quarter slower.
    const text = result.outputFiles[0]!.text;
    assert.equal(text.match(/\brequire\("vscode"\)/g)?.length, 1, 'require("vscode") once');
    assert.doesNotMatch(text, /__toESM\(require\("vscode"\)\)/);
    // yaml as its ES module build, joined into one scope (scripts/bundles.mjs: esmBuilds): its
    // CommonJS build kept a wrapper per module, and loading the bundle took a third longer.
    assert.ok(
      inputs.some((i) => /(^|\/)node_modules\/yaml\/browser\/dist\//.test(i)),
      'yaml from its ES module build',
    );
    assert.ok(!inputs.some((i) => /(^|\/)node_modules\/yaml\/dist\//.test(i)), 'none of yaml from its CommonJS build');
    // Every module is in the bundle: none is required by a relative path it does not hold (jsonc-parser's UMD build did that).
    assert.doesNotMatch(text, /\brequire\d*\("\.\/impl\//);
    // They are loaded at run time, beside the bundle.
    const external = output.imports.filter((i) => i.external).map((i) => i.path);
    for (const bundle of ['./network.js', './cluster.js', './project.js', './containers.js'])
      assert.ok(external.includes(bundle), `${bundle} in ${external.join(', ')}`);
  });
});
