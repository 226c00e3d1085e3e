// Turns what the user gave (a spice:// URI or a .vv path, plus CLI/app options and the environment) into one
// ConnectionConfig. Precedence, as in remote-viewer/spice-gtk: explicit option > URI/.vv > SPICE_PROXY.
import { SpiceError } from '../errors';
import type { ConnectionConfig } from './config';
import { parseProxyUrl } from './proxy-url';
import { isSpiceUri, parseSpiceUri, redactUri } from './uri';
import type { VvCapabilities } from './vv-file';
import { loadVvFile } from './vv-file';

export interface ResolveOptions {
  password?: string;
  /** Proxy URL (http://[user:pass@]host[:port]); '' disables any proxy from the file or SPICE_PROXY. */
  proxy?: string;
  /** PEM CA bundle file; used unless the .vv carries an inline `ca`. */
  caFile?: string;
  hostSubject?: string;
  tlsCiphers?: string;
  /** Channel types to force onto TLS ('all' or SPICE_CHANNEL_* values), added to the file's. */
  secureChannels?: 'all' | number[];
  /** The UDPack gateway's public key file (wins over the .vv's inline key and SAFFRON_UDPACK_PUBLIC_KEY). */
  udpackPublicKeyFile?: string;
  /** The UDPack token (wins over the .vv's x-udpack-token and SAFFRON_UDPACK_TOKEN). */
  udpackToken?: string;
  /** Video codecs allowed, in order of preference (SPICE_VIDEO_CODEC_TYPE_*; [] = none). */
  videoCodecs?: number[];
  env: Record<string, string | undefined>;
  capabilities?: VvCapabilities;
}

/**
 * A SPICE address written without its two slashes ("spice:/host:5900", "spice:host:5900", "spice+tls:h:p"):
 * the corrected form, or undefined when `arg` does not look like one.
 */
export function mistypedSpiceUri(arg: string): string | undefined {
  const m = /^(spice(?:\+tls|\+unix)?):\/?(?!\/)(.+)$/i.exec(arg);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;
  return scheme === 'spice+unix' ? `spice+unix:///${rest.replace(/^\/+/, '')}` : `${scheme}://${rest}`;
}

/** Does this argument look like a .vv file path rather than a URI? */
export function isVvPath(arg: string): boolean {
  return !isSpiceUri(arg) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(arg);
}

export async function resolveTarget(arg: string, opts: ResolveOptions): Promise<ConnectionConfig> {
  const target = arg.trim();
  if (target === '')
    throw new SpiceError('config', 'no connection given — pass spice://HOST:PORT or a .vv file');
  let config: ConnectionConfig;
  const fixed = mistypedSpiceUri(target);
  if (fixed !== undefined)
    throw new SpiceError(
      'config',
      `'${redactUri(target)}' looks like a mistyped SPICE URI — did you mean ${redactUri(fixed)} ?`,
    );
  if (isSpiceUri(target)) config = parseSpiceUri(target);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target))
    throw new SpiceError(
      'config',
      `'${target.split('://')[0] ?? ''}://' addresses are not supported — use spice://, spice+tls://, spice+unix://, ` +
        'spice+udpack:// or a .vv file',
    );
  else {
    const loadOptions = opts.capabilities
      ? { env: opts.env, capabilities: opts.capabilities }
      : { env: opts.env };
    try {
      config = await loadVvFile(target, loadOptions);
    } catch (e) {
      // "127.0.0.1:5900" is almost certainly an address without its scheme, not a missing file.
      const missing = (e as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT';
      if (missing && /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+):\d{1,5}$/i.test(target))
        throw new SpiceError(
          'config',
          `'${target}' is neither a connection file nor a SPICE address — did you mean spice://${target}?`,
          { cause: e },
        );
      // "localhost", "myvm", "10.0.0.5": a host name without scheme and port, not a file.
      if (
        missing &&
        /^(\[[0-9a-f:.]+\]|[a-z0-9_-]+(\.[a-z0-9_-]+)*)$/i.test(target) &&
        !/\.vv$/i.test(target)
      )
        throw new SpiceError(
          'config',
          `'${target}' is neither a connection file nor a SPICE URI — it looks like a host name, and a SPICE ` +
            `URI needs its scheme and port: did you mean spice://${target}:5900 ?`,
          { cause: e },
        );
      throw e;
    }
  }
  return applyOverrides(config, opts);
}

