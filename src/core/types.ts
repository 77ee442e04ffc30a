// The public data shapes of the core. Plain data only: no classes, no editor types.

import type { ImageReference } from './analysis/reference.js';

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

export type RuleId =
  | 'unpinned-image'
  | 'root-user'
  | 'invalid-reference'
  | 'unresolved-image'
  | 'vulnerable-image'
  | 'deprecated-registry'
  | 'eol-image'
  | 'stale-digest';
export const RULE_IDS: readonly RuleId[] = [
  'unpinned-image',
  'root-user',
  'invalid-reference',
  'unresolved-image',
  'vulnerable-image',
  'deprecated-registry',
  'eol-image',
  'stale-digest',
];

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

/** A place in a file. */
export interface Place {
  /** Absolute path. */
  readonly file: string;
  readonly range: Range;
}

/** The workload and container an image runs in, as the rendered object says. */
export interface ImageWorkload {
  readonly kind: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly container?: string;
  /** `containers`, `initContainers`, `ephemeralContainers`, or another field for custom resources. */
  readonly containerType?: string;
}

/** An `images:` entry of a kustomization, and where each of its fields is written. */
export interface ImagesEntry {
  /** The kustomization file holding it. */
  readonly file: string;
  /** The whole entry (the mapping in the `images:` list). */
  readonly range: Range;
  /** The `name:` value (what it matches). */
  readonly name: { readonly value: string; readonly range: Range };
  readonly newName?: { readonly value: string; readonly range: Range };
  readonly newTag?: { readonly value: string; readonly range: Range };
  readonly digest?: { readonly value: string; readonly range: Range };
  readonly tagSuffix?: { readonly value: string; readonly range: Range };
}

/** How pinning writes a digest for a chart's image. */
export type ChartPin =
  /**
   * The chart reads a digest from this mapping (`key`) of a values.yaml (`file`: a parent's, when
   * it overrides the subchart's): write `digest: sha256:…` into it (`field: 'sha'`: the chart reads
   * the hex digest alone from `sha`, as kube-prometheus-stack does).
   */
  | {
      readonly kind: 'digest';
      readonly file: string;
      readonly key: readonly string[];
      readonly mapping: Range;
      readonly existing?: Range;
      readonly field?: 'sha';
    }
  /** The tag value feeds exactly one image: write `tag: "x@sha256:…"` there. */
  | { readonly kind: 'tag'; readonly file: string; readonly range: Range }
  /** No place to write one: why, for the message. */
  | { readonly kind: 'none'; readonly why: string };

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
  /** The GitOps object whose `images:` override decides it (`Application argocd/guestbook`). */
  readonly gitops?: string;
}

