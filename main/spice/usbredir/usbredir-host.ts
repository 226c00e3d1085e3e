// The usb-host side of one usbredir connection (one SPICE usbredir channel): hello and capabilities, then at most
// one device at a time — ep_info, interface_info, device_connect; the guest's configuration / alt-setting / reset
// requests; control, bulk and interrupt transfers (and interrupt / bulk receiving loops); cancel; filters both ways;
// device_disconnect with its ack. Packets are handled in order; usbredir "control" packets (reset, set config, …)
// finish before the next packet is read, data packets run concurrently within a budget (back-pressure: receive()
// returns a promise the channel waits on). A malformed packet throws from receive(); a device failure detaches the
// device and is reported, the connection stays.
import { ProtocolError, errorMessage } from '../errors';
import type { Logger } from '../logger';
import { TypedEmitter } from '../typed-emitter';
import type { OpenUsbDevice, UsbDeviceDescription, UsbTransferResult, UsbTransferStatus } from './usb-device';
import { UsbDeviceError } from './usb-device';
import { UsbredirParser, encodeUsbredirPacket } from './usbredir-codec';
import { checkUsbFilter, formatUsbFilter, parseUsbFilter, type UsbFilterRule } from './usbredir-filter';
import type { PacketOf, UsbredirPacket } from './usbredir-packets';
import * as P from './usbredir-proto';
import {
  USB_REDIR_WIRE_BASE,
  capNames,
  capsHasBit,
  capsOf,
  negotiatedWire,
  type UsbredirWire,
} from './usbredir-proto';
import { ReceivingLoops } from './usbredir-receiving';

export const USBREDIR_HOST_CAPS = [
  P.usb_redir_cap_connect_device_version,
  P.usb_redir_cap_filter,
  P.usb_redir_cap_device_disconnect_ack,
  P.usb_redir_cap_ep_info_max_packet_size,
  P.usb_redir_cap_64bits_ids,
  P.usb_redir_cap_32bits_bulk_length,
  P.usb_redir_cap_bulk_receiving,
];

/** Transfers allowed in flight before receive() applies back-pressure. */
const MAX_IN_FLIGHT = 64;
/** Bytes of IN data allowed in flight (requested lengths) before back-pressure. */
const MAX_IN_FLIGHT_BYTES = 64 * 1024 * 1024;
const DISCONNECT_ACK_TIMEOUT_MS = 3_000;

export interface UsbredirHostEvents {
  hello: { version: string; capabilities: string[] };
  /** The guest announced its filter (devices it would refuse). */
  'guest-filter': { filter: string };
  /** The device is detached from this connection (by request, by the guest's reject, or because it failed). */
  detached: {
    key: string;
    reason: 'request' | 'rejected' | 'gone' | 'error' | 'closed';
    error?: UsbDeviceError;
  };
}

export interface UsbredirHostOptions {
  /** Writes bytes to the guest (the vmc channel). */
  write: (bytes: Uint8Array) => void;
  logger: Logger;
  version?: string;
  caps?: readonly number[];
  maxPacketBytes?: number;
}

interface InFlight {
  abort: AbortController;
  bytes: number;
}

const STATUS_CODE: Readonly<Record<UsbTransferStatus, number>> = {
  ok: P.usb_redir_success,
  cancelled: P.usb_redir_cancelled,
  inval: P.usb_redir_inval,
  ioerror: P.usb_redir_ioerror,
  stall: P.usb_redir_stall,
  timeout: P.usb_redir_timeout,
  babble: P.usb_redir_babble,
};

export function statusCode(s: UsbTransferStatus): number {
  return STATUS_CODE[s];
}

const SPEED_CODE = { low: 0, full: 1, high: 2, super: 3, unknown: 255 } as const;
const EP_TYPE_CODE = { control: 0, iso: 1, bulk: 2, interrupt: 3 } as const;

