// `shipshape cluster`: what runs in one or more Kubernetes clusters, each distinct image scanned
// once, every vulnerability with its remediation deadline; alerts on what is new, drift from a
// workspace, the history of runs; stops on SIGINT/SIGTERM with a partial report.

import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { scanPaths, TRIVY_SEVERITIES, trivyProblemIn, writeAtomically, type TrivySeverity } from '../core/index.js';
import {
  checkNotifyUrl,
  CLUSTER_FORMATS,
  ClusterUnavailable,
  DEFAULT_SLA,
  DeadlineState,
  errorText,
  isClusterFormat,
  parseNotifyHeader,
  parseSla,
  renderClusterReport,
  scanClusters,
  sendAlerts,
  toHistoryCsv,
  withWorkspace,
  type ClustersReport,
  type NotifyTarget,
} from '../core/cluster/index.js';
import { cacheDir, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, parseOptions, positiveInteger, UsageError, type Io } from './args.js';
import { checkScanInput, cliScanner, cliStaleLookup, disabledRules } from './scan.js';

export const CLUSTER_USAGE = `Usage: shipshape cluster [options]

Lists the images running in one or more Kubernetes clusters (every container, init and
ephemeral container of every pod the credentials can list), scans each distinct image (by
digest) once with Trivy, whatever the clusters it runs in, and reports each vulnerability with
its remediation deadline.

Options:
  --kubeconfig FILE          kubeconfig (repeatable; default $KUBECONFIG or ~/.kube/config)
  --context NAME             a kubeconfig context (repeatable; default: its current one)
  --all-contexts             every context of the kubeconfig
  --namespace NS             only this namespace (repeatable; default all)
  --format FORMAT            table (default), json, csv, sarif or markdown
  --output FILE              write the report to FILE
  --sla SEVERITY=DAYS,...    days to fix per severity (default CRITICAL=7,HIGH=30,MEDIUM=90,LOW=180)
  --from-published           count deadlines from the vulnerability's publication, not from first seen
  --state FILE               where first-seen dates, the history of runs and the alerts sent are kept
                             (default ~/.cache/shipshape/deadlines.json)
  --fail-on-breach           exit 1 when a deadline has passed
  --use-operator-reports     use the Trivy Operator's VulnerabilityReports where it has scanned an image
  --trivy PATH               the Trivy binary; --concurrency N images at once (default 4)
  --server URL               scan through a Trivy server (client/server mode); its token, if it
                             wants one, is read from TRIVY_TOKEN (never from an argument)
  --token-header NAME        the header that carries the server's token (Trivy's --token-header)
  --db-repository REPO       where Trivy downloads its vulnerability database (an OCI repository,
                             e.g. a mirror inside an air-gapped network; Trivy's --db-repository)
  --trivy-cache-dir DIR      Trivy's cache folder (its database and image layers; Trivy's --cache-dir)
  --disable RULE             leave out a rule's verdicts on the images running (repeatable): eol-image,
                             stale-digest
  --no-registry              ask no registry whether the tags the pod specs name now point to another
                             digest than the one running (stale-digest; Trivy still pulls what it scans)
  --request-timeout SECONDS  how long one request to the API server may take (default 60)
  --workspace PATH           also analyse PATH (offline): its references pinned to a digest other than
                             the one running (drift), and where it defines each running image (repeatable)

Alerts (sent after the run, when something is new since the runs before):
  --notify URL               POST a JSON message ({"text": …}: Slack, Mattermost and Teams incoming
                             webhooks take it) to URL, https (http only to localhost) (repeatable)
  --notify-severity LEVEL    announce vulnerabilities and passed deadlines at or above LEVEL
                             (CRITICAL, HIGH (default), MEDIUM, LOW, UNKNOWN)
  --notify-header 'NAME: VALUE'  sent with each alert, e.g. a token (repeatable; never printed)
  --notify-timeout SECONDS   how long one alert request may take (default 10)

History:
  --history                  print the history of runs kept in the state (--format csv or json)
                             instead of reading any cluster

Exit status: 0 done, 1 a deadline has passed (with --fail-on-breach), 2 the run failed (bad
arguments, no cluster could be read, or interrupted by SIGINT/SIGTERM, after writing the partial
report). A cluster that cannot be read while others can, images that could not be scanned and
alerts that could not be delivered are listed and do not change it.
`;

