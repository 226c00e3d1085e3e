// `npm run bench:usb`: USB redirection figures, each against a peer measured in the same run.
//  1. usbredir parser packets/s: Saffron's parser vs usbredir's libusbredirparser (C, compiled here) on the same
//     stream of usb-guest packets (CBWs, bulk IN requests, control requests, 4 KiB bulk OUT data).
//  2. Sequential read MB/s of the virtual CD through QEMU: a boot program reads 32 MiB of the ISO with BIOS int 13h
//     (SeaBIOS, 64 KiB per call) from the USB CD (`saffron usb --share-cd`, usb-redir on xHCI) and, as the peer,
//     from the same ISO attached natively (`-cdrom`, IDE). Time = between the program's 'S' and 'E' debug bytes.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsbredirParser, encodeUsbredirPacket } from '../main/spice/usbredir/usbredir-codec';
import type { UsbredirPacket } from '../main/spice/usbredir/usbredir-packets';
import * as P from '../main/spice/usbredir/usbredir-proto';
import { makeBootIso } from '../test/support/boot-iso';
import { startQemu } from '../test/support/qemu';

const dir = mkdtempSync(join(tmpdir(), 'saffron-bench-usb-'));
const ROOT = join(import.meta.dirname, '..');

function parserStream(count: number): Uint8Array {
  const caps = P.capsOf([P.usb_redir_cap_64bits_ids, P.usb_redir_cap_32bits_bulk_length]);
  const wire = P.negotiatedWire(caps, caps);
  const parts: Uint8Array[] = [
    encodeUsbredirPacket(
      { type: P.usb_redir_hello, id: 0n, version: 'bench usb-guest', capabilities: caps },
      wire,
    ),
  ];
  const cbw = new Uint8Array(31).fill(7);
  const block = new Uint8Array(4096).fill(9);
  for (let i = 0; i < count; i++) {
    const id = BigInt(i);
    const kind = i % 4;
    const p: UsbredirPacket =
      kind === 0
        ? {
            type: P.usb_redir_bulk_packet,
            id,
            endpoint: 0x02,
            status: 0,
            length: 31,
            stream_id: 0,
            data: cbw,
          }
        : kind === 1
          ? {
              type: P.usb_redir_bulk_packet,
              id,
              endpoint: 0x81,
              status: 0,
              length: 65536,
              stream_id: 0,
              data: new Uint8Array(0),
            }
          : kind === 2
            ? {
                type: P.usb_redir_control_packet,
                id,
                endpoint: 0x80,
                request: 6,
                requesttype: 0x80,
                status: 0,
                value: 0x100,
                index: 0,
                length: 18,
                data: new Uint8Array(0),
              }
            : {
                type: P.usb_redir_bulk_packet,
                id,
                endpoint: 0x02,
                status: 0,
                length: 4096,
                stream_id: 0,
                data: block,
              };
    parts.push(encodeUsbredirPacket(p, wire));
  }
  return Buffer.concat(parts);
}

