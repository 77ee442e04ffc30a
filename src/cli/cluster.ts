// `shipshape cluster`: what runs in a Kubernetes cluster, each distinct image scanned once, every
// vulnerability with its remediation deadline; stops on SIGINT/SIGTERM with a partial report.

import * as path from 'node:path';
import { trivyProblemIn, writeAtomically } from '../core/index.js';
import {
  CLUSTER_FORMATS,
  ClusterUnavailable,
  DEFAULT_SLA,
  DeadlineState,
  isClusterFormat,
  parseSla,
  renderClusterReport,
  scanCluster,
} from '../core/cluster/index.js';
import { cacheDir, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, parseOptions, positiveInteger, UsageError, type Io } from './args.js';
import { cliScanner } from './scan.js';

export const CLUSTER_USAGE = `Usage: shipshape cluster [options]

Lists the images running in a Kubernetes cluster (every container, init and ephemeral
container of every pod the credentials can list), scans each distinct image (by digest) once
with Trivy, and reports each vulnerability with its remediation deadline.

Options:
  --kubeconfig FILE          kubeconfig (repeatable; default $KUBECONFIG or ~/.kube/config)
  --context NAME             the kubeconfig context (default: its current one)
  --namespace NS             only this namespace (repeatable; default all)
  --format FORMAT            table (default), json, csv, sarif or markdown
  --output FILE              write the report to FILE
  --sla SEVERITY=DAYS,...    days to fix per severity (default CRITICAL=7,HIGH=30,MEDIUM=90,LOW=180)
  --from-published           count deadlines from the vulnerability's publication, not from first seen
  --state FILE               where first-seen dates are kept (default ~/.cache/shipshape/deadlines.json)
  --fail-on-breach           exit 1 when a deadline has passed
  --use-operator-reports     use the Trivy Operator's VulnerabilityReports where it has scanned an image
  --trivy PATH               the Trivy binary; --concurrency N images at once (default 4)
  --request-timeout SECONDS  how long one request to the API server may take (default 60)

Exit status: 0 done, 1 a deadline has passed (with --fail-on-breach), 2 the run failed (bad
arguments, no cluster, or interrupted by SIGINT/SIGTERM, after writing the partial report).
Images that could not be scanned are listed and do not change it.
`;

export async function cluster(args: readonly string[], io: Io): Promise<number> {
  const { values } = parseOptions(args, {
    kubeconfig: { type: 'string', multiple: true, default: [] },
    context: { type: 'string' },
    namespace: { type: 'string', multiple: true, default: [] },
    format: { type: 'string', default: 'table' },
    output: { type: 'string', short: 'o' },
    sla: { type: 'string' },
    'from-published': { type: 'boolean', default: false },
    state: { type: 'string' },
    'fail-on-breach': { type: 'boolean', default: false },
    'use-operator-reports': { type: 'boolean', default: false },
    trivy: { type: 'string' },
    concurrency: { type: 'string' },
    'request-timeout': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.stdout(CLUSTER_USAGE);
    return EXIT_OK;
  }
  const format = values.format;
  if (!isClusterFormat(format))
    throw new UsageError(`--format must be ${CLUSTER_FORMATS.slice(0, -1).join(', ')} or ${CLUSTER_FORMATS.at(-1)}, not "${format}"`);
  let sla = DEFAULT_SLA;
  try {
    if (values.sla !== undefined) sla = parseSla(values.sla);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const concurrency = values.concurrency === undefined ? undefined : positiveInteger(values.concurrency, '--concurrency', 32);
  const requestTimeout =
    values['request-timeout'] === undefined ? undefined : positiveInteger(values['request-timeout'], '--request-timeout', 3600);
  const scanner = await cliScanner({ trivyPath: values.trivy, concurrency }, true, io);
  const stateFile = values.state ?? path.join(cacheDir(), 'deadlines.json');
  // Ctrl-C, or a CronJob's deadline (SIGTERM): stop, and still write what was found so far.
  const controller = new AbortController();
  const stop = () => controller.abort();
  // `on`, not `once`: execa's exit hook re-raises the signal when no other listener remains.
  process.on('SIGINT', stop).on('SIGTERM', stop);
  let report;
  try {
    report = await scanCluster({
      signal: controller.signal,
      ...(requestTimeout !== undefined && { requestTimeoutMs: requestTimeout * 1000 }),
      scanner,
      state: new DeadlineState(stateFile),
      sla,
      ...(values['from-published'] && { fromPublished: true }),
      ...(values['use-operator-reports'] && { useOperatorReports: true }),
      ...(values.kubeconfig.length > 0 && { kubeconfig: values.kubeconfig }),
      ...(values.context !== undefined && { context: values.context }),
      ...(values.namespace.length > 0 && { namespaces: values.namespace }),
    });
  } catch (error) {
    if (error instanceof ClusterUnavailable) {
      io.stderr(`shipshape: ${error.message}\n`);
      return EXIT_ERROR;
    }
    throw error;
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
  const unusable = trivyProblemIn(report.outcomes.values());
  if (unusable) {
    io.stderr(`shipshape: ${unusable.message}\n`);
    return EXIT_ERROR;
  }
  const rendered = renderClusterReport(report, format);
  if (values.output !== undefined) await writeAtomically(values.output, rendered);
  else io.stdout(rendered);
  for (const error of report.errors)
    io.stderr(`shipshape: ${error.namespace ? `namespace ${error.namespace}: ` : error.image ? `${error.image}: ` : ''}${error.message}\n`);
  if (report.cancelled) return EXIT_ERROR;
  return values['fail-on-breach'] && report.findings.some((f) => f.breached) ? EXIT_FINDINGS : EXIT_OK;
}