/** An image a Helm chart's template makes (`source: 'helm'`). */
export interface HelmContext {
  /** The chart's folder. */
  readonly chart: string;
  /** The template's `image:` value, as written. */
  readonly template: { readonly file: string; readonly range: Range; readonly raw: string };
  /** The values.yaml key that sets the tag (or the repository), when the image comes from values. */
  readonly valueKey?: readonly string[];
  /** The GitOps object whose values make it (`HelmRelease flux-system/podinfo`). */
  readonly gitops?: string;
  /** Where pinning can write a digest. */
  readonly pin: ChartPin;
  readonly workload?: ImageWorkload;
  /** False when `helm template` does not render it with these values: no findings, `condition` says what would. */
  readonly active?: false;
  readonly condition?: string;
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

/** The fields that only some statuses or sources have: a variant without one declares it absent. */
type Exclusive<T, Keys extends PropertyKey> = T & { readonly [K in Exclude<Keys, keyof T>]?: undefined };

type ClassifiedKey = 'resolved' | 'reference' | 'unresolvedVariables' | 'problem';

/**
 * What the text of an image field turned out to be (`analysis/classify.ts`), with what each status
 * has: a registry image its parsed reference, an unresolved one the variables that had no value,
 * an invalid one why. `resolved` is the text after variable substitution.
 */
export type ImageClassification =
  | Exclusive<
      {
        readonly status: 'image';
        readonly resolved: string;
        readonly reference: ImageReference;
        /** The reference has a digest. */
        readonly pinned: boolean;
      },
      ClassifiedKey
    >
  /** A bare image ID is content-addressed: pinned by what it is. */
  | Exclusive<{ readonly status: 'id'; readonly resolved: string; readonly pinned: true }, ClassifiedKey>
  | Exclusive<{ readonly status: 'scratch' | 'stage'; readonly resolved: string; readonly pinned: false }, ClassifiedKey>
  | Exclusive<
      {
        readonly status: 'unresolved';
        /** Set when the text is a placeholder another program fills in (`$IMAGE`, `auto`): the text itself. */
        readonly resolved?: string;
        /** The variables that had no value (or the placeholder's names, or what a chart could not resolve). */
        readonly unresolvedVariables: readonly string[];
        readonly pinned: false;
      },
      ClassifiedKey
    >
  | Exclusive<{ readonly status: 'template'; readonly pinned: false }, ClassifiedKey>
  | Exclusive<
      {
        readonly status: 'invalid';
        /** Absent when the field holds no text at all (empty, a number, a mapping). */
        readonly resolved?: string;
        /** Why the reference is invalid. */
        readonly problem: string;
        readonly pinned: false;
      },
      ClassifiedKey
    >;

type ContextKey = 'dockerfile' | 'kubernetes' | 'compose' | 'kustomize' | 'helm' | 'ci' | 'container';

/** Where an image was found, with that source's context. */
export type ImageSource =
  | Exclusive<{ readonly source: 'dockerfile'; readonly dockerfile: DockerfileContext }, ContextKey>
  | Exclusive<{ readonly source: 'kubernetes'; readonly kubernetes: KubernetesContext }, ContextKey>
  | Exclusive<{ readonly source: 'compose'; readonly compose: ComposeContext }, ContextKey>
  | Exclusive<{ readonly source: 'kustomize'; readonly kustomize: KustomizeContext }, ContextKey>
  | Exclusive<{ readonly source: 'helm'; readonly helm: HelmContext }, ContextKey>
  | Exclusive<{ readonly source: 'ci'; readonly ci: CiContext }, ContextKey>
  | Exclusive<{ readonly source: 'devcontainer' | 'quadlet' | 'bake'; readonly container: ContainerFileContext }, ContextKey>;

/** One image reference found in a file: its place, what it is (`status`) and where it comes from (`source`). */
export type ImageOccurrence = {
  /** The text as written in the file (without surrounding quotes). */
  readonly raw: string;
  /** Exactly where `raw` is written. */
  readonly range: Range;
  /** The `--platform` (Dockerfile) or `platform:` (Compose) value, after substitution where possible. */
  readonly platform?: string;
} & ImageClassification &
  ImageSource;

/**
 * Each rule's variants, a finding's `reason`: `never` for a rule without variants. A finding can
 * only carry a variant of its own rule, and the catalog's default severities are keyed by them.
 */
export interface RuleReasons {
  /** No tag (so `latest`), `latest` written, or a tag that can be moved. */
  readonly 'unpinned-image': 'latest' | 'untagged' | 'mutable-tag';
  /** A root user set, none set (root by default), or a root user that `runAsNonRoot` keeps from starting. */
  readonly 'root-user': 'explicit' | 'implicit' | 'will-not-start';
  readonly 'invalid-reference': never;
  readonly 'unresolved-image': never;
  /** The worst vulnerability's severity. */
  readonly 'vulnerable-image': 'critical' | 'high' | 'medium' | 'low' | 'unknown';
  /** A registry frozen (no new images), one whose catalogue changed, or one that moved. */
  readonly 'deprecated-registry': 'frozen' | 'changed' | 'moved';
  /** Past its end of life, or within 90 days of it. */
  readonly 'eol-image': 'end-of-life' | 'ends-soon';
  /** The tag now names a rebuilt image, or an index republished with the platform's image unchanged. */
  readonly 'stale-digest': 'rebuilt' | 'republished';
}

/** A finding of one rule. */
export type FindingOf<R extends RuleId> = {
  readonly rule: R;
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
  /** eol-image: the tag to move to (the oldest supported cycle of the same variant); stale-digest: the current digest. */
  readonly suggestion?: string;
} & ([RuleReasons[R]] extends [never] ? { readonly reason?: undefined } : { readonly reason: RuleReasons[R] });

/** A finding of any rule, told apart by `rule`. */
export type Finding = { readonly [R in RuleId]: FindingOf<R> }[RuleId];

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
  /** The values charts are rendered with, as `helm template --values F --set k=v` takes them. */
  readonly helm?: HelmValues;
  /** The time date-dependent rules (eol-image) judge by, in milliseconds since the epoch; they say nothing without it. */
  readonly now?: number;
  /** The file's path (as given): CI pipelines are known by their names (`.github/workflows/*.yml`). */
  readonly fileName?: string;
}

/** Values for the charts of a scan: for every chart (the CLI's flags), and per chart folder (the editor's setting). */
export interface HelmValues {
  /** Values files (absolute), each over the ones before, for every chart scanned. */
  readonly valuesFiles?: readonly string[];
  /** `--set key=value` arguments, over the files. */
  readonly set?: readonly string[];
  /** Values files by chart folder (absolute paths both), before `valuesFiles`. */
  readonly byChart?: Readonly<Record<string, readonly string[]>>;
}
