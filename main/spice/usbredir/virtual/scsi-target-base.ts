// What the CD-ROM (MMC) and disk (SBC) targets share: the pending UNIT ATTENTION, the sense kept for REQUEST SENSE,
// REPORT LUNS, READ FORMAT CAPACITIES, block reads and writes on the image, and turning any failure into a CHECK
// CONDITION with sense data instead of an exception.
import type { ImageFile } from './image-file';
import { IMAGE_MAX_IO_BYTES } from './image-file';
import {
  INVALID_OPCODE,
  LBA_OUT_OF_RANGE,
  NO_SENSE,
  POWER_ON_RESET,
  UNRECOVERED_READ_ERROR,
  WRITE_ERROR,
  be16,
  be32,
  fixedSense,
  inData,
  noData,
  type ScsiCommand,
  type ScsiTarget,
  type Sense,
} from './scsi-common';

/** Commands that run despite a pending UNIT ATTENTION (SPC-4 §5.14; MMC adds GET CONFIGURATION and GESN). */
const UA_EXEMPT = new Set([0x12, 0x03, 0xa0, 0x46, 0x4a]);

export abstract class ScsiTargetBase implements ScsiTarget {
  protected image: ImageFile | null;
  protected unitAttention: Sense | null = POWER_ON_RESET;
  private lastSense: Sense | null = null;

  constructor(
    image: ImageFile,
    protected readonly blockBytes: number,
  ) {
    this.image = image;
  }

  /** Blocks of the image, the last one zero-padded. */
  get blocks(): number {
    return this.image ? Math.ceil(this.image.sizeBytes / this.blockBytes) : 0;
  }

  protected abstract run(cdb: Uint8Array, allocation: number): Promise<ScsiCommand> | ScsiCommand;

  async execute(cdb: Uint8Array, allocation: number): Promise<ScsiCommand> {
    const op = cdb[0] ?? 0;
    if (op === 0x03) return this.requestSense(cdb, allocation);
    if (this.unitAttention && !UA_EXEMPT.has(op)) {
      const ua = this.unitAttention;
      this.unitAttention = null;
      return this.check(ua);
    }
    try {
      const cmd = await this.run(cdb, allocation);
      if (cmd.kind === 'none') {
        this.lastSense = cmd.sense;
        return cmd;
      }
      if (cmd.kind === 'in') {
        return {
          ...cmd,
          read: async (offset, length) => {
            try {
              return await cmd.read(offset, length);
            } catch {
              this.readFailed = true;
              return new Uint8Array(length);
            }
          },
          sense: () => {
            const s = this.readFailed ? UNRECOVERED_READ_ERROR : cmd.sense();
            this.readFailed = false;
            this.lastSense = s;
            return s;
          },
        };
      }
      return {
        ...cmd,
        finish: async (received) => {
          const s = await cmd.finish(received).catch(() => WRITE_ERROR);
          this.lastSense = s;
          return s;
        },
      };
    } catch {
      return this.check(INVALID_OPCODE);
    }
  }
  private readFailed = false;

  reset(): void {
    this.unitAttention = POWER_ON_RESET;
    this.lastSense = null;
  }

  async close(): Promise<void> {
    const image = this.image;
    this.image = null;
    await image?.close();
  }

  protected check(sense: Sense): ScsiCommand {
    this.lastSense = sense;
    return noData(sense);
  }

  private requestSense(cdb: Uint8Array, allocation: number): ScsiCommand {
    const s = this.lastSense ?? this.unitAttention ?? NO_SENSE;
    if (!this.lastSense) this.unitAttention = null;
    this.lastSense = null;
    const data = fixedSense(s);
    return inData(data, Math.min(allocation, cdb[4] ?? 0));
  }

  protected reportLuns(cdb: Uint8Array, allocation: number): ScsiCommand {
    const b = new Uint8Array(16);
    be32(b, 0, 8);
    const alloc = ((cdb[6] ?? 0) << 24) | ((cdb[7] ?? 0) << 16) | ((cdb[8] ?? 0) << 8) | (cdb[9] ?? 0);
    return inData(b, Math.min(allocation, alloc >>> 0));
  }

  protected readFormatCapacities(cdb: Uint8Array, allocation: number): ScsiCommand {
    const b = new Uint8Array(12);
    b[3] = 8;
    be32(b, 4, this.blocks);
    b[8] = this.image ? 0x02 : 0x03; // formatted media / no media present
    b[9] = (this.blockBytes >>> 16) & 0xff;
    be16(b, 10, this.blockBytes & 0xffff);
    return inData(b, Math.min(allocation, ((cdb[7] ?? 0) << 8) | (cdb[8] ?? 0)));
  }

  /** Range check for [lba, lba + count). */
  protected inRange(lba: number, count: number): boolean {
    return lba >= 0 && count >= 0 && lba + count <= this.blocks;
  }

  /** A READ of `count` blocks at `lba`, served in pieces as the host asks for them. */
  protected readBlocks(lba: number, count: number, allocation: number): ScsiCommand {
    if (!this.inRange(lba, count)) return this.check(LBA_OUT_OF_RANGE);
    if (count === 0) return noData();
    const image = this.image!;
    const base = lba * this.blockBytes;
    const length = Math.min(count * this.blockBytes, allocation);
    return {
      kind: 'in',
      length,
      read: (offset, n) => image.read(base + offset, Math.min(n, IMAGE_MAX_IO_BYTES, length - offset)),
      sense: () => null,
    };
  }

  protected writeBlocks(lba: number, count: number): ScsiCommand {
    if (!this.inRange(lba, count)) return this.check(LBA_OUT_OF_RANGE);
    if (count === 0) return noData();
    const image = this.image!;
    const base = lba * this.blockBytes;
    const length = count * this.blockBytes;
    return {
      kind: 'out',
      length,
      write: (offset, data) => image.write(base + offset, data.subarray(0, Math.max(0, length - offset))),
      finish: () => Promise.resolve(null),
    };
  }
}
