// The cluster view: "Shipshape: Scan Cluster" reads the images running in the clusters the
// settings name (several kubeconfig contexts in one run), scans each distinct image once (sharing
// the editor's scanner and cache) and shows one root per cluster, its findings by severity or
// namespace, with deadlines; a cluster that could not be read is a root with why and what to do.

import * as vscode from 'vscode';
import type { ClusterFinding, ClusterRead, ClustersReport, ReportError, RunningImage } from '../core/cluster/index.js';
import { plural, TRIVY_SEVERITIES, type StaleLookup, type TrivySeverity } from '../core/index.js';
import { CLUSTER_VIEW, CONTEXT_KEYS } from './commandIds.js';
import type { Config } from './config.js';
import { loadCluster, type Cluster } from './lazy.js';
import type { ScanController } from './scanning.js';

type Node =
  | {
      readonly type: 'cluster';
      readonly cluster: ClusterRead;
      readonly images: number;
      readonly findings: readonly ClusterFinding[];
      readonly generatedAt: string;
      readonly partial: boolean;
    }
  | { readonly type: 'message'; readonly label: string; readonly tooltip: string; readonly icon: string; readonly setting?: string }
  | { readonly type: 'severity'; readonly severity: TrivySeverity; readonly findings: readonly ClusterFinding[] }
  | { readonly type: 'namespace'; readonly namespace: string; readonly findings: readonly ClusterFinding[] }
  | { readonly type: 'workloads'; readonly workloads: readonly string[] }
  | { readonly type: 'image'; readonly image: string; readonly workloads: readonly string[]; readonly findings: readonly ClusterFinding[] }
  | { readonly type: 'finding'; readonly finding: ClusterFinding }
  | { readonly type: 'errors'; readonly errors: readonly ReportError[] };

/** The tree of one report, built once: VS Code reveals a node by its identity, found again through getParent. */
interface Tree {
  readonly roots: Node[];
  readonly children: Map<Node, Node[]>;
  readonly parents: Map<Node, Node>;
  /**
   * Each node's id: its parent's and what it stands for. VS Code keeps a tree's nodes apart by it
   * (without ids, the children of every root but the first went undrawn) and keeps what was
   * expanded when a scan gives the same tree again.
   */
  readonly ids: Map<Node, string>;
}

const EMPTY: Tree = { roots: [], children: new Map(), parents: new Map(), ids: new Map() };

/** What a node stands for among its siblings. */
function keyOf(node: Node): string {
  switch (node.type) {
    case 'cluster':
      return `cluster:${node.cluster.context}`;
    case 'message':
      return `message:${node.label}`;
    case 'severity':
      return node.severity;
    case 'namespace':
      return `namespace:${node.namespace}`;
    case 'workloads':
      return 'workloads';
    case 'image':
      return `image:${node.image}`;
    case 'finding':
      return `finding:${node.finding.id}|${node.finding.package}|${node.finding.installed}`;
    case 'errors':
      return 'errors';
  }
}

