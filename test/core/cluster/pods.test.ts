// From pods to images: image IDs, owners, and the real pods of the corpus.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { collectPod, ownerOf, parseImageId } from '../../../src/core/cluster/pods.js';
import type { Workload } from '../../../src/core/cluster/types.js';
import { readCorpus } from '../../support/analysis.js';

type Entry = { reference: string; digest?: string; specImages: Set<string>; workloads: Workload[] };

function collect(pods: unknown[]): Map<string, Entry> {
  const images = new Map<string, Entry>();
  for (const pod of pods) collectPod(pod as never, images);
  return images;
}

describe('reading pods', () => {
  test('image IDs as runtimes write them', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    assert.deepEqual(parseImageId(`docker-pullable://nginx@${digest}`), { repository: 'nginx', digest });
    assert.deepEqual(parseImageId(`docker.io/istio/base@${digest}`), { repository: 'docker.io/istio/base', digest });
    assert.deepEqual(parseImageId(digest), { digest });
    assert.equal(parseImageId(''), undefined);
    assert.equal(parseImageId('docker://sha256:abc'), undefined);
  });

  test('owners: a ReplicaSet with the pod-template-hash is its Deployment, a Job named by a CronJob is the CronJob', () => {
    const pod = (kind: string, name: string, labels = {}) => ({
      metadata: { name: 'p', labels, ownerReferences: [{ kind, name, controller: true }] },
    });
    assert.deepEqual(ownerOf(pod('ReplicaSet', 'web-7d9f8c6b5', { 'pod-template-hash': '7d9f8c6b5' })), {
      kind: 'Deployment',
      name: 'web',
    });
    assert.deepEqual(ownerOf(pod('ReplicaSet', 'loose')), { kind: 'ReplicaSet', name: 'loose' });
    assert.deepEqual(ownerOf(pod('Job', 'report-28912345')), { kind: 'CronJob', name: 'report' });
    assert.deepEqual(ownerOf(pod('StatefulSet', 'db')), { kind: 'StatefulSet', name: 'db' });
    assert.deepEqual(ownerOf({ metadata: { name: 'bare' } }), { kind: 'Pod', name: 'bare' });
  });

  test('the datadog PodList: spec images paired with imageIDs; pending pods keep their reference', () => {
    const list = JSON.parse(readCorpus('k8s-api/datadog-agent--podlist_1.8-2.json')) as { items: unknown[] };
    const images = collect(list.items);
    const nginx = [...images.values()].find((e) => e.specImages.has('nginx:latest'))!;
    assert.match(nginx.reference, /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    assert.equal(nginx.digest, nginx.reference.split('@')[1]);
    assert.ok(
      [...images.keys()].some((k) => k.startsWith('ref:')),
      'a pod without containerStatuses keeps its spec image',
    );
    for (const entry of images.values()) assert.ok(entry.workloads.every((w) => w.namespace && w.pod && w.container));
  });

  test('the k9s sidecar pod: init containers (incl. a native sidecar) with their statuses, one digest for the same image', () => {
    const pod = JSON.parse(readCorpus('k8s-api/k9s--internal-render-testdata-po_sidecar.json'));
    const images = collect([pod]);
    const istio = [...images.values()].filter((e) => e.specImages.has('istio/base'));
    assert.equal(istio.length, 1, 'three containers of one digest are one image');
    assert.match(istio[0]!.reference, /^docker\.io\/istio\/base@sha256:/);
    assert.deepEqual(istio[0]!.workloads.map((w) => w.containerType).sort(), ['containers', 'initContainers', 'initContainers']);
  });

  test('two tags with the same digest are one image; ephemeral containers count', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    const pod = (name: string, image: string) => ({
      metadata: { name, namespace: 'shop' },
      spec: { containers: [{ name: 'app', image }], ephemeralContainers: [{ name: 'debug', image: 'busybox:1.36' }] },
      status: { containerStatuses: [{ name: 'app', imageID: `docker.io/library/redis@${digest}` }] },
    });
    const images = collect([pod('a', 'redis:7'), pod('b', 'redis:7.2')]);
    const redis = images.get(digest)!;
    assert.deepEqual([...redis.specImages].sort(), ['redis:7', 'redis:7.2']);
    assert.equal(redis.workloads.length, 2);
    assert.equal(images.get('ref:busybox:1.36')!.workloads[0]!.containerType, 'ephemeralContainers');
  });
});
