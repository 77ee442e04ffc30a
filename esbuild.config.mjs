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

// The Kubernetes client is most of the weight (about 14 MB of source): it is a bundle of its own,
// dist/k8s.js, loaded by import() the first time a cluster is read, so that `shipshape scan` and
// the editor's cluster-free paths never parse it.
const k8sApart = {
  name: 'k8s-apart',
  setup(build) {
    build.onResolve({ filter: /^@kubernetes\/client-node$/ }, () => ({ path: './k8s.js', external: true }));
  },
};

await Promise.all([
  esbuild.build({ ...common, stdin: { contents: "export * from '@kubernetes/client-node';", resolveDir: process.cwd(), sourcefile: 'k8s.ts' }, outfile: 'dist/k8s.js', minify: true, sourcemap: false }),
  // The scanner is a bundle of its own, required the first time a scan is wanted.
  esbuild.build({ ...common, entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', external: ['vscode', './scannerModule.js', './clusterModule.js'] }),
  esbuild.build({ ...common, entryPoints: ['src/extension/clusterModule.ts'], outfile: 'dist/clusterModule.js', external: ['vscode'], plugins: [k8sApart] }),
  esbuild.build({ ...common, entryPoints: ['src/extension/scannerModule.ts'], outfile: 'dist/scannerModule.js', external: ['vscode'] }),
  esbuild.build({ ...common, entryPoints: ['src/cli/bin.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, plugins: [k8sApart] }),
]);
await chmod('dist/cli.js', 0o755);
