// USB Mass Storage Bulk-Only Transport (BOT 1.0) over one SCSI target: a 31-byte CBW on bulk OUT, an optional data
// stage (bulk IN or OUT), then a 13-byte CSW on bulk IN. IN requests may arrive before their data is ready (file
// reads are asynchronous): they wait in order. A malformed CBW stalls both endpoints until Bulk-Only Mass Storage
// Reset (§5.3.4 / §6.6.1); data the host did not expect, or expected and did not get, follows the thirteen cases of
// §6.7 (residue, short transfers, stall, phase error).
import type { UsbTransferResult } from '../usb-device';
import { LUN_NOT_SUPPORTED, type ScsiCommand, type ScsiTarget, type Sense } from './scsi-common';

const CBW_SIGNATURE = 0x43425355;
const CSW_SIGNATURE = 0x53425355;
const CBW_BYTES = 31;
const CSW_STATUS_GOOD = 0;
const CSW_STATUS_FAILED = 1;
const CSW_STATUS_PHASE_ERROR = 2;
/** Largest piece of one data-in transfer read at once (an IN request asking for more gets this much: short). */
const MAX_IN_PIECE_BYTES = 16 * 1024 * 1024;

type Phase =
  | { kind: 'cbw' }
  | { kind: 'busy' }
  | {
      kind: 'data-in';
      cmd: Extract<ScsiCommand, { kind: 'in' }>;
      total: number;
      sent: number;
      lastShort: boolean;
    }
  | { kind: 'data-out'; cmd: Extract<ScsiCommand, { kind: 'out' }> | null; total: number; received: number }
  | { kind: 'csw' }
  | { kind: 'stalled' };

interface PendingIn {
  length: number;
  signal: AbortSignal;
  resolve: (r: UsbTransferResult) => void;
}

export class BulkOnlyTransport {
  private phase: Phase = { kind: 'cbw' };
  private tag = 0;
  private hostLength = 0;
  private hostIn = false;
  private status = CSW_STATUS_GOOD;
  private residue = 0;
  private readonly pendingIn: PendingIn[] = [];
  private serving = false;
  /** Endpoints halted after a phase error or invalid CBW (cleared by CLEAR_FEATURE(ENDPOINT_HALT)). */
  private haltIn = false;
  private haltOut = false;
  private outChain: Promise<unknown> = Promise.resolve();

  constructor(private readonly target: ScsiTarget) {}

  get halted(): { in: boolean; out: boolean } {
    return { in: this.haltIn, out: this.haltOut };
  }

  /** Bulk-Only Mass Storage Reset (class request 0xFF): ready for a CBW; halts stay until cleared. */
  resetRecovery(): void {
    this.phase = { kind: 'cbw' };
    this.failPending('stall');
  }

  /** USB port reset: everything back to power-on. */
  usbReset(): void {
    this.phase = { kind: 'cbw' };
    this.haltIn = this.haltOut = false;
    this.failPending('ioerror');
    this.target.reset();
  }

  clearHalt(endpointIn: boolean): void {
    if (endpointIn) this.haltIn = false;
    else this.haltOut = false;
    if (this.phase.kind === 'stalled' && !this.haltIn && !this.haltOut) this.phase = { kind: 'cbw' };
    void this.serveIn();
  }

  /** One bulk OUT transfer: a CBW or data-out. Transfers are handled strictly in order. */
  bulkOut(data: Uint8Array): Promise<UsbTransferResult> {
    const run = this.outChain.then(() => this.handleOut(data));
    this.outChain = run.catch(() => undefined);
    return run;
  }

  /** One bulk IN transfer of up to `length` bytes: data-in or the CSW. */
  bulkIn(length: number, signal: AbortSignal): Promise<UsbTransferResult> {
    if (this.haltIn) return Promise.resolve({ status: 'stall' });
    return new Promise((resolve) => {
      const p: PendingIn = { length, signal, resolve };
      this.pendingIn.push(p);
      signal.addEventListener(
        'abort',
        () => {
          const i = this.pendingIn.indexOf(p);
          if (i >= 0) this.pendingIn.splice(i, 1);
          resolve({ status: 'cancelled' });
        },
        { once: true },
      );
      void this.serveIn();
    });
  }

