// Auto-resize, the page's half: reports this view's drawable size in device pixels (crisp 1:1 guest pixels on HiDPI
// screens) and the window's place on the host's screens, debounced, whenever it changes. The session turns the sizes
// of all views into the guest's monitor layout while auto-resize is on (main/session/bridges/agent-bridge.ts).
import type { RequestMap, RequestMethod } from '../../shared/contract';

export interface ViewSizeReporterDeps {
  request<M extends RequestMethod>(method: M, payload: RequestMap[M]): void;
  /** Only reported while true (a connected session showing this view). */
  active(): boolean;
  devicePixelRatio(): number;
  /** The window's position on the host's screens (CSS pixels). */
  screenPosition(): { x: number; y: number };
  debounceMs?: number;
}

export class ViewSizeReporter {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private last = '';

  constructor(
    private readonly element: HTMLElement,
    private readonly deps: ViewSizeReporterDeps,
  ) {}

  attach(): void {
    new ResizeObserver(() => this.schedule()).observe(this.element);
    window.addEventListener('resize', () => this.schedule());
  }

  /** Reports again even when nothing changed (a new session, auto-resize turned back on). */
  refresh(): void {
    this.last = '';
    this.schedule();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.report(), this.deps.debounceMs ?? 200);
  }

  private report(): void {
    if (!this.deps.active()) return;
    const ratio = this.deps.devicePixelRatio() || 1;
    // Whole guest pixels, even widths (many guest drivers round odd widths down).
    const width = Math.max(1, Math.min(16384, Math.floor((this.element.clientWidth * ratio) / 2) * 2));
    const height = Math.max(1, Math.min(16384, Math.floor(this.element.clientHeight * ratio)));
    const position = this.deps.screenPosition();
    const x = Math.round(position.x * ratio);
    const y = Math.round(position.y * ratio);
    const key = `${width}x${height}@${x},${y}`;
    if (key === this.last || this.element.clientWidth === 0) return;
    this.last = key;
    this.deps.request('viewSize', { width, height, x, y });
  }
}
