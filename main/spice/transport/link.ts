// The SPICE link stage for one channel (REFERENCES G1-G6): SpiceLinkHeader + packed SpiceLinkMess + caps,
// SpiceLinkReply, auth mechanism selection, the RSA-OAEP(SHA-1) encrypted ticket, and the bare u32 link result.
// Every SPICE_LINK_ERR_* becomes a SpiceError whose message says what to do.

import { constants as cryptoConstants, createPublicKey, publicEncrypt } from 'node:crypto';
import { ProtocolError, SpiceError } from '../errors';
import * as E from '../protocol/enums';
import {
  SPICE_COMMON_CAP_AUTH_SASL,
  SPICE_COMMON_CAP_AUTH_SPICE,
  SPICE_COMMON_CAP_MINI_HEADER,
  SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION,
  SPICE_ENCRYPTED_TICKET_BYTES,
  SPICE_LINK_HEADER_BYTES,
  SPICE_LINK_MESS_BYTES,
  SPICE_LINK_REPLY_BYTES,
  SPICE_MAGIC,
  SPICE_MAX_PASSWORD_LENGTH,
  SPICE_TICKET_PUBKEY_BYTES,
  SPICE_VERSION_MAJOR,
  SPICE_VERSION_MINOR,
} from '../protocol/protocol';
import { SpiceReader } from '../wire/reader';
import { SpiceWriter } from '../wire/writer';
import type { ByteSource } from './byte-source';
import { capsHas, capsToWords } from './caps';

export interface LinkRequest {
  connectionId: number;
  channelType: number;
  channelId: number;
  /** Common cap bit numbers we offer. */
  commonCaps: number[];
  /** Channel cap bit numbers we offer. */
  channelCaps: number[];
}

export interface LinkReply {
  error: number;
  pubKey: Uint8Array;
  commonCaps: Uint32Array;
  channelCaps: Uint32Array;
}

export interface LinkResult {
  serverCommonCaps: Uint32Array;
  serverChannelCaps: Uint32Array;
  /** Both sides have MINI_HEADER: data messages use the 6-byte header. */
  miniHeader: boolean;
}

/** Largest link reply accepted (the server itself rejects link messages above 4096 bytes). */
const MAX_LINK_REPLY_BYTES = 4096;

/** The common caps this client always offers. */
export const CLIENT_COMMON_CAPS = [
  SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION,
  SPICE_COMMON_CAP_AUTH_SPICE,
  SPICE_COMMON_CAP_MINI_HEADER,
];

/** SpiceLinkHeader + SpiceLinkMess (packed, 18 bytes; caps_offset counts from the SpiceLinkMess start) + caps. */
export function encodeLinkMess(req: LinkRequest): Uint8Array {
  const common = capsToWords(req.commonCaps);
  const channel = capsToWords(req.channelCaps);
  const messBytes = SPICE_LINK_MESS_BYTES + 4 * (common.length + channel.length);
  const w = new SpiceWriter(SPICE_LINK_HEADER_BYTES + messBytes);
  w.u32(SPICE_MAGIC).u32(SPICE_VERSION_MAJOR).u32(SPICE_VERSION_MINOR).u32(messBytes);
  w.u32(req.connectionId).u8(req.channelType).u8(req.channelId);
  w.u32(common.length).u32(channel.length).u32(SPICE_LINK_MESS_BYTES);
  for (const word of common) w.u32(word);
  for (const word of channel) w.u32(word);
  return w.finish();
}

/** Parses the 16-byte SpiceLinkHeader of the server's reply; returns the reply size. */
export function decodeLinkHeader(bytes: Uint8Array): number {
  const r = new SpiceReader(bytes);
  const magic = r.u32();
  if (magic !== SPICE_MAGIC) {
    throw new SpiceError(
      'not-spice',
      'the server did not answer with the SPICE magic "REDQ": this is not a SPICE port',
    );
  }
  const major = r.u32();
  const minor = r.u32();
  const size = r.u32();
  if (major !== SPICE_VERSION_MAJOR) {
    throw new SpiceError(
      'version-mismatch',
      `the server speaks SPICE protocol ${major}.${minor}; this client speaks ${SPICE_VERSION_MAJOR}.${SPICE_VERSION_MINOR}`,
    );
  }
  if (size < 4 || size > MAX_LINK_REPLY_BYTES) {
    throw new ProtocolError(`link reply size ${size} out of range`);
  }
  return size;
}

