// Quick fixes for Shipshape's diagnostics; the edits come from the core (fixesFor).

import * as vscode from 'vscode';
import { fixesFor, type Finding, type Fix } from '../core/index.js';
import type { CompletedTag } from './completion.js';
import { COMMANDS } from './commandIds.js';
import { kindOf, SOURCE, toRange, type DiagnosticsController } from './diagnostics.js';
import { TAG_MOVED, type ImageLocation } from './pinning.js';

export const PIN_SOURCE_ACTION = vscode.CodeActionKind.Source.append('pinImages');

export class QuickFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix, PIN_SOURCE_ACTION];

  constructor(
    private readonly diagnostics: DiagnosticsController,
    /** Findings shown beside the analysis's own (stale-digest, from the registries), for the current version. */
    private readonly more: (document: vscode.TextDocument) => readonly Finding[] = () => [],
  ) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const kind = kindOf(document);
    if (!kind) return [];
    const findings = [...this.diagnostics.findings(document), ...this.more(document)];
    const actions: vscode.CodeAction[] = [];
    if (!context.only || context.only.contains(PIN_SOURCE_ACTION) || PIN_SOURCE_ACTION.contains(context.only)) {
      if (findings.some((f) => f.rule === 'unpinned-image')) {
        const all = new vscode.CodeAction('Pin all images to their digests', PIN_SOURCE_ACTION);
        all.command = { title: all.title, command: COMMANDS.pinAll, arguments: [document.uri.toString()] };
        actions.push(all);
      }
    }
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== SOURCE) continue;
      const rule = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
      const { start, end } = diagnostic.range;
      // Plain JSON: command arguments cross process boundaries.
      const location: ImageLocation = {
        uri: document.uri.toString(),
        range: { start: { line: start.line, character: start.character }, end: { line: end.line, character: end.character } },
        version: document.version,
      };
      // Needs the network: a command that asks the registry when chosen, not an edit computed now.
      // A chart image with no place to write a digest (its finding says why) gets no pin action.
      const pinnable = !this.diagnostics
        .resultOf(document)
        ?.images.some((i) => i.helm?.pin.kind === 'none' && toRange(i.range).isEqual(diagnostic.range));
      if (rule === 'unpinned-image' && pinnable) {
        const action = new vscode.CodeAction('Pin to digest (asks the registry)', vscode.CodeActionKind.QuickFix);
        action.command = { title: action.title, command: COMMANDS.pinImage, arguments: [location] };
        action.diagnostics = [diagnostic];
        action.isPreferred = true;
        actions.push(action);
      }
      if (rule === TAG_MOVED) {
        const action = new vscode.CodeAction('Update the digest to where the tag points now', vscode.CodeActionKind.QuickFix);
        action.command = { title: action.title, command: COMMANDS.updateDigest, arguments: [location] };
        action.diagnostics = [diagnostic];
        actions.push(action);
        continue;
      }
      // Diagnostics cross a process boundary: match them to findings by rule and range.
      const finding = findings.find((f) => f.rule === rule && toRange(f.range).isEqual(diagnostic.range));
      if (!finding) continue;
      for (const fix of fixesFor(document.getText(), kind, finding)) {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        const edit = new vscode.WorkspaceEdit();
        for (const e of fix.edits) edit.replace(document.uri, toRange(e.range), e.newText);
        action.edit = edit;
        action.diagnostics = [diagnostic];
        const pinned =
          finding.rule === 'eol-image' && vscode.workspace.isTrusted ? pinnedTagAction(document, finding, fix, edit) : undefined;
        // Where the registry may be asked, the supported tag written pinned is the one to take.
        if (fix.preferred && !pinned) action.isPreferred = true;
        actions.push(action);
        if (pinned) {
          pinned.diagnostics = [diagnostic];
          actions.push(pinned);
        }
      }
    }
    return actions;
  }
}

/**
 * The eol-image fix written pinned: the same edit, then the registry asked for the new tag's digest
 * (the tag completion's command, which writes `@sha256:…` after the tag only if the tag is still
 * there as written). Only where the tag sits in a whole reference on one line: a kustomization's
 * `newTag:` or a chart's tag value takes no digest there.
 */
function pinnedTagAction(
  document: vscode.TextDocument,
  finding: Finding,
  fix: Fix,
  /** The plain fix's edit: the pinned one writes the same, then asks. */
  edit: vscode.WorkspaceEdit,
): vscode.CodeAction | undefined {
  const [tagEdit] = fix.edits;
  if (fix.edits.length !== 1 || !tagEdit || finding.suggestion === undefined) return undefined;
  const { start, end } = tagEdit.range;
  if (start.line !== end.line || start.line !== finding.range.start.line || start.character <= finding.range.start.character)
    return undefined;
  // The name as written before `:tag`: what the registry is asked for.
  const repository = document.lineAt(start.line).text.slice(finding.range.start.character, start.character - 1);
  if (repository === '' || /[\s@]/.test(repository)) return undefined;
  const action = new vscode.CodeAction(`${fix.title}, pinned (asks the registry)`, vscode.CodeActionKind.QuickFix);
  action.edit = edit;
  const completed: CompletedTag = {
    uri: document.uri.toString(),
    line: start.line,
    character: start.character,
    repository,
    tag: finding.suggestion,
  };
  action.command = { title: action.title, command: COMMANDS.pinCompletedTag, arguments: [completed] };
  action.isPreferred = true;
  return action;
}
