// The benchmarks' child processes (bench/*Child.ts), bundled as the CLI is, each once per run.

import * as esbuild from 'esbuild';
import * as path from 'node:path';
import { esmBuilds } from '../scripts/bundles.mjs';

const REPO = path.resolve(__dirname, '..');
const built = new Map<string, Promise<string>>();

/** `bench/<name>.ts` (or `entry`, relative to the repository) bundled into `.e2e/bench/<name>.js`; the path of the bundle. */
export function bundleChild(name: string, entry = path.join('bench', `${name}.ts`)): Promise<string> {
  let bundle = built.get(name);
  if (!bundle) {
    const outfile = path.join(REPO, '.e2e', 'bench', `${name}.js`);
    bundle = esbuild
      .build({
        entryPoints: [path.join(REPO, entry)],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        logLevel: 'warning',
        plugins: [esmBuilds],
      })
      .then(() => outfile);
    built.set(name, bundle);
  }
  return bundle;
}
