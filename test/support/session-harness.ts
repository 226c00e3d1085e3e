// Connects a real SpiceSession to a ScriptedServer: links main, sends MAIN_INIT, and hands both ends to the test.
import { parseSpiceUri } from '../../main/spice/connect/uri';
import * as E from '../../main/spice/protocol/enums';
import { displayFeature } from '../../main/spice/channels/display-feature';
import type { SessionFeature } from '../../main/spice/session-feature';
import { SpiceSession, type SessionOptions } from '../../main/spice/session';
import type { SessionEventMap, SessionEventName } from '../../main/spice/session-events';
import { createStreamOpener } from '../../main/spice/transport/opener';
import { silentLogger } from '../../main/spice/logger';
import { SpiceWriter } from '../../main/spice/wire/writer';
import { ScriptedServer, type ScriptedConnection, type ScriptedServerOptions } from './scripted-server';

export const SESSION_ID = 0x5eed1234;

export function mainInit(w = new SpiceWriter(32)): Uint8Array {
  return w.u32(SESSION_ID).u32(1).u32(3).u32(1).u32(0).u32(10).u32(1000).u32(0).finish();
}

export interface Harness {
  server: ScriptedServer;
  session: SpiceSession;
  main: ScriptedConnection;
  events: { name: SessionEventName; payload: unknown }[];
  waitFor<K extends SessionEventName>(
    name: K,
    pred?: (p: SessionEventMap[K]) => boolean,
    timeoutMs?: number,
  ): Promise<SessionEventMap[K]>;
  close(): Promise<void>;
}

export async function startHarness(
  options: ScriptedServerOptions & {
    sessionPassword?: string;
    /** Open display channels with a default display feature (or pass `features`). */
    display?: boolean;
    features?: readonly SessionFeature[];
    /** More session options (logger, memory budget, work budget). */
    session?: Partial<Omit<SessionOptions, 'opener'>>;
  } = {},
): Promise<Harness> {
  const server = new ScriptedServer(options);
  const port = await server.listen();
  const opener = createStreamOpener(parseSpiceUri(`spice://127.0.0.1:${port}`), { logger: silentLogger });
  const session = new SpiceSession({
    opener,
    password: options.sessionPassword ?? options.password ?? '',
    linkTimeoutMs: 3000,
    features: options.features ?? (options.display ? [displayFeature()] : []),
    ...options.session,
  });
  const events: Harness['events'] = [];
  const all: SessionEventName[] = [
    'ready',
    'name',
    'uuid',
    'channels',
    'notify',
    'channel-error',
    'channel-open',
    'closed',
    'unsupported',
    'mouse-mode',
    'keyboard-modifiers',
    'cursor-set',
    'cursor-move',
    'cursor-hide',
    'agent-connected',
  ];
  for (const name of all) session.on(name, (payload) => events.push({ name, payload }));
  const connecting = session.connect();
  const main = await server.connection();
  main.send(E.SPICE_MSG_MAIN_INIT, mainInit());
  await connecting;
  /** The first matching event, whether it already happened or is still to come. */
  const waitFor: Harness['waitFor'] = (name, pred, timeoutMs = 3000) =>
    new Promise((resolve, reject) => {
      const past = events.find((e) => e.name === name && (!pred || pred(e.payload as never)));
      if (past) return resolve(past.payload as never);
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no '${name}' event within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = session.on(name, (p) => {
        if (pred && !pred(p)) return;
        clearTimeout(timer);
        off();
        resolve(p);
      });
    });
  return {
    server,
    session,
    main,
    events,
    waitFor,
    async close() {
      session.close();
      await server.close();
    },
  };
}

/** Lists display channels `ids` in CHANNELS_LIST and waits until each linked and sent DISPLAY_INIT. */
export async function linkDisplays(
  h: Harness,
  ids: number[] = [0],
): Promise<Map<number, ScriptedConnection>> {
  const w = new SpiceWriter().u32(ids.length);
  for (const id of ids) w.u8(E.SPICE_CHANNEL_DISPLAY).u8(id);
  h.main.send(E.SPICE_MSG_MAIN_CHANNELS_LIST, w.finish());
  const out = new Map<number, ScriptedConnection>();
  for (let i = 0; i < ids.length; i++) {
    const conn = await h.server.connection();
    await conn.nextOfType(E.SPICE_MSGC_DISPLAY_INIT);
    out.set(conn.channelId, conn);
  }
  return out;
}
