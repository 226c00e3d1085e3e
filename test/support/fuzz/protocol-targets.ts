// Fuzz targets for every parser that reads untrusted input, apart from the image decoders (their targets live in
// test/unit/decoders/fuzz-targets.ts): the link stage, the framer (mini and full header), each channel's message
// handling through the real channel classes (main, display, cursor, inputs — the common messages, LIST and
// sub-message lists included), .vv files, spice:// URIs, proxy URLs, host subjects, and the app contract's
// guards (requests from a page, view messages into a page). Seeds are real captures (test/fixtures/fuzz) and
// the test builders; mutation is structure-aware (mutate.ts).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { encodePortMessage, decodePortMessage } from '../../../shared/port-codec';
import { parseRequestText } from '../../../shared/contract-guards';
import type { PortMessage as ViewMessage } from '../../../shared/contract';
import { SpiceError } from '../../../main/spice/errors';
import * as E from '../../../main/spice/protocol/enums';
import { silentLogger } from '../../../main/spice/logger';
import { MemoryBudget } from '../../../main/spice/memory-budget';
import type { SpiceChannel, ChannelContext, ChannelHost } from '../../../main/spice/channels/channel';
import { MainChannel } from '../../../main/spice/channels/main-channel';
import { DisplayChannel } from '../../../main/spice/channels/display-channel';
import { CursorChannel } from '../../../main/spice/channels/cursor-channel';
import { InputsChannel } from '../../../main/spice/channels/inputs-channel';
import { createDisplayShared } from '../../../main/spice/surfaces/display-shared';
import { createImageDecoders } from '../../../main/spice/decoders/image-decoders';
import { GlzWindow } from '../../../main/spice/decoders/glz-window';
import { MessageFramer } from '../../../main/spice/transport/framer';
import { performLink, CLIENT_COMMON_CAPS } from '../../../main/spice/transport/link';
import type { ByteSource } from '../../../main/spice/transport/byte-source';
import type { StreamOpener } from '../../../main/spice/transport/stream-opener';
import { parseHostSubject } from '../../../main/spice/transport/cert-subject';
import { parseSpiceUri } from '../../../main/spice/connect/uri';
import { parseProxyUrl } from '../../../main/spice/connect/proxy-url';
import { checkVvVersion, parseVvFile } from '../../../main/spice/connect/vv-file';
import { mistypedSpiceUri } from '../../../main/spice/connect/resolve';
import { SpiceReader } from '../../../main/spice/wire/reader';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import * as B from '../display-builders';
import type { FuzzTargetDef } from './engine';
import { concat, mutateBytes, mutateJson, mutateText, pick, type Rnd } from './mutate';

const FIXTURES = join(import.meta.dirname, '../../fixtures/fuzz');
const MiB = 1024 * 1024;

function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}

/** The messages of a mini-header stream. */
function splitStream(bytes: Uint8Array): { type: number; body: Uint8Array }[] {
  const out: { type: number; body: Uint8Array }[] = [];
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i + 6 <= bytes.length;) {
    const type = v.getUint16(i, true);
    const size = v.getUint32(i + 2, true);
    out.push({ type, body: bytes.slice(i + 6, i + 6 + size) });
    i += 6 + size;
  }
  return out;
}

function streams(suffix: string, filter?: (name: string) => boolean): Uint8Array[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith(suffix) && (!filter || filter(f)))
    .sort()
    .map(fixture);
}

const bytesIo = {
  serialize: (b: Uint8Array) => b,
  deserialize: (b: Uint8Array) => b,
};

const textIo = {
  serialize: (t: string) => new TextEncoder().encode(t),
  deserialize: (b: Uint8Array) => new TextDecoder().decode(b),
};

function otherSeed(rnd: Rnd, pool: readonly Uint8Array[]): Uint8Array | undefined {
  return pool.length ? pool[pick(rnd, pool.length)] : undefined;
}

// ---- link stage ----

