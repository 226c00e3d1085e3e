// "saffron core": the protocol core alone in a Node process (sink-main.ts) — decode and apply every draw, show
// nothing. The floor under every Saffron figure: what the view path adds is the difference to saffron-chromium.
import { fileURLToPath } from 'node:url';
import type { BenchClient, ClientRun, FrameSeen, StartContext } from './client';
import { startLineChild } from './child';

const SINK_MAIN = fileURLToPath(new URL('./sink-main.ts', import.meta.url));

export const sinkClient: BenchClient = {
  id: 'saffron-core',
  label: 'Saffron core (headless sink)',
  missing: () => [],
  async start(ctx: StartContext): Promise<ClientRun> {
    const child = startLineChild('saffron sink', process.execPath, [
      '--import',
      'tsx',
      SINK_MAIN,
      `spice://127.0.0.1:${ctx.serverPort}`,
    ]);
    try {
      await child.waitLine((l) => l === 'ready', 30_000);
    } catch (e) {
      await child.stop();
      throw e;
    }
    return {
      groups: [{ name: 'node', roots: () => [child.pid] }],
      notes: {},
      waitFirstFrame: async (timeoutMs) => {
        await child.waitLine((l) => l.startsWith('first '), timeoutMs);
      },
      async lastShown() {
        const from = child.lines.length;
        child.write('last\n');
        const [, frame, rgb] = (await child.waitLine((l) => l.startsWith('last '), 10_000, from)).split(' ');
        return { frame: Number(frame), rgb: Number(rgb) };
      },
      async frames() {
        const from = child.lines.length;
        child.write('dump\n');
        const line = await child.waitLine((l) => l.startsWith('{'), 30_000, from);
        const flat = (JSON.parse(line) as { seen: number[] }).seen;
        const out: FrameSeen[] = [];
        for (let i = 0; i + 2 < flat.length; i += 3) out.push([flat[i]!, flat[i + 1]!, flat[i + 2]!]);
        return out;
      },
      measurementOverheadCpu: () => Promise.resolve(0),
      async stop() {
        child.proc.stdin?.end();
        await child.stop();
      },
    };
  },
};
