// `npm run bench:c-peer`: Saffron's decoders against spice-common's C decoders in the same run. spice-common is
// not built here: its decoders reach us inside Debian's libspice-client-glib (spice-gtk's protocol library), which
// exposes no decoder entry point — so both sides are driven the same way, as SPICE clients. A scripted SPICE
// server (test/support/scripted-server.ts) sends every corpus blob (QUIC, LZ_RGB) as DRAW_COPY messages, back to
// back, to (a) spice-glib-peer.c on libspice-client-glib and (b) Saffron's protocol core (saffron-peer-main.ts:
// inline decode as `saffron screenshot`, and with the decode workers as the app); each reports when every draw is
// done. The median interval between consecutive draws is the per-image cost of the session path: message parse,
// decode, draw into the surface. Each side's surface is hashed after each blob and checked against the manifest.
// Saffron's bare decode time (no session) is measured in this process too, for reference.
//
//   npm run bench:c-peer -- [--corpus DIR] [--runs N] [--warmup N] [--out FILE]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpusFormatType, decodeStatelessImage } from '../main/spice/decoders/stateless';
import * as E from '../main/spice/protocol/enums';
import { SpiceWriter } from '../main/spice/wire/writer';
import {
  MessageBuilder,
  encodeSurfaceCreate,
  writeBase,
  writeImage,
  writeQMask,
  writeRect,
} from '../test/support/display-builders';
import { ScriptedServer } from '../test/support/scripted-server';
import { mainInit } from '../test/support/session-harness';
import { startLineChild } from './bench-interactive/child';
import { quantile } from './bench-interactive/stats';
import { buildSpiceGlibPeer } from './bench-c-peer/build';

interface Blob {
  file: string;
  format: 'quic' | 'lz';
  width: number;
  height: number;
  decoded_sha256_rgba: string;
}

interface Peer {
  id: string;
  command: string;
  args: (port: number) => string[];
}

interface Row {
  file: string;
  format: Blob['format'];
  cMs: number;
  saffronInlineMs: number;
  saffronWorkersMs: number;
  saffronBareDecodeMs: number;
  inlineToC: number;
  bitExact: { c: boolean; saffronInline: boolean; saffronWorkers: boolean };
}

interface PeerBlobResult {
  ms: number;
  bitExact: boolean;
}

const SAFFRON_PEER = fileURLToPath(new URL('./bench-c-peer/saffron-peer-main.ts', import.meta.url));

function parseArgs(argv: string[]): {
  corpus: string;
  runs: number;
  warmup: number;
  out: string | undefined;
} {
  const get = (k: string): string | undefined => {
    const i = argv.indexOf(k);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    corpus: get('--corpus') ?? 'test/fixtures/corpus',
    runs: Number(get('--runs') ?? 15),
    warmup: Number(get('--warmup') ?? 2),
    out: get('--out'),
  };
}

function loadBlobs(corpus: string): Blob[] {
  const manifest = JSON.parse(readFileSync(join(corpus, 'manifest.json'), 'utf8')) as { blobs?: Blob[] };
  const blobs = (manifest.blobs ?? []).filter((b) => b.format === 'quic' || b.format === 'lz');
  if (blobs.length === 0) throw new Error(`${corpus}/manifest.json lists no quic or lz blobs`);
  return blobs;
}

/** A DRAW_COPY of the whole blob at (0, 0) with the payload as a QUIC / LZ_RGB image (never cached). */
function drawCopy(blob: Blob, payload: Uint8Array, id: bigint): Uint8Array {
  const b = new MessageBuilder();
  const box = { left: 0, top: 0, right: blob.width, bottom: blob.height };
  writeBase(b, { surface_id: 0, box, clip: { type: 0, rects: [] } });
  b.ptr((bb) =>
    writeImage(bb, {
      descriptor: {
        id,
        type: blob.format === 'quic' ? E.SPICE_IMAGE_TYPE_QUIC : E.SPICE_IMAGE_TYPE_LZ_RGB,
        flags: 0,
        width: blob.width,
        height: blob.height,
      },
      body: { kind: 'binary', data: payload },
    }),
  );
  writeRect(b, box);
  b.w.u16(E.SPICE_ROPD_OP_PUT).u8(0);
  writeQMask(b, { flags: 0, pos: { x: 0, y: 0 }, bitmap: null });
  return b.finish();
}

