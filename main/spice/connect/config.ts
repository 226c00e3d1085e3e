// ConnectionConfig: everything needed to reach one SPICE server and present it, as plain data. Built from a
// spice:// URI (uri.ts), a .vv file (vv-file.ts) and CLI/app overrides (resolve.ts); consumed by the stream
// opener (transport/opener.ts) and the session. Passwords live here; use `describeConfig`/`redactConfig` for logs.
import { isIPv6 } from 'node:net';
import { CHANNEL_TYPE_NAMES } from '../channels/channel-names';

/** Name ("display", case-insensitive) → SPICE_CHANNEL_*, as remote-viewer's secure/disable-channels use them. */
export function channelTypeOf(name: string): number | undefined {
  const key = name.trim().toLowerCase();
  for (const [type, typeName] of Object.entries(CHANNEL_TYPE_NAMES))
    if (typeName === key) return Number(type);
  return undefined;
}

export interface ProxyConfig {
  /** Only HTTP CONNECT is implemented; 'https' (TLS to the proxy itself) is reported as unsupported. */
  scheme: 'http';
  host: string;
  port: number;
  username?: string;
  password?: string;
}

/** Hotkey strings exactly as given (e.g. "shift+f11"); the app parses them. Absent = the app's default. */
export interface HotkeyConfig {
  toggleFullscreen?: string;
  releaseCursor?: string;
  zoomIn?: string;
  zoomOut?: string;
  zoomReset?: string;
  smartcardInsert?: string;
  smartcardRemove?: string;
  secureAttention?: string;
  usbDeviceReset?: string;
}

export interface UsbConfig {
  enableUsbredir?: boolean;
  autoshare?: boolean;
  /** Auto-connect filter, `class,vendor,product,version,allow|…` (usbredir filter syntax). */
  filter?: string;
  /** Filter for devices already plugged in, redirected once connected. */
  redirectOnConnect?: string;
}

/** The `[ovirt]` group of a .vv file, parsed and reported (no oVirt REST integration yet). */
export interface OvirtConfig {
  host?: string;
  vmGuid?: string;
  jsessionid?: string;
  ssoToken?: string;
  ca?: string;
  admin?: boolean;
}

/** A .vv key we read but do not act on; shown to the user as a warning. */
export interface UnsupportedSetting {
  key: string;
  reason: string;
}

/** Minimum client version demanded by a .vv file (`version` / `versions`), and whether we satisfy it. */
export interface VersionRequirement {
  required: string;
  newerVersionUrl?: string;
}

/** A UDPack gateway in front of the SPICE server (spice+udpack:// or the .vv's x-udpack-* keys; docs/udpack.md). */
export interface UdpackConfig {
  gatewayHost: string;
  gatewayPort: number;
  /** The gateway's RSA public key, PEM (inline from a .vv); wins over publicKeyFile. */
  publicKeyPem?: string;
  /** Path to the gateway's public key (--udpack-public-key, SAFFRON_UDPACK_PUBLIC_KEY). */
  publicKeyFile?: string;
  /** The token the gateway checks. Never logged. */
  token?: string;
}

