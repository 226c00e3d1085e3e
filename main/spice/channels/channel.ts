// The base of every SPICE channel: opens and links its stream, frames messages, and handles the messages
// common to all channels once (SET_ACK/ACK window, PING, NOTIFY, DISCONNECTING, WAIT_FOR_CHANNELS, LIST,
// MIGRATE). Subclasses give an exhaustive handler table for their own message types; handlers run one at a
// time, in order, and may be async (image decoding) without blocking any other channel. The dispatcher yields to
// the event loop whenever its time slice is used up (between messages, LIST entries and inside long draws), and
// each message's pixel work is bounded (work-budget.ts). A channel closed in any state — connecting, linking or
// linked — releases its socket and timers at once.

import type { Duplex } from 'node:stream';
import { ProtocolError, ServerDisconnectedError, SpiceError, errorMessage } from '../errors';
import type { Logger } from '../logger';
import type { MemoryBudget } from '../memory-budget';
import { RepeatLimiter } from '../repeat-limiter';
import { StallBudget } from '../stall-budget';
import * as E from '../protocol/enums';
import type { SessionEventMap, SessionEventName } from '../session-events';
import { StreamByteSource } from '../transport/byte-source';
import { capsHas } from '../transport/caps';
import { MessageFramer, frameMessage, type SpiceMessage } from '../transport/framer';
import { CLIENT_COMMON_CAPS, performLink, type LinkResult } from '../transport/link';
import type { StreamOpener } from '../transport/stream-opener';
import { WorkMeter, type WorkBudgetOptions } from '../work-budget';
import { SpiceReader } from '../wire/reader';
import { SpiceWriter } from '../wire/writer';
import { channelName } from './channel-names';

export type MessageHandler = (r: SpiceReader) => void | Promise<void>;

/** What a channel needs from the session that owns it. */
export interface ChannelHost {
  readonly opener: StreamOpener;
  /** MAIN_INIT session id (0 for the main channel itself). */
  readonly connectionId: number;
  readonly password: string;
  readonly linkTimeoutMs: number;
  /** The session-wide memory budget (framer buffers, surfaces, decode temporaries). */
  readonly memory: MemoryBudget;
  /** Per-message work budget and time slice (defaults in work-budget.ts). */
  readonly workOptions?: WorkBudgetOptions;
  /**
   * Resolves true when channel (type, id) has processed message `serial` (or is not there), false after
   * `timeoutMs` (WAIT_FOR_CHANNELS, INVAL_ALL_PIXMAPS).
   */
  waitForChannelSerial(type: number, id: number, serial: number, timeoutMs: number): Promise<boolean>;
  /** The server asked to migrate / disconnect: the session ends with this error. */
  endSession(error: SpiceError): void;
}

export interface ChannelContext {
  type: number;
  id: number;
  logger: Logger;
  host: ChannelHost;
  emit: <K extends SessionEventName>(name: K, payload: SessionEventMap[K]) => void;
}

/** Bytes buffered while a slow async handler runs before the socket is paused. */
const PAUSE_ABOVE_BYTES = 32 * 1024 * 1024;
/** How long a WAIT_FOR_CHANNELS may block before we go on (a missing channel must not freeze this one). */
const WAIT_FOR_CHANNELS_TIMEOUT_MS = 5000;

export type ChannelState = 'idle' | 'linking' | 'ready' | 'closed';

export abstract class SpiceChannel<TMsg extends number = number> {
  readonly type: number;
  readonly id: number;
  readonly name: string;
  protected readonly log: Logger;
  protected readonly ctx: ChannelContext;
  protected abstract readonly handlers: Record<TMsg, MessageHandler>;

