// The kubeconfig and the Kubernetes client: @kubernetes/client-node is loaded on first use (it is
// a bundle of its own, dist/k8s.js), and a kubeconfig that cannot be used is one clear message.

import { messageOf } from './api.js';
import type { ClusterOptions } from './types.js';

/** The run itself failed: no cluster, a bad kubeconfig, expired credentials. One message, with what to do. */
export class ClusterUnavailable extends Error {}

export type K8s = typeof import('@kubernetes/client-node');
let k8sModule: Promise<K8s> | undefined;
export function loadK8s(): Promise<K8s> {
  k8sModule ??= import('@kubernetes/client-node');
  return k8sModule;
}

/** The kubeconfig files as the options name them (several merged, like KUBECONFIG). */
async function readKubeConfig(options: ClusterOptions): Promise<{ k8s: K8s; config: InstanceType<K8s['KubeConfig']> }> {
  const k8s = await loadK8s();
  const config = new k8s.KubeConfig();
  try {
    if (options.kubeconfig && options.kubeconfig.length > 0) {
      config.loadFromFile(options.kubeconfig[0]!);
      for (const extra of options.kubeconfig.slice(1)) {
        const other = new k8s.KubeConfig();
        other.loadFromFile(extra);
        config.mergeConfig(other);
      }
    } else {
      config.loadFromDefault();
    }
  } catch (error) {
    throw new ClusterUnavailable(
      `Could not read the kubeconfig (${messageOf(error)}). Point --kubeconfig (or shipshape.cluster.kubeconfig) at a valid file.`,
    );
  }
  return { k8s, config };
}

function noSuchContext(config: InstanceType<K8s['KubeConfig']>, context: string): ClusterUnavailable {
  const names = config
    .getContexts()
    .map((c) => c.name)
    .join(', ');
  return new ClusterUnavailable(`The kubeconfig has no context "${context}"; it has: ${names || 'none'}.`);
}

/**
 * The contexts to read, each with its cluster's server ('' when it names none): the ones named
 * (each once, in order; an unknown name fails the run at once, before any cluster is read), or
 * every context of the kubeconfig for 'all'.
 */
export async function kubeconfigContexts(
  options: ClusterOptions,
  wanted: readonly string[] | 'all',
): Promise<{ context: string; server: string }[]> {
  const { config } = await readKubeConfig(options);
  const serverOf = (name: string) => {
    const cluster = config.getContextObject(name)?.cluster;
    return (cluster && config.getCluster(cluster)?.server) || '';
  };
  if (wanted === 'all') {
    const names = config.getContexts().map((c) => c.name);
    if (names.length === 0) throw new ClusterUnavailable('The kubeconfig has no contexts.');
    return names.map((context) => ({ context, server: serverOf(context) }));
  }
  const names = [...new Set(wanted)];
  for (const name of names) if (!config.getContextObject(name)) throw noSuchContext(config, name);
  return names.map((context) => ({ context, server: serverOf(context) }));
}

/** The kubeconfig as the options name it, with the chosen context current. */
export async function loadKubeConfig(
  options: ClusterOptions,
): Promise<{ k8s: K8s; config: InstanceType<K8s['KubeConfig']>; context: string; server: string }> {
  const { k8s, config } = await readKubeConfig(options);
  if (options.context) {
    if (!config.getContexts().some((c) => c.name === options.context)) throw noSuchContext(config, options.context);
    config.setCurrentContext(options.context);
  }
  const context = config.getCurrentContext();
  const server = config.getCurrentCluster()?.server ?? '';
  if (!server) throw new ClusterUnavailable(`The kubeconfig's context "${context}" names no cluster server.`);
  return { k8s, config, context, server };
}
