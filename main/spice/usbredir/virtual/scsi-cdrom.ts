// A read-only CD/DVD-ROM drive (SCSI MMC-6 subset) serving an ISO image: INQUIRY, TEST UNIT READY, REQUEST SENSE,
// READ CAPACITY, READ(10/12), READ CD (user data), READ TOC/PMA/ATIP (formats 0-2), GET CONFIGURATION, GET EVENT
// STATUS NOTIFICATION (media class), MODE SENSE(6/10) (pages 01, 0D, 1A, 2A, 3F), START STOP UNIT (eject / load),
// PREVENT ALLOW MEDIUM REMOVAL, READ DISC / TRACK INFORMATION, MECHANISM STATUS, READ DVD STRUCTURE, SEEK, VERIFY,
// SET CD SPEED, READ FORMAT CAPACITIES, REPORT LUNS; anything else is ILLEGAL REQUEST / INVALID COMMAND OPCODE.
import type { ImageFile } from './image-file';
import {
  INCOMPATIBLE_FORMAT,
  INVALID_FIELD_IN_CDB,
  INVALID_OPCODE,
  LBA_OUT_OF_RANGE,
  MEDIUM_CHANGED,
  MEDIUM_NOT_PRESENT_TRAY_OPEN,
  REMOVAL_PREVENTED,
  SAVING_NOT_SUPPORTED,
  be16,
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

export const CD_BLOCK_BYTES = 2048;
const PDT_CDROM = 0x05;
const PROFILE_CD_ROM = 0x0008;
const PROFILE_DVD_ROM = 0x0010;
/** Images above this size are presented as DVD-ROM (a 99-minute CD holds about 870 MB). */
const CD_MAX_BYTES = 870 * 1024 * 1024;

/** GESN media event codes. */
const MEDIA_EVENT_NONE = 0;
const MEDIA_EVENT_NEW = 2;
const MEDIA_EVENT_REMOVAL = 3;

export interface CdromEvents {
  /** The guest ejected (true) or loaded (false) the medium. */
  onTray?(ejected: boolean): void;
}

export class ScsiCdrom extends ScsiTargetBase {
  private loaded = true;
  private prevent = false;
  private mediaEvent = MEDIA_EVENT_NEW;
  private readonly source: ImageFile;

  constructor(
    image: ImageFile,
    private readonly identity: InquiryIdentity,
    private readonly events: CdromEvents = {},
  ) {
    super(image, CD_BLOCK_BYTES);
    this.source = image;
  }

  get mediumPresent(): boolean {
    return this.loaded;
  }

  private get dvd(): boolean {
    return this.source.sizeBytes > CD_MAX_BYTES;
  }

  override get blocks(): number {
    return this.loaded ? super.blocks : 0;
  }

  protected run(cdb: Uint8Array, allocation: number): ScsiCommand {
    const op = cdb[0] ?? 0;
    switch (op) {
      case 0x12: {
        const data = inquiryData(cdb, PDT_CDROM, true, this.identity);
        return data ? inData(data, Math.min(allocation, rd16(cdb, 3))) : this.check(INVALID_FIELD_IN_CDB);
      }
      case 0xa0:
        return this.reportLuns(cdb, allocation);
      case 0x46:
        return this.getConfiguration(cdb, allocation);
      case 0x4a:
        return this.eventStatus(cdb, allocation);
      case 0x1a:
      case 0x5a:
        return this.modeSense(cdb, allocation);
      case 0x1b:
        return this.startStop(cdb);
      case 0x1e:
        this.prevent = ((cdb[4] ?? 0) & 1) !== 0;
        return noData();
      case 0xbd:
        return this.mechanismStatus(cdb, allocation);
      case 0xbb: // SET CD SPEED: any speed is fine
      case 0x35: // SYNCHRONIZE CACHE: nothing cached
        return noData();
      case 0x15:
      case 0x55:
        return this.modeSelect(cdb);
    }
    // Everything below needs the medium.
    if (!this.loaded) return this.check(MEDIUM_NOT_PRESENT_TRAY_OPEN);
    switch (op) {
      case 0x00: // TEST UNIT READY
        return noData();
      case 0x25: {
        const b = new Uint8Array(8);
        be32(b, 0, this.blocks - 1);
        be32(b, 4, CD_BLOCK_BYTES);
        return inData(b, allocation);
      }
      case 0x23:
        return this.readFormatCapacities(cdb, allocation);
      case 0x28:
        return this.readBlocks(rd32(cdb, 2), rd16(cdb, 7), allocation);
      case 0xa8:
        return this.readBlocks(rd32(cdb, 2), rd32(cdb, 6), allocation);
      case 0xbe:
        return this.readCd(cdb, allocation);
      case 0x2b: // SEEK(10)
        return this.inRange(rd32(cdb, 2), 0) ? noData() : this.check(LBA_OUT_OF_RANGE);
      case 0x2f: // VERIFY(10): the image cannot be unreadable in a way we could detect ahead
        return this.inRange(rd32(cdb, 2), rd16(cdb, 7)) ? noData() : this.check(LBA_OUT_OF_RANGE);
      case 0x43:
        return this.readToc(cdb, allocation);
      case 0x51:
        return this.discInformation(cdb, allocation);
      case 0x52:
        return this.trackInformation(cdb, allocation);
      case 0xad:
        return this.dvdStructure(cdb, allocation);
      default:
        return this.check(INVALID_OPCODE);
    }
  }

  private startStop(cdb: Uint8Array): ScsiCommand {
    const loej = ((cdb[4] ?? 0) & 2) !== 0;
    const start = ((cdb[4] ?? 0) & 1) !== 0;
    if (!loej) return noData();
    if (!start) {
      if (this.prevent) return this.check(REMOVAL_PREVENTED);
      if (this.loaded) {
        this.loaded = false;
        this.mediaEvent = MEDIA_EVENT_REMOVAL;
        this.events.onTray?.(true);
      }
      return noData();
    }
    if (!this.loaded) {
      this.loaded = true;
      this.mediaEvent = MEDIA_EVENT_NEW;
      this.unitAttention = MEDIUM_CHANGED;
      this.events.onTray?.(false);
    }
    return noData();
  }

  private modeSelect(cdb: Uint8Array): ScsiCommand {
    if ((cdb[1] ?? 0) & 1) return this.check(SAVING_NOT_SUPPORTED);
    const length = cdb[0] === 0x15 ? (cdb[4] ?? 0) : rd16(cdb, 7);
    // Parameters are accepted and ignored: nothing of this drive is changeable (MODE SENSE says so).
    return {
      kind: 'out',
      length,
      write: () => Promise.resolve(),
      finish: () => Promise.resolve(null),
    };
  }

  private readCd(cdb: Uint8Array, allocation: number): ScsiCommand {
    const sectorType = ((cdb[1] ?? 0) >>> 2) & 7;
    const lba = rd32(cdb, 2);
    const count = ((cdb[6] ?? 0) << 16) | ((cdb[7] ?? 0) << 8) | (cdb[8] ?? 0);
    const flags = cdb[9] ?? 0;
    if ((sectorType !== 0 && sectorType !== 2) || (cdb[10] ?? 0) & 7) return this.check(INVALID_FIELD_IN_CDB);
    if (flags === 0) return this.inRange(lba, count) ? noData() : this.check(LBA_OUT_OF_RANGE);
    // Only the 2048 user-data bytes of a Mode 1 sector exist in an ISO: headers, sync, EDC/ECC do not.
    if (flags !== 0x10) return this.check(INVALID_FIELD_IN_CDB);
    return this.readBlocks(lba, count, allocation);
  }

  private msf(lba: number): [number, number, number] {
    const f = lba + 150;
    return [Math.floor(f / (60 * 75)), Math.floor(f / 75) % 60, f % 75];
  }

  private putAddress(b: Uint8Array, at: number, lba: number, msf: boolean): void {
    if (!msf) {
      be32(b, at, lba);
      return;
    }
    const [m, s, f] = this.msf(lba);
    b[at] = 0;
    b[at + 1] = m;
    b[at + 2] = s;
    b[at + 3] = f;
  }

  private readToc(cdb: Uint8Array, allocation: number): ScsiCommand {
    const msf = ((cdb[1] ?? 0) & 2) !== 0;
    let format = (cdb[2] ?? 0) & 0x0f;
    if (format === 0) format = ((cdb[9] ?? 0) >>> 6) & 3; // SFF-8020 style format in the control byte
    const track = cdb[6] ?? 0;
    const alloc = Math.min(allocation, rd16(cdb, 7));
    if (format === 0) {
      if (track > 1 && track !== 0xaa) return this.check(INVALID_FIELD_IN_CDB);
      const entries: [number, number][] = [];
      if (track <= 1) entries.push([1, 0]);
      entries.push([0xaa, this.blocks]);
      const b = new Uint8Array(4 + 8 * entries.length);
      be16(b, 0, b.length - 2);
      b[2] = 1;
      b[3] = 1;
      entries.forEach(([number, lba], i) => {
        const at = 4 + 8 * i;
        b[at + 1] = 0x14; // ADR 1 (current position), control 4 (data track)
        b[at + 2] = number;
        this.putAddress(b, at + 4, lba, msf);
      });
      return inData(b, alloc);
    }
    if (format === 1) {
      const b = new Uint8Array(12);
      be16(b, 0, 10);
      b[2] = 1;
      b[3] = 1;
      b[5] = 0x14;
      b[6] = 1;
      this.putAddress(b, 8, 0, msf);
      return inData(b, alloc);
    }
    if (format === 2) {
      // Raw TOC: points A0 (first track), A1 (last track), A2 (lead-out), then track 1 — always MSF.
      const [lm, ls, lf] = this.msf(this.blocks);
      const [tm, ts, tf] = this.msf(0);
      const points: [number, number, number, number][] = [
        [0xa0, 1, 0, 0],
        [0xa1, 1, 0, 0],
        [0xa2, lm, ls, lf],
        [1, tm, ts, tf],
      ];
      const b = new Uint8Array(4 + 11 * points.length);
      be16(b, 0, b.length - 2);
      b[2] = 1;
      b[3] = 1;
      points.forEach(([point, m, s, f], i) => {
        const at = 4 + 11 * i;
        b[at] = 1; // session
        b[at + 1] = 0x14;
        b[at + 3] = point;
        b[at + 8] = m;
        b[at + 9] = s;
        b[at + 10] = f;
      });
      return inData(b, alloc);
    }
    return this.check(INVALID_FIELD_IN_CDB);
  }

  private feature(
    code: number,
    current: boolean,
    data: number[],
    version = 0,
    persistent = false,
  ): Uint8Array {
    const b = new Uint8Array(4 + data.length);
    be16(b, 0, code);
    b[2] = (version << 2) | (persistent ? 2 : 0) | (current ? 1 : 0);
    b[3] = data.length;
    b.set(data, 4);
    return b;
  }

  private getConfiguration(cdb: Uint8Array, allocation: number): ScsiCommand {
    const rt = (cdb[1] ?? 0) & 3;
    const start = rd16(cdb, 2);
    if (rt === 3) return this.check(INVALID_FIELD_IN_CDB);
    const profile = !this.loaded ? 0 : this.dvd ? PROFILE_DVD_ROM : PROFILE_CD_ROM;
    const isDvd = profile === PROFILE_DVD_ROM;
    const isCd = profile === PROFILE_CD_ROM;
    const features: { code: number; current: boolean; bytes: Uint8Array }[] = [
      {
        code: 0x0000,
        current: true,
        bytes: this.feature(
          0x0000,
          true,
          [0x00, PROFILE_DVD_ROM, isDvd ? 1 : 0, 0, 0x00, PROFILE_CD_ROM, isCd ? 1 : 0, 0],
          0,
          true,
        ),
      },
      // Core: physical interface 8 = USB, INQ2 + DBE.
      {
        code: 0x0001,
        current: true,
        bytes: this.feature(0x0001, true, [0, 0, 0, 8, 0x03, 0, 0, 0], 2, true),
      },
      { code: 0x0002, current: true, bytes: this.feature(0x0002, true, [0x02, 0, 0, 0], 1, true) },
      // Removable medium: tray loading, eject, lock.
      { code: 0x0003, current: true, bytes: this.feature(0x0003, true, [0x29, 0, 0, 0], 0, true) },
      {
        code: 0x0010,
        current: this.loaded,
        bytes: this.feature(0x0010, this.loaded, [0, 0, 0x08, 0x00, 0, isDvd ? 16 : 1, 0, 0]),
      },
      { code: 0x001e, current: isCd, bytes: this.feature(0x001e, isCd, [0, 0, 0, 0], 2) },
      { code: 0x001f, current: isDvd, bytes: this.feature(0x001f, isDvd, [0, 0, 0, 0], 0) },
    ];
    const chosen = features.filter((f) =>
      rt === 2 ? f.code === start : f.code >= start && (rt === 0 || f.current),
    );
    const body = chosen.reduce((n, f) => n + f.bytes.length, 0);
    const b = new Uint8Array(8 + body);
    be32(b, 0, b.length - 4);
    be16(b, 6, profile);
    let at = 8;
    for (const f of chosen) {
      b.set(f.bytes, at);
      at += f.bytes.length;
    }
    return inData(b, Math.min(allocation, rd16(cdb, 7)));
  }

  private eventStatus(cdb: Uint8Array, allocation: number): ScsiCommand {
    if (!((cdb[1] ?? 0) & 1)) return this.check(INVALID_FIELD_IN_CDB); // asynchronous mode is not supported
    const alloc = Math.min(allocation, rd16(cdb, 7));
    const request = cdb[4] ?? 0;
    if (!(request & 0x10)) {
      const b = Uint8Array.of(0, 2, 0x80, 0x10); // NEA: no supported class requested
      return inData(b, alloc);
    }
    const b = new Uint8Array(8);
    be16(b, 0, 6);
    b[2] = 4; // media class
    b[3] = 0x10;
    b[4] = this.mediaEvent;
    b[5] = (this.loaded ? 2 : 0) | (this.loaded ? 0 : 1);
    this.mediaEvent = MEDIA_EVENT_NONE;
    return inData(b, alloc);
  }

  private modePage(page: number, changeable: boolean): Uint8Array | null {
    const zero = (b: Uint8Array): Uint8Array => {
      if (changeable) b.fill(0, 2);
      return b;
    };
    switch (page) {
      case 0x01:
        return zero(Uint8Array.of(0x01, 0x0a, 0x00, 0x05, 0, 0, 0, 0, 0x05, 0, 0, 0));
      case 0x0d:
        return zero(Uint8Array.of(0x0d, 0x06, 0, 0, 0, 60, 0, 75));
      case 0x1a:
        return zero(Uint8Array.of(0x1a, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
      case 0x2a: {
        const b = new Uint8Array(22);
        b[0] = 0x2a;
        b[1] = 0x14;
        b[2] = this.dvd ? 0x08 : 0x00; // DVD-ROM read
        b[6] = 0x20 | 0x08 | (this.prevent ? 0x02 : 0) | 0x01; // tray, eject, lock state, lock
        be16(b, 8, 5648); // obsolete maximum read speed: 32x
        be16(b, 14, 5648);
        return zero(b);
      }
      default:
        return null;
    }
  }

  private modeSense(cdb: Uint8Array, allocation: number): ScsiCommand {
    const { ten, pageControl, page, subpage } = modeSenseRequest(cdb);
    if (pageControl === 3) return this.check(SAVING_NOT_SUPPORTED);
    if (subpage !== 0 && subpage !== 0xff) return this.check(INVALID_FIELD_IN_CDB);
    const changeable = pageControl === 1;
    const pages =
      page === 0x3f
        ? [0x01, 0x0d, 0x1a, 0x2a].map((p) => this.modePage(p, changeable)!)
        : [this.modePage(page, changeable)];
    if (pages.some((p) => p === null)) return this.check(INVALID_FIELD_IN_CDB);
    const data = modeSenseData(ten, 0, 0, pages as Uint8Array[]);
    return inData(data, Math.min(allocation, ten ? rd16(cdb, 7) : (cdb[4] ?? 0)));
  }

  private mechanismStatus(cdb: Uint8Array, allocation: number): ScsiCommand {
    const b = new Uint8Array(8);
    b[1] = this.loaded ? 0 : 0x10; // door open
    return inData(b, Math.min(allocation, rd16(cdb, 8)));
  }

  private discInformation(cdb: Uint8Array, allocation: number): ScsiCommand {
    if ((cdb[1] ?? 0) & 7) return this.check(INVALID_FIELD_IN_CDB);
    const b = new Uint8Array(34);
    be16(b, 0, 32);
    b[2] = 0x0e; // last session complete, disc complete, not erasable
    b[3] = 1; // first track on disc
    b[4] = 1; // sessions
    b[5] = 1; // first track in last session
    b[6] = 1; // last track in last session
    b[8] = 0x00; // CD-DA or CD-ROM
    be32(b, 16, 0xffffffff); // last session lead-in start: none (closed)
    be32(b, 20, 0xffffffff); // last possible lead-out start: none
    return inData(b, Math.min(allocation, rd16(cdb, 7)));
  }

  private trackInformation(cdb: Uint8Array, allocation: number): ScsiCommand {
    const type = (cdb[1] ?? 0) & 3;
    const address = rd32(cdb, 2);
    const ok =
      (type === 0 && address < this.blocks) || (type === 1 && address === 1) || (type === 2 && address === 1);
    if (!ok) return this.check(INVALID_FIELD_IN_CDB);
    const b = new Uint8Array(36);
    be16(b, 0, 34);
    b[2] = 1; // track number
    b[3] = 1; // session
    b[5] = 0x04; // data track, uninterrupted
    b[6] = 0x01; // data mode 1
    be32(b, 8, 0); // start
    be32(b, 24, this.blocks); // size
    return inData(b, Math.min(allocation, rd16(cdb, 7)));
  }

  private dvdStructure(cdb: Uint8Array, allocation: number): ScsiCommand {
    if (!this.dvd) return this.check(INCOMPATIBLE_FORMAT);
    const format = cdb[7] ?? 0;
    const alloc = Math.min(allocation, rd16(cdb, 8));
    if (format === 0x00) {
      const b = new Uint8Array(4 + 2048);
      be16(b, 0, b.length - 2);
      b[4] = 0x01; // DVD-ROM, part version 1
      b[5] = 0x0f; // 120 mm, maximum rate not specified
      b[6] = 0x01; // one layer, read-only
      b[7] = 0x00;
      be32(b, 8, 0x030000); // starting sector of the data area
      be32(b, 12, 0x030000 + this.blocks - 1); // end sector
      return inData(b, alloc);
    }
    if (format === 0x01) {
      const b = new Uint8Array(8);
      be16(b, 0, 6); // copyright: no protection, all regions
      return inData(b, alloc);
    }
    return this.check(INVALID_FIELD_IN_CDB);
  }
}
