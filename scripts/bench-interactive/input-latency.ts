// Pairs the input events a client sent with the test server's reports of their arrival (key / tablet_position /
// mouse_motion events carry t_us, the server's monotonic clock). Events of one kind travel in order over one TCP
// connection, so when as many arrived as were sent they pair in order, however late. When some never arrived (a
// client may merge pointer moves), each send takes the first arrival after it and before the next send.
import type { InputSent } from './client';
import type { Spread } from './stats';
import { spread } from './stats';

export interface ServerInput {
  kind: 'keydown' | 'keyup' | 'move';
  tUs: number;
}

export interface InputFigures {
  keyMs: Spread;
  pointerMs: Spread;
  sent: number;
  matched: number;
  /** The raw times (monotonic µs), so a run can be re-paired later. */
  raw: { sent: InputSent[]; arrived: ServerInput[] };
}

/** Maps a test-server event to a kind, or undefined for events that are not user input. */
export function serverInputKind(event: Record<string, unknown>): ServerInput | undefined {
  const t = typeof event.t_us === 'number' ? event.t_us : undefined;
  if (t === undefined) return undefined;
  if (event.event === 'key' && typeof event.scancode === 'number') {
    const code = event.scancode;
    if (code === 0xe0 || code === 0xe1) return undefined; // prefixes: the byte after them is the key
    return { kind: code & 0x80 ? 'keyup' : 'keydown', tUs: t };
  }
  if (event.event === 'tablet_position' || event.event === 'mouse_motion') return { kind: 'move', tUs: t };
  return undefined;
}

/** Clock uncertainty allowed when an arrival seems to precede its send (page clock calibration, µs). */
const SLACK_US = 2000;

export function pairInputs(sent: readonly InputSent[], arrived: readonly ServerInput[]): InputFigures {
  const key: number[] = [];
  const pointer: number[] = [];
  for (const kind of ['keydown', 'keyup', 'move'] as const) {
    const s = sent.filter((e) => e.kind === kind).map((e) => e.tUs);
    const r = arrived.filter((e) => e.kind === kind).map((e) => e.tUs);
    s.sort((a, b) => a - b);
    r.sort((a, b) => a - b);
    const out = kind === 'move' ? pointer : key;
    if (s.length === r.length) {
      s.forEach((sent, i) => out.push((r[i]! - sent) / 1000));
      continue;
    }
    let j = 0;
    for (let i = 0; i < s.length; i++) {
      while (j < r.length && r[j]! < s[i]! - SLACK_US) j++;
      if (j >= r.length) break;
      const next = s[i + 1];
      if (next !== undefined && r[j]! >= next - SLACK_US) continue; // nothing arrived for this one
      out.push((r[j]! - s[i]!) / 1000);
      j++;
    }
  }
  return {
    keyMs: spread(key),
    pointerMs: spread(pointer),
    sent: sent.length,
    matched: key.length + pointer.length,
    raw: { sent: [...sent], arrived: [...arrived] },
  };
}
