// The public data shapes of the core. Plain data only: no classes, no editor types.

import type { ImageReference } from './analysis/reference.js';
import type { ChartPin, ImagesEntry, ImageWorkload } from './project/types.js';

/** A zero-based position; `character` counts UTF-16 code units, as editors do. */
export interface Position {
  readonly line: number;
  readonly character: number;
}

export interface Range {
  readonly start: Position;
  readonly end: Position;
}

export type Severity = 'error' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/**
 * Where an image reference was written: a file of its own kind, or (`kustomize`, `helm`) the
 * image as a multi-file mechanism makes it, placed where it is decided.
 */
export type SourceKind = 'dockerfile' | 'kubernetes' | 'compose' | 'kustomize' | 'helm' | 'ci' | 'devcontainer' | 'quadlet' | 'bake';

/**
 * How the core reads a file. `yaml` covers Kubernetes manifests (YAML or JSON), Compose files and CI
 * pipelines (which `AnalyzeOptions.fileName` names); `devcontainer` is JSON with comments, `quadlet` a
 * Podman unit, `bake` a Docker Bake file (HCL or JSON).
 */
export type FileKind = 'dockerfile' | 'yaml' | 'devcontainer' | 'quadlet' | 'bake';

export type RuleId = 'unpinned-image' | 'root-user' | 'invalid-reference' | 'unresolved-image' | 'vulnerable-image';
export const RULE_IDS: readonly RuleId[] = ['unpinned-image', 'root-user', 'invalid-reference', 'unresolved-image', 'vulnerable-image'];

/**
 * What an image reference turned out to be.
 * - `image`: a valid reference to a registry image
 * - `id`: a bare image ID (`sha256:…`), content-addressed
 * - `scratch`: Docker's empty base
 * - `stage`: the name of an earlier build stage
 * - `unresolved`: depends on a variable that has no value
 * - `template`: holds template syntax (`{{ … }}`), not an image yet
 * - `invalid`: not a valid reference
 */
export type ImageStatus = 'image' | 'id' | 'scratch' | 'stage' | 'unresolved' | 'template' | 'invalid';

export interface DockerfileContext {
  /** Zero-based index of the stage among the file's `FROM`s. */
  readonly stage: number;
  readonly stageName?: string;
  /** `from` for a stage base, `copy-from` for `COPY --from=<image>`. */
  readonly via: 'from' | 'copy-from';
  /** The reference is unresolved, but some value of its variables names an earlier stage. */
  readonly maybeStage?: boolean;
  /** `FROM $BASE` where BASE is a global ARG with a default: where that default is written. */
  readonly argDefault?: { readonly name: string; readonly range: Range };
}

export interface KubernetesContext {
  readonly kind: string;
  readonly name?: string;
  readonly namespace?: string;
  /** Zero-based index of the YAML document in the file. */
  readonly document: number;
  readonly container?: string;
  readonly containerType?: ContainerType;
}

export interface ComposeContext {
  readonly service: string;
  /** The service has a `build` section: Compose builds this image rather than pulling it. */
  readonly built?: boolean;
}

/** A Compose service: who it runs as, and what it builds (the root-user rule and the build's Dockerfile need them). */
export interface ComposeService {
  readonly service: string;
  /** The service's key. */
  readonly range: Range;
  /** `user:`, as written and after interpolation (absent when a variable had no value). */
  readonly user?: { readonly raw: string; readonly resolved?: string; readonly range: Range };
  /**
   * `build:`: the context folder and Dockerfile as Compose reads them (interpolated), relative to the
   * Compose file, and the stage it builds (`target`; the last stage when absent).
   */
  readonly build?: { readonly context: string; readonly dockerfile: string; readonly target?: string; readonly range: Range };
}

/** An image as a root kustomization renders it (`source: 'kustomize'`). */
export interface KustomizeContext {
  /** The root kustomization's folder. */
  readonly kustomization: string;
  /** What decides the image: an `images:` entry, a patch, or the manifest itself. */
  readonly by: 'images-entry' | 'patch' | 'manifest';
  /** The image as first written in a manifest. */
  readonly origin: { readonly file: string; readonly range: Range; readonly raw: string };
  /** The `images:` entry that decides it, when one does: pinning writes `digest:` into it. */
  readonly entry?: ImagesEntry;
  readonly workload: ImageWorkload;
}

/** An image a Helm chart's template makes (`source: 'helm'`). */
export interface HelmContext {
  /** The chart's folder. */
  readonly chart: string;
  /** The template's `image:` value, as written. */
  readonly template: { readonly file: string; readonly range: Range; readonly raw: string };
  /** The values.yaml key that sets the tag (or the repository), when the image comes from values. */
  readonly valueKey?: readonly string[];
  /** Where pinning can write a digest. */
  readonly pin: ChartPin;
  readonly workload?: ImageWorkload;
}

export type ContainerType = 'containers' | 'initContainers' | 'ephemeralContainers';

/** The CI systems whose pipeline files Shipshape reads. */
export type CiSystem =
  'github-actions' | 'gitlab-ci' | 'bitbucket-pipelines' | 'circleci' | 'cloud-build' | 'azure-pipelines' | 'drone' | 'woodpecker';