  /** Pixel work of the message being handled, and the dispatcher's time slice. */
  protected readonly work: WorkMeter;
  private state: ChannelState = 'idle';
  private stream: Duplex | null = null;
  /** While connecting and linking: cancels the connect, and the stream/reader of the link stage. */
  private readonly abort = new AbortController();
  private linkStream: Duplex | null = null;
  private linkSource: StreamByteSource | null = null;
  private framer: MessageFramer | null = null;
  private link: LinkResult | null = null;
  private secure = false;
  private sendSerial = 0;
  private ackWindow = 0;
  private ackCount = 0;
  private busy = false;
  private paused = false;
  private processedSerial = 0;
  private serialWaiters: { serial: number; resolve: (processed: boolean) => void }[] = [];
  private readonly reportedUnsupported = new Set<string>();
  /** Handler errors: the first of each kind becomes a channel-error event, repeats are counted. */
  private readonly errorLimiter = new RepeatLimiter();
  /** WAIT_FOR_CHANNELS / INVAL_ALL_PIXMAPS waits that time out are charged here (a few seconds in all). */
  private readonly stalls = new StallBudget();
  private closedResolve!: (error: SpiceError | null) => void;
  /** Settles when the channel is closed: null for a local close, else the error that closed it. */
  readonly closed: Promise<SpiceError | null>;

  constructor(ctx: ChannelContext) {
    this.ctx = ctx;
    this.type = ctx.type;
    this.id = ctx.id;
    this.name = channelName(ctx.type, ctx.id);
    this.log = ctx.logger;
    this.closed = new Promise((resolve) => (this.closedResolve = resolve));
    this.work = new WorkMeter(ctx.host.workOptions);
  }

  /** Channel cap bit numbers to offer in the link message. */
  protected channelCaps(): number[] {
    return [];
  }
  /** Called once the channel is linked and ready to send. */
  protected onLinked(): void {}
  /** Called once when the channel closes, for subclasses to free resources. */
  protected onClose(): void {}

  get isSecure(): boolean {
    return this.secure;
  }
  get isReady(): boolean {
    return this.state === 'ready';
  }
  /** Where the channel is: idle (not opened), linking (connecting or in the link stage), ready, closed. */
  get phase(): ChannelState {
    return this.state;
  }
  /** While linking: whether the stream is connected and how many bytes the server sent (null otherwise). */
  get linkProgress(): { connected: boolean; bytesReceived: number } | null {
    if (this.state !== 'linking') return null;
    return { connected: this.linkSource !== null, bytesReceived: this.linkSource?.received.length ?? 0 };
  }
  get serverCommonCaps(): Uint32Array {
    return this.link?.serverCommonCaps ?? new Uint32Array(0);
  }
  get serverChannelCaps(): Uint32Array {
    return this.link?.serverChannelCaps ?? new Uint32Array(0);
  }
  protected hasServerCap(bit: number): boolean {
    return capsHas(this.serverChannelCaps, bit);
  }
  /** Offered channel caps (for `saffron info`). */
  get offeredCaps(): number[] {
    return this.channelCaps();
  }