export class UsbredirHost extends TypedEmitter<UsbredirHostEvents> {
  private readonly log: Logger;
  private readonly parser: UsbredirParser;
  private readonly ourCaps: number[];
  private readonly writeBytes: (bytes: Uint8Array) => void;
  private wire: UsbredirWire = USB_REDIR_WIRE_BASE;
  private peerCaps: number[] | null = null;
  private helloWaiters: (() => void)[] = [];
  private guestRules: UsbFilterRule[] | null = null;
  private device: OpenUsbDevice | null = null;
  private description: UsbDeviceDescription | null = null;
  /** Bumped on every attach/detach: completions of an older generation are dropped. */
  private generation = 0;
  private readonly inFlight = new Map<bigint, InFlight>();
  private inFlightBytes = 0;
  private capacityWaiters: (() => void)[] = [];
  private ackWaiter: (() => void) | null = null;
  private readonly loops: ReceivingLoops;
  private closed = false;

  constructor(options: UsbredirHostOptions) {
    super((e) => options.logger.error(`usbredir listener failed: ${errorMessage(e)}`));
    this.log = options.logger;
    this.writeBytes = options.write;
    this.ourCaps = capsOf(options.caps ?? USBREDIR_HOST_CAPS);
    this.parser = new UsbredirParser({
      role: 'host',
      ...(options.maxPacketBytes !== undefined ? { maxPacketBytes: options.maxPacketBytes } : {}),
    });
    this.loops = new ReceivingLoops({
      send: (p) => this.send(p),
      logger: this.log,
      device: () => this.device,
      onDeviceGone: (e) => this.fail(e),
    });
    this.send({
      type: P.usb_redir_hello,
      id: 0n,
      version: options.version ?? 'saffron usb-host',
      capabilities: this.ourCaps,
    });
  }

  get peerHello(): boolean {
    return this.peerCaps !== null;
  }
  get attachedKey(): string | null {
    return this.description?.key ?? null;
  }
  get wireLayout(): UsbredirWire {
    return this.wire;
  }
  /** The guest's filter, or null when it sent none. */
  get guestFilter(): string | null {
    return this.guestRules ? formatUsbFilter(this.guestRules) : null;
  }
  get transfersInFlight(): number {
    return this.inFlight.size;
  }

  // ---- device lifecycle ----

  /**
   * Resolves once the guest's hello arrived; rejects after `timeoutMs` or when the connection closes. QEMU's
   * usb-redir writes nothing while the VM is paused (not even its hello), so by default this waits without limit.
   */
  async waitForHello(timeoutMs = Infinity): Promise<void> {
    if (this.peerCaps) return;
    if (this.closed) throw new UsbDeviceError('no-channel', 'the USB channel is closed');
    await new Promise<void>((resolve, reject) => {
      const timer =
        timeoutMs === Infinity
          ? undefined
          : setTimeout(() => {
              this.helloWaiters = this.helloWaiters.filter((w) => w !== done);
              reject(
                new UsbDeviceError('no-channel', 'the VM did not answer on the USB redirection channel'),
              );
            }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        if (this.closed) reject(new UsbDeviceError('no-channel', 'the USB channel closed'));
        else resolve();
      };
      this.helloWaiters.push(done);
    });
  }

  /** Would the guest's filter let this device in? (true when it sent none) */
  guestAllows(d: UsbDeviceDescription): boolean {
    if (!this.guestRules) return true;
    return (
      checkUsbFilter(this.guestRules, {
        device_class: d.deviceClass,
        vendor_id: d.vendorId,
        product_id: d.productId,
        device_version_bcd: d.deviceVersionBcd,
        interfaces: d.interfaces,
      }) === 'allow'
    );
  }

  /**
   * Presents an opened device to the guest. The caller opened it and keeps ownership until detach: on failure here
   * the caller closes it.
   */
  async attach(description: UsbDeviceDescription, device: OpenUsbDevice): Promise<void> {
    if (this.device) throw new UsbDeviceError('busy', 'this USB channel already carries a device');
    await this.waitForHello();
    if (this.ackWaiter) await this.waitForAck();
    if (this.closed) throw new UsbDeviceError('no-channel', 'the USB channel closed');
    if (description.hasIsochronous)
      throw new UsbDeviceError(
        'unsupported',
        `${description.label} has isochronous endpoints (audio/video streaming), which are not supported for this device`,
      );
    if (!this.guestAllows(description))
      throw new UsbDeviceError('rejected', `the VM's USB filter does not accept ${description.label}`);
    this.device = device;
    this.description = description;
    this.generation++;
    this.sendLayout();
    const speed = SPEED_CODE[description.speed];
    this.send({
      type: P.usb_redir_device_connect,
      id: 0n,
      speed,
      device_class: description.deviceClass,
      device_subclass: description.deviceSubclass,
      device_protocol: description.deviceProtocol,
      vendor_id: description.vendorId,
      product_id: description.productId,
      device_version_bcd: description.deviceVersionBcd,
    });
    this.log.info(`attached ${description.label}`, { key: description.key });
  }

