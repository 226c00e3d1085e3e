// What electron-builder itself resolves and would build for every target (deb, rpm, AppImage, nsis, dmg), asked
// through its own Packager without the Electron binary (test/support/electron-builder-dry-run.ts): metadata the
// deb/rpm targets require, electron-builder's default install scripts (/usr/bin link, chrome-sandbox, AppArmor),
// the .vv MIME type and spice URL schemes, the icons of every platform's file association, and the app it packs
// (app.asar) holding every entry point, the CLI included, which runs from the packed files.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runCli } from '../../../main/app/cli-dispatch';
import {
  appImageDryRun,
  buildLinuxApp,
  builderLib,
  fpmDryRun,
  nsisFinalScript,
  resolveBuilder,
  type BuilderDryRun,
  type FpmDryRun,
} from '../../support/electron-builder-dry-run';

const require = createRequire(import.meta.url);
const ROOT = join(import.meta.dirname, '..', '..', '..');
const SCHEMES = ['spice', 'spice+tls', 'spice+unix', 'spice+udpack'];
const MIME_TYPES = ['application/x-virt-viewer', ...SCHEMES.map((s) => `x-scheme-handler/${s}`)];
const asar = require('@electron/asar') as {
  listPackage(path: string): string[];
  extractFile(path: string, file: string): Buffer;
  extractAll(path: string, dest: string): void;
};

let run: BuilderDryRun;
let appDir: string;
let deb: FpmDryRun;

before(async () => {
  assert.ok(existsSync(join(ROOT, 'dist', 'main', 'index.cjs')), 'dist/ is built (npm run build)');
  run = await resolveBuilder(ROOT);
  appDir = await buildLinuxApp(run);
  deb = await fpmDryRun(run, 'deb', appDir);
});

after(async () => {
  await run?.close();
});

/** The `source` of an fpm `source=destination` mapping for `destination`. */
function mapped(fpm: FpmDryRun, destination: string): string | undefined {
  return fpm.args.find((a) => a.endsWith(`=${destination}`))?.slice(0, -destination.length - 1);
}

function option(fpm: FpmDryRun, name: string): string | undefined {
  const i = fpm.args.indexOf(name);
  return i < 0 ? undefined : fpm.args[i + 1];
}

void test('electron-builder creates every configured target', () => {
  assert.deepEqual([...run.targets.keys()].sort(), ['appImage', 'deb', 'dmg', 'nsis', 'rpm']);
  assert.equal(run.targets.get('deb')?.constructor.name, 'FpmTarget');
  assert.equal(run.targets.get('nsis')?.constructor.name, 'NsisTarget');
  assert.equal(run.packager.metadata.main, 'dist/main/index.cjs');
});