interface ConnectedPeer {
  /** Sends `warmup + runs` draws of the blob, waits for them, checks the surface hash. */
  draw(blob: Blob): Promise<PeerBlobResult>;
  close(): Promise<void>;
}

/** Starts the peer against its own scripted server and brings it to a primary surface of width × height. */
async function connectPeer(
  peer: Peer,
  width: number,
  height: number,
  payloads: ReadonlyMap<string, Uint8Array>,
  runs: number,
  warmup: number,
): Promise<ConnectedPeer> {
  const server = new ScriptedServer();
  const port = await server.listen();
  const child = startLineChild(peer.id, peer.command, peer.args(port));
  const close = async (): Promise<void> => {
    child.proc.stdin?.end();
    await child.stop();
    await server.close();
  };
  try {
    const main = await server.connection(15_000);
    main.send(E.SPICE_MSG_MAIN_INIT, mainInit());
    await main.nextOfType(E.SPICE_MSGC_MAIN_ATTACH_CHANNELS, 15_000);
    main.send(
      E.SPICE_MSG_MAIN_CHANNELS_LIST,
      new SpiceWriter(8).u32(1).u8(E.SPICE_CHANNEL_DISPLAY).u8(0).finish(),
    );
    const display = await server.connection(15_000);
    await display.nextOfType(E.SPICE_MSGC_DISPLAY_INIT, 15_000);
    display.send(
      E.SPICE_MSG_DISPLAY_SURFACE_CREATE,
      encodeSurfaceCreate({
        surface_id: 0,
        width,
        height,
        format: E.SPICE_SURFACE_FMT_32_xRGB,
        flags: E.SPICE_SURFACE_FLAGS_PRIMARY,
      }),
    );
    await child.waitLine((l) => l.startsWith('primary '), 15_000);
    let id = 1n;
    return {
      close,
      async draw(blob) {
        const from = child.lines.length;
        const count = warmup + runs;
        for (let i = 0; i < count; i++) {
          display.send(E.SPICE_MSG_DISPLAY_DRAW_COPY, drawCopy(blob, payloads.get(blob.file)!, id++));
        }
        const draws = (): number[] =>
          child.lines
            .slice(from)
            .filter((l) => l.startsWith('inv '))
            .map((l) => Number(l.split(' ')[1]));
        const deadline = Date.now() + 120_000;
        while (draws().length < count) {
          if (Date.now() > deadline)
            throw new Error(`${peer.id}: ${blob.file}: only ${draws().length}/${count} draws`);
          await child
            .waitLine((l) => l.startsWith('inv '), deadline - Date.now(), child.lines.length)
            .catch(() => '');
        }
        const t = draws();
        const intervals: number[] = [];
        for (let i = warmup; i < count; i++) intervals.push((t[i]! - t[i - 1]!) / 1000);
        const hashFrom = child.lines.length;
        child.write(`hash ${blob.width} ${blob.height}\n`);
        const hash = (await child.waitLine((l) => l.startsWith('hash '), 15_000, hashFrom)).slice(5);
        return { ms: quantile(intervals, 0.5), bitExact: hash === blob.decoded_sha256_rgba };
      },
    };
  } catch (e) {
    await close();
    throw e;
  }
}

function bareDecodeMs(blob: Blob, payload: Uint8Array, runs: number): number {
  const out = new Uint8Array(blob.width * blob.height * 4); // as `npm run bench` times it: into a reused buffer
  const image = {
    type: corpusFormatType(blob.format)!,
    width: blob.width,
    height: blob.height,
    data: payload,
    out,
  };
  const run = (): void => void decodeStatelessImage(image);
  run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  return quantile(times, 0.5);
}

