// The networked half of the extension (Trivy scans, registry lookups), bundled on its own
// (dist/scannerModule.js) and loaded the
// first time a scan is wanted, so that activation does not pay for it.

export { Scanner } from '../core/trivy/scanner.js';
export { ScanCache } from '../core/trivy/cache.js';
export { INSTALL_HINT } from '../core/trivy/runner.js';
export { RegistryClient } from '../core/registry/client.js';
export { CredentialStore } from '../core/registry/credentials.js';
export { resolveAll } from '../core/registry/plan.js';
