// root-user: the final Dockerfile stage, and every Kubernetes container, should not run as root.

import type { DockerfileFacts, StageFact, UserFact } from '../analysis/dockerfile.js';
import type { ContainerFact } from '../analysis/kubernetes.js';
import { findingImage } from '../analysis/classify.js';
import { isImageId, parseReference, type ImageReference } from '../analysis/reference.js';
import type { ScanOutcome } from '../trivy/types.js';
import type { AnalyzeOptions, ComposeService, FindingOf, ImageOccurrence, ImageUser } from '../types.js';
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
export function imageUsersOf(outcomes: Iterable<ScanOutcome>): Map<string, ImageUser> {
  const users = new Map<string, ImageUser>();
  for (const outcome of outcomes) {
    // An image ID names content, not a repository: no reference can share its user.
    if (!outcome.ok || outcome.scan.user === undefined || isImageId(outcome.scan.reference)) continue;
    const parsed = parseReference(outcome.scan.reference);
    if (parsed.ok) users.set(parsed.reference.normalized, { user: outcome.scan.user, from: 'trivy' });
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

export function dockerfileRootFindings(facts: DockerfileFacts, options: AnalyzeOptions): FindingOf<'root-user'>[] {
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
  // The base image's own user, when a registry or a scan told it: only root (or none) keeps the finding.
  const known = base.reference ? options.imageUsers?.get(base.reference.normalized) : undefined;
  if (known && !runsAsRoot(known.user)) return [];
  const shown = base.resolved !== undefined && base.resolved !== base.raw ? `\`${base.raw}\` (\`${base.resolved}\`)` : `\`${base.raw}\``;
  const from =
    base.status === 'scratch'
      ? 'it is built from `scratch`, which has no user, so it runs as root'
      : known
        ? `it runs as the user of its base image ${shown}, which runs as root (${configured(known)})`
        : `it runs as the user of its base image ${shown}, which is root unless that image sets one`;
  return [
    {
      rule: 'root-user',
      reason: 'implicit',
      severity: severityOf('root-user', 'implicit', options),
      range: final.fromRange,
      message: `The final stage sets no USER, so ${from}. Add \`USER <name or uid>\` of an unprivileged user.`,
      ...(base.raw !== '' && findingImage(base)),
      ...(known && { userFrom: known.from }),
    },
  ];
}

/** An image's configured user runs as root: none set, or root by name or UID. */
function runsAsRoot(user: string): boolean {
  return user.trim() === '' || isRootUser(user);
}

/** `its configured user is empty` / `` its configured user is `0` ``, and who said so. */
function configured(known: ImageUser): string {
  const what = known.user.trim() === '' ? 'its configured user is empty' : `its configured user is \`${known.user}\``;
  return `${what}, ${known.from === 'image-config' ? 'as its image config says' : 'as a Trivy scan says'}`;
}

function stageLabel(stage: StageFact): string {
  return stage.name !== undefined ? `\`${stage.name}\`` : `#${stage.index}`;
}

export function kubernetesRootFindings(containers: readonly ContainerFact[], options: AnalyzeOptions): FindingOf<'root-user'>[] {
  if (!isEnabled('root-user', options)) return [];
  const findings: FindingOf<'root-user'>[] = [];
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
    } else if (runAsUser === undefined) {
      const image = container.image !== undefined ? containerImage(container.image) : undefined;
      const known = image?.reference ? options.imageUsers?.get(image.reference) : undefined;
      if (runAsNonRoot?.value === true) {
        // The kubelet checks the image's user itself and refuses to start what it cannot prove non-root.
        const refusal = known ? kubeletRefusal(known.user) : undefined;
        if (!refusal) continue;
        findings.push({
          rule: 'root-user',
          reason: 'will-not-start',
          severity: severityOf('root-user', 'will-not-start', options),
          // The pod's setting applies to every container: each is told at its own place.
          range: runAsNonRoot.level === 'pod' ? container.range : runAsNonRoot.range,
          message:
            `${label} will not start: \`runAsNonRoot: true\`${runAsNonRoot.level === 'pod' ? ' (from the pod securityContext)' : ''} without a \`runAsUser\`, and ${refusal} (${configured(known!)}); ` +
            'the kubelet refuses it. Set `runAsUser` to a non-zero UID.',
          ...image,
          userFrom: known!.from,
        });
        continue;
      }
      if (known && !runsAsRoot(known.user)) continue;
      const why =
        runAsNonRoot?.value === false
          ? '`runAsNonRoot` is false and no `runAsUser` is set'
          : 'neither `runAsUser` nor `runAsNonRoot: true` is set';
      findings.push({
        rule: 'root-user',
        reason: 'implicit',
        severity: severityOf('root-user', 'implicit', options),
        range: container.range,
        message: known
          ? `${label} runs as root: ${why}, and the image \`${container.image}\` runs as root (${configured(known)}). Set \`securityContext.runAsNonRoot: true\` and a non-zero \`runAsUser\`.`
          : `${label} may run as root: ${why}, so the image's user applies. Set \`securityContext.runAsNonRoot: true\` (and a non-zero \`runAsUser\`).`,
        ...image,
        ...(known && { userFrom: known.from }),
      });
    }
  }
  return findings;
}

