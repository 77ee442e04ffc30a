// scripts/tools.mjs and tools/kube/: the Kubernetes control plane is pinned at one release. The
// versions the tool folders are named after are the ones tools/kube/go.mod builds, and every
// k8s.io staging module is replaced with its published version of that same release.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { TOOLS } from '../../scripts/tools.mjs';

const ROOT = path.resolve(__dirname, '..', '..');
const GO_MOD = readFileSync(path.join(ROOT, 'tools', 'kube', 'go.mod'), 'utf8');
const required = (module: string) => new RegExp(`^\\s*${module.replace(/[./]/g, '\\$&')} (v\\S+)`, 'm').exec(GO_MOD)?.[1];

test('the control plane tools are named after the versions tools/kube/go.mod requires', () => {
  const kubernetes = required('k8s.io/kubernetes');
  assert.ok(kubernetes);
  for (const name of ['kube-apiserver', 'kube-controller-manager', 'kubectl']) {
    const tool = TOOLS[name]!;
    assert.deepEqual([tool.version, tool.dir, tool.pkg], [kubernetes, 'tools/kube', `k8s.io/kubernetes/cmd/${name}`], name);
  }
  const etcd = TOOLS['etcd']!;
  assert.deepEqual([etcd.version, etcd.dir], [required('go.etcd.io/etcd/server/v3'), 'tools/kube']);
});

test('every k8s.io staging module is replaced with its published version of the same release', () => {
  const minor = /^v1\.(\d+\.\d+)$/.exec(required('k8s.io/kubernetes') ?? '')?.[1];
  assert.ok(minor);
  const replaced = [...GO_MOD.matchAll(/^\s*(k8s\.io\/\S+) => (k8s\.io\/\S+) (v\S+)$/gm)];
  assert.ok(replaced.length >= 30, `${replaced.length} replacements`);
  for (const [, from, to, version] of replaced) assert.deepEqual([to, version], [from, `v0.${minor}`], from);
  assert.match(GO_MOD, /^go 1\.26\.\d+$/m, 'a go.mod that Go 1.26 builds');
});
