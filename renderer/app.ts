// The renderer application: one monitor view. Wires the bridge's view messages to the canvas, cursor, status
// and connect panel, and the user's input (keyboard, pointer, toolbar, menu commands) back to the bridge.
import type { PortMessage, RequestMap, RequestMethod, SessionState, ViewCommand } from '../shared/contract';
import { SEND_KEY_COMBOS } from '../shared/contract';
import { sendKeyLabel } from '../shared/keyboard-map';
import {
  SPICE_KEYBOARD_MODIFIER_FLAGS_CAPS_LOCK,
  SPICE_KEYBOARD_MODIFIER_FLAGS_NUM_LOCK,
  SPICE_KEYBOARD_MODIFIER_FLAGS_SCROLL_LOCK,
  SPICE_MOUSE_MODE_CLIENT,
  SPICE_MOUSE_MODE_SERVER,
} from '../shared/spice-enums';
import type { ViewGeometry, ZoomMode } from '../shared/zoom';
import { geometryFor, stepZoom } from '../shared/zoom';
import type { Bridge } from './bridge/bridge';
import { CanvasDisplay } from './display/canvas-display';
import { CursorView } from './display/cursor-view';
import { KeyboardInput } from './input/keyboard-input';
import { PointerInput } from './input/pointer-input';
import { ConnectPanel } from './ui/connect-panel';
import { byId } from './ui/dom';

export class App {
  private state: SessionState = 'idle';
  private shell: 'electron' | 'web' = 'web';
  private monitor = 0;
  private guest = { width: 0, height: 0 };
  private zoom: ZoomMode = { kind: 'fit' };
  private geometry: ViewGeometry = { cssWidth: 0, cssHeight: 0, scale: 1, pixelated: false };
  private mouseMode: number = SPICE_MOUSE_MODE_SERVER;
  private mouseModesSupported: number = SPICE_MOUSE_MODE_SERVER;
  private grabbed = false;

  private readonly viewport = byId('viewport', HTMLElement);
  private readonly stage = byId('stage', HTMLDivElement);
  private readonly canvas = byId('screen', HTMLCanvasElement);
  private readonly display: CanvasDisplay;
  private readonly cursor: CursorView;
  private readonly keyboard: KeyboardInput;
  private readonly pointer: PointerInput;
  private readonly panel: ConnectPanel;

  constructor(private readonly bridge: Bridge) {
    const request = <M extends RequestMethod>(method: M, payload: RequestMap[M]) =>
      bridge.request(method, payload);
    this.display = new CanvasDisplay(this.canvas, (seq) => request('frameAck', { seq }));
    this.cursor = new CursorView(this.canvas, byId('guest-cursor', HTMLImageElement));
    this.keyboard = new KeyboardInput(window, {
      request,
      isActive: () => this.displayActive() && !isEditable(document.activeElement),
      isGrabbed: () => this.grabbed,
      onCommand: (c) => this.runCommand(c),
    });
    this.pointer = new PointerInput(this.canvas, {
      request,
      isActive: () => this.displayActive(),
      mouseMode: () => this.mouseMode,
      geometry: () => this.geometry,
      guestSize: () => this.guest,
      devicePixelRatio: () => window.devicePixelRatio || 1,
      onGrabChange: (grabbed) => {
        this.grabbed = grabbed;
        if (!grabbed) this.keyboard.releaseAll();
        this.updateCursorPlacement();
        this.updateStatusBar();
      },
      onPointerPosition: (x, y) => this.cursor.followPointer(x, y),
      onInteraction: (e) => {
        if (this.keyboard.needsSync) this.keyboard.syncLocks(e);
      },
    });
    this.panel = new ConnectPanel({ request });
  }

  start(): void {
    this.panel.attach();
    this.keyboard.attach();
    this.pointer.attach();
    this.setupToolbar();
    window.addEventListener('resize', () => this.layout());
    document.addEventListener('fullscreenchange', () => {
      document.body.classList.toggle('fullscreen', document.fullscreenElement !== null);
      this.layout();
    });
    this.bridge.onMessage((m) => this.onMessage(m));
    this.bridge.onLinkLost((reason) => {
      this.state = 'error';
      document.body.classList.remove('connected');
      this.panel.setStatus({ kind: 'status', state: 'error', message: reason, canReconnect: false });
      this.updateStatusBar(reason);
    });
    this.bridge.request('viewReady', {});
  }

  private displayActive(): boolean {
    return this.state === 'connected' && this.guest.width > 0;
  }

