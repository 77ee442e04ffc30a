// What activate() returns. Other extensions see only `activationMs`; when VS Code runs the
// extension's tests (ExtensionMode.Test) it also carries hooks into the cluster view, so that the
// end-to-end tests can read what the tree and the report page show.

export interface ShipshapeApi {
  /** How long activate() took, in milliseconds (module loading not included). */
  readonly activationMs: number;
}

/** The hooks the end-to-end tests use; present only in test mode. */
export interface ShipshapeTestApi extends ShipshapeApi {
  /** The last cluster report's images and findings. */
  clusterReport():
    | {
        /** The contexts read or asked for, joined with ", ". */
        context: string;
        /** Every cluster asked for, in order; one that could not be read has its error. */
        clusters: { context: string; pods: number; error?: string }[];
        partial: boolean;
        images: string[];
        findings: { id: string; severity: string; image: string; breached: boolean }[];
      }
    | undefined;
  /** What the cluster tree shows: `[depth, label, description]`, depth first. */
  clusterTree(): [number, string, string][];
  /** The cluster tree's nodes in the order of clusterTree() (arguments for the copy commands). */
  clusterNodes(): unknown[];
  /** The labels of the cluster tree's selected nodes. */
  clusterSelection(): string[];
  /** The progress messages of the last cluster scan. */
  clusterProgress(): readonly string[];
  /** Cancels a running cluster scan, as the notification's Cancel button does. */
  cancelClusterScan(): void;
  /** The cluster report page's HTML, when it is open. */
  clusterReportHtml(): string | undefined;
}
