// The external tools the integration and e2e suites run against, and the one check every such test file makes at
// its top: `requireTools(['qemu', 'spicy'])`. A missing tool fails the file with the Debian package to install
// and the command; nothing is skipped silently. Opting out is explicit (SAFFRON_TEST_SKIP=e2e,integration or
// tool names), never allowed in CI, and scripts/test.mjs (which reads these declarations to leave opted-out
// files out and prints what it skipped) is the only runner that honours it. See README "Tests".
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';

export interface ToolSpec {
  /** Debian packages that provide the tool (what `apt-get install -y` needs). */
  packages: readonly string[];
  /** What the check looks for, for the message. */
  what: string;
  /** True when the tool is usable on this machine. */
  present(env: NodeJS.ProcessEnv): boolean;
}

const GSTREAMER_PLUGIN_DIRS = [
  '/usr/lib/x86_64-linux-gnu/gstreamer-1.0',
  '/usr/lib/aarch64-linux-gnu/gstreamer-1.0',
  '/usr/lib64/gstreamer-1.0',
  '/usr/lib/gstreamer-1.0',
];

/** The C test server's build inputs (test/server/build.mjs). */
const TEST_SERVER_PKG_CONFIG = ['spice-server', 'libusbredirparser-0.5', 'glib-2.0', 'libpng'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function onPath(command: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && executable(join(dir, command)));
}

/** Debian's Chromium, or the browser SAFFRON_CHROMIUM names (the e2e suite drives it with playwright-core). */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.SAFFRON_CHROMIUM ?? '/usr/bin/chromium';
}

function gstreamerPlugin(file: string): boolean {
  return GSTREAMER_PLUGIN_DIRS.some((dir) => existsSync(join(dir, file)));
}

function pkgConfigHas(modules: string[], env: NodeJS.ProcessEnv): boolean {
  if (!onPath('pkg-config', env)) return false;
  try {
    execFileSync('pkg-config', ['--exists', ...modules], { stdio: 'ignore', timeout: 10_000, env });
    return true;
  } catch {
    return false;
  }
}

/** Network namespaces and TUN devices (the UDPack WAN emulator, test/support/wan-emulator.ts): root, /dev/net/tun,
 * and a kernel that lets this process create a network namespace (a container needs CAP_NET_ADMIN/CAP_SYS_ADMIN). */
function netnsAndTun(env: NodeJS.ProcessEnv): boolean {
  if (process.getuid?.() !== 0 || !existsSync('/dev/net/tun')) return false;
  if (!onPath('ip', env) || !onPath('unshare', env)) return false;
  return spawnSync('unshare', ['-n', 'true'], { stdio: 'ignore', timeout: 10_000, env }).status === 0;
}

