// Dockerfiles and Containerfiles: every base image, every stage, and who the final stage runs as.

import { DockerfileParser, type Arg, type Env, type From, type Copy } from 'dockerfile-ast';
import { classifyImage, isTemplated } from './classify.js';
import { expand, type Lookup } from './substitute.js';
import type { ImageOccurrence, Range } from '../types.js';

/** Who a stage's last `USER` instruction names. */
export interface UserFact {
  readonly raw: string;
  /** After substitution; absent when a variable had no value. */
  readonly resolved?: string;
  /** The `USER` instruction. */
  readonly range: Range;
  readonly stage: number;
}

export interface StageFact {
  readonly index: number;
  readonly name?: string;
  /** The whole `FROM` instruction. */
  readonly fromRange: Range;
  /** The base image as written, and what it is. */
  readonly base: ImageOccurrence;
  /** Index of the earlier stage this one is built `FROM`, if any. */
  readonly baseStage?: number;
  /** The last `USER` of this stage, if any. */
  readonly user?: UserFact;
  /** The stage says what to run (`ENTRYPOINT` or `CMD`). */
  readonly runs?: boolean;
}

export interface DockerfileFacts {
  readonly stages: readonly StageFact[];
  readonly images: readonly ImageOccurrence[];
  /** Set when the file is a template (`FROM {{ … }}`) and was not analysed. */
  readonly templateNote?: string;
}

// Declared by BuildKit in the global scope of every build, without an ARG.
const AUTOMATIC_PLATFORM_ARGS = new Set([
  'BUILDPLATFORM',
  'BUILDOS',
  'BUILDARCH',
  'BUILDVARIANT',
  'TARGETPLATFORM',
  'TARGETOS',
  'TARGETARCH',
  'TARGETVARIANT',
]);

/** Variables in scope, where a declared name may have no value. */
class Scope {
  private readonly values = new Map<string, string | undefined>();

  constructor(private readonly parent?: Scope) {}

  set(name: string, value: string | undefined): void {
    this.values.set(name, value);
  }

  get(name: string): string | undefined {
    return this.values.has(name) ? this.values.get(name) : this.parent?.get(name);
  }

  readonly lookup: Lookup = (name) => this.get(name);
}

export function extractDockerfile(text: string, buildArgs: Readonly<Record<string, string>> = {}): DockerfileFacts {
  const dockerfile = DockerfileParser.parse(text);
  const escape = dockerfile.getEscapeCharacter();
  const expandOptions = { escape, quotes: true } as const;
  const override = (name: string): string | undefined => (Object.hasOwn(buildArgs, name) ? buildArgs[name] : undefined);

  const globals = new Scope();
  // Where each global ARG's default is written, for pinning a `FROM $BASE` at its source.
  const globalDefaults = new Map<string, { readonly name: string; readonly range: Range }>();
  for (const name of AUTOMATIC_PLATFORM_ARGS) if (override(name) !== undefined) globals.set(name, override(name));

  const stages: StageFact[] = [];
  const images: ImageOccurrence[] = [];
  const stageIndexByName = new Map<string, number>();
  const stageEnv: Scope[] = [];
  let scope: Scope | undefined; // the current stage's ARG and ENV values
  let current: { fact: Omit<StageFact, 'user' | 'runs'>; user?: UserFact; runs?: boolean } | undefined;

  const finishStage = () => {
    if (current) stages.push({ ...current.fact, ...(current.user && { user: current.user }), ...(current.runs && { runs: true }) });
  };

  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') {
      finishStage();
      const from = instruction as From;
      const index = stages.length;
      const imageArg = from.getArguments()[0];
      const name = from.getBuildStage() ?? undefined;
      const fromRange = from.getRange();
      if (!imageArg) {
        // `FROM` with no argument: nothing to report as an image; keep the stage so indices line up.
        current = { fact: { index, fromRange, base: emptyBase(fromRange, index, name) } };
        scope = new Scope();
        stageEnv.push(scope);
        if (name) stageIndexByName.set(name.toLowerCase(), index);
        continue;
      }
      const raw = imageArg.getValue();
      if (isTemplated(raw)) {
        return { stages: [], images: [], templateNote: 'this Dockerfile is a template (`{{ … }}` in FROM): skipped' };
      }
      const isStage = (candidate: string) => stageIndexByName.has(candidate.toLowerCase());
      const classification = classifyImage(raw, expand(raw, globals.lookup, expandOptions), isStage);
      const platformFlag = from.getPlatformFlag();
      const platformRaw = platformFlag?.getValue() ?? undefined;
      const platform = platformRaw === undefined ? undefined : resolvedOrRaw(platformRaw, globals.lookup, escape);
      const maybeStage = classification.status === 'unresolved' && matchesAnyStage(raw, stageIndexByName);
      const wholeVariable = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/.exec(raw);
      const argDefault = wholeVariable ? globalDefaults.get((wholeVariable[1] ?? wholeVariable[2])!) : undefined;
      const base: ImageOccurrence = {
        source: 'dockerfile',
        raw,
        range: imageArg.getRange(),
        ...classification,
        ...(platform !== undefined && { platform }),
        dockerfile: {
          stage: index,
          ...(name !== undefined && { stageName: name }),
          via: 'from',
          ...(maybeStage && { maybeStage }),
          ...(argDefault && { argDefault }),
        },
      };
      images.push(base);
      const baseStage = classification.status === 'stage' ? stageIndexByName.get(classification.resolved.toLowerCase()) : undefined;
      // ENV set in a parent stage is part of its image config and carries over; ARGs do not.
      scope = new Scope(baseStage !== undefined ? stageEnv[baseStage] : undefined);
      stageEnv.push(scope);
      current = { fact: { index, fromRange, base, ...(name !== undefined && { name }), ...(baseStage !== undefined && { baseStage }) } };
      if (name) stageIndexByName.set(name.toLowerCase(), index);
      continue;
    }

    if (keyword === 'ARG') {
      for (const property of (instruction as Arg).getProperties()) {
        const name = property.getName();
        const declared = property.getValue();
        const target = scope ?? globals;
        let value = override(name);
        if (value === undefined) {
          if (declared !== null) value = expandValue(declared, target.lookup, escape);
          else if (scope) value = globals.get(name); // `ARG NAME` in a stage takes the global value
        }
        target.set(name, value);
        const valueRange = property.getValueRange();
        if (!scope && declared !== null && valueRange && override(name) === undefined)
          globalDefaults.set(name, { name, range: valueRange });
      }
      continue;
    }

    if (!scope || !current) continue; // instructions before the first FROM other than ARG are invalid; ignore

    if (keyword === 'ENV') {
      for (const property of (instruction as Env).getProperties()) {
        const declared = property.getValue();
        scope.set(property.getName(), declared === null ? '' : expandValue(declared, scope.lookup, escape));
      }
    } else if (keyword === 'USER') {
      const argument = instruction.getArguments()[0];
      if (argument) {
        const raw = argument.getValue();
        const expansion = expand(raw, scope.lookup, { escape, quotes: true });
        current.user = {
          raw,
          range: instruction.getRange(),
          stage: current.fact.index,
          ...(expansion.unresolved.length === 0 && { resolved: expansion.value }),
        };
      }
    } else if (keyword === 'ENTRYPOINT' || keyword === 'CMD') {
      current.runs = true;
    } else if (keyword === 'COPY' || keyword === 'ADD') {
      const image = copyFromImage(instruction as Copy, scope.lookup, escape, stageIndexByName, current.fact);
      if (image) images.push(image);
    }
  }
  finishStage();
  return { stages, images };
}

