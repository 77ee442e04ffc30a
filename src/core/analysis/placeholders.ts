// Image fields whose text another program replaces before a pod runs: placeholders, not
// references. docs/rules/unresolved-image.md lists them with their sources.

export interface Placeholder {
  /** The placeholders in the text, each once (`$IMAGE`, `${TAG:-1.0}`, `$(params.image)`, `auto`). */
  readonly names: readonly string[];
  /** Who fills them in, for the message. */
  readonly filledBy: string;
}

// Substitutions written into manifests for a tool to fill in: Tekton and Kubernetes `$(…)`,
// envsubst and shell `$NAME`, `${NAME}`, `${NAME:-default}` (and `-`, `=`, `:=`, `+`, `?` forms).
const SUBSTITUTION = /\$\([A-Za-z0-9_.\-[\]'"]+\)|\$\{[A-Za-z_][A-Za-z0-9_.-]*(?::?[-=+?][^}]*)?\}|\$[A-Za-z_][A-Za-z0-9_]*/g;
const SUBSTITUTED_BY = 'a tool fills in before the resource is applied (envsubst, a shell, Tekton, an OpenShift template)';

/**
 * Whole values that name no image, each documented by the program that replaces it; kept short
 * on purpose: a name that could be a real repository on Docker Hub is listed only with a source.
 */
const NOT_IMAGES: readonly { readonly matches: (raw: string) => boolean; readonly filledBy: string }[] = [
  // https://istio.io/latest/docs/reference/config/analysis/ist0146/ ("The auto image is a placeholder.")
  { matches: (raw) => raw === 'auto', filledBy: "Istio's injector replaces with its proxy image when the pod is created" },
  // https://ko.build/features/k8s ("ko resolve" builds each `ko://` import path and writes its image)
  { matches: (raw) => raw.startsWith('ko://'), filledBy: '`ko resolve` replaces with the image it builds from that Go package' },
  // A name in capitals is never a reference (repositories are lowercase), so it is no image on Docker
  // Hub either: scaffolds write one for the user to replace. Kubebuilder's manager_image_patch.yaml:
  // "Change the value of image field below to your controller image URL" over `image: IMAGE_URL`.
  {
    matches: (raw) => /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/.test(raw),
    filledBy: 'you (or a build script) replace with a real image before the manifest is applied: a repository name is never in capitals',
  },
];

/** The placeholders an image field holds where nothing in the file substitutes them, or undefined. */
export function placeholderIn(raw: string): Placeholder | undefined {
  const known = NOT_IMAGES.find((entry) => entry.matches(raw));
  if (known) return { names: [raw], filledBy: known.filledBy };
  const names = [...new Set([...raw.matchAll(SUBSTITUTION)].map((match) => match[0]))];
  return names.length > 0 ? { names, filledBy: SUBSTITUTED_BY } : undefined;
}
