// The network entry point of the core: running Trivy and asking registries. The extension loads
// it (bundled on its own as dist/network.js) the first time a scan or a pin is wanted, so that
// activation does not pay for it; the CLI imports it directly.

// The workspace scan (`scanPaths`, from this bundle) reads dev containers, Quadlet units and Bake files too.
import './containers.js';

export { createScanner, Scanner, type ScannerPlace } from './trivy/scanner.js';
export { ScanCache } from './trivy/cache.js';
export { INSTALL_HINT } from './trivy/runner.js';
export { findTrivyIgnore } from './trivy/ignoreFile.js';
export { RegistryClient, DEFAULT_MAX_TAGS, tagListUrl, type RegistryClientOptions } from './registry/client.js';
export { CredentialStore } from './registry/credentials.js';
export { configuredUsers, DEFAULT_IMAGE_PLATFORM, platformKey, type ConfiguredUsersOptions } from './registry/imageConfig.js';
export { planPins, resolveAll, type FilePins, type PinPlan } from './registry/plan.js';
export { DEFAULT_USER_TTL_MS, USER_CACHE_FILE, type ImageUserCacheOptions } from './registry/userCache.js';
export type {
  ImageConfig,
  ImageConfigOptions,
  ImageConfigOutcome,
  Platform,
  RegistryFailure,
  ResolveOutcome,
  TagListOptions,
  TagListOutcome,
} from './registry/types.js';
export { ImageUserCache } from './registry/userCache.js';
export { registryUserLookup } from './registry/userLookup.js';
export {
  PinChecker,
  checkPin,
  keyOf,
  staleLookupOf,
  type PinCheck,
  type PinCheckerOptions,
  type StalePin,
  type PinQuestion,
} from './registry/staleness.js';
export {
  compareTags,
  mayMoveTo,
  orderTags,
  parseTag,
  sameVariant,
  successorRelease,
  variantFamily,
  type OsFamily,
  type ParsedTag,
  type VariantFamily,
} from './registry/tags.js';
export {
  adviseImage,
  adviseReport,
  candidateTags,
  differenceText,
  highAndCritical,
  isStrictlyBetter,
  repositoryText,
  DEFAULT_MAX_CANDIDATES,
  type Advice,
  type AdviceOptions,
  type AdvicePlace,
  type AdviceReport,
  type AdviceReportError,
  type AdviseReportOptions,
  type CandidateScanner,
  type ComparedTag,
  type TagSource,
} from './advise/index.js';
// The editor's "Scan Images in the Workspace" is the CLI's scan: the same function, given the
// editor's open documents and each folder's settings (advice already brought it into this bundle).
export { scanPaths, type ScanOptions as WorkspaceScanOptions } from './workspace/scan.js';
// The editor checks its open documents' pins as a scan does (stale-digest).
export { staleFindings } from './workspace/stale.js';
export { DigestTagFinder, digestTagsText, tagsOfDigest, type DigestTags } from './registry/digestTags.js';
