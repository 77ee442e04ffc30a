// The core's ranges as the editor's (a module of its own: diagnostics.ts and project.ts both need
// it, and diagnostics.ts imports project.ts).

import * as vscode from 'vscode';
import type { Range } from '../core/index.js';

/** The editor's range for a core range (both zero-based, in UTF-16 code units). */
export function toRange(range: Range): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}
