// Which CI system a YAML file is a pipeline of: by its path, as Renovate's managers find them
// (docs.renovatebot.com/modules/manager/<name>, `managerFilePatterns`), then by its shape.

import type { CiSystem } from '../../types.js';

/** Path patterns, matched against the path with `/` separators. Order matters: the first match wins. */
const BY_PATH: readonly (readonly [RegExp, CiSystem])[] = [
  [/(?:^|\/)(?:workflow-templates|\.(?:github|gitea|forgejo)\/(?:workflows|actions))\/.+\.ya?ml$/, 'github-actions'],
  [/(?:^|\/)action\.ya?ml$/, 'github-actions'],
  [/\.gitlab-ci\.ya?ml$/, 'gitlab-ci'],
  [/(?:^|\/)\.?bitbucket-pipelines\.ya?ml$/, 'bitbucket-pipelines'],
  [/(?:^|\/)\.circleci\/.+\.ya?ml$/, 'circleci'],
  [/(?:^|\/)cloudbuild[^/]*\.ya?ml$/, 'cloud-build'],
  [/(?:^|\/)(?:\.azuredevops|\.azure-pipelines)\/.+\.ya?ml$/, 'azure-pipelines'],
  // `.azure-pipelines.yml` too (curl's name for it), as Renovate's `azure.*pipelines?.*\.ya?ml` finds it.
  [/(?:^|\/)\.?azure-pipelines?[^/]*\.ya?ml$/, 'azure-pipelines'],
  [/(?:^|\/)\.drone\.ya?ml$/, 'drone'],
  [/(?:^|\/)\.woodpecker(?:\/[^/]+)?\.ya?ml$/, 'woodpecker'],
];

/** The CI system a file's path names, or undefined. */
export function ciSystemOfPath(fileName: string | undefined): CiSystem | undefined {
  if (fileName === undefined) return undefined;
  const normalized = fileName.replace(/\\/g, '/');
  return BY_PATH.find(([pattern]) => pattern.test(normalized))?.[1];
}

/**
 * The words without which a pipeline of each system names no image: most workflows run on the
 * runner itself, and are not parsed at all (as a manifest without the word `image` is not).
 */
export const MAY_NAME_IMAGES: Readonly<Record<CiSystem, RegExp>> = {
  'github-actions': /container|image|docker:\/\//,
  'gitlab-ci': /image|services/,
  'bitbucket-pipelines': /image|docker:\/\//,
  circleci: /image/,
  'cloud-build': /name/,
  'azure-pipelines': /container/,
  drone: /image/,
  woodpecker: /image/,
};

/** What fills in each system's run-time expressions, for the unresolved-image message. */
export const FILLED_BY: Readonly<Record<CiSystem, string>> = {
  'github-actions': 'GitHub Actions fills in when the workflow runs',
  'gitlab-ci': 'GitLab CI fills in when the pipeline runs',
  'bitbucket-pipelines': 'Bitbucket Pipelines fills in when the pipeline runs',
  circleci: 'CircleCI fills in when the pipeline is compiled',
  'cloud-build': 'Cloud Build fills in (substitutions) when the build runs',
  'azure-pipelines': 'Azure Pipelines fills in when the pipeline runs',
  drone: 'Drone fills in when the pipeline runs',
  woodpecker: 'Woodpecker fills in when the pipeline runs',
};

/** The name a system is known by, for messages. */
export const SYSTEM_NAMES: Readonly<Record<CiSystem, string>> = {
  'github-actions': 'GitHub Actions',
  'gitlab-ci': 'GitLab CI',
  'bitbucket-pipelines': 'Bitbucket Pipelines',
  circleci: 'CircleCI',
  'cloud-build': 'Cloud Build',
  'azure-pipelines': 'Azure Pipelines',
  drone: 'Drone',
  woodpecker: 'Woodpecker',
};
