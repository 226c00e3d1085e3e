// What the SCSI targets of the virtual USB devices share: the command/result shapes the Bulk-Only Transport drives,
// fixed-format sense data (SPC-4 §4.5.3), and the standard INQUIRY / REQUEST SENSE / MODE SENSE framing.

/** Sense key, additional sense code and qualifier. */
export interface Sense {
  key: number;
  asc: number;
  ascq: number;
}

export const SENSE_NOT_READY = 0x02;
export const SENSE_MEDIUM_ERROR = 0x03;
export const SENSE_ILLEGAL_REQUEST = 0x05;
export const SENSE_UNIT_ATTENTION = 0x06;
export const SENSE_DATA_PROTECT = 0x07;

export const NO_SENSE: Sense = { key: 0, asc: 0, ascq: 0 };
export const INVALID_OPCODE: Sense = { key: SENSE_ILLEGAL_REQUEST, asc: 0x20, ascq: 0 };
export const LBA_OUT_OF_RANGE: Sense = { key: SENSE_ILLEGAL_REQUEST, asc: 0x21, ascq: 0 };
export const INVALID_FIELD_IN_CDB: Sense = { key: SENSE_ILLEGAL_REQUEST, asc: 0x24, ascq: 0 };
export const LUN_NOT_SUPPORTED: Sense = { key: SENSE_ILLEGAL_REQUEST, asc: 0x25, ascq: 0 };
export const SAVING_NOT_SUPPORTED: Sense = { key: SENSE_ILLEGAL_REQUEST, asc: 0x39, ascq: 0 };
export const REMOVAL_PREVENTED: Sense = { key: SENSE_ILLEGAL_REQUEST, asc: 0x53, ascq: 0x02 };
export const MEDIUM_NOT_PRESENT: Sense = { key: SENSE_NOT_READY, asc: 0x3a, ascq: 0 };
export const MEDIUM_NOT_PRESENT_TRAY_OPEN: Sense = { key: SENSE_NOT_READY, asc: 0x3a, ascq: 0x02 };
export const MEDIUM_CHANGED: Sense = { key: SENSE_UNIT_ATTENTION, asc: 0x28, ascq: 0 };
export const POWER_ON_RESET: Sense = { key: SENSE_UNIT_ATTENTION, asc: 0x29, ascq: 0 };
export const UNRECOVERED_READ_ERROR: Sense = { key: SENSE_MEDIUM_ERROR, asc: 0x11, ascq: 0 };
export const WRITE_ERROR: Sense = { key: SENSE_MEDIUM_ERROR, asc: 0x0c, ascq: 0 };
export const WRITE_PROTECTED: Sense = { key: SENSE_DATA_PROTECT, asc: 0x27, ascq: 0 };
export const INCOMPATIBLE_FORMAT: Sense = { key: SENSE_ILLEGAL_REQUEST, asc: 0x30, ascq: 0x02 };
export const PARAMETER_LIST_LENGTH_ERROR: Sense = { key: SENSE_ILLEGAL_REQUEST, asc: 0x1a, ascq: 0 };

/** One SCSI command as the transport sees it: no data, data to the host (IN) or from the host (OUT). */
export type ScsiCommand =
  | { kind: 'none'; sense: Sense | null }
  | {
      kind: 'in';
      /** Total bytes the command produces. */
      length: number;
      /** Bytes [offset, offset + length) of the data; a failure becomes a CHECK CONDITION with `sense`. */
      read(offset: number, length: number): Promise<Uint8Array>;
      /** Sense after the data phase (null = GOOD). */
      sense(): Sense | null;
    }
  | {
      kind: 'out';
      length: number;
      write(offset: number, data: Uint8Array): Promise<void>;
      /** All data received; returns the status sense (null = GOOD). */
      finish(received: number): Promise<Sense | null>;
    };

export interface ScsiTarget {
  /** Decodes and starts one command. `allocation` is the host's dCBWDataTransferLength. */
  execute(cdb: Uint8Array, allocation: number): Promise<ScsiCommand>;
  /** Bus reset / power cycle: a UNIT ATTENTION is reported next. */
  reset(): void;
  /** Releases the image. */
  close(): Promise<void>;
}

export function noData(sense: Sense | null = null): ScsiCommand {
  return { kind: 'none', sense };
}

/** A command whose whole data is small and already built (INQUIRY, MODE SENSE, …), cut to `allocation`. */
export function inData(bytes: Uint8Array, allocation: number): ScsiCommand {
  const data = bytes.subarray(0, Math.min(bytes.length, allocation));
  return {
    kind: 'in',
    length: data.length,
    read: (offset, length) => Promise.resolve(data.subarray(offset, offset + length)),
    sense: () => null,
  };
}

