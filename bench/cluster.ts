// Cluster benchmarks against the real control plane (scripts/kube.mjs: etcd, kube-apiserver and
// the controller manager built from their sources), each side in a process of its own, in the same
// run: 5,000 running pods with 300 distinct images, read by Shipshape (enumeration and
// deduplication) and by `kubectl get pods -A -o json` of the same release (wall time and peak
// memory); and three API servers of 2,000 pods each read by Shipshape in one run (contexts listed
// together, images merged by digest, each asked of the scanner once: a scanner that answers at
// once, no Trivy) against kubectl run on each in turn. Creating the pods is not measured.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { podSpecs, startKube, toolPath, writeContexts, type Kube, type PodSpec } from '../test/support/kube.js';
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

/** A control plane with these pods, running, in their namespaces. */
async function seeded(pods: readonly PodSpec[]): Promise<Kube> {
  const kube = await startKube();
  try {
    await Promise.all([...new Set(pods.map((p) => p.namespace))].map((ns) => kube.namespace(ns)));
    await kube.createPods(pods, { running: true });
    return kube;
  } catch (error) {
    await kube.stop();
    throw error;
  }
}

/** The distinct digests of a set of pods (what Shipshape counts as images). */
const distinctImages = (pods: readonly PodSpec[]) => new Set(pods.flatMap((p) => p.containers.map((c) => c.image))).size;

async function oneCluster(): Promise<void> {
  const pods = podSpecs(5000, 300, 20);
  const kube = await seeded(pods);
  try {
    const kubectlPath = await toolPath('kubectl');
    const child = await bundleChild('clusterChild');
    const kubectl = await measure(kubectlPath, ['--kubeconfig', kube.kubeconfig, 'get', 'pods', '-A', '-o', 'json']);
    const listed = (JSON.parse(kubectl.stdout) as { items: unknown[] }).items.length;
    const ours = await measure(process.execPath, [child, kube.kubeconfig]);
    const result = JSON.parse(ours.stdout) as { pods: number; images: number; maxRssKb: number };
    if (result.pods !== listed) throw new Error(`bench: Shipshape read ${result.pods} pods, kubectl ${listed}`);
    if (result.images !== distinctImages(pods)) throw new Error(`bench: ${result.images} images, ${distinctImages(pods)} expected`);
    const ratio = ours.ms / kubectl.ms;
    const peak = Math.max(ours.peakKb, result.maxRssKb);
    console.log(
      `list ${listed} pods (${result.images} distinct images) on kube-apiserver v1.37.2: ${ratio.toFixed(2)}x baseline (kubectl get pods -A -o json ${kubectl.ms.toFixed(0)} ms, ` +
        `Shipshape ${ours.ms.toFixed(0)} ms; target <= 1x${ratio <= 1 ? '' : ', MISSED'}); peak memory ${(peak / 1024).toFixed(0)} MiB against ` +
        `kubectl's ${(kubectl.peakKb / 1024).toFixed(0)} MiB (${(peak / kubectl.peakKb).toFixed(2)}x)`,
    );
  } finally {
    await kube.stop();
  }
}

async function threeClusters(): Promise<void> {
  const names = ['east', 'west', 'north'];
  // The clusters share a part of their images (each starts 50 images after the one before).
  const sets = names.map((name, i) => podSpecs(2000, 150, 10, name, i * 50));
  // One after the other: three API servers starting at once on a small machine only wait on each other.
  const servers: Kube[] = [];
  try {
    for (const pods of sets) servers.push(await seeded(pods));
    const kubeconfig = writeContexts(
      names.map((name, i) => ({ name, server: servers[i]!.url, ca: servers[i]!.ca, token: servers[i]!.token })),
    );
    const kubectlPath = await toolPath('kubectl');
    const child = await bundleChild('clusterChild');
    let kubectlMs = 0;
    let kubectlPods = 0;
    let kubectlPeakKb = 0;
    for (const name of names) {
      const kubectl = await measure(kubectlPath, ['--kubeconfig', kubeconfig, '--context', name, 'get', 'pods', '-A', '-o', 'json']);
      kubectlMs += kubectl.ms;
      kubectlPods += (JSON.parse(kubectl.stdout) as { items: unknown[] }).items.length;
      kubectlPeakKb = Math.max(kubectlPeakKb, kubectl.peakKb);
    }
    const ours = await measure(process.execPath, [child, kubeconfig, 'all']);
    const result = JSON.parse(ours.stdout) as { pods: number; images: number; asked: number; askedDistinct: number; maxRssKb: number };
    if (result.pods !== kubectlPods)
      throw new Error(`bench: Shipshape read ${result.pods} pods of the three clusters, kubectl ${kubectlPods}`);
    if (result.asked !== result.images) throw new Error(`bench: ${result.images} distinct images, ${result.asked} asked of the scanner`);
    const perCluster = sets.reduce((sum, pods) => sum + distinctImages(pods), 0);
    const ratio = ours.ms / kubectlMs;
    const peak = Math.max(ours.peakKb, result.maxRssKb);
    console.log(
      `three clusters x 2,000 pods in one run: ${ratio.toFixed(2)}x baseline (kubectl get pods -A -o json on each, summed ` +
        `${kubectlMs.toFixed(0)} ms, Shipshape ${ours.ms.toFixed(0)} ms; target <= 1x${ratio <= 1 ? '' : ', MISSED'}); ${result.pods} pods, ` +
        `${result.images} distinct images over the three (${perCluster} counted cluster by cluster), each asked of the scanner once ` +
        `(one that answers at once: no Trivy run); peak memory ${(peak / 1024).toFixed(0)} MiB against kubectl's ${(kubectlPeakKb / 1024).toFixed(0)} MiB`,
    );
    rmSync(path.dirname(kubeconfig), { recursive: true, force: true });
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
