// Tag completion: in a FROM, an image: field, a kustomization's newTag: or a chart's values tag:,
// the tags of the repository from its registry, newest first in version order and the current
// variant first. A list is kept per repository for a few minutes; a registry that cannot answer
// gives an empty list and one log line. Accepting a tag in a FROM or image: writes it pinned,
// `tag@sha256:…` (shipshape.registry.tagCompletionPins), the digest asked for after the choice.

import * as vscode from 'vscode';
import { plural, tagContext } from '../core/index.js';
import { COMMANDS } from './commandIds.js';
import { kindOf } from './diagnostics.js';
import { loadNetwork } from './lazy.js';
import type { PinController } from './pinning.js';

/** How long a repository's tag list is reused. */
const TAGS_TTL_MS = 5 * 60 * 1000;
/** How long a failure is remembered (not asked again at every keystroke). */
const FAILURE_TTL_MS = 60 * 1000;
/** The most tags read of one repository. */
const MAX_TAGS = 5000;
/** The most items offered (the newest, in order). */
const MAX_ITEMS = 500;

interface TagList {
  readonly at: number;
  readonly tags?: readonly string[];
  readonly failed?: string;
}

/** What the pin-after-completion command needs: where the tag was written and what it was. */
export interface CompletedTag {
  readonly uri: string;
  readonly line: number;
  readonly character: number;
  readonly repository: string;
  readonly tag: string;
}

class TagItem extends vscode.CompletionItem {
  constructor(
    tag: string,
    readonly repository: string,
  ) {
    super(tag, vscode.CompletionItemKind.Constant);
  }
}

export class TagCompletion implements vscode.CompletionItemProvider<TagItem> {
  private readonly lists = new Map<string, TagList | Promise<TagList>>();

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly pins: PinController,
    private readonly settings: () => { readonly completeTags: boolean; readonly completionPins: boolean },
  ) {}

  /** Registry settings changed: lists are read again. */
  configure(): void {
    this.lists.clear();
  }

  async provideCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
  ): Promise<TagItem[]> {
    const kind = kindOf(document);
    if (!kind || !vscode.workspace.isTrusted || !this.settings().completeTags) return [];
    const context = tagContext(
      kind,
      document.fileName,
      { count: document.lineCount, at: (n) => document.lineAt(n).text },
      position.line,
      position.character,
    );
    if (!context) return [];
    const list = await this.tagsOf(context.repository);
    if (token.isCancellationRequested || !list.tags) return [];
    const { orderTags } = await loadNetwork();
    const ordered = orderTags(list.tags, context.current).slice(0, MAX_ITEMS);
    const range = new vscode.Range(context.line, context.start, context.line, context.end);
    const pin = context.digestAllowed && this.settings().completionPins;
    return ordered.map((tag, index) => {
      const item = new TagItem(tag, context.repository);
      item.range = range;
      item.sortText = String(index).padStart(5, '0');
      if (index === 0) item.detail = `newest of ${context.repository}`;
      if (pin) {
        const completed: CompletedTag = {
          uri: document.uri.toString(),
          line: context.line,
          character: context.start,
          repository: context.repository,
          tag,
        };
        item.command = { command: COMMANDS.pinCompletedTag, title: 'Pin the tag to its digest', arguments: [completed] };
      }
      return item;
    });
  }

  /** On request (an item selected in the list): the digest the tag points to now. */
  async resolveCompletionItem(item: TagItem, token: vscode.CancellationToken): Promise<TagItem> {
    const tag = typeof item.label === 'string' ? item.label : item.label.label;
    const outcome = await this.pins.resolveQuietly(`${item.repository}:${tag}`, token);
    if (outcome?.ok) {
      item.detail = outcome.resolved.digest;
      item.documentation = new vscode.MarkdownString(
        `\`${item.repository}:${tag}\` points to \`${outcome.resolved.digest}\`${outcome.resolved.multiPlatform ? ' (a multi-platform index)' : ''}.`,
      );
    }
    return item;
  }

  /** After a tag is accepted: asks its digest and writes `@sha256:…` after it, if the text is still what was completed. */
  async pinCompleted(completed: CompletedTag): Promise<void> {
    const reference = `${completed.repository}:${completed.tag}`;
    const outcome = await this.pins.resolveQuietly(reference);
    if (!outcome) return;
    if (!outcome.ok) {
      this.log.warn(`the completed tag ${reference} is left unpinned: ${outcome.failure.message}`);
      return;
    }
    const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(completed.uri));
    if (completed.line >= document.lineCount) return;
    const text = document.lineAt(completed.line).text;
    const end = completed.character + completed.tag.length;
    const written = text.slice(completed.character, end);
    const next = text.charAt(end);
    // Typed on since, or already pinned: leave it.
    if (written !== completed.tag || /[\w.@-]/.test(next)) return;
    const edit = new vscode.WorkspaceEdit();
    edit.insert(document.uri, new vscode.Position(completed.line, end), `@${outcome.resolved.digest}`);
    await vscode.workspace.applyEdit(edit);
    this.log.info(
      `${vscode.workspace.asRelativePath(document.uri)}:${completed.line + 1}: completed ${reference}, pinned to ${outcome.resolved.digest}`,
    );
  }

  /** Not cancelled with the completion that asked: the next keystroke's completion wants the same list. */
  private async tagsOf(repository: string): Promise<TagList> {
    const now = Date.now();
    const cached = this.lists.get(repository);
    if (cached && !(cached instanceof Promise)) {
      const ttl = cached.tags ? TAGS_TTL_MS : FAILURE_TTL_MS;
      if (now - cached.at < ttl) return cached;
    } else if (cached) return cached;
    const pending = this.pins.listTags(repository, MAX_TAGS).then((outcome): TagList => {
      if (outcome.ok) {
        this.log.debug(`${outcome.repository}: ${plural(outcome.tags.length, 'tag')}${outcome.truncated ? ' (more not read)' : ''}`);
        return { at: Date.now(), tags: outcome.tags };
      }
      if (outcome.failure.reason !== 'cancelled') this.log.warn(`no tag completion for ${repository}: ${outcome.failure.message}`);
      return { at: outcome.failure.reason === 'cancelled' ? 0 : Date.now(), failed: outcome.failure.message };
    });
    this.lists.set(repository, pending);
    const list = await pending;
    this.lists.set(repository, list);
    return list;
  }
}