export class ClusterView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly reportChanged = new vscode.EventEmitter<ClustersReport | undefined>();
  /** A new report (a scan ended) or none (cleared). */
  readonly onDidChangeReport = this.reportChanged.event;
  private current: ClustersReport | undefined;
  /** The cluster entry of the core, loaded by the first scan (the tree's texts use it). */
  private core: Cluster | undefined;
  private tree: Tree = EMPTY;
  private view: vscode.TreeView<Node> | undefined;
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
    /** Where running tags are checked (stale-digest): the editor's pin checker, undefined with shipshape.registry.checkPins off. */
    private readonly staleLookup: () => Promise<StaleLookup | undefined>,
  ) {}

  /**
   * Shows the tree in its view (a TreeView, so that a node can be revealed), from the first scan on.
   * Until then the view has no provider and VS Code shows its welcome text (as for an empty tree);
   * creating a tree view costs activation about as much as the rest of it.
   */
  private showView(): vscode.TreeView<Node> {
    this.view ??= vscode.window.createTreeView(CLUSTER_VIEW, { treeDataProvider: this, showCollapseAll: true });
    return this.view;
  }

  /** The tree as labels, depth first (for tests): `[depth, label, description]`. */
  outline(): [number, string, string][] {
    return this.walk().map(([node, depth]) => [depth, ...this.texts(node)]);
  }

  /** The labels of the selected nodes (for tests). */
  selection(): string[] {
    return (this.view?.selection ?? []).map((node) => this.texts(node)[0]);
  }

  private texts(node: Node): [string, string] {
    const item = this.getTreeItem(node);
    return [
      typeof item.label === 'string' ? item.label : (item.label?.label ?? ''),
      typeof item.description === 'string' ? item.description : '',
    ];
  }

  /** The last report (for export, the workspace links and tests). */
  report(): ClustersReport | undefined {
    return this.current;
  }

  async scan(): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showInformationMessage(
        'Shipshape reads your kubeconfig and runs Trivy to scan a cluster, which an untrusted workspace does not allow. Trust the workspace first.',
      );
      return;
    }
    const core = await loadCluster();
    this.core = core;
    const settings = this.config.cluster();
    const { namespaces } = settings;
    const contexts = settings.contexts.length > 0 ? settings.contexts : await this.pickContexts(core, settings.kubeconfig);
    if (!contexts) return;
    let sla = core.DEFAULT_SLA;
    try {
      sla = core.parseSla(settings.sla);
    } catch (error) {
      void vscode.window.showWarningMessage(`Shipshape: shipshape.cluster.sla: ${(error as Error).message}; using the defaults.`);
    }
    const scanner = await this.scans.getScanner();
    const staleDigests = await this.staleLookup();
    this.running?.abort();
    const controller = new AbortController();
    this.running = controller;
    this.progress.length = 0;
    const title = contexts.length > 1 ? `Shipshape: scanning ${contexts.length} clusters` : 'Shipshape: scanning the cluster';
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        const say = (message: string) => {
          this.progress.push(message);
          progress.report({ message });
        };
        say('listing pods…');
        let failed = 0;
        let report: ClustersReport;
        try {
          const rules = this.config.analysis().analyze.rules;
          report = await core.scanClusters({
            ...(settings.kubeconfig && { kubeconfig: settings.kubeconfig }),
            ...(contexts.length > 0 && { contexts }),
            ...(namespaces.length > 0 && { namespaces }),
            scanner,
            state: new core.DeadlineState(vscode.Uri.joinPath(this.storage, 'deadlines.json').fsPath, this.log),
            sla,
            // The rules as the user set them (eol-image off, or another severity), at the window's level.
            ...(rules && { analyze: { rules } }),
            ...(staleDigests && { staleDigests }),
            signal: controller.signal,
            logger: this.log,
            onPods: (pods) => say(`listing pods: ${pods} read`),
            onProgress: (done, total, outcome) => {
              if (!outcome.ok && outcome.failure.reason !== 'cancelled') failed++;
              say(`${plural(total, 'image')} found · ${done - failed} scanned · ${failed} failed`);
            },
          });
        } catch (error) {
          if (!controller.signal.aborted) this.fail(error);
          return;
        } finally {
          if (this.running === controller) this.running = undefined;
        }
        this.show(report);
        for (const cluster of report.clusters) {
          if (cluster.error) this.log.warn(`cluster ${cluster.context}: not read: ${cluster.error}`);
          else this.log.info(`cluster ${cluster.context}: ${plural(cluster.pods, 'pod')}${cluster.partial ? ' (partial)' : ''}`);
        }
        const breached = report.findings.filter((f) => f.breached).length;
        this.log.info(
          `${plural(report.pods, 'pod')}, ${plural(report.images.length, 'image')}, ${plural(report.findings.length, 'finding')} (${breached} breached), ` +
            `${plural(report.errors.length, 'error')}${report.cancelled ? ' (cancelled: partial)' : ''}`,
        );
        void this.renderPanel();
        void vscode.commands.executeCommand(`${CLUSTER_VIEW}.focus`).then(() => this.expandRoots());
        if (report.cancelled) {
          const scanned = [...report.outcomes.values()].filter((o) => o.ok).length;
          void vscode.window.showInformationMessage(
            `Shipshape: cluster scan cancelled. Showing what was found so far: ${plural(report.images.length, 'image')} from ${plural(report.pods, 'pod')}, ${scanned} scanned.`,
          );
        }
      },
    );
  }

  private show(report: ClustersReport | undefined): void {
    this.current = report;
    this.tree = report ? this.build(report) : EMPTY;
    if (report) this.showView();
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.clusterScanned, report !== undefined);
    this.changed.fire(undefined);
    this.reportChanged.fire(report);
  }

  /**
   * With no `shipshape.cluster.contexts` and a kubeconfig of several contexts: which to scan, the
   * current one picked. Empty: the current context (one context, or a kubeconfig that cannot be
   * read, which the scan then says). Undefined: the user dismissed the question.
   */
  private async pickContexts(core: Cluster, kubeconfig: readonly string[] | undefined): Promise<readonly string[] | undefined> {
    let config;
    try {
      ({ config } = await core.loadKubeConfig({ ...(kubeconfig && { kubeconfig }) }));
    } catch {
      return [];
    }
    const all = config.getContexts();
    if (all.length < 2) return [];
    const current = config.getCurrentContext();
    const picked = await vscode.window.showQuickPick(
      all.map((c) => ({
        // `$(…)` in a name stays text (VS Code draws it as an icon).
        label: c.name.replace(/\$\(/g, '\\$('),
        description: config.getCluster(c.cluster)?.server ?? '',
        picked: c.name === current,
        context: c.name,
      })),
      {
        title: 'Shipshape: scan which clusters?',
        placeHolder: 'Set shipshape.cluster.contexts not to be asked',
        canPickMany: true,
        ignoreFocusOut: true,
      },
    );
    return picked && picked.length > 0 ? picked.map((p) => p.context) : undefined;
  }

  /** Forgets the report: the tree empties, and what links it to the workspace goes. */
  clear(): void {
    this.panel?.dispose();
    this.show(undefined);
  }

  /**
   * Opens every cluster's root, one after the other. With several roots created Expanded, VS Code
   * (1.100) fetches their children together and draws only the first root's: the others showed
   * open and empty. So several roots start collapsed and are opened here, each on its own.
   */
  private async expandRoots(): Promise<void> {
    for (const root of this.tree.roots) {
      if (this.view) await this.view.reveal(root, { select: false, focus: false, expand: true }).then(undefined, () => {});
    }
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
    if (this.current) this.tree = this.build(this.current);
    this.changed.fire(undefined);
    if (this.view?.visible) void this.expandRoots();
  }

  async export(): Promise<void> {
    const report = this.current;
    if (!report) {
      void vscode.window.showInformationMessage('Shipshape: scan a cluster first.');
      return;
    }
    // Context names come from the kubeconfig: only their safe characters make the suggested name.
    const name = report.clusters.length === 1 ? report.clusters[0]!.context.replace(/[^A-Za-z0-9._-]+/g, '-') : 'clusters';
    const target = await vscode.window.showSaveDialog({
      filters: { CSV: ['csv'], JSON: ['json'], SARIF: ['sarif'], Markdown: ['md'] },
      defaultUri: vscode.Uri.file(`shipshape-${name}.csv`),
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
    panel.title = `Shipshape: ${report.clusters.map((c) => c.context).join(', ')}`;
    panel.webview.html = toClusterHtml(report, {
      cspSource: panel.webview.cspSource,
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(this.media, 'report.css')).toString(),
    });
  }

  /** The image reference a tree item stands for (an image, or a vulnerability of one). */
  imageOf(node: Node | undefined): string | undefined {
    return node?.type === 'image' ? node.image : node?.type === 'finding' ? node.finding.image : undefined;
  }

  /** Copies what a tree item stands for: an image reference, or a vulnerability as a line. */
  async copy(node: Node | undefined, what: 'image' | 'vulnerability'): Promise<string | undefined> {
    if (!node) return undefined;
    let text: string | undefined;
    if (what === 'image') text = this.imageOf(node);
    else if (node.type === 'finding') {
      const f = node.finding;
      text =
        `${f.id} (${f.severity}) ${f.package} ${f.installed} → ${f.fixed.join(', ') || 'no fix'}, deadline ` +
        `${f.deadline.slice(0, 10)}${f.breached ? ' (breached)' : ''}: ${f.image}${f.url ? ` ${f.url}` : ''}`;
    }
    if (text !== undefined) await vscode.env.clipboard.writeText(text);
    return text;
  }

  /**
   * Selects in the tree the first node of one of these images (the most severe group of the first
   * cluster running it); an image with no finding has no node, so the report page opens instead.
   */
  async showImage(images: readonly string[]): Promise<void> {
    const wanted = new Set(images);
    const node = this.walk().find(([n]) => n.type === 'image' && wanted.has(n.image))?.[0];
    if (!node || !this.view) {
      await this.openReport();
      return;
    }
    await vscode.commands.executeCommand(`${CLUSTER_VIEW}.focus`);
    await this.view.reveal(node, { select: true, focus: true, expand: true });
  }

  /** Every node, depth first, in the order of outline() (for tests). */
  nodes(): Node[] {
    return this.walk().map(([node]) => node);
  }

  /** Every node with its depth, depth first. */
  private walk(): [Node, number][] {
    const all: [Node, number][] = [];
    const visit = (nodes: readonly Node[], depth: number) => {
      for (const node of nodes) {
        all.push([node, depth]);
        visit(this.getChildren(node), depth + 1);
      }
    };
    visit(this.getChildren(), 0);
    return all;
  }

  getChildren(node?: Node): Node[] {
    return node ? (this.tree.children.get(node) ?? []) : this.tree.roots;
  }

  getParent(node: Node): Node | undefined {
    return this.tree.parents.get(node);
  }

  /** One root per cluster asked for; under each, its findings grouped as the settings say. */
  private build(report: ClustersReport): Tree {
    const children = new Map<Node, Node[]>();
    const parents = new Map<Node, Node>();
    const add = (parent: Node, nodes: Node[]): void => {
      children.set(parent, nodes);
      for (const node of nodes) parents.set(node, parent);
    };
    const ids = new Map<Node, string>();
    const name = (nodes: readonly Node[], prefix: string): void => {
      const seen = new Map<string, number>();
      for (const node of nodes) {
        const key = keyOf(node);
        const count = seen.get(key) ?? 0;
        seen.set(key, count + 1);
        const id = `${prefix}/${key}${count > 0 ? `#${count}` : ''}`;
        ids.set(node, id);
        name(children.get(node) ?? [], id);
      }
    };
    const byReference = new Map<string, RunningImage>(report.images.map((i) => [i.reference, i]));
    const byNamespace = this.config.cluster().groupBy === 'namespace';
    const roots = report.clusters.map((cluster): Node => {
      const context = cluster.context;
      const runsHere = (image: RunningImage | undefined) => !!image && image.contexts.includes(context);
      const findings = report.findings.filter((f) => f.contexts.includes(context));
      const root: Node = {
        type: 'cluster',
        cluster,
        images: report.images.filter(runsHere).length,
        findings,
        generatedAt: report.generatedAt,
        partial: !!cluster.partial || report.cancelled,
      };
      if (cluster.error) {
        add(root, [
          { type: 'message', label: cluster.error, tooltip: cluster.error, icon: 'error' },
          {
            type: 'message',
            label: 'Scan again once it can be reached, or leave it out of shipshape.cluster.contexts',
            tooltip: 'Open the setting shipshape.cluster.contexts',
            icon: 'settings-gear',
            setting: 'shipshape.cluster.contexts',
          },
        ]);
        return root;
      }
      /** The workloads of an image in this cluster: `namespace/Kind/name`. */
      const workloadsOf = (reference: string) => (byReference.get(reference)?.workloads ?? []).filter((w) => w.context === context);
      const groups: Node[] = byNamespace
        ? [...new Set(findings.flatMap((f) => workloadsOf(f.image).map((w) => w.namespace)))].sort().map((namespace) => ({
            type: 'namespace' as const,
            namespace,
            findings: findings.filter((f) => workloadsOf(f.image).some((w) => w.namespace === namespace)),
          }))
        : TRIVY_SEVERITIES.map((severity) => ({
            type: 'severity' as const,
            severity,
            findings: findings.filter((f) => f.severity === severity),
          })).filter((g) => g.findings.length > 0);
      for (const group of groups) {
        if (group.type !== 'severity' && group.type !== 'namespace') continue;
        const byImage = new Map<string, ClusterFinding[]>();
        for (const f of group.findings) byImage.set(f.image, [...(byImage.get(f.image) ?? []), f]);
        const images = [...byImage.entries()].map(([image, found]): Node => {
          const workloads = [...new Set(workloadsOf(image).map((w) => `${w.namespace}/${w.kind}/${w.name}`))].sort();
          const node: Node = { type: 'image', image, workloads, findings: found };
          add(node, [{ type: 'workloads', workloads }, ...found.map((finding) => ({ type: 'finding' as const, finding }))]);
          return node;
        });
        add(group, images);
      }
      const errors = report.errors.filter((e) =>
        e.context !== undefined ? e.context === context : e.image !== undefined ? runsHere(byReference.get(e.image)) : true,
      );
      if (errors.length > 0) groups.push({ type: 'errors', errors });
      add(root, groups);
      return root;
    });
    name(roots, '');
    return { roots, children, parents, ids };
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const item = this.itemOf(node);
    const id = this.tree.ids.get(node);
    if (id !== undefined) item.id = id;
    return item;
  }

  private itemOf(node: Node): vscode.TreeItem {
    switch (node.type) {
      case 'cluster': {
        const { cluster } = node;
        const several = this.tree.roots.length > 1;
        const item = new vscode.TreeItem(
          cluster.context,
          several ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded,
        );
        const host = hostOf(cluster.server);
        if (cluster.error) {
          item.description = `not read${host ? ` · ${host}` : ''}`;
          item.tooltip = `${cluster.server}\n${cluster.error}`;
          item.iconPath = new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('errorForeground'));
          item.contextValue = 'unreadCluster';
          return item;
        }
        const breached = node.findings.filter((f) => f.breached).length;
        item.description =
          `${plural(node.images, 'image')} · ${plural(node.findings.length, 'finding')} · ${breached} past deadline · ${plural(cluster.pods, 'pod')}` +
          `${host ? ` · ${host}` : ''}${node.partial ? ' · partial (cancelled)' : ''}`;
        item.tooltip = `${cluster.server}\n${plural(cluster.pods, 'pod')}, scanned ${node.generatedAt}`;
        item.iconPath = new vscode.ThemeIcon('server');
        item.contextValue = 'cluster';
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.tooltip = node.tooltip;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        if (node.setting) item.command = { title: 'Open Settings', command: 'workbench.action.openSettings', arguments: [node.setting] };
        return item;
      }
      case 'severity': {
        const item = new vscode.TreeItem(
          node.severity,
          node.severity === 'CRITICAL' || node.severity === 'HIGH'
            ? vscode.TreeItemCollapsibleState.Expanded
            : vscode.TreeItemCollapsibleState.Collapsed,
        );
        item.description = `${plural(node.findings.length, 'finding')} in ${plural(new Set(node.findings.map((f) => f.image)).size, 'image')}`;
        item.iconPath = new vscode.ThemeIcon(node.severity === 'CRITICAL' ? 'error' : node.severity === 'HIGH' ? 'warning' : 'info');
        return item;
      }
      case 'namespace': {
        const item = new vscode.TreeItem(node.namespace, vscode.TreeItemCollapsibleState.Expanded);
        item.description = `${plural(node.findings.length, 'finding')}, ${node.findings.filter((f) => f.breached).length} past deadline`;
        item.iconPath = new vscode.ThemeIcon('symbol-namespace');
        return item;
      }
      case 'workloads': {
        const item = new vscode.TreeItem(`Runs in ${plural(node.workloads.length, 'workload')}`, vscode.TreeItemCollapsibleState.None);
        item.description = node.workloads.join(', ');
        item.tooltip = node.workloads.join('\n');
        item.iconPath = new vscode.ThemeIcon('symbol-class');
        return item;
      }
      case 'image': {
        const item = new vscode.TreeItem(node.image, vscode.TreeItemCollapsibleState.Collapsed);
        item.description = node.workloads.join(', ');
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
        item.description = `${node.errors.length}`;
        const text = (e: ReportError) => this.core?.errorText(e, false) ?? e.message;
        item.tooltip = node.errors.map(text).join('\n');
        item.iconPath = new vscode.ThemeIcon('warning');
        return item;
      }
    }
  }

  dispose(): void {
    this.view?.dispose();
    this.changed.dispose();
    this.reportChanged.dispose();
  }
}

/** `host:port` of a server URL, for a short description; '' when it is not one. */
function hostOf(server: string): string {
  try {
    return new URL(server).host;
  } catch {
    return '';
  }
}
