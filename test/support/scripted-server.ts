// A scripted SPICE server for channel tests: a real TCP listener that performs the link stage (with a real
// RSA-1024 key and OAEP ticket check), then lets the test push server messages and read client messages.
// It speaks only what a test tells it to; real-server behaviour is covered by the QEMU and libspice tests.
import { constants, generateKeyPairSync, privateDecrypt, type KeyObject } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { MessageFramer, frameMessage, type SpiceMessage } from '../../main/spice/transport/framer';
import { capsToWords } from '../../main/spice/transport/caps';
import { SPICE_MAGIC } from '../../main/spice/protocol/protocol';

export interface ScriptedServerOptions {
  password?: string;
  /** Server common caps (default: AUTH_SELECTION, AUTH_SPICE, MINI_HEADER). */
  commonCaps?: number[];
  channelCaps?: (channelType: number) => number[];
  /** Answer the link with this SPICE_LINK_ERR_* instead of OK. */
  linkError?: number;
  /**
   * Stall the link of channels of this type: 'silent' never answers, 'trickle' sends the link reply one byte a
   * second, 'no-link-result' sends the reply but never the final link result. Undefined: link normally.
   */
  stall?: (channelType: number) => StallMode | undefined;
}

export type StallMode = 'silent' | 'trickle' | 'no-link-result';

export class ScriptedConnection {
  readonly framer: MessageFramer;
  private queue: SpiceMessage[] = [];
  private waiters: ((m: SpiceMessage) => void)[] = [];
  private serial = 0;
  constructor(
    readonly socket: Socket,
    readonly channelType: number,
    readonly channelId: number,
    readonly connectionId: number,
    rest: Buffer,
  ) {
    this.framer = new MessageFramer(true);
    socket.on('data', (d: Buffer) => this.feed(d));
    if (rest.length) this.feed(rest);
  }
  private feed(d: Buffer): void {
    this.framer.push(d);
    for (let m = this.framer.next(); m; m = this.framer.next()) {
      const copy = { ...m, body: Uint8Array.from(m.body) };
      const w = this.waiters.shift();
      if (w) w(copy);
      else this.queue.push(copy);
    }
  }
  /** Sends one server message (mini header). */
  send(type: number, body: Uint8Array = new Uint8Array(0)): void {
    this.socket.write(frameMessage(true, ++this.serial, type, body));
  }
  /** Sends raw bytes (for malformed input). */
  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }
  /** The next client message, or rejects after timeoutMs. */
  next(timeoutMs = 3000): Promise<SpiceMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const waiter = (m: SpiceMessage): void => {
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error('no client message within timeout'));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
  /** Skips client messages until one of `type` arrives. */
  async nextOfType(type: number, timeoutMs = 3000): Promise<SpiceMessage> {
    for (;;) {
      const m = await this.next(timeoutMs);
      if (m.type === type) return m;
    }
  }
}

export class ScriptedServer {
  private server: Server | null = null;
  private readonly key: { publicDer: Buffer; privateKey: KeyObject };
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<ReturnType<typeof setInterval>>();
  private connWaiters: ((c: ScriptedConnection) => void)[] = [];
  private conns: ScriptedConnection[] = [];
  port = 0;
  /** Tickets received (decrypted), for assertions. */
  readonly tickets: string[] = [];

  constructor(private readonly options: ScriptedServerOptions = {}) {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 1024,
      publicExponent: 65537,
    });
    this.key = { publicDer: publicKey.export({ format: 'der', type: 'spki' }), privateKey };
  }

  async listen(): Promise<number> {
    this.server = createServer((s) => this.onSocket(s));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this.port;
  }

  /** The next linked channel connection. */
  connection(timeoutMs = 3000): Promise<ScriptedConnection> {
    const ready = this.conns.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no channel linked within timeout')), timeoutMs);
      this.connWaiters.push((c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private onSocket(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    let buf = Buffer.alloc(0);
    let stage: 'link' | 'auth' | 'ticket' = 'link';
    let mess: { connectionId: number; type: number; id: number } | null = null;
    const commonCaps = this.options.commonCaps ?? [0, 1, 3];
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (stage === 'link') {
          if (buf.length < 16 || buf.length < 16 + buf.readUInt32LE(12)) return;
          const size = buf.readUInt32LE(12);
          mess = { connectionId: buf.readUInt32LE(16), type: buf[20]!, id: buf[21]! };
          buf = buf.subarray(16 + size);
          const stall = this.options.stall?.(mess.type);
          if (stall === 'silent') {
            socket.off('data', onData);
            return;
          }
          if (stall === 'trickle') {
            socket.off('data', onData);
            this.trickle(socket, this.reply(mess.type, commonCaps));
            return;
          }
          this.sendReply(socket, mess.type, commonCaps);
          if (stall === 'no-link-result') {
            socket.off('data', onData);
            return;
          }
          if (this.options.linkError) {
            socket.end();
            return;
          }
          stage = commonCaps.includes(0) ? 'auth' : 'ticket';
        } else if (stage === 'auth') {
          if (buf.length < 4) return;
          buf = buf.subarray(4);
          stage = 'ticket';
        } else {
          if (buf.length < 128) return;
          const ticket = privateDecrypt(
            { key: this.key.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
            buf.subarray(0, 128),
          )
            .toString('utf8')
            .replace(/\0$/, '');
          this.tickets.push(ticket);
          buf = buf.subarray(128);
          const ok = (this.options.password ?? '') === ticket;
          const result = Buffer.alloc(4);
          result.writeUInt32LE(ok ? 0 : 7);
          socket.write(result);
          socket.off('data', onData);
          if (!ok) {
            socket.end();
            return;
          }
          const conn = new ScriptedConnection(socket, mess!.type, mess!.id, mess!.connectionId, buf);
          const waiter = this.connWaiters.shift();
          if (waiter) waiter(conn);
          else this.conns.push(conn);
          return;
        }
      }
    };
    socket.on('data', onData);
  }

  /** Sends `bytes` one a second until done or the socket closes. */
  private trickle(socket: Socket, bytes: Buffer): void {
    let at = 0;
    const timer = setInterval(() => {
      if (at >= bytes.length || socket.destroyed) {
        clearInterval(timer);
        this.timers.delete(timer);
        return;
      }
      socket.write(bytes.subarray(at, ++at));
    }, 1000);
    this.timers.add(timer);
  }

  private sendReply(socket: Socket, channelType: number, commonCaps: number[]): void {
    socket.write(this.reply(channelType, commonCaps));
  }

  private reply(channelType: number, commonCaps: number[]): Buffer {
    const common = capsToWords(commonCaps);
    const channel = capsToWords(this.options.channelCaps?.(channelType) ?? []);
    const error = this.options.linkError ?? 0;
    const replySize = error ? 178 : 178 + 4 * (common.length + channel.length);
    const out = Buffer.alloc(16 + replySize);
    out.writeUInt32LE(SPICE_MAGIC, 0);
    out.writeUInt32LE(2, 4);
    out.writeUInt32LE(2, 8);
    out.writeUInt32LE(replySize, 12);
    out.writeUInt32LE(error, 16);
    if (!error) {
      this.key.publicDer.copy(out, 20);
      out.writeUInt32LE(common.length, 182);
      out.writeUInt32LE(channel.length, 186);
      out.writeUInt32LE(178, 190);
      let o = 194;
      for (const w of [...common, ...channel]) {
        out.writeUInt32LE(w, o);
        o += 4;
      }
    }
    return out;
  }
}