const geomean = (xs: number[]): number => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const blobs = loadBlobs(args.corpus);
  const payloads = new Map(
    blobs.map((b) => [b.file, new Uint8Array(readFileSync(join(args.corpus, b.file)))]),
  );
  const peers: Peer[] = [
    { id: 'spice-gtk', command: buildSpiceGlibPeer(), args: (port) => ['127.0.0.1', String(port)] },
    {
      id: 'saffron-inline',
      command: process.execPath,
      args: (port) => ['--import', 'tsx', SAFFRON_PEER, `spice://127.0.0.1:${port}`, '--inline'],
    },
    {
      id: 'saffron-workers',
      command: process.execPath,
      args: (port) => ['--import', 'tsx', SAFFRON_PEER, `spice://127.0.0.1:${port}`],
    },
  ];
  // every peer connected at once, then blob by blob each peer in turn (and the bare decode): a change of load on
  // the machine hits all of them alike instead of whichever peer ran at that moment
  const width = Math.max(...blobs.map((b) => b.width));
  const height = Math.max(...blobs.map((b) => b.height));
  const connected: ConnectedPeer[] = [];
  const rows: Row[] = [];
  try {
    for (const peer of peers)
      connected.push(await connectPeer(peer, width, height, payloads, args.runs, args.warmup));
    for (const b of blobs) {
      process.stderr.write(`bench:c-peer: ${b.file} …\n`);
      const c = await connected[0]!.draw(b);
      const inline = await connected[1]!.draw(b);
      const workers = await connected[2]!.draw(b);
      rows.push({
        file: b.file,
        format: b.format,
        cMs: c.ms,
        saffronInlineMs: inline.ms,
        saffronWorkersMs: workers.ms,
        saffronBareDecodeMs: bareDecodeMs(b, payloads.get(b.file)!, args.runs),
        inlineToC: inline.ms / c.ms,
        bitExact: { c: c.bitExact, saffronInline: inline.bitExact, saffronWorkers: workers.bitExact },
      });
    }
  } finally {
    for (const p of connected) await p.close().catch(() => undefined);
  }
  const summary = (['quic', 'lz'] as const).map((format) => {
    const r = rows.filter((x) => x.format === format);
    return {
      format,
      geomeanInlineToC: geomean(r.map((x) => x.inlineToC)),
      geomeanWorkersToC: geomean(r.map((x) => x.saffronWorkersMs / x.cMs)),
      worstInlineToC: Math.max(...r.map((x) => x.inlineToC)),
    };
  });

  const f = (v: number): string => v.toFixed(2).padStart(8);
  console.log(
    '\nPer-image session path (parse + decode + draw), median ms; C = spice-gtk 0.42 (spice-common decoders)',
  );
  console.log(
    `${'blob'.padEnd(34)}${'C'.padStart(8)}${'inline'.padStart(8)}${'workers'.padStart(8)}${'bare'.padStart(8)}  inline/C  exact`,
  );
  for (const r of rows) {
    const exact = r.bitExact.c && r.bitExact.saffronInline && r.bitExact.saffronWorkers ? 'yes' : 'NO';
    console.log(
      `${r.file.padEnd(34)}${f(r.cMs)}${f(r.saffronInlineMs)}${f(r.saffronWorkersMs)}${f(r.saffronBareDecodeMs)}  ${r.inlineToC.toFixed(2).padStart(8)}  ${exact}`,
    );
  }
  for (const s of summary) {
    console.log(
      `${s.format}: geomean inline/C ${s.geomeanInlineToC.toFixed(2)}×, workers/C ${s.geomeanWorkersToC.toFixed(2)}×, worst inline/C ${s.worstInlineToC.toFixed(2)}×`,
    );
  }
  const result = { bench: 'c-peer', date: new Date().toISOString(), options: args, rows, summary };
  if (args.out) {
    mkdirSync(dirname(args.out), { recursive: true });
    writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
  }
  console.log(JSON.stringify({ bench: 'c-peer', summary }));
  const inexact = rows.filter(
    (r) => !(r.bitExact.c && r.bitExact.saffronInline && r.bitExact.saffronWorkers),
  );
  if (inexact.length > 0) {
    console.error(
      `bench:c-peer: not bit-exact: ${inexact.map((r) => `${r.file} ${JSON.stringify(r.bitExact)}`).join('; ')}`,
    );
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`bench:c-peer: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
