// The toolbar's slot for feature controls (clipboard, USB, audio, file transfer, video): a feature mounts a small
// self-contained component into its own element of #feature-controls and gets the page's translator and a request
// function. The host re-renders nothing of the feature's: it calls the control's `relabel` after a language change.
// See docs/ui.md, "Feature controls".
import type { MessageKey, MessageParams } from '../../shared/i18n';
import type { RequestMap, RequestMethod } from '../../shared/contract';

export interface FeatureContext {
  /** The page's translator (the current language). */
  t(key: MessageKey, params?: MessageParams): string;
  /** Sends a request of the contract to the session. */
  request<M extends RequestMethod>(method: M, payload: RequestMap[M]): void;
}

export interface FeatureControl {
  /** Unique, kebab-case ('clipboard', 'usb'): the slot element gets id `feature-<id>`; order is mount order. */
  readonly id: string;
  /** Builds the control inside `slot` (buttons should use class "btn"). May return a teardown. */
  mount(slot: HTMLElement, ctx: FeatureContext): void | (() => void);
  /** The language changed: update the texts the control set itself. */
  relabel?(ctx: FeatureContext): void;
}

export class FeatureHost {
  private readonly mounted = new Map<
    string,
    { control: FeatureControl; slot: HTMLElement; teardown?: () => void }
  >();

  constructor(
    private readonly container: HTMLElement,
    private readonly ctx: FeatureContext,
  ) {}

  /** Mounts a control; returns its unmount function. A second control with the same id replaces the first. */
  mount(control: FeatureControl): () => void {
    if (!/^[a-z][a-z0-9-]*$/.test(control.id))
      throw new Error(`feature control id '${control.id}' is not kebab-case`);
    this.unmount(control.id);
    const slot = document.createElement('div');
    slot.id = `feature-${control.id}`;
    slot.className = 'feature-slot';
    this.container.append(slot);
    const teardown = control.mount(slot, this.ctx);
    this.mounted.set(control.id, { control, slot, ...(teardown ? { teardown } : {}) });
    return () => this.unmount(control.id);
  }

  unmount(id: string): void {
    const entry = this.mounted.get(id);
    if (!entry) return;
    this.mounted.delete(id);
    entry.teardown?.();
    entry.slot.remove();
  }

  relabel(): void {
    for (const { control } of this.mounted.values()) control.relabel?.(this.ctx);
  }

  get ids(): string[] {
    return [...this.mounted.keys()];
  }
}
