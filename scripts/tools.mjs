// The real engines the tests and benchmarks drive, built from their Go sources at pinned releases
// into one cache folder, once, and reused after.
//
//   node scripts/tools.mjs which NAME      # prints the tool's path, building it first when missing
//   node scripts/tools.mjs build [NAME…]   # builds the named tools (all when none is named)
//   node scripts/tools.mjs list            # name, version, module and whether it is built
//
// These command lines are a contract: tests, benchmarks and other scripts ask `which` and never
// hard-code a path. A tool lives in `${SHIPSHAPE_TOOLS:-~/.cache/shipshape/tools}/<name>-<version>/`.
// The build runs `go install MODULE/cmd/NAME@VERSION` (argument arrays, no shell), or `go build` in
// a Go module of the repository for a tool that cannot be installed as a module (the Kubernetes
// control plane: tools/kube/), into a temporary folder beside the final one, which is renamed into
// place when the build succeeds, so an interrupted build never leaves a half-written tool; a lock
// folder keeps two processes (two test files starting together) from building the same tool at
// once. Everything is logged to stderr; stdout carries only the answer.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every tool: the Go package that builds it and the release it is pinned to. */
export const TOOLS = {
  helm: { module: 'helm.sh/helm/v4', pkg: 'helm.sh/helm/v4/cmd/helm', version: 'v4.3.2' },
  // Trivy imports encoding/json/v2, which Go 1.26 builds only under this experiment (its release
  // builds set it too). Its version is stamped at link time, as its releases do: `go install`
  // alone makes a Trivy that says it is version "dev".
  trivy: {
    module: 'github.com/aquasecurity/trivy',
    pkg: 'github.com/aquasecurity/trivy/cmd/trivy',
    version: 'v0.74.0',
    env: { GOEXPERIMENT: 'jsonv2' },
    ldflags: '-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=0.74.0',
  },
  // An older Trivy that still builds with Go 1.26, to test Shipshape against a release other than
  // the newest (what it reads of `trivy version`, its flags, its report).
  'trivy-v0.58': {
    module: 'github.com/aquasecurity/trivy',
    pkg: 'github.com/aquasecurity/trivy/cmd/trivy',
    version: 'v0.58.2',
    binary: 'trivy',
    ldflags: '-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=0.58.2',
  },
  // Ours (tools/trivy-db-writer): writes a Trivy database with trivy-db's own library, for
  // scripts/trivy-db.mjs. Its version is a hash of its sources, so an edit rebuilds it.
  'trivy-db-writer': { dir: 'tools/trivy-db-writer' },
  // The Kubernetes control plane (scripts/kube.mjs starts it) and the kubectl of the same release.
  // k8s.io/kubernetes cannot be installed as a module, so these build inside tools/kube/, a Go
  // module of ours that requires it and replaces its staging modules with their published versions.
  'kube-apiserver': kubernetes('kube-apiserver'),
  'kube-controller-manager': kubernetes('kube-controller-manager'),
  kubectl: kubernetes('kubectl'),
  // The etcd release that k8s.io/kubernetes v1.37.2 requires: its server module's main package.
  etcd: { module: 'go.etcd.io/etcd/server/v3', pkg: 'go.etcd.io/etcd/server/v3', version: 'v3.7.0', dir: 'tools/kube' },
};