class ReplaySource implements ByteSource {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}
  write(): void {}
  read(n: number): Promise<Uint8Array> {
    if (this.at + n > this.bytes.length)
      return Promise.reject(new SpiceError('closed', 'the server closed the connection during the link'));
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return Promise.resolve(out);
  }
  get received(): Uint8Array {
    return this.bytes.subarray(0, 64);
  }
}

const linkTarget: FuzzTargetDef<Uint8Array> = {
  name: 'link',
  what: 'the link stage: SpiceLinkHeader, SpiceLinkReply (key, caps), auth selection, ticket, link result',
  seeds: () => streams('.link'),
  // Fields from offset 16 (the reply) are u32-aligned.
  mutate: (b, rnd, pool) => mutateBytes(b, rnd, otherSeed(rnd, pool), rnd() < 0.5 ? 16 : 0),
  run: (input) =>
    performLink(
      new ReplaySource(input),
      { connectionId: 0, channelType: 1, channelId: 0, commonCaps: CLIENT_COMMON_CAPS, channelCaps: [1, 2] },
      'secret',
      'main',
    ),
  ...bytesIo,
};

// ---- framer ----

/** A mini-header stream rewritten with full 18-byte headers (serials counted, no sub-lists). */
function toFullHeaders(stream: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  splitStream(stream).forEach((m, i) =>
    parts.push(
      new SpiceWriter(18)
        .u64(BigInt(i + 1))
        .u16(m.type)
        .u32(m.body.length)
        .u32(0)
        .finish(),
      m.body,
    ),
  );
  return concat(...parts);
}

function framerTarget(mini: boolean): FuzzTargetDef<Uint8Array> {
  return {
    name: mini ? 'framer' : 'framer-full-header',
    what: `the message framer (${mini ? 'mini' : 'full'} header) fed in random chunks, against a memory budget`,
    seeds: () => {
      const s = streams('.spice').map((b) => b.subarray(0, 32 * 1024));
      return mini ? s : s.map(toFullHeaders);
    },
    mutate: (b, rnd, pool) => mutateBytes(b, rnd, otherSeed(rnd, pool)),
    run: (input) => {
      const framer = new MessageFramer(mini, 1 * MiB, { memory: new MemoryBudget(4 * MiB), what: 'fuzz' });
      // Split points derived from the input itself, so a reproducer replays the same chunks.
      let at = 0;
      let k = input.length ? input[0]! : 1;
      while (at < input.length) {
        const n = 1 + (k % 4096);
        framer.push(input.subarray(at, at + n));
        at += n;
        k = (k * 1103515245 + 12345) >>> 8;
        for (let m = framer.next(); m; m = framer.next())
          if (m.body.length < 0) throw new Error('negative body');
      }
      framer.dispose();
    },
    ...bytesIo,
  };
}

// ---- channels ----

const fakeOpener: StreamOpener = {
  open: () => Promise.reject<Duplex>(new SpiceError('config', 'not opened')),
  prefersSecure: () => false,
  hasSecurePort: false,
  hasPlainPort: true,
  describe: () => 'fuzz',
};

export function fakeContext(type: number, id: number): ChannelContext {
  const host: ChannelHost = {
    opener: fakeOpener,
    connectionId: 1,
    password: '',
    linkTimeoutMs: 1000,
    memory: new MemoryBudget(128 * MiB),
    // Small budgets: every input stays fast, and the budget paths are fuzzed too.
    workOptions: { maxPixelsPerMessage: 1 << 22 },
    waitForChannelSerial: () => Promise.resolve(true),
    endSession: () => {},
  };
  return { type, id, logger: silentLogger, host, emit: () => {} };
}

/** The dispatcher's private entry for one message (no socket needed): the same handler table and LIST logic. */
interface Dispatchable {
  handleMessage(type: number, r: SpiceReader): void | Promise<void>;
  work: { startMessage(label: string): void };
}

/** A message as fuzz input: u16 type then the body. */
export function message(type: number, body: Uint8Array): Uint8Array {
  return concat(new SpiceWriter(2).u16(type).finish(), body);
}

