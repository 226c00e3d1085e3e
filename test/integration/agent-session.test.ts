// The agent's lifecycle inside a real SpiceSession against libspice-server: an agent that attaches after connect,
// leaves and comes back (state resets, features return); client mouse mode asked for whenever the server allows
// it (no tablet: only through the agent), with positions reaching the agent per display; monitors config for 1-4
// displays through the agent and through the QXL device, sparse or not as negotiated.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GuestMonitor } from '../../main/spice/agent/monitors-config';
import * as V from '../../main/spice/agent/vd-agent';
import * as E from '../../main/spice/protocol/enums';
import type { SessionEventMap } from '../../main/spice/session-events';
import type { SpiceSession } from '../../main/spice/session';
import { agentState, startAgentSession } from '../support/agent-session';
import { requireTools } from '../support/require-tool';

requireTools(['test-server']);

function sessionEvent<K extends keyof SessionEventMap>(
  session: SpiceSession,
  name: K,
  predicate: (p: SessionEventMap[K]) => boolean,
  timeoutMs = 10_000,
): Promise<SessionEventMap[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => (off(), reject(new Error(`no ${name} event within ${timeoutMs} ms`))),
      timeoutMs,
    );
    const off = session.on(name, (p) => {
      if (!predicate(p)) return;
      clearTimeout(timer);
      off();
      resolve(p);
    });
  });
}

