// Run by bench/kustomize.ts in a process of its own: the effective images of every Kustomize root
// among the files it is given, printed as JSON (one list per root).

import { diskFiles } from '../src/core/project/files.js';
import { analyzeKustomizations } from '../src/core/project/kustomize.js';

void analyzeKustomizations(process.argv.slice(2), diskFiles()).then((project) => {
  process.stdout.write(JSON.stringify(project.roots.map((root) => ({ folder: root.folder, images: root.images.map((i) => i.reference) }))));
});