const COMMON_SEEDS = (): Uint8Array[] => [
  message(E.SPICE_MSG_SET_ACK, new SpiceWriter().u32(1).u32(20).finish()),
  message(E.SPICE_MSG_PING, new SpiceWriter().u32(7).u64(123n).bytes(new Uint8Array(16)).finish()),
  message(
    E.SPICE_MSG_NOTIFY,
    new SpiceWriter().u64(0n).u32(1).u32(1).u32(0).u32(5).bytes(Buffer.from('hello')).u8(0).finish(),
  ),
  message(E.SPICE_MSG_WAIT_FOR_CHANNELS, new SpiceWriter().u8(1).u8(2).u8(0).u64(5n).finish()),
  message(
    E.SPICE_MSG_LIST,
    B.encodeMessageList([
      { type: E.SPICE_MSG_PING, body: new SpiceWriter().u32(1).u64(0n).finish() },
      { type: E.SPICE_MSG_SET_ACK, body: new SpiceWriter().u32(2).u32(3).finish() },
    ]),
  ),
];

export function channelTarget(
  name: string,
  what: string,
  make: () => { channel: SpiceChannel; setup?: Uint8Array[] },
  seeds: () => Uint8Array[],
  types: readonly number[],
): FuzzTargetDef<Uint8Array> {
  let current: ReturnType<typeof make> | undefined;
  const dispatch = async (c: SpiceChannel, input: Uint8Array): Promise<void> => {
    if (input.length < 2) throw new SpiceError('protocol', 'no message type');
    const type = input[0]! | (input[1]! << 8);
    const d = c as unknown as Dispatchable;
    d.work.startMessage(`message ${type}`);
    await d.handleMessage(type, new SpiceReader(input.subarray(2)));
  };
  const fresh = async (): Promise<ReturnType<typeof make>> => {
    current?.channel.close();
    current = make();
    for (const m of current.setup ?? []) await dispatch(current.channel, m);
    return current;
  };
  return {
    name,
    what,
    seeds: () => [...seeds(), ...COMMON_SEEDS()],
    mutate: (b, rnd, pool) => {
      const r = rnd();
      if (r < 0.1 && b.length >= 2) {
        // Another type of this channel (or a common one) with this body.
        const all = [...types, E.SPICE_MSG_LIST, E.SPICE_MSG_NOTIFY, E.SPICE_MSG_WAIT_FOR_CHANNELS];
        return concat(new SpiceWriter(2).u16(all[pick(rnd, all.length)]!).finish(), b.subarray(2));
      }
      if (r < 0.15 && b.length >= 2) {
        // Wrapped in a LIST, possibly repeated (work amplification).
        const sub = { type: b[0]! | (b[1]! << 8), body: b.subarray(2) };
        return message(E.SPICE_MSG_LIST, B.encodeMessageList([sub], 1 + pick(rnd, 64)));
      }
      return concat(b.subarray(0, 2), mutateBytes(b.subarray(2), rnd, otherSeed(rnd, pool)?.subarray(2)));
    },
    run: async (input) => {
      const c = current ?? (await fresh());
      await dispatch(c.channel, input);
    },
    reset: async () => {
      await fresh();
    },
    resetEvery: 500,
    ...bytesIo,
  };
}

function realMessages(file: string): Uint8Array[] {
  return splitStream(fixture(file))
    .filter((m) => m.type !== E.SPICE_MSG_DISCONNECTING)
    .map((m) =>
      message(m.type, m.body.length > 4096 && m.type === E.SPICE_MSG_PING ? m.body.subarray(0, 64) : m.body),
    );
}

const solid = (color: number) => ({ type: E.SPICE_BRUSH_TYPE_SOLID, color }) as const;
const box = B.rect(8, 8, 120, 90);
const base = B.displayBase(0, box, [B.rect(0, 0, 100, 100), B.rect(100, 0, 200, 50)]);
const img = B.bitmapImage(
  5n,
  3,
  2,
  [0xff0000, 0x00ff00, 0x0000ff, 0xffffff, 0, 0x808080],
  E.SPICE_IMAGE_FLAGS_CACHE_ME,
);

