// The cluster view: "Shipshape: Scan Cluster" reads the images running in a cluster, scans each
// once (sharing the editor's scanner and cache) and shows them by severity, with deadlines.

import * as vscode from 'vscode';
import type { ClusterFinding, ClusterReport } from '../core/cluster/index.js';
import { TRIVY_SEVERITIES, type TrivySeverity } from '../core/index.js';
import { CLUSTER_VIEW, CONTEXT_KEYS } from './commandIds.js';
import type { Config } from './config.js';
import { loadCluster } from './lazy.js';
import type { ScanController } from './scanning.js';

type Node =
  | { readonly type: 'cluster'; readonly report: ClusterReport }
  | { readonly type: 'severity'; readonly severity: TrivySeverity; readonly findings: readonly ClusterFinding[] }
  | { readonly type: 'namespace'; readonly namespace: string; readonly findings: readonly ClusterFinding[] }
  | { readonly type: 'workloads'; readonly workloads: readonly string[] }
  | { readonly type: 'image'; readonly image: string; readonly findings: readonly ClusterFinding[] }
  | { readonly type: 'finding'; readonly finding: ClusterFinding }
  | { readonly type: 'errors'; readonly report: ClusterReport };

export class ClusterView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private current: ClusterReport | undefined;
  private running: AbortController | undefined;
  private panel: vscode.WebviewPanel | undefined;
  /** The progress messages of the last scan (for tests). */
  readonly progress: string[] = [];

  constructor(
    private readonly storage: vscode.Uri,
    private readonly media: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly config: Config,
    private readonly scans: ScanController,
  ) {}

  /** The tree as labels, depth first (for tests): `[depth, label, description]`. */
  outline(): [number, string, string][] {
    return this.walk().map(([node, depth]) => {
      const item = this.getTreeItem(node);
      return [
        depth,
        typeof item.label === 'string' ? item.label : (item.label?.label ?? ''),
        typeof item.description === 'string' ? item.description : '',
      ];
    });
  }

  /** The last report (for export and tests). */
  report(): ClusterReport | undefined {
    return this.current;
  }

  async scan(): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showInformationMessage(
        'Shipshape reads your kubeconfig and runs Trivy to scan a cluster, which an untrusted workspace does not allow. Trust the workspace first.',
      );
      return;
    }
    const network = await loadCluster();
    const settings = this.config.cluster();
    const options = { ...(settings.kubeconfig && { kubeconfig: settings.kubeconfig }) };
    let context = settings.context;
    if (!context) {
      try {
        const { config } = await network.loadKubeConfig(options);
        const contexts = config.getContexts().map((c) => c.name);
        if (contexts.length > 1) {
          context = await vscode.window.showQuickPick(contexts, {
            title: 'Shipshape: scan which cluster?',
            placeHolder: config.getCurrentContext(),
          });
          if (!context) return;
        }
      } catch (error) {
        this.fail(error);
        return;
      }
    }
    const { namespaces } = settings;
    let sla = network.DEFAULT_SLA;
    try {
      sla = network.parseSla(settings.sla);
    } catch (error) {
      void vscode.window.showWarningMessage(`Shipshape: shipshape.cluster.sla: ${(error as Error).message}; using the defaults.`);
    }
    const scanner = await this.scans.getScanner();
    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    this.progress.length = 0;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Shipshape: scanning the cluster', cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        const say = (message: string) => {
          this.progress.push(message);
          progress.report({ message });
        };
        say('listing pods…');
        let failed = 0;
        let report: ClusterReport;
        try {
          report = await network.scanCluster({
            ...options,
            ...(context && { context }),
            ...(namespaces.length > 0 && { namespaces }),
            scanner,
            state: new network.DeadlineState(vscode.Uri.joinPath(this.storage, 'deadlines.json').fsPath, this.log),
            sla,
            signal: controller.signal,
            logger: this.log,
            onPods: (pods) => say(`listing pods: ${pods} read`),
            onProgress: (done, total, outcome) => {
              if (!outcome.ok && outcome.failure.reason !== 'cancelled') failed++;
              say(`${total} images found · ${done - failed} scanned · ${failed} failed`);
            },
          });
        } catch (error) {
          if (!controller.signal.aborted) this.fail(error);
          return;
        } finally {
          if (this.running === controller) this.running = undefined;
        }
        this.current = report;
        void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.clusterScanned, true);
        const breached = report.findings.filter((f) => f.breached).length;
        this.log.info(
          `cluster ${report.context}: ${report.pods} pods, ${report.images.length} images, ${report.findings.length} findings (${breached} ` +
            `breached), ${report.errors.length} errors${report.cancelled ? ' (cancelled: partial)' : ''}`,
        );
        this.changed.fire(undefined);
        void this.renderPanel();
        void vscode.commands.executeCommand(`${CLUSTER_VIEW}.focus`);
        if (report.cancelled) {
          const scanned = [...report.outcomes.values()].filter((o) => o.ok).length;
          void vscode.window.showInformationMessage(
            `Shipshape: cluster scan cancelled. Showing what was found so far: ${report.images.length} images from ${report.pods} pods, ${scanned} scanned.`,
          );
        }
      },
    );
  }

  /** Stops a running cluster scan (what the notification's Cancel does). */
  cancel(): void {
    this.running?.abort();
  }

  private fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.log.error(message);
    void vscode.window.showErrorMessage(`Shipshape: ${message}`, 'Show Log').then((choice) => {
      if (choice) this.log.show();
    });
  }

  /** Redraws the tree (grouping changed). */
  refresh(): void {
    this.changed.fire(undefined);
  }

  async export(): Promise<void> {
    const report = this.current;
    if (!report) {
      void vscode.window.showInformationMessage('Shipshape: scan a cluster first.');
      return;
    }
    const target = await vscode.window.showSaveDialog({
      filters: { CSV: ['csv'], JSON: ['json'], SARIF: ['sarif'], Markdown: ['md'] },
      defaultUri: vscode.Uri.file(`shipshape-${report.context}.csv`),
    });
    if (!target) return;
    const cluster = await loadCluster();
    const text = cluster.renderClusterReport(report, cluster.clusterFormatOfFile(target.path));
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
  }

  /** Opens (or reveals) the report page: a severity chart and the breach list. */
  async openReport(): Promise<void> {
    if (!this.current) {
      void vscode.window.showInformationMessage('Shipshape: scan a cluster first.');
      return;
    }
    if (this.panel) this.panel.reveal();
    else {
      this.panel = vscode.window.createWebviewPanel('shipshape.clusterReport', 'Shipshape: Cluster Report', vscode.ViewColumn.Active, {
        enableScripts: false,
        enableCommandUris: false,
        localResourceRoots: [this.media],
      });
      this.panel.onDidDispose(() => (this.panel = undefined));
    }
    await this.renderPanel();
  }

  /** The report page's HTML as shown (for tests). */
  reportHtml(): string | undefined {
    return this.panel?.webview.html;
  }

  private async renderPanel(): Promise<void> {
    const panel = this.panel;
    const report = this.current;
    if (!panel || !report) return;
    const { toClusterHtml } = await loadCluster();
    panel.title = `Shipshape: ${report.context}`;
    panel.webview.html = toClusterHtml(report, {
      cspSource: panel.webview.cspSource,
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(this.media, 'report.css')).toString(),
    });
  }

  /** Copies what a tree item stands for: an image reference, or a vulnerability as a line. */
  async copy(node: Node | undefined, what: 'image' | 'vulnerability'): Promise<string | undefined> {
    if (!node) return undefined;
    let text: string | undefined;
    if (what === 'image') text = node.type === 'image' ? node.image : node.type === 'finding' ? node.finding.image : undefined;
    else if (node.type === 'finding') {
      const f = node.finding;
      text =
        `${f.id} (${f.severity}) ${f.package} ${f.installed} → ${f.fixed.join(', ') || 'no fix'}, deadline ` +
        `${f.deadline.slice(0, 10)}${f.breached ? ' (breached)' : ''}: ${f.image}${f.url ? ` ${f.url}` : ''}`;
    }
    if (text !== undefined) await vscode.env.clipboard.writeText(text);
    return text;
  }

  /** Every node, depth first, in the order of outline() (for tests). */
  nodes(): Node[] {
    return this.walk().map(([node]) => node);
  }

  /** Every node with its depth, depth first. */
  private walk(): [Node, number][] {
    const all: [Node, number][] = [];
    const visit = (nodes: Node[], depth: number) => {
      for (const node of nodes) {
        all.push([node, depth]);
        visit(this.getChildren(node), depth + 1);
      }
    };
    visit(this.getChildren(), 0);
    return all;
  }

  getChildren(node?: Node): Node[] {
    const report = this.current;
    if (!report) return [];
    if (!node) return [{ type: 'cluster', report }];
    if (node.type === 'cluster') {
      const byNamespace = this.config.cluster().groupBy === 'namespace';
      const groups: Node[] = byNamespace
        ? [...new Set(report.findings.flatMap((f) => f.namespaces))].sort().map((namespace) => ({
            type: 'namespace' as const,
            namespace,
            findings: report.findings.filter((f) => f.namespaces.includes(namespace)),
          }))
        : TRIVY_SEVERITIES.map((severity) => ({
            type: 'severity' as const,
            severity,
            findings: report.findings.filter((f) => f.severity === severity),
          })).filter((g) => g.findings.length > 0);
      if (report.errors.length > 0) groups.push({ type: 'errors', report });
      return groups;
    }
    if (node.type === 'severity' || node.type === 'namespace') {
      const byImage = new Map<string, ClusterFinding[]>();
      for (const f of node.findings) byImage.set(f.image, [...(byImage.get(f.image) ?? []), f]);
      return [...byImage.entries()].map(([image, findings]) => ({ type: 'image' as const, image, findings }));
    }
    if (node.type === 'image') {
      const workloads: Node = { type: 'workloads', workloads: node.findings[0]?.workloads ?? [] };
      return [workloads, ...node.findings.map((finding) => ({ type: 'finding' as const, finding }))];
    }
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.type) {
      case 'cluster': {
        const item = new vscode.TreeItem(node.report.context, vscode.TreeItemCollapsibleState.Expanded);
        const breached = node.report.findings.filter((f) => f.breached).length;
        item.description =
          `${node.report.images.length} images · ${node.report.findings.length} findings · ${breached} past ` +
          `deadline${node.report.cancelled ? ' · partial (cancelled)' : ''}`;
        item.tooltip = `${node.report.server}\n${node.report.pods} pods, scanned ${node.report.generatedAt}`;
        item.iconPath = new vscode.ThemeIcon('server');
        return item;
      }
      case 'severity': {
        const item = new vscode.TreeItem(
          node.severity,
          node.severity === 'CRITICAL' || node.severity === 'HIGH'
            ? vscode.TreeItemCollapsibleState.Expanded
            : vscode.TreeItemCollapsibleState.Collapsed,
        );
        item.description = `${node.findings.length} findings in ${new Set(node.findings.map((f) => f.image)).size} images`;
        item.iconPath = new vscode.ThemeIcon(node.severity === 'CRITICAL' ? 'error' : node.severity === 'HIGH' ? 'warning' : 'info');
        return item;
      }
      case 'namespace': {
        const item = new vscode.TreeItem(node.namespace, vscode.TreeItemCollapsibleState.Expanded);
        item.description = `${node.findings.length} findings, ${node.findings.filter((f) => f.breached).length} past deadline`;
        item.iconPath = new vscode.ThemeIcon('symbol-namespace');
        return item;
      }
      case 'workloads': {
        const item = new vscode.TreeItem(
          `Runs in ${node.workloads.length} workload${node.workloads.length === 1 ? '' : 's'}`,
          vscode.TreeItemCollapsibleState.None,
        );
        item.description = node.workloads.join(', ');
        item.tooltip = node.workloads.join('\n');
        item.iconPath = new vscode.ThemeIcon('symbol-class');
        return item;
      }
      case 'image': {
        const item = new vscode.TreeItem(node.image, vscode.TreeItemCollapsibleState.Collapsed);
        item.description = node.findings[0]?.workloads.join(', ') ?? '';
        item.iconPath = new vscode.ThemeIcon('package');
        item.contextValue = 'image';
        return item;
      }
      case 'finding': {
        const f = node.finding;
        const item = new vscode.TreeItem(`${f.id}  ${f.package} ${f.installed}`, vscode.TreeItemCollapsibleState.None);
        item.description =
          `${f.fixed.length > 0 ? `fixed in ${f.fixed.join(', ')}` : 'no fix'} · due ` +
          `${f.deadline.slice(0, 10)}${f.breached ? ' · BREACHED' : ''}`;
        item.tooltip =
          `${f.title ?? f.id}\nImage: ${f.image}\nFirst seen ${f.firstSeen.slice(0, 10)}, deadline ${f.deadline.slice(0, 10)}\nRuns in ` +
          `${f.workloads.join(', ')}`;
        item.iconPath = new vscode.ThemeIcon(
          f.breached ? 'flame' : 'circle-outline',
          f.breached ? new vscode.ThemeColor('errorForeground') : undefined,
        );
        if (f.url && /^https:\/\//.test(f.url))
          item.command = { title: 'Open', command: 'vscode.open', arguments: [vscode.Uri.parse(f.url)] };
        item.contextValue = 'finding';
        return item;
      }
      case 'errors': {
        const item = new vscode.TreeItem('Not scanned', vscode.TreeItemCollapsibleState.None);
        item.description = `${node.report.errors.length}`;
        item.tooltip = node.report.errors.map((e) => `${e.image ?? e.namespace ?? ''}: ${e.message}`).join('\n');
        item.iconPath = new vscode.ThemeIcon('warning');
        return item;
      }
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
