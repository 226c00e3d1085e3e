// The gateway's RSA key pair: `saffron gateway --generate-key DIR` writes gateway-key.pem (PKCS#8, mode 0600) and
// gateway-pub.pem (SPKI, for clients to pin); `--key FILE` loads the private key.
import { createPrivateKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SpiceError } from '../spice/errors';
import { checkRsaKey } from '../spice/transport/udpack/handshake';

export const PRIVATE_KEY_FILE = 'gateway-key.pem';
export const PUBLIC_KEY_FILE = 'gateway-pub.pem';
export const DEFAULT_KEY_BITS = 3072;

const generate = promisify(generateKeyPair);

/** Writes a new key pair into `dir`; refuses to overwrite existing files. Returns both paths. */
export async function generateGatewayKeys(
  dir: string,
  bits = DEFAULT_KEY_BITS,
): Promise<{ privatePath: string; publicPath: string }> {
  const { privateKey, publicKey } = await generate('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const privatePath = join(dir, PRIVATE_KEY_FILE);
  const publicPath = join(dir, PUBLIC_KEY_FILE);
  const write = async (path: string, text: string, mode: number): Promise<void> => {
    let handle;
    try {
      handle = await open(path, 'wx', mode);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new SpiceError(
        'config',
        code === 'EEXIST'
          ? `${path} already exists — remove it first (clients pinned to the old key would stop working)`
          : `cannot write ${path}: ${(e as Error).message}`,
        { cause: e },
      );
    }
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
  };
  await write(privatePath, privateKey, 0o600);
  await write(publicPath, publicKey, 0o644);
  return { privatePath, publicPath };
}

/** Loads the gateway's private key (PEM, RSA ≥ 2048 bits). SpiceError('config') otherwise. */
export async function loadGatewayPrivateKey(path: string): Promise<KeyObject> {
  let text: string;
  try {
    const info = await stat(path);
    if (info.size > 64 * 1024) throw new SpiceError('config', `${path} is too large to be a key`);
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof SpiceError) throw e;
    throw new SpiceError('config', `cannot read the gateway key '${path}': ${(e as Error).message}`, {
      cause: e,
    });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch (e) {
    throw new SpiceError(
      'config',
      `'${path}' is not a PEM private key (create one with 'saffron gateway --generate-key DIR')`,
      { cause: e },
    );
  }
  checkRsaKey(key, `'${path}'`);
  return key;
}
