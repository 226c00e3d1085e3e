// .vv connection files (remote-viewer's format; REFERENCES G35 and §6): GKeyFile text with a mandatory
// `[virt-viewer]` group and `type=spice`. parseVvFile turns the text into a ConnectionConfig, recording
// every key we read but do not act on in `unsupported`; loadVvFile reads a file, honours
// `delete-this-file=1` (unless VIRT_VIEWER_KEEP_FILE is set) and checks the `version` requirement.
import { readFile, stat, unlink } from 'node:fs/promises';
import { SpiceError } from '../errors';
import { channelTypeOf, emptyConfig } from './config';
import type { ConnectionConfig, HotkeyConfig, OvirtConfig } from './config';
import { KeyFile, parseKeyFile } from './key-file';
import { parseProxyUrl } from './proxy-url';
import { readVvUdpack } from './vv-udpack';

export const VV_MAIN_GROUP = 'virt-viewer';
export const VV_OVIRT_GROUP = 'ovirt';
/** Largest .vv file we read (real ones are a few KiB: the inline CA is the biggest part). */
export const VV_MAX_FILE_BYTES = 1024 * 1024;

/**
 * The remote-viewer version whose .vv format we implement. A file's `version=` is a *minimum remote-viewer
 * version* (oVirt writes e.g. `version=2.0`), so it is compared against this, not against Saffron's own
 * version number. Files asking for something newer fail as they do in remote-viewer.
 */
export const VV_COMPAT_VERSION = '11.0';

/** Every key remote-viewer understands in [virt-viewer] (virt-viewer-file.c). */
export const VV_KEYS = [
  'type',
  'version',
  'versions',
  'newer-version-url',
  'unix-path',
  'host',
  'port',
  'tls-port',
  'username',
  'password',
  'disable-channels',
  'tls-ciphers',
  'ca',
  'host-subject',
  'fullscreen',
  'title',
  'toggle-fullscreen',
  'release-cursor',
  'zoom-in',
  'zoom-out',
  'zoom-reset',
  'smartcard-insert',
  'smartcard-remove',
  'secure-attention',
  'usb-device-reset',
  'enable-smartcard',
  'enable-usbredir',
  'enable-usb-autoshare',
  'usb-filter',
  'usb-redirect-on-connect',
  'color-depth',
  'disable-effects',
  'secure-channels',
  'delete-this-file',
  'proxy',
] as const;

export const VV_OVIRT_KEYS = ['host', 'vm-guid', 'jsessionid', 'sso-token', 'ca', 'admin'] as const;

const HOTKEY_FIELDS: Record<string, keyof HotkeyConfig> = {
  'toggle-fullscreen': 'toggleFullscreen',
  'release-cursor': 'releaseCursor',
  'zoom-in': 'zoomIn',
  'zoom-out': 'zoomOut',
  'zoom-reset': 'zoomReset',
  'smartcard-insert': 'smartcardInsert',
  'smartcard-remove': 'smartcardRemove',
  'secure-attention': 'secureAttention',
  'usb-device-reset': 'usbDeviceReset',
};

const EFFECTS = new Set(['wallpaper', 'font-smooth', 'animation', 'all']);

/** Which optional features the caller (CLI, app) implements; everything else is reported as unsupported. */
export interface VvCapabilities {
  usbredir?: boolean;
  smartcard?: boolean;
  /** color-depth and disable-effects (both need the guest agent's display settings). */
  agentDisplayConfig?: boolean;
  /** Hotkeys (the CLI has no window; the app does). */
  hotkeys?: boolean;
  /** fullscreen / title (window settings). */
  window?: boolean;
}

export interface VvParseOptions {
  capabilities?: VvCapabilities;
  /** The libosinfo short id matched against `versions=` (e.g. "debian12"); without it `versions` is not used. */
  osId?: string;
}

function vvError(problem: string): SpiceError {
  return new SpiceError('config', `invalid connection file: ${problem}`);
}

function port(file: KeyFile, key: string, config: ConnectionConfig): number | undefined {
  const value = file.getInteger(VV_MAIN_GROUP, key);
  if (value === undefined) return undefined;
  // oVirt and others write -1 (or 0) for "no such port".
  if (value <= 0) {
    config.notes.push(`${key}=${value} means "no ${key}"`);
    return undefined;
  }
  if (value > 65535) throw vvError(`${key}=${value} is not a port number (1-65535)`);
  return value;
}

