// electron-builder, asked what it would build, without the Electron binary (which cannot be downloaded here): its
// own Packager loads and validates electron-builder.yml + package.json, creates the platform packagers and the
// real target objects (deb, rpm, AppImage, nsis, dmg), copies the app into resources/app.asar with its own file
// matchers and asar packer, and runs the Linux and Windows targets in electron-builder's dry mode
// (`effectiveOptionComputed`: the target computes everything it would hand to fpm, appimagetool or makensis, then
// stops). The one step skipped is unpacking Electron into the output folder (and what needs it: renaming the
// binary, fuses, signing, the installer tools themselves); nothing stands in for the binary.
// Internal modules of app-builder-lib are loaded by path, so an electron-builder upgrade that moves them fails the
// packaging tests loudly rather than silently.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

// The slice of app-builder-lib's (untyped, internal) API these helpers use.
export interface FileAssociation {
  ext: string | string[];
  name?: string;
  mimeType?: string;
  icon?: string;
}
type Arch = number;
type EffectiveOptionComputed = (options: unknown) => Promise<boolean>;

export interface BuilderPlatformPackager {
  readonly platformSpecificBuildOptions: Record<string, unknown>;
  readonly fileAssociations: FileAssociation[];
  getIconPath(): Promise<string | null>;
  getResource(custom: string | null | undefined, ...names: string[]): Promise<string | null>;
  createGetFileMatchersOptions(
    outDir: string,
    arch: Arch,
    options: Record<string, unknown>,
  ): { macroExpander: (pattern: string) => string };
  computeAsarOptions(options: Record<string, unknown>): Promise<unknown>;
  copyAppFiles(
    tasks: unknown,
    asarOptions: unknown,
    resourcePath: string,
    defaultDestination: string,
    packContext: unknown,
    options: Record<string, unknown>,
    excludePatterns: unknown[],
    macroExpander: (pattern: string) => string,
  ): void;
  checkFileInPackage(
    dir: string,
    file: string,
    what: string,
    isAsar: boolean,
    noAsarCheck: boolean,
  ): Promise<void>;
}

export interface BuilderTarget {
  readonly name: string;
  build(appOutDir: string, arch: Arch): Promise<void>;
  /** NsisTarget only: the NSIS script around `script`, file associations included. */
  computeFinalScript?(script: string, isInstaller: boolean, archs: Map<Arch, string>): Promise<string>;
}

interface BuilderPackager {
  readonly options: { effectiveOptionComputed?: EffectiveOptionComputed };
  readonly metadata: { main: string; name: string };
  readonly config: {
    linux: { target: string[] };
    win: { target: string[] };
    mac: { target: string[] };
    protocols?: { schemes: string[] }[];
  };
  readonly cancellationToken: unknown;
  readonly tempDirManager: { cleanup(): Promise<void> };
  validateConfig(): Promise<void>;
  createHelper(platform: unknown): Promise<BuilderPlatformPackager>;
  _appInfo: unknown;
  _framework: unknown;
}

interface AppBuilderLib {
  Packager: new (options: {
    projectDir: string;
    effectiveOptionComputed: EffectiveOptionComputed;
  }) => BuilderPackager;
  AppInfo: new (packager: BuilderPackager, buildVersion: null) => unknown;
  Platform: { LINUX: unknown; WINDOWS: unknown; MAC: unknown };
}

interface BuilderUtil {
  Arch: { x64: Arch };
  AsyncTaskManager: new (token: unknown) => { awaitTasks(): Promise<unknown> };
  getPlatformIconFileName(icon: string | undefined, isMac: boolean): string | null | undefined;
}

export interface FpmDryRun {
  /** The fpm command line: options, then `source=destination` file mappings. */
  args: string[];
  /** The .desktop file it would install. */
  desktopFile: string;
}

export interface BuilderDryRun {
  projectDir: string;
  packager: BuilderPackager;
  linux: BuilderPlatformPackager;
  win: BuilderPlatformPackager;
  mac: BuilderPlatformPackager;
  /** Target objects by name, as electron-builder's target factory creates them for the configured targets. */
  targets: Map<string, BuilderTarget>;
  /** The temporary output folder (linux-unpacked/resources/app.asar after buildLinuxApp). */
  outDir: string;
  close(): Promise<void>;
}

export function builderLib(): { lib: AppBuilderLib; util: BuilderUtil } {
  // electron-builder logs to stdout, which node's test runner reads as its own serialized protocol: a log line
  // written in the middle of a test event made the runner fail with "Unable to deserialize cloned data".
  (require('builder-util/out/log') as { setPrinter(p: (m: string) => void): void }).setPrinter((m) => {
    process.stderr.write(m);
  });
  return { lib: require('app-builder-lib') as AppBuilderLib, util: require('builder-util') as BuilderUtil };
}

function target(run: BuilderDryRun, name: string): BuilderTarget {
  const t = run.targets.get(name);
  if (!t) throw new Error(`electron-builder created no ${name} target`);
  return t;
}

