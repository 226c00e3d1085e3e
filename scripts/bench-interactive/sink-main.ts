// The headless sink: Saffron's protocol core alone, as a child process of the benchmark. A session with the
// app's display wiring (displayFeature with its defaults, so large images decode in worker threads as in
// the app) applies every draw to its surfaces; nothing is shown. After each draw that touches the frame-counter
// strip it reads the strip from the surface and notes (frame, monotonic µs).
// Usage: node --import tsx scripts/bench-interactive/sink-main.ts spice://127.0.0.1:PORT
//   stdout: "ready" once the primary surface exists, "first N" at the first valid frame counter;
//   stdin "last": "last N RGB" (newest frame, -1 before the first, and its probe pixel); "dump": one JSON line
//   {"seen":[frame,tUs,rgb,…]};
//   end of stdin: exit.
import { createInterface } from 'node:readline';
import { displayFeature } from '../../main/spice/channels/display-feature';
import { parseSpiceUri } from '../../main/spice/connect/uri';
import { silentLogger } from '../../main/spice/logger';
import * as E from '../../main/spice/protocol/enums';
import { SpiceSession } from '../../main/spice/session';
import { createStreamOpener } from '../../main/spice/transport/opener';
import { monoUs } from './clock';
import { READ_WIDTH, STRIP_HEIGHT, STRIP_SAMPLE_ROW, decodeStripRow, probeRgb } from './frame-code';

const uri = process.argv[2];
if (!uri) {
  console.error('usage: sink-main.ts spice://host:port');
  process.exit(2);
}
const config = parseSpiceUri(uri);
const session = new SpiceSession({
  opener: createStreamOpener(config, { logger: silentLogger }),
  logger: silentLogger,
  // the display channel only: no cursor, inputs, audio or USB work in the measured process
  disableChannels: [
    E.SPICE_CHANNEL_INPUTS,
    E.SPICE_CHANNEL_CURSOR,
    E.SPICE_CHANNEL_PLAYBACK,
    E.SPICE_CHANNEL_RECORD,
    E.SPICE_CHANNEL_USBREDIR,
    E.SPICE_CHANNEL_PORT,
    E.SPICE_CHANNEL_WEBDAV,
    E.SPICE_CHANNEL_SMARTCARD,
  ],
  // the app's display wiring (large images decode in worker threads as in the app)
  features: [displayFeature({ logger: silentLogger })],
});

const seen: number[] = [];
let last = -1;
let primary = -1;
session.on('surface-create', (s) => {
  if (s.channelId === 0 && s.primary) {
    primary = s.surfaceId;
    process.stdout.write('ready\n');
  }
});
session.on('damage', ({ channelId, surfaceId, rect }) => {
  if (channelId !== 0 || surfaceId !== primary) return;
  if (rect.left >= READ_WIDTH || rect.top >= STRIP_HEIGHT) return;
  const surface = session.getSurface(0, primary);
  if (!surface || surface.width < READ_WIDTH) return;
  const row = STRIP_SAMPLE_ROW * surface.width * 4;
  const frame = decodeStripRow(surface.pixels, row);
  if (frame < 0 || frame === last) return;
  if (last < 0) process.stdout.write(`first ${frame}\n`);
  last = frame;
  seen.push(frame, monoUs(), probeRgb(surface.pixels, row));
});
session.on('closed', ({ error }) => {
  if (error) console.error(`sink: session closed: ${error.message}`);
});

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = line.trim();
  if (command === 'last') process.stdout.write(`last ${last} ${seen.at(-1) ?? -1}\n`);
  else if (command === 'dump') process.stdout.write(`${JSON.stringify({ seen })}\n`);
});
process.stdin.on('end', () => {
  session.close();
  process.exit(0);
});

session.connect().catch((e: unknown) => {
  console.error(`sink: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