/**
 * Why the kubelet refuses an image under `runAsNonRoot: true` with no `runAsUser`, or undefined
 * when it starts: it needs the image's user to be a numeric, non-zero UID.
 */
function kubeletRefusal(user: string): string | undefined {
  const uid = user.split(':')[0]!.trim();
  if (uid === '' || /^0+$/.test(uid)) return 'the image runs as root';
  if (!/^\d+$/.test(uid)) return "the image's user is a name, not a UID, so the kubelet cannot verify that it is not root";
  return undefined;
}

/** A container's image for a finding: Kubernetes substitutes nothing, so what is written is what runs. */
function containerImage(raw: string): { reference: string | null; raw: string } {
  const parsed = parseReference(raw);
  return { reference: parsed.ok ? parsed.reference.normalized : isImageId(raw) ? raw : null, raw };
}

/**
 * Compose: a service whose `user:` is root; and a service without `user:` that pulls an image
 * whose own configured user is root, once a registry or a scan has said so.
 */
export function composeRootFindings(
  services: readonly ComposeService[],
  images: readonly ImageOccurrence[],
  options: AnalyzeOptions,
): FindingOf<'root-user'>[] {
  if (!isEnabled('root-user', options)) return [];
  const findings: FindingOf<'root-user'>[] = [];
  for (const { service, user, build } of services) {
    if (!user) {
      const image = build ? undefined : images.find((i) => i.compose?.service === service && i.reference);
      const known = image?.reference ? options.imageUsers?.get(image.reference.normalized) : undefined;
      if (!image || !known || !runsAsRoot(known.user)) continue;
      findings.push({
        rule: 'root-user',
        reason: 'implicit',
        severity: severityOf('root-user', 'implicit', options),
        range: image.range,
        message: `Service \`${service}\` sets no \`user:\`, and its image \`${image.raw}\` runs as root (${configured(known)}). Set \`user:\` to an unprivileged UID.`,
        ...findingImage(image),
        userFrom: known.from,
      });
      continue;
    }
    if (user.resolved === undefined || !isRootUser(user.resolved)) continue;
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

/** The images whose own user would settle a verdict here: containers and services that set none. */
export function usersWanted(
  containers: readonly ContainerFact[],
  services: readonly ComposeService[],
  images: readonly ImageOccurrence[],
): string[] {
  const wanted = new Set<string>();
  for (const container of containers) {
    if (container.runAsUser !== undefined || container.image === undefined) continue;
    const image = containerImage(container.image);
    if (image.reference && !isImageId(image.reference)) wanted.add(image.reference);
  }
  for (const { service, user, build } of services) {
    if (user || build) continue;
    const image = images.find((i) => i.compose?.service === service && i.reference);
    if (image?.reference) wanted.add(image.reference.normalized);
  }
  return [...wanted];
}
