// The VS Code entry point: it only wires. Settings come from config.ts, commands from the table
// in commands.ts, and the logic from src/core (the network and cluster parts loaded on first use).

import * as vscode from 'vscode';
import type { ShipshapeApi, ShipshapeTestApi } from './api.js';
import { ClusterView } from './cluster.js';
import { ClusterLinks } from './clusterLinks.js';
import { QuickFixes } from './codeActions.js';
import { registerCommands } from './commands.js';
import { Config } from './config.js';
import { DiagnosticsController, setRulePages } from './diagnostics.js';
import { ProjectController } from './project.js';
import { ComposeEnvironments } from './environments.js';
import { PinController } from './pinning.js';
import { ScanController } from './scanning.js';
import { ImageUsers } from './users.js';
import { StalePins } from './stalePins.js';
import { TagCompletion } from './completion.js';
import { SaferTags } from './advice.js';

export type { ShipshapeApi, ShipshapeTestApi } from './api.js';

const SELECTOR: vscode.DocumentSelector = [
  { language: 'dockerfile' },
  { language: 'yaml' },
  { language: 'dockercompose' },
  // Dev containers, Quadlet units and Bake files, whatever language the editor gives them.
  { pattern: '**/{.devcontainer/devcontainer.json,.devcontainer/*/devcontainer.json,.devcontainer.json}' },
  { pattern: '**/*.{container,image}' },
  { pattern: '**/docker-bake*.{hcl,json}' },
];

