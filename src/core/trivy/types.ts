// What a Trivy image scan tells us, as plain data.

export const TRIVY_SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;
export type TrivySeverity = (typeof TRIVY_SEVERITIES)[number];

export type VulnerabilityCounts = Record<TrivySeverity, number>;

export interface Vulnerability {
  readonly id: string;
  readonly package: string;
  readonly installed: string;
  /** The versions that fix it; empty when there is no fix. Trivy writes one string, possibly a comma-separated list. */
  readonly fixed: readonly string[];
  /** Trivy's status: `fixed`, `affected`, `will_not_fix`, `end_of_life`, … (`unknown` when absent). */
  readonly status: string;
  readonly severity: TrivySeverity;
  readonly title?: string;
  readonly url?: string;
  /** The Trivy result (target) it was found in, e.g. `alpine:3.20 (alpine 3.20.3)` or `Java`. */
  readonly target?: string;
  readonly publishedDate?: string;
}

export interface ImageScan {
  /** The reference that was scanned, as passed to Trivy. */
  readonly reference: string;
  /** `sha256:…` of the manifest, from `Metadata.RepoDigests`, when Trivy knows it. */
  readonly digest?: string;
  /** The image ID (config digest), from `Metadata.ImageID`. */
  readonly imageId?: string;
  readonly os?: { readonly family: string; readonly name?: string; readonly eosl: boolean };
  /** `Metadata.ImageConfig.config.User`; absent when the image sets none (it then runs as root). */
  readonly user?: string;
  readonly vulnerabilities: readonly Vulnerability[];
  readonly counts: VulnerabilityCounts;
  /** When the scan ran (ms since the epoch). */
  readonly scannedAt: number;
}

export type ScanFailureReason =
  | 'not-installed'
  | 'too-old'
  | 'not-found'
  | 'unauthorized'
  | 'rate-limited'
  | 'unreachable'
  | 'database'
  | 'timeout'
  | 'cancelled'
  | 'bad-output'
  | 'failed'
  | 'invalid-reference';

/** Why one image could not be scanned, in Trivy's own words where it gave any. */
export interface ScanFailure {
  readonly reference: string;
  readonly reason: ScanFailureReason;
  /** One sentence for people. */
  readonly message: string;
  /** Trivy's stderr (trimmed), when it said something. */
  readonly detail?: string;
  readonly exitCode?: number;
}

export type ScanOutcome = { readonly ok: true; readonly scan: ImageScan } | { readonly ok: false; readonly failure: ScanFailure };

export interface ScanSettings {
  /** Severities Trivy reports (`--severity`); all when empty. */
  readonly severities?: readonly TrivySeverity[];
  readonly ignoreUnfixed?: boolean;
  /** `--platform os/arch[/variant]`. */
  readonly platform?: string;
  /** Per-scan timeout in seconds (passed to Trivy as `--timeout`, and enforced on the process). */
  readonly timeoutSeconds?: number;
  readonly cacheDir?: string;
  /** A `.trivyignore` or `.trivyignore.yaml` file. */
  readonly ignoreFile?: string;
  /** Client/server mode: `--server URL`. */
  readonly serverUrl?: string;
  /**
   * Client/server mode: the header that carries the server's token (`--token-header`). The token
   * itself comes from TRIVY_TOKEN in the environment, never from an argument (a process list shows those).
   */
  readonly tokenHeader?: string;
  /** Registries (`host[:port]`) reached over plain HTTP or an unverified certificate: `--insecure` for their images. */
  readonly insecureRegistries?: readonly string[];
  /** Where Trivy downloads its vulnerability database (`--db-repository`): an air-gapped mirror, say. */
  readonly dbRepository?: string;
}

/** Trivy itself cannot be used (missing, too old): one problem for the whole run, not one per image. */
export function isTrivyUnusable(failure: ScanFailure): boolean {
  return failure.reason === 'not-installed' || failure.reason === 'too-old';
}

/** The reason no image could be scanned at all, if any outcome says Trivy is unusable. */
export function trivyProblemIn(outcomes: Iterable<ScanOutcome>): ScanFailure | undefined {
  for (const outcome of outcomes) if (!outcome.ok && isTrivyUnusable(outcome.failure)) return outcome.failure;
  return undefined;
}