/** Fixed-format sense data (response code 0x70, current error), 18 bytes. */
export function fixedSense(s: Sense): Uint8Array {
  const b = new Uint8Array(18);
  b[0] = 0x70;
  b[2] = s.key & 0x0f;
  b[7] = 10; // additional sense length
  b[12] = s.asc;
  b[13] = s.ascq;
  return b;
}

export function be16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}
export function be32(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 0xff;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}
export function rd16(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
}
export function rd32(b: Uint8Array, at: number): number {
  return (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;
}

/** ASCII field padded with spaces (INQUIRY vendor/product/revision). */
export function asciiField(b: Uint8Array, at: number, width: number, text: string): void {
  for (let i = 0; i < width; i++) {
    const c = text.charCodeAt(i);
    b[at + i] = i < text.length && c >= 0x20 && c < 0x7f ? c : 0x20;
  }
}

export interface InquiryIdentity {
  vendor: string;
  product: string;
  revision: string;
  serial: string;
}

/**
 * INQUIRY data: standard (36 bytes) or the VPD pages 0x00 (supported), 0x80 (unit serial number) and 0x83
 * (device identification, one T10 vendor id designator). Returns null for an unsupported page.
 */
export function inquiryData(
  cdb: Uint8Array,
  peripheralType: number,
  removable: boolean,
  id: InquiryIdentity,
): Uint8Array | null {
  const evpd = (cdb[1] ?? 0) & 1;
  const page = cdb[2] ?? 0;
  if (!evpd) {
    if (page !== 0) return null;
    const b = new Uint8Array(36);
    b[0] = peripheralType;
    b[1] = removable ? 0x80 : 0;
    b[2] = 0x05; // SPC-3
    b[3] = 0x02; // response data format 2
    b[4] = 31; // additional length
    asciiField(b, 8, 8, id.vendor);
    asciiField(b, 16, 16, id.product);
    asciiField(b, 32, 4, id.revision);
    return b;
  }
  switch (page) {
    case 0x00:
      return Uint8Array.of(peripheralType, 0x00, 0x00, 3, 0x00, 0x80, 0x83);
    case 0x80: {
      const serial = id.serial.slice(0, 32);
      const b = new Uint8Array(4 + serial.length);
      b[0] = peripheralType;
      b[1] = 0x80;
      b[3] = serial.length;
      asciiField(b, 4, serial.length, serial);
      return b;
    }
    case 0x83: {
      const ident = `${id.vendor.padEnd(8).slice(0, 8)}${id.product.trim()} ${id.serial}`.slice(0, 64);
      const b = new Uint8Array(8 + ident.length);
      b[0] = peripheralType;
      b[1] = 0x83;
      be16(b, 2, 4 + ident.length);
      b[4] = 0x02; // code set ASCII
      b[5] = 0x01; // association: LU, type T10 vendor id
      b[7] = ident.length;
      asciiField(b, 8, ident.length, ident);
      return b;
    }
    default:
      return null;
  }
}

/** Joins mode pages under a MODE SENSE(6) or (10) header. `deviceSpecific`: e.g. 0x80 = write protected (SBC). */
export function modeSenseData(
  ten: boolean,
  mediumType: number,
  deviceSpecific: number,
  pages: Uint8Array[],
): Uint8Array {
  const body = pages.reduce((n, p) => n + p.length, 0);
  const headerBytes = ten ? 8 : 4;
  const b = new Uint8Array(headerBytes + body);
  if (ten) {
    be16(b, 0, b.length - 2);
    b[2] = mediumType;
    b[3] = deviceSpecific;
  } else {
    b[0] = Math.min(255, b.length - 1);
    b[1] = mediumType;
    b[2] = deviceSpecific;
  }
  let at = headerBytes;
  for (const p of pages) {
    b.set(p, at);
    at += p.length;
  }
  return b;
}

/** The CDB's allocation length for MODE SENSE(6)/(10) and the page control / page code fields. */
export function modeSenseRequest(cdb: Uint8Array): {
  ten: boolean;
  pageControl: number;
  page: number;
  subpage: number;
} {
  const ten = cdb[0] === 0x5a;
  return { ten, pageControl: (cdb[2] ?? 0) >>> 6, page: (cdb[2] ?? 0) & 0x3f, subpage: cdb[3] ?? 0 };
}
