// Text from files, registries and clusters is printed to terminals: a control character in it
// (an escape sequence that moves the cursor, retitles the window or hides what follows) is shown
// as an escape instead, so what the user sees is what the text says.

// C0 controls but tab, DEL, C1 controls, and the bidirectional overrides that reorder text.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
