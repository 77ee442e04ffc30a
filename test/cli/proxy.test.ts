// The command line behind a proxy: HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment, as
// curl, skopeo and Trivy take them. End to end through the built CLI (the proxy is set for the
// whole process) against the real registry and a counting forward proxy.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { environmentProxies } from '../../src/cli/proxy.js';
import { startProxy, type TestProxy } from '../support/proxy.js';
import { pushImage, startRegistry, type Registry } from '../support/registry.js';

const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');

describe('proxies from the environment', () => {
  test('lower case first, HTTPS through HTTP_PROXY when HTTPS_PROXY is not set, a bare host:port is http', () => {
    assert.deepEqual(environmentProxies({}), {});
    assert.deepEqual(environmentProxies({ HTTP_PROXY: 'proxy.example:3128' }), {
      http: { variable: 'HTTP_PROXY', url: 'http://proxy.example:3128' },
      https: { variable: 'HTTP_PROXY', url: 'http://proxy.example:3128' },
    });
    const both = environmentProxies({ https_proxy: 'http://a.example:1', HTTPS_PROXY: 'http://b.example:2', http_proxy: ' ' });
    assert.deepEqual(both, { https: { variable: 'https_proxy', url: 'http://a.example:1' } });
  });

  test('a value that is not a proxy URL is said with its variable, never its value (it may hold a password)', () => {
    assert.throws(
      () => environmentProxies({ HTTPS_PROXY: 'socks9://user:s3cret@[bad' }),
      (error: Error) => {
        assert.match(error.message, /^HTTPS_PROXY is not a proxy URL/);
        assert.ok(!error.message.includes('s3cret'));
        return true;
      },
    );
  });

  describe('the built CLI', () => {
    let registry: Registry;
    let proxy: TestProxy;
    let home: string;

    before(async () => {
      assert.ok(existsSync(CLI), 'run `npm run build` first');
      registry = await startRegistry();
      for (const tag of ['1.0', '1.1']) await pushImage(registry, 'team/app', tag, { content: `app ${tag}` });
      proxy = await startProxy();
      home = mkdtempSync(path.join(os.tmpdir(), 'shipshape-proxy-home-'));
    });
    after(async () => {
      await proxy?.close();
      await registry?.stop();
    });

    // Not spawnSync: the proxy answers from this process, whose event loop must keep running.
    const run = (env: Record<string, string>) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [CLI, 'tags', `${registry.host}/team/app`, '--format', 'json'],
          { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', HOME: home, ...env }, timeout: 30_000 },
          (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
        );
      });

    test('asks the registry through HTTP_PROXY, and directly for a host NO_PROXY names', async () => {
      const through = await run({ HTTP_PROXY: proxy.url });
      assert.equal(through.status, 0, through.stderr);
      assert.deepEqual((JSON.parse(through.stdout) as { tags: { tag: string }[] }).tags.map((t) => t.tag).sort(), ['1.0', '1.1']);
      assert.ok(proxy.targets.includes(registry.host), proxy.targets.join(', '));
      const before = proxy.targets.length;
      const direct = await run({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
      assert.equal(direct.status, 0, direct.stderr);
      assert.equal(proxy.targets.length, before, 'NO_PROXY: not through the proxy');
    });

    test('a proxy that cannot be reached is said: what was asked, and the address that refused (the proxy)', async () => {
      const unreachable = await run({ HTTP_PROXY: 'http://127.0.0.1:9' });
      assert.notEqual(unreachable.status, 0);
      assert.match(unreachable.stderr, /team\/app: the connection at 127\.0\.0\.1:9 was refused \(is the registry, or the proxy/);
    });

    test('a proxy variable that is not a URL stops the run at once, exit 2', async () => {
      const bad = await run({ HTTPS_PROXY: 'ftp://proxy.example' });
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /^shipshape: HTTPS_PROXY is not a proxy URL/);
    });
  });
});
