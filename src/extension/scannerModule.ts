// The scanning half of the extension, bundled on its own (dist/scannerModule.js) and loaded the
// first time a scan is wanted, so that activation does not pay for it.

export { Scanner } from '../core/trivy/scanner.js';
export { ScanCache } from '../core/trivy/cache.js';
export { INSTALL_HINT } from '../core/trivy/runner.js';