export const TOOLS = {
  qemu: {
    packages: ['qemu-system-x86', 'ipxe-qemu', 'seabios'],
    what: 'qemu-system-x86_64',
    present: (env) => onPath('qemu-system-x86_64', env),
  },
  spicy: {
    packages: ['spice-client-gtk'],
    what: 'spicy and spicy-screenshot (spice-gtk, the reference client)',
    present: (env) => onPath('spicy', env) && onPath('spicy-screenshot', env),
  },
  tshark: { packages: ['tshark'], what: 'tshark', present: (env) => onPath('tshark', env) },
  chromium: {
    packages: ['chromium'],
    what: 'a Chromium binary at SAFFRON_CHROMIUM or /usr/bin/chromium',
    present: (env) => executable(chromiumPath(env)),
  },
  openssl: { packages: ['openssl'], what: 'the openssl command', present: (env) => onPath('openssl', env) },
  xvfb: {
    packages: ['xvfb', 'xauth'],
    what: 'xvfb-run, Xvfb and xauth (spicy runs on a virtual X display)',
    present: (env) => onPath('xvfb-run', env) && onPath('Xvfb', env) && onPath('xauth', env),
  },
  'test-server': {
    packages: [
      'libspice-server-dev',
      'libspice-protocol-dev',
      'libusbredirparser-dev',
      'libglib2.0-dev',
      'libpng-dev',
      'pkg-config',
      'gcc',
      'make',
    ],
    what: `gcc and pkg-config modules ${TEST_SERVER_PKG_CONFIG.join(', ')} (the C test server on libspice-server)`,
    present: (env) => onPath('gcc', env) && pkgConfigHas(TEST_SERVER_PKG_CONFIG, env),
  },
  'spice-client-glib': {
    packages: ['libspice-client-glib-2.0-dev', 'pkg-config', 'gcc'],
    what: "gcc and pkg-config's spice-client-glib-2.0 (bench:c-peer's C peer on spice-gtk's library)",
    present: (env) => onPath('gcc', env) && pkgConfigHas(['spice-client-glib-2.0'], env),
  },
  'x11-probe': {
    packages: ['libx11-dev', 'libxtst-dev', 'pkg-config', 'gcc'],
    what: "gcc and pkg-config's x11 and xtst (bench:interactive's probe of spicy's screen and its XTest input)",
    present: (env) => onPath('gcc', env) && pkgConfigHas(['x11', 'xtst'], env),
  },
  'spice-html5': {
    packages: ['spice-html5'],
    what: "Debian's spice-html5 (/usr/share/spice-html5, the web peer of the benchmarks)",
    present: () => existsSync('/usr/share/spice-html5/spice_auto.html'),
  },
  umockdev: {
    packages: ['umockdev'],
    what: 'umockdev-run (emulated USB devices in sysfs and /dev/bus/usb)',
    present: (env) => onPath('umockdev-run', env),
  },
  'gst-vp8': {
    packages: ['gstreamer1.0-plugins-good'],
    what: "GStreamer's vpx plugin (libgstvpx.so: spice-server's VP8 encoder)",
    present: () => gstreamerPlugin('libgstvpx.so'),
  },
  'gst-x264': {
    packages: ['gstreamer1.0-plugins-ugly'],
    what: "GStreamer's x264 plugin (libgstx264.so: spice-server's H.264 encoder)",
    present: () => gstreamerPlugin('libgstx264.so'),
  },
  wan: {
    packages: ['iproute2', 'gcc'],
    what:
      'ip (iproute2) and gcc for the WAN emulator, run as root with /dev/net/tun and the right to create network ' +
      'namespaces (a container: --cap-add NET_ADMIN --cap-add SYS_ADMIN --device /dev/net/tun, or --privileged)',
    present: (env) => onPath('gcc', env) && netnsAndTun(env),
  },
} satisfies Record<string, ToolSpec>;

export type ToolName = keyof typeof TOOLS;
export const TOOL_NAMES = Object.keys(TOOLS) as ToolName[];
/** Suites that may be opted out as a whole (the unit suite needs nothing outside the repository). */
export const OPTIONAL_SUITES = ['integration', 'e2e'] as const;

export function isToolName(name: string): name is ToolName {
  return Object.hasOwn(TOOLS, name);
}

/** CI=1 / CI=true (GitHub, GitLab, .ci/run): nothing may be skipped there. */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.CI ?? '').trim().toLowerCase();
  return v !== '' && v !== '0' && v !== 'false';
}

export interface OptOuts {
  suites: Set<string>;
  tools: Set<ToolName>;
}