/** The resolved configuration and target objects of every platform, as electron-builder computes them. */
export async function resolveBuilder(
  projectDir: string,
  effectiveOptionComputed: EffectiveOptionComputed = () => Promise.resolve(true),
): Promise<BuilderDryRun> {
  const { lib } = builderLib();
  const { createElectronFrameworkSupport } = require('app-builder-lib/out/electron/ElectronFramework') as {
    createElectronFrameworkSupport(this: void, config: unknown, packager: BuilderPackager): Promise<unknown>;
  };
  const { createTargets } = require('app-builder-lib/out/targets/targetFactory') as {
    createTargets(
      this: void,
      cache: Map<string, BuilderTarget>,
      names: string[],
      outDir: string,
      packager: BuilderPlatformPackager,
    ): BuilderTarget[];
  };
  const packager = new lib.Packager({ projectDir, effectiveOptionComputed });
  await packager.validateConfig(); // getConfig + package.json metadata checks + electron-builder's schema
  packager._appInfo = new lib.AppInfo(packager, null);
  packager._framework = await createElectronFrameworkSupport(packager.config, packager);
  const outDir = mkdtempSync(join(tmpdir(), 'saffron-builder-'));
  const linux = await packager.createHelper(lib.Platform.LINUX);
  const win = await packager.createHelper(lib.Platform.WINDOWS);
  const mac = await packager.createHelper(lib.Platform.MAC);
  const targets = new Map<string, BuilderTarget>();
  for (const [platformPackager, names] of [
    [linux, packager.config.linux.target],
    [win, packager.config.win.target],
    [mac, packager.config.mac.target],
  ] as const) {
    for (const t of createTargets(new Map(), names, outDir, platformPackager)) targets.set(t.name, t);
  }
  return {
    projectDir,
    packager,
    linux,
    win,
    mac,
    targets,
    outDir,
    close: async () => {
      await packager.tempDirManager.cleanup();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

/** The NSIS script electron-builder generates around the installer, file associations included. */
export async function nsisFinalScript(run: BuilderDryRun): Promise<string> {
  const nsis = target(run, 'nsis');
  if (!nsis.computeFinalScript) throw new Error('the nsis target has no computeFinalScript');
  return nsis.computeFinalScript('', true, new Map());
}

/**
 * Copies the app into `<outDir>/linux-unpacked/resources` exactly as `electron-builder --linux --dir` does after
 * unpacking Electron (its file matchers, node_modules collection, asarUnpack and asar packer), then runs its own
 * sanity check that the entry file is in the archive. Native modules are not rebuilt for Electron's ABI (that
 * needs Electron's headers from the network); sharp and usb ship N-API prebuilds, so the files are the same.
 * Returns the folder that stands for the installed app (its `resources` holds app.asar).
 */
export async function buildLinuxApp(run: BuilderDryRun): Promise<string> {
  const { util } = builderLib();
  const { linux, packager, outDir } = run;
  const appOutDir = join(outDir, 'linux-unpacked');
  const arch = util.Arch.x64;
  const matcherOptions = linux.createGetFileMatchersOptions(outDir, arch, linux.platformSpecificBuildOptions);
  const asarOptions = await linux.computeAsarOptions(linux.platformSpecificBuildOptions);
  const resourcesPath = join(appOutDir, 'resources');
  const tasks = new util.AsyncTaskManager(packager.cancellationToken);
  const packContext = {
    appOutDir,
    outDir,
    arch,
    targets: [],
    packager: linux,
    electronPlatformName: 'linux',
  };
  linux.copyAppFiles(
    tasks,
    asarOptions,
    resourcesPath,
    join(resourcesPath, 'app'),
    packContext,
    linux.platformSpecificBuildOptions,
    [],
    matcherOptions.macroExpander,
  );
  await tasks.awaitTasks();
  await linux.checkFileInPackage(
    resourcesPath,
    packager.metadata.main,
    'Application entry file',
    true,
    false,
  );
  return appOutDir;
}

/** Runs a deb or rpm target in dry mode and returns what it would pass to fpm. */
export async function fpmDryRun(
  run: BuilderDryRun,
  name: 'deb' | 'rpm',
  appOutDir: string,
): Promise<FpmDryRun> {
  const { util } = builderLib();
  let captured: FpmDryRun | undefined;
  run.packager.options.effectiveOptionComputed = (options) => {
    const [args, desktopFile] = options as [string[], string];
    captured = { args, desktopFile };
    return Promise.resolve(true);
  };
  await target(run, name).build(appOutDir, util.Arch.x64);
  if (!captured) throw new Error(`electron-builder's ${name} target never reached its fpm step`);
  return captured;
}

/** Runs the AppImage target in dry mode and returns its desktop entry and file name. */
export async function appImageDryRun(
  run: BuilderDryRun,
  appOutDir: string,
): Promise<{ desktop: string; desktopFileName: string }> {
  const { util } = builderLib();
  let captured: { desktop: string; desktopFileName: string } | undefined;
  run.packager.options.effectiveOptionComputed = (options) => {
    captured = options as { desktop: string; desktopFileName: string };
    return Promise.resolve(true);
  };
  await target(run, 'appImage').build(appOutDir, util.Arch.x64);
  if (!captured) throw new Error("electron-builder's AppImage target never reached its appimagetool step");
  return captured;
}
