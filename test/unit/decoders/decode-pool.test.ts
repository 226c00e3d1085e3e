import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DecodePool } from '../../../main/spice/decoders/pool/decode-pool';
import { ProtocolError, SpiceError } from '../../../main/spice/errors';
import { CORPUS_DIR, corpusPath } from '../../support/fixture-paths';
import * as E from '../../../main/spice/protocol/enums';

const CORPUS = CORPUS_DIR;
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

interface Blob {
  file: string;
  width: number;
  height: number;
  decoded_sha256_rgba: string;
}
const blobs = (JSON.parse(readFileSync(`${CORPUS}/manifest.json`, 'utf8')) as { blobs: Blob[] }).blobs;
const blob = (file: string): Blob => blobs.find((b) => b.file === file)!;
const lzJob = (data: Uint8Array, width: number, height: number) =>
  ({ type: E.SPICE_IMAGE_TYPE_LZ_RGB, width, height, data }) as const;

void test('small images decode inline, large ones on a worker thread, both bit-exact', async () => {
  const pool = new DecodePool({ workers: 1, inlineMaxPixels: 400_000 });
  try {
    const small = blob('terminal_640x480.lz');
    const a = await pool.decode(
      lzJob(new Uint8Array(readFileSync(`${CORPUS}/${small.file}`)), small.width, small.height),
      small.width * small.height,
    );
    assert.equal(sha(a.pixels), small.decoded_sha256_rgba);
    assert.equal(pool.threadCount, 0, 'a 307K-pixel image decodes inline below a 400K threshold');

    const big = blob('text_desktop_1920x1080.lz');
    const input = new Uint8Array(readFileSync(`${CORPUS}/${big.file}`));
    const [b, c] = await Promise.all([
      pool.decode(lzJob(input, big.width, big.height), big.width * big.height),
      pool.decode(
        {
          type: E.SPICE_IMAGE_TYPE_QUIC,
          width: 1920,
          height: 1080,
          data: new Uint8Array(readFileSync(`${CORPUS}/text_desktop_1920x1080.quic`)),
        },
        1920 * 1080,
      ),
    ]);
    assert.equal(pool.threadCount, 1);
    assert.equal(sha(b.pixels), big.decoded_sha256_rgba);
    assert.equal(sha(c.pixels), big.decoded_sha256_rgba);
    assert.equal(input.byteLength, big_bytes(big), "the caller's input is copied, not taken");
  } finally {
    await pool.close();
  }
  assert.equal(pool.threadCount, 0);
});

function big_bytes(b: Blob): number {
  return readFileSync(`${CORPUS}/${b.file}`).length;
}

void test('transferInput hands the buffer over; worker errors arrive as ProtocolError', async () => {
  const pool = new DecodePool({ workers: 2, inlineMaxPixels: 0 });
  try {
    const src = readFileSync(`${CORPUS}/boot_screen_720x400.lz`);
    const own = new Uint8Array(src.length);
    own.set(src);
    const img = await pool.decode(lzJob(own, 720, 400), 720 * 400, { transferInput: true });
    assert.equal(sha(img.pixels), blob('boot_screen_720x400.lz').decoded_sha256_rgba);
    assert.equal(own.byteLength, 0, 'transferred input is detached');

    const corrupt = new Uint8Array(src.subarray(0, 5000));
    await assert.rejects(pool.decode(lzJob(corrupt, 720, 400), 720 * 400), ProtocolError);
    const bitmap = await pool.decode(
      {
        type: E.SPICE_IMAGE_TYPE_BITMAP,
        width: 2,
        height: 1,
        bitmap: { format: 8, flags: 4, stride: 8 },
        palette: null,
        data: new Uint8Array([1, 2, 3, 0, 4, 5, 6, 0]),
      },
      2,
    );
    assert.deepEqual([...bitmap.pixels], [3, 2, 1, 255, 6, 5, 4, 255]);
  } finally {
    await pool.close();
  }
});

void test('close() rejects pending and later jobs and leaves no thread running', async () => {
  const pool = new DecodePool({ workers: 1, inlineMaxPixels: 0 });
  const data = new Uint8Array(readFileSync(`${CORPUS}/photo_1920x1080.lz`));
  const pending = pool.decode(lzJob(data, 1920, 1080), 1920 * 1080);
  assert.equal(pool.threadCount, 1);
  const rejected = assert.rejects(pending, (e: unknown) => e instanceof SpiceError && e.code === 'cancelled');
  await pool.close();
  await rejected;
  await assert.rejects(pool.decode(lzJob(data, 1920, 1080), 1), SpiceError);
  assert.equal(pool.threadCount, 0);
});

test('a large job whose input views a Buffer copies it: the caller memory is never transferred away', async () => {
  const lz = readFileSync(corpusPath('boot_screen_720x400.lz'));
  const socketLike = Buffer.concat([Buffer.alloc(7), lz, Buffer.alloc(5)]);
  const view = socketLike.subarray(7, 7 + lz.length); // a Buffer view, as the framer could hand out
  const pool = new DecodePool({ inlineMaxPixels: 0 });
  try {
    const img = await pool.decode(lzJob(view, 720, 400), 720 * 400);
    assert.equal(img.width, 720);
    assert.equal(socketLike.buffer.byteLength > 0, true, 'the caller buffer is not detached');
    assert.equal(view[0], lz[0]);
  } finally {
    await pool.close();
  }
});

test('an idle worker does not keep the process alive (a pool someone forgot to close cannot hang an exit)', async () => {
  const { spawnSync } = await import('node:child_process');
  const script = `
    import { DecodePool } from ${JSON.stringify(new URL('../../../main/spice/decoders/pool/decode-pool.ts', import.meta.url).href)};
    import { readFileSync } from 'node:fs';
    const lz = readFileSync(${JSON.stringify(corpusPath('boot_screen_720x400.lz'))});
    const pool = new DecodePool({ inlineMaxPixels: 0 });
    const img = await pool.decode({ type: 101, width: 720, height: 400, data: lz }, 720 * 400);
    console.log('decoded', img.width, pool.threadCount);
  `;
  // A worker keeping the process alive would hang it forever; the bound only has to exceed a loaded start-up.
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    timeout: 120_000,
  });
  assert.equal(r.signal, null, 'the process exited by itself (not killed by the timeout)');
  assert.match(r.stdout.toString(), /decoded 720 1/);
});
