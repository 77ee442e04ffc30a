// `shipshape pin`: ask each image's registry for the digest its tag points to now, and pin the
// references to it (print the changes, write them, or check that nothing is left to pin).

import {
  applyEdits,
  parsePlatform,
  PIN_STYLES,
  printable,
  scanPaths,
  silentLogger,
  writeAtomically,
  type PinStyle,
} from '../core/index.js';
import { planPins, RegistryClient } from '../core/network.js';
import {
  COMPOSE_OPTIONS,
  composeOptions,
  EXIT_ERROR,
  EXIT_FINDINGS,
  EXIT_OK,
  parseBuildArgs,
  parseOptions,
  positiveInteger,
  UsageError,
  type Io,
} from './args.js';
import { withChartWorker } from './chartWorker.js';

export const PIN_USAGE = `Usage: shipshape pin [options] [PATH...]

Asks each image's registry for the digest its tag points to now and pins the reference as
name:tag@sha256:… (an ARG default for FROM $ARG). Pinned references whose tag has moved are
updated. Without --write, prints the changes.

Options:
  --write                    write the changes into the files (each replaced atomically)
  --check                    change nothing; exit 1 if an image is unpinned or a pin is stale
  --platform OS/ARCH[/VARIANT]
                             pin a multi-platform image to this platform's own manifest
                             (default: the index, the same digest for every platform)
  --insecure-registry HOST   a registry reached over plain HTTP (loopback always is; repeatable)
  --build-arg NAME=VALUE     a Dockerfile build argument (repeatable)
  --env-file FILE, --env NAME=VALUE
                             Compose variables, as for shipshape scan
  --concurrency N            registry requests at once (default 8)
  --style STYLE              tag-and-digest (name:tag@sha256:…, the default) or digest (name@sha256:…
                             with the tag in a comment, for tools that reject both together)

Credentials come from the Docker config (~/.docker/config.json or $DOCKER_CONFIG): auths,
credsStore and credHelpers. Exit status: 0 done (or nothing to pin with --check), 1 something to
pin with --check, 2 usage error or an image that could not be resolved.
`;

export async function pin(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(args, {
    write: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    platform: { type: 'string' },
    'insecure-registry': { type: 'string', multiple: true, default: [] },
    'build-arg': { type: 'string', multiple: true, default: [] },
    ...COMPOSE_OPTIONS,
    concurrency: { type: 'string' },
    style: { type: 'string', default: 'tag-and-digest' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.stdout(PIN_USAGE);
    return EXIT_OK;
  }
  if (values.write && values.check) throw new UsageError('--write and --check do not go together');
  if (!(PIN_STYLES as readonly string[]).includes(values.style)) {
    throw new UsageError(`--style: expected ${PIN_STYLES.join(' or ')}, not ${JSON.stringify(values.style)}`);
  }
  const platform = values.platform === undefined ? undefined : parsePlatform(values.platform);
  if (platform && !platform.ok) throw new UsageError(`--platform ${platform.message}`);
  const buildArgs = parseBuildArgs(values['build-arg']);
  const concurrency = values.concurrency === undefined ? 8 : positiveInteger(values.concurrency, '--concurrency', 64);
  const report = await scanPaths(positionals.length > 0 ? positionals : ['.'], {
    analyze: { buildArgs },
    compose: composeOptions(values),
    ...withChartWorker(),
  });
  if (report.ioErrors.length > 0) {
    for (const error of report.ioErrors) io.stderr(`shipshape: ${error.path}: ${error.message}\n`);
    return EXIT_ERROR;
  }
  const client = new RegistryClient({
    logger: silentLogger,
    insecureRegistries: values['insecure-registry'],
    ...(platform?.ok && { platform: platform.platform }),
  });
  const plan = await planPins(report, client, concurrency, undefined, values.style as PinStyle);
  for (const { file, changes } of plan.files) {
    for (const change of changes) {
      const { start } = change.edit.range;
      const what = change.previous
        ? `tag moved: @${short(change.previous)} -> ${change.edit.newText}`
        : `${change.before} -> ${change.edit.newText}`;
      io.stdout(`${printable(`${file}:${start.line + 1}:${start.character + 1}  ${what}`)}\n`);
    }
  }
  for (const failure of plan.failures) io.stderr(`shipshape: ${failure.file}:${failure.line}: ${failure.message}\n`);
  for (const refused of plan.refused)
    io.stderr(`${printable(`shipshape: ${refused.file}:${refused.line}: cannot pin ${refused.reference} here: ${refused.why}`)}\n`);
  if (values.write) {
    for (const { file, text, bom, changes } of plan.files) {
      await writeAtomically(
        file,
        `${bom ? '\uFEFF' : ''}${applyEdits(
          text,
          changes.map((c) => c.edit),
        )}`,
      );
    }
  }
  const summary =
    `${plan.unpinned} to pin, ${plan.stale} stale pin${plan.stale === 1 ? '' : 's'}${values.write && plan.unpinned + plan.stale > 0 ? ': written' : ''}` +
    `${plan.failures.length ? `; ${plan.failures.length} could not be resolved` : ''}` +
    `${plan.refused.length ? `; ${plan.refused.length} cannot be pinned where they are decided` : ''}.`;
  io.stdout(`${summary}\n`);
  if (plan.failures.length > 0) return EXIT_ERROR;
  return values.check && plan.unpinned + plan.stale > 0 ? EXIT_FINDINGS : EXIT_OK;
}

function short(digest: string): string {
  return digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, '$1…');
}
