// Bundles the extension and the CLI into dist/. `node esbuild.config.mjs [--minify]`.
import * as esbuild from 'esbuild';
import { chmod, readFile, rm } from 'node:fs/promises';
import { LAZY_ENTRIES, esmBuilds, k8sApart, lazyEntries, undiciApart, vscodeOnce } from './scripts/bundles.mjs';

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

// Bundles from an earlier layout must not linger (the package lists what it ships by name).
await rm('dist', { recursive: true, force: true });
await Promise.all([
  esbuild.build({
    ...common,
    stdin: { contents: "export * from '@kubernetes/client-node';", resolveDir: process.cwd(), sourcefile: 'k8s.ts' },
    outfile: 'dist/k8s.js',
    minify: true,
    sourcemap: false,
  }),
  esbuild.build({
    ...common,
    stdin: { contents: "export * from 'undici';", resolveDir: process.cwd(), sourcefile: 'undici.ts' },
    outfile: 'dist/undici.js',
    minify: true,
    sourcemap: false,
  }),
  esbuild.build({
    ...common,
    entryPoints: ['src/extension/main.ts'],
    outfile: 'dist/extension.js',
    external: ['vscode'],
    plugins: [vscodeOnce, lazyEntries, esmBuilds],
  }),
  ...Object.values(LAZY_ENTRIES).map(({ entry, bundle }) =>
    esbuild.build({ ...common, entryPoints: [entry], outfile: `dist/${bundle}`, plugins: [k8sApart, esmBuilds] }),
  ),
  // The chart worker thread the CLI renders charts on (src/core/project/helm/workers.ts).
  esbuild.build({ ...common, entryPoints: ['src/core/project/helm/chartWorker.ts'], outfile: 'dist/chartWorker.js', plugins: [esmBuilds] }),
  esbuild.build({
    ...common,
    entryPoints: ['src/cli/bin.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [k8sApart, undiciApart, esmBuilds],
  }),
]);
await chmod('dist/cli.js', 0o755);
