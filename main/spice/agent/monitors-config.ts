// VD_AGENT_MONITORS_CONFIG: the monitor layout the client asks the guest for (REFERENCES G39). Sent through the
// agent path of the main channel, as spice-gtk does; spice-server applies it through the QXL device itself when the
// guest has one, else forwards it to the agent. Layout per spice-gtk's spice_main_channel_send_monitor_config:
// - with SPARSE_MONITORS_CONFIG every slot up to the highest id is sent and a disabled monitor is 0x0,
//   without it only enabled monitors are sent, in id order (the guest renumbers them);
// - USE_POS with the positions given; PHYSICAL_SIZE with a millimetre size per entry when any is known.
import { SpiceError } from '../errors';
import { SpiceWriter } from '../wire/writer';
import {
  VD_AGENT_CONFIG_MONITORS_FLAG_PHYSICAL_SIZE,
  VD_AGENT_CONFIG_MONITORS_FLAG_USE_POS,
  VD_AGENT_MON_CONFIG_BYTES,
  VD_AGENT_MONITOR_MM_BYTES,
} from './vd-agent';

/** Monitors a client may configure (spice-gtk's MAX_DISPLAY; the app opens at most 16 windows). */
export const MAX_GUEST_MONITORS = 16;
/** Largest width or height asked for (QXL's own limit is lower on most guests; the guest clamps). */
export const MAX_MONITOR_DIMENSION = 16384;

export interface GuestMonitor {
  /**
   * The monitor slot: the monitor id on display channel 0 (QXL multi-head), or the display channel id when each
   * channel has one monitor — the same number MOUSE_POSITION's display_id uses.
   */
  id: number;
  enabled: boolean;
  /** Pixels (the window's size at the device pixel ratio, for crisp 1:1 guest pixels). */
  width: number;
  height: number;
  x: number;
  y: number;
  widthMm?: number;
  heightMm?: number;
}

export interface MonitorsConfigWire {
  /** SPARSE_MONITORS_CONFIG negotiated. */
  sparse: boolean;
  /** Send USE_POS (default on, as spice-gtk unless display position is disabled). */
  usePositions: boolean;
}

function check(m: GuestMonitor): void {
  const bad = (what: string): never => {
    throw new SpiceError('config', `monitor ${m.id}: ${what}`);
  };
  if (!Number.isInteger(m.id) || m.id < 0 || m.id >= MAX_GUEST_MONITORS)
    bad(`id must be 0..${MAX_GUEST_MONITORS - 1}`);
  for (const [name, v] of [
    ['width', m.width],
    ['height', m.height],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > MAX_MONITOR_DIMENSION)
      bad(`${name} ${v} is not 0..${MAX_MONITOR_DIMENSION}`);
  }
  if (m.enabled && (m.width === 0 || m.height === 0)) bad('an enabled monitor needs a size');
  for (const [name, v] of [
    ['x', m.x],
    ['y', m.y],
  ] as const) {
    if (!Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1) bad(`${name} ${v} is not a 32-bit integer`);
  }
}

/** The VDAgentMonitorsConfig payload for `monitors` (ids unique). */
export function encodeMonitorsConfig(
  monitors: readonly GuestMonitor[],
  wire: MonitorsConfigWire,
): Uint8Array {
  const byId = new Map<number, GuestMonitor>();
  for (const m of monitors) {
    check(m);
    if (byId.has(m.id)) throw new SpiceError('config', `monitor ${m.id} listed twice`);
    byId.set(m.id, m);
  }
  const enabled = [...byId.values()].filter((m) => m.enabled).sort((a, b) => a.id - b.id);
  const slots: (GuestMonitor | null)[] = wire.sparse
    ? Array.from({ length: Math.max(0, ...[...byId.keys()].map((id) => id + 1)) }, (_, id) => {
        const m = byId.get(id);
        return m?.enabled ? m : null;
      })
    : enabled;
  const physical = enabled.some((m) => m.widthMm !== undefined || m.heightMm !== undefined);
  const flags =
    (wire.usePositions ? VD_AGENT_CONFIG_MONITORS_FLAG_USE_POS : 0) |
    (physical ? VD_AGENT_CONFIG_MONITORS_FLAG_PHYSICAL_SIZE : 0);
  const w = new SpiceWriter(
    8 + slots.length * (VD_AGENT_MON_CONFIG_BYTES + (physical ? VD_AGENT_MONITOR_MM_BYTES : 0)),
  )
    .u32(slots.length)
    .u32(flags);
  for (const m of slots) {
    if (!m) w.zeros(VD_AGENT_MON_CONFIG_BYTES);
    else w.u32(m.height).u32(m.width).u32(32).i32(m.x).i32(m.y); // height before width (vd_agent.h)
  }
  if (physical) {
    for (const m of slots) {
      w.u16(Math.min(0xffff, Math.max(0, Math.round(m?.heightMm ?? 0))));
      w.u16(Math.min(0xffff, Math.max(0, Math.round(m?.widthMm ?? 0))));
    }
  }
  return w.finish();
}

/** Two layouts ask the guest for the same thing. */
export function sameMonitors(a: readonly GuestMonitor[], b: readonly GuestMonitor[]): boolean {
  if (a.length !== b.length) return false;
  const key = (m: GuestMonitor): string =>
    `${m.id}:${m.enabled ? 1 : 0}:${m.width}x${m.height}+${m.x}+${m.y}:${m.widthMm ?? '-'}x${m.heightMm ?? '-'}`;
  const sorted = (l: readonly GuestMonitor[]): string =>
    [...l]
      .sort((x, y) => x.id - y.id)
      .map(key)
      .join(',');
  return sorted(a) === sorted(b);
}