  /**
   * Opens the stream and runs the link stage; moves to TLS if the server answers NEED_SECURED. A failure (or a
   * close() meanwhile) closes the channel: `closed` settles and nothing stays open.
   */
  async open(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`${this.name}: open() twice`);
    this.state = 'linking';
    try {
      await this.connectAndLink();
    } catch (e) {
      const error =
        e instanceof SpiceError
          ? e
          : new SpiceError('closed', `${this.name}: ${errorMessage(e)}`, { cause: e });
      if (!this.isClosedNow()) this.finish(error);
      throw this.closedError ?? error;
    }
  }

  /** The error the channel closed with (null for a local close or while open). */
  private closedError: SpiceError | null = null;

  private async connectAndLink(): Promise<void> {
    const { opener } = this.ctx.host;
    let secure = opener.prefersSecure(this.type) || !opener.hasPlainPort;
    for (let attempt = 0; ; attempt++) {
      const stream = await opener.open({
        channelType: this.type,
        channelId: this.id,
        secure,
        signal: this.abort.signal,
      });
      if (this.isClosedNow()) {
        stream.destroy();
        throw new SpiceError('cancelled', `${this.name} channel closed while connecting`);
      }
      // No Nagle from the first byte: the link stage is several small writes that would otherwise wait for the
      // server's delayed ACK (tens of ms each), and input events must not be batched either.
      (stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      const source = new StreamByteSource(
        stream,
        `the ${this.name} channel link`,
        this.ctx.host.linkTimeoutMs,
      );
      this.linkStream = stream;
      this.linkSource = source;
      try {
        this.link = await performLink(
          source,
          {
            connectionId: this.ctx.host.connectionId,
            channelType: this.type,
            channelId: this.id,
            commonCaps: CLIENT_COMMON_CAPS,
            channelCaps: this.channelCaps(),
          },
          this.ctx.host.password,
          this.name,
        );
      } catch (e) {
        source.detach();
        stream.destroy();
        this.linkStream = null;
        this.linkSource = null;
        const retry =
          e instanceof SpiceError &&
          attempt === 0 &&
          !this.isClosedNow() &&
          ((e.code === 'need-secured' && !secure && opener.hasSecurePort) ||
            (e.code === 'need-unsecured' && secure && opener.hasPlainPort));
        if (retry) {
          this.log.info(
            `${this.name}: server wants ${secure ? 'a plain' : 'a TLS'} connection, reconnecting`,
          );
          secure = !secure;
          continue;
        }
        throw e;
      }
      const rest = source.detach();
      this.linkStream = null;
      this.linkSource = null;
      if (this.isClosedNow()) {
        stream.destroy();
        throw new SpiceError('cancelled', `${this.name} channel closed while linking`);
      }
      this.secure = secure;
      this.attach(stream, rest);
      return;
    }
  }

  /** Read through a method so the compiler does not narrow it across awaits (close() may run meanwhile). */
  private isClosedNow(): boolean {
    return this.state === 'closed';
  }

  private attach(stream: Duplex, rest: Uint8Array): void {
    this.stream = stream;
    this.framer = new MessageFramer(this.link!.miniHeader, undefined, {
      memory: this.ctx.host.memory,
      what: `the ${this.name} channel's receive buffer`,
    });
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('error', (e: Error) =>
      this.fail(new SpiceError('closed', `${this.name} channel: ${e.message}`, { cause: e })),
    );
    stream.on('close', () =>
      this.fail(new SpiceError('closed', `the server closed the ${this.name} channel`)),
    );
    this.state = 'ready';
    this.log.debug('linked', { secure: this.secure, miniHeader: this.link!.miniHeader });
    this.onLinked();
    if (rest.length) this.onData(rest);
  }

  /** Sends a client message (body from a writer or raw bytes). */
  protected send(type: number, body: Uint8Array | SpiceWriter = new Uint8Array(0)): void {
    if (this.state !== 'ready' || !this.stream) return;
    const bytes = body instanceof SpiceWriter ? body.finish() : body;
    this.sendSerial++;
    this.stream.write(frameMessage(this.link!.miniHeader, this.sendSerial, type, bytes));
  }

  /** Reports a server message or feature we do not handle: logged and surfaced once per kind. */
  protected unsupported(what: string): void {
    if (this.reportedUnsupported.has(what)) return;
    this.reportedUnsupported.add(what);
    this.log.warn(`unsupported: ${what}`);
    this.ctx.emit('unsupported', { channel: { type: this.type, id: this.id }, what });
  }

  /** Closes the channel locally (no error). */
  close(): void {
    this.finish(null);
  }

  /**
   * Resolves true once this channel has processed message `serial` (or closed), false after `timeoutMs`; a
   * timed-out wait is forgotten, so serials the server never sends cannot pile up waiters.
   */
  waitForSerial(serial: number, timeoutMs: number): Promise<boolean> {
    if (this.processedSerial >= serial || this.state === 'closed') return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.serialWaiters = this.serialWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter = {
        serial,
        resolve: (processed: boolean): void => {
          clearTimeout(timer);
          resolve(processed);
        },
      };
      this.serialWaiters.push(waiter);
    });
  }

  /** Waits registered by other channels and not yet settled. */
  get pendingSerialWaits(): number {
    return this.serialWaiters.length;
  }

  // ---- receive path ----

  private onData(chunk: Uint8Array): void {
    if (this.state !== 'ready' || !this.framer) return;
    try {
      this.framer.push(chunk);
    } catch (e) {
      this.fail(e instanceof SpiceError ? e : new ProtocolError(errorMessage(e)));
      return;
    }
    if (!this.busy) this.pump();
    else if (!this.paused && this.framer.pendingBytes > PAUSE_ABOVE_BYTES) {
      this.paused = true;
      this.stream?.pause();
    }
  }

  /** Starts draining buffered messages unless a drain is already running. */
  private pump(): void {
    if (this.busy) return;
    this.busy = true;
    this.drain().then(
      () => {
        this.busy = false;
        if (this.paused && this.stream && this.state === 'ready') {
          this.paused = false;
          this.stream.resume();
        }
      },
      (e: unknown) => {
        this.busy = false;
        this.fail(e instanceof SpiceError ? e : new ProtocolError(errorMessage(e), { cause: e }));
      },
    );
  }

  /**
   * Processes buffered messages in order. Synchronous handlers run back to back; whenever the time slice is used
   * up the loop yields to the event loop first, so a flood of cheap messages cannot starve timers or sockets.
   */
  private async drain(): Promise<void> {
    while (this.state === 'ready' && this.framer) {
      if (this.work.due) await this.work.pause();
      if (this.state !== 'ready' || !this.framer) return;
      const msg = this.framer.next();
      if (!msg) return;
      const pending = this.dispatchTopLevel(msg);
      if (pending) await pending;
    }
  }

  /** One top-level message: counts toward ACK once (LIST included), then runs, then marks its serial processed. */
  private dispatchTopLevel(msg: SpiceMessage): Promise<void> | null {
    this.countAck();
    this.work.startMessage(
      msg.type === E.SPICE_MSG_LIST ? `a LIST message (${msg.body.length} bytes)` : `message ${msg.type}`,
    );
    const done = (): void => this.markProcessed(msg.serial);
    let result: Promise<void> | null;
    if (msg.subList !== 0) {
      result = this.runSubMessageList(msg);
    } else {
      result = this.runOne(msg.type, new SpiceReader(msg.body));
    }
    if (result) return result.then(done);
    done();
    return null;
  }

  /** Full-header sub-message list: the sub messages run before the main message (protocol.h SpiceSubMessageList). */
  private runSubMessageList(msg: SpiceMessage): Promise<void> | null {
    const r = new SpiceReader(msg.body);
    const list = r.fork(msg.subList);
    let subs: { type: number; reader: SpiceReader }[];
    try {
      subs = this.readSubMessages(list, 'sub-message list');
    } catch (e) {
      this.reportHandlerError(msg.type, e);
      return null;
    }
    subs.push({ type: msg.type, reader: new SpiceReader(msg.body, 0, msg.subList) });
    return this.runSequence(subs);
  }

  private readSubMessages(r: SpiceReader, what: string): { type: number; reader: SpiceReader }[] {
    const count = r.count(r.u16(), 4, what);
    const offsets: number[] = [];
    for (let i = 0; i < count; i++) offsets.push(r.u32());
    return offsets.map((offset) => {
      const sub = r.fork(offset);
      const type = sub.u16();
      // A list inside a list could point its entries at one shared nested list: 2^depth handler runs.
      if (type === E.SPICE_MSG_LIST) throw new ProtocolError(`${what}: nested LIST message`);
      const size = sub.u32();
      return { type, reader: sub.sub(size) };
    });
  }

  /**
   * Runs items[from..] in order, yielding between entries when the slice is used up. Once the message is over
   * its work budget the rest of the list is skipped (the overrun was reported once).
   */
  private runSequence(items: { type: number; reader: SpiceReader }[], from = 0): Promise<void> | null {
    for (let i = from; i < items.length; i++) {
      if (this.state !== 'ready' || this.work.exhausted) return null;
      if (this.work.due) return this.work.pause().then(() => this.runSequence(items, i) ?? undefined);
      const item = items[i]!;
      const pending = this.runOne(item.type, item.reader);
      if (pending) return pending.then(() => this.runSequence(items, i + 1) ?? undefined);
    }
    return null;
  }

  /** Runs one message's handler; errors are reported on this channel and the stream goes on. */
  private runOne(type: number, r: SpiceReader): Promise<void> | null {
    try {
      const result = this.handleMessage(type, r);
      if (result instanceof Promise) return result.catch((e: unknown) => this.reportHandlerError(type, e));
    } catch (e) {
      this.reportHandlerError(type, e);
    }
    return null;
  }

  private reportHandlerError(type: number, e: unknown): void {
    if (this.state === 'closed') return;
    const error =
      e instanceof SpiceError ? e : new ProtocolError(`message ${type}: ${errorMessage(e)}`, { cause: e });
    // A server repeating one bad message must not flood the log, the terminal or the window.
    const { report, repeats } = this.errorLimiter.admit(`${type} ${error.code} ${error.message}`);
    if (!report) return;
    const more = repeats > 0 ? ` (and ${repeats} more like it)` : '';
    this.log.warn(`message ${type} failed: ${error.message}${more}`);
    this.ctx.emit('channel-error', { type: this.type, id: this.id, error });
  }

  private handleMessage(type: number, r: SpiceReader): void | Promise<void> {
    switch (type) {
      case E.SPICE_MSG_SET_ACK:
        return this.onSetAck(r);
      case E.SPICE_MSG_PING:
        return this.onPing(r);
      case E.SPICE_MSG_NOTIFY:
        return this.onNotify(r);
      case E.SPICE_MSG_DISCONNECTING:
        return this.onDisconnecting(r);
      case E.SPICE_MSG_WAIT_FOR_CHANNELS:
        return this.onWaitForChannels(r);
      case E.SPICE_MSG_LIST:
        return this.runSequence(this.readSubMessages(r, 'message list')) ?? undefined;
      case E.SPICE_MSG_MIGRATE:
      case E.SPICE_MSG_MIGRATE_DATA:
        return this.onMigrate();
    }
    const handler = (this.handlers as Record<number, MessageHandler | undefined>)[type];
    if (!handler) {
      this.unsupported(`message type ${type}`);
      return;
    }
    return handler.call(this, r);
  }

  private countAck(): void {
    if (this.ackWindow === 0) return;
    if (++this.ackCount >= this.ackWindow) {
      this.ackCount = 0;
      this.send(E.SPICE_MSGC_ACK);
    }
  }

  private markProcessed(serial: number): void {
    this.processedSerial = serial;
    if (this.serialWaiters.length === 0) return;
    const ready = this.serialWaiters.filter((w) => w.serial <= serial);
    this.serialWaiters = this.serialWaiters.filter((w) => w.serial > serial);
    for (const w of ready) w.resolve(true);
  }

  // ---- common messages ----

  private onSetAck(r: SpiceReader): void {
    const generation = r.u32();
    const window = r.u32();
    this.ackWindow = window;
    this.ackCount = 0;
    this.send(E.SPICE_MSGC_ACK_SYNC, new SpiceWriter(4).u32(generation));
  }

  private onPing(r: SpiceReader): void {
    const id = r.u32();
    const timestamp = r.u64();
    // Trailing padding (bandwidth test) is not echoed.
    this.send(E.SPICE_MSGC_PONG, new SpiceWriter(12).u32(id).u64(timestamp));
  }

  private onNotify(r: SpiceReader): void {
    const timeStamp = r.u64();
    const severity = r.u32();
    const visibility = r.u32();
    const what = r.u32();
    const length = r.u32();
    const message = r.cstring(Math.min(length, r.remaining));
    this.log.info(`server notice: ${message}`, { severity, visibility, what });
    this.ctx.emit('notify', { timeStampMs: Number(timeStamp / 1000n), severity, visibility, what, message });
  }

  private onDisconnecting(r: SpiceReader): void {
    r.u64(); // time stamp
    const reason = r.u32();
    const error =
      reason === E.SPICE_LINK_ERR_OK
        ? new ServerDisconnectedError('the server is disconnecting this client')
        : new ServerDisconnectedError(`the server is disconnecting this client (reason ${reason})`);
    this.ctx.host.endSession(error);
  }

  private async onWaitForChannels(r: SpiceReader): Promise<void> {
    const count = r.count(r.u8(), 10, 'wait list');
    const waits: { type: number; id: number; serial: number }[] = [];
    for (let i = 0; i < count; i++) waits.push({ type: r.u8(), id: r.u8(), serial: r.u64n() });
    if (!(await this.waitForSerials(waits, WAIT_FOR_CHANNELS_TIMEOUT_MS)))
      this.log.warn('WAIT_FOR_CHANNELS timed out; going on');
  }

  /**
   * Waits (WAIT_FOR_CHANNELS, INVAL_ALL_PIXMAPS) until every listed channel processed its serial, at most
   * `timeoutMs`; a wait that times out is charged to this channel's stall budget, and once that is spent the
   * channel no longer waits for serials at all. Resolves true if every serial was processed.
   */
  protected async waitForSerials(
    waits: readonly { type: number; id: number; serial: number }[],
    timeoutMs: number,
  ): Promise<boolean> {
    const waitMs = this.stalls.timeoutFor(timeoutMs);
    if (waits.length === 0) return true;
    if (waitMs <= 0) return false;
    const started = performance.now();
    const processed = await Promise.all(
      waits.map((w) => this.ctx.host.waitForChannelSerial(w.type, w.id, w.serial, waitMs)),
    );
    const ok = !processed.includes(false);
    if (!ok) this.stalls.charge(Math.max(waitMs, performance.now() - started));
    return ok;
  }

  private onMigrate(): void {
    this.ctx.host.endSession(
      new SpiceError(
        'migration',
        'the server is migrating the VM to another host; Saffron does not follow live migrations yet — reconnect to the new host',
      ),
    );
  }

  // ---- teardown ----

  private fail(error: SpiceError): void {
    this.finish(error);
  }

  private finish(error: SpiceError | null): void {
    if (this.state === 'closed') return;
    const wasReady = this.state === 'ready';
    this.state = 'closed';
    this.closedError = error;
    // Connecting: abort the connect (its timer and socket). Linking: fail the pending read and drop the socket.
    this.abort.abort();
    this.linkSource?.cancel(
      error ?? new SpiceError('cancelled', `the ${this.name} channel was closed while linking`),
    );
    this.linkSource = null;
    this.linkStream?.destroy();
    this.linkStream = null;
    this.stream?.removeAllListeners('data');
    this.stream?.destroy();
    this.stream = null;
    this.framer?.dispose();
    this.framer = null;
    for (const w of this.serialWaiters) w.resolve(true);
    this.serialWaiters = [];
    try {
      this.onClose();
    } catch (e) {
      this.log.error(`close: ${errorMessage(e)}`);
    }
    for (const { sample, count } of this.errorLimiter.drain())
      this.log.warn(`${count} more message errors like this were not shown: ${sample}`);
    if (wasReady) this.log.debug('closed', { error: error?.message });
    this.closedResolve(error);
  }
}
