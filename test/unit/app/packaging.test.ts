// electron-builder.yml is valid for the installed electron-builder (its own schema), and registers what the
// issue asks: Linux AppImage/deb/rpm, Windows nsis, macOS dmg, .vv files and the spice URL schemes; the
// resources it names exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface BuilderConfig {
  extraMetadata: { main: string };
  protocols: { schemes: string[] }[];
  fileAssociations: { ext: string; mimeType: string }[];
  linux: { target: string[]; mimeTypes: string[]; icon: string };
  win: { target: string[] };
  mac: { target: string[] };
  deb: { afterInstall: string };
}

function loadConfig(): BuilderConfig {
  const yaml = require('js-yaml') as { load: (text: string) => unknown };
  return yaml.load(readFileSync('electron-builder.yml', 'utf8')) as BuilderConfig;
}

void test('electron-builder.yml passes electron-builder’s schema validation', async () => {
  const config = require('app-builder-lib/out/util/config/config') as {
    validateConfiguration: (config: unknown, logger: unknown) => Promise<void>;
  };
  const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
  await config.validateConfiguration(loadConfig(), new DebugLogger(false));
});

void test('targets, .vv association, URL schemes and resources', () => {
  const c = loadConfig();
  assert.deepEqual(c.linux.target, ['AppImage', 'deb', 'rpm']);
  assert.deepEqual(c.win.target, ['nsis']);
  assert.deepEqual(c.mac.target, ['dmg']);
  assert.deepEqual(
    c.fileAssociations.map((f) => [f.ext, f.mimeType]),
    [['vv', 'application/x-virt-viewer']],
  );
  assert.deepEqual(c.protocols[0]?.schemes, ['spice', 'spice+tls', 'spice+unix']);
  assert.ok(c.linux.mimeTypes.includes('application/x-virt-viewer'));
  assert.equal(c.extraMetadata.main, 'dist/main/index.cjs');
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { main: string };
  assert.equal(pkg.main, c.extraMetadata.main, 'npm start runs the same entry as the packages');
  for (const path of [
    'resources/icon.svg',
    'resources/icon.png',
    'resources/icons/512x512.png',
    'resources/icons/16x16.png',
    'resources/saffron.desktop',
    'resources/x-virt-viewer.xml',
    c.deb.afterInstall,
  ])
    assert.ok(existsSync(path), path);
  const desktop = readFileSync('resources/saffron.desktop', 'utf8');
  assert.match(desktop, /^MimeType=.*application\/x-virt-viewer;.*x-scheme-handler\/spice;/m);
  assert.match(readFileSync('resources/x-virt-viewer.xml', 'utf8'), /<glob pattern="\*\.vv"\/>/);
});
