// Agent payload codecs: the optional clipboard prefixes per negotiated capability, GKeyFile escaping of file names,
// detailed transfer statuses only when present and negotiated, and the user-facing text for every status.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeAnnounceCapabilities,
  decodeClipboard,
  decodeClipboardGrab,
  decodeClipboardRelease,
  decodeClipboardRequest,
  decodeFileXferStatus,
  encodeAnnounceCapabilities,
  encodeClipboardGrab,
  encodeClipboardHeader,
  encodeClipboardRelease,
  encodeClipboardRequest,
  encodeFileXferStart,
  escapeKeyFileValue,
} from '../../../main/spice/agent/agent-messages';
import { describeXferStatus, FILE_XFER_BLOCK_BYTES } from '../../../main/spice/agent/file-transfer';
import * as V from '../../../main/spice/agent/vd-agent';
import { ProtocolError } from '../../../main/spice/errors';
import { SpiceWriter } from '../../../main/spice/wire/writer';

const ALL = [
  { selectionPrefix: false, grabSerial: false },
  { selectionPrefix: true, grabSerial: false },
  { selectionPrefix: false, grabSerial: true },
  { selectionPrefix: true, grabSerial: true },
];

test(
  'clipboard messages round-trip with every combination of negotiated prefixes',
  { timeout: 10_000 },
  () => {
    for (const wire of ALL) {
      const sel = wire.selectionPrefix ? 1 : 0;
      const grab = { selection: sel, serial: wire.grabSerial ? 7 : null, types: [1, 2, 5] };
      const g = encodeClipboardGrab(wire, grab);
      assert.equal(g.length, (wire.selectionPrefix ? 4 : 0) + (wire.grabSerial ? 4 : 0) + 12);
      assert.deepEqual(decodeClipboardGrab(g, wire), grab);
      assert.deepEqual(
        decodeClipboardRequest(encodeClipboardRequest(wire, { selection: sel, type: 2 }), wire),
        {
          selection: sel,
          type: 2,
        },
      );
      assert.equal(decodeClipboardRelease(encodeClipboardRelease(wire, sel), wire), sel);
      const header = encodeClipboardHeader(wire, sel, 1);
      const clip = decodeClipboard(new Uint8Array([...header, 104, 105]), wire);
      assert.deepEqual([clip.selection, clip.type, [...clip.data]], [sel, 1, [104, 105]]);
    }
    // The selection prefix is {u8 selection, u8 reserved[3]}.
    assert.deepEqual([...encodeClipboardRelease(ALL[1]!, 1)], [1, 0, 0, 0]);
    assert.throws(() => decodeClipboardRequest(new Uint8Array(3), ALL[0]!), ProtocolError);
    assert.throws(() => decodeClipboardGrab(new Uint8Array(6), ALL[3]!), ProtocolError);
  },
);

test('capability announces: request flag, words, and a cap on words kept', { timeout: 10_000 }, () => {
  const a = decodeAnnounceCapabilities(encodeAnnounceCapabilities(true, [0x3ffff]));
  assert.equal(a.request, true);
  assert.deepEqual([...a.caps], [0x3ffff]);
  const huge = new SpiceWriter().u32(0);
  for (let i = 0; i < 10_000; i++) huge.u32(0xffffffff);
  assert.equal(decodeAnnounceCapabilities(huge.finish()).caps.length, 8);
  assert.throws(() => decodeAnnounceCapabilities(new Uint8Array(2)), ProtocolError);
});

test('FILE_XFER_START: a NUL-terminated GKeyFile text with escaped name', { timeout: 10_000 }, () => {
  assert.equal(escapeKeyFileValue(' a\\b\nc\rd\te '), '\\sa\\\\b\\nc\\rd\\te ');
  const bytes = encodeFileXferStart(5, 'x\ny=1.txt', 42);
  assert.deepEqual([...bytes.subarray(0, 4)], [5, 0, 0, 0]);
  assert.equal(bytes[bytes.length - 1], 0);
  const text = new TextDecoder().decode(bytes.subarray(4, -1));
  assert.equal(text, '[vdagent-file-xfer]\nname=x\\ny=1.txt\nsize=42\n', 'a newline cannot inject a key');
});

test('data messages fill whole 2048-byte chunks', { timeout: 10_000 }, () => {
  assert.equal(FILE_XFER_BLOCK_BYTES + 12 + 20, 32 * 2048);
});

test(
  'transfer statuses: details only when negotiated and present, a sentence for each',
  { timeout: 10_000 },
  () => {
    const status = (result: number, tail: number[] = []): Uint8Array =>
      new Uint8Array([...new SpiceWriter().u32(9).u32(result).finish(), ...tail]);
    const free = [...new SpiceWriter().u64(3 * 1024 * 1024).finish()];
    const noSpace = decodeFileXferStatus(status(V.VD_AGENT_FILE_XFER_STATUS_NOT_ENOUGH_SPACE, free), true);
    assert.equal(noSpace.freeBytes, 3 * 1024 * 1024);
    assert.equal(
      decodeFileXferStatus(status(V.VD_AGENT_FILE_XFER_STATUS_NOT_ENOUGH_SPACE, free), false).freeBytes,
      null,
    );
    assert.equal(
      decodeFileXferStatus(status(V.VD_AGENT_FILE_XFER_STATUS_NOT_ENOUGH_SPACE, [1, 2]), true).freeBytes,
      null,
    );
    const ioError = [0, ...new SpiceWriter().u32(V.G_IO_ERROR_PERMISSION_DENIED).finish()];
    const err = decodeFileXferStatus(status(V.VD_AGENT_FILE_XFER_STATUS_ERROR, ioError), true);
    assert.equal(err.ioErrorCode, V.G_IO_ERROR_PERMISSION_DENIED);
    assert.equal(
      decodeFileXferStatus(status(V.VD_AGENT_FILE_XFER_STATUS_ERROR, [1, 0, 0, 0, 0]), true).ioErrorCode,
      null,
    );

    assert.match(describeXferStatus(noSpace, 10 * 1024 * 1024).message, /3\.0 MB free, 10\.0 MB needed/);
    assert.match(describeXferStatus(err, 1).message, /permission denied/);
    const plain = (result: number): string =>
      describeXferStatus({ id: 1, result, freeBytes: null, ioErrorCode: null }, 1).message;
    assert.match(plain(V.VD_AGENT_FILE_XFER_STATUS_ERROR), /reported an error/);
    assert.match(plain(V.VD_AGENT_FILE_XFER_STATUS_SESSION_LOCKED), /locked/);
    assert.match(plain(V.VD_AGENT_FILE_XFER_STATUS_VDAGENT_NOT_CONNECTED), /log in/);
    assert.match(plain(V.VD_AGENT_FILE_XFER_STATUS_DISABLED), /disabled/);
    assert.match(plain(V.VD_AGENT_FILE_XFER_STATUS_CANCELLED), /cancelled/);
    assert.match(plain(V.VD_AGENT_FILE_XFER_STATUS_NOT_ENOUGH_SPACE), /not enough free space/);
    assert.equal(
      describeXferStatus({ id: 1, result: 99, freeBytes: null, ioErrorCode: null }, 1).code,
      'protocol',
    );
  },
);
