// Trivy Operator's VulnerabilityReports (aquasecurity.github.io/v1alpha1), when the cluster runs
// it and the user allows them: the images it has scanned need no scan of ours.

import { TRIVY_SEVERITIES, type ImageScan, type TrivySeverity, type Vulnerability } from '../trivy/types.js';
import { messageOf, request, statusOf } from './api.js';
import { loadKubeConfig } from './kubeconfig.js';
import type { ClusterOptions } from './types.js';

interface ReportObject {
  metadata?: { creationTimestamp?: string };
  report?: {
    updateTimestamp?: string;
    registry?: { server?: string };
    artifact?: { repository?: string; tag?: string; digest?: string };
    os?: { family?: string; name?: string; eosl?: boolean };
    vulnerabilities?: {
      vulnerabilityID?: string;
      resource?: string;
      installedVersion?: string;
      fixedVersion?: string;
      severity?: string;
      title?: string;
      primaryLink?: string;
      publishedDate?: string;
    }[];
  };
}

/** An operator report as an ImageScan; undefined without an artifact digest to match it by. */
export function scanFromReport(object: ReportObject): (ImageScan & { readonly digest: string }) | undefined {
  const report = object.report;
  const digest = report?.artifact?.digest;
  if (!report || !digest || !/^sha256:[a-f0-9]{64}$/.test(digest)) return undefined;
  const repository = [report.registry?.server, report.artifact?.repository].filter(Boolean).join('/');
  const vulnerabilities: Vulnerability[] = (report.vulnerabilities ?? [])
    .filter((v) => typeof v.vulnerabilityID === 'string')
    .map((v) => {
      const severity = (TRIVY_SEVERITIES as readonly string[]).includes(v.severity ?? '') ? (v.severity as TrivySeverity) : 'UNKNOWN';
      const fixed = (v.fixedVersion ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      return {
        id: v.vulnerabilityID!,
        package: v.resource ?? '',
        installed: v.installedVersion ?? '',
        fixed,
        status: fixed.length > 0 ? 'fixed' : 'affected',
        severity,
        ...(v.title && { title: v.title }),
        ...(v.primaryLink && { url: v.primaryLink }),
        ...(v.publishedDate && { publishedDate: v.publishedDate }),
      };
    });
  const counts = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
  for (const v of vulnerabilities) counts[v.severity]++;
  const when = Date.parse(report.updateTimestamp ?? object.metadata?.creationTimestamp ?? '');
  return {
    reference: `${repository}@${digest}`,
    digest,
    vulnerabilities,
    counts,
    scannedAt: Number.isNaN(when) ? Date.now() : when,
    ...(report.os?.family && {
      os: { family: report.os.family, ...(report.os.name && { name: report.os.name }), eosl: report.os.eosl === true },
    }),
  };
}

/** What the operator gives for one cluster: its scans by image digest, or why there are none. */
export type OperatorReports = { readonly scans: ReadonlyMap<string, ImageScan> } | { readonly note: string };

/**
 * The operator's reports by image digest; a note instead when the operator is not installed (its
 * resource is unknown to the API server) or may not be read.
 */
export async function readOperatorReports(options: ClusterOptions): Promise<OperatorReports> {
  const { k8s, config } = await loadKubeConfig(options);
  const api = config.makeApiClient(k8s.CustomObjectsApi);
  const group = 'aquasecurity.github.io';
  const version = 'v1alpha1';
  const plural = 'vulnerabilityreports';
  const items: ReportObject[] = [];
  try {
    if (options.namespaces && options.namespaces.length > 0) {
      for (const namespace of options.namespaces) {
        const list = (await request(options, (o) => api.listNamespacedCustomObject({ group, version, namespace, plural }, o as never))) as {
          items?: ReportObject[];
        };
        items.push(...(list.items ?? []));
      }
    } else {
      const list = (await request(options, (o) => api.listClusterCustomObject({ group, version, plural }, o as never))) as {
        items?: ReportObject[];
      };
      items.push(...(list.items ?? []));
    }
  } catch (error) {
    const status = statusOf(error);
    if (status === 404)
      return {
        note: 'the Trivy Operator is not installed in this cluster (no VulnerabilityReport resource): images are scanned with Trivy',
      };
    if (status === 403) return { note: `VulnerabilityReports may not be read (${messageOf(error)}): images are scanned with Trivy` };
    if (options.signal?.aborted) throw error;
    return { note: `the Trivy Operator's VulnerabilityReports could not be read (${messageOf(error)}): images are scanned with Trivy` };
  }
  const scans = new Map<string, ImageScan>();
  for (const item of items) {
    const scan = scanFromReport(item);
    if (!scan) continue;
    const known = scans.get(scan.digest);
    if (!known || known.scannedAt < scan.scannedAt) scans.set(scan.digest, scan);
  }
  return { scans };
}
