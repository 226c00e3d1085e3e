// File transfer speed of `saffron send-file` (a whole process, as a user runs it) against the channel's own limit
// measured in the same run: the rate at which the test server (libspice-server + its vdagent) accepts raw
// MAIN_AGENT_DATA messages from a minimal in-process sender that keeps every token busy with prebuilt 2048-byte
// chunks of the same FILE_XFER messages (no file reads, no copies beyond the socket write). Saffron is measured twice:
// its protocol core in the bench process (warm, like the peer; reading the file from disk) and `saffron send-file`
// as a whole process (cold start, as a user runs it). Runs alternate, each
// saffron run right after a raw one; the ratio reported is the median of those pairs (the machine's load drifts
// between pairs far more than within one), with the medians and the best of each side. Also the peak RSS of the saffron process for a small and a large file: it must not grow with the
// file size (files are streamed in 64 KB blocks).
// Usage: node --import tsx scripts/bench-file-transfer.ts [--mb 256] [--runs 5]   (needs `npm run build` first)
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFileXferStart } from '../main/spice/agent/agent-messages';
import { openFileSource } from '../main/spice/agent/file-source';
import { FILE_XFER_BLOCK_BYTES } from '../main/spice/agent/file-transfer';
import * as V from '../main/spice/agent/vd-agent';
import * as E from '../main/spice/protocol/enums';
import { RawChannel } from '../test/server/raw-channel';
import { agentState, connectSession } from '../test/support/agent-session';
import { startTestServer } from '../test/support/test-server';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const sizeMb = arg('mb', 256);
const runs = arg('runs', 5);
const smallMb = 16;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function writeRandomFile(path: string, mb: number): Promise<void> {
  const out = createWriteStream(path);
  const block = Buffer.alloc(1 << 20);
  let s = 0x9e3779b9;
  for (let i = 0; i < mb; i++) {
    for (let j = 0; j < block.length; j += 4) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      block.writeUInt32LE(s, j);
    }
    if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

/** One agent message as prebuilt AGENT_DATA bodies. */
function chunksOf(type: number, payload: Uint8Array): Uint8Array[] {
  const all = new Uint8Array(20 + payload.length);
  const v = new DataView(all.buffer);
  v.setUint32(0, V.VD_AGENT_PROTOCOL, true);
  v.setUint32(4, type, true);
  v.setUint32(16, payload.length, true);
  all.set(payload, 20);
  const out: Uint8Array[] = [];
  for (let at = 0; at < all.length; at += V.VD_AGENT_MAX_DATA_SIZE) {
    out.push(all.subarray(at, at + V.VD_AGENT_MAX_DATA_SIZE));
  }
  return out;
}

interface RunFigures {
  mbPerS: number;
  /** CPU seconds (user + system) the sender spent. */
  cpuS: number;
}

/** The peer: raw AGENT_DATA as fast as tokens allow. MB/s from FILE_XFER_START to SUCCESS, and its CPU time. */
async function rawRate(port: number, sizeBytes: number, id: number): Promise<RunFigures> {
  const ch = await RawChannel.open({ port, channelType: E.SPICE_CHANNEL_MAIN });
  try {
    const init = await ch.nextOfType(E.SPICE_MSG_MAIN_INIT);
    let tokens = init.body.readUInt32LE(20);
    const start = Buffer.alloc(4);
    start.writeUInt32LE(0xffffffff, 0);
    ch.send(E.SPICE_MSGC_MAIN_AGENT_START, start);
    const sendMessage = async (chunks: Uint8Array[]): Promise<void> => {
      for (const c of chunks) {
        while (tokens === 0)
          tokens += (await ch.nextOfType(E.SPICE_MSG_MAIN_AGENT_TOKEN, 60_000)).body.readUInt32LE(0);
        tokens--;
        ch.send(E.SPICE_MSGC_MAIN_AGENT_DATA, c);
      }
    };
    const caps = new Uint8Array(8);
    new DataView(caps.buffer).setUint32(0, 1, true);
    await sendMessage(chunksOf(V.VD_AGENT_ANNOUNCE_CAPABILITIES, caps));
    // Agent → client data arrives in AGENT_DATA; the status we wait for is tiny and never split.
    const status = async (): Promise<number> => {
      for (;;) {
        const m = await ch.nextOfType(E.SPICE_MSG_MAIN_AGENT_DATA, 120_000);
        if (m.body.readUInt32LE(4) === V.VD_AGENT_FILE_XFER_STATUS && m.body.readUInt32LE(20) === id) {
          return m.body.readUInt32LE(24);
        }
      }
    };
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await sendMessage(
      chunksOf(V.VD_AGENT_FILE_XFER_START, encodeFileXferStart(id, `raw-${id}.bin`, sizeBytes)),
    );
    if ((await status()) !== V.VD_AGENT_FILE_XFER_STATUS_CAN_SEND_DATA) throw new Error('raw: not accepted');
    const block = (n: number): Uint8Array[] => {
      const payload = new Uint8Array(12 + n);
      const v = new DataView(payload.buffer);
      v.setUint32(0, id, true);
      v.setBigUint64(4, BigInt(n), true);
      payload.fill(0x5a, 12);
      return chunksOf(V.VD_AGENT_FILE_XFER_DATA, payload);
    };
    const full = block(FILE_XFER_BLOCK_BYTES);
    let sent = 0;
    for (; sent + FILE_XFER_BLOCK_BYTES <= sizeBytes; sent += FILE_XFER_BLOCK_BYTES) await sendMessage(full);
    if (sent < sizeBytes) await sendMessage(block(sizeBytes - sent));
    if ((await status()) !== V.VD_AGENT_FILE_XFER_STATUS_SUCCESS) throw new Error('raw: transfer failed');
    const cpu = process.cpuUsage(cpu0);
    return {
      mbPerS: sizeBytes / 1024 ** 2 / ((performance.now() - t0) / 1000),
      cpuS: (cpu.user + cpu.system) / 1e6,
    };
  } finally {
    ch.close();
  }
}

/** Saffron's protocol core in this process (warm, like the peer): a SpiceSession sending the file from disk. */
async function coreRate(port: number, file: string): Promise<RunFigures> {
  const session = connectSession(port);
  try {
    await session.connect();
    await agentState(session, (st) => st.ready);
    const source = await openFileSource(file);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const [result] = await session.agent.sendFiles([source]).done;
    if (!result?.ok) throw new Error(`core: ${result?.ok === false ? result.message : 'no result'}`);
    const cpu = process.cpuUsage(cpu0);
    return {
      mbPerS: source.sizeBytes / 1024 ** 2 / ((performance.now() - t0) / 1000),
      cpuS: (cpu.user + cpu.system) / 1e6,
    };
  } finally {
    session.close();
  }
}

/** Linux clock ticks per second (`getconf CLK_TCK`), the unit of /proc/PID/stat times. */
const CLK_TCK = 100;

/**
 * `saffron send-file` as a process: its own reported rate (START to the last confirmation), its peak RSS, and its
 * CPU time (whole process, start-up included).
 */
async function saffronRun(uri: string, file: string): Promise<RunFigures & { peakRssMb: number }> {
  const child = spawn(process.execPath, ['bin/saffron.cjs', 'send-file', uri, file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let peakKb = 0;
  let cpuTicks = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peakKb = Math.max(peakKb, Number(m[1]));
      // fields after the command name: state is field 3, utime 14, stime 15
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      cpuTicks = Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended between two polls
    }
  }, 20);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(poll);
  if (code !== 0) throw new Error(`send-file exited ${code}: ${stderr}`);
  const m = /sent 1 of 1 file \(([\d.]+) (MB|GB)\) in ([\d.]+) s/.exec(stderr);
  if (!m) throw new Error(`no summary line in: ${stderr}`);
  const mb = Number(m[1]) * (m[2] === 'GB' ? 1024 : 1);
  return { mbPerS: mb / Number(m[3]), peakRssMb: peakKb / 1024, cpuS: cpuTicks / CLK_TCK };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-xfer-'));
const incoming = join(dir, 'incoming');
mkdirSync(incoming);
const big = join(dir, `file-${sizeMb}.bin`);
const small = join(dir, `file-${smallMb}.bin`);
await writeRandomFile(big, sizeMb);
await writeRandomFile(small, smallMb);
const server = await startTestServer({ width: 64, height: 48, agent: true, xferDir: incoming });
try {
  const uri = `spice://127.0.0.1:${server.port}`;
  const sizeBytes = statSync(big).size;
  const raw: number[] = [];
  const ours: number[] = [];
  const rss: number[] = [];
  const rawCpu: number[] = [];
  const oursCpu: number[] = [];
  const core: number[] = [];
  const coreCpu: number[] = [];
  const clean = (): void => {
    rmSync(incoming, { recursive: true, force: true });
    mkdirSync(incoming);
  };
  for (let i = 0; i < runs; i++) {
    const peer = await rawRate(server.port!, sizeBytes, 1000 + i);
    raw.push(peer.mbPerS);
    rawCpu.push(peer.cpuS);
    clean();
    const c = await coreRate(server.port!, big);
    core.push(c.mbPerS);
    coreCpu.push(c.cpuS);
    clean();
    const r = await saffronRun(uri, big);
    ours.push(r.mbPerS);
    oursCpu.push(r.cpuS);
    rss.push(r.peakRssMb);
    clean();
  }
  const smallRss: number[] = [];
  for (let i = 0; i < runs; i++) {
    smallRss.push((await saffronRun(uri, small)).peakRssMb);
    clean();
  }
  const r = median(raw);
  const o = median(ours);
  const pairs = ours.map((x, i) => x / raw[i]!);
  const corePairs = core.map((x, i) => x / raw[i]!);
  const best = Math.max(...ours) / Math.max(...raw);
  console.log(
    `file transfer of ${sizeMb} MB to the test server's agent (median of ${runs} alternating runs):`,
  );
  console.log(
    `  channel limit (raw AGENT_DATA)  ${r.toFixed(1)} MB/s   (runs: ${raw.map((x) => x.toFixed(1)).join(', ')})`,
  );
  console.log(
    `  saffron core (same process)     ${median(core).toFixed(1)} MB/s   (runs: ${core.map((x) => x.toFixed(1)).join(', ')})`,
  );
  console.log(
    `  saffron send-file               ${o.toFixed(1)} MB/s   (runs: ${ours.map((x) => x.toFixed(1)).join(', ')})`,
  );
  console.log(
    `  ratio core/limit                ${(median(corePairs) * 100).toFixed(1)} % (median of pairs; ` +
      `best of each ${((Math.max(...core) / Math.max(...raw)) * 100).toFixed(1)} %)`,
  );
  console.log(
    `  ratio send-file/limit           ${(median(pairs) * 100).toFixed(1)} % (median of pairs; ` +
      `medians ${((o / r) * 100).toFixed(1)} %, best of each ${(best * 100).toFixed(1)} %)`,
  );
  console.log(
    `  CPU time of the sender          raw ${median(rawCpu).toFixed(2)} s, core ${median(coreCpu).toFixed(2)} s, ` +
      `send-file ${median(oursCpu).toFixed(2)} s (whole process, start-up included)`,
  );
  console.log(
    `  peak RSS of saffron send-file   ${median(smallRss).toFixed(1)} MB for ${smallMb} MB, ${median(rss).toFixed(1)} MB for ${sizeMb} MB`,
  );
  console.log(
    JSON.stringify({
      bench: 'file-transfer',
      size_mb: sizeMb,
      runs,
      raw_mb_per_s: r,
      saffron_mb_per_s: o,
      core_mb_per_s: median(core),
      core_ratio: median(corePairs),
      ratio: median(pairs),
      ratio_of_medians: o / r,
      ratio_of_best: best,
      cpu_s: { raw: median(rawCpu), core: median(coreCpu), saffron: median(oursCpu) },
      peak_rss_mb: { [smallMb]: median(smallRss), [sizeMb]: median(rss) },
    }),
  );
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
