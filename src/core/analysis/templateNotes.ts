// The notes an analysis leaves on templates it does not read (a Helm template, a `{{ … }}`
// value), and how they are told apart: a chart that reads those templates takes them back.

export const TEMPLATE_NOTE = 'this file is a template (Helm or similar `{{ … }}` syntax): skipped';

const VALUE_NOTE_END = ' is a template value: not checked';

/** The note on one image written as a template value. */
export function templateValueNote(line: number, raw: string): string {
  return `line ${line}: \`${raw}\`${VALUE_NOTE_END}`;
}

/** A note that a file, or a value in it, is a template and was not read. */
export function isTemplateNote(note: string): boolean {
  return note === TEMPLATE_NOTE || note.endsWith(VALUE_NOTE_END);
}
