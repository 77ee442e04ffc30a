// The VS Code entry point: it only wires the editor's events to the diagnostics controller
// and the quick-fix provider. The logic lives in src/core.

import * as vscode from 'vscode';
import { QuickFixes } from './codeActions.js';
import { DiagnosticsController } from './diagnostics.js';
import { PIN_ALL_COMMAND, PIN_COMMAND, PinController, UPDATE_DIGEST_COMMAND, type ImageLocation } from './pinning.js';
import { loadNetworkModule, ScanController } from './scanning.js';
import { ClusterView } from './cluster.js';

const SELECTOR: vscode.DocumentSelector = [
  { language: 'dockerfile' },
  { language: 'yaml' },
  { language: 'dockercompose' },
];

/** What activate() returns to other extensions and tests. */
export interface ShipshapeApi {
  /** How long activate() took, in milliseconds (module loading not included). */
  readonly activationMs: number;
  /** The last cluster report's images and findings (for tests and other extensions). */
  clusterReport(): { context: string; partial: boolean; images: string[]; findings: { id: string; severity: string; image: string; breached: boolean }[] } | undefined;
  /** What the cluster tree shows: `[depth, label, description]`, depth first. */
  clusterTree(): [number, string, string][];
  /** The cluster tree's nodes in the order of clusterTree() (arguments for the copy commands). */
  clusterNodes(): unknown[];
  /** The progress messages of the last cluster scan. */
  clusterProgress(): readonly string[];
  /** Cancels a running cluster scan, as the notification's Cancel button does. */
  cancelClusterScan(): void;
  /** The cluster report page's HTML, when it is open. */
  clusterReportHtml(): string | undefined;
}

/** How long to wait after a trust grant for the workspace's restricted settings to arrive. */
const TRUSTED_SETTINGS_WAIT_MS = 1000;

