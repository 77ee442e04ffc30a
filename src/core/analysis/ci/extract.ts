// The images a CI pipeline runs, each where it is written: one walker per system over the parsed
// document (aliases and merge keys followed by `getNode`), each image at the exact range of its text.

import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { LineIndex } from '../../util/lines.js';
import type { CiContext, CiSystem, ImageOccurrence } from '../../types.js';
import { deref, getNode, getString, mapEntries, scalarSpan, seqItems } from '../yaml/parse.js';
import { classifyCiImage } from './expressions.js';

/** Mappings and sequences looked at in one document at most: a pipeline of aliases stays cheap. */
const MAX_STEPS = 50_000;
const MAX_DEPTH = 32;

interface Walk {
  readonly doc: Document;
  readonly text: string;
  readonly lines: LineIndex;
  readonly system: CiSystem;
  readonly images: ImageOccurrence[];
  /** Start offsets already reported: an anchor used by several jobs is one place. */
  readonly seen: Set<number>;
  variables?: ReadonlyMap<string, string> | undefined;
  steps: number;
}

/** The system a document's shape says it is, for a file whose name does not: a GitHub workflow, a Drone pipeline. */
export function ciSystemOfShape(root: unknown, doc: Document): CiSystem | undefined {
  if (!isMap(deref(root, doc))) return undefined;
  if (getString(root, 'apiVersion', doc) !== undefined) return undefined;
  if (getString(root, 'kind', doc) === 'pipeline' && getNode(root, 'steps', doc) !== undefined) return 'drone';
  const jobs = getNode(root, 'jobs', doc);
  if (isMap(jobs) && getNode(root, 'on', doc) !== undefined) {
    const any = jobs.items.some(
      (pair) => getNode(pair.value, 'runs-on', doc) !== undefined || getNode(pair.value, 'uses', doc) !== undefined,
    );
    if (any) return 'github-actions';
  }
  return undefined;
}

