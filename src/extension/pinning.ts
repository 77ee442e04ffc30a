// Pinning images to digests from the editor: the "Pin to digest" quick fix, the pin-all command
// and source action, and "tag has moved" diagnostics for pins that have gone stale.

import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  parseReference,
  pinEdits,
  pinTarget,
  plural,
  tagReference,
  type AnalysisResult,
  type ImageOccurrence,
  type PinChange,
  type PinEdits,
} from '../core/index.js';
import type { Config } from './config.js';
import { dropEdited, ruleLink, SOURCE, toRange } from './diagnostics.js';
import { Lazy, loadNetwork, type Network } from './lazy.js';

type RegistryClient = InstanceType<Network['RegistryClient']>;
type ResolveOutcome = Awaited<ReturnType<RegistryClient['resolve']>>;
type TagListOutcome = Awaited<ReturnType<RegistryClient['listTags']>>;

/** The code of the information diagnostic on a pin whose tag has moved. */
export const TAG_MOVED = 'tag-moved';

/** Where a command finds its image: the document, the image's range and the document's version then, as plain JSON. */
export interface ImageLocation {
  readonly uri: string;
  readonly range: { readonly start: { line: number; character: number }; readonly end: { line: number; character: number } };
  /** The version of the document the range is a place in (the quick fix's); the range means nothing in another. */
  readonly version?: number;
}