function channelList(file: KeyFile, key: string, config: ConnectionConfig): number[] | 'all' {
  const names = file.getList(VV_MAIN_GROUP, key) ?? [];
  const types: number[] = [];
  for (const raw of names) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    if (name === 'all') return 'all';
    const type = channelTypeOf(name);
    if (type === undefined) {
      config.unsupported.push({ key, reason: `unknown channel name '${raw}' ignored` });
      continue;
    }
    if (!types.includes(type)) types.push(type);
  }
  return types;
}

/** Compares "1.2.3-4"-style versions like virt_viewer_compare_buildid; undefined when either is not numeric. */
export function compareBuildId(a: string, b: string): number | undefined {
  const parse = (s: string): [number[], number[]] | undefined => {
    const [version = '', release = ''] = s.trim().split(/-(.*)/s);
    const nums = (t: string): number[] | undefined =>
      t === '' ? [] : /^\d+(\.\d+)*$/.test(t) ? t.split('.').map(Number) : undefined;
    const v = nums(version);
    const r = nums(release);
    return v && v.length > 0 && r ? [v, r] : undefined;
  };
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) return undefined;
  for (let part = 0; part < 2; part++) {
    const x = pa[part] as number[];
    const y = pb[part] as number[];
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      const d = (x[i] ?? 0) - (y[i] ?? 0);
      if (d !== 0) return Math.sign(d);
    }
  }
  return 0;
}

/** Throws SpiceError('config') if the file demands a newer remote-viewer than the format we implement. */
export function checkVvVersion(config: ConnectionConfig): void {
  const requirement = config.version;
  if (!requirement) return;
  const cmp = compareBuildId(requirement.required, VV_COMPAT_VERSION);
  if (cmp === undefined || cmp <= 0) return;
  const url = requirement.newerVersionUrl ? `, see ${requirement.newerVersionUrl} for details` : '';
  throw new SpiceError(
    'config',
    `this connection file requires at least remote-viewer version ${requirement.required}; ` +
      `Saffron reads files for remote-viewer ${VV_COMPAT_VERSION}${url}`,
  );
}

function parseOvirt(file: KeyFile, config: ConnectionConfig): void {
  if (!file.hasGroup(VV_OVIRT_GROUP)) return;
  const ovirt: OvirtConfig = {};
  const host = file.getString(VV_OVIRT_GROUP, 'host');
  if (host !== undefined) ovirt.host = host;
  const guid = file.getString(VV_OVIRT_GROUP, 'vm-guid');
  if (guid !== undefined) ovirt.vmGuid = guid;
  const jsessionid = file.getString(VV_OVIRT_GROUP, 'jsessionid');
  if (jsessionid !== undefined) ovirt.jsessionid = jsessionid;
  const sso = file.getString(VV_OVIRT_GROUP, 'sso-token');
  if (sso !== undefined) ovirt.ssoToken = sso;
  const ca = file.getString(VV_OVIRT_GROUP, 'ca');
  if (ca !== undefined) ovirt.ca = ca;
  const admin = file.getBoolean(VV_OVIRT_GROUP, 'admin');
  if (admin !== undefined) ovirt.admin = admin;
  config.ovirt = ovirt;
  config.unsupported.push({
    key: '[ovirt]',
    reason:
      'oVirt REST integration (CD change menu, power actions) is not supported; the SPICE console itself works',
  });
  for (const key of file.keys(VV_OVIRT_GROUP)) {
    if (!(VV_OVIRT_KEYS as readonly string[]).includes(key) && !key.startsWith('x-'))
      config.unsupported.push({ key: `[ovirt] ${key}`, reason: 'unknown key ignored' });
  }
}

