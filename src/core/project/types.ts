// What the multi-file mechanisms (Kustomize, Helm charts) make of images, as plain data: the
// effective reference a tool would render, where it is decided (the place the fix belongs), and
// where the image was first written. Positions are zero-based, in UTF-16 code units (types.ts).

import type { ChartPin, ImagesEntry, ImageWorkload, Place, Range } from '../types.js';

// Declared with the occurrences that carry them (core/types.ts), which must not import this module.
export type { ChartPin, ImagesEntry, ImageWorkload, Place };

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
  /**
   * The chart folder when a `helmCharts:` entry inflated the image: as the chart makes it (decided by
   * 'manifest'), the chart's own image (`KustomizeRoot.charts`) stands for it, findings and all.
   */
  readonly chart?: string;
}

/** A securityContext value of a root's output, where it is written (a manifest, or a patch). */
export interface RenderedSetting<T> {
  readonly value: T;
  readonly place: Place;
  readonly level: 'pod' | 'container';
  readonly by: 'manifest' | 'patch';
}

/** A pod-spec container of a root's output and who it runs as (root-user is decided on what renders). */
export interface KustomizeContainer {
  readonly workload: ImageWorkload;
  /** Where the container is written (its name), in a manifest or in the patch that added it. */
  readonly place: Place & { readonly by: 'manifest' | 'patch' };
  /** The image it runs, as rendered. */
  readonly reference?: string;
  readonly runAsUser?: RenderedSetting<number>;
  readonly runAsNonRoot?: RenderedSetting<boolean>;
}

export interface KustomizeRoot {
  /** The folder of the root kustomization (one that no other kustomization in the scan includes). */
  readonly folder: string;
  /** Its kustomization file. */
  readonly file: string;
  readonly images: readonly KustomizeImage[];
  readonly containers: readonly KustomizeContainer[];
  /**
   * The charts its `helmCharts:` inflate, rendered by the Helm engine with the entry's values: their
   * images as the root renders them unchanged (those an `images:` entry or a patch changes are in
   * `images`, decided there), their containers, notes and errors.
   */
  readonly charts?: readonly ChartProject[];
  /** Remote resources (noted, not fetched), unsupported generators or fields: said, not guessed. */
  readonly notes: readonly string[];
  /** What kept the render from being complete: a missing resource, a file that does not parse. */
  readonly errors: readonly { readonly file: string; readonly range?: Range; readonly message: string }[];
}

export interface KustomizeProject {
  readonly roots: readonly KustomizeRoot[];
  /** Every kustomization file found (roots, bases, overlays, components). */
  readonly kustomizations: readonly string[];
  /** Files the roots read as resource manifests. */
  readonly manifests: readonly string[];
  /** Files the roots read as patches (strategic-merge or JSON 6902): no manifests of their own. */
  readonly patchFiles: readonly string[];
}

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
  /** The output of each manifest template, in helm's order, when asked for (a kustomization inflates the chart with it). */
  readonly manifests?: readonly string[];
  readonly notes: readonly string[];
  readonly errors: readonly { readonly file: string; readonly range?: Range; readonly message: string }[];
}
