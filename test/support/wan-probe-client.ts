// A SPICE client for the WAN tests and the UDPack benchmark, run inside the emulator's client namespace:
//   node --import tsx test/support/wan-probe-client.ts URI [--udpack-public-key F] [--udpack-token T]
//        [--region X,Y,W,H]
// It connects (main, display, inputs, cursor), then obeys stdin lines and reports JSON lines on stdout:
//   key CODE   → presses and releases the key; prints {"t":"key","code":CODE,"wall":ms} as the press leaves
//   stats      → {"t":"stats","frames":n,"damage":n,"lastFrameWall":ms,"loopDelayP99Ms":ms,"loopDelayMaxMs":ms}
//                (frames: damage events in --region; the event loop's delay tells how busy this client was)
//   quit       → closes the session and exits 0
// Also {"t":"ready","wall":ms} once the inputs channel is open, and {"t":"closed","error":"…"} if the session ends.
// Wall-clock times are performance.timeOrigin + performance.now(), comparable across processes on this machine.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { resolveTarget } from '../../main/spice/connect/resolve';
import { displayFeature } from '../../main/spice/channels/display-feature';
import { silentLogger } from '../../main/spice/logger';
import * as E from '../../main/spice/protocol/enums';
import { SpiceSession } from '../../main/spice/session';
import { createStreamOpener } from '../../main/spice/transport/opener';

const wall = (): number => performance.timeOrigin + performance.now();
const print = (record: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(record)}\n`);
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const uri = argv[0];
  if (!uri)
    throw new Error(
      'usage: wan-probe-client URI [--udpack-public-key F] [--udpack-token T] [--region X,Y,W,H]',
    );
  const option = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i > 0 ? argv[i + 1] : undefined;
  };
  const key = option('udpack-public-key');
  const token = option('udpack-token');
  const [rx, ry, rw, rh] = (option('region') ?? '0,0,100000,100000').split(',').map(Number) as [
    number,
    number,
    number,
    number,
  ];
  const config = await resolveTarget(uri, {
    env: {},
    ...(key !== undefined ? { udpackPublicKeyFile: key } : {}),
    ...(token !== undefined ? { udpackToken: token } : {}),
  });
  const session = new SpiceSession({
    opener: createStreamOpener(config, { logger: silentLogger }),
    logger: silentLogger,
    disableChannels: [E.SPICE_CHANNEL_PLAYBACK, E.SPICE_CHANNEL_RECORD, E.SPICE_CHANNEL_USBREDIR],
    // Decoders in worker threads, as the app runs them: the session's own thread stays free for the transport.
    features: [displayFeature({ logger: silentLogger })],
  });
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  let frames = 0;
  let damage = 0;
  let lastFrameWall = 0;
  session.on('damage', (d) => {
    damage++;
    const r = d.rect;
    if (r.left < rx + rw && r.right > rx && r.top < ry + rh && r.bottom > ry) {
      frames++;
      lastFrameWall = wall();
    }
  });
  session.on('channel-open', (c) => {
    if (c.type === E.SPICE_CHANNEL_INPUTS) print({ t: 'ready', wall: wall() });
  });
  session.on('closed', ({ error }) => {
    print({ t: 'closed', error: error?.message ?? null });
    process.exit(error ? 1 : 0);
  });
  await session.connect();
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    const [cmd, arg] = line.trim().split(/\s+/);
    if (cmd === 'key') {
      const code = Number(arg);
      const at = wall();
      session.inputs.keyDown(code);
      session.inputs.keyUp(code);
      print({ t: 'key', code, wall: at });
    } else if (cmd === 'stats')
      print({
        t: 'stats',
        frames,
        damage,
        lastFrameWall,
        loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
        loopDelayMaxMs: loopDelay.max / 1e6,
      });
    else if (cmd === 'quit') break;
  }
  session.close();
  process.exit(0);
}

main().catch((e: unknown) => {
  print({ t: 'closed', error: e instanceof Error ? e.message : String(e) });
  process.exit(1);
});
