// The public contract of Shipshape's core. The extension and the CLI import from here only.
// Nothing in src/core may import 'vscode'.

export { analyze, fileKindOf } from './analyze.js';
export { parseReference, familiarName, isImageId, type ImageReference, type ParseResult } from './reference.js';
export { RULES, severityOf, isEnabled, type RuleInfo } from './rules/catalog.js';
export { isRootUser } from './rules/rootUser.js';
export { collectFiles, readSourceFile, type CollectedFile, type CollectOptions, type SkippedFile, DEFAULT_MAX_FILE_BYTES } from './files.js';
export { fixesFor, suppressionFix, runAsNonRootFix, applyEdits, type Fix, type TextEdit } from './fixes.js';
export { IncrementalYaml, PendingEdits, type TextChange } from './yamlAnalysis.js';
export { requestKey, type ScanRequest } from './trivy/request.js';
export { TRIVY_SEVERITIES, type ImageScan, type ScanFailure, type ScanOutcome, type ScanSettings, type TrivySeverity, type Vulnerability, type VulnerabilityCounts } from './trivy/types.js';
export { vulnerabilityFinding, countsText, worstSeverity, hasFix } from './rules/vulnerabilities.js';
export { hoverText } from './hover.js';
export { markdownCode, markdownText } from './markdown.js';
export { scanRequestFor, outcomeFor, type ScanErrorEntry } from './scan.js';
export { pinEdit, pinEdits, pinnedText, rangeReader, tagReference, type PinChange } from './pin.js';
export { scanPaths, type ScanReport, type FileReport } from './scan.js';
export { toJsonReport, type JsonReport } from './report/json.js';
export { toSarif } from './report/sarif.js';
export { toText } from './report/text.js';
export type { Logger } from './logger.js';
export * from './types.js';
