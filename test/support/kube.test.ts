// scripts/kube.mjs: the real control plane the cluster tests run against. Its command lines are a
// contract (start DIR, stop DIR); these tests hold it to what the tests and benchmarks rely on.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { eventually, startKube, writeContexts, type Kube, type Pod } from './kube.js';

const execFileAsync = promisify(execFile);
const KUBE = path.resolve(__dirname, '..', '..', 'scripts', 'kube.mjs');

interface State {
  url: string;
  processes: { name: string; pid: number; program: string }[];
}
const alive = (pid: number, program: string) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === program;
  } catch {
    return false;
  }
};

describe('scripts/kube.mjs', () => {
  let kube: Kube;
  before(async () => {
    kube = await startKube();
  });
  after(() => kube?.stop());

  test('start: etcd, kube-apiserver and kube-controller-manager run; the admin kubeconfig reaches a ready API server over TLS', async () => {
    const state = JSON.parse(readFileSync(path.join(kube.dir, 'state.json'), 'utf8')) as State;
    assert.deepEqual(
      state.processes.map((p) => [p.name, alive(p.pid, p.program)]),
      [
        ['etcd', true],
        ['kube-apiserver', true],
        ['kube-controller-manager', true],
      ],
    );
    assert.match(kube.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ready = await kube.kubectl(['get', '--raw', '/readyz']);
    assert.equal(ready.stdout, 'ok');
    const version = JSON.parse((await kube.kubectl(['version', '-o', 'json'])).stdout) as { serverVersion: { gitVersion: string } };
    assert.equal(version.serverVersion.gitVersion, 'v1.37.2');
    const whoami = JSON.parse((await kube.kubectl(['auth', 'whoami', '-o', 'json'])).stdout) as {
      status: { userInfo: { groups: string[] } };
    };
    assert.ok(whoami.status.userInfo.groups.includes('system:masters'));
  });

  test('RBAC is on: a ServiceAccount token authenticates, and may do only what a binding grants', async () => {
    await kube.namespace('rbac');
    assert.equal((await kube.kubectl(['-n', 'rbac', 'create', 'serviceaccount', 'reader'])).code, 0);
    const token = (await kube.kubectl(['-n', 'rbac', 'create', 'token', 'reader'])).stdout.trim();
    const config = writeContexts([{ name: 'reader', server: kube.url, ca: kube.ca, token }]);
    try {
      const as = (...args: string[]) => kube.kubectl(['--kubeconfig', config, ...args]);
      const denied = await as('-n', 'rbac', 'get', 'pods');
      assert.notEqual(denied.code, 0);
      assert.match(denied.stderr, /pods is forbidden: User "system:serviceaccount:rbac:reader" cannot list resource "pods"/);
      await kube.kubectl(['-n', 'rbac', 'create', 'role', 'pods', '--verb=list', '--resource=pods']);
      await kube.kubectl(['-n', 'rbac', 'create', 'rolebinding', 'pods', '--role=pods', '--serviceaccount=rbac:reader']);
      await eventually('the binding to take effect', async () => ((await as('-n', 'rbac', 'get', 'pods')).code === 0 ? true : undefined));
      assert.notEqual((await as('get', 'pods', '-A')).code, 0, 'other namespaces stay forbidden');
    } finally {
      rmSync(path.dirname(config), { recursive: true, force: true });
    }
  });

  test('the controller manager makes the ReplicaSet and the Pods of a Deployment, with owner references', async () => {
    await kube.namespace('ctl');
    await kube.apply(
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: web, namespace: ctl}',
        'spec:',
        '  replicas: 2',
        '  selector: {matchLabels: {app: web}}',
        '  template:',
        '    metadata: {labels: {app: web}}',
        '    spec: {containers: [{name: web, image: "nginx:1.27"}]}',
      ].join('\n'),
    );
    const pods = await kube.runPods('ctl', { count: 2 });
    const owners = pods.map((p: Pod) => p.metadata.ownerReferences?.[0]);
    assert.ok(owners.every((o) => o?.kind === 'ReplicaSet' && o.controller === true && o.name.startsWith('web-')));
    const rs = (await kube.request('GET', `/apis/apps/v1/namespaces/ctl/replicasets/${owners[0]!.name}`)).body as {
      metadata: { ownerReferences: { kind: string; name: string }[] };
    };
    assert.deepEqual(
      rs.metadata.ownerReferences.map((o) => `${o.kind}/${o.name}`),
      ['Deployment/web'],
    );
    assert.deepEqual(
      pods.map((p) => p.status?.containerStatuses?.[0]?.imageID.replace(/@.*/, '')),
      ['docker.io/library/nginx', 'docker.io/library/nginx'],
      'the status written as containerd reports it',
    );
  });

  test('start on a folder whose control plane runs is refused; stop ends every process, and a second stop does nothing', async () => {
    const refused = await execFileAsync(process.execPath, [KUBE, 'start', kube.dir]).catch((e: { code: number; stderr: string }) => e);
    assert.equal((refused as { code: number }).code, 1);
    assert.match((refused as { stderr: string }).stderr, /a control plane already runs for .*; stop it first/);

    const dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-kube-stop-'));
    try {
      const { stdout } = await execFileAsync(process.execPath, [KUBE, 'start', dir]);
      assert.match(stdout, /^started in \d+\.\d s: https:\/\/127\.0\.0\.1:\d+, .*admin\.kubeconfig\n$/);
      assert.ok(existsSync(path.join(dir, 'admin.kubeconfig')));
      const state = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as State;
      assert.equal(state.processes.length, 3);
      await execFileAsync(process.execPath, [KUBE, 'stop', dir]);
      assert.deepEqual(
        state.processes.filter((p) => alive(p.pid, p.program)),
        [],
      );
      await execFileAsync(process.execPath, [KUBE, 'stop', dir]);
    } finally {
      await execFileAsync(process.execPath, [KUBE, 'stop', dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