function displaySeeds(): Uint8Array[] {
  const m = (type: number, body: Uint8Array): Uint8Array => message(type, body);
  return [
    ...['session-display.spice', 'cap-quic-display.spice', 'cap-glz-display.spice'].flatMap(realMessages),
    m(
      E.SPICE_MSG_DISPLAY_DRAW_FILL,
      B.encodeDrawFill({
        base,
        data: { brush: solid(0x123456), rop_descriptor: E.SPICE_ROPD_OP_XOR, mask: B.NO_MASK },
      }),
    ),
    m(
      E.SPICE_MSG_DISPLAY_DRAW_FILL,
      B.encodeDrawFill({
        base,
        data: {
          brush: { type: E.SPICE_BRUSH_TYPE_PATTERN, pat: img, pos: { x: 1, y: 2 } },
          rop_descriptor: E.SPICE_ROPD_OP_PUT,
          mask: { flags: 0, pos: { x: 3, y: 4 }, bitmap: B.maskImage(6n, ['101', '010']) },
        },
      }),
    ),
    m(
      E.SPICE_MSG_DISPLAY_DRAW_COPY,
      B.encodeDrawCopy({
        base,
        data: {
          src_bitmap: img,
          src_area: B.rect(0, 0, 3, 2),
          rop_descriptor: E.SPICE_ROPD_OP_PUT,
          scale_mode: E.SPICE_IMAGE_SCALE_MODE_INTERPOLATE,
          mask: B.NO_MASK,
        },
      }),
    ),
    m(
      E.SPICE_MSG_DISPLAY_DRAW_OPAQUE,
      B.encodeDrawOpaque({
        base,
        data: {
          src_bitmap: img,
          src_area: B.rect(0, 0, 3, 2),
          brush: solid(7),
          rop_descriptor: E.SPICE_ROPD_OP_PUT,
          scale_mode: 0,
          mask: B.NO_MASK,
        },
      }),
    ),
    m(E.SPICE_MSG_DISPLAY_DRAW_BLACKNESS, B.encodeDrawMaskOnly({ base, data: { mask: B.NO_MASK } })),
    m(
      E.SPICE_MSG_DISPLAY_DRAW_ROP3,
      B.encodeDrawRop3({
        base,
        data: {
          src_bitmap: img,
          src_area: B.rect(0, 0, 3, 2),
          brush: solid(9),
          rop3: 0x96,
          scale_mode: 1,
          mask: B.NO_MASK,
        },
      }),
    ),
    m(
      E.SPICE_MSG_DISPLAY_DRAW_STROKE,
      B.encodeDrawStroke({
        base,
        data: {
          path: {
            segments: [
              {
                flags: E.SPICE_PATH_BEGIN,
                points: [
                  { x: 16, y: 32 },
                  { x: 160, y: 32 },
                ],
              },
              {
                flags: E.SPICE_PATH_END | E.SPICE_PATH_CLOSE | E.SPICE_PATH_BEZIER,
                points: [
                  { x: 1, y: 2 },
                  { x: 3, y: 4 },
                  { x: 5, y: 6 },
                ],
              },
            ],
          },
          attr: { flags: E.SPICE_LINE_FLAGS_STYLED, style: [32, 16, 48] },
          brush: solid(0x123456),
          fore_mode: 8,
          back_mode: 4,
        },
      }),
    ),
    m(
      E.SPICE_MSG_DISPLAY_DRAW_TEXT,
      B.encodeDrawText({
        base,
        data: {
          str: {
            flags: E.SPICE_STRING_FLAGS_RASTER_A4,
            bpp: 4,
            glyphs: [
              {
                render_pos: { x: 5, y: 6 },
                glyph_origin: { x: 0, y: -3 },
                width: 3,
                height: 2,
                data: Uint8Array.from([1, 2, 3, 4]),
              },
            ],
          },
          back_area: B.rect(0, 0, 10, 10),
          fore_brush: solid(0xffffff),
          back_brush: solid(1),
          fore_mode: 8,
          back_mode: 8,
        },
      }),
    ),
    m(
      E.SPICE_MSG_DISPLAY_DRAW_TRANSPARENT,
      B.encodeDrawTransparent({
        base,
        data: { src_bitmap: img, src_area: B.rect(0, 0, 3, 2), src_color: 5, true_color: 0x00ff00 },
      }),
    ),
    m(
      E.SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND,
      B.encodeDrawAlphaBlend({
        base,
        data: { alpha_flags: 3, alpha: 128, src_bitmap: img, src_area: B.rect(0, 0, 3, 2) },
      }),
    ),
    m(
      E.SPICE_MSG_DISPLAY_DRAW_COMPOSITE,
      B.encodeDrawComposite({
        base,
        data: {
          flags: 3 | E.SPICE_COMPOSITE_HAS_SRC_TRANSFORM,
          src_bitmap: img,
          mask_bitmap: null,
          src_transform: { t00: 65536, t01: 0, t02: 0xffff0000, t10: 0, t11: 65536, t12: 3 },
          mask_transform: null,
          src_origin: { x: -2, y: 3 },
          mask_origin: { x: 0, y: 0 },
        },
      }),
    ),
    m(E.SPICE_MSG_DISPLAY_COPY_BITS, B.encodeCopyBits({ base, src_pos: { x: 3, y: 4 } })),
    m(E.SPICE_MSG_DISPLAY_INVAL_LIST, B.encodeInvalList([5n, 6n])),
    m(E.SPICE_MSG_DISPLAY_INVAL_ALL_PIXMAPS, B.encodeInvalAllPixmaps([{ type: 2, id: 0, serial: 3n }])),
    m(
      E.SPICE_MSG_DISPLAY_SURFACE_CREATE,
      B.encodeSurfaceCreate({
        surface_id: 1,
        width: 64,
        height: 48,
        format: E.SPICE_SURFACE_FMT_32_ARGB,
        flags: 0,
      }),
    ),
    m(E.SPICE_MSG_DISPLAY_SURFACE_DESTROY, B.encodeSurfaceDestroy(1)),
    m(
      E.SPICE_MSG_DISPLAY_STREAM_CREATE,
      B.encodeStreamCreate({
        surface_id: 0,
        id: 1,
        flags: 0,
        codec_type: E.SPICE_VIDEO_CODEC_TYPE_MJPEG,
        stamp: 0n,
        stream_width: 32,
        stream_height: 32,
        src_width: 32,
        src_height: 32,
        dest: B.rect(0, 0, 64, 64),
        clip: B.NO_CLIP,
      }),
    ),
    m(
      E.SPICE_MSG_DISPLAY_STREAM_DATA,
      B.encodeStreamData(
        1,
        0,
        Uint8Array.from([
          0xff, 0xd8, 0xff, 0xc0, 0, 17, 8, 0, 32, 0, 32, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xd9,
        ]),
      ),
    ),
  ];
}

