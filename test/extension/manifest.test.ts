// package.json's contributions against the code: every setting the extension reads is declared
// (with a scope, in a titled section), every declared one is read, the limits are the core's,
// and the commands and their `when` clauses are the command table's.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { SCAN_LIMITS } from '../../src/core/index.js';
import { COMMANDS, CONTEXT_KEYS } from '../../src/extension/commandIds.js';
import {
  readAnalysisSettings,
  readClusterSettings,
  readComposeEnvFiles,
  readHelmValuesFiles,
  readDocumentScanSettings,
  readRegistrySettings,
  readAdviseSettings,
  readScannerSettings,
  settingsChange,
} from '../../src/extension/settings.js';

interface Setting {
  readonly scope?: string;
  readonly markdownDescription?: string;
  readonly order?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly default?: unknown;
}
const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: {
    configuration: { title: string; order: number; properties: Record<string, Setting> }[];
    commands: { command: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
  };
  capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
};
const sections = pkg.contributes.configuration;
const declared: Record<string, Setting> = Object.assign({}, ...sections.map((s) => s.properties));

/** Every key the readers ask for, with the declared defaults as values. */
function keysRead(): Set<string> {
  const keys = new Set<string>();
  const get = (key: string) => {
    keys.add(`shipshape.${key}`);
    return declared[`shipshape.${key}`]?.default;
  };
  readAnalysisSettings(get);
  readComposeEnvFiles(get);
  readHelmValuesFiles(get, '/workspace');
  readDocumentScanSettings(get);
  readScannerSettings(get);
  // pinPlatform on, so that the platform is read too
  readRegistrySettings((key) => (key === 'registry.pinPlatform' ? (keys.add('shipshape.registry.pinPlatform'), true) : get(key)));
  readAdviseSettings(get);
  readClusterSettings(get);
  return keys;
}

describe('settings', () => {
  test('every setting the extension reads is declared, and every declared one is read', () => {
    assert.deepEqual([...keysRead()].sort(), Object.keys(declared).sort());
  });

  test('every setting declares its scope: machine-overridable for paths and hosts, resource where a folder may differ', () => {
    for (const [key, setting] of Object.entries(declared))
      assert.ok(['resource', 'window', 'machine-overridable'].includes(setting.scope ?? ''), `${key} has scope ${setting.scope}`);
    for (const key of [
      'shipshape.trivy.path',
      'shipshape.trivy.cacheDir',
      'shipshape.cluster.kubeconfig',
      'shipshape.registry.insecureRegistries',
      'shipshape.compose.envFiles',
    ])
      assert.equal(declared[key]!.scope, 'machine-overridable', key);
    for (const key of Object.keys(declared).filter((k) => k.startsWith('shipshape.rules.') || k.startsWith('shipshape.analysis.')))
      assert.equal(declared[key]!.scope, 'resource', key);
    // What a restricted (untrusted) workspace may not set is a path, a host or a server; and which
    // of its files are read as a chart's values, which differs per folder (so it is a resource's).
    for (const key of pkg.capabilities.untrustedWorkspaces.restrictedConfigurations)
      assert.equal(declared[key]!.scope, key === 'shipshape.helm.valuesFiles' ? 'resource' : 'machine-overridable', key);
  });

  test('every setting that names a program, a file to read, a server or a plain-HTTP registry is one a restricted workspace cannot set', () => {
    assert.deepEqual([...pkg.capabilities.untrustedWorkspaces.restrictedConfigurations].sort(), [
      'shipshape.cluster.kubeconfig',
      'shipshape.compose.envFiles',
      'shipshape.helm.valuesFiles',
      'shipshape.registry.insecureRegistries',
      'shipshape.trivy.cacheDir',
      'shipshape.trivy.dbRepository',
      'shipshape.trivy.path',
      'shipshape.trivy.serverUrl',
    ]);
    // Their descriptions say so, as the settings editor shows them.
    for (const key of pkg.capabilities.untrustedWorkspaces.restrictedConfigurations)
      assert.match(declared[key]!.markdownDescription ?? '', /Ignored in untrusted workspaces\./, key);
  });

  test('titled sections, in order, each setting with its order', () => {
    assert.deepEqual(
      sections.map((s) => s.order),
      sections.map((_, i) => i),
    );
    for (const section of sections) {
      assert.match(section.title, /^Shipshape: \S/);
      assert.deepEqual(
        Object.values(section.properties).map((s) => s.order),
        Object.keys(section.properties).map((_, i) => i),
        section.title,
      );
    }
  });

  test('the numeric limits are the core scanner limits', () => {
    assert.deepEqual(
      [declared['shipshape.scan.concurrency']!.minimum, declared['shipshape.scan.concurrency']!.maximum],
      [SCAN_LIMITS.concurrency.min, SCAN_LIMITS.concurrency.max],
    );
    assert.deepEqual(
      [declared['shipshape.scan.timeout']!.minimum, declared['shipshape.scan.timeout']!.maximum],
      [SCAN_LIMITS.timeoutSeconds.min, SCAN_LIMITS.timeoutSeconds.max],
    );
    assert.equal(declared['shipshape.scan.cacheHours']!.maximum, SCAN_LIMITS.cacheHours.max);
    assert.equal(declared['shipshape.scan.concurrency']!.default, SCAN_LIMITS.concurrency.default);
    assert.equal(declared['shipshape.scan.timeout']!.default, SCAN_LIMITS.timeoutSeconds.default);
  });

  test('every declared setting belongs to a change route', () => {
    for (const key of Object.keys(declared)) {
      const change = settingsChange((section) => key === section || key.startsWith(`${section}.`));
      const routed = Object.values(change).some(Boolean) || key.startsWith('shipshape.cluster.');
      assert.ok(routed, `${key} changes nothing`);
    }
  });
});