/** Parses .vv text into a ConnectionConfig. Does not delete anything and does not check `version`. */
export function parseVvFile(text: string, options: VvParseOptions = {}): ConnectionConfig {
  const caps = options.capabilities ?? {};
  const file = parseKeyFile(text);
  if (!file.hasGroup(VV_MAIN_GROUP))
    throw vvError(`the [${VV_MAIN_GROUP}] group is missing — is this a remote-viewer (.vv) file?`);
  const type = file.getString(VV_MAIN_GROUP, 'type');
  if (type === undefined || type.trim() === '')
    throw vvError(`'type' is missing in [${VV_MAIN_GROUP}] — a SPICE connection file needs type=spice`);
  switch (type.trim().toLowerCase()) {
    case 'spice':
      break;
    case 'vnc':
      throw new SpiceError(
        'config',
        'this connection file is for VNC (type=vnc); Saffron connects to SPICE only',
      );
    case 'ovirt':
      throw new SpiceError(
        'config',
        'this connection file uses the oVirt REST API (type=ovirt), which Saffron does not support — ' +
          'download the console file with type=spice from the oVirt portal instead',
      );
    default:
      throw vvError(`unknown connection type '${type}' — expected type=spice`);
  }

  const g = VV_MAIN_GROUP;
  const config = emptyConfig();
  const str = (key: string): string | undefined => file.getString(g, key);
  const unsupported = (key: string, reason: string): void => {
    config.unsupported.push({ key, reason });
  };

  // Version requirement (checked by loadVvFile/checkVvVersion after delete-this-file is honoured).
  let required: string | undefined;
  if (file.has(g, 'versions')) {
    const versions = file.getList(g, 'versions') ?? [];
    for (const item of versions) {
      const colon = item.indexOf(':');
      if (colon > 0 && options.osId !== undefined && item.slice(0, colon) === options.osId)
        required = item.slice(colon + 1);
    }
    if (options.osId === undefined)
      config.notes.push(
        'versions= (per-OS minimum versions) is not used: this build has no OS id; version= applies',
      );
  }
  required ??= str('version');
  if (required !== undefined && required.trim() !== '') {
    config.version = { required: required.trim() };
    const url = str('newer-version-url');
    if (url !== undefined) config.version.newerVersionUrl = url;
    if (compareBuildId(required, VV_COMPAT_VERSION) === undefined)
      config.notes.push(`version=${required} is not a version number; ignored`);
  }

  // Target.
  const unixPath = str('unix-path');
  if (readVvUdpack(file, g, config)) {
    // every channel goes through the UDPack gateway
  } else if (unixPath !== undefined) {
    if (unixPath === '') throw vvError('unix-path is empty');
    config.unixPath = unixPath;
    for (const key of ['host', 'port', 'tls-port'])
      if (file.has(g, key)) config.notes.push(`${key} is ignored because unix-path is set`);
  } else {
    const host = str('host');
    if (host === undefined || host.trim() === '')
      throw vvError('neither host nor unix-path is set — the file does not say where to connect');
    config.host = host.trim().replace(/^\[(.*)\]$/, '$1');
    // \r \n escapes decode to real line breaks: such a host would inject headers into a proxy's CONNECT.
    if (/[\s\x00-\x1f\x7f]/.test(config.host))
      throw vvError('host contains spaces or control characters — the file is damaged');
    const plain = port(file, 'port', config);
    if (plain !== undefined) config.port = plain;
    const tls = port(file, 'tls-port', config);
    if (tls !== undefined) config.tlsPort = tls;
    if (plain === undefined && tls === undefined)
      throw vvError('neither port nor tls-port is set — the file does not say which port to use');
  }

  const username = str('username');
  if (username !== undefined) {
    config.username = username;
    unsupported('username', 'SASL authentication is not supported; the username is not used');
  }
  const password = str('password');
  if (password !== undefined) config.password = password;

  // Channels and TLS.
  if (file.has(g, 'disable-channels')) {
    const list = channelList(file, 'disable-channels', config);
    if (list === 'all') throw vvError("disable-channels=all would disable every channel, including 'main'");
    config.disableChannels = list;
  }
  if (file.has(g, 'secure-channels')) config.secureChannels = channelList(file, 'secure-channels', config);
  const ciphers = str('tls-ciphers');
  if (ciphers !== undefined) config.tlsCiphers = ciphers;
  const ca = str('ca');
  if (ca !== undefined && ca.trim() !== '') {
    if (!ca.includes('-----BEGIN CERTIFICATE-----'))
      throw vvError("'ca' does not contain a PEM certificate (-----BEGIN CERTIFICATE-----)");
    config.ca = ca;
  }
  const subject = str('host-subject');
  if (subject !== undefined && subject.trim() !== '') config.hostSubject = subject;
  const proxy = str('proxy');
  if (proxy !== undefined && proxy.trim() !== '') config.proxy = parseProxyUrl(proxy);

  // Window.
  const title = str('title');
  if (title !== undefined) config.title = title;
  const fullscreen = file.getBoolean(g, 'fullscreen');
  if (fullscreen !== undefined) config.fullscreen = fullscreen;
  if (!caps.window && (title !== undefined || fullscreen !== undefined))
    config.notes.push('title/fullscreen only apply in the desktop app');
  for (const [key, field] of Object.entries(HOTKEY_FIELDS)) {
    const value = str(key);
    if (value === undefined) continue;
    if (value.trim() === '') throw vvError(`the hotkey '${key}' is empty`);
    config.hotkeys[field] = value.trim();
  }
  if (!caps.hotkeys && Object.keys(config.hotkeys).length > 0)
    config.notes.push('hotkeys only apply in the desktop app');

  // Devices.
  const smartcard = file.getBoolean(g, 'enable-smartcard');
  if (smartcard !== undefined) {
    config.enableSmartcard = smartcard;
    if (smartcard && !caps.smartcard)
      unsupported('enable-smartcard', 'smartcard redirection is not supported by this version');
  }
  const usbredir = file.getBoolean(g, 'enable-usbredir');
  if (usbredir !== undefined) config.usb.enableUsbredir = usbredir;
  const autoshare = file.getBoolean(g, 'enable-usb-autoshare');
  if (autoshare !== undefined) config.usb.autoshare = autoshare;
  const filter = str('usb-filter');
  if (filter !== undefined) config.usb.filter = filter;
  const onConnect = str('usb-redirect-on-connect');
  if (onConnect !== undefined) config.usb.redirectOnConnect = onConnect;
  if (!caps.usbredir) {
    for (const key of ['enable-usbredir', 'enable-usb-autoshare', 'usb-filter', 'usb-redirect-on-connect'])
      if (file.has(g, key) && !(key === 'enable-usbredir' && usbredir === false))
        unsupported(key, 'USB redirection is not supported by this version');
  }

  // Guest display settings (through the agent).
  const depth = file.getInteger(g, 'color-depth');
  if (depth !== undefined) {
    if (depth !== 0 && depth !== 16 && depth !== 32) throw vvError(`color-depth=${depth} must be 16 or 32`);
    if (depth !== 0) {
      config.colorDepth = depth;
      unsupported(
        'color-depth',
        caps.agentDisplayConfig
          ? 'color-depth is deprecated (spice-gtk 0.37 dropped it) and is not sent to the guest'
          : 'changing the guest colour depth is not supported (deprecated since spice-gtk 0.37)',
      );
    }
  }
  if (file.has(g, 'disable-effects')) {
    const effects = (file.getList(g, 'disable-effects') ?? [])
      .map((e) => e.trim().toLowerCase())
      .filter((e) => e);
    for (const e of effects)
      if (!EFFECTS.has(e)) unsupported('disable-effects', `unknown effect '${e}' ignored`);
    config.disableEffects = effects.filter((e) => EFFECTS.has(e));
    if (!caps.agentDisplayConfig && config.disableEffects.length > 0)
      unsupported(
        'disable-effects',
        'disabling guest effects needs the guest agent display settings, not supported yet',
      );
  }

  config.deleteThisFile = file.getBoolean(g, 'delete-this-file') ?? false;

  // Keys nobody knows: kept quiet if x- prefixed (the documented extension prefix), reported otherwise.
  for (const key of file.keys(g)) {
    if (!(VV_KEYS as readonly string[]).includes(key) && !key.startsWith('x-'))
      unsupported(key, 'unknown key ignored');
  }
  parseOvirt(file, config);
  return config;
}

