// The app's remote-viewer-style USB options, and the spicevmc LZ4 framing both ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpiceReader } from '../../../main/spice/wire/reader';
import { decodeCompressedData } from '../../../main/spice/channels/vmc-channel';
import { compressLz4Block } from '../../../main/spice/channels/vmc-lz4';
import { extractUsbAppOptions } from '../../../main/spice/usbredir/usb-options';
import { prng } from '../../support/prng';

void test('USB app options are taken out of argv, filters checked', () => {
  const { usb, rest } = extractUsbAppOptions([
    'spice://h:5900',
    '--share-cd',
    'a.iso',
    '--spice-share-cd=b.iso',
    '--usb-redirect-on-connect',
    '0x08,-1,-1,-1,1',
    '--usb-auto-redirect=-1,0x0781,-1,-1,1',
    '--full-screen',
  ]);
  assert.deepEqual(usb, {
    shareCd: ['a.iso', 'b.iso'],
    redirectOnConnect: '0x08,-1,-1,-1,1',
    autoRedirect: '-1,0x0781,-1,-1,1',
  });
  assert.deepEqual(rest, ['spice://h:5900', '--full-screen']);
  assert.throws(() => extractUsbAppOptions(['--usb-auto-redirect', '8,1']), /bad USB filter rule/);
  assert.throws(() => extractUsbAppOptions(['--share-cd']), /needs a value/);
});

void test('SPICEVMC compressed data: our LZ4 blocks decode; bad headers are refused', () => {
  const data = Buffer.from('usbredir '.repeat(5000));
  const packed = compressLz4Block(data)!;
  assert.ok(packed.length < data.length / 10);
  const msg = Buffer.alloc(5 + packed.length);
  msg[0] = 1;
  msg.writeUInt32LE(data.length, 1);
  Buffer.from(packed).copy(msg, 5);
  assert.ok(Buffer.from(decodeCompressedData(new SpiceReader(msg))).equals(data));
  const rnd = prng(5);
  const random = Uint8Array.from({ length: 3000 }, () => Math.floor(rnd() * 256));
  assert.equal(compressLz4Block(random), null, 'incompressible data goes out uncompressed');
  const wrongSize = Buffer.from(msg);
  wrongSize.writeUInt32LE(data.length + 1, 1);
  assert.throws(() => decodeCompressedData(new SpiceReader(wrongSize)), /decodes to/);
  const huge = Buffer.from(msg);
  huge.writeUInt32LE(64 * 1024 * 1024, 1);
  assert.throws(() => decodeCompressedData(new SpiceReader(huge)), /limit/);
  assert.throws(
    () => decodeCompressedData(new SpiceReader(Buffer.from([7, 0, 0, 0, 0]))),
    /compression type 7/,
  );
});