/** An image a CI pipeline runs (`source: 'ci'`): a job's container, a service, a step. */
export interface CiContext {
  readonly system: CiSystem;
  /** The job, step or executor the image belongs to, when it has a name. */
  readonly job?: string;
  /** The field, as the system's documentation names it (`container`, `services`, `steps[].uses`). */
  readonly field: string;
}

/** Where a dev container, Quadlet unit or Bake file uses an image (`source: 'devcontainer' | 'quadlet' | 'bake'`). */
export interface ContainerFileContext {
  /** The field (`image`, `Image=`, `contexts.base`), and the Bake target or Compose service it belongs to. */
  readonly field: string;
  readonly target?: string;
}

/** One image reference found in a file. */
export interface ImageOccurrence {
  readonly source: SourceKind;
  /** The text as written in the file (without surrounding quotes). */
  readonly raw: string;
  /** Exactly where `raw` is written. */
  readonly range: Range;
  readonly status: ImageStatus;
  /** The text after variable substitution; absent when unresolved. */
  readonly resolved?: string;
  /** The parsed reference, when `status` is `image` (or `id`, without one). */
  readonly reference?: ImageReference;
  readonly pinned: boolean;
  /** The `--platform` (Dockerfile) or `platform:` (Compose) value, after substitution where possible. */
  readonly platform?: string;
  /** Variables that had no value, when `status` is `unresolved`. */
  readonly unresolvedVariables?: readonly string[];
  /** Why the reference is invalid, when `status` is `invalid`. */
  readonly problem?: string;
  readonly dockerfile?: DockerfileContext;
  readonly kubernetes?: KubernetesContext;
  readonly compose?: ComposeContext;
  readonly kustomize?: KustomizeContext;
  readonly helm?: HelmContext;
  readonly ci?: CiContext;
  readonly container?: ContainerFileContext;
}

export interface Finding {
  readonly rule: RuleId;
  /** The rule's variant: `latest`, `untagged`, `mutable-tag` for `unpinned-image`; `explicit`, `implicit` for `root-user`. */
  readonly reason?: string;
  readonly severity: Severity;
  readonly message: string;
  readonly range: Range;
  /**
   * The image concerned, resolved and normalised as the report's images are
   * (`docker.io/library/nginx:1.27`), or null when it cannot be known (unresolved, invalid).
   */
  readonly reference?: string | null;
  /** The image concerned, as written (`$BASE`, `nginx:1.27`). */
  readonly raw?: string;
  /** root-user: where the image's own user came from, when the verdict rests on it. */
  readonly userFrom?: ImageUser['from'];
}

/** A problem reading the input itself (a YAML syntax error, …). */
export interface AnalysisError {
  readonly message: string;
  readonly range?: Range;
}

export interface AnalysisResult {
  /** What the file turned out to hold; `none` for YAML that is neither a manifest nor a Compose file. */
  readonly sources: readonly SourceKind[];
  readonly images: readonly ImageOccurrence[];
  readonly findings: readonly Finding[];
  readonly errors: readonly AnalysisError[];
  /** Things worth saying that are not problems (a template skipped, …). */
  readonly notes: readonly string[];
  /** The Compose services of a Compose file. */
  readonly services?: readonly ComposeService[];
  /**
   * Images (normalised references) whose own configured user would change a root-user verdict
   * here: a final stage or a container or a service that sets no user. Asking their registries
   * (or a scan) and analysing again with `AnalyzeOptions.imageUsers` settles them.
   */
  readonly usersWanted?: readonly string[];
  /** Files this one has its tool read (a dev container's or a Bake target's Dockerfile, a dev container's Compose files). */
  readonly uses?: readonly FileUse[];
}

/**
 * A file another one names: the Dockerfile it builds (with its build args and target) or a Compose
 * file (and the service it runs). `path` is as written, relative to the naming file's folder.
 */
export type FileUse =
  | {
      readonly kind: 'dockerfile';
      readonly path: string;
      readonly args?: Readonly<Record<string, string>>;
      readonly target?: string;
      readonly range: Range;
    }
  | { readonly kind: 'compose'; readonly path: string; readonly service?: string; readonly range: Range };

export interface RuleSettings {
  readonly enabled?: boolean;
  /** One severity for every variant, or one per variant (`latest`, `mutable-tag`, `explicit`, …). */
  readonly severity?: Severity | Readonly<Record<string, Severity>>;
}

/** An image's configured user (`config.User`; empty when the image sets none), and who said so. */
export interface ImageUser {
  readonly user: string;
  /** Read from the image's config through its registry, or from a Trivy scan's report. */
  readonly from: 'image-config' | 'trivy';
}

export interface AnalyzeOptions {
  /** `--build-arg` overrides for Dockerfiles. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** Variables for Compose interpolation (`${VAR}`); none by default. */
  readonly composeEnv?: Readonly<Record<string, string>>;
  readonly rules?: Readonly<Partial<Record<RuleId, RuleSettings>>>;
  /**
   * The configured user of scanned base images, by normalised reference (`docker.io/library/node:22`):
   * a Dockerfile that sets no USER runs as its base image's user, so a non-root one is not reported.
   */
  readonly imageUsers?: ReadonlyMap<string, ImageUser>;
  /** The file's path (as given): CI pipelines are known by their names (`.github/workflows/*.yml`). */
  readonly fileName?: string;
}
