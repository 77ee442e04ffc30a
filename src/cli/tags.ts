// `shipshape tags IMAGE`: the tags of an image's repository in completion order (newest version
// first, the image's own variant only unless --all), optionally with the digest of each.

import { mapLimited, parseReference, printable } from '../core/index.js';
import { orderTags, repositoryText, sameVariant } from '../core/network.js';
import { cliTagSource, type TagSourceFactory } from './advise.js';
import { EXIT_ERROR, EXIT_OK, parseOptions, UsageError, type Io } from './args.js';

export const TAGS_USAGE = `Usage: shipshape tags [options] IMAGE

Lists the tags of IMAGE's repository in completion order: newest version first, a release before
its prereleases, tags without a version (latest, stable, mainline) after the versioned ones. Only
the tags of IMAGE's variant are listed (the same OS family and flavour: nginx:1.27-alpine lists
the -alpine and -alpine3.x tags), unless --all or IMAGE names no tag.

Options:
  --all                      every tag, IMAGE's variant first
  --digests                  also resolve the digest each tag points to now (8 at a time)
  --format text|json         text (default): one tag a line; json: {"repository", "tags": [{"tag", "digest"}]}
  --insecure-registry HOST   a registry reached over plain HTTP (loopback always is; repeatable)
  -h, --help                 show this help

Credentials come from the Docker config, as for shipshape pin. Exit status: 0 listed, 2 usage
error or a registry that could not answer (said plainly).
`;

const DIGEST_CONCURRENCY = 8;

export async function tags(args: readonly string[], io: Io, tagSource: TagSourceFactory = cliTagSource): Promise<number> {
  const { values, positionals } = parseOptions(args, {
    all: { type: 'boolean', default: false },
    digests: { type: 'boolean', default: false },
    format: { type: 'string', default: 'text' },
    'insecure-registry': { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.stdout(TAGS_USAGE);
    return EXIT_OK;
  }
  const format = values.format;
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not "${format}"`);
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'tags expects an IMAGE' : 'tags expects one IMAGE');
  const image = positionals[0]!;
  const parsed = parseReference(image);
  if (!parsed.ok) throw new UsageError(`${JSON.stringify(image)} is not a valid image reference: ${parsed.error}`);
  const { name, tag } = parsed.reference;
  const repository = repositoryText(image);

  const source = tagSource(values['insecure-registry']);
  const listed = await source.listTags(name);
  if (!listed.ok) {
    io.stderr(`shipshape: ${listed.failure.message}\n`);
    return EXIT_ERROR;
  }
  const shown = orderTags(values.all || tag === undefined ? listed.tags : listed.tags.filter((t) => sameVariant(t, tag)), tag);
  if (listed.truncated) io.stderr(`shipshape: the registry listed only the first ${listed.tags.length} tags of ${repository}\n`);

  const digests = new Map<string, string>();
  let failed = false;
  if (values.digests) {
    await mapLimited(shown, DIGEST_CONCURRENCY, async (t) => {
      const resolved = await source.resolve(`${repository}:${t}`);
      if (resolved.ok) digests.set(t, resolved.resolved.digest);
      else {
        failed = true;
        io.stderr(`shipshape: ${resolved.failure.message}\n`);
      }
    });
  }

  if (format === 'json') {
    const entries = shown.map((t) => ({ tag: t, ...(digests.has(t) && { digest: digests.get(t)! }) }));
    io.stdout(`${JSON.stringify({ repository, tags: entries }, null, 2)}\n`);
  } else {
    io.stdout(shown.map((t) => `${printable(digests.has(t) ? `${t}  ${digests.get(t)!}` : t)}\n`).join(''));
  }
  return failed ? EXIT_ERROR : EXIT_OK;
}
