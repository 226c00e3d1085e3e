// Packet protection for the UDPack data phase (docs/udpack.md §3): every DATA frame is
//   header(16) | packet number (u32, clear) | AEAD ciphertext of the records | tag(16)
// with the header and packet number as associated data. The client's [key, iv] from the handshake is expanded
// with HKDF-SHA256 into one key and IV per direction, bound to the 32-bit session id; the nonce is that IV XOR the
// packet number (QUIC's construction), so no nonce repeats within a direction. Keys rotate every 2^22 packets
// (an "epoch"), derived from the packet number alone, which keeps AES-GCM under its per-key packet limit without
// any signalling.
import { createCipheriv, createDecipheriv, hkdfSync, type CipherGCMTypes } from 'node:crypto';
import { HEADER_BYTES } from './header';

export const PN_BYTES = 4;
export const TAG_BYTES = 16;
export const NONCE_BYTES = 12;
/** Handshake IV length: the client sends 12 random bytes. */
export const IV_BYTES = 12;
/** Packets per key epoch (below RFC 9001's 2^23 confidentiality limit for AES-GCM). */
export const EPOCH_PACKETS = 2 ** 22;
/** Packet numbers are 32-bit; a session ends before it would wrap. */
export const MAX_PACKET_NUMBER = 0xffffffff;

export interface AeadAlgorithm {
  id: number;
  /** The name node:crypto knows. */
  cipher: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  keyBytes: number;
}

export const AEAD_AES_128_GCM: AeadAlgorithm = { id: 1, cipher: 'aes-128-gcm', keyBytes: 16 };
export const AEAD_CHACHA20_POLY1305: AeadAlgorithm = { id: 2, cipher: 'chacha20-poly1305', keyBytes: 32 };
export const AEAD_AES_256_GCM: AeadAlgorithm = { id: 3, cipher: 'aes-256-gcm', keyBytes: 32 };

export const AEAD_ALGORITHMS: readonly AeadAlgorithm[] = [
  AEAD_AES_128_GCM,
  AEAD_CHACHA20_POLY1305,
  AEAD_AES_256_GCM,
];

export function aeadById(id: number): AeadAlgorithm | undefined {
  return AEAD_ALGORITHMS.find((a) => a.id === id);
}

/** What the client chose and sent in the handshake. Never logged. */
export interface SessionSecrets {
  algorithm: AeadAlgorithm;
  key: Uint8Array;
  iv: Uint8Array;
}

export type Role = 'client' | 'gateway';

interface EpochKeys {
  epoch: number;
  key: Buffer;
  iv: Buffer;
}

class DirectionKeys {
  private cache: EpochKeys[] = [];
  constructor(
    private readonly secrets: SessionSecrets,
    private readonly label: string,
    private readonly sessionId: number,
  ) {}

  forEpoch(epoch: number): EpochKeys {
    const hit = this.cache.find((k) => k.epoch === epoch);
    if (hit) return hit;
    const { algorithm } = this.secrets;
    const info = Buffer.from(
      `udpack ${this.label} ${this.sessionId.toString(16).padStart(8, '0')} epoch ${epoch}`,
    );
    const okm = Buffer.from(
      hkdfSync('sha256', this.secrets.key, this.secrets.iv, info, algorithm.keyBytes + NONCE_BYTES),
    );
    const keys = { epoch, key: okm.subarray(0, algorithm.keyBytes), iv: okm.subarray(algorithm.keyBytes) };
    // Two epochs are enough: the current one and the one a reordered straggler may still use.
    this.cache = [keys, ...this.cache].slice(0, 2);
    return keys;
  }
}

function nonceFor(iv: Buffer, pn: number): Buffer {
  const nonce = Buffer.from(iv);
  nonce[8] = nonce[8]! ^ ((pn >>> 24) & 0xff);
  nonce[9] = nonce[9]! ^ ((pn >>> 16) & 0xff);
  nonce[10] = nonce[10]! ^ ((pn >>> 8) & 0xff);
  nonce[11] = nonce[11]! ^ (pn & 0xff);
  return nonce;
}

export interface OpenedPacket {
  packetNumber: number;
  body: Buffer;
}

