// Quick fixes for Shipshape's diagnostics; the edits come from the core (fixesFor).

import * as vscode from 'vscode';
import { fixesFor } from '../core/index.js';
import { kindOf, SOURCE, toRange, type DiagnosticsController } from './diagnostics.js';

export class QuickFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly diagnostics: DiagnosticsController) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const kind = kindOf(document);
    if (!kind) return [];
    const findings = this.diagnostics.findings(document);
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== SOURCE) continue;
      const rule = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
      // Diagnostics cross a process boundary: match them to findings by rule and range.
      const finding = findings.find((f) => f.rule === rule && toRange(f.range).isEqual(diagnostic.range));
      if (!finding) continue;
      for (const fix of fixesFor(document.getText(), kind, finding)) {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        const edit = new vscode.WorkspaceEdit();
        for (const e of fix.edits) edit.replace(document.uri, toRange(e.range), e.newText);
        action.edit = edit;
        action.diagnostics = [diagnostic];
        if (fix.preferred) action.isPreferred = true;
        actions.push(action);
      }
    }
    return actions;
  }
}
