// A bare SPICE channel for tests of the test server: links one channel with Saffron's link stage and framer,
// answers SET_ACK/PING and acknowledges messages, and lets a test send and await raw messages. It is how the
// server's agent and usbredir sides are driven before the client grows those features.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import * as E from '../../main/spice/protocol/enums';
import { CLIENT_COMMON_CAPS, performLink } from '../../main/spice/transport/link';
import { StreamByteSource } from '../../main/spice/transport/byte-source';
import { MessageFramer, frameMessage } from '../../main/spice/transport/framer';

export interface RawMessage {
  type: number;
  body: Buffer;
}

export interface RawChannelOptions {
  port: number;
  channelType: number;
  channelId?: number;
  connectionId?: number;
  password?: string;
  channelCaps?: number[];
  timeoutMs?: number;
}

interface Waiter {
  predicate: (m: RawMessage) => boolean;
  resolve: (m: RawMessage) => void;
}

export class RawChannel {
  private readonly queue: RawMessage[] = [];
  private readonly waiters = new Set<Waiter>();
  private serial = 0;
  private ackWindow = 0;
  private unacked = 0;
  private closed = false;
  private closeError: Error | null = null;

  private constructor(
    private readonly socket: Socket,
    private readonly framer: MessageFramer,
    readonly name: string,
  ) {}

  static async open(opts: RawChannelOptions): Promise<RawChannel> {
    const socket = connect({ host: '127.0.0.1', port: opts.port });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    const name = `channel ${opts.channelType}:${opts.channelId ?? 0}`;
    const source = new StreamByteSource(socket, 'link', opts.timeoutMs ?? 10000);
    let link;
    try {
      link = await performLink(
        source,
        {
          connectionId: opts.connectionId ?? 0,
          channelType: opts.channelType,
          channelId: opts.channelId ?? 0,
          commonCaps: CLIENT_COMMON_CAPS,
          channelCaps: opts.channelCaps ?? [],
        },
        opts.password ?? '',
        name,
      );
    } catch (e) {
      socket.destroy();
      throw e;
    }
    const framer = new MessageFramer(link.miniHeader);
    const channel = new RawChannel(socket, framer, name);
    framer.push(source.detach());
    socket.on('data', (chunk: Buffer) => {
      framer.push(chunk);
      channel.drain();
    });
    socket.on('close', () => channel.onClose(null));
    socket.on('error', (e) => channel.onClose(e));
    channel.drain();
    return channel;
  }

  send(type: number, body: Uint8Array): void {
    this.serial++;
    this.socket.write(frameMessage(this.framer.miniHeader, this.serial, type, body));
  }

  /** Resolves with the first queued or future message that matches (consuming it). */
  next(predicate: (m: RawMessage) => boolean, timeoutMs = 10000): Promise<RawMessage> {
    const index = this.queue.findIndex(predicate);
    if (index >= 0) return Promise.resolve(this.queue.splice(index, 1)[0]!);
    if (this.closed) return Promise.reject(this.closeError ?? new Error(`${this.name} is closed`));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`${this.name}: no matching message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Removes and returns every message received but not yet taken. */
  takeQueued(): RawMessage[] {
    return this.queue.splice(0, this.queue.length);
  }

  nextOfType(type: number, timeoutMs?: number): Promise<RawMessage> {
    return this.next((m) => m.type === type, timeoutMs);
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onClose(error: Error | null): void {
    this.closed = true;
    this.closeError = error;
  }

  private drain(): void {
    for (let m = this.framer.next(); m !== null; m = this.framer.next()) {
      const message: RawMessage = { type: m.type, body: Buffer.from(m.body) };
      this.countForAck();
      if (this.handleBase(message)) continue;
      const waiter = [...this.waiters].find((w) => w.predicate(message));
      if (waiter) {
        this.waiters.delete(waiter);
        waiter.resolve(message);
      } else {
        this.queue.push(message);
      }
    }
  }

  private countForAck(): void {
    if (this.ackWindow === 0) return;
    if (++this.unacked >= this.ackWindow) {
      this.unacked = 0;
      this.send(E.SPICE_MSGC_ACK, new Uint8Array(0));
    }
  }

  private handleBase(m: RawMessage): boolean {
    if (m.type === E.SPICE_MSG_SET_ACK) {
      const generation = m.body.readUInt32LE(0);
      this.ackWindow = m.body.readUInt32LE(4);
      this.unacked = 0;
      const body = Buffer.alloc(4);
      body.writeUInt32LE(generation, 0);
      this.send(E.SPICE_MSGC_ACK_SYNC, body);
      return true;
    }
    if (m.type === E.SPICE_MSG_PING) {
      this.send(E.SPICE_MSGC_PONG, m.body.subarray(0, 12));
      return true;
    }
    return false;
  }
}