  private onMessage(m: PortMessage): void {
    switch (m.kind) {
      case 'status':
        this.state = m.state;
        document.body.classList.toggle('connected', m.state === 'connected');
        document.body.dataset.state = m.state;
        this.panel.setStatus(m);
        if (m.state !== 'connected') {
          this.pointer.ungrab();
          this.keyboard.releaseAll();
        }
        this.updateStatusBar(m.message);
        this.layout();
        return;
      case 'view':
        this.monitor = m.monitor;
        this.shell = m.shell;
        document.title = m.title;
        byId('toolbar', HTMLElement).hidden = m.shell !== 'web';
        return;
      case 'surface':
        this.guest = { width: m.width, height: m.height };
        this.display.resize(m.width, m.height);
        this.layout();
        return;
      case 'damage':
        this.display.damage(m);
        return;
      case 'frame-end':
        this.display.frameEnd(m.seq);
        return;
      case 'cursor-shape':
        this.cursor.setShape(m.cursor);
        return;
      case 'cursor-state':
        this.cursor.setState(m.x, m.y, m.visible);
        return;
      case 'mouse-mode':
        this.mouseMode = m.mode;
        this.mouseModesSupported = m.supported;
        document.body.dataset.mouseMode = m.mode === SPICE_MOUSE_MODE_CLIENT ? 'client' : 'server';
        if (m.mode === SPICE_MOUSE_MODE_CLIENT) this.pointer.ungrab();
        this.updateCursorPlacement();
        this.updateStatusBar();
        return;
      case 'modifiers':
        this.keyboard.setGuestModifiers(m.modifiers);
        byId('led-caps', HTMLSpanElement).classList.toggle(
          'on',
          (m.modifiers & SPICE_KEYBOARD_MODIFIER_FLAGS_CAPS_LOCK) !== 0,
        );
        byId('led-num', HTMLSpanElement).classList.toggle(
          'on',
          (m.modifiers & SPICE_KEYBOARD_MODIFIER_FLAGS_NUM_LOCK) !== 0,
        );
        byId('led-scroll', HTMLSpanElement).classList.toggle(
          'on',
          (m.modifiers & SPICE_KEYBOARD_MODIFIER_FLAGS_SCROLL_LOCK) !== 0,
        );
        return;
      case 'command':
        this.runCommand(m.command);
        return;
      case 'recent':
        this.panel.setRecent(m.entries);
        return;
      case 'notice':
        this.notice(m.level, m.message);
        return;
      case 'settings':
      case 'hotkeys':
        return;
    }
  }

  runCommand(command: ViewCommand): void {
    switch (command) {
      case 'fullscreen':
        if (this.shell === 'electron') this.bridge.request('command', { command });
        else if (document.fullscreenElement) void document.exitFullscreen();
        else void document.documentElement.requestFullscreen().catch(() => {});
        return;
      case 'zoom-fit':
        this.zoom = { kind: 'fit' };
        break;
      case 'zoom-100':
        this.zoom = { kind: 'fixed', scale: 1 };
        break;
      case 'zoom-in':
      case 'zoom-out':
        this.zoom = { kind: 'fixed', scale: stepZoom(this.geometry.scale, command === 'zoom-in' ? 1 : -1) };
        break;
      case 'release-cursor':
        this.pointer.ungrab();
        this.keyboard.releaseAll();
        return;
      case 'screenshot':
        void this.screenshot();
        return;
    }
    this.layout();
  }

  private async screenshot(): Promise<void> {
    const blob = await this.display.toPngBlob();
    if (!blob) {
      this.notice('error', 'Could not make a screenshot.');
      return;
    }
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    a.href = url;
    a.download = `saffron-screenshot-${stamp}.png`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  private layout(): void {
    if (this.guest.width === 0) return;
    const dpr = window.devicePixelRatio || 1;
    const viewport = { width: this.viewport.clientWidth, height: this.viewport.clientHeight };
    this.geometry = geometryFor(this.zoom, this.guest, viewport, dpr);
    this.canvas.style.width = `${this.geometry.cssWidth}px`;
    this.canvas.style.height = `${this.geometry.cssHeight}px`;
    this.canvas.classList.toggle('pixelated', this.geometry.pixelated);
    this.stage.style.width = `${this.geometry.cssWidth}px`;
    this.stage.style.height = `${this.geometry.cssHeight}px`;
    this.canvas.dataset.scale = this.geometry.scale.toFixed(3);
    this.updateCursorPlacement();
  }

  private updateCursorPlacement(): void {
    this.cursor.setPlacement({
      cssScale: this.guest.width > 0 ? this.geometry.cssWidth / this.guest.width : 1,
      osCursor: this.mouseMode === SPICE_MOUSE_MODE_CLIENT,
      locked: this.grabbed,
    });
  }

  private updateStatusBar(text?: string): void {
    if (text !== undefined) byId('status-text', HTMLSpanElement).textContent = text;
    const client = this.mouseMode === SPICE_MOUSE_MODE_CLIENT;
    byId('mouse-mode-indicator', HTMLSpanElement).textContent =
      this.state !== 'connected'
        ? ''
        : client
          ? 'Mouse: client (absolute)'
          : this.grabbed
            ? 'Mouse grabbed — Ctrl+Alt or Shift+F12 to release'
            : `Mouse: server (click to grab)${this.mouseModesSupported & SPICE_MOUSE_MODE_CLIENT ? '' : ''}`;
  }

  private notice(level: 'info' | 'warning' | 'error', message: string): void {
    const box = byId('notices', HTMLDivElement);
    const item = document.createElement('div');
    item.className = level;
    item.textContent = message;
    box.append(item);
    while (box.childElementCount > 5) box.firstElementChild?.remove();
    setTimeout(() => item.remove(), level === 'error' ? 15_000 : 8_000);
  }

  private setupToolbar(): void {
    const select = byId('send-key', HTMLSelectElement);
    for (const combo of SEND_KEY_COMBOS) {
      const option = document.createElement('option');
      option.value = combo;
      option.textContent = sendKeyLabel(combo);
      select.append(option);
    }
    select.addEventListener('change', () => {
      const combo = SEND_KEY_COMBOS.find((c) => c === select.value);
      if (combo) this.bridge.request('sendKeys', { combo });
      select.value = '';
      this.viewport.focus();
    });
    for (const button of document.querySelectorAll<HTMLButtonElement>('#toolbar button[data-command]')) {
      button.addEventListener('click', () => {
        const command = button.dataset.command as ViewCommand;
        this.runCommand(command);
        this.viewport.focus();
      });
    }
    document
      .querySelector<HTMLButtonElement>('#toolbar button[data-action="disconnect"]')
      ?.addEventListener('click', () => this.bridge.request('disconnect', {}));
  }

  get monitorIndex(): number {
    return this.monitor;
  }
}

function isEditable(el: Element | null): boolean {
  return (
    el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement
  );
}
