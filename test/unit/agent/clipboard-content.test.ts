// Clipboard conversions: line ends both ways (also where a slice boundary falls inside CR LF or a surrogate pair),
// trailing NULs, fingerprints, PNG pass-through with a pixel cap, and BMP/JPEG/TIFF re-encoded as PNG.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import {
  clipboardFingerprint,
  decodeGuestText,
  encodeGuestText,
  guestImageToPng,
  pngSize,
} from '../../../main/spice/agent/clipboard-content';
import * as V from '../../../main/spice/agent/vd-agent';
import { ProtocolError } from '../../../main/spice/errors';
import { SpiceWriter } from '../../../main/spice/wire/writer';

const join = (parts: Uint8Array[]): string => new TextDecoder().decode(Buffer.concat(parts));

test(
  'host text to the guest: LF for Linux guests, CRLF for Windows guests, UTF-8',
  { timeout: 10_000 },
  async () => {
    assert.equal(join(await encodeGuestText('a\nb\r\nc\rd ✓', 'lf')), 'a\nb\nc\nd ✓');
    assert.equal(join(await encodeGuestText('a\nb\r\nc ✓', 'crlf')), 'a\r\nb\r\nc ✓');
    assert.deepEqual(await encodeGuestText('', 'crlf'), []);
  },
);

test(
  'guest text to the host: CRLF folded for Windows guests, trailing NULs dropped',
  { timeout: 10_000 },
  async () => {
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    assert.equal(await decodeGuestText(enc('a\r\nb\r\n\0\0'), 'crlf'), 'a\nb\n');
    assert.equal(await decodeGuestText(enc('a\r\nb'), 'lf'), 'a\r\nb', 'a Linux guest keeps what it sent');
    assert.equal(
      await decodeGuestText(new Uint8Array([0xff, 0x41]), 'lf'),
      '\ufffdA',
      'bad UTF-8 becomes U+FFFD',
    );
  },
);

test(
  'slices of a multi-megabyte text never split a CR LF or a surrogate pair',
  { timeout: 30_000 },
  async () => {
    const slice = 1 << 20;
    // Put "\r\n" and an emoji (two UTF-16 units) exactly across the first slice boundaries.
    const text = 'x'.repeat(slice - 1) + '\r\n' + 'y'.repeat(slice - 2) + '😀' + 'z'.repeat(10) + '\n';
    const lf = join(await encodeGuestText(text, 'lf'));
    assert.equal(lf, text.replace('\r\n', '\n'));
    const crlf = join(await encodeGuestText(text, 'crlf'));
    assert.equal(crlf, text.replace('\r\n', '\n').replace(/\n/g, '\r\n'));
    // And back: the UTF-8 of the emoji and a CR LF straddle the decoder's byte slices.
    const bytes = new TextEncoder().encode('a'.repeat(slice - 1) + '\r\n' + 'b'.repeat(slice - 2) + '😀end');
    assert.equal(
      await decodeGuestText(bytes, 'crlf'),
      'a'.repeat(slice - 1) + '\n' + 'b'.repeat(slice - 2) + '😀end',
    );
  },
);

test(
  'fingerprints: equal for equal content (CRLF or LF), different otherwise, cheap for big data',
  { timeout: 10_000 },
  () => {
    const a = clipboardFingerprint({ kind: 'text', text: 'one\ntwo' });
    assert.equal(a, clipboardFingerprint({ kind: 'text', text: 'one\r\ntwo' }));
    assert.notEqual(a, clipboardFingerprint({ kind: 'text', text: 'one\ntwo!' }));
    const lines = Array.from({ length: 40_000 }, (_, i) => `line ${i} of a large clipboard`);
    const lfText = lines.join('\n');
    assert.equal(
      clipboardFingerprint({ kind: 'text', text: lfText }),
      clipboardFingerprint({ kind: 'text', text: lines.join('\r\n') }),
      'a large text too',
    );
    assert.notEqual(
      clipboardFingerprint({ kind: 'text', text: lfText }),
      clipboardFingerprint({ kind: 'text', text: lfText.replace('line 0 ', 'line 0!') }),
    );
    const big = new Uint8Array(50 * 1024 * 1024);
    const start = performance.now();
    const f1 = clipboardFingerprint({ kind: 'image', png: big });
    big[big.length - 1] = 1;
    assert.notEqual(f1, clipboardFingerprint({ kind: 'image', png: big }), 'the tail is sampled');
    assert.ok(performance.now() - start < 5_000);
  },
);

