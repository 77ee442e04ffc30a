// `shipshape images`: the inventory of every image the files under some paths use (no registry,
// no Trivy), and `--chart DIR --annotate` to write or check a chart's artifacthub.io/images.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  annotatedImages,
  annotationEntries,
  displayReport,
  IMAGES_ANNOTATION,
  inventoryCsv,
  inventoryCycloneDx,
  inventoryJson,
  inventoryOf,
  inventoryText,
  sameImages,
  scanPaths,
  withImagesAnnotation,
  writeAtomically,
} from '../core/index.js';
import {
  COMPOSE_OPTIONS,
  composeOptions,
  EXIT_ERROR,
  EXIT_FINDINGS,
  EXIT_OK,
  parseBuildArgs,
  parseOptions,
  UsageError,
  type Io,
} from './args.js';
import { withChartWorker } from './chartWorker.js';

export const IMAGES_USAGE = `Usage: shipshape images [options] [PATH...]
       shipshape images --chart DIR --annotate [--check]

Lists every image the files under PATH (default: .) use, each with every place that writes it:
Dockerfiles, Kubernetes manifests, Compose files, Helm charts and Kustomize overlays as they
render, CI pipelines (GitHub Actions, GitLab CI, Bitbucket, CircleCI, Cloud Build, Azure
Pipelines, Drone, Woodpecker), dev containers, Quadlet units and Bake files. Nothing is asked of
a registry: the digest is the one the reference pins, when it does.

Options:
  --format FORMAT          text (default), json, csv, or cyclonedx (CycloneDX 1.6: one container
                           component per image, its digest and every place as an occurrence)
  -o, --output FILE        write the inventory to FILE instead of standard output
  --build-arg NAME=VALUE   a Dockerfile build argument (repeatable)
  --env-file FILE, --env NAME=VALUE
                           Compose's variables, as for shipshape scan
  --chart DIR --annotate   write the chart's ${IMAGES_ANNOTATION} annotation (in DIR/Chart.yaml)
                           from the images the chart renders
  --check                  with --annotate: write nothing; exit 1 when the annotation differs
  -h, --help               show this help

Exit status: 0 done (or the annotation is current), 1 the annotation differs (--check), 2 usage error.
`;

const FORMATS = ['text', 'json', 'csv', 'cyclonedx'] as const;
type Format = (typeof FORMATS)[number];

export async function images(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(args, {
    format: { type: 'string', default: 'text' },
    output: { type: 'string', short: 'o' },
    'build-arg': { type: 'string', multiple: true, default: [] },
    ...COMPOSE_OPTIONS,
    chart: { type: 'string' },
    annotate: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.stdout(IMAGES_USAGE);
    return EXIT_OK;
  }
  const format = values.format as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be ${FORMATS.join(', ')}, not "${values.format}"`);
  if (values.annotate && values.chart === undefined) throw new UsageError('--annotate needs --chart DIR');
  if (values.check && !values.annotate) throw new UsageError('--check goes with --chart DIR --annotate');
  const analyze = { buildArgs: parseBuildArgs(values['build-arg']) };
  const compose = composeOptions(values);
  if (values.chart !== undefined && values.annotate) return annotate(values.chart, values.check, { analyze, compose }, io);

  const report = displayReport(await scanPaths(positionals.length > 0 ? positionals : ['.'], { analyze, compose, ...withChartWorker() }));
  for (const error of report.ioErrors) io.stderr(`shipshape: ${error.path}: ${error.message}\n`);
  const inventory = inventoryOf(report);
  const text =
    format === 'json'
      ? inventoryJson(inventory)
      : format === 'csv'
        ? inventoryCsv(inventory)
        : format === 'cyclonedx'
          ? inventoryCycloneDx(inventory)
          : inventoryText(inventory);
  if (values.output !== undefined) await writeAtomically(path.resolve(values.output), text);
  else io.stdout(text);
  return report.ioErrors.length > 0 && inventory.length === 0 ? EXIT_ERROR : EXIT_OK;
}

/** Writes (or with `check`, compares) the chart's images annotation from what the chart renders. */
async function annotate(chart: string, check: boolean, options: Parameters<typeof scanPaths>[1], io: Io): Promise<number> {
  const folder = path.resolve(chart);
  const chartYaml = path.join(folder, 'Chart.yaml');
  let text: string;
  try {
    text = await fs.readFile(chartYaml, 'utf8');
  } catch {
    throw new UsageError(`${chart} is not a chart: ${path.join(chart, 'Chart.yaml')} could not be read`);
  }
  const report = await scanPaths([folder], options);
  for (const error of report.projectErrors) io.stderr(`shipshape: ${error.file}${error.line ? `:${error.line}` : ''}: ${error.message}\n`);
  const rendered = report.files.flatMap((f) => f.result.images).filter((i) => i.helm && path.resolve(i.helm.chart) === folder);
  const entries = annotationEntries(rendered);
  const current = annotatedImages(text);
  if (sameImages(current, entries)) {
    io.stdout(`${path.join(chart, 'Chart.yaml')}: ${IMAGES_ANNOTATION} lists the ${entries.length} image(s) the chart renders.\n`);
    return EXIT_OK;
  }
  if (check) {
    const wanted = new Set(entries.map((e) => `${e.name} ${e.image}`));
    const written = new Set(current.map((e) => `${e.name} ${e.image}`));
    io.stdout(`${path.join(chart, 'Chart.yaml')}: ${IMAGES_ANNOTATION} differs from what the chart renders:\n`);
    for (const line of wanted) if (!written.has(line)) io.stdout(`  + ${line}\n`);
    for (const line of written) if (!wanted.has(line)) io.stdout(`  - ${line}\n`);
    io.stdout('Run shipshape images --chart DIR --annotate to write it.\n');
    return EXIT_FINDINGS;
  }
  await writeAtomically(chartYaml, withImagesAnnotation(text, entries));
  io.stdout(`${path.join(chart, 'Chart.yaml')}: ${IMAGES_ANNOTATION} written (${entries.length} image(s)).\n`);
  return EXIT_OK;
}
