// The session's USB devices: host devices from the injected backend (with hotplug) and shared images (virtual CD /
// disk), each either available or redirected on one usbredir channel (one device per channel). It applies the
// auto-connect filter to hotplugged devices (enable-usb-autoshare / usb-filter), the redirect-on-connect filter to
// devices present when the channels come up, and reports every state change and per-device error as events — a
// device that is busy, forbidden or unplugged never takes the channel or the session down. This is the API the
// picker (app, `saffron web`) and `saffron usb` use.
import { errorMessage } from '../errors';
import type { Logger } from '../logger';
import { TypedEmitter } from '../typed-emitter';
import type { UsbredirChannel, UsbredirChannelHooks } from '../channels/usbredir-channel';
import type { OpenUsbDevice, UsbBackend, UsbDeviceDescription, UsbDeviceSource } from './usb-device';
import { UsbDeviceError } from './usb-device';
import { asDeviceError } from './usbredir-host';
import {
  DEFAULT_AUTOCONNECT_FILTER,
  checkUsbFilter,
  parseUsbFilter,
  type UsbFilterRule,
  type UsbFilterVerdict,
} from './usbredir-filter';

export type UsbDeviceConnectionState = 'available' | 'connecting' | 'connected' | 'disconnecting';

/** One device as the picker shows it (plain data). */
export interface UsbDeviceState {
  key: string;
  kind: UsbDeviceDescription['kind'];
  label: string;
  vendorId: number;
  productId: number;
  speed: UsbDeviceDescription['speed'];
  manufacturer?: string;
  product?: string;
  serial?: string;
  bus?: string;
  address?: number;
  state: UsbDeviceConnectionState;
  /** The usbredir channel id carrying it, while connected. */
  channelId?: number;
  /** The last error for this device (cleared by the next successful connect). */
  error?: { code: UsbDeviceError['code']; message: string; hint?: string };
  /** The auto-connect filter's verdict for this device. */
  autoConnect: UsbFilterVerdict;
  /** False when the device can never be redirected (e.g. isochronous endpoints); `reason` says why. */
  redirectable: boolean;
  reason?: string;
}

export interface UsbDeviceManagerEvents {
  'device-added': { device: UsbDeviceState };
  'device-removed': { key: string; label: string };
  'device-changed': { device: UsbDeviceState };
  /** A device could not be connected or failed while connected. */
  'device-error': {
    key: string;
    label: string;
    code: UsbDeviceError['code'];
    message: string;
    hint?: string;
  };
  /** Something the user should know that is not about one device (e.g. no USB support on this machine). */
  notice: { message: string };
  /** usbredir channels: how many are up, how many carry no device. */
  channels: { total: number; free: number };
}

export interface UsbDeviceManagerOptions {
  /** Host devices; absent = only shared images. */
  backend?: UsbBackend;
  logger: Logger;
  /** Redirect hotplugged devices the auto-connect filter allows (.vv enable-usb-autoshare). Default false. */
  autoConnect?: boolean;
  /** .vv usb-filter / --usb-auto-redirect; default spice-gtk's (everything but HID). */
  autoConnectFilter?: string;
  /** Devices present when the channels come up and matching this filter are redirected (--usb-redirect-on-connect). */
  redirectOnConnectFilter?: string;
}

interface Entry {
  source: UsbDeviceSource;
  state: UsbDeviceConnectionState;
  channel: UsbredirChannel | null;
  open: OpenUsbDevice | null;
  error: UsbDeviceState['error'] | undefined;
  /** Connect as soon as a channel is free (shared images, redirect-on-connect). */
  wanted: boolean;
}

export class UsbDeviceManager extends TypedEmitter<UsbDeviceManagerEvents> {
  private readonly log: Logger;
  private readonly backend: UsbBackend | undefined;
  private readonly entries = new Map<string, Entry>();
  private readonly channels = new Set<UsbredirChannel>();
  private readonly autoRules: UsbFilterRule[];
  private readonly onConnectRules: UsbFilterRule[] | null;
  private autoConnect: boolean;
  private stopWatching: (() => void) | null = null;
  private closed = false;

