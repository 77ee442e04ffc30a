// root-user: the final Dockerfile stage, and every Kubernetes container, should not run as root.

import type { DockerfileFacts, StageFact, UserFact } from '../analysis/dockerfile.js';
import type { ContainerFact } from '../analysis/kubernetes.js';
import { findingImage } from '../analysis/classify.js';
import { isImageId, parseReference, type ImageReference } from '../analysis/reference.js';
import type { ScanOutcome } from '../trivy/types.js';
import type { AnalyzeOptions, ComposeService, Finding } from '../types.js';
import { isEnabled, severityOf } from './catalog.js';

/** Users that are root: by name, by UID 0, and Windows' administrator account. */
export function isRootUser(user: string): boolean {
  const name = user.split(':')[0]!.trim();
  return name === 'root' || name === '0' || /^0+$/.test(name) || name.toLowerCase() === 'containeradministrator';
}

/**
 * The configured users that scans found, by normalised reference (`docker.io/library/node:22`):
 * what `AnalyzeOptions.imageUsers` takes, so that a base image's own non-root user settles a
 * Dockerfile's implicit root-user finding.
 */
export function imageUsersOf(outcomes: Iterable<ScanOutcome>): Map<string, string> {
  const users = new Map<string, string>();
  for (const outcome of outcomes) {
    // An image ID names content, not a repository: no reference can share its user.
    if (!outcome.ok || outcome.scan.user === undefined || isImageId(outcome.scan.reference)) continue;
    const parsed = parseReference(outcome.scan.reference);
    if (parsed.ok) users.set(parsed.reference.normalized, outcome.scan.user);
  }
  return users;
}

const MAX_STAGE_CHAIN = 256;

/**
 * Images whose publishers document that they run as a non-root user, so that no registry needs
 * asking (docs/rules/root-user.md lists them; nothing is guessed from names beyond this):
 * Google's distroless images tagged `nonroot` (`nonroot`, `debug-nonroot`, and their `-<arch>`
 * variants), which run as uid 65532.
 */
export function runsAsNonRoot(reference: ImageReference): boolean {
  return (
    reference.domain === 'gcr.io' &&
    reference.path.startsWith('distroless/') &&
    /^(?:debug-)?nonroot(?:-[a-z0-9]+)?$/.test(reference.tag ?? '')
  );
}

export function dockerfileRootFindings(facts: DockerfileFacts, options: AnalyzeOptions): Finding[] {
  if (!isEnabled('root-user', options) || facts.stages.length === 0) return [];
  const final = facts.stages[facts.stages.length - 1]!;
  // The effective user is the last USER along the chain of stages the final one is built FROM.
  let user: UserFact | undefined;
  let origin: StageFact = final;
  let runs = false;
  for (let stage: StageFact | undefined = final, hops = 0; stage && hops < MAX_STAGE_CHAIN; hops++) {
    origin = stage;
    runs ||= stage.runs === true;
    if (stage.user) {
      user = stage.user;
      break;
    }
    stage = stage.baseStage !== undefined ? facts.stages[stage.baseStage] : undefined;
  }
  if (user) {
    if (user.resolved === undefined || !isRootUser(user.resolved)) return [];
    const where =
      user.stage === final.index
        ? 'The final stage'
        : `The final stage inherits \`USER ${user.raw}\` from stage ${stageLabel(facts.stages[user.stage]!)} and`;
    const shown = user.raw === user.resolved ? `\`USER ${user.raw}\`` : `\`USER ${user.raw}\` (${user.resolved})`;
    const message =
      user.stage === final.index
        ? `${where} runs as root (${shown}). Create an unprivileged user and end with \`USER <name or uid>\`.`
        : `${where} runs as root. Add \`USER <name or uid>\` of an unprivileged user to the final stage.`;
    return [{ rule: 'root-user', reason: 'explicit', severity: severityOf('root-user', 'explicit', options), range: user.range, message }];
  }
  const base = origin.base;
  if (base.dockerfile?.maybeStage) return []; // built from a stage chosen by a variable: unknown
  // `FROM scratch` with nothing to run: an export stage (`--output`), whose files are not a runtime image.
  if (base.status === 'scratch' && !runs) return [];
  // Images documented to run as a non-root user, known without asking their registry.
  if (base.reference && runsAsNonRoot(base.reference)) return [];
  // A scan told us the base image's own user: only root (or no user) keeps the finding.
  const baseUser = base.reference ? options.imageUsers?.get(base.reference.normalized) : undefined;
  if (baseUser !== undefined && baseUser.trim() !== '' && !isRootUser(baseUser)) return [];
  const shown = base.resolved !== undefined && base.resolved !== base.raw ? `\`${base.raw}\` (\`${base.resolved}\`)` : `\`${base.raw}\``;
  const from =
    base.status === 'scratch'
      ? 'it is built from `scratch`, which has no user, so it runs as root'
      : `it runs as the user of its base image ${shown}, which is root unless that image sets one`;
  return [
    {
      rule: 'root-user',
      reason: 'implicit',
      severity: severityOf('root-user', 'implicit', options),
      range: final.fromRange,
      message: `The final stage sets no USER, so ${from}. Add \`USER <name or uid>\` of an unprivileged user.`,
      ...(base.raw !== '' && findingImage(base)),
    },
  ];
}