/** Parses SpiceLinkReply (error, 162-byte public key, caps). An error reply carries no caps. */
export function decodeLinkReply(bytes: Uint8Array): LinkReply {
  const r = new SpiceReader(bytes);
  const error = r.u32();
  if (error !== E.SPICE_LINK_ERR_OK) {
    return {
      error,
      pubKey: new Uint8Array(0),
      commonCaps: new Uint32Array(0),
      channelCaps: new Uint32Array(0),
    };
  }
  const pubKey = r.bytesView(SPICE_TICKET_PUBKEY_BYTES);
  const numCommon = r.u32();
  const numChannel = r.u32();
  const capsOffset = r.u32();
  if (numCommon > 1024 || numChannel > 1024) throw new ProtocolError('link reply: too many caps');
  if (capsOffset < SPICE_LINK_REPLY_BYTES)
    throw new ProtocolError(`link reply: caps offset ${capsOffset} too small`);
  const caps = r.fork(capsOffset);
  caps.count(numCommon + numChannel, 4, 'link reply caps');
  const commonCaps = new Uint32Array(numCommon);
  for (let i = 0; i < numCommon; i++) commonCaps[i] = caps.u32();
  const channelCaps = new Uint32Array(numChannel);
  for (let i = 0; i < numChannel; i++) channelCaps[i] = caps.u32();
  return { error, pubKey, commonCaps, channelCaps };
}

/** RSA-OAEP (SHA-1, MGF1-SHA-1, no label) of `password + "\0"` under the server's DER SubjectPublicKeyInfo. */
export function encryptTicket(pubKey: Uint8Array, password: string): Uint8Array {
  const plain = Buffer.from(password + '\0', 'utf8');
  if (plain.length - 1 > SPICE_MAX_PASSWORD_LENGTH) {
    throw new SpiceError(
      'config',
      `the password is longer than SPICE allows (${SPICE_MAX_PASSWORD_LENGTH} bytes)`,
    );
  }
  let out: Buffer;
  try {
    const key = createPublicKey({ key: Buffer.from(pubKey), format: 'der', type: 'spki' });
    out = publicEncrypt(
      {
        key,
        padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: 'sha1',
      },
      plain,
    );
  } catch (e) {
    throw new ProtocolError('the server sent an unusable public key', { cause: e });
  }
  if (out.length !== SPICE_ENCRYPTED_TICKET_BYTES) {
    throw new ProtocolError(`the server's key is ${out.length * 8} bits; SPICE tickets need 1024`);
  }
  return out;
}

/** Maps a SPICE_LINK_ERR_* from the reply or the final link result to a SpiceError. */
export function linkError(code: number, channelName: string, passwordGiven: boolean): SpiceError {
  switch (code) {
    case E.SPICE_LINK_ERR_PERMISSION_DENIED:
      return passwordGiven
        ? new SpiceError(
            'auth-failed',
            'authentication failed: the server rejected the password — check it, or get a new ticket',
          )
        : new SpiceError('password-required', 'the server requires a password, and none was given');
    case E.SPICE_LINK_ERR_VERSION_MISMATCH:
      return new SpiceError(
        'version-mismatch',
        `the server rejected our protocol version on the ${channelName} channel`,
      );
    case E.SPICE_LINK_ERR_NEED_SECURED:
      return new SpiceError(
        'need-secured',
        `the server requires TLS for the ${channelName} channel: connect to its tls-port`,
      );
    case E.SPICE_LINK_ERR_NEED_UNSECURED:
      return new SpiceError(
        'need-unsecured',
        `the server requires a plain (non-TLS) connection for the ${channelName} channel`,
      );
    case E.SPICE_LINK_ERR_INVALID_MAGIC:
      return new SpiceError('link-refused', 'the server rejected our link message (invalid magic)');
    case E.SPICE_LINK_ERR_INVALID_DATA:
      return new SpiceError(
        'link-refused',
        `the server rejected our link message for the ${channelName} channel (invalid data)`,
      );
    case E.SPICE_LINK_ERR_BAD_CONNECTION_ID:
      return new SpiceError(
        'link-refused',
        `the server does not know our session for the ${channelName} channel (bad connection id)`,
      );
    case E.SPICE_LINK_ERR_CHANNEL_NOT_AVAILABLE:
      return new SpiceError('link-refused', `the server has no ${channelName} channel available`);
    case E.SPICE_LINK_ERR_ERROR:
      return new SpiceError('link-refused', `the server refused the ${channelName} channel (general error)`);
    default:
      return new SpiceError(
        'link-refused',
        `the server refused the ${channelName} channel (link error ${code})`,
      );
  }
}

