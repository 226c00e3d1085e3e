// The host-driven input loops of usbredir: interrupt receiving (the host polls an interrupt IN endpoint and sends
// each result as an unsolicited interrupt_packet) and bulk receiving (buffered bulk input: N bulk IN transfers kept
// in flight, results sent in order as buffered_bulk_packet). Ids count from 0 per loop; a loop that ends for any
// reason other than the guest's stop request reports usb_redir_stall (protocol document).
import { errorMessage } from '../errors';
import type { Logger } from '../logger';
import type { OpenUsbDevice, UsbTransferResult } from './usb-device';
import { UsbDeviceError } from './usb-device';
import type { PacketOf, UsbredirPacket } from './usbredir-packets';
import * as P from './usbredir-proto';

/** Ceiling for no_transfers × bytes_per_transfer of one bulk receiving loop. */
const MAX_BULK_RECEIVING_BYTES = 16 * 1024 * 1024;

interface Loop {
  kind: 'interrupt' | 'bulk';
  endpoint: number;
  interfaceNumber: number;
  abort: AbortController;
}

export interface ReceivingLoopsOptions {
  send: (p: UsbredirPacket) => void;
  logger: Logger;
  device: () => OpenUsbDevice | null;
  onDeviceGone: (e: UsbDeviceError) => void;
}

const STATUS: Record<UsbTransferResult['status'], number> = {
  ok: P.usb_redir_success,
  cancelled: P.usb_redir_cancelled,
  inval: P.usb_redir_inval,
  ioerror: P.usb_redir_ioerror,
  stall: P.usb_redir_stall,
  timeout: P.usb_redir_timeout,
  babble: P.usb_redir_babble,
};

export class ReceivingLoops {
  private readonly loops = new Map<string, Loop>();

  constructor(private readonly o: ReceivingLoopsOptions) {}

  get active(): number {
    return this.loops.size;
  }

  private endpointOf(endpoint: number, type: 'interrupt' | 'bulk') {
    return this.o
      .device()
      ?.layout()
      .endpoints.find((e) => e.address === endpoint && e.type === type);
  }

  startInterrupt(id: bigint, endpoint: number, generation: number): UsbredirPacket {
    const status = (s: number): UsbredirPacket => ({
      type: P.usb_redir_interrupt_receiving_status,
      id,
      status: s,
      endpoint,
    });
    const device = this.o.device();
    if (!device) return status(P.usb_redir_ioerror);
    const ep = this.endpointOf(endpoint, 'interrupt');
    if (!ep) return status(P.usb_redir_inval);
    const key = `i${endpoint}`;
    if (this.loops.has(key)) return status(P.usb_redir_success);
    const loop: Loop = {
      kind: 'interrupt',
      endpoint,
      interfaceNumber: ep.interfaceNumber,
      abort: new AbortController(),
    };
    this.loops.set(key, loop);
    void this.runInterrupt(device, loop, Math.max(1, ep.maxPacketSize), generation);
    return status(P.usb_redir_success);
  }

  stopInterrupt(id: bigint, endpoint: number): UsbredirPacket {
    this.stop(`i${endpoint}`);
    return { type: P.usb_redir_interrupt_receiving_status, id, status: P.usb_redir_success, endpoint };
  }

  startBulk(p: PacketOf<typeof P.usb_redir_start_bulk_receiving>, generation: number): UsbredirPacket {
    const status = (s: number): UsbredirPacket => ({
      type: P.usb_redir_bulk_receiving_status,
      id: p.id,
      stream_id: p.stream_id,
      endpoint: p.endpoint,
      status: s,
    });
    const device = this.o.device();
    if (!device) return status(P.usb_redir_ioerror);
    const ep = this.endpointOf(p.endpoint, 'bulk');
    const transfers = Math.max(1, p.no_transfers);
    if (
      !ep ||
      p.stream_id !== 0 ||
      p.bytes_per_transfer === 0 ||
      (ep.maxPacketSize > 0 && p.bytes_per_transfer % ep.maxPacketSize !== 0) ||
      transfers * p.bytes_per_transfer > MAX_BULK_RECEIVING_BYTES
    )
      return status(P.usb_redir_inval);
    const key = `b${p.endpoint}`;
    if (this.loops.has(key)) return status(P.usb_redir_success);
    const loop: Loop = {
      kind: 'bulk',
      endpoint: p.endpoint,
      interfaceNumber: ep.interfaceNumber,
      abort: new AbortController(),
    };
    this.loops.set(key, loop);
    void this.runBulk(device, loop, p.bytes_per_transfer, transfers, generation);
    return status(P.usb_redir_success);
  }

