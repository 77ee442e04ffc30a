// `shipshape pin` against a real registry on loopback.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/cli.js';
import { moveTag, pushImage, pushIndex, startRegistry, type Registry } from '../support/registry.js';

let registry: Registry;
let dir: string;
const digests: Record<string, string> = {};

const cli = (args: readonly string[]) => runCli(args);

function files(host: string): Record<string, string> {
  return {
    Dockerfile:
      `ARG BASE=${host}/team/base:1.0\nFROM \${BASE} AS build\nRUN make\n\n# the runtime image\nFROM --platform=linux/amd64 ` +
      `${host}/team/runtime:2 AS final\nUSER 1000\n`,
    'k8s/app.yaml':
      `apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  securityContext: {runAsNonRoot: true}\n  containers:\n    - name: ` +
      `app\n      image: "${host}/team/runtime:2" # same image\n    - {name: side, image: ${host}/team/multi:3}\n`,
  };
}

describe('shipshape pin', () => {
  before(async () => {
    registry = await startRegistry();
    digests.base = (await pushImage(registry, 'team/base', '1.0')).digest;
    digests.runtime = (await pushImage(registry, 'team/runtime', '2')).digest;
    digests.multi = (await pushIndex(registry, 'team/multi', '3', ['linux/amd64', 'linux/arm64'])).digest;
    dir = mkdtempSync(path.join(os.tmpdir(), 'shipshape-pin-'));
    mkdirSync(path.join(dir, 'k8s'));
    for (const [name, text] of Object.entries(files(registry.host))) writeFileSync(path.join(dir, name), text);
  });
  after(async () => {
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('prints the changes, and --check fails while something is unpinned, without touching files', async () => {
    const before = readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
    const printed = await cli(['pin', dir]);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(
      printed.stdout,
      new RegExp(`Dockerfile:1:10  ${registry.host}/team/base:1\\.0 -> ${registry.host}/team/base:1\\.0@${digests.base}`),
    );
    assert.match(printed.stdout, /4 to pin, 0 stale pins\./);
    const check = await cli(['pin', '--check', dir]);
    assert.equal(check.code, 1);
    assert.equal(readFileSync(path.join(dir, 'Dockerfile'), 'utf8'), before);
  });

  test('--write pins in place: only the references change, the ARG default for FROM ${BASE}', async () => {
    const mode = statSync(path.join(dir, 'Dockerfile')).mode;
    const written = await cli(['pin', '--write', dir]);
    assert.equal(written.code, 0, written.stderr);
    const expected = files(registry.host);
    const h = registry.host;
    assert.equal(
      readFileSync(path.join(dir, 'Dockerfile'), 'utf8'),
      expected['Dockerfile']!.replace(`ARG BASE=${h}/team/base:1.0`, `ARG BASE=${h}/team/base:1.0@${digests.base}`).replace(
        `FROM --platform=linux/amd64 ${h}/team/runtime:2 AS final`,
        `FROM --platform=linux/amd64 ${h}/team/runtime:2@${digests.runtime} AS final`,
      ),
    );
    assert.equal(
      readFileSync(path.join(dir, 'k8s/app.yaml'), 'utf8'),
      expected['k8s/app.yaml']!.replace(`"${h}/team/runtime:2"`, `"${h}/team/runtime:2@${digests.runtime}"`).replace(
        `image: ${h}/team/multi:3}`,
        `image: ${h}/team/multi:3@${digests.multi}}`,
      ),
    );
    assert.equal(statSync(path.join(dir, 'Dockerfile')).mode, mode);
    const check = await cli(['pin', '--check', dir]);
    assert.equal(check.code, 0, check.stdout);
    assert.match(check.stdout, /0 to pin, 0 stale pins\./);
  });

  test('a pin whose tag has moved is stale for --check and updated by --write', async () => {
    const moved = await moveTag(registry, 'team/runtime', '2', { content: 'patched' });
    const check = await cli(['pin', '--check', dir]);
    assert.equal(check.code, 1);
    assert.match(check.stdout, /tag moved: @sha256:[0-9a-f]{12}… -> /);
    assert.match(check.stdout, /0 to pin, 2 stale pins\./);
    await cli(['pin', '--write', dir]);
    assert.ok(readFileSync(path.join(dir, 'k8s/app.yaml'), 'utf8').includes(`runtime:2@${moved.digest}`));
    assert.equal((await cli(['pin', '--check', dir])).code, 0);
  });

  test("--platform pins a multi-platform image to that platform's manifest", async () => {
    const other = mkdtempSync(path.join(os.tmpdir(), 'shipshape-pin-'));
    try {
      writeFileSync(path.join(other, 'Dockerfile'), `FROM ${registry.host}/team/multi:3\nUSER 1\n`);
      const index = await pushIndex(registry, 'team/multi', '3', ['linux/amd64', 'linux/arm64']);
      await cli(['pin', '--write', '--platform', 'linux/arm64', other]);
      assert.equal(
        readFileSync(path.join(other, 'Dockerfile'), 'utf8'),
        `FROM ${registry.host}/team/multi:3@${index.images[1]!.digest}\nUSER 1\n`,
      );
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test('an image that cannot be resolved is said, with exit 2; nothing is written for it', async () => {
    const other = mkdtempSync(path.join(os.tmpdir(), 'shipshape-pin-'));
    try {
      writeFileSync(path.join(other, 'Dockerfile'), `FROM ${registry.host}/team/nothing:1\nUSER 1\n`);
      const run = await cli(['pin', '--write', other]);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /Dockerfile:1: Could not resolve .*team\/nothing:1: the tag does not exist/);
      assert.equal(readFileSync(path.join(other, 'Dockerfile'), 'utf8'), `FROM ${registry.host}/team/nothing:1\nUSER 1\n`);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test('a kustomization: --write adds digest: to the images: entry that decides the image; the base stays as written', async () => {
    const other = mkdtempSync(path.join(os.tmpdir(), 'shipshape-pin-'));
    const pushed = await pushImage(registry, 'team/kustomized', '2');
    try {
      const base = `apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  securityContext: {runAsNonRoot: true}\n  containers:\n    - {name: app, image: ${registry.host}/team/kustomized:1}\n`;
      const overlay = `resources:\n  - ../base\nimages:\n  - name: ${registry.host}/team/kustomized\n    newTag: "2"\n`;
      mkdirSync(path.join(other, 'base'));
      mkdirSync(path.join(other, 'prod'));
      writeFileSync(path.join(other, 'base', 'pod.yaml'), base);
      writeFileSync(path.join(other, 'base', 'kustomization.yaml'), 'resources:\n  - pod.yaml\n');
      writeFileSync(path.join(other, 'prod', 'kustomization.yaml'), overlay);
      const run = await cli(['pin', '--write', path.join(other, 'prod')]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(readFileSync(path.join(other, 'prod', 'kustomization.yaml'), 'utf8'), `${overlay}    digest: ${pushed.digest}\n`);
      assert.equal(readFileSync(path.join(other, 'base', 'pod.yaml'), 'utf8'), base);
      // Pinned: nothing left to pin, and the scan reports the kustomization's image as pinned.
      assert.equal((await cli(['pin', '--check', path.join(other, 'prod')])).code, 0);
      const scan = JSON.parse((await cli(['scan', '--offline', '--format', 'json', other])).stdout) as {
        images: { source: string; reference: string; pinned: boolean }[];
        findings: { rule: string }[];
      };
      assert.deepEqual(
        scan.images.filter((i) => i.source === 'kustomize').map((i) => [i.reference, i.pinned]),
        [[`${registry.host}/team/kustomized:2@${pushed.digest}`, true]],
      );
      assert.deepEqual(
        scan.findings.map((f) => f.rule),
        [],
        'the base image is settled by the only kustomization including it',
      );
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test("a parent chart's override: --write adds digest: to the parent's mapping of the subchart (valid YAML), the subchart stays as written", async () => {
    const other = mkdtempSync(path.join(os.tmpdir(), 'shipshape-pin-'));
    const fixture = path.join(__dirname, '..', 'fixtures', 'charts', 'parent-override');
    const sub = await pushImage(registry, 'library/nginx', '1.27');
    const mirror = await pushImage(registry, 'mirror/nginx', '1.0');
    try {
      // The fixture, with its images on the test registry.
      const copy = (name: string, change = (text: string) => text) => {
        mkdirSync(path.dirname(path.join(other, name)), { recursive: true });
        writeFileSync(path.join(other, name), change(readFileSync(path.join(fixture, name), 'utf8')));
      };
      copy('Chart.yaml');
      copy('values.yaml', (text) => text.replace('registry.example/', `${registry.host}/`));
      copy('charts/sub/Chart.yaml');
      copy('charts/sub/values.yaml', (text) => text.replace('repository: nginx', `repository: ${registry.host}/library/nginx`));
      copy('charts/sub/templates/deployment.yaml');
      const subValues = readFileSync(path.join(other, 'charts', 'sub', 'values.yaml'), 'utf8');
      const parentValues = readFileSync(path.join(other, 'values.yaml'), 'utf8');
      const run = await cli(['pin', '--write', other]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /2 to pin, 0 stale pins: written\./);
      assert.equal(
        readFileSync(path.join(other, 'values.yaml'), 'utf8'),
        parentValues
          .replace('{tag: "1.27"}', `{tag: "1.27", digest: ${sub.digest}}`)
          .replace(
            `repository: ${registry.host}/mirror/nginx\n`,
            `repository: ${registry.host}/mirror/nginx\n    digest: ${mirror.digest}\n`,
          ),
      );
      assert.equal(readFileSync(path.join(other, 'charts', 'sub', 'values.yaml'), 'utf8'), subValues);
      assert.equal((await cli(['pin', '--check', other])).code, 0);
      const scan = JSON.parse((await cli(['scan', '--offline', '--format', 'json', other])).stdout) as {
        images: { source: string; reference: string; pinned: boolean }[];
        errors: unknown[];
      };
      assert.deepEqual(scan.errors, []);
      assert.deepEqual(
        scan.images
          .filter((i) => i.source === 'helm')
          .map((i) => [i.reference, i.pinned])
          .sort(),
        [
          [`${registry.host}/library/nginx@${sub.digest}`, true],
          [`${registry.host}/mirror/nginx@${mirror.digest}`, true],
        ],
      );
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  test('usage errors', async () => {
    assert.equal((await cli(['pin', '--write', '--check', dir])).code, 2);
    assert.equal((await cli(['pin', '--platform', 'arm64', dir])).code, 2);
    assert.equal((await cli(['pin', '--help'])).code, 0);
  });
});