/** What a peer that is not SPICE announced itself as, from the first bytes it sent (null: unknown). */
export function identifyPeer(bytes: Uint8Array): { name: string; hint: string } | null {
  const text = Buffer.from(bytes.subarray(0, 16)).toString('latin1');
  if (text.startsWith('RFB '))
    return {
      name: 'a VNC server',
      hint: 'this is a VNC port (QEMU -vnc), not SPICE: use the port given to -spice port=…',
    };
  if (text.startsWith('HTTP/'))
    return { name: 'a web server', hint: 'this is an HTTP port, not SPICE: check the port number' };
  if (text.startsWith('SSH-'))
    return { name: 'an SSH server', hint: 'this is an SSH port, not SPICE: check the port number' };
  if (bytes.length >= 2 && (bytes[0] === 0x15 || bytes[0] === 0x16) && bytes[1] === 0x03)
    return {
      name: 'a TLS server',
      hint: 'this port speaks TLS: connect with spice+tls:// (or give it as tls-port)',
    };
  return null;
}

/**
 * A link-stage failure explained by what the peer sent: a known other protocol becomes 'not-spice' naming it;
 * silence (timeout or close without a byte) adds that the port may be wrong.
 */
function explainLinkFailure(e: unknown, received: Uint8Array | undefined, channelName: string): unknown {
  if (!(e instanceof SpiceError) || received === undefined) return e;
  const peer = identifyPeer(received);
  if (
    peer &&
    (e.code === 'not-spice' || e.code === 'closed' || e.code === 'timeout' || e.code === 'protocol')
  )
    return new SpiceError('not-spice', `the server answered like ${peer.name}: ${peer.hint}`, { cause: e });
  if (received.length === 0 && channelName === 'main') {
    if (e.code === 'timeout')
      return new SpiceError(
        'timeout',
        `${e.message}: nothing came back — the port may be wrong (is it the SPICE port?) or the server is stuck`,
        { cause: e },
      );
    if (e.code === 'closed')
      return new SpiceError(
        'closed',
        `${e.message} without sending anything: the port may not be a SPICE port, or the server refused this client`,
        { cause: e },
      );
  }
  return e;
}

/**
 * Runs the whole link stage on a connected stream. Resolves with the negotiated caps, or rejects with a
 * SpiceError. The password never leaves this function except encrypted.
 */
export async function performLink(
  source: ByteSource,
  req: LinkRequest,
  password: string,
  channelName: string,
): Promise<LinkResult> {
  try {
    return await linkStages(source, req, password, channelName);
  } catch (e) {
    throw explainLinkFailure(e, source.received, channelName);
  }
}

async function linkStages(
  source: ByteSource,
  req: LinkRequest,
  password: string,
  channelName: string,
): Promise<LinkResult> {
  source.write(encodeLinkMess(req));
  const size = decodeLinkHeader(await source.read(SPICE_LINK_HEADER_BYTES));
  const reply = decodeLinkReply(await source.read(size));
  if (reply.error !== E.SPICE_LINK_ERR_OK) throw linkError(reply.error, channelName, password !== '');

  const serverCommon = reply.commonCaps;
  if (capsHas(serverCommon, SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION)) {
    if (!capsHas(serverCommon, SPICE_COMMON_CAP_AUTH_SPICE)) {
      const sasl = capsHas(serverCommon, SPICE_COMMON_CAP_AUTH_SASL);
      throw new SpiceError(
        'unsupported',
        sasl
          ? 'the server requires SASL authentication, which this version of Saffron does not support; ask for ticket (password) authentication'
          : 'the server offers no authentication method this client supports',
      );
    }
    source.write(new SpiceWriter(4).u32(SPICE_COMMON_CAP_AUTH_SPICE).finish());
  }
  source.write(encryptTicket(reply.pubKey, password));
  const result = new SpiceReader(await source.read(4)).u32();
  if (result !== E.SPICE_LINK_ERR_OK) throw linkError(result, channelName, password !== '');

  return {
    serverCommonCaps: serverCommon,
    serverChannelCaps: reply.channelCaps,
    miniHeader:
      capsHas(serverCommon, SPICE_COMMON_CAP_MINI_HEADER) &&
      req.commonCaps.includes(SPICE_COMMON_CAP_MINI_HEADER),
  };
}