export function activate(context: vscode.ExtensionContext): ShipshapeApi {
  const started = performance.now();
  let trustTimer: ReturnType<typeof setTimeout> | undefined;
  const log = vscode.window.createOutputChannel('Shipshape', { log: true });
  const diagnostics = new DiagnosticsController(log);
  const scans = new ScanController(context.globalStorageUri, log, (document) => diagnostics.resultOf(document), (document) => diagnostics.reanalyse(document));
  const pins = new PinController(log, (document) => diagnostics.resultOf(document), loadNetworkModule);
  const cluster = new ClusterView(context.globalStorageUri, vscode.Uri.joinPath(context.extensionUri, 'media'), log, scans);
  diagnostics.listen({
    analysed: (document, result, why) => scans.analysed(document, result, why),
    edited: (event) => {
      scans.edited(event);
      pins.edited(event);
    },
    closed: (uri) => {
      scans.closed(uri);
      pins.closed(uri);
    },
    imageUsers: () => scans.imageUsers(),
  });
  context.subscriptions.push(
    log,
    diagnostics,
    scans,
    pins,
    cluster,
    vscode.window.registerTreeDataProvider('shipshape.cluster', cluster),
    vscode.commands.registerCommand('shipshape.scanCluster', () => cluster.scan()),
    vscode.commands.registerCommand('shipshape.exportClusterReport', () => cluster.export()),
    vscode.commands.registerCommand('shipshape.openClusterReport', () => cluster.openReport()),
    vscode.commands.registerCommand('shipshape.cluster.copyImage', (node: Parameters<ClusterView['copy']>[0]) => cluster.copy(node, 'image')),
    vscode.commands.registerCommand('shipshape.cluster.copyVulnerability', (node: Parameters<ClusterView['copy']>[0]) => cluster.copy(node, 'vulnerability')),
    vscode.commands.registerCommand(PIN_COMMAND, (location: ImageLocation) => pins.pinImage(location)),
    vscode.commands.registerCommand(UPDATE_DIGEST_COMMAND, (location: ImageLocation) => pins.updateDigest(location)),
    vscode.commands.registerCommand(PIN_ALL_COMMAND, async (uri?: string) => {
      const document = uri ? await vscode.workspace.openTextDocument(vscode.Uri.parse(uri)) : vscode.window.activeTextEditor?.document;
      await pins.pinAll(document);
    }),
    vscode.workspace.onDidSaveTextDocument((document) => {
      diagnostics.flush(document);
      if (diagnostics.resultOf(document)) scans.saved(document);
    }),
    vscode.languages.registerHoverProvider(SELECTOR, scans),
    vscode.languages.registerCodeLensProvider(SELECTOR, scans),
    vscode.commands.registerCommand('shipshape.scanFile', async () => {
      const document = vscode.window.activeTextEditor?.document;
      if (!document || !diagnostics.resultOf(document)) {
        void vscode.window.showInformationMessage('Shipshape: open a Dockerfile, Kubernetes manifest or Compose file to scan its images.');
        return;
      }
      await scans.scanDocument(document, true);
    }),
    vscode.commands.registerCommand('shipshape.scanWorkspace', () => scans.scanWorkspace()),
    vscode.commands.registerCommand('shipshape.clearScanCache', () => scans.clearCache()),
    vscode.workspace.onDidOpenTextDocument((document) => diagnostics.open(document)),
    vscode.workspace.onDidChangeTextDocument((event) => diagnostics.change(event)),
    vscode.workspace.onDidCloseTextDocument((document) => diagnostics.close(document)),
    vscode.window.tabGroups.onDidChangeTabs((event) => {
      if (event.closed.length > 0) diagnostics.tabsClosed();
    }),
    vscode.window.onDidChangeVisibleTextEditors((editors) => diagnostics.shown(editors)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration('shipshape')) return;
      // Right after a trust grant, this change carries the workspace's restricted values: it
      // applies them (and the trust) in place of the fallback timer.
      const trusted = trustTimer !== undefined;
      if (trustTimer) clearTimeout(trustTimer);
      trustTimer = undefined;
      if (trusted || ['shipshape.trivy', 'shipshape.scan', 'shipshape.codeLens'].some((section) => event.affectsConfiguration(section))) scans.configure();
      if (trusted || event.affectsConfiguration('shipshape.registry')) pins.configure();
      if (event.affectsConfiguration('shipshape.cluster.groupBy')) cluster.refresh();
      diagnostics.reanalyseAll('settings changed');
    }),
    // Trusting the workspace turns scanning on without a reload.
    // VS Code grants the trust first and delivers the workspace's restricted values (Trivy path,
    // server, kubeconfig…) a moment later: scanning starts with those, not the settings before.
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      log.info('workspace trusted: vulnerability scanning is on');
      if (trustTimer) clearTimeout(trustTimer);
      trustTimer = setTimeout(() => {
        trustTimer = undefined;
        scans.configure();
        pins.configure();
        diagnostics.reanalyseAll('workspace trusted');
      }, TRUSTED_SETTINGS_WAIT_MS);
    }),
    { dispose: () => trustTimer && clearTimeout(trustTimer) },
    vscode.languages.registerCodeActionsProvider(SELECTOR, new QuickFixes(diagnostics), { providedCodeActionKinds: QuickFixes.kinds }),
    vscode.commands.registerCommand('shipshape.showLog', () => log.show()),
  );
  for (const document of vscode.workspace.textDocuments) diagnostics.open(document);
  const activationMs = performance.now() - started;
  log.info(`Shipshape activated in ${activationMs.toFixed(1)} ms (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'not trusted: static rules only'})`);
  return {
    activationMs,
    clusterTree: () => cluster.outline(),
    clusterNodes: () => cluster.nodes(),
    clusterProgress: () => cluster.progress,
    cancelClusterScan: () => cluster.cancel(),
    clusterReportHtml: () => cluster.reportHtml(),
    clusterReport: () => {
      const report = cluster.report();
      return report && {
        context: report.context,
        partial: report.cancelled,
        images: report.images.map((i) => i.reference),
        findings: report.findings.map((f) => ({ id: f.id, severity: f.severity, image: f.image, breached: f.breached })),
      };
    },
  };
}

export function deactivate(): void {}