export function activate(context: vscode.ExtensionContext): ShipshapeApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Shipshape', { log: true });
  setRulePages(context.extensionUri);
  const config = new Config(log);
  const environments = new ComposeEnvironments(config, log);
  const project = new ProjectController(config, log);
  const diagnostics = new DiagnosticsController(log, config, environments, project);
  const stale = new StalePins(log, config, (document) => diagnostics.resultOf(document));
  const scans = new ScanController(
    context.globalStorageUri,
    log,
    config,
    (document) => diagnostics.resultOf(document),
    (document) => diagnostics.reanalyze(document),
    () => users.scanLookup(),
    () => stale.scanLookup(),
  );
  const pins = new PinController(
    log,
    config,
    (document) => diagnostics.currentResultOf(document),
    () => stale.checking(),
  );
  const users = new ImageUsers(
    log,
    config,
    () => pins.registryClient(),
    (document) => diagnostics.resultOf(document),
    (document) => diagnostics.reanalyze(document),
    (learnt) => void project.usersLearnt(learnt),
  );
  project.useUsers(() => users.users());
  const advice = new SaferTags(log, config, scans, pins, (document) => diagnostics.resultOf(document));
  const completion = new TagCompletion(log, pins, () => config.registryQuietly());
  const cluster = new ClusterView(context.globalStorageUri, vscode.Uri.joinPath(context.extensionUri, 'media'), log, config, scans, () =>
    stale.scanLookup(),
  );
  const links = new ClusterLinks(log, config, (document) => diagnostics.resultOf(document));
  cluster.onDidChangeReport((report) => void links.reportChanged(report));
  diagnostics.listen({
    analyzed: (document, result, why) => {
      users.analyzed(result);
      stale.analyzed(document, result);
      scans.analyzed(document, result, why);
      links.analyzed(document, result);
    },
    edited: (event) => {
      scans.edited(event);
      pins.edited(event);
      stale.edited(event);
    },
    closed: (uri) => {
      scans.closed(uri);
      pins.closed(uri);
      stale.closed(uri);
    },
    // What an image's own config says stands over what a scan's report says.
    imageUsers: () => new Map([...scans.imageUsers(), ...users.users()]),
  });
  environments.onDidChange((folder) => diagnostics.environmentChanged(folder));
  project.onDidChange(() => diagnostics.projectChanged());
  config.onDidChange((change, reason) => {
    if (change.analysis) {
      environments.reset();
      project.schedule();
      scans.dropWorkspaceResults();
    }
    if (change.scanner) scans.configure();
    if (change.registry) {
      pins.configure();
      users.configure();
      stale.configure();
      completion.configure();
    }
    if (change.registry || change.scanner || change.advise) advice.configure();
    if (change.clusterView) cluster.refresh();
    if (change.analysis || change.scanner) diagnostics.reanalyzeAll(reason);
  });
  context.subscriptions.push(
    log,
    config,
    environments,
    project,
    diagnostics,
    scans,
    pins,
    users,
    stale,
    advice,
    cluster,
    links,
    ...registerCommands({ log, diagnostics, scans, pins, cluster, links, completion }),
    vscode.languages.registerCompletionItemProvider(SELECTOR, completion, ':'),
    vscode.languages.registerCodeActionsProvider(SELECTOR, advice, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }),
    vscode.languages.registerHoverProvider(SELECTOR, advice),
    vscode.languages.registerHoverProvider(SELECTOR, scans),
    vscode.languages.registerHoverProvider(SELECTOR, stale),
    vscode.languages.registerCodeLensProvider(SELECTOR, scans),
    vscode.languages.registerCodeLensProvider(SELECTOR, links),
    vscode.languages.registerHoverProvider(SELECTOR, project),
    vscode.languages.registerCodeActionsProvider(SELECTOR, new QuickFixes(diagnostics, (document) => stale.findings(document)), {
      providedCodeActionKinds: QuickFixes.kinds,
    }),
    vscode.workspace.onDidOpenTextDocument((document) => diagnostics.open(document)),
    vscode.workspace.onDidChangeTextDocument((event) => diagnostics.change(event)),
    vscode.workspace.onDidCloseTextDocument((document) => diagnostics.close(document)),
    vscode.workspace.onDidSaveTextDocument((document) => {
      diagnostics.flush(document);
      if (diagnostics.resultOf(document)) scans.saved(document);
    }),
    vscode.window.tabGroups.onDidChangeTabs((event) => {
      if (event.closed.length > 0) diagnostics.tabsClosed();
    }),
    vscode.window.onDidChangeVisibleTextEditors((editors) => diagnostics.shown(editors)),
  );
  for (const document of vscode.workspace.textDocuments) diagnostics.open(document);
  // Kustomizations and charts: analysed in the background once activate() has returned (reading a
  // folder's settings the first time costs VS Code several milliseconds), their module loaded only if there are any.
  const first = setTimeout(() => void project.refresh(), 0);
  context.subscriptions.push({ dispose: () => clearTimeout(first) });
  const activationMs = performance.now() - started;
  log.info(
    `Shipshape activated in ${activationMs.toFixed(1)} ms (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'not trusted: static rules only'})`,
  );
  if (context.extensionMode !== vscode.ExtensionMode.Test) return { activationMs };
  return testApi(activationMs, cluster);
}

/** The hooks of test mode: what the cluster tree and report page show. */
function testApi(activationMs: number, cluster: ClusterView): ShipshapeTestApi {
  return {
    activationMs,
    clusterTree: () => cluster.outline(),
    clusterNodes: () => cluster.nodes(),
    clusterSelection: () => cluster.selection(),
    clusterProgress: () => cluster.progress,
    cancelClusterScan: () => cluster.cancel(),
    clusterReportHtml: () => cluster.reportHtml(),
    clusterReport: () => {
      const report = cluster.report();
      return (
        report && {
          context: report.clusters.map((c) => c.context).join(', '),
          clusters: report.clusters.map((c) => ({ context: c.context, pods: c.pods, ...(c.error !== undefined && { error: c.error }) })),
          partial: report.cancelled,
          images: report.images.map((i) => i.reference),
          findings: report.findings.map((f) => ({ id: f.id, severity: f.severity, image: f.image, breached: f.breached })),
        }
      );
    },
  };
}

export function deactivate(): void {}
