// Entry of the readers of dev containers, Quadlet units and Bake files (dist/containers.js in the
// editor, loaded on the first such file; part of the CLI). Importing it registers them with the
// `analyze` of the same bundle; the editor, whose `analyze` is in another bundle, registers
// `CONTAINER_READERS` with `registerReaders` once it has loaded this one.

import { analyzeBake } from './analysis/bake/bake.js';
import { analyzeDevcontainer } from './analysis/devcontainer.js';
import { analyzeQuadlet } from './analysis/quadlet.js';
import { registerReaders, type ContainerFileKind, type Reader } from './analysis/readers.js';

export const CONTAINER_READERS: Readonly<Record<ContainerFileKind, Reader>> = {
  devcontainer: analyzeDevcontainer,
  quadlet: analyzeQuadlet,
  bake: analyzeBake,
};

registerReaders(CONTAINER_READERS);
