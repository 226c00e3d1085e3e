// Saffron's side of the C-peer decoder benchmark (scripts/bench-c-peer.ts), as a child process: the protocol
// core's session with its display channel, speaking the same line protocol as spice-glib-peer.c —
//   "primary W H", "inv T_US X Y W H" after each draw on the primary surface (the damage event), and
//   "hash W H" on stdin → "hash HEX" (SHA-256 of the top-left W×H pixels as R, G, B, 255).
// Usage: node --import tsx scripts/bench-c-peer/saffron-peer-main.ts spice://127.0.0.1:PORT [--inline]
//   --inline decodes on the session's thread (as `saffron screenshot` does); without it large images go to the
//   decode workers (as the app and `saffron web` do).
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { displayFeature } from '../../main/spice/channels/display-feature';
import { parseSpiceUri } from '../../main/spice/connect/uri';
import { silentLogger } from '../../main/spice/logger';
import { SpiceSession } from '../../main/spice/session';
import { createStreamOpener } from '../../main/spice/transport/opener';
import { monoUs } from '../bench-interactive/clock';

const uri = process.argv[2];
if (!uri) {
  console.error('usage: saffron-peer-main.ts spice://host:port [--inline]');
  process.exit(2);
}
const session = new SpiceSession({
  opener: createStreamOpener(parseSpiceUri(uri), { logger: silentLogger }),
  logger: silentLogger,
  features: [displayFeature({ logger: silentLogger, decodeInWorkers: !process.argv.includes('--inline') })],
});

let primary = -1;
session.on('surface-create', (s) => {
  if (!s.primary) return;
  primary = s.surfaceId;
  process.stdout.write(`primary ${s.width} ${s.height}\n`);
});
session.on('damage', ({ surfaceId, rect }) => {
  if (surfaceId !== primary) return;
  const t = monoUs();
  process.stdout.write(
    `inv ${t} ${rect.left} ${rect.top} ${rect.right - rect.left} ${rect.bottom - rect.top}\n`,
  );
});

createInterface({ input: process.stdin }).on('line', (line) => {
  const m = /^hash (\d+) (\d+)$/.exec(line.trim());
  if (!m) return;
  const w = Number(m[1]);
  const h = Number(m[2]);
  const surface = primary >= 0 ? session.getSurface(0, primary) : undefined;
  if (!surface || w > surface.width || h > surface.height) {
    process.stdout.write('hash none\n');
    return;
  }
  const hash = createHash('sha256');
  const row = new Uint8Array(w * 4);
  for (let y = 0; y < h; y++) {
    row.set(surface.pixels.subarray(y * surface.width * 4, y * surface.width * 4 + w * 4));
    for (let x = 3; x < row.length; x += 4) row[x] = 255;
    hash.update(row);
  }
  process.stdout.write(`hash ${hash.digest('hex')}\n`);
});
process.stdin.on('end', () => {
  session.close();
  process.exit(0);
});
session.connect().catch((e: unknown) => {
  console.error(`saffron peer: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