export class PinController implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('shipshape-pins');
  /** The digest a moved tag points to now, by document and range (for the Update quick fix). */
  private readonly moved = new Map<string, string>();
  private readonly client = new Lazy<RegistryClient>(() =>
    loadNetwork().then((network) => {
      const { insecureRegistries, platform } = this.config.registry();
      return new network.RegistryClient({ logger: this.log, insecureRegistries, ...(platform && { platform }) });
    }),
  );

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly config: Config,
    private readonly analysisOf: (document: vscode.TextDocument) => AnalysisResult | undefined,
    /** Whether open documents' pins are checked (stale-digest): a moved pin is then said there, with its fix. */
    private readonly pinsChecked: () => boolean = () => false,
  ) {}

  /** Settings changed: the next lookup builds a client with them. */
  configure(): void {
    this.client.reset();
  }

  /** Asks a registry for a digest without any progress shown (completion); undefined when cancelled or not allowed. */
  async resolveQuietly(reference: string, token?: vscode.CancellationToken): Promise<ResolveOutcome | undefined> {
    if (!vscode.workspace.isTrusted) return undefined;
    const client = await this.getClient();
    const controller = new AbortController();
    const subscription = token?.onCancellationRequested(() => controller.abort());
    try {
      const outcome = await client.resolve(reference, controller.signal);
      return token?.isCancellationRequested ? undefined : outcome;
    } finally {
      subscription?.dispose();
    }
  }

  /** A repository's tags, as its registry lists them (completion, advice). */
  async listTags(repository: string, max: number, token?: vscode.CancellationToken): Promise<TagListOutcome> {
    const client = await this.getClient();
    const controller = new AbortController();
    const subscription = token?.onCancellationRequested(() => controller.abort());
    try {
      return await client.listTags(repository, { max, signal: controller.signal });
    } finally {
      subscription?.dispose();
    }
  }

  /** The registry client pinning, completion and advice share (credentials, insecure registries, platform). */
  registryClient(): Promise<RegistryClient> {
    return this.getClient();
  }

  private getClient(): Promise<RegistryClient> {
    return this.client.get();
  }

  private allowed(): boolean {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window.showInformationMessage(
      'Shipshape asks registries for digests with your Docker credentials, which an untrusted workspace does not allow. Trust the workspace to pin images.',
    );
    return false;
  }

  /** The quick fix on an unpinned image: asks its registry, then writes `name:tag@sha256:…`. */
  async pinImage(location: ImageLocation): Promise<void> {
    if (!this.allowed()) return;
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(location.uri));
    const version = document.version;
    const image = location.version === undefined || location.version === version ? this.imageAt(document, location) : undefined;
    const reference = image && tagReference(image);
    if (!image || !reference) {
      void vscode.window.showWarningMessage('Shipshape: the file changed since the quick fix was offered; try again.');
      return;
    }
    const outcome = await this.resolveWithProgress(
      [reference],
      `Shipshape: asking ${registryOf(reference)} for the digest of ${reference}`,
    );
    const result = outcome?.get(reference);
    if (!result) return;
    if (!result.ok) {
      void vscode.window.showErrorMessage(`Shipshape: ${result.failure.message}`);
      return;
    }
    // The image's range is a place in the text the registry was asked for: typed on since, it may hold other text.
    if (document.version !== version) {
      this.changedMeanwhile(document);
      return;
    }
    await this.apply(document, await this.pinsOf(document, [image], () => result.resolved.digest));
  }

  /** Pins every unpinned image of a document, asking each distinct reference once; reports moved tags. */
  async pinAll(document: vscode.TextDocument | undefined): Promise<void> {
    if (!document || !this.analysisOf(document)) {
      void vscode.window.showInformationMessage('Shipshape: open a Dockerfile, Kubernetes manifest or Compose file to pin its images.');
      return;
    }
    if (!this.allowed()) return;
    const asked = document.version;
    const images = this.pinnable(document) ?? [];
    const references = [...new Set(images.map((i) => tagReference(i)!))];
    if (references.length === 0) {
      void vscode.window.showInformationMessage('Shipshape: no image to pin in this file.');
      return;
    }
    const outcomes = await this.resolveWithProgress(references, `Shipshape: asking registries for ${plural(references.length, 'digest')}`);
    if (!outcomes) return;
    const digestOf = (image: ImageOccurrence) => {
      const outcome = outcomes.get(tagReference(image)!);
      return outcome?.ok ? outcome.resolved.digest : undefined;
    };
    // Typed on while the registries answered: the digests (one per reference) are placed in the text as it is now.
    const current = document.version === asked ? images : this.pinnable(document);
    if (!current) {
      this.changedMeanwhile(document);
      return;
    }
    // Unpinned images are pinned; pins whose tag has moved (`previous` set) are shown, for a person to check.
    const { changes, refused } = await this.pinsOf(document, current, digestOf);
    if (!(await this.apply(document, { changes: changes.filter((c) => c.previous === undefined), refused }))) return;
    // With pins checked, a moved pin is already a stale-digest warning with its own fix: one diagnostic on the line, not two.
    this.showMoved(document, this.pinsChecked() ? [] : changes.filter((c) => c.previous !== undefined));
    const failures = [...outcomes.values()].filter((o) => !o.ok);
    if (failures.length > 0) {
      for (const f of failures) if (!f.ok) this.log.warn(f.failure.message);
      const first = failures[0]!;
      void vscode.window
        .showErrorMessage(
          `Shipshape: ${failures.length} of ${plural(references.length, 'image')} could not be resolved${!first.ok ? `: ${first.failure.message}` : ''}`,
          'Show Log',
        )
        .then((choice) => {
          if (choice) this.log.show();
        });
    }
  }

  /** The quick fix on a moved tag: writes the digest the tag points to now. */
  async updateDigest(location: ImageLocation): Promise<void> {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(location.uri));
    const digest = this.moved.get(movedKey(location.uri, location.range));
    const image = location.version === undefined || location.version === document.version ? this.imageAt(document, location) : undefined;
    if (!digest || !image) return;
    await this.apply(document, await this.pinsOf(document, [image], () => digest));
  }

  /** The pins of images placed in `document`, each computed on the document its digest is written into. */
  private async pinsOf(
    document: vscode.TextDocument,
    images: readonly ImageOccurrence[],
    digestOf: (image: ImageOccurrence) => string | undefined,
  ): Promise<PinEdits> {
    const placedIn = path.resolve(document.uri.fsPath);
    const byTarget = new Map<string, ImageOccurrence[]>();
    for (const image of images) {
      const target = pinTarget(image, placedIn);
      byTarget.set(target, [...(byTarget.get(target) ?? []), image]);
    }
    const pins: PinEdits = { changes: [], refused: [] };
    for (const [file, group] of byTarget) {
      // A chart's digest may belong in its parent's values.yaml: that document's own text and version.
      const target = file === placedIn ? document : await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      const style = this.config.registry().pinStyle;
      const { changes, refused } = pinEdits(group, digestOf, { file, text: target.getText(), version: target.version }, placedIn, style);
      pins.changes.push(...changes);
      pins.refused.push(...refused);
    }
    return pins;
  }

  /** The images of a document that can be pinned, from its analysis as it is now; undefined when it has none. */
  private pinnable(document: vscode.TextDocument): ImageOccurrence[] | undefined {
    return this.analysisOf(document)?.images.filter((i) => tagReference(i) !== undefined);
  }

  /** Nothing written: the text the edits were made for is not there any more. */
  private changedMeanwhile(document: vscode.TextDocument): void {
    const name = vscode.workspace.asRelativePath(document.uri);
    this.log.info(`${name} changed while its pins were being made; nothing was written`);
    void vscode.window.showWarningMessage(
      `Shipshape: ${name} changed while the registry was asked, so nothing was written (the pin would have replaced other text). Pin again.`,
    );
  }

  /** A quick fix's way back to the image it was offered for. */
  private imageAt(document: vscode.TextDocument, location: ImageLocation): ImageOccurrence | undefined {
    const range = toRange(location.range);
    return this.analysisOf(document)?.images.find((i) => toRange(i.range).isEqual(range));
  }

  private async resolveWithProgress(references: string[], title: string) {
    const client = await this.getClient();
    const network = await loadNetwork();
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (_progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        const results = await network.resolveAll(client, references, 8, controller.signal);
        return token.isCancellationRequested ? undefined : results;
      },
    );
  }

  /**
   * Writes each change into the file it names (`document`'s own, or another), only while that file
   * is still the version the change was made on (false, and the user told, when one is not); says
   * why the refused images were not pinned.
   */
  private async apply(document: vscode.TextDocument, { changes, refused }: PinEdits): Promise<boolean> {
    const edit = new vscode.WorkspaceEdit();
    const placedIn = path.resolve(document.uri.fsPath);
    const targets: Array<{ uri: vscode.Uri; change: PinChange }> = [];
    for (const change of changes) {
      // An untitled document has no file: its own uri.
      const uri = change.file === placedIn ? document.uri : vscode.Uri.file(change.file);
      const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (change.version !== undefined && open && open.version !== change.version) {
        this.changedMeanwhile(open);
        return false;
      }
      edit.replace(uri, toRange(change.edit.range), change.edit.newText);
      targets.push({ uri, change });
    }
    for (const { image, why } of refused) this.log.warn(`cannot pin ${image.resolved ?? image.raw} here: ${why}`);
    if (refused.length > 0) {
      const first = refused[0]!;
      void vscode.window.showWarningMessage(
        `Shipshape: cannot pin ${first.image.resolved ?? first.image.raw} here: ${first.why}${refused.length > 1 ? ` (and ${refused.length - 1} more, see the log)` : ''}`,
      );
    }
    if (edit.size === 0) return true;
    // VS Code applies it only to the versions the extension host sees now, which were checked above.
    if (!(await vscode.workspace.applyEdit(edit))) {
      this.changedMeanwhile(document);
      return false;
    }
    for (const { uri, change } of targets) {
      this.log.info(
        `${vscode.workspace.asRelativePath(uri)}:${change.edit.range.start.line + 1}: pinned ${change.image.raw} -> ${change.edit.newText}`,
      );
    }
    return true;
  }

  private showMoved(document: vscode.TextDocument, moved: readonly PinChange[]): void {
    const diagnostics: vscode.Diagnostic[] = [];
    for (const { image, previous, edit } of moved) {
      const now = edit.newText.slice(edit.newText.lastIndexOf('@') + 1);
      const diagnostic = new vscode.Diagnostic(
        toRange(image.range),
        `The tag of \`${tagReference(image)}\` has moved: it now points to ${now.slice(0, 19)}…, not the pinned ${previous!.slice(0, 19)}…. Update ` +
          `the digest after checking what changed.`,
        vscode.DiagnosticSeverity.Information,
      );
      diagnostic.source = SOURCE;
      diagnostic.code = { value: TAG_MOVED, target: ruleLink('unpinned-image') };
      diagnostics.push(diagnostic);
      this.moved.set(movedKey(document.uri.toString(), image.range), now);
    }
    this.collection.set(document.uri, diagnostics);
  }

  /** Edits make moved-tag results stale at once. */
  edited(event: vscode.TextDocumentChangeEvent): void {
    dropEdited(this.collection, event);
  }

  closed(uri: vscode.Uri): void {
    this.collection.delete(uri);
  }

  dispose(): void {
    this.collection.dispose();
  }
}

function movedKey(uri: string, range: ImageLocation['range']): string {
  return `${uri}|${range.start.line}:${range.start.character}`;
}

function registryOf(reference: string): string {
  const parsed = parseReference(reference);
  return parsed.ok ? parsed.reference.domain : 'the registry';
}