const displayTarget = channelTarget(
  'display-channel',
  'every display message through the real DisplayChannel (draws, caches, streams, surfaces, LIST)',
  () => {
    // A GLZ window that does not wait for references (a fuzzed reference to a missing image fails at once).
    const glz = new GlzWindow(1 << 20, { waitTimeoutMs: 1, stallBudgetMs: 5 });
    const shared = createDisplayShared({
      decodeInWorkers: false,
      maxTotalSurfacePixels: 4 << 20,
      decoders: {
        ...createImageDecoders(glz),
        [E.SPICE_IMAGE_TYPE_JPEG]: null,
        [E.SPICE_IMAGE_TYPE_JPEG_ALPHA]: null,
      },
      pixmapCacheSizePixels: 1 << 20,
    });
    const channel = new DisplayChannel(fakeContext(E.SPICE_CHANNEL_DISPLAY, 0), shared);
    return {
      channel,
      setup: [
        message(
          E.SPICE_MSG_DISPLAY_SURFACE_CREATE,
          B.encodeSurfaceCreate({
            surface_id: 0,
            width: 720,
            height: 400,
            format: E.SPICE_SURFACE_FMT_32_xRGB,
            flags: E.SPICE_SURFACE_FLAGS_PRIMARY,
          }),
        ),
      ],
    };
  },
  displaySeeds,
  [
    101,
    102,
    103,
    104,
    105,
    106,
    107,
    108,
    122,
    123,
    124,
    125,
    126,
    ...Array.from({ length: 21 }, (_, i) => 302 + i),
  ],
);

