// The extension's settings, read without the editor: the rules of reading each `shipshape.*`
// value (src/extension/settings.ts), and how a change of settings is routed.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { SCAN_LIMITS } from '../../src/core/index.js';
import {
  readAnalysisSettings,
  readClusterSettings,
  readDocumentScanSettings,
  readHelmValuesFiles,
  readRegistrySettings,
  readAdviseSettings,
  readScannerSettings,
  settingsChange,
  type Get,
} from '../../src/extension/settings.js';

const from =
  (values: Record<string, unknown>): Get =>
  (key) =>
    values[key];

describe('analysis settings', () => {
  test('shipshape.helm.valuesFiles: chart folders and their values files, resolved against the workspace folder; other shapes ignored', () => {
    const folder = path.resolve('/work/space');
    assert.deepEqual(
      readHelmValuesFiles(
        from({
          'helm.valuesFiles': { 'charts/web': ['deploy/prod.yaml', 7, '/etc/values.yaml'], 'charts/api': 'not-a-list', 'charts/none': [] },
        }),
        folder,
      ),
      { [path.join(folder, 'charts/web')]: [path.join(folder, 'deploy/prod.yaml'), path.resolve('/etc/values.yaml')] },
    );
    assert.deepEqual(readHelmValuesFiles(from({ 'helm.valuesFiles': ['x'] }), folder), {});
    assert.deepEqual(readHelmValuesFiles(from({}), folder), {});
  });

  test('defaults: every rule on, default severities, 250 ms pause, 10 MB', () => {
    const settings = readAnalysisSettings(from({}));
    assert.equal(settings.debounceMs, 250);
    assert.equal(settings.maxFileChars, 10 * 1024 * 1024);
    assert.deepEqual(settings.exclude, []);
    assert.ok(Object.values(settings.analyze.rules!).every((rule) => rule.enabled === true));
    assert.deepEqual(settings.analyze.rules!['vulnerable-image']!.severity, {
      critical: 'error',
      high: 'warning',
      medium: 'info',
      low: 'info',
      unknown: 'info',
    });
  });

  test('rules switched off, severities per variant; values that are not severities are ignored', () => {
    const settings = readAnalysisSettings(
      from({
        'rules.rootUser.enabled': false,
        'rules.unpinnedImage.mutableTagSeverity': 'warning',
        'rules.unpinnedImage.latestSeverity': 'fatal',
        'rules.invalidReference.severity': 'info',
      }),
    );
    assert.equal(settings.analyze.rules!['root-user']!.enabled, false);
    assert.deepEqual(settings.analyze.rules!['unpinned-image']!.severity, { 'mutable-tag': 'warning' });
    assert.deepEqual(settings.analyze.rules!['invalid-reference']!.severity, { default: 'info' });
  });

  test('vulnerability thresholds: errorAt and warningAt, or never', () => {
    const severity = (values: Record<string, unknown>) => readAnalysisSettings(from(values)).analyze.rules!['vulnerable-image']!.severity;
    assert.deepEqual(severity({ 'vulnerabilities.errorAt': 'HIGH', 'vulnerabilities.warningAt': 'LOW' }), {
      critical: 'error',
      high: 'error',
      medium: 'warning',
      low: 'warning',
      unknown: 'info',
    });
    assert.deepEqual(severity({ 'vulnerabilities.errorAt': 'never', 'vulnerabilities.warningAt': 'never' }), {
      critical: 'info',
      high: 'info',
      medium: 'info',
      low: 'info',
      unknown: 'info',
    });
    assert.equal(readAnalysisSettings(from({ 'rules.vulnerableImage.enabled': false })).analyze.rules!['vulnerable-image']!.enabled, false);
  });

  test('build arguments keep string values only; pause and size are bounded', () => {
    const settings = readAnalysisSettings(
      from({
        buildArgs: { A: '1', B: 2, C: null },
        exclude: ['**/vendor/**', '', 3],
        'analysis.debounce': 99_999,
        'analysis.maxFileSize': 500,
      }),
    );
    assert.deepEqual(settings.analyze.buildArgs, { A: '1' });
    assert.deepEqual(settings.exclude, ['**/vendor/**']);
    assert.equal(settings.debounceMs, 5000);
    assert.equal(settings.maxFileChars, 100 * 1024 * 1024);
    assert.equal(readAnalysisSettings(from({ 'analysis.debounce': -1 })).debounceMs, 250);
  });
});