/** Applies CLI/app options and SPICE_PROXY to a parsed config (returns a new object). */
export function applyOverrides(base: ConnectionConfig, opts: ResolveOptions): ConnectionConfig {
  const config: ConnectionConfig = { ...base, notes: [...base.notes], unsupported: [...base.unsupported] };
  if (opts.password !== undefined) config.password = opts.password;
  if (opts.proxy !== undefined) {
    if (opts.proxy.trim() === '') delete config.proxy;
    else config.proxy = parseProxyUrl(opts.proxy);
  } else if (config.proxy === undefined) {
    const envProxy = opts.env.SPICE_PROXY;
    if (envProxy !== undefined && envProxy.trim() !== '') {
      try {
        config.proxy = parseProxyUrl(envProxy);
      } catch (e) {
        throw new SpiceError('config', `SPICE_PROXY: ${(e as Error).message}`, { cause: e });
      }
    }
  }
  if (config.proxy && config.unixPath !== undefined) {
    config.notes.push('the proxy is not used for a UNIX socket connection');
    delete config.proxy;
  }
  applyUdpackOverrides(config, opts);
  if (opts.caFile !== undefined) {
    if (config.ca !== undefined)
      config.notes.push('the CA carried in the connection file wins over --ca-file');
    else config.caFile = opts.caFile;
  }
  if (opts.hostSubject !== undefined) config.hostSubject = opts.hostSubject;
  if (opts.tlsCiphers !== undefined) config.tlsCiphers = opts.tlsCiphers;
  if (opts.secureChannels !== undefined) {
    if (opts.secureChannels === 'all' || config.secureChannels === 'all') config.secureChannels = 'all';
    else config.secureChannels = [...new Set([...config.secureChannels, ...opts.secureChannels])];
  }
  if (opts.videoCodecs !== undefined) config.videoCodecs = [...opts.videoCodecs];
  return config;
}

/** UDPack key and token: option > connection file > environment. Refuses UDPack options without a gateway. */
function applyUdpackOverrides(config: ConnectionConfig, opts: ResolveOptions): void {
  if (!config.udpack) {
    if (opts.udpackPublicKeyFile !== undefined || opts.udpackToken !== undefined)
      throw new SpiceError(
        'config',
        '--udpack-public-key and --udpack-token apply only to spice+udpack://GATEWAY:PORT or a .vv file with ' +
          'x-udpack-gateway',
      );
    return;
  }
  const udpack = { ...config.udpack };
  if (opts.udpackPublicKeyFile !== undefined) {
    if (udpack.publicKeyPem !== undefined)
      config.notes.push('--udpack-public-key wins over the public key carried in the connection file');
    delete udpack.publicKeyPem;
    udpack.publicKeyFile = opts.udpackPublicKeyFile;
  } else if (udpack.publicKeyPem === undefined && udpack.publicKeyFile === undefined) {
    const envKey = opts.env.SAFFRON_UDPACK_PUBLIC_KEY;
    if (envKey !== undefined && envKey.trim() !== '') udpack.publicKeyFile = envKey;
  }
  if (opts.udpackToken !== undefined) udpack.token = opts.udpackToken;
  else if (udpack.token === undefined && opts.env.SAFFRON_UDPACK_TOKEN !== undefined)
    udpack.token = opts.env.SAFFRON_UDPACK_TOKEN;
  config.udpack = udpack;
  if (config.proxy) {
    config.notes.push(
      'the HTTP proxy is not used: UDPack talks UDP to its gateway, which HTTP CONNECT cannot carry',
    );
    delete config.proxy;
  }
}