function benchSaffronParser(stream: Uint8Array, rounds: number): { packets: number; seconds: number } {
  const caps = P.capsOf([P.usb_redir_cap_64bits_ids, P.usb_redir_cap_32bits_bulk_length]);
  let packets = 0;
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) {
    const parser = new UsbredirParser({ role: 'host' });
    for (let at = 0; at < stream.length; at += 65536) {
      parser.push(stream.subarray(at, at + 65536));
      for (let p = parser.next(); p; p = parser.next()) {
        if (p.type === P.usb_redir_hello) parser.setWire(P.negotiatedWire(caps, p.capabilities));
        else packets++;
      }
    }
  }
  return { packets, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

function parserFigures(): void {
  const stream = parserStream(200_000);
  const file = join(dir, 'stream.bin');
  writeFileSync(file, stream);
  const bin = join(dir, 'usbredirparser-bench');
  const flags = execFileSync('pkg-config', ['--cflags', '--libs', 'libusbredirparser-0.5'])
    .toString()
    .trim()
    .split(/\s+/);
  execFileSync('gcc', ['-O2', '-o', bin, join(ROOT, 'scripts/bench-usb/usbredirparser-bench.c'), ...flags]);
  const rounds = 5;
  benchSaffronParser(stream, 1); // warm-up
  const ours = benchSaffronParser(stream, rounds);
  const c = JSON.parse(execFileSync(bin, [file, String(rounds)]).toString()) as {
    packets: number;
    seconds: number;
  };
  const mb = (stream.length * rounds) / 1e6;
  console.log(
    JSON.stringify({
      bench: 'usbredir-parser',
      bytes: stream.length,
      saffron: {
        packetsPerSecond: Math.round(ours.packets / ours.seconds),
        mbPerSecond: +(mb / ours.seconds).toFixed(1),
      },
      libusbredirparser: {
        packetsPerSecond: Math.round(c.packets / c.seconds),
        mbPerSecond: +(mb / c.seconds).toFixed(1),
      },
      ratio: +(c.seconds / ours.seconds).toFixed(2),
    }),
  );
}

/** Timestamps of the boot program's debug bytes ('S' start, 'E' end, 'F' failure). */
function debugconServer(path: string): {
  marks: Map<string, number>;
  done: Promise<void>;
  close: () => void;
} {
  const marks = new Map<string, number>();
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on('data', (d: Buffer) => {
      const now = performance.now();
      for (const ch of d.toString('latin1')) {
        if (!marks.has(ch)) marks.set(ch, now);
        if (ch === 'E' || ch === 'F') finish();
      }
    });
  });
  server.listen(path);
  return {
    marks,
    done,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

async function readRun(kind: 'usb' | 'native', iso: string, sectors: number): Promise<number> {
  const sock = join(dir, `dbg-${kind}.sock`);
  const dbg = debugconServer(sock);
  const common = [
    '-chardev',
    `socket,id=dbg,path=${sock}`,
    '-device',
    'isa-debugcon,iobase=0xe9,chardev=dbg',
  ];
  const qemu = await startQemu({
    args:
      kind === 'native'
        ? ['-cdrom', iso, '-boot', 'd', ...common]
        : [
            '-S',
            '-device',
            'qemu-xhci,id=xhci',
            '-chardev',
            'spicevmc,name=usbredir,id=ur0',
            '-device',
            'usb-redir,chardev=ur0,bootindex=0,bus=xhci.0',
            ...common,
          ],
  });
  let cli: ReturnType<typeof spawn> | null = null;
  try {
    if (kind === 'usb') {
      cli = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(ROOT, 'main/cli/bin.ts'),
          'usb',
          `spice://127.0.0.1:${qemu.port}`,
          '--share-cd',
          iso,
        ],
        {
          cwd: ROOT,
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let err = '';
      cli.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      for (let i = 0; i < 300 && !/usb channels: 1 \(0 free\)/.test(err); i++)
        await new Promise((r) => setTimeout(r, 100));
      await qemu.hmp('cont');
    }
    await Promise.race([
      dbg.done,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`${kind}: no end mark`)), 300_000)),
    ]);
    if (dbg.marks.has('F')) throw new Error(`${kind}: the boot program's reads failed`);
    const seconds = (dbg.marks.get('E')! - dbg.marks.get('S')!) / 1000;
    return (sectors * 2048) / 1e6 / seconds;
  } finally {
    cli?.kill('SIGTERM');
    dbg.close();
    await qemu.stop();
  }
}

async function readFigures(): Promise<void> {
  const sectors = 16384; // 32 MiB
  const iso = join(dir, 'read.iso');
  writeFileSync(iso, makeBootIso({ readSectors: sectors }));
  const usb = await readRun('usb', iso, sectors);
  const native = await readRun('native', iso, sectors);
  console.log(
    JSON.stringify({
      bench: 'virtual-cd-sequential-read',
      mib: (sectors * 2048) / 1048576,
      usbRedirMBps: +usb.toFixed(1),
      nativeCdromMBps: +native.toFixed(1),
      ratio: +(usb / native).toFixed(2),
    }),
  );
}

try {
  parserFigures();
  await readFigures();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