const mainTarget = channelTarget(
  'main-channel',
  'every main message through the real MainChannel (init, channel list, name, uuid, mouse, agent, migration) and the common messages',
  () => ({
    channel: new MainChannel(fakeContext(E.SPICE_CHANNEL_MAIN, 0), {
      onInit: () => {},
      onChannels: () => {},
    }),
  }),
  () => [
    ...realMessages('session-main.spice'),
    message(
      E.SPICE_MSG_MAIN_MIGRATE_SWITCH_HOST,
      new SpiceWriter().u16(5900).u16(0).u32(4).u32(20).u32(0).u32(0).bytes(Buffer.from('h.x\0')).finish(),
    ),
    message(E.SPICE_MSG_MAIN_MOUSE_MODE, new SpiceWriter().u16(3).u16(2).finish()),
    message(E.SPICE_MSG_MAIN_AGENT_CONNECTED_TOKENS, new SpiceWriter().u32(10).finish()),
    message(E.SPICE_MSG_MAIN_MULTI_MEDIA_TIME, new SpiceWriter().u32(1000).finish()),
  ],
  Array.from({ length: 18 }, (_, i) => 101 + i),
);

function cursorHeader(w: SpiceWriter, type: number, width: number, height: number): SpiceWriter {
  return w.u64(9n).u8(type).u16(width).u16(height).u16(1).u16(1);
}

const cursorTarget = channelTarget(
  'cursor-channel',
  'every cursor message through the real CursorChannel (shapes of every type, cache, moves)',
  () => ({ channel: new CursorChannel(fakeContext(E.SPICE_CHANNEL_CURSOR, 0)) }),
  () => [
    message(
      E.SPICE_MSG_CURSOR_INIT,
      cursorHeader(new SpiceWriter().i16(5).i16(6).u16(0).u8(1).u16(0), E.SPICE_CURSOR_TYPE_ALPHA, 2, 2)
        .bytes(new Uint8Array(16))
        .finish(),
    ),
    message(
      E.SPICE_MSG_CURSOR_SET,
      cursorHeader(
        new SpiceWriter().i16(5).i16(6).u8(1).u16(E.SPICE_CURSOR_FLAGS_CACHE_ME),
        E.SPICE_CURSOR_TYPE_MONO,
        8,
        2,
      )
        .bytes(new Uint8Array(4))
        .finish(),
    ),
    message(
      E.SPICE_MSG_CURSOR_SET,
      cursorHeader(new SpiceWriter().i16(1).i16(2).u8(1).u16(0), E.SPICE_CURSOR_TYPE_COLOR32, 2, 2)
        .bytes(new Uint8Array(16 + 2))
        .finish(),
    ),
    message(
      E.SPICE_MSG_CURSOR_SET,
      new SpiceWriter().i16(1).i16(2).u8(1).u16(E.SPICE_CURSOR_FLAGS_FROM_CACHE).u64(9n).finish(),
    ),
    message(E.SPICE_MSG_CURSOR_MOVE, new SpiceWriter().i16(10).i16(20).finish()),
    message(E.SPICE_MSG_CURSOR_HIDE, new Uint8Array(0)),
    message(E.SPICE_MSG_CURSOR_TRAIL, new SpiceWriter().u16(3).u16(4).finish()),
    message(E.SPICE_MSG_CURSOR_INVAL_ONE, new SpiceWriter().u64(9n).finish()),
    message(E.SPICE_MSG_CURSOR_INVAL_ALL, new Uint8Array(0)),
    message(E.SPICE_MSG_CURSOR_RESET, new Uint8Array(0)),
  ],
  Array.from({ length: 8 }, (_, i) => 101 + i),
);

