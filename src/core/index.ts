// The public contract of Shipshape's core: analysis, rules, fixes, reports and what they share.
// The extension and the CLI import from here, and from the two entry points loaded on first use:
// network.ts (Trivy, registries) and cluster/index.ts (the Kubernetes client). A test forbids
// their importing anything else of the core, and the core importing 'vscode'.

export { analyze } from './analysis/analyze.js';
export { fileKindOf } from './analysis/fileKinds.js';
export { registerReaders, hasContainerReaders } from './analysis/readers.js';
export { mayBeCompose } from './analysis/compose.js';
export { parseReference, familiarName, isImageId, type ImageReference, type ParseResult } from './analysis/reference.js';
export { RULES, severityOf, isEnabled, type RuleInfo } from './rules/catalog.js';
export { isRootUser, imageUsersOf, usersWanted } from './rules/rootUser.js';
export { isTaggedPin } from './rules/staleDigest.js';
export {
  collectFiles,
  readSourceFile,
  type CollectedFile,
  type CollectOptions,
  type SkippedFile,
  DEFAULT_MAX_FILE_BYTES,
} from './workspace/files.js';
export { fixesFor, suppressionFix, runAsNonRootFix, type Fix } from './edits/fixes.js';
export { applyEdits, type TextEdit } from './edits/textEdits.js';
export { IncrementalYaml, PendingEdits, type TextChange } from './analysis/yaml/incremental.js';
export { requestKey, type ScanRequest } from './trivy/request.js';
export {
  readScanOptions,
  isServerUrl,
  SCAN_LIMITS,
  type ScanInput,
  type ScanOptions,
  type ScanProblem,
  shownScanSettings,
  type ScanField,
} from './trivy/settings.js';
export { parsePlatform, DEFAULT_PLATFORM, type PlatformResult } from './registry/platform.js';
export {
  TRIVY_SEVERITIES,
  isTrivyUnusable,
  trivyProblemIn,
  type ImageScan,
  type ScanFailure,
  type ScanOutcome,
  type ScanSettings,
  type TrivySeverity,
  type Vulnerability,
  type VulnerabilityCounts,
} from './trivy/types.js';
export { vulnerabilityFinding, scanVerdicts, countsText, worstSeverity, hasFix, type ScanVerdicts } from './rules/vulnerableImage.js';
export { hoverText } from './output/hover.js';
export { markdownCode, markdownText } from './output/markdown.js';
export { scanRequestFor, outcomeFor, type ScanErrorEntry } from './workspace/scan.js';
export {
  pinEdits,
  PIN_STYLES,
  type PinStyle,
  pinTarget,
  pinnedText,
  rangeReader,
  tagReference,
  type PinChange,
  type PinDocument,
  type PinEdits,
  type PinRefusal,
} from './edits/pin.js';
export { scanPaths, type ScanReport, type FileReport } from './workspace/scan.js';
export type { StaleLookup } from './workspace/stale.js';
export { excludeMatcher } from './workspace/exclude.js';
export type { UserLookup, UserLookupAnswer } from './workspace/users.js';
export { cacheDir } from './util/cacheDir.js';
export { mapLimited } from './util/mapLimited.js';
export { plural } from './util/plural.js';
export { tagContext, type TagContext } from './analysis/tagContext.js';
export { composeEnvironment, parseDotenv, type ComposeEnv, type ComposeEnvOptions } from './project/dotenv.js';
export { confinedFiles, diskFiles, overlayFiles, type ProjectFiles } from './project/files.js';
export { mayHoldGitOps } from './project/gitops/groups.js';
export { toJsonReport, type JsonReport } from './output/json.js';
export { toSarif } from './output/sarif.js';
export { displayReport } from './output/paths.js';
export {
  inventoryCsv,
  inventoryCycloneDx,
  inventoryJson,
  inventoryOf,
  inventoryText,
  type InventoryImage,
  type InventoryPlace,
} from './output/inventory.js';
export { annotatedImages, annotationEntries, IMAGES_ANNOTATION, sameImages, withImagesAnnotation } from './output/artifactHub.js';
export { toText, type TextOptions } from './output/text.js';
export { printable } from './output/printable.js';
export { writeAtomically } from './util/atomicFile.js';
export { silentLogger, type Logger } from './util/logger.js';
export { VERSION } from './version.js';
export * from './types.js';