function samplePicture(): { raw: Buffer; width: number; height: number } {
  const width = 40;
  const height = 30;
  const raw = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) raw.set([(i * 7) % 256, (i * 3) % 256, 200, 255], i * 4);
  return { raw, width, height };
}

async function decodePng(png: Uint8Array): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

test(
  'guest images become PNG: PNG passes through, TIFF and BMP are re-encoded losslessly, JPEG closely',
  { timeout: 30_000 },
  async () => {
    const { raw, width, height } = samplePicture();
    const png = await sharp(raw, { raw: { width, height, channels: 4 } })
      .png()
      .toBuffer();
    assert.equal(await guestImageToPng(V.VD_AGENT_CLIPBOARD_IMAGE_PNG, png, 10_000), png);
    const tiff = await sharp(raw, { raw: { width, height, channels: 4 } })
      .tiff({ compression: 'lzw' })
      .toBuffer();
    const fromTiff = await decodePng(await guestImageToPng(V.VD_AGENT_CLIPBOARD_IMAGE_TIFF, tiff, 10_000));
    assert.deepEqual(fromTiff.data, raw);
    // A 24-bit BMP of the same picture.
    const stride = Math.ceil((width * 3) / 4) * 4;
    const w = new SpiceWriter()
      .u8(0x42)
      .u8(0x4d)
      .u32(54 + stride * height)
      .u32(0)
      .u32(54);
    w.u32(40)
      .i32(width)
      .i32(-height)
      .u16(1)
      .u16(24)
      .u32(0)
      .u32(stride * height)
      .i32(0)
      .i32(0)
      .u32(0)
      .u32(0);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const o = (y * width + x) * 4;
        w.u8(raw[o + 2]!)
          .u8(raw[o + 1]!)
          .u8(raw[o]!);
      }
      w.zeros(stride - width * 3);
    }
    const fromBmp = await decodePng(
      await guestImageToPng(V.VD_AGENT_CLIPBOARD_IMAGE_BMP, w.finish(), 10_000),
    );
    assert.deepEqual(fromBmp.data, raw);
    const jpeg = await sharp(raw, { raw: { width, height, channels: 4 } })
      .jpeg({ quality: 95 })
      .toBuffer();
    const fromJpeg = await decodePng(await guestImageToPng(V.VD_AGENT_CLIPBOARD_IMAGE_JPG, jpeg, 10_000));
    assert.deepEqual([fromJpeg.width, fromJpeg.height], [width, height]);
  },
);

test(
  'guest images over the pixel cap or broken are refused with a ProtocolError',
  { timeout: 30_000 },
  async () => {
    const { raw, width, height } = samplePicture();
    const png = await sharp(raw, { raw: { width, height, channels: 4 } })
      .png()
      .toBuffer();
    assert.deepEqual(pngSize(png), { width, height });
    await assert.rejects(
      guestImageToPng(V.VD_AGENT_CLIPBOARD_IMAGE_PNG, png, width * height - 1),
      ProtocolError,
    );
    await assert.rejects(
      guestImageToPng(V.VD_AGENT_CLIPBOARD_IMAGE_PNG, new Uint8Array(30), 10_000),
      ProtocolError,
    );
    const jpeg = await sharp(raw, { raw: { width, height, channels: 4 } })
      .jpeg()
      .toBuffer();
    await assert.rejects(guestImageToPng(V.VD_AGENT_CLIPBOARD_IMAGE_JPG, jpeg, 100), ProtocolError);
    await assert.rejects(
      guestImageToPng(V.VD_AGENT_CLIPBOARD_IMAGE_JPG, jpeg.subarray(0, 50), 10_000),
      ProtocolError,
    );
    await assert.rejects(guestImageToPng(V.VD_AGENT_CLIPBOARD_UTF8_TEXT, png, 10_000), ProtocolError);
  },
);
