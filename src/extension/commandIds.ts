// The extension's command IDs and context keys, in one place (package.json declares the same; a
// test checks both ways). One style: `shipshape.<verbObject>`.

export const COMMANDS = {
  showLog: 'shipshape.showLog',
  scanFile: 'shipshape.scanFile',
  scanWorkspace: 'shipshape.scanWorkspace',
  clearScanCache: 'shipshape.clearScanCache',
  pinAll: 'shipshape.pinAll',
  pinImage: 'shipshape.pinImage',
  updateDigest: 'shipshape.updateDigest',
  pinCompletedTag: 'shipshape.pinCompletedTag',
  scanCluster: 'shipshape.scanCluster',
  openClusterReport: 'shipshape.openClusterReport',
  exportClusterReport: 'shipshape.exportClusterReport',
  copyClusterImage: 'shipshape.copyClusterImage',
  copyClusterVulnerability: 'shipshape.copyClusterVulnerability',
  clearClusterReport: 'shipshape.clearClusterReport',
  revealClusterImage: 'shipshape.revealClusterImage',
  showClusterImage: 'shipshape.showClusterImage',
} as const;

export type CommandName = keyof typeof COMMANDS;

/** Context keys for `when` clauses. */
export const CONTEXT_KEYS = {
  /** A cluster report exists: its commands (open, export) apply. */
  clusterScanned: 'shipshape.clusterScanned',
} as const;

/** The view that shows cluster reports. */
export const CLUSTER_VIEW = 'shipshape.cluster';
