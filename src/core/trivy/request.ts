// What is asked of Trivy for one image, and the key its outcome is kept under.

export interface ScanRequest {
  readonly reference: string;
  /** `--platform`, e.g. from a Dockerfile's `FROM --platform=linux/arm64`. */
  readonly platform?: string;
}

/** The key of a request's outcome (in `Scanner.scanAll`'s result, and in reports). */
export function requestKey(request: ScanRequest): string {
  return request.platform ? `${request.reference} --platform ${request.platform}` : request.reference;
}
