// spice:// URI parsing (spice-common docs/spice_uri_scheme.txt; REFERENCES G34):
//   spice://host:port            plain port          spice+tls://host:port   TLS port
//   spice+unix:///path/to/socket UNIX socket         ?port=&tls-port=&password= (keys case-insensitive)
//   spice+udpack://gateway:port  a UDPack gateway in front of the server (docs/udpack.md)
// IPv6 literals are bracketed ("spice://[::1]:5900"). Values are percent-decoded ('+' stays '+').
import { SpiceError } from '../errors';
import { emptyConfig } from './config';
import type { ConnectionConfig } from './config';

const MAX_URI_LENGTH = 8192;

function configError(uri: string, problem: string): SpiceError {
  return new SpiceError(
    'config',
    `invalid SPICE URI '${redactUri(uri)}': ${problem} — expected spice://HOST:PORT, spice+tls://HOST:PORT, ` +
      `spice+unix:///PATH, spice+udpack://GATEWAY:PORT or spice://HOST?port=P&tls-port=T`,
  );
}

/** The URI with any password= value hidden, for messages and logs. The key is compared decoded and
 * case-insensitively (`pass%77ord=` is the password too). */
export function redactUri(uri: string): string {
  return uri.replace(/([?&;])([^&;#=]*)=([^&;#]*)/g, (whole, sep: string, key: string) => {
    let name = key;
    try {
      name = decodeURIComponent(key);
    } catch {
      // undecodable: compare as written
    }
    return name.toLowerCase() === 'password' ? `${sep}${key}=<redacted>` : whole;
  });
}

function decode(uri: string, value: string, what: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw configError(uri, `bad percent-encoding in ${what}`);
  }
}

/** Parses a decimal TCP port 1..65535 (the text must be all digits). */
export function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** True if `arg` looks like a spice URI (so callers can tell URIs from .vv paths). */
export function isSpiceUri(arg: string): boolean {
  return /^spice(\+tls|\+unix|\+udpack)?:\/\//i.test(arg.trim());
}

export function parseSpiceUri(uri: string): ConnectionConfig {
  if (uri.length > MAX_URI_LENGTH)
    throw new SpiceError('config', `SPICE URI is longer than ${MAX_URI_LENGTH} characters`);
  const match = /^(spice|spice\+tls|spice\+unix|spice\+udpack):\/\/([^?#]*)(?:\?([^#]*))?(?:#.*)?$/i.exec(
    uri.trim(),
  );
  if (!match) throw configError(uri, 'unknown scheme or form');
  const scheme = (match[1] ?? '').toLowerCase();
  const rest = match[2] ?? '';
  const query = match[3];
  const config = emptyConfig();

  const params = new Map<string, string>();
  if (query !== undefined && query !== '') {
    for (const part of query.split(/[&;]/)) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const key = decode(uri, eq < 0 ? part : part.slice(0, eq), 'a query key').toLowerCase();
      const value = eq < 0 ? '' : decode(uri, part.slice(eq + 1), `the value of '${key}'`);
      if (key !== 'port' && key !== 'tls-port' && key !== 'password')
        throw configError(uri, `unknown query key '${key}' (only port, tls-port and password are defined)`);
      if (params.has(key)) throw configError(uri, `'${key}' is given twice`);
      params.set(key, value);
    }
  }
  const password = params.get('password');
  if (password !== undefined) config.password = password;

  if (scheme === 'spice+unix') {
    if (params.has('port') || params.has('tls-port'))
      throw configError(uri, 'spice+unix takes a socket path, not port or tls-port');
    const path = decode(uri, rest, 'the socket path');
    if (!path.startsWith('/'))
      throw configError(uri, 'the socket path must be absolute (spice+unix:///run/vm.sock)');
    config.unixPath = path;
    return config;
  }

  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  if (path !== '' && path !== '/') throw configError(uri, `unexpected path '${path}'`);
  if (authority.includes('@')) throw configError(uri, 'user names in the URI are not supported');

  let host: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) throw configError(uri, "IPv6 address without closing ']'");
    host = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw configError(uri, `unexpected '${after}' after the IPv6 address`);
      portText = after.slice(1);
    }
    if (!/^[0-9a-f:.]+(%[\w.-]+)?$/i.test(host)) throw configError(uri, `'${host}' is not an IPv6 address`);
    host = host.replace(/%25/, '%'); // RFC 6874 zone id: fe80::1%25eth0 → fe80::1%eth0
  } else {
    const colon = authority.lastIndexOf(':');
    if (colon >= 0) {
      if (authority.indexOf(':') !== colon)
        throw configError(uri, 'IPv6 addresses must be in brackets (spice://[::1]:5900)');
      host = authority.slice(0, colon);
      portText = authority.slice(colon + 1);
    } else host = authority;
    host = decode(uri, host, 'the host');
  }
  if (host === '') throw configError(uri, 'missing host');
  if (/[\s/?#@]/.test(host)) throw configError(uri, `'${host}' is not a valid host name`);
  config.host = host;

  let authorityPort: number | undefined;
  if (portText !== undefined && portText !== '') {
    authorityPort = parsePort(portText);
    if (authorityPort === undefined) throw configError(uri, `'${portText}' is not a port number (1-65535)`);
  }

  const queryPort = params.get('port');
  const queryTlsPort = params.get('tls-port');
  if (scheme === 'spice+tls' && (queryPort !== undefined || queryTlsPort !== undefined))
    throw configError(
      uri,
      'spice+tls takes the TLS port in the address (spice+tls://HOST:TLSPORT), not in the query',
    );
  const toPort = (text: string, key: string): number => {
    const port = parsePort(text);
    if (port === undefined) throw configError(uri, `${key}='${text}' is not a port number (1-65535)`);
    return port;
  };

  if (scheme === 'spice+udpack') {
    if (queryPort !== undefined || queryTlsPort !== undefined)
      throw configError(
        uri,
        'spice+udpack takes the gateway port in the address (spice+udpack://GATEWAY:PORT)',
      );
    if (authorityPort === undefined) throw configError(uri, "missing the gateway's UDP port");
    config.port = authorityPort;
    config.udpack = { gatewayHost: host, gatewayPort: authorityPort };
  } else if (scheme === 'spice+tls') {
    if (authorityPort === undefined) throw configError(uri, 'missing TLS port');
    config.tlsPort = authorityPort;
    config.secureChannels = 'all';
  } else {
    if (authorityPort !== undefined && queryPort !== undefined)
      throw configError(uri, 'the port is given both in the address and as ?port=');
    const port = authorityPort ?? (queryPort !== undefined ? toPort(queryPort, 'port') : undefined);
    if (port !== undefined) config.port = port;
    if (queryTlsPort !== undefined) config.tlsPort = toPort(queryTlsPort, 'tls-port');
    if (config.port === undefined && config.tlsPort === undefined) throw configError(uri, 'missing port');
  }
  return config;
}
