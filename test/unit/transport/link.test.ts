import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { test } from 'node:test';
import { SpiceError } from '../../../main/spice/errors';
import * as E from '../../../main/spice/protocol/enums';
import type { ByteSource } from '../../../main/spice/transport/byte-source';
import {
  decodeLinkHeader,
  decodeLinkReply,
  encodeLinkMess,
  encryptTicket,
  linkError,
  performLink,
} from '../../../main/spice/transport/link';

test('link message is SpiceLinkHeader + packed 18-byte SpiceLinkMess with caps at offset 18', () => {
  const bytes = encodeLinkMess({
    connectionId: 0x11223344,
    channelType: 2,
    channelId: 1,
    commonCaps: [0, 1, 3],
    channelCaps: [1, 33],
  });
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  assert.equal(Buffer.from(bytes.subarray(0, 4)).toString('latin1'), 'REDQ');
  assert.equal(v.getUint32(4, true), 2);
  assert.equal(v.getUint32(8, true), 2);
  assert.equal(v.getUint32(12, true), 18 + 4 * 3); // 1 common word + 2 channel words
  assert.equal(bytes.length, 16 + 18 + 12);
  assert.equal(v.getUint32(16, true), 0x11223344);
  assert.equal(bytes[20], 2);
  assert.equal(bytes[21], 1);
  assert.equal(v.getUint32(22, true), 1); // num_common_caps at byte 6 of SpiceLinkMess
  assert.equal(v.getUint32(26, true), 2);
  assert.equal(v.getUint32(30, true), 18); // caps_offset counts from SpiceLinkMess
  assert.equal(v.getUint32(34, true), 0b1011);
  assert.equal(v.getUint32(38, true), 0b10);
  assert.equal(v.getUint32(42, true), 0b10);
});

test('a reply without the REDQ magic means "not a SPICE server"', () => {
  const http = Buffer.from('HTTP/1.1 400 Bad Request\r\n');
  assert.throws(
    () => decodeLinkHeader(http.subarray(0, 16)),
    (e: SpiceError) => e.code === 'not-spice',
  );
});

test('a reply with another major version is a version mismatch', () => {
  const b = Buffer.alloc(16);
  b.write('REDQ', 0, 'latin1');
  b.writeUInt32LE(1, 4);
  b.writeUInt32LE(3, 8);
  b.writeUInt32LE(178, 12);
  assert.throws(
    () => decodeLinkHeader(b),
    (e: SpiceError) => e.code === 'version-mismatch',
  );
});

test('the ticket is RSA-OAEP(SHA-1) of the password and a NUL, 128 bytes', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const der = publicKey.export({ format: 'der', type: 'spki' });
  assert.equal(der.length, 162);
  const ticket = encryptTicket(der, 'secret');
  assert.equal(ticket.length, 128);
  const plain = privateDecrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    ticket,
  );
  assert.deepEqual([...plain], [...Buffer.from('secret\0')]);
  assert.throws(
    () => encryptTicket(der, 'x'.repeat(61)),
    (e: SpiceError) => e.code === 'config',
  );
});

test('every SPICE_LINK_ERR_* maps to its own error code', () => {
  const cases: [number, boolean, string][] = [
    [E.SPICE_LINK_ERR_PERMISSION_DENIED, true, 'auth-failed'],
    [E.SPICE_LINK_ERR_PERMISSION_DENIED, false, 'password-required'],
    [E.SPICE_LINK_ERR_VERSION_MISMATCH, true, 'version-mismatch'],
    [E.SPICE_LINK_ERR_NEED_SECURED, true, 'need-secured'],
    [E.SPICE_LINK_ERR_NEED_UNSECURED, true, 'need-unsecured'],
    [E.SPICE_LINK_ERR_INVALID_MAGIC, true, 'link-refused'],
    [E.SPICE_LINK_ERR_INVALID_DATA, true, 'link-refused'],
    [E.SPICE_LINK_ERR_BAD_CONNECTION_ID, true, 'link-refused'],
    [E.SPICE_LINK_ERR_CHANNEL_NOT_AVAILABLE, true, 'link-refused'],
    [E.SPICE_LINK_ERR_ERROR, true, 'link-refused'],
    [99, true, 'link-refused'],
  ];
  const messages = new Set<string>();
  for (const [code, pw, expected] of cases) {
    const e = linkError(code, 'display', pw);
    assert.equal(e.code, expected, `link error ${code}`);
    messages.add(e.message);
  }
  assert.equal(messages.size, cases.length, 'each error has its own message');
});

