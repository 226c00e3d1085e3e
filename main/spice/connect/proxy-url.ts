// Parses an HTTP CONNECT proxy address as remote-viewer and spice-gtk accept it (.vv `proxy=`, SPICE_PROXY,
// --proxy): `http://[user[:password]@]host[:port]`, or `host[:port]` with no scheme. Default port 3128.
import { SpiceError } from '../errors';
import type { ProxyConfig } from './config';
import { parsePort } from './uri';

export const DEFAULT_PROXY_PORT = 3128;

function proxyError(problem: string): SpiceError {
  return new SpiceError(
    'config',
    `invalid proxy address: ${problem} — expected http://[USER:PASSWORD@]HOST[:PORT]`,
  );
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw proxyError('bad percent-encoding in the user name or password');
  }
}

/** The proxy URL with its password hidden, for messages. */
export function redactProxyUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:@/]*:)[^@/]*@/i, '$1<redacted>@');
}

export function parseProxyUrl(url: string): ProxyConfig {
  let rest = url.trim();
  if (rest.length > 2048) throw proxyError('longer than 2048 characters');
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(rest);
  if (schemeMatch) {
    const scheme = (schemeMatch[1] ?? '').toLowerCase();
    if (scheme === 'https')
      throw new SpiceError(
        'config',
        'HTTPS proxies (TLS to the proxy itself) are not supported — use an http:// proxy; the SPICE traffic inside is still TLS when tls-port is used',
      );
    if (scheme !== 'http')
      throw proxyError(`unsupported scheme '${scheme}' (only HTTP CONNECT proxies are supported)`);
    rest = rest.slice(schemeMatch[0].length);
  }
  rest = rest.replace(/\/$/, '');
  if (rest.includes('/')) throw proxyError('a path is not allowed');
  const proxy: ProxyConfig = { scheme: 'http', host: '', port: DEFAULT_PROXY_PORT };
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    proxy.username = decode(colon < 0 ? userinfo : userinfo.slice(0, colon));
    if (colon >= 0) proxy.password = decode(userinfo.slice(colon + 1));
  }
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw proxyError("IPv6 address without closing ']'");
    proxy.host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw proxyError(`unexpected '${after}' after the IPv6 address`);
      portText = after.slice(1);
    }
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0 && rest.indexOf(':') !== colon) throw proxyError('IPv6 addresses must be in brackets');
    proxy.host = colon < 0 ? rest : rest.slice(0, colon);
    if (colon >= 0) portText = rest.slice(colon + 1);
  }
  if (proxy.host === '') throw proxyError('missing host');
  if (/[\s@/?#]/.test(proxy.host)) throw proxyError(`'${proxy.host}' is not a valid host name`);
  if (portText !== undefined) {
    const port = parsePort(portText);
    if (port === undefined) throw proxyError(`'${portText}' is not a port number (1-65535)`);
    proxy.port = port;
  }
  return proxy;
}
