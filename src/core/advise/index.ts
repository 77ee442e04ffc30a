// Safer tags: advice for one image (advise.ts) and for every image under some paths (report.ts).

export {
  adviseImage,
  candidateTags,
  differenceText,
  highAndCritical,
  isStrictlyBetter,
  repositoryText,
  DEFAULT_MAX_CANDIDATES,
} from './advise.js';
export { adviseReport, type AdviceReport, type AdvicePlace, type AdviceReportError, type AdviseReportOptions } from './report.js';
export type { Advice, AdviceOptions, CandidateScanner, ComparedTag, TagSource } from './types.js';
