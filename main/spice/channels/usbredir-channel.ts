// The usbredir channel: a spicevmc byte pipe carrying one usbredir connection, on which this client plays the
// usb-host (usbredir/usbredir-host.ts). Which device goes on which channel is the device manager's business
// (usbredir/usb-device-manager.ts); the channel only reports when its engine is up and when it closed.
import type * as E from '../protocol/enums';
import { UsbredirHost } from '../usbredir/usbredir-host';
import type { OpenUsbDevice } from '../usbredir/usb-device';
import type { ChannelContext, MessageHandler } from './channel';
import { SpiceVmcChannel, type VmcChannelOptions } from './vmc-channel';

export interface UsbredirChannelHooks {
  /** Linked: the engine exists (its hello is on the way). */
  onLinked(channel: UsbredirChannel): void;
  /** Closed; `device` is the device that was attached, for the caller to close. */
  onClosed(channel: UsbredirChannel, device: OpenUsbDevice | null): void;
}

export class UsbredirChannel extends SpiceVmcChannel {
  private engine: UsbredirHost | null = null;

  protected readonly handlers: Record<E.SpiceMsgSpicevmc, MessageHandler> = this.vmcHandlers();

  constructor(
    ctx: ChannelContext,
    private readonly hooks: UsbredirChannelHooks,
    options: VmcChannelOptions = {},
  ) {
    super(ctx, options);
  }

  /** The usbredir engine (null before the link and after close). */
  get host(): UsbredirHost | null {
    return this.engine;
  }

  protected override onLinked(): void {
    this.engine = new UsbredirHost({ write: (bytes) => this.writeVmc(bytes), logger: this.log });
    this.hooks.onLinked(this);
  }

  protected onVmcData(bytes: Uint8Array): void | Promise<void> {
    return this.engine?.receive(bytes);
  }

  protected override onClose(): void {
    const device = this.engine?.close() ?? null;
    this.engine = null;
    this.hooks.onClosed(this, device);
  }
}
