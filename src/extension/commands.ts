// The command table: every command of the extension and what runs it, registered in one loop.
// A command that cannot do anything now says why instead of failing silently.

import * as vscode from 'vscode';
import type { ClusterView } from './cluster.js';
import type { ClusterLinks } from './clusterLinks.js';
import type { CompletedTag, TagCompletion } from './completion.js';
import { COMMANDS, type CommandName } from './commandIds.js';
import type { DiagnosticsController } from './diagnostics.js';
import type { ImageLocation, PinController } from './pinning.js';
import type { ScanController } from './scanning.js';

export interface CommandTargets {
  readonly log: vscode.LogOutputChannel;
  readonly diagnostics: DiagnosticsController;
  readonly scans: ScanController;
  readonly pins: PinController;
  readonly cluster: ClusterView;
  readonly links: ClusterLinks;
  readonly completion: TagCompletion;
}

type ClusterNode = Parameters<ClusterView['copy']>[0];

export function commandTable({ log, diagnostics, scans, pins, cluster, links, completion }: CommandTargets): {
  [K in CommandName]: (...args: never[]) => unknown;
} {
  return {
    showLog: () => log.show(),
    // From a CodeLens: the lens's own file (by URI), whatever editor is active; from the palette: the active one.
    scanFile: async (uri?: unknown) => {
      const document = typeof uri === 'string' ? await openDocument(uri) : vscode.window.activeTextEditor?.document;
      if (!document || !diagnostics.resultOf(document)) {
        void vscode.window.showInformationMessage('Shipshape: open a Dockerfile, Kubernetes manifest or Compose file to scan its images.');
        return;
      }
      await scans.scanDocument(document, true);
    },
    scanWorkspace: () => scans.scanWorkspace(),
    clearScanCache: () => scans.clearCache(),
    pinAll: async (uri?: string) => {
      const document = uri ? await vscode.workspace.openTextDocument(vscode.Uri.parse(uri)) : vscode.window.activeTextEditor?.document;
      await pins.pinAll(document);
    },
    pinImage: (location: ImageLocation) => pins.pinImage(location),
    updateDigest: (location: ImageLocation) => pins.updateDigest(location),
    pinCompletedTag: (completed: CompletedTag) => completion.pinCompleted(completed),
    scanCluster: () => cluster.scan(),
    openClusterReport: () => cluster.openReport(),
    exportClusterReport: () => cluster.export(),
    copyClusterImage: (node: ClusterNode) => cluster.copy(node, 'image'),
    copyClusterVulnerability: (node: ClusterNode) => cluster.copy(node, 'vulnerability'),
    clearClusterReport: () => cluster.clear(),
    revealClusterImage: (node: ClusterNode) => links.reveal(cluster.imageOf(node)),
    // From a CodeLens: the running images of the line's repository.
    showClusterImage: (images: unknown) =>
      cluster.showImage(Array.isArray(images) ? images.filter((i): i is string => typeof i === 'string') : []),
  };
}

export function registerCommands(targets: CommandTargets): vscode.Disposable[] {
  const table = commandTable(targets);
  return (Object.keys(COMMANDS) as CommandName[]).map((name) =>
    vscode.commands.registerCommand(COMMANDS[name], table[name] as (...args: unknown[]) => unknown),
  );
}

/** A document named by a command argument (a URI as text), or undefined when it cannot be opened. */
async function openDocument(uri: string): Promise<vscode.TextDocument | undefined> {
  try {
    return await vscode.workspace.openTextDocument(vscode.Uri.parse(uri, true));
  } catch {
    return undefined;
  }
}