/** Seals outgoing and opens incoming DATA payloads for one session and one side. */
export class PacketProtection {
  private readonly sendKeys: DirectionKeys;
  private readonly recvKeys: DirectionKeys;
  readonly algorithm: AeadAlgorithm;

  constructor(secrets: SessionSecrets, sessionId: number, role: Role) {
    if (secrets.key.length !== secrets.algorithm.keyBytes)
      throw new RangeError(`${secrets.algorithm.cipher} needs a ${secrets.algorithm.keyBytes}-byte key`);
    if (secrets.iv.length !== IV_BYTES) throw new RangeError(`the UDPack IV must be ${IV_BYTES} bytes`);
    this.algorithm = secrets.algorithm;
    const c2s = new DirectionKeys(secrets, 'client->gateway', sessionId >>> 0);
    const s2c = new DirectionKeys(secrets, 'gateway->client', sessionId >>> 0);
    this.sendKeys = role === 'client' ? c2s : s2c;
    this.recvKeys = role === 'client' ? s2c : c2s;
  }

  /** Bytes a payload adds around the records. */
  static readonly overheadBytes = PN_BYTES + TAG_BYTES;

  /**
   * Encrypts `body` into `datagram` (which already holds the 16-byte header with its final payload length) at
   * HEADER_BYTES. `datagram` must be HEADER_BYTES + PN_BYTES + body.length + TAG_BYTES long.
   */
  seal(datagram: Uint8Array, packetNumber: number, body: Uint8Array): void {
    const { key, iv } = this.sendKeys.forEpoch(Math.floor(packetNumber / EPOCH_PACKETS));
    const pnAt = HEADER_BYTES;
    datagram[pnAt] = (packetNumber >>> 24) & 0xff;
    datagram[pnAt + 1] = (packetNumber >>> 16) & 0xff;
    datagram[pnAt + 2] = (packetNumber >>> 8) & 0xff;
    datagram[pnAt + 3] = packetNumber & 0xff;
    const cipher = createCipheriv(this.algorithm.cipher as CipherGCMTypes, key, nonceFor(iv, packetNumber), {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(datagram.subarray(0, pnAt + PN_BYTES), { plaintextLength: body.length });
    const encrypted = cipher.update(body);
    cipher.final();
    datagram.set(encrypted, pnAt + PN_BYTES);
    datagram.set(cipher.getAuthTag(), pnAt + PN_BYTES + body.length);
  }

  /** Reads the packet number without decrypting (for the replay pre-check). Undefined when too short. */
  static packetNumberOf(payload: Uint8Array): number | undefined {
    if (payload.length < PN_BYTES + TAG_BYTES) return undefined;
    return ((payload[0]! << 24) | (payload[1]! << 16) | (payload[2]! << 8) | payload[3]!) >>> 0;
  }

  /** Authenticates and decrypts a DATA payload; undefined when it does not authenticate. */
  open(headerBytes: Uint8Array, payload: Uint8Array): OpenedPacket | undefined {
    const packetNumber = PacketProtection.packetNumberOf(payload);
    if (packetNumber === undefined) return undefined;
    const { key, iv } = this.recvKeys.forEpoch(Math.floor(packetNumber / EPOCH_PACKETS));
    const ciphertext = payload.subarray(PN_BYTES, payload.length - TAG_BYTES);
    const tag = payload.subarray(payload.length - TAG_BYTES);
    const aad = new Uint8Array(HEADER_BYTES + PN_BYTES);
    aad.set(headerBytes.subarray(0, HEADER_BYTES));
    aad.set(payload.subarray(0, PN_BYTES), HEADER_BYTES);
    try {
      const decipher = createDecipheriv(
        this.algorithm.cipher as CipherGCMTypes,
        key,
        nonceFor(iv, packetNumber),
        {
          authTagLength: TAG_BYTES,
        },
      );
      decipher.setAAD(aad, { plaintextLength: ciphertext.length });
      decipher.setAuthTag(tag);
      const body = decipher.update(ciphertext);
      decipher.final();
      return { packetNumber, body };
    } catch {
      return undefined;
    }
  }
}