  stopBulk(id: bigint, streamId: number, endpoint: number): UsbredirPacket {
    this.stop(`b${endpoint}`);
    return {
      type: P.usb_redir_bulk_receiving_status,
      id,
      stream_id: streamId,
      endpoint,
      status: P.usb_redir_success,
    };
  }

  stopForInterface(interfaceNumber: number): void {
    for (const [key, loop] of this.loops) if (loop.interfaceNumber === interfaceNumber) this.stop(key);
  }

  stopAll(): void {
    for (const key of [...this.loops.keys()]) this.stop(key);
  }

  private stop(key: string): void {
    const loop = this.loops.get(key);
    if (!loop) return;
    this.loops.delete(key);
    loop.abort.abort();
  }

  /** The loop ended on its own (error): tell the guest with a stall status. */
  private ended(loop: Loop, error: unknown): void {
    const key = `${loop.kind === 'interrupt' ? 'i' : 'b'}${loop.endpoint}`;
    if (this.loops.get(key) !== loop) return;
    this.loops.delete(key);
    if (error instanceof UsbDeviceError && error.code === 'gone') {
      this.o.onDeviceGone(error);
      return;
    }
    if (error)
      this.o.logger.warn(
        `receiving on endpoint 0x${loop.endpoint.toString(16)} stopped: ${errorMessage(error)}`,
      );
    this.o.send(
      loop.kind === 'interrupt'
        ? {
            type: P.usb_redir_interrupt_receiving_status,
            id: 0n,
            status: P.usb_redir_stall,
            endpoint: loop.endpoint,
          }
        : {
            type: P.usb_redir_bulk_receiving_status,
            id: 0n,
            stream_id: 0,
            endpoint: loop.endpoint,
            status: P.usb_redir_stall,
          },
    );
  }

  private async runInterrupt(
    device: OpenUsbDevice,
    loop: Loop,
    length: number,
    _generation: number,
  ): Promise<void> {
    let id = 0n;
    try {
      while (!loop.abort.signal.aborted) {
        const r = await device.interrupt(loop.endpoint, length, loop.abort.signal);
        if (loop.abort.signal.aborted) return;
        if (r.status !== 'ok') {
          this.ended(loop, new Error(`status ${r.status}`));
          return;
        }
        const data = (r.data ?? new Uint8Array(0)).subarray(0, length);
        this.o.send({
          type: P.usb_redir_interrupt_packet,
          id: id++,
          endpoint: loop.endpoint,
          status: P.usb_redir_success,
          length: data.length,
          data,
        });
      }
    } catch (e) {
      if (!loop.abort.signal.aborted) this.ended(loop, e);
    }
  }

  private async runBulk(
    device: OpenUsbDevice,
    loop: Loop,
    bytes: number,
    transfers: number,
    _generation: number,
  ): Promise<void> {
    let id = 0n;
    const submit = (): Promise<UsbTransferResult> => device.bulk(loop.endpoint, bytes, loop.abort.signal);
    const queue: Promise<UsbTransferResult>[] = [];
    try {
      for (let i = 0; i < transfers; i++) queue.push(submit());
      while (!loop.abort.signal.aborted) {
        const r = await queue.shift()!;
        if (loop.abort.signal.aborted) return;
        if (r.status !== 'ok') {
          this.ended(loop, new Error(`status ${r.status}`));
          return;
        }
        const data = (r.data ?? new Uint8Array(0)).subarray(0, bytes);
        this.o.send({
          type: P.usb_redir_buffered_bulk_packet,
          id: id++,
          stream_id: 0,
          length: data.length,
          endpoint: loop.endpoint,
          status: STATUS[r.status],
          data,
        });
        queue.push(submit());
      }
    } catch (e) {
      if (!loop.abort.signal.aborted) this.ended(loop, e);
    } finally {
      // Settle the transfers still queued so none is left unobserved.
      for (const q of queue) q.catch(() => {});
    }
  }
}