  /** Takes the device away from the guest. Resolves with the device (for the caller to close) or null. */
  detach(
    reason: UsbredirHostEvents['detached']['reason'] = 'request',
    error?: UsbDeviceError,
  ): OpenUsbDevice | null {
    const device = this.device;
    const description = this.description;
    if (!device || !description) return null;
    this.device = null;
    this.description = null;
    this.generation++;
    this.loops.stopAll();
    for (const f of this.inFlight.values()) f.abort.abort();
    this.inFlight.clear();
    this.inFlightBytes = 0;
    this.releaseCapacity();
    if (!this.closed) {
      this.send({ type: P.usb_redir_device_disconnect, id: 0n });
      if (
        capsHasBit(this.ourCaps, P.usb_redir_cap_device_disconnect_ack) &&
        this.peerHas(P.usb_redir_cap_device_disconnect_ack)
      )
        this.ackWaiter = () => {};
    }
    this.log.info(`detached ${description.label} (${reason})`);
    this.emit('detached', { key: description.key, reason, ...(error ? { error } : {}) });
    return device;
  }

  /** The guest has seen our last device_disconnect (or did not answer in time). */
  async waitForAck(timeoutMs = DISCONNECT_ACK_TIMEOUT_MS): Promise<void> {
    if (!this.ackWaiter) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.log.warn('no device_disconnect_ack from the guest; going on');
        this.ackWaiter = null;
        resolve();
      }, timeoutMs);
      this.ackWaiter = () => {
        clearTimeout(timer);
        this.ackWaiter = null;
        resolve();
      };
    });
  }

  /** The connection is gone: nothing more is sent; the device (if any) is returned for closing. */
  close(): OpenUsbDevice | null {
    if (this.closed) return null;
    const device = this.detach('closed');
    this.closed = true;
    for (const w of this.helloWaiters.splice(0)) w();
    this.ackWaiter?.();
    this.releaseCapacity();
    return device;
  }

  // ---- receive path ----

  /** Bytes from the guest. Returns a promise when the next bytes must wait (a control request or a full budget). */
  receive(bytes: Uint8Array): Promise<void> | undefined {
    this.parser.push(bytes);
    return this.pump();
  }

  private pump(): Promise<void> | undefined {
    for (;;) {
      if (this.closed) return undefined;
      if (this.inFlight.size >= MAX_IN_FLIGHT || this.inFlightBytes >= MAX_IN_FLIGHT_BYTES)
        return new Promise<void>((resolve) => this.capacityWaiters.push(resolve)).then(() => this.pump());
      const packet = this.parser.next();
      if (!packet) return undefined;
      const pending = this.handle(packet);
      if (pending) return pending.then(() => this.pump());
    }
  }

  private handle(p: UsbredirPacket): Promise<void> | undefined {
    switch (p.type) {
      case P.usb_redir_hello:
        return this.onHello(p);
      case P.usb_redir_reset:
        return this.onReset();
      case P.usb_redir_set_configuration:
        return this.onSetConfiguration(p.id, p.configuration);
      case P.usb_redir_get_configuration:
        this.send({
          type: P.usb_redir_configuration_status,
          id: p.id,
          status: this.device ? P.usb_redir_success : P.usb_redir_ioerror,
          configuration: this.device?.layout().configuration ?? 0,
        });
        return undefined;
      case P.usb_redir_set_alt_setting:
        return this.onSetAltSetting(p.id, p.interface, p.alt);
      case P.usb_redir_get_alt_setting: {
        const iface = this.device?.layout().interfaces.find((i) => i.number === p.interface);
        this.send({
          type: P.usb_redir_alt_setting_status,
          id: p.id,
          status: iface ? P.usb_redir_success : this.device ? P.usb_redir_inval : P.usb_redir_ioerror,
          interface: p.interface,
          alt: iface?.alternate ?? 0,
        });
        return undefined;
      }
      case P.usb_redir_start_iso_stream:
      case P.usb_redir_stop_iso_stream:
        this.log.warn(
          `isochronous transfers are not supported for this device (endpoint 0x${p.endpoint.toString(16)})`,
        );
        this.send({
          type: P.usb_redir_iso_stream_status,
          id: p.id,
          status: P.usb_redir_inval,
          endpoint: p.endpoint,
        });
        return undefined;
      case P.usb_redir_iso_packet:
        this.log.warn('isochronous transfers are not supported for this device; iso packet dropped');
        return undefined;
      case P.usb_redir_start_interrupt_receiving:
        this.send(this.loops.startInterrupt(p.id, p.endpoint, this.generation));
        return undefined;
      case P.usb_redir_stop_interrupt_receiving:
        this.send(this.loops.stopInterrupt(p.id, p.endpoint));
        return undefined;
      case P.usb_redir_start_bulk_receiving:
        this.send(this.loops.startBulk(p, this.generation));
        return undefined;
      case P.usb_redir_stop_bulk_receiving:
        this.send(this.loops.stopBulk(p.id, p.stream_id, p.endpoint));
        return undefined;
      case P.usb_redir_alloc_bulk_streams:
      case P.usb_redir_free_bulk_streams:
        this.log.warn('bulk streams (USB 3) are not supported');
        this.send({
          type: P.usb_redir_bulk_streams_status,
          id: p.id,
          endpoints: p.endpoints,
          no_streams: 0,
          status: P.usb_redir_inval,
        });
        return undefined;
      case P.usb_redir_cancel_data_packet: {
        const f = this.inFlight.get(p.id);
        if (f) f.abort.abort();
        else this.log.debug(`cancel for unknown or finished transfer ${p.id}`);
        return undefined;
      }
      case P.usb_redir_filter_reject:
        this.onFilterReject();
        return undefined;
      case P.usb_redir_filter_filter:
        this.onFilterFilter(p.filter);
        return undefined;
      case P.usb_redir_device_disconnect_ack:
        if (this.ackWaiter) this.ackWaiter();
        else this.log.debug('unexpected device_disconnect_ack');
        return undefined;
      case P.usb_redir_control_packet:
        this.startTransfer(p, p.length, (d, signal) =>
          d.control(
            {
              requestType: p.requesttype,
              request: p.request,
              value: p.value,
              index: p.index,
              length: p.length,
            },
            p.requesttype & 0x80 ? null : p.data,
            signal,
          ),
        );
        return undefined;
      case P.usb_redir_bulk_packet:
        this.startTransfer(p, p.length, (d, signal) =>
          d.bulk(p.endpoint, p.endpoint & 0x80 ? p.length : p.data, signal),
        );
        return undefined;
      case P.usb_redir_interrupt_packet:
        this.startTransfer(p, p.length, (d, signal) => d.interrupt(p.endpoint, p.data, signal));
        return undefined;
      case P.usb_redir_device_connect:
      case P.usb_redir_device_disconnect:
      case P.usb_redir_interface_info:
      case P.usb_redir_ep_info:
      case P.usb_redir_configuration_status:
      case P.usb_redir_alt_setting_status:
      case P.usb_redir_iso_stream_status:
      case P.usb_redir_interrupt_receiving_status:
      case P.usb_redir_bulk_streams_status:
      case P.usb_redir_bulk_receiving_status:
      case P.usb_redir_buffered_bulk_packet:
        // The parser refuses these from a guest; kept for the exhaustive switch.
        throw new ProtocolError(`usbredir: unexpected packet type ${p.type} from the usb-guest`);
    }
  }

  private onHello(p: PacketOf<typeof P.usb_redir_hello>): undefined {
    if (this.peerCaps) {
      this.log.warn('second usbredir hello ignored');
      return undefined;
    }
    this.peerCaps = p.capabilities.length ? p.capabilities : [0];
    this.wire = negotiatedWire(this.ourCaps, this.peerCaps);
    this.parser.setWire(this.wire);
    const version = p.version.replace(/[\x00-\x1f\x7f-\x9f]/g, '?');
    this.log.info(`usb-guest hello: ${version}`, { caps: capNames(this.peerCaps), ids64: this.wire.ids64 });
    this.emit('hello', { version, capabilities: capNames(this.peerCaps) });
    for (const w of this.helloWaiters.splice(0)) w();
    return undefined;
  }

  private peerHas(bit: number): boolean {
    return this.peerCaps ? capsHasBit(this.peerCaps, bit) : false;
  }

  private async onReset(): Promise<void> {
    const device = this.device;
    if (!device) return;
    const generation = this.generation;
    this.loops.stopAll();
    try {
      await device.reset();
    } catch (e) {
      if (generation !== this.generation) return;
      this.fail(asDeviceError(e, 'reset failed'));
    }
  }

  private async onSetConfiguration(id: bigint, value: number): Promise<void> {
    const device = this.device;
    if (!device) {
      this.send({
        type: P.usb_redir_configuration_status,
        id,
        status: P.usb_redir_ioerror,
        configuration: 0,
      });
      return;
    }
    const generation = this.generation;
    this.loops.stopAll();
    const status = await device.setConfiguration(value);
    if (generation !== this.generation) return;
    if (status === 'ok') this.sendLayout();
    this.send({
      type: P.usb_redir_configuration_status,
      id,
      status: statusCode(status),
      configuration: device.layout().configuration,
    });
  }

  private async onSetAltSetting(id: bigint, iface: number, alt: number): Promise<void> {
    const device = this.device;
    if (!device) {
      this.send({
        type: P.usb_redir_alt_setting_status,
        id,
        status: P.usb_redir_ioerror,
        interface: iface,
        alt: 0,
      });
      return;
    }
    const generation = this.generation;
    this.loops.stopForInterface(iface);
    const status = await device.setAltSetting(iface, alt);
    if (generation !== this.generation) return;
    if (status === 'ok') this.sendLayout();
    const now = device.layout().interfaces.find((i) => i.number === iface);
    this.send({
      type: P.usb_redir_alt_setting_status,
      id,
      status: statusCode(status),
      interface: iface,
      alt: now?.alternate ?? alt,
    });
  }

  private onFilterReject(): void {
    const label = this.description?.label ?? 'the device';
    this.log.warn(`the VM rejected ${label} (its USB filter)`);
    const device = this.detach(
      'rejected',
      new UsbDeviceError('rejected', `the VM refused ${label} (its USB filter)`),
    );
    if (device) void device.close().catch((e: unknown) => this.log.warn(`close: ${errorMessage(e)}`));
  }

  private onFilterFilter(text: string): void {
    try {
      this.guestRules = parseUsbFilter(text);
      this.log.info(`the VM's USB filter: ${formatUsbFilter(this.guestRules)}`);
      this.emit('guest-filter', { filter: formatUsbFilter(this.guestRules) });
    } catch (e) {
      // A filter we cannot read: treat like libusbredirparser (the packet is an error) but keep the connection.
      this.log.warn(`ignoring the VM's unreadable USB filter: ${errorMessage(e)}`);
    }
  }

  /** Sends ep_info then interface_info for the device's current layout. */
  private sendLayout(): void {
    const device = this.device;
    if (!device) return;
    const layout = device.layout();
    const ep_type = new Array<number>(32).fill(P.usb_redir_type_invalid);
    const interval = new Array<number>(32).fill(0);
    const epIface = new Array<number>(32).fill(0);
    const maxPacket = new Array<number>(32).fill(0);
    // Endpoint 0 exists in both directions on every device.
    for (const i of [0, 16]) {
      ep_type[i] = P.usb_redir_type_control;
      maxPacket[i] = 64;
    }
    for (const ep of layout.endpoints) {
      const i = (ep.address & 0x80 ? 16 : 0) | (ep.address & 0x0f);
      ep_type[i] = EP_TYPE_CODE[ep.type];
      interval[i] = ep.interval & 0xff;
      epIface[i] = ep.interfaceNumber & 0xff;
      maxPacket[i] = ep.maxPacketSize & 0xffff;
    }
    this.send({
      type: P.usb_redir_ep_info,
      id: 0n,
      ep_type,
      interval,
      interface: epIface,
      max_packet_size: maxPacket,
      max_streams: new Array<number>(32).fill(0),
    });
    const ifaces = layout.interfaces.slice(0, 32);
    this.send({
      type: P.usb_redir_interface_info,
      id: 0n,
      interface_count: ifaces.length,
      interface: ifaces.map((i) => i.number),
      interface_class: ifaces.map((i) => i.class),
      interface_subclass: ifaces.map((i) => i.subclass),
      interface_protocol: ifaces.map((i) => i.protocol),
    });
  }

  // ---- transfers ----

  private startTransfer(
    p: PacketOf<
      typeof P.usb_redir_control_packet | typeof P.usb_redir_bulk_packet | typeof P.usb_redir_interrupt_packet
    >,
    length: number,
    run: (device: OpenUsbDevice, signal: AbortSignal) => Promise<UsbTransferResult>,
  ): void {
    const device = this.device;
    const isIn =
      p.type === P.usb_redir_control_packet ? (p.requesttype & 0x80) !== 0 : (p.endpoint & 0x80) !== 0;
    if (!device) {
      this.reply(p, { status: 'ioerror' }, isIn);
      return;
    }
    if (this.inFlight.has(p.id)) {
      this.log.warn(`transfer id ${p.id} reused while in flight; refused`);
      this.reply(p, { status: 'inval' }, isIn);
      return;
    }
    const entry: InFlight = { abort: new AbortController(), bytes: isIn ? length : 0 };
    this.inFlight.set(p.id, entry);
    this.inFlightBytes += entry.bytes;
    const generation = this.generation;
    const finish = (result: UsbTransferResult): void => {
      if (this.inFlight.get(p.id) !== entry) return;
      this.inFlight.delete(p.id);
      this.inFlightBytes -= entry.bytes;
      this.releaseCapacity();
      if (generation !== this.generation || this.closed) return;
      this.reply(p, entry.abort.signal.aborted ? { status: 'cancelled' } : result, isIn);
    };
    entry.abort.signal.addEventListener('abort', () => finish({ status: 'cancelled' }), { once: true });
    run(device, entry.abort.signal).then(finish, (e: unknown) => {
      const error = asDeviceError(e, 'transfer failed');
      finish({ status: 'ioerror' });
      if (error.code === 'gone' && generation === this.generation) this.fail(error);
    });
  }

  private reply(
    p: PacketOf<
      typeof P.usb_redir_control_packet | typeof P.usb_redir_bulk_packet | typeof P.usb_redir_interrupt_packet
    >,
    result: UsbTransferResult,
    isIn: boolean,
  ): void {
    const ok = result.status === 'ok';
    let data: Uint8Array = new Uint8Array(0);
    if (isIn && result.data)
      data = result.data.length > p.length ? result.data.subarray(0, p.length) : result.data;
    const length = isIn ? data.length : ok ? (result.written ?? p.length) : 0;
    const status = statusCode(result.status);
    switch (p.type) {
      case P.usb_redir_control_packet:
        this.send({ ...p, status, length, data: isIn ? data : new Uint8Array(0) });
        break;
      case P.usb_redir_bulk_packet:
        this.send({ ...p, status, length, data: isIn ? data : new Uint8Array(0) });
        break;
      case P.usb_redir_interrupt_packet:
        this.send({ ...p, status, length, data: new Uint8Array(0) });
        break;
    }
  }

  private releaseCapacity(): void {
    if (this.inFlight.size < MAX_IN_FLIGHT && this.inFlightBytes < MAX_IN_FLIGHT_BYTES)
      for (const w of this.capacityWaiters.splice(0)) w();
  }

  /** A device error: detach (the guest sees an unplug) and report. The connection stays usable. */
  private fail(error: UsbDeviceError): void {
    const reason = error.code === 'gone' ? 'gone' : 'error';
    this.log.warn(`${this.description?.label ?? 'device'}: ${error.message}`);
    const device = this.detach(reason, error);
    if (device) void device.close().catch((e: unknown) => this.log.warn(`close: ${errorMessage(e)}`));
  }

  private send(p: UsbredirPacket): void {
    if (this.closed) return;
    this.writeBytes(encodeUsbredirPacket(p, this.wire));
  }
}

export function asDeviceError(e: unknown, what: string): UsbDeviceError {
  if (e instanceof UsbDeviceError) return e;
  return new UsbDeviceError('io', `${what}: ${errorMessage(e)}`, { cause: e });
}
