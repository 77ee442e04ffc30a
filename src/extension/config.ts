// The one reader of the `shipshape.*` settings (settings.ts turns them into plain values), and
// the router of their changes: each change is sorted into what it concerns, and a trust grant,
// after which VS Code delivers the workspace's restricted values, counts as a change of all.

import * as vscode from 'vscode';
import {
  EVERYTHING,
  readAdviseSettings,
  readAnalysisSettings,
  readClusterSettings,
  readComposeEnvFiles,
  readDocumentScanSettings,
  readHelmValuesFiles,
  readRegistrySettings,
  readScannerSettings,
  settingsChange,
  type AdviseSettings,
  type AnalysisSettings,
  type ClusterSettings,
  type DocumentScanSettings,
  type RegistrySettings,
  type ScannerSettings,
  type SettingsChange,
} from './settings.js';

/** How long to wait after a trust grant for the workspace's restricted settings to arrive. */
const TRUSTED_SETTINGS_WAIT_MS = 1000;

export type ConfigListener = (change: SettingsChange, reason: string) => void;

export class Config implements vscode.Disposable {
  private readonly listeners: ConfigListener[] = [];
  private readonly subscriptions: vscode.Disposable[];
  private trustTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.subscriptions = [
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!event.affectsConfiguration('shipshape')) return;
        // Right after a trust grant, this change carries the workspace's restricted values: it
        // applies them (and the trust) in place of the fallback timer.
        const trusted = this.trustTimer !== undefined;
        this.clearTrustTimer();
        this.fire(trusted ? EVERYTHING : settingsChange((section) => event.affectsConfiguration(section)), 'settings changed');
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.log.info('workspace trusted: vulnerability scanning is on');
        this.clearTrustTimer();
        this.trustTimer = setTimeout(() => {
          this.trustTimer = undefined;
          this.fire(EVERYTHING, 'workspace trusted');
        }, TRUSTED_SETTINGS_WAIT_MS);
      }),
    ];
  }

  onDidChange(listener: ConfigListener): void {
    this.listeners.push(listener);
  }

  private fire(change: SettingsChange, reason: string): void {
    for (const listener of this.listeners) listener(change, reason);
  }

  private clearTrustTimer(): void {
    if (this.trustTimer) clearTimeout(this.trustTimer);
    this.trustTimer = undefined;
  }

  private get(scope?: vscode.ConfigurationScope): (key: string) => unknown {
    const settings = vscode.workspace.getConfiguration('shipshape', scope);
    return (key) => settings.get(key);
  }

  /** What analysing a document takes; folder settings apply to their files. */
  analysis(uri?: vscode.Uri): AnalysisSettings {
    const settings = readAnalysisSettings(this.get(uri));
    // The date end-of-life verdicts are judged by: the core reads no clock of its own.
    return { ...settings, analyze: { ...settings.analyze, now: Date.now() } };
  }

  /** The values files each chart of a workspace folder is rendered with (its `shipshape.helm.valuesFiles`). */
  helmValuesFiles(folder: vscode.Uri): Record<string, readonly string[]> {
    return folder.scheme === 'file' ? readHelmValuesFiles(this.get(folder), folder.fsPath) : {};
  }

  /** The env files of Compose projects under this folder (instead of their `.env`). */
  envFiles(uri: vscode.Uri): readonly string[] {
    return readComposeEnvFiles(this.get(uri));
  }

  /** When a document's images are scanned, and whether CodeLenses show. */
  documentScan(uri: vscode.Uri): DocumentScanSettings {
    return readDocumentScanSettings(this.get(uri));
  }

  /** The scanner's set-up; what cannot be used is logged. */
  scanner(): ScannerSettings {
    return this.logged(readScannerSettings(this.get()));
  }

  registry(): RegistrySettings {
    return this.logged(readRegistrySettings(this.get()));
  }

  /** The registry settings without saying their problems again (asked at every keystroke). */
  registryQuietly(): RegistrySettings {
    return readRegistrySettings(this.get());
  }

  advise(): AdviseSettings {
    return readAdviseSettings(this.get());
  }

  cluster(): ClusterSettings {
    return readClusterSettings(this.get());
  }

  private logged<T extends { readonly problems: readonly string[] }>(settings: T): T {
    for (const problem of settings.problems) this.log.warn(problem);
    return settings;
  }

  dispose(): void {
    this.clearTrustTimer();
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