function stageLabel(stage: StageFact): string {
  return stage.name !== undefined ? `\`${stage.name}\`` : `#${stage.index}`;
}

export function kubernetesRootFindings(containers: readonly ContainerFact[], options: AnalyzeOptions): Finding[] {
  if (!isEnabled('root-user', options)) return [];
  const findings: Finding[] = [];
  for (const container of containers) {
    const label = container.name !== undefined ? `Container \`${container.name}\`` : 'This container';
    const { runAsUser, runAsNonRoot } = container;
    if (runAsUser?.value === 0) {
      const fromPod = runAsUser.level === 'pod';
      findings.push({
        rule: 'root-user',
        reason: 'explicit',
        severity: severityOf('root-user', 'explicit', options),
        range: fromPod ? container.range : runAsUser.range,
        message:
          `${label} runs as root (\`runAsUser: 0\`${fromPod ? ' from the pod securityContext' : ''}). ` +
          'Set `runAsUser` to a non-zero UID and `runAsNonRoot: true`.',
        ...(container.image !== undefined && containerImage(container.image)),
      });
    } else if (runAsUser === undefined && runAsNonRoot?.value !== true) {
      const why =
        runAsNonRoot?.value === false
          ? '`runAsNonRoot` is false and no `runAsUser` is set'
          : 'neither `runAsUser` nor `runAsNonRoot: true` is set';
      findings.push({
        rule: 'root-user',
        reason: 'implicit',
        severity: severityOf('root-user', 'implicit', options),
        range: container.range,
        message: `${label} may run as root: ${why}, so the image's user applies. Set \`securityContext.runAsNonRoot: true\` (and a non-zero \`runAsUser\`).`,
        ...(container.image !== undefined && containerImage(container.image)),
      });
    }
  }
  return findings;
}

/** A container's image for a finding: Kubernetes substitutes nothing, so what is written is what runs. */
function containerImage(raw: string): { reference: string | null; raw: string } {
  const parsed = parseReference(raw);
  return { reference: parsed.ok ? parsed.reference.normalized : isImageId(raw) ? raw : null, raw };
}

/** Compose: a service whose `user:` is root. (A service without `user:` runs as its image's user.) */
export function composeRootFindings(services: readonly ComposeService[], options: AnalyzeOptions): Finding[] {
  if (!isEnabled('root-user', options)) return [];
  const findings: Finding[] = [];
  for (const { service, user } of services) {
    if (user?.resolved === undefined || !isRootUser(user.resolved)) continue;
    const shown = user.raw === user.resolved ? `\`user: ${user.raw}\`` : `\`user: ${user.raw}\` (${user.resolved})`;
    findings.push({
      rule: 'root-user',
      reason: 'explicit',
      severity: severityOf('root-user', 'explicit', options),
      range: user.range,
      message: `Service \`${service}\` runs as root (${shown}). Set \`user:\` to an unprivileged UID (e.g. \`"1000:1000"\`).`,
    });
  }
  return findings;
}
