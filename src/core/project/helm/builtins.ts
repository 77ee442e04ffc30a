// What `helm template` gives templates besides their values: `.Capabilities` as it sets them with
// no cluster (helm v4.3's defaults: Kubernetes v1.37.0 and the built-in API versions), and
// `.Files`, the chart's other files (Get, GetBytes, Glob, Lines, AsConfig, AsSecrets).

import * as path from 'node:path';
import { Methods, stringOf, Text, Unknown, type GoMap, type Value } from './value.js';
import { toYaml } from './yaml.js';

const KUBE_VERSION = 'v1.37.0';

/** `helm template`'s API versions when no cluster is asked (helm v4.3.2, client-go v0.37). */
const API_VERSIONS = [
  'v1',
  'admissionregistration.k8s.io/v1',
  'admissionregistration.k8s.io/v1alpha1',
  'admissionregistration.k8s.io/v1beta1',
  'internal.apiserver.k8s.io/v1alpha1',
  'apps/v1',
  'apps/v1beta1',
  'apps/v1beta2',
  'authentication.k8s.io/v1',
  'authentication.k8s.io/v1alpha1',
  'authentication.k8s.io/v1beta1',
  'authorization.k8s.io/v1',
  'authorization.k8s.io/v1beta1',
  'autoscaling/v1',
  'autoscaling/v2',
  'batch/v1',
  'batch/v1beta1',
  'certificates.k8s.io/v1',
  'certificates.k8s.io/v1beta1',
  'certificates.k8s.io/v1alpha1',
  'coordination.k8s.io/v1alpha2',
  'coordination.k8s.io/v1beta1',
  'coordination.k8s.io/v1',
  'discovery.k8s.io/v1',
  'discovery.k8s.io/v1beta1',
  'events.k8s.io/v1',
  'events.k8s.io/v1beta1',
  'extensions/v1beta1',
  'flowcontrol.apiserver.k8s.io/v1',
  'flowcontrol.apiserver.k8s.io/v1beta1',
  'flowcontrol.apiserver.k8s.io/v1beta2',
  'flowcontrol.apiserver.k8s.io/v1beta3',
  'lifecycle.k8s.io/v1alpha1',
  'networking.k8s.io/v1',
  'networking.k8s.io/v1beta1',
  'node.k8s.io/v1',
  'node.k8s.io/v1alpha1',
  'node.k8s.io/v1beta1',
  'policy/v1',
  'policy/v1beta1',
  'rbac.authorization.k8s.io/v1',
  'rbac.authorization.k8s.io/v1beta1',
  'rbac.authorization.k8s.io/v1alpha1',
  'resource.k8s.io/v1',
  'resource.k8s.io/v1beta2',
  'resource.k8s.io/v1beta1',
  'resource.k8s.io/v1alpha3',
  'scheduling.k8s.io/v1alpha3',
  'scheduling.k8s.io/v1beta1',
  'scheduling.k8s.io/v1',
  'storage.k8s.io/v1beta1',
  'storage.k8s.io/v1',
  'storage.k8s.io/v1alpha1',
  'storagemigration.k8s.io/v1',
  'storagemigration.k8s.io/v1beta1',
  'apiextensions.k8s.io/v1beta1',
  'apiextensions.k8s.io/v1',
];

/** `.Capabilities` as `helm template` sets it without `--kube-version` or `--api-versions`. */
export function capabilities(): Methods {
  const [major, minor] = KUBE_VERSION.slice(1).split('.');
  const kube = new Methods(
    new Map(),
    new Map<string, Value>([
      ['Version', KUBE_VERSION],
      ['GitVersion', KUBE_VERSION],
      ['Major', major!],
      ['Minor', minor!],
    ]),
    KUBE_VERSION,
  );
  const known = new Set(API_VERSIONS);
  const apiVersions = new Methods(new Map([['Has', (args: readonly Value[]) => known.has(stringOf(args[0]) ?? '')]]), new Map(), [
    ...API_VERSIONS,
  ]);
  return new Methods(
    new Map(),
    new Map<string, Value>([
      ['KubeVersion', kube],
      ['APIVersions', apiVersions],
      ['HelmVersion', new Map<string, Value>([['Version', 'v4.3']])],
    ]),
  );
}

/** A chart file's text, or undefined when it was not read (too large, binary). */
export type ChartFiles = ReadonlyMap<string, string | undefined>;

/** gobwas/glob with `/` as separator, as helm's `.Files.Glob` matches. */
function globPattern(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i++;
      } else out += '[^/]*';
    } else if (ch === '?') out += '[^/]';
    else if (ch === '{') out += '(?:';
    else if (ch === '}') out += ')';
    else if (ch === ',' && out.includes('(?:')) out += '|';
    else out += ch.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** `.Files` over a chart's files (relative names with `/`). */
export function filesObject(files: ChartFiles): Methods {
  const get = (name: Value): Value => {
    const key = stringOf(name) ?? '';
    if (!files.has(key)) return '';
    const text = files.get(key);
    return text === undefined ? new Unknown(`.Files.Get ${JSON.stringify(key)}`) : new Text([{ text }]);
  };
  const asMap = (encode: (text: string) => string): Value => {
    const map: GoMap = new Map();
    for (const [name, text] of files) {
      if (text === undefined) return new Unknown(`.Files ${name}`);
      map.set(path.posix.basename(name), encode(text));
    }
    return toYaml(map);
  };
  return new Methods(
    new Map<string, (args: readonly Value[]) => Value>([
      ['Get', (args) => get(args[0])],
      ['GetBytes', (args) => get(args[0])],
      ['Lines', (args) => (stringOf(get(args[0])) ?? '').split('\n')],
      [
        'Glob',
        (args) => {
          const pattern = globPattern(stringOf(args[0]) ?? '');
          return filesObject(new Map([...files].filter(([name]) => pattern.test(name))));
        },
      ],
      ['AsConfig', () => asMap((text) => text)],
      ['AsSecrets', () => asMap((text) => Buffer.from(text).toString('base64'))],
    ]),
    new Map(),
    new Map([...files].map(([name, text]) => [name, text ?? ''])),
  );
}
