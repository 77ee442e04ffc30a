// Run by bench/cluster.ts in a process of its own: reads the cluster and prints what it found,
// its wall time and its peak memory, as JSON.

import { readCluster } from '../src/core/cluster/listing.js';

const started = performance.now();
void readCluster({ kubeconfig: [process.argv[2]!] }).then((inventory) => {
  const ms = performance.now() - started;
  process.stdout.write(
    JSON.stringify({ pods: inventory.pods, images: inventory.images.length, ms, maxRssKb: process.resourceUsage().maxRSS }),
  );
});