  private async handleOut(data: Uint8Array): Promise<UsbTransferResult> {
    if (this.haltOut) return { status: 'stall' };
    const phase = this.phase;
    if (phase.kind === 'data-out') {
      const take = Math.min(data.length, phase.total - phase.received);
      // Bytes past what the command takes (Ho > Do) are received and dropped.
      const within = phase.cmd ? Math.max(0, Math.min(take, phase.cmd.length - phase.received)) : 0;
      if (phase.cmd && within > 0) {
        try {
          await phase.cmd.write(phase.received, data.subarray(0, within));
        } catch {
          // The failure surfaces in finish() (WRITE ERROR via the target).
        }
      }
      phase.received += take;
      if (phase.received >= phase.total || data.length < take || take === 0) await this.finishOut(phase);
      return { status: 'ok', written: data.length };
    }
    if (phase.kind !== 'cbw') {
      // OUT data while the device expects none (e.g. a second CBW before the CSW was read): phase error.
      this.stall('out');
      return { status: 'stall' };
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (
      data.length !== CBW_BYTES ||
      view.getUint32(0, true) !== CBW_SIGNATURE ||
      (data[14]! & 0x1f) < 1 ||
      (data[14]! & 0x1f) > 16
    ) {
      // Not a valid, meaningful CBW: stall both pipes until reset recovery (§6.6.1).
      this.phase = { kind: 'stalled' };
      this.haltIn = this.haltOut = true;
      this.failPending('stall');
      return { status: 'stall' };
    }
    this.tag = view.getUint32(4, true);
    this.hostLength = view.getUint32(8, true);
    this.hostIn = (data[12]! & 0x80) !== 0;
    const lun = data[13]! & 0x0f;
    const cdb = data.slice(15, 15 + (data[14]! & 0x1f));
    this.phase = { kind: 'busy' };
    const cmd: ScsiCommand =
      lun !== 0
        ? { kind: 'none', sense: LUN_NOT_SUPPORTED }
        : await this.target.execute(cdb, this.hostLength);
    this.start(cmd);
    void this.serveIn();
    return { status: 'ok', written: data.length };
  }

  /** Decides the data stage from what the host expects (Hn/Hi/Ho) and what the command does (Dn/Di/Do). */
  private start(cmd: ScsiCommand): void {
    const H = this.hostLength;
    if (cmd.kind === 'none') {
      this.status = cmd.sense ? CSW_STATUS_FAILED : CSW_STATUS_GOOD;
      this.residue = H;
      if (H === 0) this.phase = { kind: 'csw' };
      else if (this.hostIn)
        this.phase = { kind: 'data-in', cmd: emptyIn(), total: 0, sent: 0, lastShort: false };
      else this.phase = { kind: 'data-out', cmd: null, total: H, received: 0 };
      return;
    }
    if (cmd.kind === 'in') {
      if (!this.hostIn || H === 0) {
        // Hn < Di or Ho <> Di: phase error.
        this.status = CSW_STATUS_PHASE_ERROR;
        this.residue = H;
        this.phase = H === 0 ? { kind: 'csw' } : { kind: 'data-out', cmd: null, total: H, received: 0 };
        return;
      }
      this.status = CSW_STATUS_GOOD;
      this.phase = { kind: 'data-in', cmd, total: Math.min(cmd.length, H), sent: 0, lastShort: false };
      return;
    }
    if (cmd.length === 0 && H === 0) {
      this.status = CSW_STATUS_GOOD;
      this.phase = { kind: 'data-out', cmd, total: 0, received: 0 };
      void this.finishOut(this.phase);
      return;
    }
    if (this.hostIn || cmd.length > H) {
      // Hi <> Do, Hn < Do, Ho < Do: phase error; whatever the host sends or asks for is drained first.
      this.status = CSW_STATUS_PHASE_ERROR;
      this.residue = H;
      if (H === 0) this.phase = { kind: 'csw' };
      else if (this.hostIn)
        this.phase = { kind: 'data-in', cmd: emptyIn(), total: 0, sent: 0, lastShort: false };
      else this.phase = { kind: 'data-out', cmd: null, total: H, received: 0 };
      return;
    }
    this.status = CSW_STATUS_GOOD;
    this.phase = { kind: 'data-out', cmd, total: H, received: 0 };
  }

  private async finishOut(phase: Extract<Phase, { kind: 'data-out' }>): Promise<void> {
    if (this.phase !== phase) return;
    this.phase = { kind: 'busy' };
    if (phase.cmd) {
      const sense: Sense | null = await phase.cmd.finish(phase.received);
      if (sense && this.status === CSW_STATUS_GOOD) this.status = CSW_STATUS_FAILED;
      this.residue = this.hostLength - Math.min(phase.received, phase.cmd.length);
    }
    this.phase = { kind: 'csw' };
    void this.serveIn();
  }

  /** Serves waiting IN requests in order while the phase allows. */
  private async serveIn(): Promise<void> {
    if (this.serving) return;
    this.serving = true;
    try {
      while (this.pendingIn.length > 0) {
        const phase = this.phase;
        const req = this.pendingIn[0]!;
        if (this.haltIn) {
          this.pendingIn.shift();
          req.resolve({ status: 'stall' });
          continue;
        }
        if (phase.kind === 'csw') {
          this.pendingIn.shift();
          this.phase = { kind: 'cbw' };
          req.resolve({ status: 'ok', data: this.csw().subarray(0, req.length) });
          continue;
        }
        if (phase.kind !== 'data-in') return; // wait for a CBW, the command, or the data-out stage
        const left = phase.total - phase.sent;
        if (left === 0) {
          if (phase.lastShort) {
            this.endDataIn(phase);
            continue;
          }
          if (phase.total === 0) {
            // No data for a host expecting some: a zero-length (short) transfer ends the data stage.
            this.pendingIn.shift();
            this.endDataIn(phase);
            req.resolve({ status: 'ok', data: new Uint8Array(0) });
            continue;
          }
          // Hi > Di and the data ended on a transfer boundary: stall, the host clears it and reads the CSW.
          this.endDataIn(phase);
          this.pendingIn.shift();
          this.haltIn = true;
          req.resolve({ status: 'stall' });
          continue;
        }
        const n = Math.min(req.length, left, MAX_IN_PIECE_BYTES);
        const data = await phase.cmd.read(phase.sent, n);
        if (req.signal.aborted || this.phase !== phase) continue; // cancelled meanwhile: the bytes stay unsent
        this.pendingIn.shift();
        phase.sent += data.length;
        phase.lastShort = data.length < req.length;
        if (phase.sent >= phase.total && (phase.lastShort || phase.total === this.hostLength))
          this.endDataIn(phase);
        req.resolve({ status: 'ok', data });
      }
    } finally {
      this.serving = false;
    }
  }

  private endDataIn(phase: Extract<Phase, { kind: 'data-in' }>): void {
    const sense = phase.cmd.sense();
    if (sense && this.status === CSW_STATUS_GOOD) this.status = CSW_STATUS_FAILED;
    if (this.status !== CSW_STATUS_PHASE_ERROR) this.residue = this.hostLength - phase.sent;
    this.phase = { kind: 'csw' };
  }

  private csw(): Uint8Array {
    const b = new Uint8Array(13);
    const v = new DataView(b.buffer);
    v.setUint32(0, CSW_SIGNATURE, true);
    v.setUint32(4, this.tag, true);
    v.setUint32(8, this.residue >>> 0, true);
    b[12] = this.status;
    return b;
  }

  private stall(which: 'in' | 'out'): void {
    if (which === 'in') this.haltIn = true;
    else this.haltOut = true;
  }

  private failPending(status: 'stall' | 'ioerror'): void {
    for (const p of this.pendingIn.splice(0)) p.resolve({ status });
  }
}

function emptyIn(): Extract<ScsiCommand, { kind: 'in' }> {
  return { kind: 'in', length: 0, read: () => Promise.resolve(new Uint8Array(0)), sense: () => null };
}