  constructor(options: UsbDeviceManagerOptions) {
    super((e) => options.logger.error(`usb listener failed: ${errorMessage(e)}`));
    this.log = options.logger;
    this.backend = options.backend;
    this.autoConnect = options.autoConnect ?? false;
    this.autoRules = parseUsbFilter(options.autoConnectFilter ?? DEFAULT_AUTOCONNECT_FILTER);
    this.onConnectRules =
      options.redirectOnConnectFilter !== undefined ? parseUsbFilter(options.redirectOnConnectFilter) : null;
  }

  /** Lists the host's devices and starts hotplug reports. Never throws (no USB support = a notice). */
  async start(): Promise<void> {
    if (!this.backend || this.closed) return;
    const { devices, notice } = await this.backend.list();
    if (this.closed) return;
    if (notice) this.emit('notice', { message: notice });
    for (const d of devices)
      this.add(d, this.onConnectRules ? this.verdict(this.onConnectRules, d.description) === 'allow' : false);
    this.stopWatching = this.backend.watch({
      added: (d) => {
        if (this.closed) return;
        const allow = this.autoConnect && this.verdict(this.autoRules, d.description) === 'allow';
        this.add(d, allow);
      },
      removed: (key) => this.removeHost(key),
    });
    this.pumpWanted();
  }

  /** Turns auto-connect of hotplugged devices on or off (the app's "auto-share" toggle). */
  setAutoConnect(on: boolean): void {
    this.autoConnect = on;
  }

  /** Every device, for the picker. */
  list(): UsbDeviceState[] {
    return [...this.entries.values()].map((e) => this.stateOf(e));
  }

  get channelCount(): { total: number; free: number } {
    return { total: this.channels.size, free: [...this.channels].filter((c) => this.isFree(c)).length };
  }

  /** Adds a shared image (virtual CD / disk). With `connect`, it is redirected as soon as a channel is free. */
  addVirtualDevice(source: UsbDeviceSource, options: { connect?: boolean } = {}): UsbDeviceState {
    if (this.entries.has(source.description.key))
      throw new UsbDeviceError('busy', `a device with key ${source.description.key} already exists`);
    const entry = this.add(source, options.connect ?? true);
    this.pumpWanted();
    return this.stateOf(entry);
  }

