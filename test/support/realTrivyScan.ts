// `shipshape scan` with the real Trivy, as the client/server and database-mirror tests run it,
// and what those tests share around it:
//
//   const { registry, workspace } = await distroWorkspace(['alpine-3.19', 'debian-12']);  // images + a Dockerfile naming them
//   const run = await scanJson(['--server', url, workspace]);   // JSON report, no scan cache, no registry lookups
//   assert.deepEqual(findingRows(run.report), findingRows(standalone.report));
//
// Kept apart from realTrivy.ts, which the editor's tests bundle: this one loads the whole CLI.

import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from './cli';
import { pushDistroImage, type Rootfs } from './distroImages';
import { startRegistry, type Registry } from './registry';
import { realTrivy, tempFolder } from './realTrivy';
import type { JsonReport } from '../../src/core/index.js';

/** Each vulnerability of each image of a report, one sorted line each: what two scans must agree on. */
export function findingRows(report: JsonReport): string[] {
  return report.images
    .filter((i) => i.details)
    .flatMap((i) => i.details!.map((d) => `${i.raw} ${d.id} ${d.package} ${d.severity} ${d.fixed.join(',')}`))
    .sort();
}

/** `shipshape scan --format json` with the real Trivy, no scan cache, no registry lookups, never failing on findings. */
export async function scanJson(args: readonly string[]): Promise<{ code: number; report: JsonReport; stdout: string; stderr: string }> {
  const run = await runCli([
    'scan',
    '--format',
    'json',
    '--no-cache',
    '--no-registry',
    '--fail-on',
    'none',
    '--trivy',
    realTrivy(),
    ...args,
  ]);
  return { code: run.code, report: JSON.parse(run.stdout) as JsonReport, stdout: run.stdout, stderr: run.stderr };
}

/** The image of a rootfs folder on the registry: `shipshape/alpine:3.19` for `alpine-3.19`. */
export function distroImageName(rootfs: Rootfs): { repo: string; tag: string } {
  const [distribution, release] = rootfs.split('-') as [string, string];
  return { repo: `shipshape/${distribution}`, tag: release };
}

/**
 * A registry on loopback holding one image per rootfs (`shipshape/<distribution>:<release>`),
 * and a workspace folder (removed by realTrivy.ts's cleanUp) whose Dockerfile names them, one
 * stage each, the last with `USER 1000`.
 */
export async function distroWorkspace(rootfs: readonly Rootfs[]): Promise<{ registry: Registry; workspace: string }> {
  const registry = await startRegistry();
  const images = rootfs.map(distroImageName);
  await Promise.all(images.map(({ repo, tag }, i) => pushDistroImage(registry, repo, tag, { rootfs: rootfs[i]! })));
  const workspace = tempFolder('distro-workspace');
  const stages = images.map(({ repo, tag }, i) => `FROM ${registry.host}/${repo}:${tag}${i < images.length - 1 ? ` AS stage${i}` : ''}\n`);
  writeFileSync(path.join(workspace, 'Dockerfile'), `${stages.join('')}USER 1000\n`);
  return { registry, workspace };
}