/** True when some value of the variables in `raw` would name an earlier stage (`FROM build-$TARGETOS`). */
function matchesAnyStage(raw: string, stageIndexByName: ReadonlyMap<string, number>): boolean {
  const parts = raw.toLowerCase().split(/\$\{[^}]*\}|\$[a-z_][a-z0-9_]*/);
  for (const name of stageIndexByName.keys()) if (matchesWildcards(parts, name)) return true;
  return false;
}

/**
 * True when `name` is `parts` joined by any texts. Each middle part is taken at its leftmost
 * place, which finds a match whenever there is one, in linear time (a regular expression of
 * `.*`s backtracks exponentially: `FROM ${A}a${A}a…` against a long stage name never ended).
 */
function matchesWildcards(parts: readonly string[], name: string): boolean {
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (parts.length === 1) return name === first;
  if (name.length < first.length + last.length || !name.startsWith(first) || !name.endsWith(last)) return false;
  const end = name.length - last.length;
  let at = first.length;
  for (const part of parts.slice(1, -1)) {
    const found = name.indexOf(part, at);
    if (found === -1 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

function emptyBase(range: Range, stage: number, name?: string): ImageOccurrence {
  return {
    source: 'dockerfile',
    raw: '',
    range,
    status: 'invalid',
    pinned: false,
    problem: 'FROM needs an image',
    dockerfile: { stage, ...(name !== undefined && { stageName: name }), via: 'from' },
  };
}

function expandValue(text: string, lookup: Lookup, escape: string): string | undefined {
  const expansion = expand(text, lookup, { escape });
  return expansion.unresolved.length === 0 ? expansion.value : undefined;
}

function resolvedOrRaw(text: string, lookup: Lookup, escape: string): string {
  return expandValue(text, lookup, escape) ?? text;
}

/** `COPY --from=<image>` pulls an image unless it names a stage (by name or index). */
function copyFromImage(
  instruction: Copy,
  lookup: Lookup,
  escape: string,
  stageIndexByName: ReadonlyMap<string, number>,
  stage: { index: number; name?: string },
): ImageOccurrence | undefined {
  const flag = instruction.getFlags().find((f) => f.getName() === 'from');
  const raw = flag?.getValue();
  const range = flag?.getValueRange();
  if (!flag || !raw || !range) return undefined;
  const expansion = expand(raw, lookup, { escape, quotes: true });
  if (expansion.unresolved.length === 0 && (/^\d+$/.test(expansion.value) || stageIndexByName.has(expansion.value.toLowerCase()))) {
    return undefined;
  }
  return {
    source: 'dockerfile',
    raw,
    range,
    ...classifyImage(raw, expansion, (name) => stageIndexByName.has(name.toLowerCase())),
    dockerfile: { stage: stage.index, ...(stage.name !== undefined && { stageName: stage.name }), via: 'copy-from' },
  };
}
