// Large images decode on a worker thread (the display channel never blocks the session's thread on them), and
// the pixels that come back are exact.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { displayFeature } from '../../../main/spice/channels/display-feature';
import * as E from '../../../main/spice/protocol/enums';
import { SpiceReader } from '../../../main/spice/wire/reader';
import { SpiceWriter } from '../../../main/spice/wire/writer';
import * as B from '../../support/display-builders';
import { startHarness } from '../../support/session-harness';
import { CORPUS_DIR } from '../../support/fixture-paths';

const CORPUS = CORPUS_DIR;

test('a 1920x1080 QUIC image decodes on a worker thread, bit-exact, while the channel keeps answering', async () => {
  const manifest = JSON.parse(readFileSync(join(CORPUS, 'manifest.json'), 'utf8')) as {
    images: { name: string; sha256_rgba: string }[];
  };
  const expected = manifest.images.find((i) => i.name === 'photo_1920x1080')!.sha256_rgba;
  const quic = readFileSync(join(CORPUS, 'photo_1920x1080.quic'));
  const display = displayFeature();
  const shared = display.shared;
  const h = await startHarness({ features: [display] });
  try {
    assert.ok(shared.decodePool, 'display decodes use a pool by default');
    assert.equal(shared.decodePool.threadCount, 0, 'no thread before a large image');
    h.main.send(
      E.SPICE_MSG_MAIN_CHANNELS_LIST,
      new SpiceWriter().u32(1).u8(E.SPICE_CHANNEL_DISPLAY).u8(0).finish(),
    );
    const display = await h.server.connection();
    await display.nextOfType(E.SPICE_MSGC_DISPLAY_INIT);
    display.send(
      E.SPICE_MSG_DISPLAY_SURFACE_CREATE,
      B.encodeSurfaceCreate({
        surface_id: 0,
        width: 1920,
        height: 1080,
        format: E.SPICE_SURFACE_FMT_32_xRGB,
        flags: E.SPICE_SURFACE_FLAGS_PRIMARY,
      }),
    );
    display.send(
      E.SPICE_MSG_DISPLAY_DRAW_COPY,
      B.encodeDrawCopy({
        base: B.displayBase(0, B.rect(0, 0, 1920, 1080)),
        data: {
          src_bitmap: {
            descriptor: { id: 1n, type: E.SPICE_IMAGE_TYPE_QUIC, flags: 0, width: 1920, height: 1080 },
            body: { kind: 'binary', data: quic },
          },
          src_area: B.rect(0, 0, 1920, 1080),
          rop_descriptor: E.SPICE_ROPD_OP_PUT,
          scale_mode: 1,
          mask: B.NO_MASK,
        },
      }),
    );
    display.send(E.SPICE_MSG_PING, new SpiceWriter().u32(9).u64(0n).finish());
    display.send(E.SPICE_MSG_DISPLAY_MARK);
    await h.waitFor('mark', undefined, 20_000);
    assert.equal(new SpiceReader((await display.nextOfType(E.SPICE_MSGC_PONG)).body).u32(), 9);
    assert.equal(shared.decodePool.threadCount, 1, 'the large image went to a worker');
    const surface = h.session.getSurface(0, 0)!;
    assert.equal(createHash('sha256').update(surface.pixels).digest('hex'), expected);
  } finally {
    await h.close();
  }
  assert.equal(shared.decodePool.threadCount, 0, 'closing the session stops the worker');
});
