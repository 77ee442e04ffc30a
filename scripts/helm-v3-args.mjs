#!/usr/bin/env node
// The pinned helm (v4), as kubectl's kustomize (v5.5) can drive it for the goldens of `helmCharts:`
// (`kubectl kustomize --enable-helm --helm-command scripts/helm-v3-args.mjs`). That kustomize asks
// `helm version -c --short` and refuses anything but v3: helm v4 has no `-c` and says v4. Only that
// question is answered here (as `v3-compatible`, naming the helm behind it); every other command
// (`template` with kustomize's own arguments and merged values file) runs the pinned helm as it
// is, without a shell. kustomize's own newer releases (its api module v0.21) accept helm v4 themselves.
import { spawnSync } from 'node:child_process';
import { toolPath } from './tools.mjs';

const args = process.argv.slice(2);
if (args[0] === 'version') {
  const real = spawnSync(toolPath('helm'), ['version', '--short'], { encoding: 'utf8' });
  process.stdout.write(`v3.99.0 (v3-compatible answer for kustomize; the helm run is ${real.stdout.trim()})\n`);
  process.exit(real.status ?? 1);
}
const result = spawnSync(toolPath('helm'), args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
