// The session-wide memory budget against a hostile server: half-received messages on many channels, surfaces,
// images that decode far larger than they can show, video frames larger than their surface. Every case is a
// refusal *before* the allocation (deterministic); peak RSS figures live in `npm run bench:hostile`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../../main/spice/protocol/enums';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import type { SpiceImage } from '../../../main/spice/codecs/image';
import type { Logger } from '../../../main/spice/logger';
import { MemoryBudget, MemoryBudgetError } from '../../../main/spice/memory-budget';
import { linkDisplays, startHarness } from '../../support/session-harness';
import type { ScriptedConnection } from '../../support/scripted-server';
import * as B from '../../support/display-builders';

const MiB = 1024 * 1024;

function surface(conn: ScriptedConnection, id: number, width: number, height: number): void {
  conn.send(
    E.SPICE_MSG_DISPLAY_SURFACE_CREATE,
    B.encodeSurfaceCreate({
      surface_id: id,
      width,
      height,
      format: E.SPICE_SURFACE_FMT_32_xRGB,
      flags: id === 0 ? E.SPICE_SURFACE_FLAGS_PRIMARY : 0,
    }),
  );
}

function miniHeader(type: number, size: number): Uint8Array {
  return new SpiceWriter(6).u16(type).u32(size).finish();
}

function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const push = (m: string): void => {
    lines.push(m);
  };
  return { logger: { debug: push, info: push, warn: push, error: push }, lines };
}

void test(
  'MemoryBudget: reserve, adjust and refuse past the cap; releases are idempotent',
  { timeout: 30_000 },
  () => {
    const b = new MemoryBudget(100);
    const r1 = b.reserve(60, 'a');
    assert.throws(
      () => b.reserve(41, 'the big one'),
      (e: unknown) => {
        assert.ok(e instanceof MemoryBudgetError);
        assert.match((e as Error).message, /the big one needs 41 bytes/);
        return true;
      },
    );
    const acc = b.account();
    acc.set(40, 'buffer');
    assert.equal(b.usedBytes, 100);
    assert.throws(() => acc.set(41, 'buffer'), MemoryBudgetError);
    r1();
    r1();
    assert.equal(b.usedBytes, 40);
    acc.release();
    assert.equal(b.usedBytes, 0);
    assert.equal(b.peakBytes, 100);
  },
);