void test('deb and rpm: the metadata fpm needs (name, maintainer with e-mail, homepage, licence)', async () => {
  const rpm = await fpmDryRun(run, 'rpm', appDir);
  for (const fpm of [deb, rpm]) {
    assert.equal(option(fpm, '--name'), 'saffron-viewer');
    assert.match(option(fpm, '--maintainer') ?? '', /^.+ <[^@\s]+@[^@\s]+>$/);
    assert.match(option(fpm, '--url') ?? '', /^https:\/\//);
    assert.equal(option(fpm, '--license'), 'GPL-3.0-or-later');
    assert.equal(mapped(fpm, '/opt/Saffron'), `${appDir}/`, 'the app folder installs to /opt/Saffron');
  }
});

void test("deb and rpm use electron-builder's own install scripts: /usr/bin link, chrome-sandbox, AppArmor, MIME", () => {
  const script = readFileSync(option(deb, '--after-install') ?? '', 'utf8');
  const template = readFileSync(require.resolve('app-builder-lib/templates/linux/after-install.tpl'), 'utf8');
  const expected = template
    .replaceAll('${executable}', 'saffron')
    .replaceAll('${sanitizedProductName}', 'Saffron');
  assert.equal(script, expected, 'the default after-install script, not a custom one');
  assert.match(
    script,
    /update-alternatives --install '\/usr\/bin\/saffron' 'saffron' '\/opt\/Saffron\/saffron'/,
  );
  assert.match(script, /chmod 4755 '\/opt\/Saffron\/chrome-sandbox'/);
  assert.match(script, /apparmor_parser --replace/);
  assert.match(script, /update-mime-database \/usr\/share\/mime/);
  assert.ok(
    existsSync(join(appDir, 'resources', 'apparmor-profile')),
    'the AppArmor profile ships in resources/',
  );
  const remove = readFileSync(option(deb, '--after-remove') ?? '', 'utf8');
  assert.match(remove, /update-alternatives --remove 'saffron' '\/opt\/Saffron\/saffron'/);
});

void test('deb and rpm: the .vv MIME type, the desktop entry with the spice schemes, hicolor icons', async () => {
  const mime = readFileSync(mapped(deb, '/usr/share/mime/packages/saffron.xml') ?? '', 'utf8');
  assert.match(mime, /<mime-type type="application\/x-virt-viewer">\s*<glob pattern="\*\.vv"\/>/);
  const desktop = readFileSync(mapped(deb, '/usr/share/applications/saffron.desktop') ?? '', 'utf8');
  assert.match(desktop, /^Exec=\/opt\/Saffron\/saffron %U$/m);
  assert.match(desktop, /^Icon=saffron$/m);
  assert.match(desktop, /^StartupWMClass=saffron$/m, 'matches package.json desktopName (Electron’s app_id)');
  assert.match(desktop, /^Categories=Network;RemoteAccess;$/m);
  assert.equal(/^MimeType=(.*)$/m.exec(desktop)?.[1], MIME_TYPES.join(';') + ';', 'each type once');
  for (const size of [16, 24, 32, 48, 64, 128, 256, 512]) {
    const source = mapped(deb, `/usr/share/icons/hicolor/${size}x${size}/apps/saffron.png`);
    assert.ok(source, `${size}px icon`);
    const meta = await sharp(source).metadata();
    assert.deepEqual([meta.width, meta.height], [size, size], source);
  }
});

void test('AppImage: the same desktop entry, launched through AppRun', async () => {
  const appImage = await appImageDryRun(run, appDir);
  assert.equal(appImage.desktopFileName, 'saffron.desktop');
  assert.match(appImage.desktop, /^Exec=AppRun --no-sandbox %U$/m);
  assert.equal(/^MimeType=(.*)$/m.exec(appImage.desktop)?.[1], MIME_TYPES.join(';') + ';');
});

void test('nsis: the .vv association registers with resources/icon.ico; the app icon is the same .ico', async () => {
  const script = await nsisFinalScript(run);
  assert.match(script, /File "\/oname=\$INSTDIR\\resources\\icon\.ico" ".*\/resources\/icon\.ico"/);
  assert.match(
    script,
    /APP_ASSOCIATE "vv" "SPICE connection file" "Virt-Viewer connection file" "\$INSTDIR\\resources\\icon\.ico"/,
  );
  assert.equal(await run.win.getIconPath(), join(ROOT, 'resources', 'icon.ico'));
});

void test('dmg: the .vv document type and the app use resources/icon.icns; the spice schemes are declared', async () => {
  const { util } = builderLib();
  const associations = run.mac.fileAssociations;
  assert.deepEqual(
    associations.map((a) => [a.ext, a.mimeType]),
    [['vv', 'application/x-virt-viewer']],
  );
  // The lookup createMacApp makes for each CFBundleDocumentTypes entry.
  const icon = (await run.mac.getResource(
    util.getPlatformIconFileName(associations[0]?.icon, true),
    'vv.icns',
  )) as string;
  assert.equal(icon, join(ROOT, 'resources', 'icon.icns'));
  assert.equal(await run.mac.getIconPath(), join(ROOT, 'resources', 'icon.icns'));
  const protocols = run.packager.config.protocols ?? [];
  assert.deepEqual(
    protocols.flatMap((p) => p.schemes),
    SCHEMES,
  );
});

void test('the packed app (app.asar) holds every entry point; native modules and the decode worker are unpacked', () => {
  const archive = join(appDir, 'resources', 'app.asar');
  const files = new Set(asar.listPackage(archive));
  const pkg = JSON.parse(asar.extractFile(archive, 'package.json').toString()) as {
    main: string;
    name: string;
  };
  assert.equal(pkg.main, 'dist/main/index.cjs');
  for (const entry of [
    `/${pkg.main}`,
    '/dist/preload/index.cjs',
    '/dist/renderer/index.html',
    '/dist/renderer/app.js',
    '/dist/cli.cjs',
    '/resources/icons/512x512.png',
  ])
    assert.ok(files.has(entry), `app.asar has ${entry}`);
  const unpacked = join(appDir, 'resources', 'app.asar.unpacked');
  for (const path of [
    'dist/decode-worker.cjs',
    'dist/udpack-worker.cjs',
    'node_modules/sharp/package.json',
    'node_modules/usb/package.json',
  ])
    assert.ok(existsSync(join(unpacked, path)), `unpacked: ${path}`);
  for (const devOnly of ['electron', 'typescript', 'esbuild', 'electron-builder', 'pako'])
    assert.ok(!files.has(`/node_modules/${devOnly}`), `no ${devOnly} in the package`);
  assert.ok(![...files].some((f) => f.startsWith('/dist/') && f.endsWith('.map')), 'no source maps of ours');
});

void test('the CLI runs from the packed files the way the installed binary starts it', () => {
  const extracted = mkdtempSync(join(tmpdir(), 'saffron-asar-'));
  try {
    asar.extractAll(join(appDir, 'resources', 'app.asar'), extracted);
    const bundle = join(extracted, 'dist', 'cli.cjs');
    const version = spawnSync(process.execPath, [bundle, '--version'], { encoding: 'utf8', timeout: 30_000 });
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(version.stdout.trim(), pkg.version);
    // runCli is what the Electron entry calls; here the runtime is Node itself (ELECTRON_RUN_AS_NODE is then moot).
    // Its stdio 'inherit' is piped here: the CLI's output on the test's own stdout would interleave with the test
    // runner's serialized reports (under load: "Unable to deserialize cloned data").
    const piped = (command: string, args: readonly string[], options: SpawnSyncOptions) =>
      spawnSync(command, args, { ...options, stdio: 'pipe' });
    const errors: string[] = [];
    const code = runCli(process.execPath, bundle, ['info', '--help'], process.env, piped, (t) =>
      errors.push(t),
    );
    assert.equal(code, 0, errors.join(''));
    assert.equal(
      runCli(process.execPath, bundle, ['no-such-command'], process.env, piped, () => {}),
      2,
    );
  } finally {
    rmSync(extracted, { recursive: true, force: true });
  }
});
