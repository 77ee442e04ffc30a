// Reports built with scanPaths on small files in a temporary folder, for the tests of the JSON,
// SARIF and text reports; and the files those tests share.

import { scanPaths, type ScanReport } from '../../src/core/index.js';
import { tempTree } from './tree.js';

export const DIGEST = `sha256:${'a'.repeat(64)}`;
export const IMAGE_ID = `sha256:${'b'.repeat(64)}`;

/** Writes `files` into a new temporary folder and scans it. */
export async function scan(
  files: Readonly<Record<string, string | Uint8Array>>,
  options: Parameters<typeof scanPaths>[1] = {},
): Promise<{ root: string; report: ScanReport }> {
  const root = await tempTree(files, 'shipshape-report-');
  return { root, report: await scanPaths([root], options) };
}

/** The same report with each file renamed. */
export function renamed(report: ScanReport, rename: (file: string) => string): ScanReport {
  return { ...report, files: report.files.map((f) => ({ ...f, file: rename(f.file) })) };
}

export function withoutMessage<T extends { message: string }>(entry: T): Omit<T, 'message'> {
  const { message: _message, ...rest } = entry;
  return rest;
}

export const MULTI_STAGE = [
  'FROM golang:1.23 AS build', //                 1
  'RUN go build -o /app .', //                    2
  'FROM alpine:3.20', //                          3
  'COPY --from=build /app /app', //               4
  'COPY --from=busybox:1.36 /bin/sh /bin/sh', //  5
  'USER 1000', //                                 6
  '',
].join('\n');

export const STATUSES = [
  'ARG TAG', //                                    1
  'FROM alpine:${TAG} AS a', //                    2
  `FROM nginx:1.27@${DIGEST} AS b`, //             3
  `FROM ${IMAGE_ID} AS c`, //                      4
  'FROM Nginx:1 AS d', //                          5
  'FROM scratch AS e', //                          6
  'FROM a', //                                     7
  '',
].join('\n');

export const KUBERNETES = [
  'apiVersion: v1', //                             1
  'kind: ConfigMap', //                            2
  'metadata:', //                                  3
  '  name: settings', //                           4
  '---', //                                        5
  'apiVersion: apps/v1', //                        6
  'kind: Deployment', //                           7
  'metadata:', //                                  8
  '  name: web', //                                9
  '  namespace: shop', //                         10
  'spec:', //                                     11
  '  template:', //                               12
  '    spec:', //                                 13
  '      securityContext:', //                    14
  '        runAsNonRoot: true', //                15
  '      initContainers:', //                     16
  '        - name: init', //                      17
  '          image: busybox:1.36', //             18
  '      containers:', //                         19
  '        - name: app', //                       20
  '          image: "ghcr.io/acme/web:2.1"', //   21
  '          securityContext:', //                22
  '            runAsUser: 0', //                  23
  '',
].join('\n');

export const COMPOSE = [
  'services:', //                                  1
  '  web:', //                                     2
  '    image: nginx:1.27', //                      3
  '    platform: linux/arm64', //                  4
  '  api:', //                                     5
  '    build: ./api', //                           6
  '    image: acme/api:dev', //                    7
  '',
].join('\n');

/** A Compose file with a syntax error (a stray `]`) where its second image would be. */
export const BROKEN = 'services:\n  web:\n    image: nginx:1.27\n    ]\n';
