// Fuzz targets for the USB parsers, shared by the unit suite (usb-fuzz.test.ts: fixed seed, bounded count) and
// `npm run fuzz -- --target usbredir-parser,usb-scsi` (long campaigns, test/support/fuzz/feature-targets.ts): the usbredir packet parser (host and guest roles, both wire layouts) and the
// SCSI command set of the virtual CD and disk behind the Bulk-Only Transport. An iteration is a pure function of
// (seed, iteration). Acceptable: a packet or ProtocolError (parser); a CSW with any status (SCSI). Anything else —
// another exception, a hang, a missing CSW — is a crash.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSpiceError } from '../../../main/spice/errors';
import { UsbredirParser, encodeUsbredirPacket } from '../../../main/spice/usbredir/usbredir-codec';
import * as P from '../../../main/spice/usbredir/usbredir-proto';
import { sharedCd, sharedDisk } from '../../../main/spice/usbredir/virtual/virtual-msd-device';
import { mutate, prng } from '../../support/prng';
import { samples } from './codec-samples';
import { MsdHarness } from './msd-harness';

export type FuzzResult = 'ok' | 'rejected' | { crash: unknown };

const FULL: P.UsbredirWire = {
  ids64: true,
  deviceVersion: true,
  epInfoMaxPacketSize: true,
  bulkStreams: false,
  bulkLength32: true,
};

/** One parser iteration: a stream of valid packets, mutated, parsed in random chunks. */
export function fuzzParserOnce(seed: number, iteration: number): FuzzResult {
  const rnd = prng(seed * 1_000_003 + iteration);
  const role = rnd() < 0.5 ? 'host' : 'guest';
  const wire = rnd() < 0.5 ? FULL : P.USB_REDIR_WIRE_BASE;
  const pool = samples(role === 'host' ? 'guest' : 'host', BigInt(Math.floor(rnd() * 2 ** 40)));
  const picked = Array.from(
    { length: 1 + Math.floor(rnd() * 6) },
    () => pool[Math.floor(rnd() * pool.length)]!,
  );
  let stream: Uint8Array = Buffer.concat(picked.map((p) => encodeUsbredirPacket(p, wire)));
  const edits = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < edits; i++) stream = mutate(stream, rnd);
  if (rnd() < 0.1)
    stream = Uint8Array.from({ length: Math.floor(rnd() * 512) }, () => Math.floor(rnd() * 256));
  const parser = new UsbredirParser({ role, maxPacketBytes: 1 << 20 });
  parser.setWire(wire);
  try {
    let at = 0;
    while (at < stream.length) {
      const n = 1 + Math.floor(rnd() * 64);
      parser.push(stream.subarray(at, at + n));
      at += n;
      for (let p = parser.next(); p; p = parser.next()) {
        if (p.type === P.usb_redir_hello) parser.setWire(wire);
      }
    }
    return 'ok';
  } catch (e) {
    return isSpiceError(e) && e.code === 'protocol' ? 'rejected' : { crash: e };
  }
}

let images: { iso: string; disk: string } | null = null;
function testImages(): { iso: string; disk: string } {
  if (images) return images;
  const dir = mkdtempSync(join(tmpdir(), 'saffron-scsi-fuzz-'));
  const iso = join(dir, 'f.iso');
  const disk = join(dir, 'f.img');
  writeFileSync(iso, Buffer.alloc(40 * 2048, 0x5a));
  writeFileSync(disk, Buffer.alloc(64 * 512, 0xa5));
  images = { iso, disk };
  return images;
}

const OPCODES = [
  0x00, 0x03, 0x12, 0x1a, 0x1b, 0x1e, 0x23, 0x25, 0x28, 0x2a, 0x2b, 0x2f, 0x35, 0x43, 0x46, 0x4a, 0x51, 0x52,
  0x55, 0x5a, 0x88, 0x8a, 0x9e, 0xa0, 0xa8, 0xaa, 0xad, 0xbb, 0xbd, 0xbe, 0x08, 0x0a, 0x15, 0x91,
];

/** One SCSI iteration: random CDBs (known opcodes, random fields) with random host lengths and directions. */
export async function fuzzScsiOnce(seed: number, iteration: number): Promise<FuzzResult> {
  const rnd = prng(seed * 7_000_003 + iteration);
  const { iso, disk } = testImages();
  const h = new MsdHarness();
  try {
    await h.start(
      rnd() < 0.5 ? sharedCd(iso, { index: 1 }) : sharedDisk(disk, { index: 2, writable: rnd() < 0.5 }),
    );
    for (let c = 0; c < 8; c++) {
      const len = [6, 10, 12, 16][Math.floor(rnd() * 4)]!;
      const cdb = Array.from({ length: len }, () => (rnd() < 0.5 ? 0 : Math.floor(rnd() * 256)));
      cdb[0] = rnd() < 0.9 ? OPCODES[Math.floor(rnd() * OPCODES.length)]! : Math.floor(rnd() * 256);
      const hostLength = rnd() < 0.3 ? 0 : Math.floor(rnd() * 70000);
      const dirIn = rnd() < 0.7;
      if ((await h.bulkOut(h.cbw(cdb, hostLength, dirIn))).status === P.usb_redir_stall) {
        // The device wants reset recovery (BOT §5.3.4), as a real host would do.
        await h.control(0x21, 0xff, 0, 0, 0);
        await h.control(0x02, 0x01, 0, 0x81, 0);
        await h.control(0x02, 0x01, 0, 0x02, 0);
        continue;
      }
      if (hostLength > 0 && dirIn) {
        const r = await h.bulkIn(hostLength);
        if (r.status === P.usb_redir_stall) {
          await h.control(0x02, 0x01, 0, 0x81, 0);
        }
      } else if (hostLength > 0) {
        const a = await h.bulkOut(Buffer.alloc(Math.min(hostLength, 65536), c));
        const b = hostLength > 65536 ? await h.bulkOut(Buffer.alloc(hostLength - 65536)) : a;
        if (a.status === P.usb_redir_stall || b.status === P.usb_redir_stall)
          return { crash: new Error(`data-out stalled after a valid CBW: ${cdb.join(',')}`) };
      }
      const csw = await h.csw().catch((e: Error) => {
        throw new Error(
          `${e.message} after CDB ${cdb.join(',')} length ${hostLength} ${dirIn ? 'in' : 'out'}`,
        );
      });
      if (csw.status > 2) return { crash: new Error(`CSW status ${csw.status}`) };
    }
    return 'ok';
  } catch (e) {
    return { crash: e };
  } finally {
    await h.dispose();
  }
}
