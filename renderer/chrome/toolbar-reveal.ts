// The toolbar in fullscreen, as remote-viewer's fullscreen bar: hidden, and shown while the pointer is at the top
// edge of the screen, over the toolbar, or while keyboard focus is inside it (so every action stays reachable by
// keyboard). Outside fullscreen it is always shown.
const HIDE_DELAY_MS = 800;
const EDGE_PX = 4;

export class ToolbarReveal {
  private fullscreen = false;
  private hideTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly root: Document,
    private readonly toolbar: HTMLElement,
  ) {}

  attach(): void {
    this.root.addEventListener('mousemove', (e) => {
      if (!this.fullscreen) return;
      if (e.clientY <= EDGE_PX || this.toolbar.contains(e.target as Node)) this.show();
      else this.scheduleHide();
    });
    this.toolbar.addEventListener('focusin', () => this.show());
    this.toolbar.addEventListener('focusout', () => this.scheduleHide());
  }

  setFullscreen(on: boolean): void {
    this.fullscreen = on;
    this.toolbar.classList.toggle('revealed', !on);
    this.toolbar.classList.toggle('autohide', on);
  }

  private show(): void {
    clearTimeout(this.hideTimer);
    this.hideTimer = undefined;
    this.toolbar.classList.add('revealed');
  }

  private scheduleHide(): void {
    if (this.hideTimer !== undefined || !this.toolbar.classList.contains('revealed')) return;
    this.hideTimer = setTimeout(() => {
      this.hideTimer = undefined;
      if (this.fullscreen && !this.toolbar.contains(this.root.activeElement))
        this.toolbar.classList.remove('revealed');
    }, HIDE_DELAY_MS);
  }
}
