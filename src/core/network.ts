// The network entry point of the core: running Trivy and asking registries. The extension loads
// it (bundled on its own as dist/network.js) the first time a scan or a pin is wanted, so that
// activation does not pay for it.

export { Scanner } from './trivy/scanner.js';
export { ScanCache } from './trivy/cache.js';
export { INSTALL_HINT } from './trivy/runner.js';
export { RegistryClient } from './registry/client.js';
export { CredentialStore } from './registry/credentials.js';
export { resolveAll } from './registry/plan.js';
