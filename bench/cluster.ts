// Cluster benchmarks, each side in a process of its own, in the same run: 5,000 pods with 300
// distinct images on the test API server, read by Shipshape (enumeration and deduplication) and by
// `kubectl get pods -A -o json` (wall time and peak memory); and three clusters of 2,000 pods each
// read by Shipshape in one run (contexts listed together, images merged by digest, each asked of
// the scanner once: a scanner that answers at once, no Trivy) against kubectl run on each in turn.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expectedImages, generatePods, startApiServer, writeClustersKubeconfig, writeKubeconfig } from '../test/support/apiServer.js';
import { bundleChild } from './child.js';

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
  await oneCluster();
  await threeClusters();
}

async function oneCluster(): Promise<void> {
  const server = await startApiServer({ pods: generatePods({ count: 5000, distinctImages: 300, namespaces: 20, seed: 'bench' }) });
  try {
    const kubeconfig = writeKubeconfig(server);
    const child = await bundleChild('clusterChild');
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

async function threeClusters(): Promise<void> {
  const names = ['east', 'west', 'north'];
  const servers = await Promise.all(
    names.map((name) =>
      startApiServer({ pods: generatePods({ count: 2000, distinctImages: 150, namespaces: 10, seed: `bench-${name}` }) }),
    ),
  );
  try {
    const kubeconfig = writeClustersKubeconfig(names.map((name, i) => ({ name, server: servers[i]! })));
    const child = await bundleChild('clusterChild');
    let kubectlMs = 0;
    let kubectlPods = 0;
    let kubectlPeakKb = 0;
    for (const name of names) {
      const kubectl = await measure('kubectl', ['--kubeconfig', kubeconfig, '--context', name, 'get', 'pods', '-A', '-o', 'json']);
      kubectlMs += kubectl.ms;
      kubectlPods += (JSON.parse(kubectl.stdout) as { items: unknown[] }).items.length;
      kubectlPeakKb = Math.max(kubectlPeakKb, kubectl.peakKb);
    }
    const ours = await measure(process.execPath, [child, kubeconfig, 'all']);
    const result = JSON.parse(ours.stdout) as { pods: number; images: number; asked: number; askedDistinct: number; maxRssKb: number };
    if (result.pods !== kubectlPods)
      throw new Error(`bench: Shipshape read ${result.pods} pods of the three clusters, kubectl ${kubectlPods}`);
    if (result.asked !== result.images) throw new Error(`bench: ${result.images} distinct images, ${result.asked} asked of the scanner`);
    const perCluster = servers.reduce((sum, s) => sum + expectedImages(s.pods()).size, 0);
    const ratio = ours.ms / kubectlMs;
    const peak = Math.max(ours.peakKb, result.maxRssKb);
    console.log(
      `three clusters x 2,000 pods in one run: ${ratio.toFixed(2)}x baseline (kubectl get pods -A -o json on each, summed ` +
        `${kubectlMs.toFixed(0)} ms, Shipshape ${ours.ms.toFixed(0)} ms; target <= 1x${ratio <= 1 ? '' : ', MISSED'}); ${result.pods} pods, ` +
        `${result.images} distinct images over the three (${perCluster} counted cluster by cluster), each asked of the scanner once ` +
        `(one that answers at once: no Trivy run); peak memory ${(peak / 1024).toFixed(0)} MiB against kubectl's ${(kubectlPeakKb / 1024).toFixed(0)} MiB`,
    );
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
