// A direct-access block device (SCSI SBC-3 subset) serving a raw disk image with 512-byte blocks, read-only or
// read-write (writes go to the file; SYNCHRONIZE CACHE flushes it): INQUIRY, TEST UNIT READY, REQUEST SENSE,
// READ CAPACITY(10/16), READ(6/10/12/16), WRITE(6/10/12/16), VERIFY, SYNCHRONIZE CACHE(10/16), MODE SENSE(6/10)
// (pages 08, 3F; the WP bit), MODE SELECT, START STOP UNIT, PREVENT ALLOW, READ FORMAT CAPACITIES, REPORT LUNS.
import type { ImageFile } from './image-file';
import {
  INVALID_FIELD_IN_CDB,
  INVALID_OPCODE,
  LBA_OUT_OF_RANGE,
  SAVING_NOT_SUPPORTED,
  WRITE_PROTECTED,
  be32,
  inData,
  inquiryData,
  modeSenseData,
  modeSenseRequest,
  noData,
  rd16,
  rd32,
  type InquiryIdentity,
  type ScsiCommand,
} from './scsi-common';
import { ScsiTargetBase } from './scsi-target-base';

export const DISK_BLOCK_BYTES = 512;
const PDT_DISK = 0x00;

/** A 64-bit big-endian LBA that fits in a JS number, or -1 when it cannot address this image. */
function lba64(cdb: Uint8Array, at: number): number {
  const hi = rd32(cdb, at);
  if (hi >= 0x200000) return -1;
  return hi * 0x100000000 + rd32(cdb, at + 4);
}

export class ScsiDisk extends ScsiTargetBase {
  constructor(
    image: ImageFile,
    private readonly identity: InquiryIdentity,
  ) {
    super(image, DISK_BLOCK_BYTES);
  }

  private get readOnly(): boolean {
    return !this.image?.writable;
  }

  protected async run(cdb: Uint8Array, allocation: number): Promise<ScsiCommand> {
    const op = cdb[0] ?? 0;
    switch (op) {
      case 0x12: {
        const data = inquiryData(cdb, PDT_DISK, true, this.identity);
        return data ? inData(data, Math.min(allocation, rd16(cdb, 3))) : this.check(INVALID_FIELD_IN_CDB);
      }
      case 0xa0:
        return this.reportLuns(cdb, allocation);
      case 0x00: // TEST UNIT READY
      case 0x1b: // START STOP UNIT: nothing spins
      case 0x1e: // PREVENT ALLOW MEDIUM REMOVAL
        return noData();
      case 0x25: {
        const b = new Uint8Array(8);
        be32(b, 0, Math.min(this.blocks - 1, 0xffffffff));
        be32(b, 4, DISK_BLOCK_BYTES);
        return inData(b, allocation);
      }
      case 0x9e: {
        if (((cdb[1] ?? 0) & 0x1f) !== 0x10) return this.check(INVALID_FIELD_IN_CDB);
        const b = new Uint8Array(32);
        const last = this.blocks - 1;
        be32(b, 0, Math.floor(last / 0x100000000));
        be32(b, 4, last >>> 0);
        be32(b, 8, DISK_BLOCK_BYTES);
        return inData(b, Math.min(allocation, rd32(cdb, 10)));
      }
      case 0x23:
        return this.readFormatCapacities(cdb, allocation);
      case 0x08: {
        const lba = (((cdb[1] ?? 0) & 0x1f) << 16) | rd16(cdb, 2);
        return this.readBlocks(lba, cdb[4] || 256, allocation);
      }
      case 0x28:
        return this.readBlocks(rd32(cdb, 2), rd16(cdb, 7), allocation);
      case 0xa8:
        return this.readBlocks(rd32(cdb, 2), rd32(cdb, 6), allocation);
      case 0x88:
        return this.readBlocks(lba64(cdb, 2), rd32(cdb, 10), allocation);
      case 0x0a:
      case 0x2a:
      case 0xaa:
      case 0x8a:
        return this.write(cdb);
      case 0x2f:
        return this.inRange(rd32(cdb, 2), rd16(cdb, 7)) ? noData() : this.check(LBA_OUT_OF_RANGE);
      case 0x35:
      case 0x91:
        await this.image?.flush();
        return noData();
      case 0x1a:
      case 0x5a:
        return this.modeSense(cdb, allocation);
      case 0x15:
      case 0x55: {
        if ((cdb[1] ?? 0) & 1) return this.check(SAVING_NOT_SUPPORTED);
        const length = op === 0x15 ? (cdb[4] ?? 0) : rd16(cdb, 7);
        return { kind: 'out', length, write: () => Promise.resolve(), finish: () => Promise.resolve(null) };
      }
      default:
        return this.check(INVALID_OPCODE);
    }
  }

  private write(cdb: Uint8Array): ScsiCommand {
    if (this.readOnly) return this.check(WRITE_PROTECTED);
    switch (cdb[0]) {
      case 0x0a:
        return this.writeBlocks((((cdb[1] ?? 0) & 0x1f) << 16) | rd16(cdb, 2), cdb[4] || 256);
      case 0x2a:
        return this.writeBlocks(rd32(cdb, 2), rd16(cdb, 7));
      case 0xaa:
        return this.writeBlocks(rd32(cdb, 2), rd32(cdb, 6));
      default:
        return this.writeBlocks(lba64(cdb, 2), rd32(cdb, 10));
    }
  }

  private modeSense(cdb: Uint8Array, allocation: number): ScsiCommand {
    const { ten, pageControl, page, subpage } = modeSenseRequest(cdb);
    if (pageControl === 3) return this.check(SAVING_NOT_SUPPORTED);
    if (subpage !== 0 && subpage !== 0xff) return this.check(INVALID_FIELD_IN_CDB);
    // Caching page: write cache off (every write reaches the file before its status), read cache on.
    const caching = new Uint8Array(20);
    caching[0] = 0x08;
    caching[1] = 0x12;
    if (page !== 0x08 && page !== 0x3f) return this.check(INVALID_FIELD_IN_CDB);
    if (pageControl === 1) caching.fill(0, 2);
    const data = modeSenseData(ten, 0, this.readOnly ? 0x80 : 0, [caching]);
    return inData(data, Math.min(allocation, ten ? rd16(cdb, 7) : (cdb[4] ?? 0)));
  }
}
