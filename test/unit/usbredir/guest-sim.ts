// A usb-guest for unit tests: parses what the host engine writes and encodes what a guest (QEMU) would send.
import { UsbredirParser, encodeUsbredirPacket } from '../../../main/spice/usbredir/usbredir-codec';
import type { UsbredirPacket } from '../../../main/spice/usbredir/usbredir-packets';
import * as P from '../../../main/spice/usbredir/usbredir-proto';

export const ALL_GUEST_CAPS = [
  P.usb_redir_cap_connect_device_version,
  P.usb_redir_cap_filter,
  P.usb_redir_cap_device_disconnect_ack,
  P.usb_redir_cap_ep_info_max_packet_size,
  P.usb_redir_cap_64bits_ids,
  P.usb_redir_cap_32bits_bulk_length,
  P.usb_redir_cap_bulk_receiving,
];

export class GuestSim {
  readonly parser = new UsbredirParser({ role: 'guest' });
  readonly received: UsbredirPacket[] = [];
  wire: P.UsbredirWire = P.USB_REDIR_WIRE_BASE;
  private waiters: (() => void)[] = [];

  constructor(readonly caps: number[] = ALL_GUEST_CAPS) {}

  /** Feeds host bytes. */
  fromHost = (bytes: Uint8Array): void => {
    this.parser.push(bytes);
    for (let p = this.parser.next(); p; p = this.parser.next()) {
      if (p.type === P.usb_redir_hello) {
        this.wire = P.negotiatedWire(P.capsOf(this.caps), p.capabilities);
        this.parser.setWire(this.wire);
      }
      this.received.push(p);
    }
    for (const w of this.waiters.splice(0)) w();
  };

  hello(version = 'test usb-guest'): Uint8Array {
    return encodeUsbredirPacket(
      { type: P.usb_redir_hello, id: 0n, version, capabilities: P.capsOf(this.caps) },
      P.USB_REDIR_WIRE_BASE,
    );
  }

  encode(p: UsbredirPacket): Uint8Array {
    return encodeUsbredirPacket(p, this.wire);
  }

  take<T extends UsbredirPacket['type']>(type: T): Extract<UsbredirPacket, { type: T }>[] {
    const out = this.received.filter((p) => p.type === type) as Extract<UsbredirPacket, { type: T }>[];
    for (const p of out) this.received.splice(this.received.indexOf(p), 1);
    return out;
  }

  /** Waits until a packet of `type` (and matching `pred`) arrived; returns and removes it. */
  async next<T extends UsbredirPacket['type']>(
    type: T,
    pred: (p: Extract<UsbredirPacket, { type: T }>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Extract<UsbredirPacket, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.received.findIndex(
        (p) => p.type === type && pred(p as Extract<UsbredirPacket, { type: T }>),
      );
      if (i >= 0) return this.received.splice(i, 1)[0] as Extract<UsbredirPacket, { type: T }>;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no packet of type ${type} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}
