// withProject: the one join of a file's own analysis and what its kustomizations and charts say
// there, used by `shipshape scan` and by the editor for each open document.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { analyze, diskFiles } from '../../../src/core/index.js';
import { analyzeProject, withProject } from '../../../src/core/project/index.js';
import { tempTree } from '../../support/tree.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const POD =
  'apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  securityContext: {runAsNonRoot: true}\n  containers:\n    - name: web\n      image: nginx:1.27\n';

describe('withProject', () => {
  test("adds the images and findings placed in a file, drops the findings of a base line no root renders as written, and leaves other files' results as they are", async () => {
    const root = await tempTree({
      'base/pod.yaml': POD,
      'base/kustomization.yaml': 'resources:\n  - pod.yaml\n',
      'prod/kustomization.yaml': `resources:\n  - ../base\nimages:\n  - name: nginx\n    newTag: "1.27"\n    digest: ${DIGEST}\n`,
      'dev/kustomization.yaml': 'resources:\n  - ../base\nimages:\n  - name: nginx\n    newTag: latest\n',
      'plain/kustomization.yaml': 'resources:\n  - ../base\n',
    });
    const files = ['base/kustomization.yaml', 'prod/kustomization.yaml', 'dev/kustomization.yaml'].map((f) => path.join(root, f));
    const project = await analyzeProject(files, diskFiles(), {});
    const pod = path.join(root, 'base/pod.yaml');
    const own = analyze(POD, 'yaml');
    assert.deepEqual(
      own.findings.map((f) => f.rule),
      ['unpinned-image'],
    );
    // prod pins the image, dev renders `nginx:latest`: no root runs the base's `nginx:1.27`, so its line has no finding.
    assert.deepEqual(withProject(pod, own, project).findings, []);
    // A root that renders it as written keeps it.
    const plain = await analyzeProject([...files, path.join(root, 'plain/kustomization.yaml')], diskFiles(), {});
    assert.deepEqual(
      withProject(pod, own, plain).findings.map((f) => f.rule),
      ['unpinned-image'],
    );
    const dev = path.join(root, 'dev/kustomization.yaml');
    const devText = 'resources:\n  - ../base\nimages:\n  - name: nginx\n    newTag: latest\n';
    const joined = withProject(dev, analyze(devText, 'yaml'), project);
    assert.deepEqual(
      joined.findings.map((f) => `${f.range.start.line + 1} ${f.rule} ${f.reason}`),
      ['4 unpinned-image latest'],
    );
    assert.deepEqual(joined.sources, ['kustomize']);
    const unrelated = analyze('FROM alpine:3.20\n', 'dockerfile');
    assert.equal(withProject(path.join(root, 'Dockerfile'), unrelated, project), unrelated);

    // Without dev, every kustomization pins the base image: its finding is settled.
    const pinned = await analyzeProject(files.slice(0, 2), diskFiles(), {});
    assert.deepEqual(withProject(pod, own, pinned).findings, []);
  });
});
