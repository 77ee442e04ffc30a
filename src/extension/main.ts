// The VS Code entry point. It only wires the editor to the core; the next milestone adds
// diagnostics and quick fixes here.

import type * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): void {
  // Nothing to wire yet: the core and the CLI come first.
}

export function deactivate(): void {}
