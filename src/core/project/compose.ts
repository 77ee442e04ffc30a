// Compose services that build their image: the Dockerfile they build is the one that matters (it
// is analysed as usual, even when only the Compose file was given), and a service without a
// `user:` runs as that Dockerfile's final stage does.

import * as path from 'node:path';
import { severityOf, isEnabled } from '../rules/catalog.js';
import type { AnalysisResult, AnalyzeOptions, ComposeService, Finding } from '../types.js';

/** The Dockerfile a service builds, as an absolute path. */
export function dockerfileOf(composeFile: string, build: NonNullable<ComposeService['build']>): string {
  const context = path.resolve(path.dirname(path.resolve(composeFile)), build.context);
  return path.resolve(context, build.dockerfile);
}

export interface BuiltService {
  readonly composeFile: string;
  readonly service: ComposeService;
  readonly dockerfile: string;
}

/** Every service that builds its image and sets no `user:`, with the Dockerfile it builds. */
export function builtServices(files: readonly { readonly file: string; readonly result: AnalysisResult }[]): BuiltService[] {
  const built: BuiltService[] = [];
  for (const { file, result } of files) {
    for (const service of result.services ?? []) {
      if (service.build && !service.user) built.push({ composeFile: file, service, dockerfile: dockerfileOf(file, service.build) });
    }
  }
  return built;
}

/**
 * The root-user verdict a built service takes from its Dockerfile: a finding on the service's
 * `build:` when that Dockerfile's final stage runs as root, none when it does not.
 */
export function builtServiceFinding(built: BuiltService, dockerfile: AnalysisResult, options: AnalyzeOptions): Finding | undefined {
  if (!isEnabled('root-user', options)) return undefined;
  const root = dockerfile.findings.find((f) => f.rule === 'root-user');
  if (!root) return undefined;
  const reason = root.reason ?? 'implicit';
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
    range: built.service.build!.range,
    message:
      `Service \`${built.service.service}\` is built from \`${relative}\`, whose final stage ${how} (line ${root.range.start.line + 1}). ` +
      'Set `user:` on the service, or end the Dockerfile with `USER <name or uid>` of an unprivileged user.',
    ...(root.userFrom && { userFrom: root.userFrom }),
  };
}