const inputsTarget = channelTarget(
  'inputs-channel',
  'every inputs message through the real InputsChannel',
  () => ({ channel: new InputsChannel(fakeContext(E.SPICE_CHANNEL_INPUTS, 0)) }),
  () => [
    message(E.SPICE_MSG_INPUTS_INIT, new SpiceWriter().u16(2).finish()),
    message(E.SPICE_MSG_INPUTS_KEY_MODIFIERS, new SpiceWriter().u16(7).finish()),
    message(E.SPICE_MSG_INPUTS_MOUSE_MOTION_ACK, new Uint8Array(0)),
  ],
  [101, 102, 111],
);

// ---- text formats ----

const VV_SEEDS = [
  '[virt-viewer]\ntype=spice\nhost=vm.example\nport=5900\npassword=secret\ndelete-this-file=1\n',
  '[virt-viewer]\ntype=spice\nhost=pvespiceproxy:6523a2c1:101:pve1::8a1b\nproxy=http://pve1.example:3128\ntls-port=61000\npassword=ticket\nhost-subject=OU=PVE Cluster Node,O=Proxmox Virtual Environment,CN=pve1.example\nca=-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n\nsecure-attention=ctrl+alt+end\nrelease-cursor=ctrl+alt+r\ntoggle-fullscreen=shift+f11\ndelete-this-file=1\ntitle=VM 101 - Win11\n',
  '[virt-viewer]\ntype=spice\nhost=192.168.1.10\nport=5900\ntls-port=5901\nsecure-channels=main;inputs\ndisable-channels=usbredir\nenable-usbredir=1\nusb-filter=-1,-1,-1,-1,0\nfullscreen=1\nversions=x86_64:2.0-160;i686:2.0-160\nnewer-version-url=https://example.com\n[ovirt]\nhost=engine.example\nvm-guid=0f0f0f0f-1111-2222-3333-444455556666\njsessionid=abc\nca=-----BEGIN CERTIFICATE-----\\nx\\n-----END CERTIFICATE-----\n',
  '[virt-viewer]\ntype=spice\nunix-path=/run/libvirt/qemu/spice.sock\ntitle=%d - %s\nzoom=150\ncolor-depth=16\n',
];

const vvTarget: FuzzTargetDef<string> = {
  name: 'vv-file',
  what: '.vv connection files (parseVvFile + checkVvVersion)',
  seeds: () => VV_SEEDS,
  mutate: (t, rnd) => mutateText(t, rnd),
  run: (text) => {
    const config = parseVvFile(text, { capabilities: { window: true, hotkeys: true } });
    checkVvVersion(config);
  },
  ...textIo,
};

const uriTarget: FuzzTargetDef<string> = {
  name: 'uri',
  what: 'spice:// URIs, mistyped-URI detection, proxy URLs and TLS host subjects',
  seeds: () => [
    'spice://host:5900',
    'spice://[::1]:5901?tls-port=5902&password=x',
    'spice+tls://vm.example:5901',
    'spice+unix:///run/spice.sock',
    'spice://h?port=1&tls-port=2&password=a%20b',
    'spice:/host:5900',
    'http://user:pass@proxy.example:3128',
    'C=US,O=Example,CN=host',
    'CN=a\\,b,OU=x+OU=y',
  ],
  mutate: (t, rnd) => mutateText(t, rnd),
  run: (text) => {
    mistypedSpiceUri(text);
    // Every parser runs; the first refusal is the outcome (its text guides the mutation pool).
    let refusal: SpiceError | undefined;
    for (const parse of [parseSpiceUri, parseProxyUrl, parseHostSubject]) {
      try {
        parse(text);
      } catch (e) {
        if (!(e instanceof SpiceError)) throw e;
        refusal ??= e;
      }
    }
    if (refusal) throw refusal;
  },
  ...textIo,
};

// ---- the app contract ----

