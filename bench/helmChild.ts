// Run by bench/helm.ts in a process of its own: the images of every chart folder it is given, each
// with its default values, printed as JSON (one list of active references per chart).

import { diskFiles } from '../src/core/project/files.js';
import { analyzeChart } from '../src/core/project/helm/chart.js';

async function main(): Promise<void> {
  const files = diskFiles();
  const charts: { chart: string; images: (string | undefined)[]; errors: number }[] = [];
  for (const chart of process.argv.slice(2)) {
    const project = await analyzeChart(chart, files, { timeBudget: Number.POSITIVE_INFINITY });
    const images = project.images.filter((i) => i.active !== false).map((i) => i.reference);
    charts.push({ chart, images, errors: project.errors.length });
  }
  process.stdout.write(JSON.stringify(charts));
}

void main();