void test(
  'half-received messages on many channels are charged to one budget: refused at the header',
  { timeout: 30_000 },
  async () => {
    const h = await startHarness({ display: true, session: { maxMemoryBytes: 64 * MiB } });
    try {
      const displays = await linkDisplays(h, [0, 1, 2, 3]);
      // Each channel announces a 20 MiB message and sends a few bytes of it: the fourth would pass 64 MiB.
      for (const id of [0, 1, 2]) {
        displays.get(id)!.sendRaw(miniHeader(E.SPICE_MSG_DISPLAY_MARK, 20 * MiB));
        displays.get(id)!.sendRaw(new Uint8Array(100));
      }
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(h.session.memory.usedBytes >= 60 * MiB, `${h.session.memory.usedBytes} bytes charged`);
      displays.get(3)!.sendRaw(miniHeader(E.SPICE_MSG_DISPLAY_MARK, 20 * MiB));
      const err = await h.waitFor('channel-error', (e) => e.id === 3, 5000);
      assert.match(err.error.message, /display:3 channel's receive buffer needs .* memory budget/);
      assert.equal(h.session.getChannel(E.SPICE_CHANNEL_DISPLAY, 3), undefined, 'that channel is closed');
      assert.ok(h.session.getChannel(E.SPICE_CHANNEL_DISPLAY, 0), 'the others go on');
    } finally {
      await h.close();
    }
    assert.equal(h.session.memory.usedBytes, 0, 'closing releases every buffer');
  },
);

void test(
  'a surface larger than the memory budget is refused before it is allocated',
  { timeout: 30_000 },
  async () => {
    const h = await startHarness({ display: true, session: { maxMemoryBytes: 64 * MiB } });
    try {
      const display = (await linkDisplays(h)).get(0)!;
      surface(display, 0, 8192, 4096); // 128 MiB
      const err = await h.waitFor('channel-error', undefined, 5000);
      assert.match(err.error.message, /surface 0 \(8192x4096\) needs 128\.0 MiB/);
      assert.equal(h.session.getSurface(0, 0), undefined);
      surface(display, 0, 1024, 768);
      display.send(E.SPICE_MSG_DISPLAY_MARK);
      await h.waitFor('mark', undefined, 5000);
      assert.equal(h.session.getSurface(0, 0)?.width, 1024);
      assert.equal(h.session.memory.usedBytes, 1024 * 768 * 4);
    } finally {
      await h.close();
    }
  },
);

/** A QUIC stream header declaring width x height, followed by enough (garbage) bits to pass its size check. */
function quicImage(id: bigint, descriptor: [number, number], header: [number, number]): SpiceImage {
  const [w, h] = header;
  const bytes = 20 + Math.ceil((3 * w + 9 * h + 64) / 8) + 64;
  const data = new Uint8Array(bytes);
  const v = new DataView(data.buffer);
  v.setUint32(0, 0x43495551, true);
  v.setUint32(4, 0, true);
  v.setUint32(8, 3, true); // RGB24
  v.setUint32(12, w, true);
  v.setUint32(16, h, true);
  return {
    descriptor: { id, type: E.SPICE_IMAGE_TYPE_QUIC, flags: 0, width: descriptor[0], height: descriptor[1] },
    body: { kind: 'binary', data },
  };
}

function copyOf(image: SpiceImage, w: number, h: number): Uint8Array {
  return B.encodeDrawCopy({
    base: B.displayBase(0, B.rect(0, 0, w, h)),
    data: {
      src_bitmap: image,
      src_area: B.rect(0, 0, w, h),
      rop_descriptor: E.SPICE_ROPD_OP_PUT,
      scale_mode: E.SPICE_IMAGE_SCALE_MODE_NEAREST,
      mask: B.NO_MASK,
    },
  });
}

void test(
  'an image larger than the surface it is drawn on is refused before decoding',
  { timeout: 30_000 },
  async () => {
    const h = await startHarness({ display: true });
    try {
      const display = (await linkDisplays(h)).get(0)!;
      surface(display, 0, 64, 64);
      // 12 KB of QUIC that would decode to 256 MiB, onto a 64x64 surface.
      display.send(E.SPICE_MSG_DISPLAY_DRAW_COPY, copyOf(quicImage(1n, [8192, 8192], [8192, 8192]), 64, 64));
      const err = await h.waitFor('channel-error', undefined, 5000);
      assert.match(
        err.error.message,
        /8192x8192, more pixels than surface 0 \(64x64\).*refused before decoding/,
      );
      // The surface and the 12 KB message: the 256 MiB of pixels were never reserved, let alone allocated.
      assert.ok(h.session.memory.peakBytes < 64 * 64 * 4 + 64 * 1024, `peak ${h.session.memory.peakBytes}`);
    } finally {
      await h.close();
    }
  },
);

void test(
  'an image whose stream header disagrees with its descriptor is refused before decoding',
  { timeout: 30_000 },
  async () => {
    const h = await startHarness({ display: true });
    try {
      const display = (await linkDisplays(h)).get(0)!;
      surface(display, 0, 64, 64);
      display.send(E.SPICE_MSG_DISPLAY_DRAW_COPY, copyOf(quicImage(2n, [16, 16], [8192, 8192]), 16, 16));
      const err = await h.waitFor('channel-error', undefined, 5000);
      assert.match(
        err.error.message,
        /stream header says 8192x8192, the descriptor 16x16: refused before decoding/,
      );
    } finally {
      await h.close();
    }
  },
);

/** A minimal JPEG prefix (SOI + SOF0) declaring its size: enough for the client to read it before decoding. */
function jpegDeclaring(width: number, height: number): Uint8Array {
  return Uint8Array.from([
    0xff,
    0xd8,
    0xff,
    0xc0,
    0x00,
    0x11,
    0x08,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    3,
    1,
    0x22,
    0,
    2,
    0x11,
    1,
    3,
    0x11,
    1,
    0xff,
    0xd9,
  ]);
}

void test(
  'a video frame larger than its surface is dropped before decoding',
  { timeout: 30_000 },
  async () => {
    const { logger, lines } = capture();
    const h = await startHarness({ display: true, session: { logger } });
    try {
      const display = (await linkDisplays(h)).get(0)!;
      surface(display, 0, 64, 64);
      display.send(
        E.SPICE_MSG_DISPLAY_STREAM_CREATE,
        B.encodeStreamCreate({
          surface_id: 0,
          id: 1,
          flags: E.SPICE_STREAM_FLAGS_TOP_DOWN,
          codec_type: E.SPICE_VIDEO_CODEC_TYPE_MJPEG,
          stamp: 0n,
          stream_width: 64,
          stream_height: 64,
          src_width: 64,
          src_height: 64,
          dest: B.rect(0, 0, 64, 64),
          clip: B.NO_CLIP,
        }),
      );
      display.send(E.SPICE_MSG_DISPLAY_STREAM_DATA, B.encodeStreamData(1, 0, jpegDeclaring(16384, 16384)));
      display.send(E.SPICE_MSG_DISPLAY_MARK);
      await h.waitFor('mark', undefined, 5000);
      assert.ok(
        lines.some((l) => /frame dropped: a 16384x16384 frame is larger than its 64x64 surface/.test(l)),
        lines.join('\n'),
      );
      assert.ok(h.session.memory.peakBytes < 64 * 64 * 4 + 4096, `peak ${h.session.memory.peakBytes}`);
    } finally {
      await h.close();
    }
  },
);