const REQUEST_SEEDS = [
  { method: 'connect', payload: { host: '127.0.0.1', port: 5900, tls: false, password: 'x' } },
  { method: 'connectUri', payload: { uri: 'spice://h:1', password: 'y' } },
  { method: 'openVv', payload: { fileName: 'a.vv', text: VV_SEEDS[0] } },
  { method: 'key', payload: { scancode: 0x1e, down: true } },
  { method: 'keyModifiers', payload: { modifiers: 3 } },
  { method: 'mouseMotion', payload: { dx: 3, dy: -2, buttons: 1 } },
  { method: 'mousePosition', payload: { x: 10, y: 20, buttons: 0 } },
  { method: 'mouseButton', payload: { button: 1, buttons: 1, down: true } },
  { method: 'sendKeys', payload: { combo: 'ctrl-alt-del' } },
  { method: 'frameAck', payload: { seq: 5 } },
  { method: 'reconnect', payload: { password: 'p' } },
  { method: 'forgetRecent', payload: { id: 'spice://h:1' } },
  { method: 'requestMouseMode', payload: { mode: 2 } },
  { method: 'command', payload: { command: 'fullscreen' } },
  { method: 'viewReady', payload: {} },
].map((r) => JSON.stringify(r));

const requestTarget: FuzzTargetDef<string> = {
  name: 'ipc-requests',
  what: 'the guard on every page → session request (shared/contract-guards.ts parseRequestText)',
  seeds: () => REQUEST_SEEDS,
  mutate: (t, rnd) => mutateJson(t, rnd),
  run: (text) => {
    const envelope = parseRequestText(text);
    if (!envelope) throw new SpiceError('protocol', 'request refused');
    return envelope;
  },
  ...textIo,
};

const VIEW_SEEDS: ViewMessage[] = [
  {
    kind: 'status',
    state: 'error',
    message: 'no',
    errorCode: 'auth-failed',
    canReconnect: true,
    form: { host: 'h', port: 1, tls: false },
  },
  {
    kind: 'status',
    state: 'connecting',
    message: 'Reconnecting in 2 s',
    canReconnect: true,
    reconnect: { attempt: 2, inMs: 2000 },
  },
  { kind: 'view', monitor: 0, title: 'vm', shell: 'web' },
  { kind: 'surface', width: 64, height: 32 },
  { kind: 'damage', rect: { left: 1, top: 2, right: 3, bottom: 4 }, pixels: new Uint8Array(16) },
  { kind: 'frame-end', seq: 9 },
  {
    kind: 'cursor-shape',
    cursor: { width: 2, height: 2, hotX: 1, hotY: 1, pixels: new Uint8Array(16) },
  },
  { kind: 'cursor-state', x: 3, y: 4, visible: true },
  { kind: 'notice', level: 'warning', message: 'x' },
] as ViewMessage[];

const viewTarget: FuzzTargetDef<Uint8Array> = {
  name: 'view-messages',
  what: 'the page-side decoder of port messages (shared/port-codec.ts), JSON and binary frames',
  seeds: () =>
    VIEW_SEEDS.map((m) => {
      const e = encodePortMessage(m);
      return typeof e === 'string'
        ? concat(Uint8Array.of(0), new TextEncoder().encode(e))
        : concat(Uint8Array.of(1), e);
    }),
  mutate: (b, rnd, pool) => {
    if (b[0] === 0 && rnd() < 0.7)
      return concat(
        Uint8Array.of(0),
        new TextEncoder().encode(mutateJson(new TextDecoder().decode(b.subarray(1)), rnd)),
      );
    return concat(b.subarray(0, 1), mutateBytes(b.subarray(1), rnd, otherSeed(rnd, pool)?.subarray(1)));
  },
  run: (b) => {
    const m =
      b[0] === 0
        ? decodePortMessage(new TextDecoder().decode(b.subarray(1)))
        : decodePortMessage(b.subarray(1).slice());
    if (!m) throw new SpiceError('protocol', 'view message refused');
    return m;
  },
  ...bytesIo,
};

export const PROTOCOL_TARGETS: readonly FuzzTargetDef<never>[] = [
  linkTarget,
  framerTarget(true),
  framerTarget(false),
  mainTarget,
  displayTarget,
  cursorTarget,
  inputsTarget,
  vvTarget,
  uriTarget,
  requestTarget,
  viewTarget,
] as unknown as FuzzTargetDef<never>[];
