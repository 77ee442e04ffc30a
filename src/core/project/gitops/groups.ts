// Which YAML texts may hold an Argo CD or Flux object: a test cheap enough for the editor to run
// on every YAML file of a workspace before the project engines are loaded.

/** The API groups of the objects the GitOps reader reads. */
export const GITOPS_GROUPS = /argoproj\.io|fluxcd\.io/;

/** Whether the text names an Argo CD or Flux API group (it may then hold an object to read). */
export function mayHoldGitOps(text: string): boolean {
  return GITOPS_GROUPS.test(text);
}
