// `shipshape scan` asking a real registry (docker-registry on loopback, token auth) for images'
// configured users: verdicts in a Dockerfile, a manifest (the will-not-start case) and a Compose
// file; where each came from in JSON; the answers kept on disk so that a second run asks nothing;
// --platform; --offline and --no-registry asking nothing; a registry that cannot answer said once.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { JsonReport } from '../../src/core/index.js';
import { runCli } from '../support/cli.js';
import { fault, pushImage, pushIndex, startFaultServer, startRegistry, type FaultServer, type Registry } from '../support/registry.js';

const PASSWORD = 'us3rs-pw';

describe('shipshape scan: images’ own users from their registry', () => {
  let registry: Registry;
  let front: FaultServer;
  let root: string;
  let home: string;
  const saved = { DOCKER_CONFIG: process.env['DOCKER_CONFIG'], SHIPSHAPE_CACHE_DIR: process.env['SHIPSHAPE_CACHE_DIR'] };

  before(async () => {
    registry = await startRegistry({ auth: 'token', users: { bob: PASSWORD }, anonymousPull: false });
    // Every request the registry gets passes this proxy, so that a run's requests can be counted.
    front = await startFaultServer(fault.proxy(registry.url));
    for (const [tag, user] of Object.entries({ none: undefined, zero: '0', root: 'root', uid: '1000', app: 'app' }))
      await pushImage(registry, 'team/img', tag, { content: tag, ...(user !== undefined && { user }) });
    await pushIndex(registry, 'team/multi', '1', ['linux/amd64', 'linux/arm64'], { users: ['0', '1000'] });
    home = mkdtempSync(path.join(os.tmpdir(), 'shipshape-users-home-'));
    const auth = Buffer.from(`bob:${PASSWORD}`).toString('base64');
    writeFileSync(path.join(home, 'config.json'), JSON.stringify({ auths: { [front.host]: { auth } } }));
    process.env['DOCKER_CONFIG'] = home;
    const image = (tag: string) => `${front.host}/team/img:${tag}`;
    root = mkdtempSync(path.join(os.tmpdir(), 'shipshape-users-'));
    writeFileSync(path.join(root, 'Dockerfile'), `FROM ${image('uid')}\nRUN true\n`);
    writeFileSync(path.join(root, 'root.Dockerfile'), `FROM ${image('none')}\n`);
    writeFileSync(path.join(root, 'multi.Dockerfile'), `FROM ${front.host}/team/multi:1\n`);
    writeFileSync(
      path.join(root, 'deploy.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: web}',
        'spec:',
        '  template:',
        '    spec:',
        '      securityContext: {runAsNonRoot: true}',
        '      containers:',
        `        - {name: named, image: "${image('app')}"}`,
        `        - {name: zero, image: "${image('zero')}"}`,
        `        - {name: uid, image: "${image('uid')}"}`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(root, 'compose.yaml'),
      ['services:', '  db:', `    image: ${image('root')}`, '  api:', `    image: ${image('uid')}`, ''].join('\n'),
    );
  });
  after(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await front.stop();
    await registry.stop();
    rmSync(root, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  async function scan(extra: readonly string[] = []): Promise<{ report: JsonReport; requests: number; stderr: string }> {
    const start = front.requests().length;
    // Trivy is not what this is about: it is missing here, which the report says once; the users are still read.
    const run = await runCli(['scan', '--format', 'json', '--fail-on', 'none', '--trivy', '/nonexistent/trivy', ...extra, root]);
    return { report: JSON.parse(run.stdout) as JsonReport, requests: front.requests().length - start, stderr: run.stderr };
  }

  function verdicts(report: JsonReport): string[] {
    return report.findings
      .filter((f) => f.rule === 'root-user')
      .map((f) => `${path.basename(f.file)}:${f.line} ${f.reason}${f.userFrom ? ` (${f.userFrom})` : ''}`)
      .sort();
  }

  test('each verdict the files leave open is settled from the image config, and says so', async () => {
    process.env['SHIPSHAPE_CACHE_DIR'] = mkdtempSync(path.join(os.tmpdir(), 'shipshape-users-cache-'));
    const offline = await runCli(['scan', '--offline', '--format', 'json', '--fail-on', 'none', root]);
    assert.deepEqual(verdicts(JSON.parse(offline.stdout) as JsonReport), [
      'Dockerfile:1 implicit',
      'multi.Dockerfile:1 implicit',
      'root.Dockerfile:1 implicit',
    ]);
    const { report, requests } = await scan();
    assert.deepEqual(verdicts(report), [
      'compose.yaml:3 implicit (image-config)',
      'deploy.yaml:10 will-not-start (image-config)',
      'deploy.yaml:9 will-not-start (image-config)',
      'multi.Dockerfile:1 implicit (image-config)',
      'root.Dockerfile:1 implicit (image-config)',
    ]);
    const messages = report.findings.filter((f) => f.rule === 'root-user').map((f) => f.message);
    assert.ok(messages.some((m) => /Container `named` will not start.*is a name, not a UID.*`app`/.test(m)));
    assert.ok(messages.some((m) => /Container `zero` will not start.*runs as root \(its configured user is `0`/.test(m)));
    assert.ok(messages.some((m) => /Service `db`.*runs as root \(its configured user is `root`/.test(m)));
    assert.ok(requests > 0);
  });

  test('a second run asks the registry nothing: the users are on disk, shared with the editor', async () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'shipshape-users-cache-'));
    process.env['SHIPSHAPE_CACHE_DIR'] = cache;
    const first = await scan();
    assert.ok(first.requests > 0);
    assert.ok(readFileSync(path.join(cache, 'users.json'), 'utf8').includes('"1000"'));
    const second = await scan();
    assert.equal(second.requests, 0);
    assert.deepEqual(verdicts(second.report), verdicts(first.report));
  });

  test('--platform reads another image of a multi-platform index', async () => {
    process.env['SHIPSHAPE_CACHE_DIR'] = mkdtempSync(path.join(os.tmpdir(), 'shipshape-users-cache-'));
    const { report } = await scan(['--platform', 'linux/arm64']);
    assert.ok(!verdicts(report).some((v) => v.startsWith('multi.Dockerfile')), 'its arm64 image runs as 1000');
  });

  test('--offline and --no-registry ask nothing', async () => {
    process.env['SHIPSHAPE_CACHE_DIR'] = mkdtempSync(path.join(os.tmpdir(), 'shipshape-users-cache-'));
    assert.equal((await scan(['--no-registry'])).requests, 0);
    const start = front.requests().length;
    await runCli(['scan', '--offline', '--format', 'json', root]);
    assert.equal(front.requests().length - start, 0);
  });

  test("a chart's and a kustomization's containers are settled by their images' users, as a manifest's are", async () => {
    process.env['SHIPSHAPE_CACHE_DIR'] = mkdtempSync(path.join(os.tmpdir(), 'shipshape-users-cache-'));
    const project = mkdtempSync(path.join(os.tmpdir(), 'shipshape-users-project-'));
    try {
      const chart = path.join(project, 'chart');
      mkdirSync(path.join(chart, 'templates'), { recursive: true });
      writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: web\nversion: 1.0.0\n');
      writeFileSync(
        path.join(chart, 'values.yaml'),
        [`api: {repository: ${front.host}/team/img, tag: uid}`, `db: {repository: ${front.host}/team/img, tag: root}`, ''].join('\n'),
      );
      writeFileSync(
        path.join(chart, 'templates', 'deployment.yaml'),
        [
          'apiVersion: apps/v1',
          'kind: Deployment',
          'metadata: {name: {{ .Release.Name }}}',
          'spec:',
          '  template:',
          '    spec:',
          '      containers:',
          '        - name: api',
          '          image: "{{ .Values.api.repository }}:{{ .Values.api.tag }}"',
          '        - name: db',
          '          image: "{{ .Values.db.repository }}:{{ .Values.db.tag }}"',
          '',
        ].join('\n'),
      );
      const overlay = path.join(project, 'overlay');
      mkdirSync(overlay);
      writeFileSync(
        path.join(overlay, 'kustomization.yaml'),
        `resources: [app.yaml]\nimages:\n  - {name: app, newName: ${front.host}/team/img, newTag: uid}\n`,
      );
      writeFileSync(
        path.join(overlay, 'app.yaml'),
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: app, image: app}\n',
      );
      const offline = JSON.parse(
        (await runCli(['scan', '--offline', '--format', 'json', '--fail-on', 'none', project])).stdout,
      ) as JsonReport;
      assert.deepEqual(verdicts(offline), ['app.yaml:8 implicit', 'deployment.yaml:10 implicit', 'deployment.yaml:8 implicit']);
      const run = await runCli(['scan', '--format', 'json', '--fail-on', 'none', '--trivy', '/nonexistent/trivy', project]);
      const report = JSON.parse(run.stdout) as JsonReport;
      // The api's image and the overlay's run as 1000; the db's as root, which its message now says.
      assert.deepEqual(verdicts(report), ['deployment.yaml:10 implicit (image-config)']);
      assert.match(report.findings.find((f) => f.rule === 'root-user')!.message, /Container `db` runs as root.*configured user is `root`/);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  test('a registry that cannot be reached is said once, and the verdicts stay as the files say', async () => {
    process.env['SHIPSHAPE_CACHE_DIR'] = mkdtempSync(path.join(os.tmpdir(), 'shipshape-users-cache-'));
    const dead = await startFaultServer(fault.proxy(registry.url));
    const host = dead.host;
    await dead.stop();
    const gone = mkdtempSync(path.join(os.tmpdir(), 'shipshape-users-gone-'));
    try {
      writeFileSync(path.join(gone, 'a.Dockerfile'), `FROM ${host}/team/img:uid\n`);
      writeFileSync(path.join(gone, 'b.Dockerfile'), `FROM ${host}/team/img:app\n`);
      const run = await runCli(['scan', '--format', 'json', '--fail-on', 'none', '--trivy', '/nonexistent/trivy', gone]);
      const report = JSON.parse(run.stdout) as JsonReport;
      assert.equal(report.findings.filter((f) => f.rule === 'root-user' && f.userFrom === undefined).length, 2);
      const said = report.errors.filter((e) => /configured user/.test(e.message));
      assert.equal(said.length, 1, JSON.stringify(report.errors));
      assert.match(said[0]!.message, new RegExp(`2 images of ${host.replace(/[.]/g, '\\.')} could not be read.*--no-registry`));
    } finally {
      rmSync(gone, { recursive: true, force: true });
    }
  });
});
