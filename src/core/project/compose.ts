// Compose services that build their image: the Dockerfile they build is the one that matters (it
// is analysed as usual, even when only the Compose file was given), and a service without a
// `user:` runs as the stage it builds does: its `build.target`, or the Dockerfile's final stage.

import * as path from 'node:path';
import { extractDockerfile } from '../analysis/dockerfile.js';
import { findSuppressions, isSuppressed } from '../analysis/suppress.js';
import { severityOf, isEnabled } from '../rules/catalog.js';
import { dockerfileRootFindings } from '../rules/rootUser.js';
import type { AnalysisResult, AnalyzeOptions, ComposeService, FindingOf } from '../types.js';

/** The Dockerfile a service builds, as an absolute path. */
export function dockerfileOf(composeFile: string, build: NonNullable<ComposeService['build']>): string {
  const context = path.resolve(path.dirname(path.resolve(composeFile)), build.context);
  return path.resolve(context, build.dockerfile);
}

export interface BuiltService {
  readonly composeFile: string;
  /** A service that builds (so its `build` is there). */
  readonly service: ComposeService & { readonly build: NonNullable<ComposeService['build']> };
  readonly dockerfile: string;
}

/** Every service that builds its image and sets no `user:`, with the Dockerfile it builds. */
export function builtServices(files: readonly { readonly file: string; readonly result: AnalysisResult }[]): BuiltService[] {
  const built: BuiltService[] = [];
  for (const { file, result } of files) {
    for (const service of result.services ?? []) {
      const { build } = service;
      if (build && !service.user) built.push({ composeFile: file, service: { ...service, build }, dockerfile: dockerfileOf(file, build) });
    }
  }
  return built;
}

/**
 * The root-user verdict a built service takes from its Dockerfile: a finding on the service's
 * `build:` when the stage it builds runs as root, none when it does not. The final stage's verdict
 * is the Dockerfile's own (`dockerfile`, settled by what registries and scans said); a `target`
 * stage's is read from the Dockerfile's `text` with the `options` it was analysed with.
 */
export function builtServiceFinding(
  built: BuiltService,
  dockerfile: AnalysisResult,
  options: AnalyzeOptions,
  text?: string,
): FindingOf<'root-user'> | undefined {
  if (!isEnabled('root-user', options)) return undefined;
  const target = built.service.build.target;
  const root =
    target === undefined
      ? dockerfile.findings.find((f): f is FindingOf<'root-user'> => f.rule === 'root-user')
      : targetVerdict(text, target, options);
  if (!root) return undefined;
  const { reason } = root;
  const relative = path.relative(path.dirname(path.resolve(built.composeFile)), built.dockerfile) || built.dockerfile;
  const how =
    reason === 'explicit'
      ? 'runs as root'
      : root.userFrom
        ? 'sets no USER, and its base image runs as root'
        : 'sets no USER, so it runs as root unless its base image sets one';
  return {
    rule: 'root-user',
    reason,
    severity: severityOf('root-user', reason, options),
    range: built.service.build.range,
    message:
      `Service \`${built.service.service}\` is built from \`${relative}\`, whose ${target === undefined ? 'final stage' : `stage \`${target}\``} ${how} (line ${root.range.start.line + 1}). ` +
      'Set `user:` on the service, or end the Dockerfile with `USER <name or uid>` of an unprivileged user.',
    ...(root.userFrom && { userFrom: root.userFrom }),
  };
}

/**
 * The root-user finding of the stage named `target`, as if it were the last one (what
 * `docker build --target` builds), minus what the Dockerfile's comments silence; none when the
 * stage is not there (the build fails) or the text could not be read.
 */
function targetVerdict(text: string | undefined, target: string, options: AnalyzeOptions): FindingOf<'root-user'> | undefined {
  if (text === undefined) return undefined;
  const facts = extractDockerfile(text, options.buildArgs);
  // Stage names are case-insensitive, as BuildKit matches them.
  const index = facts.stages.findIndex((stage) => stage.name?.toLowerCase() === target.toLowerCase());
  if (index === -1) return undefined;
  const suppressions = findSuppressions(text, false);
  return dockerfileRootFindings({ ...facts, stages: facts.stages.slice(0, index + 1) }, options).find(
    (finding) => !isSuppressed(finding, suppressions),
  );
}
