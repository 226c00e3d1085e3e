// A real SpiceSession with its guest agent against the C test server (whose vdagent plays the guest): starts the
// server, connects, and waits until the agent announced itself. Also a recording ClipboardAdapter.
import type {
  ClipboardAdapter,
  ClipboardContent,
  ClipboardKind,
  ClipboardSelection,
} from '../../main/spice/agent/clipboard-adapter';
import type { AgentState, GuestAgentOptions } from '../../main/spice/agent/guest-agent';
import { parseSpiceUri } from '../../main/spice/connect/uri';
import { silentLogger } from '../../main/spice/logger';
import { SpiceSession } from '../../main/spice/session';
import { createStreamOpener } from '../../main/spice/transport/opener';
import { startTestServer, type TestServer, type TestServerOptions } from './test-server';

export interface AgentSession {
  server: TestServer;
  session: SpiceSession;
  close(): Promise<void>;
}

/** Every channel but main (agent tests need only main; fewer sockets on a busy machine). */
const NOT_MAIN = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

export function connectSession(port: number, agent: GuestAgentOptions = {}, mainOnly = true): SpiceSession {
  return new SpiceSession({
    opener: createStreamOpener(parseSpiceUri(`spice://127.0.0.1:${port}`), { logger: silentLogger }),
    linkTimeoutMs: 5000,
    agent,
    ...(mainOnly ? { disableChannels: NOT_MAIN } : {}),
  });
}

/** Resolves with the agent state once `predicate` holds (at once if it already does). */
export function agentState(
  session: SpiceSession,
  predicate: (s: AgentState) => boolean,
  timeoutMs = 10_000,
): Promise<AgentState> {
  return new Promise((resolve, reject) => {
    if (predicate(session.agent.state)) return resolve(session.agent.state);
    const timer = setTimeout(() => {
      off();
      reject(
        new Error(`agent state not reached within ${timeoutMs} ms: ${JSON.stringify(session.agent.state)}`),
      );
    }, timeoutMs);
    const off = session.agent.on('state', (s) => {
      if (!predicate(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}

export async function startAgentSession(
  serverOptions: TestServerOptions,
  agent: GuestAgentOptions = {},
  options: { mainOnly?: boolean; waitReady?: boolean } = {},
): Promise<AgentSession> {
  const server = await startTestServer({ width: 64, height: 48, ...serverOptions });
  const session = connectSession(server.port!, agent, options.mainOnly ?? true);
  const close = async (): Promise<void> => {
    session.close();
    await server.stop();
  };
  try {
    await session.connect();
    if (options.waitReady ?? serverOptions.agent === true) await agentState(session, (s) => s.ready);
  } catch (e) {
    await close();
    throw e;
  }
  return { server, session, close };
}

/** A shell clipboard that records what the core tells it and serves fixed host content. */
export class RecordingClipboard implements ClipboardAdapter {
  readonly events: string[] = [];
  host: Partial<Record<ClipboardSelection, ClipboardContent>> = {};
  private waiters: { predicate: (e: string) => boolean; resolve: (e: string) => void }[] = [];

  guestGrab(selection: ClipboardSelection, kinds: readonly ClipboardKind[]): void {
    this.push(`grab ${selection} ${kinds.join(',')}`);
  }
  guestRelease(selection: ClipboardSelection): void {
    this.push(`release ${selection}`);
  }
  readHost(selection: ClipboardSelection, kind: ClipboardKind): Promise<ClipboardContent | null> {
    this.push(`read ${selection} ${kind}`);
    const content = this.host[selection];
    return Promise.resolve(content?.kind === kind ? content : null);
  }

  /** The next event matching (past events since `after` count). */
  next(predicate: (e: string) => boolean, after = 0, timeoutMs = 10_000): Promise<string> {
    const past = this.events.slice(after).find(predicate);
    if (past !== undefined) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const waiter = { predicate, resolve: (e: string) => (clearTimeout(timer), resolve(e)) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(`clipboard event not seen within ${timeoutMs} ms (have: ${this.events.join(' | ')})`),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private push(e: string): void {
    this.events.push(e);
    const ready = this.waiters.filter((w) => w.predicate(e));
    this.waiters = this.waiters.filter((w) => !w.predicate(e));
    for (const w of ready) w.resolve(e);
  }
}
