// Counts in words, as every message, tree row and report prints them: `1 finding`, `2 findings`.

/** `count` and its noun, singular for exactly one (`plural(1, 'image')` is `1 image`); irregular plurals are given (`'vulnerabilities'`). */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
