// What the test server's display commands put on the wire, seen by a bare display channel: the image type
// each compression setting produces for a drawing made while the client is connected (including GLZ,
// JPEG and ZLIB_GLZ, which a fresh client's first image never uses), and monitors configs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from '../../main/spice/protocol/enums';
import {
  SPICE_DISPLAY_CAP_LZ4_COMPRESSION,
  SPICE_DISPLAY_CAP_MONITORS_CONFIG,
} from '../../main/spice/protocol/protocol';
import { startTestServer } from '../support/test-server';
import type { ImageCompression, TestServer, WanCompression } from '../support/test-server';
import { RawChannel } from '../server/raw-channel';
import { RawMain } from '../server/raw-main';
import { writeTestPng } from '../server/client-tools';
import { requireTools } from '../support/require-tool';

requireTools(['test-server']);

async function openDisplay(server: TestServer, main: RawMain): Promise<RawChannel> {
  const display = await RawChannel.open({
    port: server.port!,
    channelType: E.SPICE_CHANNEL_DISPLAY,
    connectionId: main.init.sessionId,
    channelCaps: [SPICE_DISPLAY_CAP_MONITORS_CONFIG, SPICE_DISPLAY_CAP_LZ4_COMPRESSION],
  });
  // SpiceMsgcDisplayInit {u8 pixmap_cache_id, i64 pixmap_cache_size, u8 glz_dictionary_id, i32 window_size}
  const init = Buffer.alloc(14);
  init.writeUInt8(1, 0);
  init.writeBigInt64LE(20n * 1024n * 1024n, 1);
  init.writeUInt8(1, 9);
  init.writeInt32LE(16 * 1024 * 1024, 10);
  display.send(E.SPICE_MSGC_DISPLAY_INIT, init);
  await display.nextOfType(E.SPICE_MSG_DISPLAY_SURFACE_CREATE);
  await display.nextOfType(E.SPICE_MSG_DISPLAY_MARK);
  display.takeQueued(); // the surface's first image
  return display;
}

/** The image type of a DRAW_COPY: base {surface_id, box, clip}, then src_bitmap (offset of the image). */
function drawCopyImageType(body: Buffer): number {
  const clipType = body.readUInt8(20);
  const at = clipType === E.SPICE_CLIP_TYPE_NONE ? 21 : 25;
  const imageOffset = body.readUInt32LE(at);
  return body.readUInt8(imageOffset + 8);
}

void test('image types on the wire for drawings made while a client is connected', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saffron-ts-wire-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const png = join(dir, 'picture.png');
  await writeTestPng(png, 200, 150, 3);
  const cases: {
    compression: ImageCompression;
    jpeg?: WanCompression;
    zlibGlz?: WanCompression;
    want: number;
  }[] = [
    { compression: 'off', want: E.SPICE_IMAGE_TYPE_BITMAP },
    { compression: 'quic', want: E.SPICE_IMAGE_TYPE_QUIC },
    { compression: 'lz', want: E.SPICE_IMAGE_TYPE_LZ_RGB },
    { compression: 'glz', want: E.SPICE_IMAGE_TYPE_GLZ_RGB },
    { compression: 'lz4', want: E.SPICE_IMAGE_TYPE_LZ4 },
    { compression: 'glz', zlibGlz: 'always', want: E.SPICE_IMAGE_TYPE_ZLIB_GLZ_RGB },
    // JPEG replaces QUIC only (dcc.cpp): with auto_glz this picture goes GLZ even with jpeg=always
    { compression: 'quic', jpeg: 'always', want: E.SPICE_IMAGE_TYPE_JPEG },
    { compression: 'auto_glz', jpeg: 'always', want: E.SPICE_IMAGE_TYPE_GLZ_RGB },
  ];
  for (const c of cases) {
    const label = `${c.compression}${c.jpeg ? ` jpeg=${c.jpeg}` : ''}${c.zlibGlz ? ` zlib-glz=${c.zlibGlz}` : ''}`;
    await t.test(label, async () => {
      // spice-server copies the compression settings into each display client when it connects
      const server = await startTestServer({
        width: 320,
        height: 240,
        compression: c.compression,
        jpeg: c.jpeg ?? 'never',
        zlibGlz: c.zlibGlz ?? 'never',
      });
      const main = await RawMain.open(server.port!);
      const display = await openDisplay(server, main);
      try {
        await server.sendOk({ cmd: 'draw_image', png, x: 10, y: 10 });
        const draw = await display.nextOfType(E.SPICE_MSG_DISPLAY_DRAW_COPY);
        assert.equal(drawCopyImageType(draw.body), c.want);
      } finally {
        display.close();
        main.close();
        await server.stop();
      }
    });
  }
});

void test('monitors config reaches a display client that announced MONITORS_CONFIG', async (t) => {
  const server = await startTestServer({ width: 1600, height: 600 });
  const main = await RawMain.open(server.port!);
  const display = await openDisplay(server, main);
  t.after(async () => {
    display.close();
    main.close();
    await server.stop();
  });
  await server.sendOk({
    cmd: 'monitors',
    monitors: [
      { x: 0, y: 0, width: 800, height: 600 },
      { x: 800, y: 0, width: 800, height: 600 },
    ],
  });
  const m = await display.next(
    (msg) => msg.type === E.SPICE_MSG_DISPLAY_MONITORS_CONFIG && msg.body.readUInt16LE(0) === 2,
  );
  // {u16 count, u16 max_allowed, heads[] {u32 id, surface_id, width, height, x, y, flags}}
  const heads = [0, 1].map((i) => {
    const o = 4 + i * 28;
    return {
      id: m.body.readUInt32LE(o),
      width: m.body.readUInt32LE(o + 8),
      height: m.body.readUInt32LE(o + 12),
      x: m.body.readUInt32LE(o + 16),
      y: m.body.readUInt32LE(o + 20),
    };
  });
  assert.deepEqual(heads, [
    { id: 0, width: 800, height: 600, x: 0, y: 0 },
    { id: 1, width: 800, height: 600, x: 800, y: 0 },
  ]);
});