describe('commands', () => {
  test('the command table and package.json name the same commands, in one style', () => {
    assert.deepEqual(pkg.contributes.commands.map((c) => c.command).sort(), Object.values(COMMANDS).sort());
    for (const id of Object.values(COMMANDS)) assert.match(id, /^shipshape\.[a-z][A-Za-z]+$/);
  });

  test('menus name only declared commands; the report commands need a scanned cluster, the file commands a container file', () => {
    const all = new Set<string>(Object.values(COMMANDS));
    for (const [menu, items] of Object.entries(pkg.contributes.menus))
      for (const item of items) assert.ok(all.has(item.command), `${menu}: ${item.command}`);
    const palette = new Map(pkg.contributes.menus['commandPalette']!.map((i) => [i.command, i.when]));
    assert.equal(palette.get(COMMANDS.openClusterReport), CONTEXT_KEYS.clusterScanned);
    assert.equal(palette.get(COMMANDS.exportClusterReport), CONTEXT_KEYS.clusterScanned);
    assert.equal(palette.get(COMMANDS.clearClusterReport), CONTEXT_KEYS.clusterScanned);
    assert.match(palette.get(COMMANDS.scanFile) ?? '', /editorLangId/);
    for (const hidden of [
      COMMANDS.pinImage,
      COMMANDS.updateDigest,
      COMMANDS.copyClusterImage,
      COMMANDS.copyClusterVulnerability,
      COMMANDS.revealClusterImage,
      COMMANDS.showClusterImage,
    ])
      assert.equal(palette.get(hidden), 'false');
    // Reveal in Workspace is on the tree's images.
    const items = pkg.contributes.menus['view/item/context']!;
    assert.equal(items.find((i) => i.command === COMMANDS.revealClusterImage)?.when, 'view == shipshape.cluster && viewItem == image');
  });
});

describe('icons', () => {
  const media = (name: string) => path.resolve(__dirname, '..', '..', 'media', name);
  const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    icon: string;
    contributes: { viewsContainers: { activitybar: { icon: string }[] } };
  };

  test('the activity-bar icon is a glyph VS Code can use as a mask: one colour, no background', () => {
    const svg = readFileSync(path.resolve(__dirname, '..', '..', manifest.contributes.viewsContainers.activitybar[0]!.icon), 'utf8');
    assert.match(svg, /viewBox="0 0 24 24"/);
    assert.equal(new Set([...svg.matchAll(/fill="([^"]+)"/g)].map((m) => m[1])).size, 1, 'one fill colour');
    assert.doesNotMatch(svg, /<rect\b|<image\b|stroke=/, 'no background shape, image or stroke');
  });

  test('the marketplace icon is a 128x128 PNG', () => {
    const png = readFileSync(path.resolve(__dirname, '..', '..', manifest.icon));
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
    assert.ok(readFileSync(media('shipshape.svg'), 'utf8').includes('<svg'), 'its source drawing is kept beside it');
  });
});