/** The images of one pipeline document. */
export function extractCi(system: CiSystem, root: Node, doc: Document, text: string, lines: LineIndex): ImageOccurrence[] {
  const walk: Walk = { doc, text, lines, system, images: [], seen: new Set(), steps: 0 };
  WALKERS[system](root, walk);
  // In file order, whatever order the system's sections are read in.
  return walk.images.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

const WALKERS: Readonly<Record<CiSystem, (root: Node, walk: Walk) => void>> = {
  'github-actions': githubActions,
  'gitlab-ci': gitlabCi,
  'bitbucket-pipelines': bitbucket,
  circleci,
  'cloud-build': cloudBuild,
  'azure-pipelines': azure,
  drone: droneLike,
  woodpecker: droneLike,
};

/** An image written as a string scalar (after `prefix`, such as `docker://`, when given). */
function image(node: unknown, walk: Walk, context: Omit<CiContext, 'system'>, prefix?: string): void {
  const target = deref(node, walk.doc);
  if (!isScalar(target) || typeof target.value !== 'string') return;
  if (prefix !== undefined && !target.value.startsWith(prefix)) return;
  const span = scalarSpan(target, walk.text);
  let { start, raw } = span;
  if (prefix !== undefined) {
    // Only the reference is the image (a pin writes there); an escaped quoted value keeps its whole range.
    if (span.end - span.start === span.raw.length && span.raw.startsWith(prefix)) start += prefix.length;
    raw = raw.startsWith(prefix) ? raw.slice(prefix.length) : target.value.slice(prefix.length);
  }
  if (raw.trim() === '' || walk.seen.has(start)) return;
  walk.seen.add(start);
  walk.images.push({
    source: 'ci',
    raw,
    range: walk.lines.rangeAt(start, span.end),
    ...classifyCiImage(raw, walk.variables),
    ci: { system: walk.system, ...context },
  });
}

/** An image as a string or as a mapping that names it under `key` (`{image: …}`, `{name: …}`). */
function imageOrMap(node: unknown, key: string, walk: Walk, context: Omit<CiContext, 'system'>): void {
  const target = deref(node, walk.doc);
  if (isMap(target)) image(getNode(target, key, walk.doc), walk, context);
  else image(target, walk, context);
}

function entriesOf(node: unknown, walk: Walk): Map<string, Node | undefined> {
  return mapEntries(node, walk.doc, () => ++walk.steps <= MAX_STEPS);
}

/** Items of a sequence, or values of a mapping keyed by name (Woodpecker's steps are either). */
function named(node: unknown, walk: Walk): { name?: string; value: Node }[] {
  const target = deref(node, walk.doc);
  if (isSeq(target)) return seqItems(target, walk.doc).map((value) => ({ value }));
  if (isMap(target)) return [...entriesOf(target, walk)].flatMap(([name, value]) => (value ? [{ name, value }] : []));
  return [];
}

const job = (name: string | undefined) => (name !== undefined ? { job: name } : {});

// GitHub Actions: jobs.<id>.container (string or {image}), jobs.<id>.services.<id>.image,
// steps[].uses: docker://…; an action's runs.image: docker://… and its composite steps.
function githubActions(root: Node, walk: Walk): void {
  for (const [id, definition] of entriesOf(getNode(root, 'jobs', walk.doc), walk)) {
    imageOrMap(getNode(definition, 'container', walk.doc), 'image', walk, { ...job(id), field: 'container' });
    for (const service of named(getNode(definition, 'services', walk.doc), walk)) {
      image(getNode(service.value, 'image', walk.doc), walk, { ...job(id), field: `services.${service.name ?? ''}.image` });
    }
    for (const step of seqItems(getNode(definition, 'steps', walk.doc), walk.doc)) {
      image(getNode(step, 'uses', walk.doc), walk, { ...job(id), field: 'steps[].uses' }, 'docker://');
    }
  }
  const runs = getNode(root, 'runs', walk.doc);
  if (isMap(runs)) {
    image(getNode(runs, 'image', walk.doc), walk, { field: 'runs.image' }, 'docker://');
    for (const step of seqItems(getNode(runs, 'steps', walk.doc), walk.doc)) {
      image(getNode(step, 'uses', walk.doc), walk, { field: 'runs.steps[].uses' }, 'docker://');
    }
  }
}

/** Keys at the top of a GitLab CI file that are not jobs. */
const GITLAB_GLOBALS = new Set([
  'default',
  'include',
  'stages',
  'variables',
  'workflow',
  'image',
  'services',
  'cache',
  'before_script',
  'after_script',
  'types',
  'spec',
]);

// GitLab CI: image (string or {name}) and services (strings or {name}) at the top, in default:
// and in every job (hidden `.jobs` too: they are templates other jobs extend); `variables:` of
// the file and of the job are expanded as the runner does.
function gitlabCi(root: Node, walk: Walk): void {
  const global = stringMap(getNode(root, 'variables', walk.doc), walk);
  const inJob = (definition: Node | undefined, name: string | undefined) => {
    const own = stringMap(getNode(definition, 'variables', walk.doc), walk);
    walk.variables = new Map([...global, ...own]);
    imageOrMap(getNode(definition, 'image', walk.doc), 'name', walk, { ...job(name), field: 'image' });
    for (const service of seqItems(getNode(definition, 'services', walk.doc), walk.doc)) {
      imageOrMap(service, 'name', walk, { ...job(name), field: 'services' });
    }
  };
  inJob(root, undefined);
  inJob(getNode(root, 'default', walk.doc), 'default');
  for (const [name, definition] of entriesOf(root, walk)) {
    if (!GITLAB_GLOBALS.has(name) && isMap(definition)) inJob(definition, name);
  }
  walk.variables = undefined;
}

/** A mapping of names to strings (GitLab's `variables:`, where a value may be `{value: …}`; Cloud Build's `substitutions:`). */
function stringMap(node: unknown, walk: Walk): Map<string, string> {
  const values = new Map<string, string>();
  for (const [name, value] of entriesOf(node, walk)) {
    const scalar = isMap(value) ? getNode(value, 'value', walk.doc) : value;
    if (isScalar(scalar) && (typeof scalar.value === 'string' || typeof scalar.value === 'number')) values.set(name, String(scalar.value));
  }
  return values;
}

// Bitbucket Pipelines: the top image (string or {name}), definitions.services.<name>.image, and in
// every step wherever it is (pipelines, parallel groups, stages, definitions.steps): image and
// `pipe: docker://…`.
function bitbucket(root: Node, walk: Walk): void {
  imageOrMap(getNode(root, 'image', walk.doc), 'name', walk, { field: 'image' });
  for (const [name, service] of entriesOf(getPath2(root, 'definitions', 'services', walk), walk)) {
    imageOrMap(getNode(service, 'image', walk.doc), 'name', walk, { job: name, field: 'definitions.services.image' });
  }
  search(root, walk, 0, (key, value) => {
    if (key !== 'step' || !isMap(value)) return false;
    const name = getString(value, 'name', walk.doc);
    imageOrMap(getNode(value, 'image', walk.doc), 'name', walk, { ...job(name), field: 'step.image' });
    for (const line of seqItems(getNode(value, 'script', walk.doc), walk.doc)) {
      image(getNode(line, 'pipe', walk.doc), walk, { ...job(name), field: 'step.script[].pipe' }, 'docker://');
    }
    return true;
  });
}

function getPath2(root: Node, first: string, second: string, walk: Walk): Node | undefined {
  return getNode(getNode(root, first, walk.doc), second, walk.doc);
}

/**
 * Calls `found` on every mapping entry under `node` (through aliases), depth first and bounded;
 * an entry `found` takes (returns true) is not searched further.
 */
function search(node: unknown, walk: Walk, depth: number, found: (key: string, value: Node | undefined) => boolean): void {
  if (depth > MAX_DEPTH || ++walk.steps > MAX_STEPS) return;
  const target = deref(node, walk.doc);
  if (isSeq(target)) for (const item of target.items) search(item, walk, depth + 1, found);
  else if (isMap(target)) {
    for (const [key, value] of entriesOf(target, walk)) if (!found(key, value)) search(value, walk, depth + 1, found);
  }
}

// CircleCI: `docker: [{image}]` (the first is the job's primary container, the others its
// services) in jobs and executors, and in inline orbs' jobs and executors.
function circleci(root: Node, walk: Walk): void {
  const holders = (node: unknown) => {
    for (const section of ['executors', 'jobs']) {
      for (const [name, definition] of entriesOf(getNode(node, section, walk.doc), walk)) {
        for (const item of seqItems(getNode(definition, 'docker', walk.doc), walk.doc)) {
          image(getNode(item, 'image', walk.doc), walk, { job: name, field: `${section}.docker[].image` });
        }
      }
    }
  };
  holders(root);
  for (const [, orb] of entriesOf(getNode(root, 'orbs', walk.doc), walk)) if (isMap(orb)) holders(orb);
}

// Google Cloud Build: every step's `name` is the image it runs; `substitutions:` give `$_NAME` values.
function cloudBuild(root: Node, walk: Walk): void {
  walk.variables = stringMap(getNode(root, 'substitutions', walk.doc), walk);
  for (const step of seqItems(getNode(root, 'steps', walk.doc), walk.doc)) {
    const id = getString(step, 'id', walk.doc);
    image(getNode(step, 'name', walk.doc), walk, { ...job(id), field: 'steps[].name' });
  }
  walk.variables = undefined;
}

// Azure Pipelines: resources.containers[].image, and `container:` (string or {image}) of the
// pipeline, of its jobs and of its stages' jobs; a string that names a container resource is that
// resource, not an image.
function azure(root: Node, walk: Walk): void {
  const aliases = new Set<string>();
  for (const resource of seqItems(getPath2(root, 'resources', 'containers', walk), walk.doc)) {
    const alias = getString(resource, 'container', walk.doc);
    if (alias !== undefined) aliases.add(alias);
    image(getNode(resource, 'image', walk.doc), walk, { ...job(alias), field: 'resources.containers[].image' });
  }
  const container = (holder: unknown, name: string | undefined) => {
    const node = deref(getNode(holder, 'container', walk.doc), walk.doc);
    if (isScalar(node) && typeof node.value === 'string' && aliases.has(node.value)) return;
    imageOrMap(node, 'image', walk, { ...job(name), field: 'container' });
  };
  const jobs = (holder: unknown) => {
    for (const item of seqItems(getNode(holder, 'jobs', walk.doc), walk.doc)) {
      container(item, getString(item, 'job', walk.doc) ?? getString(item, 'deployment', walk.doc));
    }
  };
  container(root, undefined);
  jobs(root);
  for (const stage of seqItems(getNode(root, 'stages', walk.doc), walk.doc)) jobs(stage);
}

// Drone and Woodpecker: steps[].image and services[].image (Woodpecker also writes steps as a
// mapping by name, and the older `pipeline:` and `clone:` sections).
function droneLike(root: Node, walk: Walk): void {
  for (const section of ['steps', 'pipeline', 'services', 'clone']) {
    for (const step of named(getNode(root, section, walk.doc), walk)) {
      const name = step.name ?? getString(step.value, 'name', walk.doc);
      image(getNode(step.value, 'image', walk.doc), walk, { ...job(name), field: `${section}.image` });
    }
  }
}
