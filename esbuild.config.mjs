// Bundles the extension and the CLI into dist/. `node esbuild.config.mjs [--watch]`.
import * as esbuild from 'esbuild';
import { chmod, readFile } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('./package.json', import.meta.url), 'utf8'));
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify: process.argv.includes('--minify'),
  define: { SHIPSHAPE_VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
};

await Promise.all([
  // The scanner is a bundle of its own, required the first time a scan is wanted.
  esbuild.build({ ...common, entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', external: ['vscode', './scannerModule.js', './clusterModule.js'] }),
  esbuild.build({ ...common, entryPoints: ['src/extension/clusterModule.ts'], outfile: 'dist/clusterModule.js', external: ['vscode'] }),
  esbuild.build({ ...common, entryPoints: ['src/extension/scannerModule.ts'], outfile: 'dist/scannerModule.js', external: ['vscode'] }),
  esbuild.build({ ...common, entryPoints: ['src/cli/bin.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
]);
await chmod('dist/cli.js', 0o755);