export interface LoadVvOptions extends VvParseOptions {
  env?: Record<string, string | undefined>;
}

/**
 * Reads and parses a .vv file; if it asks for `delete-this-file=1` and VIRT_VIEWER_KEEP_FILE is not set,
 * deletes it right after a successful parse (failure to delete is a note, as in remote-viewer). Then checks
 * the version requirement.
 */
export async function loadVvFile(path: string, options: LoadVvOptions = {}): Promise<ConnectionConfig> {
  const env = options.env ?? {};
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new SpiceError('config', `'${path}' is not a file`);
    if (info.size > VV_MAX_FILE_BYTES)
      throw new SpiceError(
        'config',
        `'${path}' is ${info.size} bytes; a connection file is at most ${VV_MAX_FILE_BYTES}`,
      );
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof SpiceError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file (a .vv file with delete-this-file=1 can be opened only once — download a new one)'
        : code === 'EACCES'
          ? 'permission denied'
          : String((e as Error).message);
    throw new SpiceError('config', `cannot read connection file '${path}': ${reason}`, { cause: e });
  }
  let config: ConnectionConfig;
  try {
    config = parseVvFile(text, options);
  } catch (e) {
    if (e instanceof SpiceError) throw new SpiceError(e.code, `${path}: ${e.message}`, { cause: e });
    throw e;
  }
  if (config.deleteThisFile) {
    if (env.VIRT_VIEWER_KEEP_FILE !== undefined) {
      config.notes.push(`kept ${path} although it asks to be deleted (VIRT_VIEWER_KEEP_FILE is set)`);
    } else {
      try {
        await unlink(path);
        config.notes.push(
          `deleted ${path} as it asks (delete-this-file=1); set VIRT_VIEWER_KEEP_FILE=1 to keep it`,
        );
      } catch (e) {
        config.notes.push(`could not delete ${path} as it asks: ${(e as Error).message}`);
      }
    }
  }
  checkVvVersion(config);
  return config;
}