/** `--notify-severity`: one of Trivy's severities, any case. */
function severityOf(text: string): TrivySeverity {
  const upper = text.toUpperCase();
  if (!(TRIVY_SEVERITIES as readonly string[]).includes(upper))
    throw new UsageError(
      `--notify-severity must be ${TRIVY_SEVERITIES.slice(0, -1).join(', ')} or ${TRIVY_SEVERITIES.at(-1)}, not "${text}"`,
    );
  return upper as TrivySeverity;
}

/** The receivers, each URL checked (the error shows no secret) and given every header. */
function notifyTargets(urls: readonly string[], headerTexts: readonly string[]): NotifyTarget[] {
  try {
    const headers = Object.fromEntries(headerTexts.map(parseNotifyHeader));
    if (headerTexts.length > 0 && urls.length === 0) throw new Error('--notify-header needs --notify');
    return urls.map((url) => ({ url: checkNotifyUrl(url).href, ...(headerTexts.length > 0 && { headers }) }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export async function cluster(args: readonly string[], io: Io): Promise<number> {
  const { values } = parseOptions(args, {
    kubeconfig: { type: 'string', multiple: true, default: [] },
    context: { type: 'string', multiple: true, default: [] },
    'all-contexts': { type: 'boolean', default: false },
    namespace: { type: 'string', multiple: true, default: [] },
    format: { type: 'string', default: 'table' },
    output: { type: 'string', short: 'o' },
    sla: { type: 'string' },
    'from-published': { type: 'boolean', default: false },
    state: { type: 'string' },
    'fail-on-breach': { type: 'boolean', default: false },
    'use-operator-reports': { type: 'boolean', default: false },
    trivy: { type: 'string' },
    server: { type: 'string' },
    'token-header': { type: 'string' },
    'db-repository': { type: 'string' },
    'trivy-cache-dir': { type: 'string' },
    disable: { type: 'string', multiple: true, default: [] },
    'no-registry': { type: 'boolean', default: false },
    concurrency: { type: 'string' },
    'request-timeout': { type: 'string' },
    workspace: { type: 'string', multiple: true, default: [] },
    notify: { type: 'string', multiple: true, default: [] },
    'notify-severity': { type: 'string', default: 'HIGH' },
    'notify-header': { type: 'string', multiple: true, default: [] },
    'notify-timeout': { type: 'string' },
    history: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.stdout(CLUSTER_USAGE);
    return EXIT_OK;
  }
  const format = values.format;
  if (!isClusterFormat(format))
    throw new UsageError(`--format must be ${CLUSTER_FORMATS.slice(0, -1).join(', ')} or ${CLUSTER_FORMATS.at(-1)}, not "${format}"`);
  const stateFile = values.state ?? path.join(cacheDir(), 'deadlines.json');
  if (values.history) {
    if (format !== 'csv' && format !== 'json') throw new UsageError(`--history is written as csv or json, not ${format}`);
    const state = new DeadlineState(stateFile, { debug() {}, info() {}, warn: (m) => io.stderr(`shipshape: ${m}\n`), error() {} });
    await state.load();
    const history = state.history();
    const rendered = format === 'csv' ? toHistoryCsv(history) : `${JSON.stringify({ version: 1, history }, null, 2)}\n`;
    if (values.output !== undefined) await writeAtomically(values.output, rendered);
    else io.stdout(rendered);
    return EXIT_OK;
  }
  if (values['all-contexts'] && values.context.length > 0) throw new UsageError('--all-contexts and --context cannot be given together');
  let sla = DEFAULT_SLA;
  try {
    if (values.sla !== undefined) sla = parseSla(values.sla);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const concurrency = values.concurrency === undefined ? undefined : positiveInteger(values.concurrency, '--concurrency', 32);
  const requestTimeout =
    values['request-timeout'] === undefined ? undefined : positiveInteger(values['request-timeout'], '--request-timeout', 3600);
  // The server's token stays in TRIVY_TOKEN, which Trivy reads itself: no argument shows it.
  const scanInput = {
    trivyPath: values.trivy,
    concurrency,
    serverUrl: values.server,
    tokenHeader: values['token-header'],
    dbRepository: values['db-repository'],
    cacheDir: values['trivy-cache-dir'],
  };
  checkScanInput(scanInput);
  const rules = disabledRules(values.disable);
  const targets = notifyTargets(values.notify, values['notify-header']);
  const notifySeverity = severityOf(values['notify-severity']);
  const notifyTimeout =
    values['notify-timeout'] === undefined ? undefined : positiveInteger(values['notify-timeout'], '--notify-timeout', 300);
  for (const folder of values.workspace) {
    try {
      await stat(folder);
    } catch {
      throw new UsageError(`--workspace ${folder}: no such file or folder`);
    }
  }
  // The workspace is read first: its analysis is offline and quick, and a problem with it is said before any cluster is read.
  const workspace = values.workspace.length > 0 ? await scanPaths(values.workspace) : undefined;
  const scanner = await cliScanner(scanInput, true, io);
  const state = new DeadlineState(stateFile);
  // Ctrl-C, or a CronJob's deadline (SIGTERM): stop, and still write what was found so far.
  const controller = new AbortController();
  const stop = () => controller.abort();
  // `on`, not `once`: execa's exit hook re-raises the signal when no other listener remains.
  process.on('SIGINT', stop).on('SIGTERM', stop);
  let report: ClustersReport;
  try {
    report = await scanClusters({
      signal: controller.signal,
      ...(requestTimeout !== undefined && { requestTimeoutMs: requestTimeout * 1000 }),
      scanner,
      state,
      sla,
      ...(values['from-published'] && { fromPublished: true }),
      ...(values['use-operator-reports'] && { useOperatorReports: true }),
      ...(values.kubeconfig.length > 0 && { kubeconfig: values.kubeconfig }),
      ...(values['all-contexts'] ? { contexts: 'all' as const } : values.context.length > 0 && { contexts: values.context }),
      ...(values.namespace.length > 0 && { namespaces: values.namespace }),
      ...(values.disable.length > 0 && { analyze: { rules } }),
      // Plain HTTP only to loopback registries, as scan without --insecure-registry.
      ...(!values['no-registry'] && { staleDigests: cliStaleLookup({ insecureRegistries: [] }) }),
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
  if (workspace) {
    report = withWorkspace(report, workspace.files);
    for (const error of workspace.ioErrors) io.stderr(`shipshape: ${error.path}: ${error.message}\n`);
  }
  if (targets.length > 0) {
    if (report.cancelled) {
      // An interrupted run may have missed what changed: the next whole run announces it.
      report = {
        ...report,
        errors: [...report.errors, { message: 'the run was interrupted: no alert was sent; the next run sends them' }],
      };
    } else {
      const sent = await sendAlerts(report, {
        targets,
        severity: notifySeverity,
        state,
        now: new Date(report.generatedAt),
        ...(notifyTimeout !== undefined && { timeoutMs: notifyTimeout * 1000 }),
      });
      if (sent.errors.length > 0) report = { ...report, errors: [...report.errors, ...sent.errors] };
    }
  }
  const rendered = renderClusterReport(report, format);
  if (values.output !== undefined) await writeAtomically(values.output, rendered);
  else io.stdout(rendered);
  for (const error of report.errors) io.stderr(`shipshape: ${errorText(error, report.clusters.length > 1)}\n`);
  if (report.cancelled) return EXIT_ERROR;
  return values['fail-on-breach'] && report.findings.some((f) => f.breached) ? EXIT_FINDINGS : EXIT_OK;
}
