// What the multi-file mechanisms (Kustomize, Helm charts) make of images, as plain data: the
// effective reference a tool would render, where it is decided (the place the fix belongs), and
// where the image was first written. Positions are zero-based, in UTF-16 code units (types.ts).

import type { Range } from '../types.js';

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

/** One container image of one root kustomization's output. */
export interface KustomizeImage {
  /** The effective reference, exactly as `kubectl kustomize <root>` writes it. */
  readonly reference: string;
  /**
   * Where the effective reference is decided, so where a fix belongs: the `images:` entry that
   * applied last (its `name:` value), a patch that set the image (its `image:` value), or the
   * manifest's own `image:` value when nothing changed it.
   */
  readonly decidedAt: Place & { readonly by: 'images-entry' | 'patch' | 'manifest' };
  /** The `image:` value as first written in a resource manifest, before any change. */
  readonly origin: Place & { readonly raw: string };
  /** The entry that applied last, when one did (pinning writes `digest:` into it). */
  readonly entry?: ImagesEntry;
  readonly workload: ImageWorkload;
}

export interface KustomizeRoot {
  /** The folder of the root kustomization (one that no other kustomization in the scan includes). */
  readonly folder: string;
  /** Its kustomization file. */
  readonly file: string;
  readonly images: readonly KustomizeImage[];
  /** Remote resources (noted, not fetched), unsupported generators or fields: said, not guessed. */
  readonly notes: readonly string[];
  /** What kept the render from being complete: a missing resource, a file that does not parse. */
  readonly errors: readonly { readonly file: string; readonly range?: Range; readonly message: string }[];
}

export interface KustomizeProject {
  readonly roots: readonly KustomizeRoot[];
  /** Every kustomization file found (roots, bases, overlays, components). */
  readonly kustomizations: readonly string[];
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

/** One container image a chart's templates make. */
export interface ChartImage {
  /** The chart's folder (the one holding Chart.yaml). */
  readonly chart: string;
  /** The `image:` value in the template (a literal, or the template expression). */
  readonly template: Place & { readonly raw: string };
  /** The effective reference as `helm template` would render it with the default values; undefined when unresolved. */
  readonly reference?: string;
  /** The part of the template that could not be resolved (an unknown function, a missing value), when unresolved. */
  readonly unresolved?: string;
  /** The values.yaml scalar that sets the tag (else the repository), where a fix belongs; absent for literal images. */
  readonly value?: Place & { readonly key: readonly string[]; readonly raw: string };
  readonly pin: ChartPin;
  readonly workload?: ImageWorkload;
  /** False when helm does not render the image with these values (no findings); `condition` says what would. */
  readonly active?: false;
  readonly condition?: string;
}

/** A securityContext value of a rendered container, where the fix belongs: the values scalar it came from, else the template. */
export interface ChartContextValue<T> {
  readonly value: T;
  readonly level: 'pod' | 'container';
  readonly place: Place;
  readonly fromValues: boolean;
}

/** A container of a rendered workload and who it runs as (root-user is judged on these). */
export interface ChartContainer {
  readonly workload: ImageWorkload;
  readonly name?: string;
  readonly image?: string;
  /** Where the template writes the container (its name, else its image, else its first key). */
  readonly place: Place;
  readonly runAsUser?: ChartContextValue<number>;
  readonly runAsNonRoot?: ChartContextValue<boolean>;
}

export interface ChartProject {
  readonly chart: string;
  readonly images: readonly ChartImage[];
  /** The containers helm renders with these values (absent when the chart could not be rendered). */
  readonly containers?: readonly ChartContainer[];
  readonly notes: readonly string[];
  readonly errors: readonly { readonly file: string; readonly range?: Range; readonly message: string }[];
}