void test('an agent that comes and goes; client mouse mode through it', { timeout: 90_000 }, async (t) => {
  const s = await startAgentSession({ noTablet: true, width: 800, height: 600 }, {}, { mainOnly: false });
  const { server, session } = s;
  t.after(() => s.close());

  await t.test('no agent, no tablet: server mouse mode only; nothing is sent to an absent agent', () => {
    assert.equal(session.agent.state.connected, false);
    assert.equal(session.mainChannel!.supportedMouseModes, E.SPICE_MOUSE_MODE_SERVER);
  });

  await t.test(
    'the agent attaches: started and announced; client mode is asked for and granted',
    async () => {
      const mode = sessionEvent(session, 'mouse-mode', (m) => m.current === E.SPICE_MOUSE_MODE_CLIENT);
      await server.sendOk({ cmd: 'agent_connect' });
      const state = await agentState(session, (st) => st.ready);
      assert.ok(state.caps.includes('CLIPBOARD_GRAB_SERIAL'));
      await mode;
      assert.equal(session.mainChannel!.currentMouseMode, E.SPICE_MOUSE_MODE_CLIENT);
    },
  );

  await t.test('positions reach the agent with the display id', async () => {
    for (let i = 0; i < 200 && !session.getChannel(E.SPICE_CHANNEL_INPUTS, 0)?.isReady; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    for (const displayId of [0, 1, 3]) {
      const mark = server.eventCount;
      session.inputs.mousePosition(100 + displayId, 50 + displayId, 0, displayId);
      const ev = await server.waitFor((e) => e.event === 'agent_mouse', { after: mark });
      assert.deepEqual([ev.x, ev.y, ev.display_id], [100 + displayId, 50 + displayId, displayId]);
    }
  });

  await t.test('the agent leaves: state resets, the server falls back to server mode', async () => {
    const back = sessionEvent(session, 'mouse-mode', (m) => m.current === E.SPICE_MOUSE_MODE_SERVER);
    await server.sendOk({ cmd: 'agent_disconnect' });
    await agentState(session, (st) => !st.connected && !st.ready);
    await back;
  });

  await t.test('it comes back: announced again, client mode asked for again', async () => {
    const mark = server.eventCount;
    const mode = sessionEvent(session, 'mouse-mode', (m) => m.current === E.SPICE_MOUSE_MODE_CLIENT);
    await server.sendOk({ cmd: 'agent_connect' });
    await agentState(session, (st) => st.ready);
    await mode;
    const caps = await server.waitFor((e) => e.event === 'agent_caps' && e.request === true, { after: mark });
    assert.ok((caps.caps as number[]).includes(V.VD_AGENT_CAP_CLIPBOARD_BY_DEMAND));
  });

  await t.test('an explicit request for server mode sticks when the agent comes back', async () => {
    const server1 = sessionEvent(session, 'mouse-mode', (m) => m.current === E.SPICE_MOUSE_MODE_SERVER);
    session.requestMouseMode(E.SPICE_MOUSE_MODE_SERVER);
    await server1;
    await server.sendOk({ cmd: 'agent_disconnect' });
    await agentState(session, (st) => !st.connected);
    await server.sendOk({ cmd: 'agent_connect' });
    await agentState(session, (st) => st.ready);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(session.mainChannel!.currentMouseMode, E.SPICE_MOUSE_MODE_SERVER);
  });
});

const layouts: GuestMonitor[][] = [1, 2, 3, 4].map((n) =>
  Array.from({ length: n }, (_, i) => ({
    id: i,
    enabled: true,
    width: 640 + i * 8,
    height: 480 + i * 2,
    x: i * 700,
    y: 0,
  })),
);

void test(
  'monitors config for 1-4 displays goes to the agent, which replies',
  { timeout: 60_000 },
  async (t) => {
    const s = await startAgentSession({ agent: true }, { monitorsDebounceMs: 20 });
    const { server, session } = s;
    t.after(() => s.close());
    for (const layout of layouts) {
      const mark = server.eventCount;
      const reply = new Promise<boolean>((resolve) => {
        const off = session.agent.on('monitors-reply', (r) => (off(), resolve(r.ok)));
      });
      // a burst: only the last layout is sent
      session.agent.setMonitors(layout.map((m) => ({ ...m, width: m.width - 100 })));
      session.agent.setMonitors(layout);
      const ev = await server.waitFor((e) => e.event === 'monitors_config_request', { after: mark });
      assert.equal(ev.via, 'agent');
      assert.equal(ev.flags, V.VD_AGENT_CONFIG_MONITORS_FLAG_USE_POS);
      assert.deepEqual(
        ev.monitors,
        layout.map((m) => ({ width: m.width, height: m.height, depth: 32, x: m.x, y: m.y })),
      );
      assert.equal(await reply, true);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(
        server.events.slice(mark).filter((e) => e.event === 'monitors_config_request').length,
        1,
        'debounced to one message',
      );
    }

    await t.test(
      'a disabled display: a 0x0 slot with SPARSE_MONITORS_CONFIG, left out without it',
      async () => {
        const layout = [layouts[2]![0]!, { ...layouts[2]![1]!, enabled: false }, layouts[2]![2]!];
        let mark = server.eventCount;
        session.agent.setMonitors(layout);
        let ev = await server.waitFor((e) => e.event === 'monitors_config_request', { after: mark });
        assert.deepEqual(
          (ev.monitors as { width: number }[]).map((m) => m.width),
          [640, 0, 656],
        );
        const linux = (await server.sendOk({ cmd: 'agent_announce' })).caps as number[];
        await server.sendOk({
          cmd: 'agent_announce',
          caps: linux.filter((c) => c !== V.VD_AGENT_CAP_SPARSE_MONITORS_CONFIG),
        });
        await agentState(session, (st) => !st.caps.includes('SPARSE_MONITORS_CONFIG'));
        mark = server.eventCount;
        session.agent.setMonitors(layout.map((m) => ({ ...m, y: 10 })));
        ev = await server.waitFor((e) => e.event === 'monitors_config_request', { after: mark });
        assert.deepEqual(
          (ev.monitors as { width: number }[]).map((m) => m.width),
          [640, 656],
        );
      },
    );
  },
);

void test(
  'monitors config for a QXL guest is applied by the server (no agent reply)',
  { timeout: 60_000 },
  async (t) => {
    const s = await startAgentSession(
      { agent: true, clientMonitorsConfig: 'qxl' },
      { monitorsDebounceMs: 20 },
    );
    const { server, session } = s;
    t.after(() => s.close());
    for (const layout of layouts) {
      const mark = server.eventCount;
      session.agent.setMonitors(layout);
      const ev = await server.waitFor((e) => e.event === 'monitors_config_request', { after: mark });
      assert.equal(ev.via, 'qxl');
      assert.deepEqual(
        ev.monitors,
        layout.map((m) => ({ width: m.width, height: m.height, depth: 32, x: m.x, y: m.y })),
      );
    }
  },
);

void test(
  'a layout asked for before the agent exists goes out when it attaches',
  { timeout: 60_000 },
  async (t) => {
    const s = await startAgentSession({}, { monitorsDebounceMs: 20 });
    const { server, session } = s;
    t.after(() => s.close());
    session.agent.setMonitors(layouts[1]!);
    await new Promise((r) => setTimeout(r, 100));
    const mark = server.eventCount;
    await server.sendOk({ cmd: 'agent_connect' });
    const ev = await server.waitFor((e) => e.event === 'monitors_config_request', { after: mark });
    assert.equal((ev.monitors as unknown[]).length, 2);
  },
);