export interface ConnectionConfig {
  /** Host name or IP literal (no brackets). '' when `unixPath` is used. For Proxmox: an opaque token for the proxy. */
  host: string;
  /** Plain TCP port. */
  port?: number;
  /** TLS port. */
  tlsPort?: number;
  /** UNIX socket path (mutually exclusive with host/port/tlsPort). */
  unixPath?: string;
  password?: string;
  username?: string;
  /** Channels that must use TLS: 'all' or a list of SPICE_CHANNEL_* values. */
  secureChannels: 'all' | number[];
  /** Channels never opened: SPICE_CHANNEL_* values. */
  disableChannels: number[];
  /** Inline PEM CA bundle (from .vv `ca`); wins over caFile. */
  ca?: string;
  /** Path to a PEM CA bundle. Neither ca nor caFile: the system store. */
  caFile?: string;
  /** Expected certificate subject, `C=..,O=..,CN=..`; replaces the host-name check. */
  hostSubject?: string;
  /** OpenSSL cipher list. */
  tlsCiphers?: string;
  proxy?: ProxyConfig;
  /** Every channel goes through this UDPack gateway (host/port then name the gateway). */
  udpack?: UdpackConfig;
  title?: string;
  fullscreen?: boolean;
  hotkeys: HotkeyConfig;
  usb: UsbConfig;
  enableSmartcard?: boolean;
  /** 16 or 32 (guest agent display depth request). */
  colorDepth?: number;
  /** wallpaper, font-smooth, animation, all. */
  disableEffects?: string[];
  version?: VersionRequirement;
  /**
   * Video codecs the display may use, in order of preference (SPICE_VIDEO_CODEC_TYPE_*, from `--video-codecs`);
   * [] = no video streams (the server sends images); absent = every codec the viewer plays, server's order.
   */
  videoCodecs?: number[];
  /** The .vv file asked to be deleted after reading (done by loadVvFile). */
  deleteThisFile: boolean;
  /** Settings read but not acted on, for warnings. */
  unsupported: UnsupportedSetting[];
  /** Informational messages for the user (e.g. "deleted file.vv as it requested"). */
  notes: string[];
  ovirt?: OvirtConfig;
}

/** A config with no target yet: defaults for every collection field. */
export function emptyConfig(): ConnectionConfig {
  return {
    host: '',
    secureChannels: [],
    disableChannels: [],
    hotkeys: {},
    usb: {},
    deleteThisFile: false,
    unsupported: [],
    notes: [],
  };
}

/**
 * Brackets IPv6 literals for "host:port" display and HTTP CONNECT targets. Other hosts with colons (the
 * Proxmox `pvespiceproxy:…` token) stay as they are: the proxy splits at the last colon.
 */
export function hostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Human-readable target with no secrets: "host:port (tls 5901)", "unix:/path", "… via proxy p:3128". */
export function describeConfig(config: ConnectionConfig): string {
  let target: string;
  if (config.unixPath !== undefined) target = `unix:${config.unixPath}`;
  else if (config.port !== undefined && config.tlsPort !== undefined)
    target = `${hostPort(config.host, config.port)} (TLS port ${config.tlsPort})`;
  else if (config.port !== undefined) target = hostPort(config.host, config.port);
  else if (config.tlsPort !== undefined) target = `${hostPort(config.host, config.tlsPort)} (TLS)`;
  else target = config.host;
  if (config.udpack)
    target = `${hostPort(config.udpack.gatewayHost, config.udpack.gatewayPort)} (UDPack gateway)`;
  if (config.proxy) target += ` via proxy ${hostPort(config.proxy.host, config.proxy.port)}`;
  return target;
}

/** A copy safe to log or store (recent connections): passwords and proxy credentials removed. */
export function redactConfig(config: ConnectionConfig): ConnectionConfig {
  const copy: ConnectionConfig = { ...config };
  if (copy.password !== undefined) copy.password = '<redacted>';
  if (copy.proxy) {
    const proxy = { ...copy.proxy };
    if (proxy.password !== undefined) proxy.password = '<redacted>';
    copy.proxy = proxy;
  }
  if (copy.udpack?.token !== undefined) copy.udpack = { ...copy.udpack, token: '<redacted>' };
  if (copy.ovirt) {
    const ovirt = { ...copy.ovirt };
    if (ovirt.jsessionid !== undefined) ovirt.jsessionid = '<redacted>';
    if (ovirt.ssoToken !== undefined) ovirt.ssoToken = '<redacted>';
    copy.ovirt = ovirt;
  }
  return copy;
}

/** A copy with every secret removed entirely (for recent-connection lists that must not hold them at all). */
export function withoutSecrets(config: ConnectionConfig): ConnectionConfig {
  const { password: _password, ...rest } = config;
  const copy: ConnectionConfig = { ...rest };
  if (copy.proxy) {
    const { password: _proxyPassword, ...proxy } = copy.proxy;
    copy.proxy = proxy;
  }
  if (copy.udpack) {
    const { token: _token, ...udpack } = copy.udpack;
    copy.udpack = udpack;
  }
  if (copy.ovirt) {
    const { jsessionid: _j, ssoToken: _s, ...ovirt } = copy.ovirt;
    copy.ovirt = ovirt;
  }
  return copy;
}