  /** Disconnects (if needed) and forgets a shared image. */
  async removeVirtualDevice(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry || entry.source.description.kind === 'host') return;
    entry.wanted = false;
    await this.disconnect(key);
    this.entries.delete(key);
    this.emit('device-removed', { key, label: entry.source.description.label });
  }

  /** Redirects a device to the VM. Rejects with UsbDeviceError (no free channel, busy, permission, …). */
  async connect(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) throw new UsbDeviceError('gone', `no USB device ${key}`);
    if (entry.state === 'connected' || entry.state === 'connecting') return;
    if (entry.state === 'disconnecting')
      throw new UsbDeviceError('busy', `${entry.source.description.label} is being disconnected`);
    const channel = [...this.channels].find((c) => this.isFree(c));
    if (!channel) {
      const error = new UsbDeviceError(
        'no-channel',
        this.channels.size === 0
          ? 'the VM has no USB redirection channel (add -device usb-redir / a spicevmc usbredir chardev, or libvirt <redirdev>)'
          : `all ${this.channels.size} USB redirection channels of the VM are in use; disconnect a device first`,
      );
      this.setError(entry, error);
      throw error;
    }
    await this.connectOn(entry, channel);
  }

  /** Takes a device back from the VM. */
  async disconnect(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry || entry.state !== 'connected' || !entry.channel) return;
    entry.wanted = false;
    const device = entry.channel.host?.detach('request') ?? entry.open;
    entry.state = 'disconnecting';
    this.changed(entry);
    await this.closeQuietly(device);
    if (entry.state === 'disconnecting') this.release(entry);
  }

  /** The usb-device-reset hotkey (remote-viewer): every redirected device is disconnected and connected again. */
  async resetConnections(): Promise<void> {
    const connected = [...this.entries.entries()].filter(([, e]) => e.state === 'connected').map(([k]) => k);
    for (const key of connected) await this.disconnect(key);
    for (const key of connected) {
      try {
        await this.connect(key);
      } catch {
        // reported through device-error
      }
    }
  }

  /** Releases every device and stops hotplug reports. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopWatching?.();
    this.stopWatching = null;
    const closing: Promise<void>[] = [];
    for (const entry of this.entries.values()) {
      const device = entry.channel?.host?.detach('closed') ?? entry.open;
      entry.open = null;
      entry.channel = null;
      entry.state = 'available';
      closing.push(this.closeQuietly(device));
    }
    await Promise.all(closing);
  }

  /** Hooks for the usbredir channels of the session (usbRedirectionFeature wires them). */
  readonly channelHooks: UsbredirChannelHooks = {
    onLinked: (channel) => {
      this.channels.add(channel);
      channel.host?.on('detached', (e) => this.onDetached(channel, e.key, e.reason, e.error));
      channel.host?.on('hello', () => this.emitChannels());
      this.emitChannels();
      this.pumpWanted();
    },
    onClosed: (channel, device) => {
      this.channels.delete(channel);
      for (const entry of this.entries.values()) {
        if (entry.channel !== channel) continue;
        this.setError(entry, new UsbDeviceError('no-channel', 'the USB redirection channel closed'));
        this.release(entry);
      }
      void this.closeQuietly(device);
      this.emitChannels();
    },
  };

  // ---- internals ----

  private add(source: UsbDeviceSource, wanted: boolean): Entry {
    const key = source.description.key;
    const existing = this.entries.get(key);
    if (existing) return existing;
    const entry: Entry = { source, state: 'available', channel: null, open: null, error: undefined, wanted };
    this.entries.set(key, entry);
    this.emit('device-added', { device: this.stateOf(entry) });
    this.pumpWanted();
    return entry;
  }

  private removeHost(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    if (entry.channel) {
      const device = entry.channel.host?.detach(
        'gone',
        new UsbDeviceError('gone', 'the device was unplugged'),
      );
      void this.closeQuietly(device ?? entry.open);
    }
    this.entries.delete(key);
    this.emit('device-removed', { key, label: entry.source.description.label });
    this.emitChannels();
    this.pumpWanted();
  }

  private isFree(channel: UsbredirChannel): boolean {
    if (!channel.host || channel.host.attachedKey !== null) return false;
    for (const e of this.entries.values()) if (e.channel === channel) return false;
    return true;
  }

  private async connectOn(entry: Entry, channel: UsbredirChannel): Promise<void> {
    const d = entry.source.description;
    entry.state = 'connecting';
    entry.channel = channel;
    entry.wanted = false;
    this.changed(entry);
    this.emitChannels();
    let open: OpenUsbDevice | null = null;
    try {
      if (d.hasIsochronous)
        throw new UsbDeviceError(
          'unsupported',
          `${d.label} has isochronous endpoints (audio/video streaming), which are not supported for this device`,
        );
      const host = channel.host;
      if (!host) throw new UsbDeviceError('no-channel', 'the USB redirection channel closed');
      await host.waitForHello();
      if (!host.guestAllows(d))
        throw new UsbDeviceError('rejected', `the VM's USB filter does not accept ${d.label}`);
      open = await entry.source.open();
      if (this.closed || entry.channel !== channel || !channel.host)
        throw new UsbDeviceError('no-channel', 'the USB redirection channel closed');
      await channel.host.attach(d, open);
      entry.open = open;
      entry.state = 'connected';
      entry.error = undefined;
      this.changed(entry);
      this.emitChannels();
    } catch (e) {
      const error = asDeviceError(e, `connecting ${d.label}`);
      await this.closeQuietly(open);
      if (this.entries.get(d.key) === entry) {
        this.setError(entry, error);
        this.release(entry);
      }
      throw error;
    }
  }

  private onDetached(channel: UsbredirChannel, key: string, reason: string, error?: UsbDeviceError): void {
    const entry = this.entries.get(key);
    if (!entry || entry.channel !== channel) return;
    if (reason === 'request') return; // disconnect() handles its own bookkeeping
    if (error) this.setError(entry, error);
    else if (reason === 'closed')
      this.setError(entry, new UsbDeviceError('no-channel', 'the USB redirection channel closed'));
    // The engine closes the device itself for rejected / failed devices; the channel's owner for 'closed'.
    entry.open = null;
    this.release(entry);
  }

  /** Back to available, channel freed. */
  private release(entry: Entry): void {
    entry.channel = null;
    entry.open = null;
    entry.state = 'available';
    this.changed(entry);
    this.emitChannels();
    this.pumpWanted();
  }

  private setError(entry: Entry, error: UsbDeviceError): void {
    const d = entry.source.description;
    entry.error = { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
    this.log.warn(`${d.label}: ${error.message}`);
    this.emit('device-error', {
      key: d.key,
      label: d.label,
      code: error.code,
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
    });
    this.changed(entry);
  }

  /** Connects wanted devices while channels are free. */
  private pumpWanted(): void {
    if (this.closed) return;
    for (const entry of this.entries.values()) {
      if (!entry.wanted || entry.state !== 'available') continue;
      const channel = [...this.channels].find((c) => this.isFree(c));
      if (!channel) return;
      this.connectOn(entry, channel).catch(() => {
        // reported through device-error
      });
    }
  }

  private verdict(rules: readonly UsbFilterRule[], d: UsbDeviceDescription): UsbFilterVerdict {
    return checkUsbFilter(rules, {
      device_class: d.deviceClass,
      vendor_id: d.vendorId,
      product_id: d.productId,
      device_version_bcd: d.deviceVersionBcd,
      interfaces: d.interfaces,
    });
  }

  /** The verdict of `filter` (usbredirfilter syntax) for every device, for `saffron usb --list`. */
  verdicts(filter: string): { device: UsbDeviceState; verdict: UsbFilterVerdict }[] {
    const rules = parseUsbFilter(filter);
    return [...this.entries.values()].map((e) => ({
      device: this.stateOf(e),
      verdict: this.verdict(rules, e.source.description),
    }));
  }

  private stateOf(e: Entry): UsbDeviceState {
    const d = e.source.description;
    const state: UsbDeviceState = {
      key: d.key,
      kind: d.kind,
      label: d.label,
      vendorId: d.vendorId,
      productId: d.productId,
      speed: d.speed,
      state: e.state,
      autoConnect: this.verdict(this.autoRules, d),
      redirectable: !d.hasIsochronous,
    };
    if (d.manufacturer !== undefined) state.manufacturer = d.manufacturer;
    if (d.product !== undefined) state.product = d.product;
    if (d.serial !== undefined) state.serial = d.serial;
    if (d.bus !== undefined) state.bus = d.bus;
    if (d.address !== undefined) state.address = d.address;
    if (e.channel && e.state !== 'available') state.channelId = e.channel.id;
    if (e.error) state.error = e.error;
    if (d.hasIsochronous) state.reason = 'isochronous endpoints (audio/video streaming) are not supported';
    return state;
  }

  private changed(entry: Entry): void {
    if (this.entries.get(entry.source.description.key) !== entry) return;
    this.emit('device-changed', { device: this.stateOf(entry) });
  }

  private emitChannels(): void {
    this.emit('channels', this.channelCount);
  }

  private async closeQuietly(device: OpenUsbDevice | null | undefined): Promise<void> {
    if (!device) return;
    try {
      await device.close();
    } catch (e) {
      this.log.warn(`closing a USB device failed: ${errorMessage(e)}`);
    }
  }
}
