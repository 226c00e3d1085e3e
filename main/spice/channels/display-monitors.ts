// The monitors of one display channel, as spice-gtk's display channel owns them: the heads of the server's last
// MONITORS_CONFIG that sit on the primary surface, each clipped to it — or, when the server sent no usable heads
// (no MONITORS_CONFIG capability, or a config that does not match the surface yet), the whole primary surface as
// one monitor. Pure: the display channel recomputes the list whenever the primary surface or the config changes.
import type { Rect } from '../../../shared/rect';
import type { MonitorConfig } from '../surfaces/types';

export interface DisplayMonitor {
  channelId: number;
  surfaceId: number;
  /** MOUSE_POSITION's display_id: the head id on channel 0, the channel id on the others (one head each). */
  displayId: number;
  /** The part of the surface this monitor shows, in surface pixels. */
  area: Rect;
}

export interface PrimarySurface {
  surfaceId: number;
  width: number;
  height: number;
}

/** The monitors of display channel `channelId` (empty without a primary surface), ordered by head id. */
export function monitorLayout(
  channelId: number,
  primary: PrimarySurface | undefined,
  heads: readonly MonitorConfig[],
): DisplayMonitor[] {
  if (!primary) return [];
  const onPrimary = heads.filter((m) => m.surfaceId === primary.surfaceId && m.width > 0 && m.height > 0);
  if (onPrimary.length === 0) {
    return [
      {
        channelId,
        surfaceId: primary.surfaceId,
        displayId: channelId,
        area: { left: 0, top: 0, right: primary.width, bottom: primary.height },
      },
    ];
  }
  const out: DisplayMonitor[] = [];
  for (const head of [...onPrimary].sort((a, b) => a.id - b.id)) {
    // Clip the head to the surface: a monitors config may briefly disagree with the surface size.
    const left = Math.max(0, Math.min(head.x, primary.width - 1));
    const top = Math.max(0, Math.min(head.y, primary.height - 1));
    const right = Math.min(left + head.width, primary.width);
    const bottom = Math.min(top + head.height, primary.height);
    if (right <= left || bottom <= top) continue;
    out.push({
      channelId,
      surfaceId: primary.surfaceId,
      displayId: channelId > 0 ? channelId : head.id,
      area: { left, top, right, bottom },
    });
  }
  return out;
}

export function sameMonitor(a: DisplayMonitor, b: DisplayMonitor): boolean {
  return (
    a.channelId === b.channelId &&
    a.surfaceId === b.surfaceId &&
    a.displayId === b.displayId &&
    a.area.left === b.area.left &&
    a.area.top === b.area.top &&
    a.area.right === b.area.right &&
    a.area.bottom === b.area.bottom
  );
}
