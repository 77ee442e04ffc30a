// Run by bench/helm.ts in a process of its own: the images of every chart folder it is given, each
// with its default values, rendered as the CLI renders several charts (on worker threads: the
// bundled chartWorker.js beside this one), printed as JSON (one list of active references per chart).

import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { chartWorkers } from '../src/core/project/helm/workers.js';

async function main(): Promise<void> {
  const workers = chartWorkers(path.join(__dirname, 'chartWorker.js'));
  const charts = process.argv.slice(2);
  try {
    // Weighed as a scan weighs them: by the files in each chart's folder.
    const weight = (chart: string) => readdirSync(chart, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
    const projects = await Promise.all(
      charts.map((chart) => workers.render({ chart, timeBudget: Number.POSITIVE_INFINITY }, weight(chart))),
    );
    const out = projects.map((project, i) => ({
      chart: charts[i]!,
      images: project.images.filter((image) => image.active !== false).map((image) => image.reference),
      errors: project.errors.length,
    }));
    process.stdout.write(JSON.stringify(out));
  } finally {
    await workers.close();
  }
}

void main();
