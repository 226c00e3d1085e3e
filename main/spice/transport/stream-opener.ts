// How the session gets a byte stream for each channel. Every channel (main, display, inputs, …) opens its own
// stream; the opener decides plain vs TLS, proxying and unix sockets. Implementations live beside this file.
import type { Duplex } from 'node:stream';

export interface OpenRequest {
  /** SPICE_CHANNEL_* of the channel being opened (for secure-channels policy and error messages). */
  channelType: number;
  channelId: number;
  /** Open the TLS port (true) or the plain port (false). */
  secure: boolean;
  signal?: AbortSignal;
}

export interface StreamOpener {
  /** Opens a connected (and, if secure, TLS-verified) stream. Rejects with a SpiceError (unreachable, tls, proxy, …). */
  open(request: OpenRequest): Promise<Duplex>;
  /** Whether a channel of this type should be opened over TLS first. */
  prefersSecure(channelType: number): boolean;
  /** A TLS port is configured (needed to honour SPICE_LINK_ERR_NEED_SECURED). */
  readonly hasSecurePort: boolean;
  /** A plain port (or unix socket) is configured. */
  readonly hasPlainPort: boolean;
  /** Human-readable target for messages, with no secrets ("host:port", "unix:/path", "via proxy …"). */
  describe(): string;
}
