// Writes a Trivy vulnerability database of our own, from a list of advisories, with Trivy's own
// database library (tools/trivy-db-writer, built by scripts/tools.mjs on first use):
//
//   node scripts/trivy-db.mjs --advisories FILE --out DIR [--updated-at 2026-12-01T00:00:00Z]
//
// writes DIR/db/trivy.db and DIR/db/metadata.json (schema 2), which
// `trivy image --cache-dir DIR --skip-db-update --skip-java-db-update --offline-scan …` uses.
// This command line is a contract: tests, benchmarks and the CI ask it.
//
// FILE is a JSON list; each entry is one vulnerability of one source package in one release:
//
//   {
//     "os": "alpine" | "debian" | "ubuntu" | "wolfi",
//     "release": "3.19",            // as Trivy names the release: Alpine "3.19", Debian "12", Ubuntu "22.04"
//     "package": "busybox",         // the SOURCE package (Alpine's origin, Debian's Source:), as trackers list it
//     "id": "CVE-2023-42366",
//     "fixed": "1.36.1-r16",        // the first fixed version, or "" when there is no fix
//     "severity": "MEDIUM",         // UNKNOWN | LOW | MEDIUM | HIGH | CRITICAL
//     "title": "…",
//     "status": "will_not_fix",     // optional, for an entry without a fix: affected, will_not_fix, fix_deferred, end_of_life, …
//     "severitySource": "debian"    // optional: whose severity it is, "nvd" (the default) or the distribution's own
//   }
//
// A distribution's own severity is kept per package, as Debian's urgency is; any other goes to the
// vulnerability's details under its source, from which Trivy picks it as it does with its own
// database. Unknown fields are refused, so that a typo does not silently drop a fixed version.
import { spawnSync } from 'node:child_process';
import { build } from './tools.mjs';

const USAGE = 'usage: node scripts/trivy-db.mjs --advisories FILE --out DIR [--updated-at RFC3339]';

function main(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (!['--advisories', '--out', '--updated-at'].includes(flag) || value === undefined) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    options[flag] = value;
  }
  if (!options['--advisories'] || !options['--out']) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const writer = build('trivy-db-writer');
  const args = Object.entries(options).flat();
  const result = spawnSync(writer, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.error) {
    process.stderr.write(`trivy-db: ${result.error.message}\n`);
    return 1;
  }
  return result.status ?? 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main(process.argv.slice(2)));
