// Cluster benchmark: 5,000 pods with 300 distinct images on the test API server, read by
// Shipshape (enumeration and deduplication) and by `kubectl get pods -A -o json`, each in a process
// of its own: wall time and peak memory, in the same run.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { generatePods, startApiServer, writeKubeconfig } from '../test/support/apiServer.js';

const REPO = path.resolve(__dirname, '..');

/** Runs a command, returning its stdout, wall time and peak resident memory (VmHWM, sampled). */
function measure(file: string, args: string[]): Promise<{ stdout: string; ms: number; peakKb: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    let peakKb = 0;
    const sample = () => {
      try {
        const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
      } catch {
        // it has exited
      }
    };
    const timer = setInterval(sample, 20);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      sample();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`${file} exited with ${code}`));
      else resolve({ stdout, ms: performance.now() - started, peakKb });
    });
  });
}

export async function clusterBenchmark(): Promise<void> {
  const server = await startApiServer({ pods: generatePods({ count: 5000, distinctImages: 300, namespaces: 20, seed: 'bench' }) });
  try {
    const kubeconfig = writeKubeconfig(server);
    const child = path.join(REPO, '.e2e', 'bench', 'cluster-child.js');
    await esbuild.build({
      entryPoints: [path.join(REPO, 'bench', 'clusterChild.ts')],
      outfile: child,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'warning',
    });
    const kubectl = await measure('kubectl', ['--kubeconfig', kubeconfig, 'get', 'pods', '-A', '-o', 'json']);
    const pods = (JSON.parse(kubectl.stdout) as { items: unknown[] }).items.length;
    const ours = await measure(process.execPath, [child, kubeconfig]);
    const result = JSON.parse(ours.stdout) as { pods: number; images: number; maxRssKb: number };
    if (result.pods !== pods) throw new Error(`bench: Shipshape read ${result.pods} pods, kubectl ${pods}`);
    const ratio = ours.ms / kubectl.ms;
    const peak = Math.max(ours.peakKb, result.maxRssKb);
    console.log(
      `list ${pods} pods (${result.images} distinct images): ${ratio.toFixed(2)}x baseline (kubectl get pods -A -o json ${kubectl.ms.toFixed(0)} ms, ` +
        `Shipshape ${ours.ms.toFixed(0)} ms; target <= 1x${ratio <= 1 ? '' : ', MISSED'}); peak memory ${(peak / 1024).toFixed(0)} MiB against ` +
        `kubectl's ${(kubectl.peakKb / 1024).toFixed(0)} MiB (${(peak / kubectl.peakKb).toFixed(2)}x)`,
    );
  } finally {
    await server.stop();
  }
}
