// Shipshape's own version, as the build writes it (esbuild defines SHIPSHAPE_VERSION from
// package.json in every bundle); `0.0.0-dev` when the sources run unbundled, as in the tests.

declare const SHIPSHAPE_VERSION: string;

export const VERSION: string = typeof SHIPSHAPE_VERSION === 'string' ? SHIPSHAPE_VERSION : '0.0.0-dev';