/** A command of k8s.io/kubernetes, built in tools/kube/ with the version a release build stamps. */
function kubernetes(name) {
  const version = 'v1.37.2';
  const [major, minor] = version.slice(1).split('.');
  const stamp = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
    `-X ${pkg}.gitVersion=${version}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ]);
  return { module: 'k8s.io/kubernetes', pkg: `k8s.io/kubernetes/cmd/${name}`, version, dir: 'tools/kube', ldflags: stamp.join(' ') };
}

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A tool's version: its pinned release, or for one of ours a hash of its folder's sources. */
function versionOf(tool) {
  if (tool.version) return tool.version;
  const dir = path.join(REPO, tool.dir);
  const hash = createHash('sha256');
  for (const name of readdirSync(dir)
    .filter((n) => /^go\.(mod|sum)$|\.go$/.test(n))
    .sort()) {
    hash
      .update(`${name}\0`)
      .update(readFileSync(path.join(dir, name)))
      .update('\0');
  }
  return `src-${hash.digest('hex').slice(0, 12)}`;
}

const LOCK_STALE_MS = 60 * 60 * 1000;
const LOCK_POLL_MS = 2000;

const log = (message) => process.stderr.write(`[tools] ${message}\n`);

/** The folder every tool is built into. */
export function toolsRoot() {
  return process.env.SHIPSHAPE_TOOLS || path.join(os.homedir(), '.cache', 'shipshape', 'tools');
}

/** Where a tool's binary is (whether or not it is built yet). */
export function toolPath(name) {
  const tool = TOOLS[name];
  if (!tool) throw new Error(`unknown tool ${JSON.stringify(name)}: expected one of ${Object.keys(TOOLS).join(', ')}`);
  return path.join(toolsRoot(), `${name}-${versionOf(tool)}`, tool.binary ?? name);
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Whether the process that wrote a lock is gone (a build stopped midway leaves its lock behind). */
function holderGone(dir) {
  try {
    process.kill(Number(readFileSync(path.join(dir, 'pid'), 'utf8')), 0);
    return false;
  } catch (error) {
    // No pid file yet (just made), or a process that is not ours to signal: still held.
    return error.code === 'ESRCH';
  }
}

/** Takes the build lock of one tool, waiting for another process that holds it. */
function lock(dir) {
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      let age;
      try {
        age = Date.now() - statSync(dir).mtimeMs;
      } catch {
        continue;
      }
      if (age > LOCK_STALE_MS || holderGone(dir)) {
        log(`removing a stale lock ${dir}`);
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      sleep(LOCK_POLL_MS);
    }
  }
}

/** Builds one tool unless it is there; returns its path. */
export function build(name) {
  const target = toolPath(name);
  if (existsSync(target)) return target;
  const tool = TOOLS[name];
  const folder = path.dirname(target);
  mkdirSync(toolsRoot(), { recursive: true });
  const lockDir = `${folder}.lock`;
  lock(lockDir);
  try {
    if (existsSync(target)) return target;
    const go = spawnSync('go', ['version'], { encoding: 'utf8' });
    if (go.error || go.status !== 0) {
      throw new Error(`building ${name} needs Go 1.26 or later on PATH (go version: ${go.error?.message ?? go.stderr.trim()})`);
    }
    const staging = `${folder}.building`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    const started = Date.now();
    // A pinned release is `go install`ed; a tool of a Go module of ours is `go build`ed in its folder,
    // at the versions its go.mod pins.
    const flags = tool.ldflags ? [`-ldflags=${tool.ldflags}`] : [];
    const args = tool.dir
      ? ['build', ...flags, '-o', path.join(staging, path.basename(target)), tool.pkg ?? '.']
      : ['install', ...flags, `${tool.pkg}@${tool.version}`];
    log(`building ${name} ${versionOf(tool)} (${go.stdout.trim()}): go ${args.join(' ')}`);
    const result = spawnSync('go', args, {
      stdio: ['ignore', process.stderr, process.stderr],
      ...(tool.dir && { cwd: path.join(REPO, tool.dir) }),
      env: { ...process.env, ...tool.env, GOBIN: staging, CGO_ENABLED: process.env.CGO_ENABLED ?? '0', GOFLAGS: '-buildvcs=false' },
    });
    if (result.error || result.status !== 0) {
      rmSync(staging, { recursive: true, force: true });
      throw new Error(`go ${args.join(' ')} for ${name} failed (${result.error?.message ?? `exit ${result.status}`})`);
    }
    rmSync(folder, { recursive: true, force: true });
    renameSync(staging, folder);
    log(`built ${name} ${versionOf(tool)} in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
    return target;
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function main(argv) {
  const [command, ...names] = argv;
  if (command === 'which' && names.length === 1) {
    process.stdout.write(`${build(names[0])}\n`);
  } else if (command === 'build') {
    for (const name of names.length ? names : Object.keys(TOOLS)) process.stdout.write(`${build(name)}\n`);
  } else if (command === 'list') {
    for (const [name, tool] of Object.entries(TOOLS)) {
      process.stdout.write(`${name}\t${versionOf(tool)}\t${tool.pkg ?? tool.dir}\t${existsSync(toolPath(name)) ? 'built' : 'not built'}\n`);
    }
  } else {
    process.stderr.write('usage: node scripts/tools.mjs which NAME | build [NAME…] | list\n');
    process.exit(2);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    log(error.message);
    process.exit(1);
  }
}
