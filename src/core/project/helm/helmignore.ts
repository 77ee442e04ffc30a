// A chart's .helmignore, as helm applies it when it loads a chart folder: the root chart's rules
// over every path below it (its subcharts' own .helmignore files are not read), a pattern without
// `/` matching a name at any depth, `dir/` only folders, `!` taking a path back.

/** Whether a path (relative to the chart, `/`-separated) is ignored. */
export type Ignore = (relative: string, folder: boolean) => boolean;

interface Rule {
  readonly pattern: RegExp;
  readonly negate: boolean;
  readonly folderOnly: boolean;
  readonly basename: boolean;
}

/** filepath.Match's pattern (`*`, `?`, `[…]`) as a regular expression over one path. */
function matcher(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else if (ch === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close === -1) out += '\\[';
      else {
        out += `[${glob
          .slice(i + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else out += ch.replace(/[.+^$()|{}\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** The rules of a .helmignore text. */
export function parseHelmignore(text: string): Ignore {
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#') || line.includes('**')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1);
    const folderOnly = line.endsWith('/');
    if (folderOnly) line = line.slice(0, -1);
    line = line.replace(/^\//, '');
    if (line === '') continue;
    rules.push({ pattern: matcher(line), negate, folderOnly, basename: !line.includes('/') });
  }
  return (relative, folder) => {
    let ignored = false;
    const name = relative.slice(relative.lastIndexOf('/') + 1);
    for (const rule of rules) {
      if (rule.folderOnly && !folder) continue;
      if (rule.pattern.test(rule.basename ? name : relative)) ignored = !rule.negate;
    }
    return ignored;
  };
}
