// The .vv extension keys for a UDPack gateway (x- keys, as virt-viewer reserves for extensions; docs/udpack.md):
//   x-udpack-gateway=HOST:PORT      every channel goes through this gateway
//   x-udpack-public-key=PEM         the gateway's public key, inline (\n escapes as GKeyFile writes them)
//   x-udpack-token=TOKEN            the token the gateway checks
import { SpiceError } from '../errors';
import type { ConnectionConfig } from './config';
import type { KeyFile } from './key-file';
import { parsePort } from './uri';

export const VV_UDPACK_KEYS = ['x-udpack-gateway', 'x-udpack-public-key', 'x-udpack-token'] as const;

function vvError(problem: string): SpiceError {
  return new SpiceError('config', `invalid connection file: ${problem}`);
}

/** Splits "host:port", "[v6]:port". */
function gatewayAddress(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text.trim());
  const port = m ? parsePort(m[3] ?? '') : undefined;
  const host = m?.[1] ?? m?.[2];
  if (!m || port === undefined || host === undefined || /[\x00-\x1f\x7f]/.test(host))
    throw vvError(`x-udpack-gateway='${text.slice(0, 80)}' is not HOST:PORT (e.g. gateway.example:5999)`);
  return { host, port };
}

/**
 * Reads the x-udpack-* keys of `group` into `config`. Returns true when the file names a gateway (then the file's
 * host/port are not used: the gateway decides which SPICE server it reaches).
 */
export function readVvUdpack(file: KeyFile, group: string, config: ConnectionConfig): boolean {
  const gateway = file.getString(group, 'x-udpack-gateway');
  const pem = file.getString(group, 'x-udpack-public-key');
  const token = file.getString(group, 'x-udpack-token');
  if (gateway === undefined || gateway.trim() === '') {
    if (pem !== undefined || token !== undefined)
      config.unsupported.push({
        key: 'x-udpack-public-key / x-udpack-token',
        reason: 'ignored without x-udpack-gateway',
      });
    return false;
  }
  const { host, port } = gatewayAddress(gateway);
  config.host = host;
  config.port = port;
  config.udpack = { gatewayHost: host, gatewayPort: port };
  if (pem !== undefined && pem.trim() !== '') {
    if (!pem.includes('-----BEGIN PUBLIC KEY-----'))
      throw vvError("'x-udpack-public-key' does not contain a PEM public key (-----BEGIN PUBLIC KEY-----)");
    config.udpack.publicKeyPem = pem;
  }
  if (token !== undefined) config.udpack.token = token;
  for (const key of ['host', 'port', 'tls-port', 'unix-path'])
    if (file.has(group, key))
      config.notes.push(
        `${key} is not used: the UDPack gateway (x-udpack-gateway) decides which SPICE server it reaches`,
      );
  return true;
}