/** Parses SAFFRON_TEST_SKIP ("e2e", "chromium,tshark", …); throws on an unknown name or in CI. */
export function parseOptOuts(env: NodeJS.ProcessEnv = process.env): OptOuts {
  const names = (env.SAFFRON_TEST_SKIP ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const out: OptOuts = { suites: new Set(), tools: new Set() };
  if (names.length === 0) return out;
  if (isCi(env)) {
    throw new Error(
      `SAFFRON_TEST_SKIP=${env.SAFFRON_TEST_SKIP} is not allowed in CI (CI=${env.CI}): every suite must run there`,
    );
  }
  for (const name of names) {
    if ((OPTIONAL_SUITES as readonly string[]).includes(name)) out.suites.add(name);
    else if (isToolName(name)) out.tools.add(name);
    else
      throw new Error(
        `SAFFRON_TEST_SKIP: unknown name '${name}' (suites: ${OPTIONAL_SUITES.join(', ')}; tools: ${TOOL_NAMES.join(', ')})`,
      );
  }
  return out;
}

/** The tools of `names` that this machine lacks. */
export function missingTools(names: readonly ToolName[], env: NodeJS.ProcessEnv = process.env): ToolName[] {
  return names.filter((n) => !TOOLS[n].present(env));
}

/** Every Debian package the given tools need, once each, in table order. */
export function packagesFor(names: readonly ToolName[]): string[] {
  return [...new Set(names.flatMap((n) => TOOLS[n].packages))];
}

/** The message a run without these tools fails with: what is missing, the apt line, and the opt-out. */
export function missingToolsMessage(where: string, missing: readonly ToolName[]): string {
  const lines = [`${where} needs tools this machine lacks:`];
  for (const n of missing)
    lines.push(`  ${n}: ${TOOLS[n].what} — Debian package ${TOOLS[n].packages.join(' ')}`);
  lines.push(`Install them:  sudo apt-get install -y ${packagesFor(missing).join(' ')}`);
  lines.push("(The README's first command installs every package the suites need.)");
  lines.push(
    `Or skip the tests that need them (not allowed in CI):  SAFFRON_TEST_SKIP=${missing.join(',')} npm test`,
  );
  return lines.join('\n');
}

export type ToolCheck =
  | { kind: 'ok' }
  | { kind: 'opted-out'; message: string }
  | { kind: 'missing'; missing: ToolName[]; message: string };

/** What requireTools decides for a test file that needs `names`. */
export function checkTools(names: readonly ToolName[], file: string, env: NodeJS.ProcessEnv): ToolCheck {
  const where = relative(process.cwd(), file) || file;
  const optOuts = parseOptOuts(env);
  const suite = OPTIONAL_SUITES.find((s) => file.split(/[\\/]/).includes(s));
  if ((suite !== undefined && optOuts.suites.has(suite)) || names.some((n) => optOuts.tools.has(n))) {
    return {
      kind: 'opted-out',
      message: `${where}: skipped, opted out by SAFFRON_TEST_SKIP=${env.SAFFRON_TEST_SKIP}`,
    };
  }
  const missing = missingTools(names, env);
  if (missing.length === 0) return { kind: 'ok' };
  return { kind: 'missing', missing, message: missingToolsMessage(where, missing) };
}

/**
 * Call once, at the top of every integration/e2e test file, with literal tool names (scripts/test.mjs reads this
 * call to know what a file needs). A missing tool ends the file with exit code 1 and the message naming the
 * package to install. scripts/test.mjs never starts a file the user opted out of; started directly with an
 * opt-out, the file says so and runs nothing.
 */
export function requireTools(names: readonly ToolName[]): void {
  const result = checkTools(names, process.argv[1] ?? '(test file)', process.env);
  if (result.kind === 'ok') return;
  if (result.kind === 'opted-out') {
    process.stdout.write(`# ${result.message}\n`);
    process.exit(0);
  }
  process.stderr.write(`\n${result.message}\n\n`);
  process.exit(1);
}

/** The tool names a test file's source declares in its requireTools([...]) call (how scripts/test.mjs reads it). */
export function declaredTools(source: string): string[] {
  const m = /\brequireTools\(\s*\[([^\]]*)\]/.exec(source);
  if (!m?.[1]) return [];
  return [...m[1].matchAll(/'([^']+)'|"([^"]+)"/g)].map((x) => x[1] ?? x[2] ?? '');
}