describe('scan settings', () => {
  test('per document: when to scan, CodeLens on or off', () => {
    assert.deepEqual(readDocumentScanSettings(from({})), { trigger: 'open', codeLens: true });
    assert.deepEqual(readDocumentScanSettings(from({ 'scan.on': 'manual', 'codeLens.enabled': false })), {
      trigger: 'manual',
      codeLens: false,
    });
    assert.equal(readDocumentScanSettings(from({ 'scan.on': 'always' })).trigger, 'open');
  });

  test('the scanner: the same limits as the CLI, out-of-range values brought within them and said with the setting', () => {
    const { options, problems } = readScannerSettings(
      from({
        'trivy.path': ' /opt/trivy ',
        'scan.concurrency': 64,
        'scan.timeout': 60,
        'scan.severities': ['HIGH', 'CRITICAL', 'HIGH'],
        'scan.ignoreUnfixed': true,
        'trivy.serverUrl': 'trivy:4954',
        'scan.cacheHours': 2,
      }),
    );
    assert.equal(options.trivyPath, '/opt/trivy');
    assert.equal(options.concurrency, SCAN_LIMITS.concurrency.max);
    assert.equal(options.cacheTtlMs, 2 * 3600_000);
    assert.deepEqual(options.settings, { severities: ['HIGH', 'CRITICAL'], ignoreUnfixed: true, timeoutSeconds: 60 });
    assert.deepEqual(problems, [
      'shipshape.scan.concurrency expects a whole number from 1 to 32, not 64',
      'shipshape.trivy.serverUrl expects an http:// or https:// URL, not "trivy:4954"',
    ]);
  });

  test('the server token header, the database mirror and the insecure registries reach the scans; a bad one is said with its setting', () => {
    const { options, problems } = readScannerSettings(
      from({
        'trivy.tokenHeader': 'X-Trivy-Token',
        'trivy.dbRepository': 'registry.lan:5000/trivy-db',
        'registry.insecureRegistries': ['registry.lan:5000', 7],
      }),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(options.settings, {
      tokenHeader: 'X-Trivy-Token',
      dbRepository: 'registry.lan:5000/trivy-db',
      insecureRegistries: ['registry.lan:5000'],
    });
    assert.deepEqual(readScannerSettings(from({ 'trivy.dbRepository': 'Not A Repo' })).problems, [
      'shipshape.trivy.dbRepository expects an OCI repository (e.g. registry.internal:5000/trivy-db), or several separated by commas, not "Not A Repo"',
    ]);
  });

  test('defaults: no problems, four at once, results kept 12 hours', () => {
    const { options, problems } = readScannerSettings(
      from({ 'scan.timeout': SCAN_LIMITS.timeoutSeconds.default, 'scan.severities': [], 'trivy.path': '' }),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(options, { concurrency: 4, cacheTtlMs: 12 * 3600_000, settings: {} });
  });
});

describe('registry and cluster settings', () => {
  test('pinning to one platform: its manifest, or the index with a problem said when the platform is not one', () => {
    assert.deepEqual(readRegistrySettings(from({ 'registry.insecureRegistries': ['registry.lan:5000', 7] })), {
      pinStyle: 'tag-and-digest',
      insecureRegistries: ['registry.lan:5000'],
      imagePlatform: { os: 'linux', architecture: 'amd64' },
      imageUsers: true,
      checkPins: true,
      completeTags: true,
      completionPins: true,
      problems: [],
    });
    assert.deepEqual(readRegistrySettings(from({ 'registry.pinPlatform': true })).platform, { os: 'linux', architecture: 'amd64' });
    assert.deepEqual(readRegistrySettings(from({ 'registry.pinPlatform': true, 'registry.platform': 'linux/arm/v7' })).platform, {
      os: 'linux',
      architecture: 'arm',
      variant: 'v7',
    });
    const bad = readRegistrySettings(from({ 'registry.pinPlatform': true, 'registry.platform': 'arm64' }));
    assert.equal(bad.platform, undefined);
    assert.match(bad.problems[0]!, /^shipshape\.registry\.platform expects OS\/ARCH\[\/VARIANT\], e\.g\. linux\/arm64, not "arm64"/);
  });

  test('images are read for the platform setting whether or not pins use it; users, pin checks, completion and its pins can be turned off', () => {
    const arm = readRegistrySettings(from({ 'registry.platform': 'linux/arm64' }));
    assert.deepEqual([arm.platform, arm.imagePlatform], [undefined, { os: 'linux', architecture: 'arm64' }]);
    const bad = readRegistrySettings(from({ 'registry.platform': 'arm64' }));
    assert.deepEqual(bad.imagePlatform, { os: 'linux', architecture: 'amd64' });
    assert.match(bad.problems[0]!, /reading linux\/amd64 images instead/);
    const off = readRegistrySettings(
      from({
        'registry.imageUsers': false,
        'registry.checkPins': false,
        'registry.tagCompletion': false,
        'registry.tagCompletionPins': false,
      }),
    );
    assert.deepEqual([off.imageUsers, off.checkPins, off.completeTags, off.completionPins], [false, false, false, false]);
  });

  test('shipshape.pin.style: the digest alone when asked, the tag and digest otherwise (anything else too)', () => {
    assert.equal(readRegistrySettings(from({ 'pin.style': 'digest' })).pinStyle, 'digest');
    assert.equal(readRegistrySettings(from({ 'pin.style': 'both' })).pinStyle, 'tag-and-digest');
  });

  test('safer tags: how many candidates (bounded, 0 is off) and whether a major version may change', () => {
    assert.deepEqual(readAdviseSettings(from({})), { candidates: 3, allowMajor: false });
    assert.deepEqual(readAdviseSettings(from({ 'advise.candidates': 0, 'advise.allowMajor': true })), { candidates: 0, allowMajor: true });
    assert.equal(readAdviseSettings(from({ 'advise.candidates': 99 })).candidates, 10);
    assert.equal(readAdviseSettings(from({ 'advise.candidates': 'many' })).candidates, 3);
  });

  test('cluster: kubeconfig files split like KUBECONFIG, namespaces, grouping', () => {
    const settings = readClusterSettings(
      from({
        'cluster.kubeconfig': ['/a/config', '/b/config'].join(path.delimiter),
        'cluster.context': ' prod ',
        'cluster.namespaces': ['shop', ''],
        'cluster.groupBy': 'namespace',
        'cluster.sla': 'CRITICAL=3',
      }),
    );
    assert.deepEqual(settings, {
      kubeconfig: ['/a/config', '/b/config'],
      contexts: ['prod'],
      namespaces: ['shop'],
      sla: 'CRITICAL=3',
      groupBy: 'namespace',
    });
    assert.deepEqual(readClusterSettings(from({})), { contexts: [], namespaces: [], sla: '', groupBy: 'severity' });
  });

  test('cluster: the list of contexts, each once, wins over the deprecated single context; empty means the current one', () => {
    const contexts = (values: Record<string, unknown>) => readClusterSettings(from(values)).contexts;
    assert.deepEqual(contexts({ 'cluster.contexts': [' prod ', 'staging', 'prod', '', 3], 'cluster.context': 'dev' }), ['prod', 'staging']);
    assert.deepEqual(contexts({ 'cluster.contexts': [], 'cluster.context': 'dev' }), ['dev']);
    assert.deepEqual(contexts({ 'cluster.contexts': 'prod', 'cluster.context': '  ' }), []);
  });
});

describe('a change of settings', () => {
  const change = (...sections: string[]) => settingsChange((section) => sections.some((s) => s === section || s.startsWith(`${section}.`)));

  test('is sorted into what it concerns', () => {
    assert.deepEqual(change('shipshape.rules.rootUser.enabled'), {
      analysis: true,
      scanner: false,
      registry: false,
      advise: false,
      clusterView: false,
    });
    assert.deepEqual(change('shipshape.trivy.path'), {
      analysis: false,
      scanner: true,
      registry: false,
      advise: false,
      clusterView: false,
    });
    assert.deepEqual(change('shipshape.scan.on'), { analysis: true, scanner: true, registry: false, advise: false, clusterView: false });
    assert.deepEqual(change('shipshape.registry.platform'), {
      analysis: false,
      scanner: false,
      registry: true,
      advise: false,
      clusterView: false,
    });
    assert.deepEqual(change('shipshape.cluster.groupBy'), {
      analysis: false,
      scanner: false,
      registry: false,
      advise: false,
      clusterView: true,
    });
    assert.deepEqual(change('shipshape.advise.candidates'), {
      analysis: false,
      scanner: false,
      registry: false,
      advise: true,
      clusterView: false,
    });
    assert.deepEqual(change('shipshape.cluster.sla'), {
      analysis: false,
      scanner: false,
      registry: false,
      advise: false,
      clusterView: false,
    });
  });
});
