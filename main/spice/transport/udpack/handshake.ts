// The UDPack handshake frames as the specification gives them (docs/udpack.md §2):
//   client → gateway  opcode 0xA, session id = [client half | 0], payload RSA(gateway public key)[algorithm, key, iv, token]
//   gateway → client  opcode 0xB, session id = [client half | gateway half], payload [code]
//   client → gateway  opcode 0xB, full session id, payload [0]
// codes: 0 success, 1 authentication failed, 0xFF (-1) failure. RSA is OAEP with SHA-256; the gateway key is at
// least 2048 bits. The plaintext layout of [algorithm, key, iv, token] is
//   u8 algorithm id | u8 key length | key | u8 iv length | iv | u16 token length (BE) | token (UTF-8)
import {
  constants,
  createHash,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
  type KeyObject,
} from 'node:crypto';
import { SpiceError } from '../../errors';
import { ProtocolError } from '../../errors';
import { OPCODE_HANDSHAKE, OPCODE_HELLO, encodeFrame } from './header';
import { IV_BYTES, aeadById, type SessionSecrets } from './protection';

export const HANDSHAKE_OK = 0;
export const HANDSHAKE_AUTH_FAILED = 1;
export const HANDSHAKE_FAILED = 0xff;

export const MIN_RSA_BITS = 2048;
/** Longest token (bytes of UTF-8); fits OAEP-SHA256 under a 2048-bit key with a 32-byte key. */
export const MAX_TOKEN_BYTES = 128;

const OAEP = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' } as const;

export interface HelloPayload extends SessionSecrets {
  token: string;
}

export function encodeHelloPayload(hello: HelloPayload): Uint8Array {
  const token = Buffer.from(hello.token, 'utf8');
  if (token.length > MAX_TOKEN_BYTES)
    throw new SpiceError(
      'config',
      `the UDPack token is ${token.length} bytes; at most ${MAX_TOKEN_BYTES} are allowed`,
    );
  const out = Buffer.alloc(1 + 1 + hello.key.length + 1 + hello.iv.length + 2 + token.length);
  let p = 0;
  out[p++] = hello.algorithm.id;
  out[p++] = hello.key.length;
  out.set(hello.key, p);
  p += hello.key.length;
  out[p++] = hello.iv.length;
  out.set(hello.iv, p);
  p += hello.iv.length;
  out.writeUInt16BE(token.length, p);
  p += 2;
  out.set(token, p);
  return out;
}

/** Strict parse of the decrypted hello; ProtocolError for anything unexpected (unknown algorithm, bad lengths). */
export function decodeHelloPayload(bytes: Uint8Array): HelloPayload {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 0;
  const need = (n: number): void => {
    if (p + n > b.length) throw new ProtocolError('UDPack hello truncated');
  };
  need(2);
  const algorithm = aeadById(b[p++]!);
  if (!algorithm) throw new ProtocolError(`UDPack hello names unknown algorithm ${b[p - 1]}`);
  const keyLength = b[p++]!;
  if (keyLength !== algorithm.keyBytes)
    throw new ProtocolError(`UDPack hello key of ${keyLength} bytes for ${algorithm.cipher}`);
  need(keyLength + 1);
  const key = Uint8Array.from(b.subarray(p, p + keyLength));
  p += keyLength;
  const ivLength = b[p++]!;
  if (ivLength !== IV_BYTES) throw new ProtocolError(`UDPack hello IV of ${ivLength} bytes`);
  need(ivLength + 2);
  const iv = Uint8Array.from(b.subarray(p, p + ivLength));
  p += ivLength;
  const tokenLength = b.readUInt16BE(p);
  p += 2;
  if (tokenLength > MAX_TOKEN_BYTES) throw new ProtocolError(`UDPack hello token of ${tokenLength} bytes`);
  need(tokenLength);
  const token = b.subarray(p, p + tokenLength).toString('utf8');
  p += tokenLength;
  if (p !== b.length) throw new ProtocolError('UDPack hello has trailing bytes');
  return { algorithm, key, iv, token };
}

/** Parses and checks a gateway public key (PEM): RSA, at least MIN_RSA_BITS. SpiceError('config') otherwise. */
export function loadGatewayPublicKey(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (e) {
    throw new SpiceError(
      'config',
      `${source} is not a PEM public key (expected the gateway-pub.pem written by 'saffron gateway --generate-key')`,
      { cause: e },
    );
  }
  checkRsaKey(key, source);
  return key;
}

export function checkRsaKey(key: KeyObject, source: string): void {
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa')
    throw new SpiceError(
      'config',
      `${source} is a ${key.asymmetricKeyType ?? 'non-RSA'} key; UDPack uses RSA`,
    );
  if (bits < MIN_RSA_BITS)
    throw new SpiceError(
      'config',
      `${source} is a ${bits}-bit RSA key; UDPack needs at least ${MIN_RSA_BITS} bits`,
    );
}

/** "SHA256:<base64>" of the key's SubjectPublicKeyInfo, for logs and for users comparing keys. */
export function keyFingerprint(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

export function encryptHello(publicKey: KeyObject, hello: HelloPayload): Uint8Array {
  return publicEncrypt({ key: publicKey, ...OAEP }, encodeHelloPayload(hello));
}

/** Decrypts with the gateway's private key; undefined when the ciphertext does not decrypt (wrong key, garbage). */
export function decryptHello(privateKey: KeyObject, ciphertext: Uint8Array): Uint8Array | undefined {
  try {
    return privateDecrypt({ key: privateKey, ...OAEP }, ciphertext);
  } catch {
    return undefined;
  }
}

export function helloFrame(clientHalf: number, timestampMs: number, ciphertext: Uint8Array): Uint8Array {
  return encodeFrame(
    { sessionId: (clientHalf & 0xffff) << 16, timestampMs, flags: 0, opcode: OPCODE_HELLO },
    ciphertext,
  );
}

export function handshakeFrame(sessionId: number, timestampMs: number, code: number): Uint8Array {
  return encodeFrame({ sessionId, timestampMs, flags: 0, opcode: OPCODE_HANDSHAKE }, Uint8Array.of(code));
}
