// Text from files, registries and clusters inside Markdown (the editor's hovers, the cluster
// report): shown as text, never as a link, markup, HTML or a new table row or cell.

/** Escaped text on one line. (`#`, `+`, `-` only matter at the start of a line, which this never is.) */
export function markdownText(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[\\`*_[\]()|<>~]/g, '\\$&');
}

/** As code (verbatim), unless a backtick, a line break or a table's `|` would end it: then as escaped text. */
export function markdownCode(text: string): string {
  return /[`\r\n|]/.test(text) ? markdownText(text) : `\`${text}\``;
}

/** A link to an https URL that Markdown cannot misread; any other URL leaves the text alone. */
export function markdownLink(text: string, url: string | undefined): string {
  return url && /^https:\/\/[^\s()<>]+$/.test(url) ? `[${markdownText(text)}](${url})` : markdownText(text);
}
