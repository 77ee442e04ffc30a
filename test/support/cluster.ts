// A running image (in the context `kind`) with three vulnerabilities (CRITICAL with a fix, HIGH
// published in 2020, LOW), for the tests of cluster findings and reports.

import type { RunningImage } from '../../src/core/cluster/types.js';
import type { ScanOutcome, Vulnerability } from '../../src/core/index.js';

export const v = (id: string, severity: Vulnerability['severity'], fixed: string[] = [], publishedDate?: string): Vulnerability => ({
  id,
  severity,
  package: 'openssl',
  installed: '1.0',
  fixed,
  status: fixed.length ? 'fixed' : 'affected',
  ...(publishedDate && { publishedDate }),
});
export const images: RunningImage[] = [
  {
    reference: `docker.io/library/nginx@sha256:${'1'.repeat(64)}`,
    digest: `sha256:${'1'.repeat(64)}`,
    specImages: ['nginx:1.27'],
    workloads: [
      { context: 'kind', namespace: 'shop', kind: 'Deployment', name: 'web', pod: 'web-1', container: 'web', containerType: 'containers' },
    ],
    contexts: ['kind'],
  },
];
export const scan = (vulnerabilities: Vulnerability[]): ScanOutcome => {
  const counts = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
  for (const x of vulnerabilities) counts[x.severity]++;
  return { ok: true, scan: { reference: images[0]!.reference, vulnerabilities, counts, scannedAt: 0 } };
};
export const outcomes = new Map([
  [
    images[0]!.reference,
    scan([v('CVE-LOW', 'LOW'), v('CVE-CRIT', 'CRITICAL', ['1.1']), v('CVE-HIGH', 'HIGH', [], '2020-01-01T00:00:00Z')]),
  ],
]);