/** A ByteSource that replays scripted server bytes and records what the client wrote. */
function scripted(serverBytes: Buffer): ByteSource & { written: Buffer[] } {
  let offset = 0;
  const written: Buffer[] = [];
  return {
    written,
    write: (b) => void written.push(Buffer.from(b)),
    read: (n) => {
      if (offset + n > serverBytes.length) return Promise.reject(new SpiceError('closed', 'eof'));
      const out = serverBytes.subarray(offset, offset + n);
      offset += n;
      return Promise.resolve(out);
    },
  };
}

function reply(error: number, commonCaps: number, pub: Buffer = Buffer.alloc(162)): Buffer {
  const body = Buffer.alloc(error ? 178 : 182);
  body.writeUInt32LE(error, 0);
  if (!error) {
    pub.copy(body, 4);
    body.writeUInt32LE(1, 166);
    body.writeUInt32LE(0, 170);
    body.writeUInt32LE(178, 174);
    body.writeUInt32LE(commonCaps, 178);
  }
  const head = Buffer.alloc(16);
  head.write('REDQ', 0, 'latin1');
  head.writeUInt32LE(2, 4);
  head.writeUInt32LE(2, 8);
  head.writeUInt32LE(body.length, 12);
  return Buffer.concat([head, body]);
}

const req = { connectionId: 0, channelType: 1, channelId: 0, commonCaps: [0, 1, 3], channelCaps: [] };

test('performLink: selects SPICE auth, sends the ticket, and reports a rejected password', async () => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pub = publicKey.export({ format: 'der', type: 'spki' });
  const result = Buffer.alloc(4);
  result.writeUInt32LE(E.SPICE_LINK_ERR_PERMISSION_DENIED);
  const src = scripted(Buffer.concat([reply(0, 0b1011, pub), result]));
  await assert.rejects(performLink(src, req, 'wrong', 'main'), (e: SpiceError) => e.code === 'auth-failed');
  assert.equal(src.written.length, 3);
  assert.equal(src.written[1]!.readUInt32LE(0), 1, 'auth mechanism = SPICE');
  assert.equal(src.written[2]!.length, 128);
});

test('performLink: success negotiates the mini header', async () => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pub = publicKey.export({ format: 'der', type: 'spki' });
  const src = scripted(Buffer.concat([reply(0, 0b1011, pub), Buffer.alloc(4)]));
  const r = await performLink(src, req, '', 'main');
  assert.equal(r.miniHeader, true);
});

test('performLink: an error reply is reported before any ticket is sent', async () => {
  const src = scripted(reply(E.SPICE_LINK_ERR_NEED_SECURED, 0));
  await assert.rejects(performLink(src, req, 'pw', 'main'), (e: SpiceError) => e.code === 'need-secured');
  assert.equal(src.written.length, 1);
});

test('performLink: a SASL-only server is an explicit unsupported error', async () => {
  const src = scripted(reply(0, 0b0101));
  await assert.rejects(
    performLink(src, req, 'pw', 'main'),
    (e: SpiceError) => e.code === 'unsupported' && /SASL/.test(e.message),
  );
});

test('the link reply parser rejects caps that run past the reply', () => {
  const body = Buffer.alloc(182);
  body.writeUInt32LE(5, 166);
  body.writeUInt32LE(0, 170);
  body.writeUInt32LE(178, 174);
  assert.throws(() => decodeLinkReply(body), /do not fit/);
});
