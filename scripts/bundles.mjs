// The bundles of dist/ and how they split, shared by esbuild.config.mjs and the benchmark.
//
// Parts the extension loads only when first needed, so that activation never parses them: the
// network entry (src/core/network.ts: Trivy and the registry) as dist/network.js, the cluster
// entry (src/core/cluster/index.ts) as dist/cluster.js, the project entry (src/core/project/
// index.ts: the Kustomize and Helm engines) as dist/project.js, the readers of dev containers,
// Quadlet units and Bake files (src/core/containers.ts, with jsonc-parser) as dist/containers.js,
// and the Kubernetes client (about
// 14 MB of source, also apart from the CLI) as dist/k8s.js. The CLI's proxy support (undici,
// loaded only when HTTPS_PROXY or HTTP_PROXY is set) is dist/undici.js.

import * as path from 'node:path';

/** The lazily loaded entries: what the extension's `import()` names, and the bundle it becomes. */
export const LAZY_ENTRIES = {
  '../core/network.js': { entry: 'src/core/network.ts', bundle: 'network.js' },
  '../core/cluster/index.js': { entry: 'src/core/cluster/index.ts', bundle: 'cluster.js' },
  '../core/project/index.js': { entry: 'src/core/project/index.ts', bundle: 'project.js' },
  '../core/containers.js': { entry: 'src/core/containers.ts', bundle: 'containers.js' },
};

/** In the extension bundle, `import('../core/network.js')` loads `./network.js` beside it at run time. */
export const lazyEntries = {
  name: 'lazy-entries',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/core\/(network|cluster\/index|project\/index|containers)\.js$/ }, (args) => {
      const lazy = LAZY_ENTRIES[args.path];
      return lazy && args.importer.includes(`${'src'}/extension/`) ? { path: `./${lazy.bundle}`, external: true } : undefined;
    });
  },
};

/**
 * One copy of the VS Code API in the extension bundle. esbuild turns each module's
 * `import * as vscode from 'vscode'` into a copy of the API object (about 400 properties, a getter
 * each): fourteen modules, fourteen copies, a quarter of what loading the bundle cost. Through one
 * ES module that re-exports `vscode`, the modules share one.
 */
export const vscodeOnce = {
  name: 'vscode-once',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) =>
      args.namespace === 'vscode-once' ? { path: 'vscode', external: true } : { path: 'vscode', namespace: 'vscode-once' },
    );
    build.onLoad({ filter: /^vscode$/, namespace: 'vscode-once' }, () => ({ contents: "export * from 'vscode';", loader: 'js' }));
  },
};

/** undici (the CLI's proxy support, loaded only when a proxy is set) is `./undici.js` beside the CLI. */
export const undiciApart = {
  name: 'undici-apart',
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, () => ({ path: './undici.js', external: true }));
  },
};

/** `@kubernetes/client-node` is `./k8s.js` beside the bundle that needs it. */
export const k8sApart = {
  name: 'k8s-apart',
  setup(build) {
    build.onResolve({ filter: /^@kubernetes\/client-node$/ }, () => ({ path: './k8s.js', external: true }));
  },
};

/**
 * The ES module builds of jsonc-parser and yaml, which esbuild joins into one scope and shakes.
 * - jsonc-parser's `main` is a UMD module that requires its parts by relative paths at run time,
 *   which a bundle does not hold.
 * - yaml's Node build is CommonJS: in a bundle each of its seventy modules keeps a wrapper that runs
 *   at load, and nothing of it can be left out. Its ES module build (the same code, published for
 *   browsers; it differs only in that a warning is `console.warn` rather than `process.emitWarning`,
 *   and a `!!binary` scalar is decoded by `atob`) loads in about half the time (`npm run bench -- activation`).
 */
export const esmBuilds = {
  name: 'esm-builds',
  setup(build) {
    build.onResolve({ filter: /^jsonc-parser$/ }, (args) =>
      build.resolve('jsonc-parser/lib/esm/main.js', { kind: args.kind, resolveDir: args.resolveDir }),
    );
    // yaml's `exports` hides its files: the folder of its package.json, then the ES module entry.
    build.onResolve({ filter: /^yaml$/ }, async (args) => {
      const manifest = await build.resolve('yaml/package.json', { kind: args.kind, resolveDir: args.resolveDir });
      if (manifest.errors.length > 0) return { errors: manifest.errors };
      return { path: path.join(path.dirname(manifest.path), 'browser', 'index.js') };
    });
  },
};
